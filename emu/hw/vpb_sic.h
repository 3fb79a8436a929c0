/*
 * Versatile/PB secondary interrupt controller ("versatilepb_sic" in QEMU 7.2,
 * hw/arm/versatilepb.c). Its 32 outputs go to the VIC lines of the same
 * number: output 31 carries (level & enable) != 0, and outputs 21..30 carry
 * the raw SIC input of the same number when PICENABLE passes it through.
 */
#ifndef EMU_HW_VPB_SIC_H
#define EMU_HW_VPB_SIC_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define VPB_SIC_SIZE 0x1000

typedef struct VpbSic {
    uint32_t level;
    uint32_t mask;
    uint32_t pic_enable;
    IrqLine parent[32];
    int irq;                /* output carrying the combined interrupt: 31 */
} VpbSic;

/* parent[n] is the VIC input n (only 21..31 are ever driven). 0 or -1. */
int vpb_sic_init(VpbSic *s, Bus *bus, uint32_t base, const IrqLine parent[32]);
IrqLine vpb_sic_input(VpbSic *s, int n);
void vpb_sic_set_irq(void *opaque, int n, int level);

uint32_t vpb_sic_read(void *opaque, uint32_t offset, unsigned size);
void vpb_sic_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
