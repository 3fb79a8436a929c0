/*
 * Periodic countdown timer, semantically identical to QEMU 7.2's ptimer
 * (hw/core/ptimer.c) running on QEMU_CLOCK_VIRTUAL with icount enabled.
 */
#include "hw/ptimer.h"
#include <assert.h>
#include <stdio.h>

#define DELTA_ADJUST     1
#define DELTA_NO_ADJUST -1

static int clz64(uint64_t v)
{
    return v ? __builtin_clzll(v) : 64;
}

static int64_t now_ns(Ptimer *s)
{
    return timerlist_now(s->clock);
}

static void ptimer_trigger(Ptimer *s)
{
    s->callback(s->callback_opaque);
}

static void ptimer_disable(Ptimer *s, const char *why)
{
    if (s->warn)
        fprintf(stderr, "Timer with %s zero, disabling\n", why);
    timer_del(&s->timer);
    s->enabled = 0;
}

static void ptimer_reload(Ptimer *s, int delta_adjust)
{
    uint32_t period_frac;
    uint64_t period;
    uint64_t delta;
    bool suppress_trigger = false;

    /* delta_adjust == 0: a count write or a start, not an expiry. */
    if (delta_adjust == 0 &&
        (s->policy_mask & PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT))
        suppress_trigger = true;
    if (s->delta == 0 && !(s->policy_mask & PTIMER_POLICY_NO_IMMEDIATE_TRIGGER)
        && !suppress_trigger)
        ptimer_trigger(s);

    /* The callback may have changed the state: read it only now. */
    delta = s->delta;
    period = (uint64_t)s->period;
    period_frac = s->period_frac;

    if (delta == 0 && !(s->policy_mask & PTIMER_POLICY_NO_IMMEDIATE_RELOAD))
        delta = s->delta = s->limit;

    if (s->period == 0 && s->period_frac == 0) {
        ptimer_disable(s, "period");
        return;
    }

    if ((s->policy_mask & PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD) &&
        delta_adjust != DELTA_NO_ADJUST)
        delta += (uint64_t)(int64_t)delta_adjust;

    if (delta == 0 && (s->policy_mask & PTIMER_POLICY_CONTINUOUS_TRIGGER) &&
        s->enabled == 1 && s->limit == 0)
        delta = 1;

    if (delta == 0 && (s->policy_mask & PTIMER_POLICY_NO_IMMEDIATE_TRIGGER) &&
        delta_adjust != DELTA_NO_ADJUST)
        delta = 1;

    if (delta == 0 && (s->policy_mask & PTIMER_POLICY_NO_IMMEDIATE_RELOAD) &&
        s->enabled == 1 && s->limit != 0)
        delta = 1;

    if (delta == 0) {
        if (s->enabled == 0)
            return;     /* the trigger callback disabled the timer already */
        ptimer_disable(s, "delta");
        return;
    }

    /* QEMU's 10us throttle, which icount disables. */
    if (s->rate_limit && s->enabled == 1 && delta * period < 10000) {
        period = 10000 / delta;
        period_frac = 0;
    }

    s->last_event = s->next_event;
    s->next_event = (int64_t)((uint64_t)s->last_event + delta * period);
    if (period_frac)
        s->next_event = (int64_t)((uint64_t)s->next_event +
                                  (((uint64_t)period_frac * delta) >> 32));
    timer_mod(&s->timer, s->next_event);
}

static void ptimer_tick(void *opaque)
{
    Ptimer *s = opaque;
    bool trigger = true;

    /* Inside a transaction, so that a callback that touches the timer makes
     * the callback run again iteratively rather than recursively. */
    ptimer_transaction_begin(s);

    if (s->enabled == 2) {
        s->delta = 0;
        s->enabled = 0;
    } else {
        int delta_adjust = DELTA_ADJUST;

        /* delta == 0: a deferred reload of "no immediate reload". */
        if (s->delta == 0 || s->limit == 0)
            delta_adjust = DELTA_NO_ADJUST;

        if (!(s->policy_mask & PTIMER_POLICY_NO_IMMEDIATE_TRIGGER))
            trigger = (delta_adjust == DELTA_ADJUST);

        s->delta = s->limit;
        ptimer_reload(s, delta_adjust);
    }

    if (trigger)
        ptimer_trigger(s);

    ptimer_transaction_commit(s);
}

