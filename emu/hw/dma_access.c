/* Bus-master memory access with QEMU's splitting rules (see dma_access.h). */
#include "hw/dma_access.h"
#include <string.h>

/* Largest access QEMU's memory core makes to a device here: at most 4
 * bytes, a power of two, and no wider than the address's alignment. */
static uint32_t mmio_chunk(uint32_t addr, uint32_t len)
{
    uint32_t max = 4;
    uint32_t align = addr & -addr;
    if (align && align < max)
        max = align;
    if (len > max)
        len = max;
    while (len & (len - 1))
        len &= len - 1;
    return len;
}

/* Bytes from addr that stay within one RAM, device or hole. */
static uint32_t span(const Bus *bus, uint32_t addr, uint32_t len, const MmioRegion **r)
{
    uint64_t end = (uint64_t)addr + len;
    *r = NULL;
    if (bus_is_ram(bus, addr)) {
        if (end > bus->ram_size)
            end = bus->ram_size;
        return (uint32_t)(end - addr);
    }
    *r = bus_find(bus, addr);
    if (*r) {
        uint64_t rend = (uint64_t)(*r)->base + (*r)->size;
        if (end > rend)
            end = rend;
        return (uint32_t)(end - addr);
    }
    /* A hole: up to the next device. */
    for (int i = 0; i < bus->n_regions; i++) {
        uint32_t b = bus->regions[i].base;
        if (b > addr && b < end)
            end = b;
    }
    return (uint32_t)(end - addr);
}

void dma_read(Bus *bus, uint32_t addr, void *buf, uint32_t len)
{
    uint8_t *p = buf;
    while (len) {
        const MmioRegion *r;
        uint32_t n = span(bus, addr, len, &r);
        if (bus_is_ram(bus, addr)) {
            memcpy(p, bus->ram + addr, n);
        } else if (r && r->read) {
            n = mmio_chunk(addr, n);
            uint32_t v = r->read(r->opaque, addr - r->base, n);
            for (uint32_t i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * i));
        } else {
            memset(p, 0, n);
        }
        p += n;
        addr += n;
        len -= n;
    }
}

void dma_write(Bus *bus, uint32_t addr, const void *buf, uint32_t len)
{
    const uint8_t *p = buf;
    while (len) {
        const MmioRegion *r;
        uint32_t n = span(bus, addr, len, &r);
        if (bus_is_ram(bus, addr)) {
            memcpy(bus->ram + addr, p, n);
            if (bus->ram_written)
                bus->ram_written(bus->ram_written_opaque, addr, n);
        } else if (r && r->write) {
            n = mmio_chunk(addr, n);
            uint32_t v = 0;
            for (uint32_t i = 0; i < n; i++)
                v |= (uint32_t)p[i] << (8 * i);
            r->write(r->opaque, addr - r->base, v, n);
        }
        p += n;
        addr += n;
        len -= n;
    }
}

uint32_t dma_ldl_le(Bus *bus, uint32_t addr)
{
    uint8_t b[4];
    dma_read(bus, addr, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
