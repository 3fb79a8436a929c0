#include "icount.h"
#include "hostclock.h"
#include <time.h>

#define NS_PER_SEC 1000000000LL
/* QEMU's ICOUNT_WOBBLE: the dead band of shift=auto's controller. */
#define ICOUNT_WOBBLE (NS_PER_SEC / 10)
/* Without icount, at most this many instructions run between timer checks. */
#define REALTIME_SLICE 100000

static int64_t vclock_now(void *opaque) { return icount_vclock_ns(opaque); }
static int64_t rtclock_now(void *opaque) { return icount_rtclock_ns(opaque); }
static void notify_vcpu(void *opaque)
{
    Icount *ic = opaque;
    if (ic->kick)
        ic->kick(ic->kick_opaque);
}

static void auto_adjust(Icount *ic)
{
    int64_t cur_time = icount_rtclock_ns(ic) - ic->stopped_ns;
    int64_t cur_icount = icount_vclock_ns(ic);
    int64_t delta = cur_icount - cur_time;
    /* The same crude controller as QEMU's icount_adjust(): one step per
     * call, only when the error grew past the wobble band. */
    if (delta > 0 && ic->last_delta + ICOUNT_WOBBLE < delta * 2 && ic->shift > 0)
        ic->shift--;
    if (delta < 0 && ic->last_delta - ICOUNT_WOBBLE > delta * 2 &&
        ic->shift < ICOUNT_MAX_SHIFT)
        ic->shift++;
    ic->last_delta = delta;
    /* Keep the virtual clock continuous across the shift change. */
    ic->bias_ns = cur_icount - (ic->executed << ic->shift);
}

static void auto_rt_tick(void *opaque)
{
    Icount *ic = opaque;
    timer_mod(&ic->auto_rt_timer, icount_rtclock_ns(ic) + NS_PER_SEC);
    auto_adjust(ic);
}

static void auto_vm_tick(void *opaque)
{
    Icount *ic = opaque;
    timer_mod(&ic->auto_vm_timer, icount_vclock_ns(ic) + NS_PER_SEC / 10);
    auto_adjust(ic);
}

void icount_init(Icount *ic, IcountDecr *decr, int shift, bool adaptive, bool sleep)
{
    *ic = (Icount){0};
    ic->decr = decr;
    ic->shift = adaptive ? ICOUNT_AUTO_INITIAL_SHIFT : shift;
    ic->adaptive = adaptive;
    ic->sleep = sleep;
    ic->rt_start_ns = host_monotonic_ns();
    decr->u32 = 0;
    ic->sync_at = ic->policy_at = ic->publish_at = INT64_MAX;
    timerlist_init(&ic->vtimers, vclock_now, ic);
    timerlist_init(&ic->rtimers, rtclock_now, ic);
    ic->vtimers.notify = notify_vcpu;
    ic->vtimers.notify_opaque = ic;
    if (adaptive) {
        timer_init(&ic->auto_rt_timer, &ic->rtimers, auto_rt_tick, ic);
        timer_init(&ic->auto_vm_timer, &ic->vtimers, auto_vm_tick, ic);
        timer_mod(&ic->auto_rt_timer, NS_PER_SEC);
        timer_mod(&ic->auto_vm_timer, NS_PER_SEC / 10);
    }
}

void icount_set_realtime(Icount *ic)
{
    ic->realtime = true;
    ic->sleep = true;
    ic->shift = 0;
}

int64_t icount_vclock_ns(const Icount *ic)
{
    /* Without -icount the virtual clock is host time, but like QEMU's it
     * does not run while the monitor has the VM stopped. */
    if (ic->realtime)
        return icount_rtclock_ns(ic) - ic->stopped_ns;
    return (icount_raw(ic) << ic->shift) + ic->bias_ns;
}

int64_t icount_rtclock_ns(const Icount *ic)
{
    return host_monotonic_ns() - ic->rt_start_ns;
}

void icount_update(Icount *ic)
{
    int64_t n = icount_raw(ic) - ic->executed;
    ic->budget -= n;
    ic->executed += n;
}

void icount_prepare_for_run(Icount *ic)
{
    int64_t deadline = timerlist_deadline_ns(&ic->vtimers);
    /* QEMU caps a missing or far deadline at INT32_MAX ns. */
    if (deadline < 0 || deadline > INT32_MAX)
        deadline = INT32_MAX;
    if (ic->realtime && deadline > REALTIME_SLICE)
        deadline = REALTIME_SLICE;
    ic->budget = (deadline + (1LL << ic->shift) - 1) >> ic->shift;
    icount_refill(ic);
}

