/*
 * ARM PrimeCell PL110 colour LCD controller as QEMU 7.2 models it
 * (hw/display/pl110.c). versatilepb uses the "pl110_versatile" variant: a
 * PL110 with the PL111's register order (control at 0x18, IMSC at 0x1c) but
 * a plain PL110's PrimeCell ID, because that is what the board reports and
 * what Linux matches on.
 *
 * Nothing is drawn (driftlab has no display, like -nographic): the model
 * keeps every register the guest can read, the vertical-blank interrupt
 * that fires every 1/60 s of virtual time while the panel is enabled and
 * powered, and the SYS_CLCD format-mux input (stored, never read back).
 */
#ifndef EMU_HW_PL110_H
#define EMU_HW_PL110_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "timer.h"

#define PL110_SIZE 0x1000

typedef enum Pl110Variant {
    PL110_PLAIN,        /* "pl110" */
    PL110_VERSATILE,    /* "pl110_versatile" (versatilepb) */
    PL110_PL111,        /* "pl111" */
} Pl110Variant;

typedef struct Pl110 {
    Pl110Variant variant;
    TimerList *clock;
    Timer vblank;
    IrqLine irq;
    uint32_t timing[4];
    uint32_t cr;
    uint32_t upbase, lpbase;
    uint32_t int_status, int_mask;
    uint32_t raw_palette[128];
    uint32_t mux_ctrl;
} Pl110;

/* clock: QEMU's virtual clock. 0 or -1 (bus full / overlap). */
int pl110_init(Pl110 *s, Bus *bus, uint32_t base, Pl110Variant variant,
               TimerList *clock, IrqLine irq);
void pl110_destroy(Pl110 *s);
/* The mux input (QEMU's GPIO in 0): SYS_CLCD bits 1:0. */
void pl110_set_mux(void *opaque, int line, int level);

uint32_t pl110_read(void *opaque, uint32_t offset, unsigned size);
void pl110_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
