/* PL031 RTC with QEMU 7.2's semantics. No reset handler (as QEMU 7.2). */
#include "hw/pl031.h"
#include "hw/devutil.h"

#define RTC_DR      0x00
#define RTC_MR      0x04
#define RTC_LR      0x08
#define RTC_CR      0x0c
#define RTC_IMSC    0x10
#define RTC_RIS     0x14
#define RTC_MIS     0x18
#define RTC_ICR     0x1c

static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00,
                                     0x0d, 0xf0, 0x05, 0xb1 };

static int64_t rtc_now(PL031 *s)
{
    return timerlist_now(s->clock) + s->clock_offset_ns;
}

static void pl031_update(PL031 *s)
{
    irq_set(&s->irq, (int)(s->is & s->im));
}

static void pl031_interrupt(void *opaque)
{
    PL031 *s = opaque;
    s->is = 1;
    pl031_update(s);
}

uint32_t pl031_get_count(PL031 *s)
{
    return s->tick_offset + (uint32_t)(rtc_now(s) / HW_NS_PER_SEC);
}

static void pl031_set_alarm(PL031 *s)
{
    /* Wraps like the counter, so an alarm in the past is ~136 years away. */
    uint32_t ticks = s->mr - pl031_get_count(s);
    if (ticks == 0) {
        timer_del(&s->timer);
        pl031_interrupt(s);
    } else {
        int64_t now = rtc_now(s);
        timer_mod(&s->timer, now + (int64_t)ticks * HW_NS_PER_SEC
                  - s->clock_offset_ns);
    }
}

static uint32_t rtc_read(PL031 *s, uint32_t offset)
{
    switch (offset) {
    case RTC_DR:
        return pl031_get_count(s);
    case RTC_MR:
        return s->mr;
    case RTC_IMSC:
        return s->im;
    case RTC_RIS:
        return s->is;
    case RTC_LR:
        return s->lr;
    case RTC_CR:
        return 1;       /* permanently enabled */
    case RTC_MIS:
        return s->is & s->im;
    default:
        if (offset >= 0xfe0 && offset <= 0xfff)
            return pl031_id[(offset - 0xfe0) >> 2];
        return 0;       /* includes the write-only ICR */
    }
}

uint32_t pl031_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(rtc_read(opaque, offset), size);
}

void pl031_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL031 *s = opaque;
    (void)size;

    switch (offset) {
    case RTC_LR:
        s->lr = value;
        s->tick_offset += value - pl031_get_count(s);
        pl031_set_alarm(s);
        break;
    case RTC_MR:
        s->mr = value;
        pl031_set_alarm(s);
        break;
    case RTC_IMSC:
        s->im = value & 1;
        pl031_update(s);
        break;
    case RTC_ICR:
        s->is &= ~value;
        pl031_update(s);
        break;
    default:    /* CR (ignored), read-only and bad offsets */
        break;
    }
}

int pl031_init(PL031 *s, Bus *bus, uint32_t base, TimerList *clock,
               int64_t clock_offset_ns, IrqLine irq, int64_t start_seconds)
{
    *s = (PL031){0};
    s->clock = clock;
    s->clock_offset_ns = clock_offset_ns;
    s->irq = irq;
    s->tick_offset = (uint32_t)(start_seconds - rtc_now(s) / HW_NS_PER_SEC);
    timer_init(&s->timer, clock, pl031_interrupt, s);
    return bus_register(bus, base, PL031_SIZE, pl031_read, pl031_write, s,
                        "pl031");
}

void pl031_destroy(PL031 *s)
{
    timer_del(&s->timer);
}
