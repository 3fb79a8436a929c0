/*
 * adaptive-shift: QEMU's `-icount shift=auto` expressed as a policy. It
 * never sleeps; instead it changes the icount shift (ns per instruction =
 * 2^shift) one step at a time: down when the guest runs ahead of the host,
 * up when it falls behind, only when the error grew past a dead band
 * ("wobble"), exactly as icount.c's auto_adjust(). The virtual clock stays
 * continuous across a change by moving bias_ns. QEMU runs the rule from a
 * virtual timer (every 100 ms) and a realtime one (every 1 s); here the
 * virtual period is an align point and the realtime period is checked at
 * those points and at loop entry. The runtime keeps the clock continuous
 * and makes the machine recompute its budget when the shift changes.
 */
#include "policy.h"
#include <stdio.h>

typedef struct AdaptiveParams {
    int64_t vm_period_ns, rt_period_ns, wobble_ns, min_shift, max_shift;
} AdaptiveParams;

typedef struct Adaptive {
    AdaptiveParams p;
    bool started;
    int64_t next_host_ns, last_delta;
    int64_t adjustments, ups, downs;
    int min_seen, max_seen;
} Adaptive;

static int as_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    Adaptive *s = state;
    s->p = *(const AdaptiveParams *)params;
    if (s->p.min_shift > s->p.max_shift) {
        snprintf(err, n, "adaptive-shift: min-shift must not exceed max-shift");
        return -1;
    }
    s->min_seen = s->max_seen = align_shift(c);
    s->next_host_ns = s->p.rt_period_ns;
    return 0;
}

static void as_adjust(AlignCtx *c, Adaptive *s, const AlignView *v)
{
    int64_t delta = v->advance_ns;
    int shift = align_shift(c), old = shift;
    if (delta > 0 && s->last_delta + s->p.wobble_ns < delta * 2 && shift > s->p.min_shift)
        shift--;
    if (delta < 0 && s->last_delta - s->p.wobble_ns > delta * 2 && shift < s->p.max_shift)
        shift++;
    s->last_delta = delta;
    s->adjustments++;
    if (shift == old) {
        align_emit_check(c, v);
        return;
    }
    align_set_shift(c, shift);
    if (shift > old)
        s->ups++;
    else
        s->downs++;
    if (shift < s->min_seen)
        s->min_seen = shift;
    if (shift > s->max_seen)
        s->max_seen = shift;
    align_emit(c, ALIGN_EV_SHIFT, v->host_ns, v->guest_ns, delta, 0, 0, shift);
}

static void as_init_delay(AlignCtx *c, void *state)
{
    Adaptive *s = state;
    if (align_host_abs_uncounted(c) - c->host0_ns + c->dry_offset_ns < s->next_host_ns)
        return;
    AlignView v;
    align_measure(c, &v);
    s->next_host_ns = v.host_ns + s->p.rt_period_ns;
    as_adjust(c, s, &v);
}

static void as_perform_align(AlignCtx *c, void *state)
{
    Adaptive *s = state;
    AlignView v;
    align_measure(c, &v);
    if (s->started) {   /* not the first align point: a virtual tick is due */
        as_adjust(c, s, &v);
        if (v.host_ns >= s->next_host_ns) {
            s->next_host_ns = v.host_ns + s->p.rt_period_ns;
            as_adjust(c, s, &v);
        }
    }
    s->started = true;
    align_next_in(c, s->p.vm_period_ns);
}

static void as_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    const Adaptive *s = state;
    put(o, "adjustments", (double)s->adjustments, "count");
    put(o, "shift_ups", (double)s->ups, "count");
    put(o, "shift_downs", (double)s->downs, "count");
    put(o, "shift_min", s->min_seen, "shift");
    put(o, "shift_max", s->max_seen, "shift");
    put(o, "shift_final", align_shift(c), "shift");
}

static const AlignParam as_params[] = {
    { "vm-period-us", ALIGN_PARAM_DURATION, "100000", 0.001, 1e10, offsetof(AdaptiveParams, vm_period_ns),
      "adjust once per this much guest virtual time (QEMU: 100 ms)" },
    { "rt-period-us", ALIGN_PARAM_DURATION, "1000000", 0.001, 1e10, offsetof(AdaptiveParams, rt_period_ns),
      "and once per this much host time, checked at virtual ticks and loop entry (QEMU: 1 s)" },
    { "wobble-us", ALIGN_PARAM_DURATION, "100000", 0, 1e10, offsetof(AdaptiveParams, wobble_ns),
      "dead band of the rule (QEMU's ICOUNT_WOBBLE: 100 ms)" },
    { "min-shift", ALIGN_PARAM_INT, "0", 0, 10, offsetof(AdaptiveParams, min_shift),
      "lowest shift" },
    { "max-shift", ALIGN_PARAM_INT, "10", 0, 10, offsetof(AdaptiveParams, max_shift),
      "highest shift" },
    { 0 }
};

const AlignPolicy align_policy_adaptive_shift = {
    ALIGN_POLICY_HEADER,
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