uint64_t ptimer_get_count(Ptimer *s)
{
    uint64_t counter;

    if (!s->enabled || s->delta == 0)
        return s->delta;

    int64_t now = now_ns(s);
    int64_t next = s->next_event;
    int64_t last = s->last_event;
    bool expired = (now - next >= 0);
    bool oneshot = (s->enabled == 2);

    if (expired) {
        /* It should have triggered already: never underflow. */
        counter = 0;
    } else {
        uint32_t period_frac = s->period_frac;
        uint64_t period = (uint64_t)s->period;

        if (s->rate_limit && !oneshot && s->delta * period < 10000) {
            period = 10000 / s->delta;
            period_frac = 0;
        }

        /* Divide the remaining time by the 64.32 period: scale both so the
         * division is 64-bit, rounding the divisor up so the result rounds
         * down and the counter never goes backwards. */
        uint64_t rem = (uint64_t)(next - now);
        uint64_t div = period;
        int clz1 = clz64(rem), clz2 = clz64(div);
        int shift = clz1 < clz2 ? clz1 : clz2;

        rem <<= shift;
        div <<= shift;
        if (shift >= 32) {
            div |= ((uint64_t)period_frac << (shift - 32));
        } else {
            if (shift != 0)
                div |= (period_frac >> (32 - shift));
            if ((uint32_t)(period_frac << shift))
                div += 1;
        }
        counter = rem / div;

        if (s->policy_mask & PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD) {
            /* Stay at 0 for one period before wrapping around. */
            if (!oneshot && s->delta == s->limit) {
                if (now == last) {
                    if (counter == s->limit + DELTA_ADJUST)
                        return 0;
                } else if (counter == s->limit) {
                    return 0;
                }
            }
        }
    }

    if ((s->policy_mask & PTIMER_POLICY_NO_COUNTER_ROUND_DOWN) && now != last)
        counter += 1;
    return counter;
}

void ptimer_set_count(Ptimer *s, uint64_t count)
{
    assert(s->in_transaction);
    s->delta = count;
    if (s->enabled)
        s->need_reload = true;
}

void ptimer_run(Ptimer *s, int oneshot)
{
    bool was_disabled = !s->enabled;

    assert(s->in_transaction);
    if (was_disabled && s->period == 0 && s->period_frac == 0) {
        if (s->warn)
            fprintf(stderr, "Timer with period zero, disabling\n");
        return;
    }
    s->enabled = oneshot ? 2 : 1;
    if (was_disabled)
        s->need_reload = true;
}

/* May "lose" time, even if restarted at once (as in QEMU). */
void ptimer_stop(Ptimer *s)
{
    assert(s->in_transaction);
    if (!s->enabled)
        return;
    s->delta = ptimer_get_count(s);
    timer_del(&s->timer);
    s->enabled = 0;
    s->need_reload = false;
}

void ptimer_set_period(Ptimer *s, int64_t period)
{
    assert(s->in_transaction);
    s->delta = ptimer_get_count(s);
    s->period = period;
    s->period_frac = 0;
    if (s->enabled)
        s->need_reload = true;
}

void ptimer_set_freq(Ptimer *s, uint32_t freq)
{
    assert(s->in_transaction);
    s->delta = ptimer_get_count(s);
    s->period = 1000000000LL / freq;
    s->period_frac = (uint32_t)((1000000000LL << 32) / freq);
    if (s->enabled)
        s->need_reload = true;
}

void ptimer_set_limit(Ptimer *s, uint64_t limit, int reload)
{
    assert(s->in_transaction);
    s->limit = limit;
    if (reload)
        s->delta = limit;
    if (s->enabled && reload)
        s->need_reload = true;
}

uint64_t ptimer_get_limit(const Ptimer *s)
{
    return s->limit;
}

void ptimer_transaction_begin(Ptimer *s)
{
    assert(!s->in_transaction);
    s->in_transaction = true;
    s->need_reload = false;
}

void ptimer_transaction_commit(Ptimer *s)
{
    assert(s->in_transaction);
    /* Loop: a reload can call the callback, which may ask for another. */
    while (s->need_reload && s->enabled) {
        s->need_reload = false;
        s->next_event = now_ns(s);
        ptimer_reload(s, 0);
    }
    s->in_transaction = false;
}

void ptimer_init(Ptimer *s, TimerList *clock, PtimerCb *cb, void *opaque,
                 uint8_t policy_mask)
{
    assert(cb);
    /* Incompatible, as in QEMU. */
    assert(!((policy_mask & PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT) &&
             (policy_mask & PTIMER_POLICY_NO_IMMEDIATE_TRIGGER)));
    *s = (Ptimer){0};
    s->clock = clock;
    s->callback = cb;
    s->callback_opaque = opaque;
    s->policy_mask = policy_mask;
    s->warn = true;
    timer_init(&s->timer, clock, ptimer_tick, s);
}

void ptimer_free(Ptimer *s)
{
    timer_del(&s->timer);
}
