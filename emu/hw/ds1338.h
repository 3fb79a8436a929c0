/*
 * Maxim DS1338 I2C real-time clock with 56 bytes of NVRAM, as QEMU 7.2's
 * hw/rtc/ds1338.c: 64 register bytes behind an auto-incrementing pointer;
 * the first write byte of a transaction sets the pointer; a START for reading
 * (or the pointer wrapping past 0x3f) latches the current time into
 * registers 0..6 as BCD, so a guest reads a consistent snapshot.
 *
 * The time comes from the same clock as the PL031 (QEMU's rtc_clock with
 * its -rtc base): with a virtual-clock RTC it is a pure function of virtual
 * time. A guest that *sets* the time stores an offset against the host's
 * wall clock (QEMU computes it with qemu_timedate_diff, which always uses
 * QEMU_CLOCK_HOST); that quirk is kept, so only runs that write the DS1338
 * depend on the host clock, as they do on QEMU.
 */
#ifndef EMU_HW_DS1338_H
#define EMU_HW_DS1338_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/i2c.h"
#include "timer.h"

#define DS1338_NVRAM_SIZE 64
#define DS1338_I2C_ADDR 0x68

typedef struct Ds1338Clock {
    TimerList *rtc;             /* the RTC's clock ... */
    int64_t rtc_offset_ns;      /* ... plus this gives its time in ns */
    int64_t start_seconds;      /* what the RTC reads now (-rtc base) */
    /* Host wall-clock ns (for the set-time quirk); NULL: CLOCK_REALTIME. */
    int64_t (*host_now_ns)(void *opaque);
    void *host_opaque;
} Ds1338Clock;

typedef struct Ds1338 {
    I2CSlave i2c;
    Ds1338Clock clock;
    int64_t rtc_adjust;         /* seconds to add to the RTC clock's count */
    int64_t host_adjust;        /* the same for the host clock */
    int64_t offset;             /* guest-set time minus host reference */
    uint8_t wday_offset;
    uint8_t nvram[DS1338_NVRAM_SIZE];
    int ptr;
    bool addr_byte;
} Ds1338;

/* Sets up the slave (address 0x68) in its reset state; attach s->i2c to a
 * bus with i2c_attach. */
void ds1338_init(Ds1338 *s, const Ds1338Clock *clock);
/* QEMU's device reset: time back in sync with the RTC clock, NVRAM zeroed. */
void ds1338_reset(Ds1338 *s);
#endif
