/* Small helpers shared by the device models in emu/hw/. */
#ifndef EMU_HW_DEVUTIL_H
#define EMU_HW_DEVUTIL_H
#include <stdint.h>

/* QEMU's memory core hands a device the access size and keeps only the low
 * `size` bytes of what its read callback returns. */
static inline uint32_t mmio_truncate(uint64_t v, unsigned size)
{
    return size >= 4 ? (uint32_t)v : (uint32_t)(v & ((1u << (size * 8)) - 1));
}

#define HW_NS_PER_SEC 1000000000LL
#endif
