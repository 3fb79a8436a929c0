/* DS1338 RTC with QEMU 7.2's semantics (see ds1338.h). */
#include "hw/ds1338.h"
#include "hw/devutil.h"
#include <time.h>

#define REG_SECONDS 0
#define REG_HOURS   2
#define REG_CONTROL 7
#define HOURS_12    0x40
#define HOURS_PM    0x20
#define CTRL_OSF    0x20

static uint8_t to_bcd(int v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0x0f);
}

static int64_t floor_seconds(int64_t ns)
{
    return ns >= 0 ? ns / HW_NS_PER_SEC : -((-ns + HW_NS_PER_SEC - 1) / HW_NS_PER_SEC);
}

static int64_t host_ns(const Ds1338 *s)
{
    if (s->clock.host_now_ns)
        return s->clock.host_now_ns(s->clock.host_opaque);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * HW_NS_PER_SEC + ts.tv_nsec;
}

/* QEMU's qemu_ref_timedate(rtc_clock): whole seconds of the RTC clock. */
static int64_t rtc_seconds(const Ds1338 *s)
{
    return s->rtc_adjust
           + floor_seconds(timerlist_now(s->clock.rtc) + s->clock.rtc_offset_ns);
}

static int64_t host_seconds(const Ds1338 *s)
{
    return s->host_adjust + floor_seconds(host_ns(s));
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar, counting the
 * year from March so that the leap day comes last; fields outside their
 * range are folded in arithmetically rather than normalised. */
static int64_t days_from_civil(int year, int month, int mday)
{
    if (month < 3) {
        month += 12;
        year--;
    }
    return mday + (153 * month - 457) / 5 + 365LL * year + year / 4 - year / 100
           + year / 400 - 719469;
}

static int64_t tm_to_seconds(const struct tm *tm)
{
    return 86400 * days_from_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday)
           + 3600 * tm->tm_hour + 60 * tm->tm_min + tm->tm_sec;
}

/* The guest's view of now: RTC time shifted by what it set (QEMU passes
 * the offset through an int). */
static void guest_time(const Ds1338 *s, struct tm *tm)
{
    time_t t = (time_t)(rtc_seconds(s) + (int)s->offset);
    gmtime_r(&t, tm);
}

static void capture_current_time(Ds1338 *s)
{
    struct tm now;
    guest_time(s, &now);
    s->nvram[0] = to_bcd(now.tm_sec);
    s->nvram[1] = to_bcd(now.tm_min);
    if (s->nvram[REG_HOURS] & HOURS_12) {
        int h = now.tm_hour % 12 == 0 ? now.tm_hour + 12 : now.tm_hour;
        s->nvram[REG_HOURS] = h <= 12 ? (uint8_t)(HOURS_12 | to_bcd(h))
                                      : (uint8_t)(HOURS_12 | HOURS_PM | to_bcd(h - 12));
    } else {
        s->nvram[REG_HOURS] = to_bcd(now.tm_hour);
    }
    s->nvram[3] = (uint8_t)((now.tm_wday + s->wday_offset) % 7 + 1);
    s->nvram[4] = to_bcd(now.tm_mday);
    s->nvram[5] = to_bcd(now.tm_mon + 1);
    s->nvram[6] = to_bcd(now.tm_year - 100);
}

/* Wrapping past the last register re-latches the time. */
static void advance_ptr(Ds1338 *s)
{
    s->ptr = (s->ptr + 1) & (DS1338_NVRAM_SIZE - 1);
    if (!s->ptr)
        capture_current_time(s);
}

static int ds1338_event(void *opaque, I2CEvent event)
{
    Ds1338 *s = opaque;
    if (event == I2C_START_RECV)
        capture_current_time(s);
    else if (event == I2C_START_SEND)
        s->addr_byte = true;
    return 0;
}

static uint8_t ds1338_recv(void *opaque)
{
    Ds1338 *s = opaque;
    uint8_t v = s->nvram[s->ptr];
    advance_ptr(s);
    return v;
}

static void set_time_field(Ds1338 *s, uint8_t data)
{
    struct tm now;
    guest_time(s, &now);
    switch (s->ptr) {
    case 0:
        now.tm_sec = from_bcd(data & 0x7f);     /* the CH bit is ignored */
        break;
    case 1:
        now.tm_min = from_bcd(data & 0x7f);
        break;
    case 2:
        if (data & HOURS_12) {
            int h = from_bcd(data & (HOURS_PM - 1));
            if (data & HOURS_PM)
                h += 12;
            if (h % 12 == 0)
                h -= 12;
            now.tm_hour = h;
        } else {
            now.tm_hour = from_bcd(data & (HOURS_12 - 1));
        }
        break;
    case 3: {
        /* The day of week is kept as an offset from the real one. */
        int user_wday = (data & 7) - 1;
        s->wday_offset = (uint8_t)((user_wday - now.tm_wday + 7) % 7);
        break;
    }
    case 4:
        now.tm_mday = from_bcd(data & 0x3f);
        break;
    case 5:
        now.tm_mon = from_bcd(data & 0x1f) - 1;
        break;
    default:
        now.tm_year = from_bcd(data) + 100;
        break;
    }
    s->offset = (int)(tm_to_seconds(&now) - host_seconds(s));
}

static int ds1338_send(void *opaque, uint8_t data)
{
    Ds1338 *s = opaque;
    if (s->addr_byte) {
        s->ptr = data & (DS1338_NVRAM_SIZE - 1);
        s->addr_byte = false;
        return 0;
    }
    if (s->ptr < REG_CONTROL) {
        set_time_field(s, data);
    } else if (s->ptr == REG_CONTROL) {
        /* Bits 2, 3 and 6 read as zero; OSF can be cleared, never set. */
        data &= 0xb3;
        data = (uint8_t)((data & ~CTRL_OSF) | (data & s->nvram[REG_CONTROL] & CTRL_OSF));
        s->nvram[REG_CONTROL] = data;
    } else {
        s->nvram[s->ptr] = data;
    }
    advance_ptr(s);
    return 0;
}

void ds1338_reset(Ds1338 *s)
{
    s->offset = 0;
    s->wday_offset = 0;
    for (int i = 0; i < DS1338_NVRAM_SIZE; i++)
        s->nvram[i] = 0;
    s->ptr = 0;
    s->addr_byte = false;
}

void ds1338_init(Ds1338 *s, const Ds1338Clock *clock)
{
    *s = (Ds1338){0};
    s->clock = *clock;
    s->i2c = (I2CSlave){ .address = DS1338_I2C_ADDR, .opaque = s, .event = ds1338_event,
                         .recv = ds1338_recv, .send = ds1338_send };
    s->rtc_adjust = clock->start_seconds
                    - floor_seconds(timerlist_now(clock->rtc) + clock->rtc_offset_ns);
    s->host_adjust = clock->start_seconds - floor_seconds(host_ns(s));
    ds1338_reset(s);
}
