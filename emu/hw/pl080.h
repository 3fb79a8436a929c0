/*
 * ARM PrimeCell PL080 DMA controller (8 channels), as QEMU 7.2's
 * hw/dma/pl080.c: memory-to-memory transfers run to completion inside the
 * register write that enables them, element by element through the bus (so
 * a transfer into RAM, or even into a device, lands exactly as on QEMU),
 * following linked lists; peripheral request lines are never asserted, so
 * peripheral-flow channels stay idle.
 *
 * Two QEMU quirks are kept because a guest can see them: enabling a channel
 * (a write to its configuration register) does not update the interrupt
 * line, which only follows TC/error status on the next write to a global
 * register; and the interrupt masks are recomputed only when a transfer is
 * attempted. A channel asking for peripheral flow control (flow >= 4) stops
 * the emulator, as QEMU's hw_error does.
 */
#ifndef EMU_HW_PL080_H
#define EMU_HW_PL080_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define PL080_SIZE 0x1000
#define PL080_NUM_CHANNELS 8

typedef struct Pl080Channel {
    uint32_t src, dest, lli, ctrl, conf;
} Pl080Channel;

typedef struct PL080 {
    Bus *bus;               /* where transfers read and write */
    uint8_t tc_int, tc_mask;
    uint8_t err_int, err_mask;
    uint32_t conf;
    uint32_t sync;
    uint32_t req_single, req_burst;
    Pl080Channel chan[PL080_NUM_CHANNELS];
    int running;            /* >0 while transfers run; guards re-entry */
    IrqLine irq;            /* combined TC | error; the separate lines are unused */
} PL080;

/* Registers the region and applies the device reset. 0 or -1. */
int pl080_init(PL080 *s, Bus *bus, uint32_t base, IrqLine irq);
void pl080_reset(PL080 *s);

uint32_t pl080_read(void *opaque, uint32_t offset, unsigned size);
void pl080_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
