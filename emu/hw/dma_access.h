/*
 * Physical memory access for bus masters (DMA), as QEMU's address_space_read
 * and address_space_write behave on versatilepb: RAM is copied directly (and
 * the owner of translated code is told, so stale TBs are dropped), device
 * regions get accesses of at most 4 bytes that respect alignment, and
 * unmapped addresses read as zero and ignore writes.
 */
#ifndef EMU_HW_DMA_ACCESS_H
#define EMU_HW_DMA_ACCESS_H
#include <stdint.h>
#include "hw/bus.h"

void dma_read(Bus *bus, uint32_t addr, void *buf, uint32_t len);
void dma_write(Bus *bus, uint32_t addr, const void *buf, uint32_t len);
/* A little-endian 32-bit word (QEMU's address_space_ldl_le). */
uint32_t dma_ldl_le(Bus *bus, uint32_t addr);
#endif
