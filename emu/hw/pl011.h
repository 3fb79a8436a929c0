/*
 * ARM PrimeCell PL011 UART, as QEMU 7.2's hw/char/pl011.c (ARM ID variant),
 * with only the combined interrupt output connected (as pl011_create does).
 */
#ifndef EMU_HW_PL011_H
#define EMU_HW_PL011_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"
#include "hw/chardev.h"
#include "hw/irq.h"

#define PL011_SIZE 0x1000

typedef struct PL011 {
    uint32_t readbuff;
    uint32_t flags;
    uint32_t lcr;
    uint32_t rsr;
    uint32_t cr;
    uint32_t dmacr;
    uint32_t int_enabled;
    uint32_t int_level;
    uint32_t read_fifo[16];
    uint32_t ilpr;
    uint32_t ibrd;
    uint32_t fbrd;
    uint32_t ifl;
    int read_pos;
    int read_count;
    int read_trigger;
    CharDev *chr;           /* not owned; NULL: no backend */
    IrqLine irq;
} PL011;

/* chr may be NULL (output dropped, no input). 0 or -1. */
int pl011_init(PL011 *s, Bus *bus, uint32_t base, IrqLine irq, CharDev *chr);

/* Moves available backend input into the RX FIFO while it has room (QEMU's
 * chardev front-end does this from its main loop). force: bypass the
 * backend's 1 ms poll rate limit. Returns true if a byte was received. */
bool pl011_poll_input(PL011 *s, bool force);
/* QEMU's can_receive: room in the FIFO (16 with FIFOs enabled, else 1). */
bool pl011_can_receive(const PL011 *s);
/* Receive one byte (or 0x400 for a break), as the backend delivers it. */
void pl011_receive(PL011 *s, uint32_t value);

uint32_t pl011_read(void *opaque, uint32_t offset, unsigned size);
void pl011_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
