/*
 * ARM PrimeCell PL190 vectored interrupt controller, as QEMU 7.2's
 * hw/intc/pl190.c: 32 level inputs, IRQ and FIQ outputs, 16 vectored
 * priority slots plus the default vector.
 */
#ifndef EMU_HW_PL190_H
#define EMU_HW_PL190_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define PL190_SIZE 0x1000
#define PL190_NUM_PRIO 17   /* 16 vectors + the unvectored IRQ */

typedef struct PL190 {
    uint32_t level;
    uint32_t soft_level;
    uint32_t irq_enable;
    uint32_t fiq_select;
    uint8_t vect_control[16];
    uint32_t vect_addr[PL190_NUM_PRIO];
    /* Interrupts with a higher priority than each level. */
    uint32_t prio_mask[PL190_NUM_PRIO + 1];
    int protected_;
    int priority;           /* current priority level */
    int prev_prio[PL190_NUM_PRIO];
    IrqLine irq, fiq;
} PL190;

/* Registers the region and applies the device reset. 0 or -1. */
int pl190_init(PL190 *s, Bus *bus, uint32_t base, IrqLine irq, IrqLine fiq);
void pl190_reset(PL190 *s);
/* Input line n (0..31), for the devices wired to the VIC. */
IrqLine pl190_input(PL190 *s, int n);
void pl190_set_irq(void *opaque, int n, int level);

uint32_t pl190_read(void *opaque, uint32_t offset, unsigned size);
void pl190_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
