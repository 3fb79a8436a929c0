/*
 * ARM PrimeCell PL061 GPIO (the plain ARM part, not the Luminary variant),
 * as QEMU 7.2's hw/gpio/pl061.c models it: eight lines, GPIODATA with its
 * address-bus mask (offset bits 9..2 select the bits an access touches),
 * edge/level/both-edge interrupt sense, and the board's default pull-ups.
 *
 * On versatilepb nothing is wired to the lines, so an input reads back
 * whatever the data register last held for it (0 after reset): QEMU 7.2
 * applies the "pullups" property (0xff) only to the level it drives out of
 * the device, never to GPIODATA.
 */
#ifndef EMU_HW_PL061_H
#define EMU_HW_PL061_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define PL061_SIZE 0x1000
#define PL061_NUM_LINES 8

typedef struct PL061 {
    uint32_t data;
    uint32_t old_out_data;  /* levels last driven on the output lines */
    uint32_t old_in_data;   /* input levels last seen, for edge detection */
    uint32_t dir;
    uint32_t isense;
    uint32_t ibe;
    uint32_t iev;
    uint32_t im;
    uint32_t istate;
    uint32_t afsel;
    uint32_t cr;            /* commit mask for AFSEL; always 0xff here */
    uint8_t pullups, pulldowns;
    IrqLine irq;
    IrqLine out[PL061_NUM_LINES];   /* optional; unconnected on versatilepb */
} PL061;

/* Registers the region and applies the device reset. 0 or -1. */
int pl061_init(PL061 *s, Bus *bus, uint32_t base, IrqLine irq);
void pl061_reset(PL061 *s);
/* An external level on line n (0..7); ignored while n is an output. */
void pl061_set_input(void *opaque, int n, int level);

uint32_t pl061_read(void *opaque, uint32_t offset, unsigned size);
void pl061_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
