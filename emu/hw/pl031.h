/*
 * ARM PrimeCell PL031 RTC, as QEMU 7.2's hw/rtc/pl031.c: a seconds counter
 * DR = tick_offset + clock_ns / 1e9 (32-bit wrap), a match register whose
 * alarm fires on the same clock, and IMSC/RIS/MIS/ICR.
 *
 * The clock is any TimerList plus a constant offset in ns: QEMU's rtc_clock
 * is QEMU_CLOCK_HOST by default and QEMU_CLOCK_VIRTUAL with -rtc clock=vm;
 * versatilepb.c picks it from its config.
 */
#ifndef EMU_HW_PL031_H
#define EMU_HW_PL031_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "timer.h"

#define PL031_SIZE 0x1000

typedef struct PL031 {
    TimerList *clock;
    int64_t clock_offset_ns;    /* rtc clock = timerlist_now(clock) + this */
    Timer timer;
    IrqLine irq;
    uint32_t tick_offset;
    uint32_t mr;
    uint32_t lr;
    uint32_t cr;
    uint32_t im;
    uint32_t is;
} PL031;

/* start_seconds: what the guest reads now (QEMU: the -rtc base, by default
 * the host's UTC time at startup). 0 or -1. */
int pl031_init(PL031 *s, Bus *bus, uint32_t base, TimerList *clock,
               int64_t clock_offset_ns, IrqLine irq, int64_t start_seconds);
void pl031_destroy(PL031 *s);
/* The current DR value. */
uint32_t pl031_get_count(PL031 *s);

uint32_t pl031_read(void *opaque, uint32_t offset, unsigned size);
void pl031_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
