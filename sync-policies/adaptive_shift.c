/*
 * adaptive-shift: QEMU's `-icount shift=auto` expressed as a policy. It
 * never sleeps; instead it changes the icount shift (ns per instruction =
 * 2^shift) one step at a time: down when the guest runs ahead of the host,
 * up when it falls behind, only when the error grew past a dead band
 * ("wobble"), exactly as icount.c's auto_adjust(). The virtual clock stays
 * continuous across a change by moving bias_ns. QEMU runs the rule from a
 * virtual timer (every 100 ms) and a realtime one (every 1 s); here the
 * virtual period is a counter compare per TB and the realtime period is
 * checked at those points and at loop entry.
 *
 * After raising the shift the instruction budget computed for the old one
 * would overshoot the next timer deadline, so the vCPU is kicked to make the
 * machine recompute it.
 */
#include "policy.h"
#include <stdio.h>

typedef struct AdaptiveParams {
    int64_t vm_period_us, rt_period_us, wobble_us, min_shift, max_shift;
} AdaptiveParams;

typedef struct Adaptive {
    AdaptiveParams p;
    int64_t next_icount, next_host_ns, last_delta;
    int64_t adjustments, ups, downs;
    int min_seen, max_seen;
} Adaptive;

static int as_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
    Adaptive *s = state;
    s->p = *(const AdaptiveParams *)params;
    if (s->p.min_shift > s->p.max_shift) {
        snprintf(err, n, "adaptive-shift: min-shift must not exceed max-shift");
        return -1;
    }
    s->min_seen = s->max_seen = c->ic->shift;
    s->next_host_ns = s->p.rt_period_us * SYNC_NS_PER_US;
    return 0;
}

static void as_adjust(SyncCtx *c, Adaptive *s, int64_t host)
{
    Icount *ic = c->ic;
    int64_t raw = sync_icount(c);
    int64_t vabs = (raw << ic->shift) + ic->bias_ns;
    int64_t delta = (vabs - c->guest0_ns) - host;
    int64_t wobble = s->p.wobble_us * SYNC_NS_PER_US;
    int old = ic->shift;
    if (delta > 0 && s->last_delta + wobble < delta * 2 && ic->shift > s->p.min_shift)
        ic->shift--;
    if (delta < 0 && s->last_delta - wobble > delta * 2 && ic->shift < s->p.max_shift)
        ic->shift++;
    s->last_delta = delta;
    s->adjustments++;
    if (ic->shift == old) {
        sync_emit_check(c, host, vabs - c->guest0_ns, delta);
        return;
    }
    ic->bias_ns = vabs - (raw << ic->shift);
    if (ic->shift > old)
        s->ups++;
    else
        s->downs++;
    if (ic->shift < s->min_seen)
        s->min_seen = ic->shift;
    if (ic->shift > s->max_seen)
        s->max_seen = ic->shift;
    sync_clock_changed(c);
    sync_emit(c, SYNC_EV_SHIFT, host, vabs - c->guest0_ns, delta, 0, 0, ic->shift);
    if (ic->shift > old && ic->kick)
        ic->kick(ic->kick_opaque);
}

static void as_init_delay(SyncCtx *c, void *state)
{
    Adaptive *s = state;
    if (sync_host_abs_uncounted(c) - c->host0_ns < s->next_host_ns)
        return;
    int64_t host = sync_host_ns(c);
    s->next_host_ns = host + s->p.rt_period_us * SYNC_NS_PER_US;
    as_adjust(c, s, host);
}

static void as_perform_align(SyncCtx *c, void *state)
{
    Adaptive *s = state;
    int64_t now = sync_icount(c);
    if (now < s->next_icount)
        return;
    int64_t host = sync_host_ns(c);
    if (s->next_icount) {   /* not the first TB: a virtual tick is due */
        as_adjust(c, s, host);
        if (host >= s->next_host_ns) {
            s->next_host_ns = host + s->p.rt_period_us * SYNC_NS_PER_US;
            as_adjust(c, s, host);
        }
    }
    int64_t step = (s->p.vm_period_us * SYNC_NS_PER_US) >> c->ic->shift;
    s->next_icount = sync_icount(c) + (step > 0 ? step : 1);
    c->align_at = s->next_icount;
}

static void as_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
{
    const Adaptive *s = state;
    put(o, "adjustments", (double)s->adjustments, "count");
    put(o, "shift_ups", (double)s->ups, "count");
    put(o, "shift_downs", (double)s->downs, "count");
    put(o, "shift_min", s->min_seen, "shift");
    put(o, "shift_max", s->max_seen, "shift");
    put(o, "shift_final", c->ic->shift, "shift");
}

static const SyncParam as_params[] = {
    { "vm-period-us", SYNC_PARAM_INT, "100000", 1, 1e10, offsetof(AdaptiveParams, vm_period_us),
      "adjust once per this much guest virtual time (QEMU: 100 ms)" },
    { "rt-period-us", SYNC_PARAM_INT, "1000000", 1, 1e10, offsetof(AdaptiveParams, rt_period_us),
      "and once per this much host time, checked at virtual ticks and loop entry (QEMU: 1 s)" },
    { "wobble-us", SYNC_PARAM_INT, "100000", 0, 1e10, offsetof(AdaptiveParams, wobble_us),
      "dead band of the rule (QEMU's ICOUNT_WOBBLE: 100 ms)" },
    { "min-shift", SYNC_PARAM_INT, "0", 0, ICOUNT_MAX_SHIFT, offsetof(AdaptiveParams, min_shift),
      "lowest shift" },
    { "max-shift", SYNC_PARAM_INT, "10", 0, ICOUNT_MAX_SHIFT, offsetof(AdaptiveParams, max_shift),
      "highest shift" },
    { 0 }
};

const SyncPolicy sync_policy_adaptive_shift = {
    SYNC_POLICY_HEADER,
    .name = "adaptive-shift",
    .description = "QEMU's shift=auto: one shift step at a time, virtual clock kept continuous",
    .params = as_params,
    .params_size = sizeof(AdaptiveParams),
    .state_size = sizeof(Adaptive),
    .init = as_init,
    .init_delay = as_init_delay,
    .perform_align = as_perform_align,
    .report = as_report,
};
