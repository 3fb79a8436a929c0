/*
 * The physical address space: one RAM block plus memory-mapped devices that
 * register with a single call (base, size, callbacks, opaque pointer).
 */
#ifndef EMU_HW_BUS_H
#define EMU_HW_BUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* size is 1, 2 or 4 bytes; offset is relative to the region's base. */
typedef uint32_t MmioRead(void *opaque, uint32_t offset, unsigned size);
typedef void MmioWrite(void *opaque, uint32_t offset, uint32_t value, unsigned size);

typedef struct MmioRegion {
    uint32_t base, size;
    MmioRead *read;
    MmioWrite *write;
    void *opaque;
    const char *name;
} MmioRegion;

#define BUS_MAX_REGIONS 64

typedef struct Bus {
    uint8_t *ram;
    uint32_t ram_size;
    MmioRegion regions[BUS_MAX_REGIONS];
    int n_regions;
    /* Called after a bus master (DMA) wrote RAM, so that whoever caches
     * translated code can drop it; optional. */
    void (*ram_written)(void *opaque, uint32_t addr, uint32_t len);
    void *ram_written_opaque;
} Bus;

/* Returns 0, or -1 with a message on stderr when it overlaps or is full. */
int bus_init(Bus *bus, uint32_t ram_size);
void bus_free(Bus *bus);
int bus_register(Bus *bus, uint32_t base, uint32_t size, MmioRead *read,
                 MmioWrite *write, void *opaque, const char *name);
/* The device region holding addr, or NULL (unmapped: a bus error). */
const MmioRegion *bus_find(const Bus *bus, uint32_t addr);
static inline bool bus_is_ram(const Bus *bus, uint32_t addr)
{
    return addr < bus->ram_size;
}
#endif
