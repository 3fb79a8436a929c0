/*
 * hybrid: periodic align point like `threshold`, but when the guest is ahead
 * it waits until it is exactly on schedule: it sleeps to an absolute
 * deadline `spin-us` short of that and busy-waits (spins on the host clock)
 * for the rest, which absorbs the kernel's wake-up latency. Tight drift;
 * the spin costs vCPU CPU time.
 */
#include "policy.h"
#include <stdio.h>

typedef struct HybridParams {
    int64_t max_advance_ns, target_ns, period_ns, spin_ns;
} HybridParams;

typedef struct Hybrid {
    HybridParams p;
    int64_t checks, waits, max_overshoot_ns;
} Hybrid;

static int hy_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c;
    Hybrid *s = state;
    s->p = *(const HybridParams *)params;
    if (s->p.target_ns >= s->p.max_advance_ns) {
        snprintf(err, n, "hybrid: target-us must be below max-advance-us");
        return -1;
    }
    return 0;
}

static void hy_perform_align(AlignCtx *c, void *state)
{
    Hybrid *s = state;
    align_next_in(c, s->p.period_ns);
    AlignView v;
    align_measure(c, &v);
    s->checks++;
    if (v.advance_ns <= s->p.max_advance_ns) {
        align_emit_check(c, &v);
        return;
    }
    s->waits++;
    int64_t until = v.host_ns + v.advance_ns - s->p.target_ns;
    int64_t t = align_wait_until(c, until, s->p.spin_ns, v.advance_ns);
    if (t - until > s->max_overshoot_ns)
        s->max_overshoot_ns = t - until;
}

static void hy_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    const Hybrid *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "waits", (double)s->waits, "count");
    put(o, "late_checks", (double)c->n.late_checks, "count");
    put(o, "max_late_ns", (double)c->n.max_late_ns, "ns");
    put(o, "max_wake_overshoot_ns", (double)s->max_overshoot_ns, "ns");
}

static const AlignParam hy_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "50", 0, 1e9, offsetof(HybridParams, max_advance_ns),
      "wait when the guest is ahead by more than this" },
    { "target-us", ALIGN_PARAM_DURATION, "0", -1e9, 1e9, offsetof(HybridParams, target_ns),
      "wait until the advance is down to this" },
    { "period-us", ALIGN_PARAM_DURATION, "100", 0.001, 1e9, offsetof(HybridParams, period_ns),
      "an align point once per this much guest virtual time" },
    { "spin-us", ALIGN_PARAM_DURATION, "60", 0, 1e9, offsetof(HybridParams, spin_ns),
      "busy-wait for the last this-many us of each wait instead of sleeping" },
    { 0 }
};

const AlignPolicy align_policy_hybrid = {
    ALIGN_POLICY_HEADER,
    .name = "hybrid",
    .description = "periodic align point; sleep the bulk of a wait, spin the last few us for a precise wake",
    .params = hy_params,
    .params_size = sizeof(HybridParams),
    .state_size = sizeof(Hybrid),
    .init = hy_init,
    .perform_align = hy_perform_align,
    .report = hy_report,
};
