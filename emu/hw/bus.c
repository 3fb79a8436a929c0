#include "hw/bus.h"
#include <stdio.h>
#include <stdlib.h>

int bus_init(Bus *bus, uint32_t ram_size)
{
    bus->ram = calloc(1, ram_size ? ram_size : 1);
    bus->ram_size = ram_size;
    bus->n_regions = 0;
    bus->ram_written = NULL;
    bus->ram_written_opaque = NULL;
    if (!bus->ram) {
        fprintf(stderr, "emu-arm: cannot allocate %u bytes of guest RAM\n", ram_size);
        return -1;
    }
    return 0;
}

void bus_free(Bus *bus)
{
    free(bus->ram);
    bus->ram = NULL;
}

int bus_register(Bus *bus, uint32_t base, uint32_t size, MmioRead *read,
                 MmioWrite *write, void *opaque, const char *name)
{
    uint64_t end = (uint64_t)base + size;
    if (bus->n_regions == BUS_MAX_REGIONS || size == 0 || base < bus->ram_size) {
        fprintf(stderr, "emu-arm: cannot map device %s at 0x%08x\n", name, base);
        return -1;
    }
    for (int i = 0; i < bus->n_regions; i++) {
        const MmioRegion *r = &bus->regions[i];
        if (base < (uint64_t)r->base + r->size && end > r->base) {
            fprintf(stderr, "emu-arm: device %s overlaps %s\n", name, r->name);
            return -1;
        }
    }
    /* Keep the array sorted by base so that lookups can bisect. */
    int i = bus->n_regions++;
    while (i > 0 && bus->regions[i - 1].base > base) {
        bus->regions[i] = bus->regions[i - 1];
        i--;
    }
    bus->regions[i] = (MmioRegion){ base, size, read, write, opaque, name };
    return 0;
}

const MmioRegion *bus_find(const Bus *bus, uint32_t addr)
{
    int lo = 0, hi = bus->n_regions - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const MmioRegion *r = &bus->regions[mid];
        if (addr < r->base)
            hi = mid - 1;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}
