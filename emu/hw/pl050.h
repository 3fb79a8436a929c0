/*
 * ARM PrimeCell PL050 keyboard/mouse interface (KMI) in front of a PS/2
 * keyboard or mouse, as QEMU 7.2's hw/input/pl050.c: KMIDATA reads pop the
 * device's queue, writes go straight to the device (which answers at once,
 * so TXEMPTY is always set), and the interrupt is RX-full-and-enabled or the
 * TX interrupt enable bit on its own (QEMU treats "TX empty" as permanent).
 * There is no reset handler: only the PS/2 device behind it resets.
 */
#ifndef EMU_HW_PL050_H
#define EMU_HW_PL050_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "hw/ps2.h"

#define PL050_SIZE 0x1000

typedef struct PL050 {
    uint32_t cr;
    uint32_t clk;
    uint32_t last;          /* last byte read, for KMIDATA and the parity bit */
    int pending;            /* the PS/2 device's IRQ level */
    bool is_mouse;
    Ps2Kbd kbd;             /* one of the two is used, per is_mouse */
    Ps2Mouse mouse;
    IrqLine irq;
} PL050;

/* Registers the region; the PS/2 device starts in its reset state. */
int pl050_init(PL050 *s, Bus *bus, uint32_t base, IrqLine irq, bool is_mouse);
/* QEMU's system reset: resets the PS/2 device (which lowers its IRQ). */
void pl050_reset(PL050 *s);

uint32_t pl050_read(void *opaque, uint32_t offset, unsigned size);
void pl050_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