/* Loads the decrementer with `natural` (what it would hold without sync
 * points), capped at the next sync point but never below `min_low`. */
static void load_decrementer(Icount *ic, int64_t natural, int64_t min_low)
{
    int64_t low = natural, room = ic->sync_at - ic->executed;
    if (room < low)
        low = room > min_low ? room : min_low;
    ic->decr->u16.low = (uint16_t)low;
    ic->held = natural - low;
    ic->extra = ic->budget - low;
}

int32_t icount_refill(Icount *ic)
{
    int32_t left = ic->budget < 0xffff ? (int32_t)ic->budget : 0xffff;
    load_decrementer(ic, left, 0);
    return left;
}

static void update_sync_at(Icount *ic)
{
    ic->sync_at = ic->policy_at < ic->publish_at ? ic->policy_at : ic->publish_at;
}

/* At a TB boundary with `executed` exact. */
static void run_due_sync_points(Icount *ic)
{
    ic->sync_stops++;
    atomic_store_explicit(&ic->published, ic->executed, memory_order_relaxed);
    if (ic->executed >= ic->publish_at)
        ic->publish_at = ic->executed + ic->publish_step;
    if (ic->executed >= ic->policy_at)
        ic->policy_at = ic->on_align ? ic->on_align(ic->policy_opaque) : INT64_MAX;
    update_sync_at(ic);
}

bool icount_tb_entry_stop(Icount *ic, int tb_icount)
{
    int64_t natural = ic->decr->u16.low + ic->held;
    icount_update(ic);
    if (ic->executed >= ic->sync_at)
        run_due_sync_points(ic);
    if (natural < tb_icount) {
        ic->held = 0;
        return false;
    }
    /* A TB that crosses the sync point runs whole; the next entry stops. */
    load_decrementer(ic, natural, tb_icount);
    return true;
}

void icount_set_policy_at(Icount *ic, int64_t at)
{
    ic->policy_at = at;
    update_sync_at(ic);
    icount_update(ic);
    load_decrementer(ic, ic->decr->u16.low + ic->held, 0);
}

void icount_set_publish_step(Icount *ic, int64_t step)
{
    ic->publish_step = step;
    ic->publish_at = step > 0 ? icount_raw(ic) + step : INT64_MAX;
    update_sync_at(ic);
    icount_update(ic);
    load_decrementer(ic, ic->decr->u16.low + ic->held, 0);
}

void icount_process_data(Icount *ic)
{
    icount_update(ic);
    ic->decr->u16.low = 0;
    ic->extra = 0;
    ic->budget = 0;
    ic->held = 0;
    atomic_store_explicit(&ic->published, ic->executed, memory_order_relaxed);
}

bool icount_handle_deadline(Icount *ic)
{
    timerlist_run(&ic->rtimers);
    if (timerlist_deadline_ns(&ic->vtimers) == 0)
        return timerlist_run(&ic->vtimers);
    return false;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { ns / NS_PER_SEC, ns % NS_PER_SEC };
    nanosleep(&ts, NULL);
}

bool icount_idle_warp(Icount *ic, bool (*woken)(void *), void *woken_opaque)
{
    int64_t deadline = timerlist_deadline_ns(&ic->vtimers);
    if (!ic->sleep) {
        if (deadline < 0)
            return false;
        ic->bias_ns += deadline;
        icount_handle_deadline(ic);
        return true;
    }
    /* sleep=on: virtual time follows real time while idle. Sleep in short
     * slices so that realtime timers and host input are still served. */
    int64_t start = icount_rtclock_ns(ic);
    for (;;) {
        int64_t elapsed = icount_rtclock_ns(ic) - start;
        if (deadline >= 0 && elapsed >= deadline)
            break;
        int64_t slice = 1000000;
        if (deadline >= 0 && deadline - elapsed < slice)
            slice = deadline - elapsed;
        int64_t rt = timerlist_deadline_ns(&ic->rtimers);
        if (rt >= 0 && rt < slice)
            slice = rt;
        if (slice > 0)
            sleep_ns(slice);
        timerlist_run(&ic->rtimers);
        if (woken && woken(woken_opaque))
            break;
    }
    if (!ic->realtime)
        ic->bias_ns += icount_rtclock_ns(ic) - start;
    icount_handle_deadline(ic);
    return true;
}
