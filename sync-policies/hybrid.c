/*
 * hybrid: periodic check like `threshold`, but when the guest is ahead it
 * waits until the host has caught up exactly: it sleeps the bulk of the wait
 * and busy-waits (spins on the host clock) for the last `spin-us`, which
 * absorbs the kernel's wake-up latency and timer slack (~50 us on Linux).
 * Tight drift; the spin costs vCPU CPU time.
 */
#include "policy.h"
#include <stdio.h>

typedef struct HybridParams {
    int64_t max_advance_us, target_us, period_us, spin_us;
} HybridParams;

typedef struct Hybrid {
    int64_t max_advance_ns, target_ns, period_ns, spin_ns;
    int64_t next_icount;
    int64_t checks, waits, late_checks, max_late_ns, max_overshoot_ns;
} Hybrid;

static int hy_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c;
    const HybridParams *p = params;
    Hybrid *s = state;
    if (p->target_us >= p->max_advance_us) {
        snprintf(err, n, "hybrid: target-us must be below max-advance-us");
        return -1;
    }
    s->max_advance_ns = p->max_advance_us * SYNC_NS_PER_US;
    s->target_ns = p->target_us * SYNC_NS_PER_US;
    s->period_ns = p->period_us * SYNC_NS_PER_US;
    s->spin_ns = p->spin_us * SYNC_NS_PER_US;
    return 0;
}

static void hy_perform_align(SyncCtx *c, void *state)
{
    Hybrid *s = state;
    int64_t now = sync_icount(c);
    if (now < s->next_icount)
        return;
    int64_t step = s->period_ns >> c->ic->shift;
    s->next_icount = now + (step > 0 ? step : 1);
    c->align_at = s->next_icount;
    s->checks++;
    int64_t host = sync_host_ns(c), guest = sync_guest_ns(c);
    int64_t d = guest - host;
    if (d < 0) {
        s->late_checks++;
        if (-d > s->max_late_ns)
            s->max_late_ns = -d;
    }
    if (d <= s->max_advance_ns) {
        sync_emit_check(c, host, guest, d);
        return;
    }
    s->waits++;
    int64_t until = host + d - s->target_ns;   /* host time at which we are aligned */
    int64_t t = host;
    if (until - host > s->spin_ns)
        sync_sleep(c, until - host - s->spin_ns, d, &t);
    if (t < until)
        t = sync_spin_until(c, until, d);
    if (t - until > s->max_overshoot_ns)
        s->max_overshoot_ns = t - until;
}

static void hy_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
{
    (void)c;
    const Hybrid *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "waits", (double)s->waits, "count");
    put(o, "late_checks", (double)s->late_checks, "count");
    put(o, "max_late_ns", (double)s->max_late_ns, "ns");
    put(o, "max_wake_overshoot_ns", (double)s->max_overshoot_ns, "ns");
}

static const SyncParam hy_params[] = {
    { "max-advance-us", SYNC_PARAM_INT, "50", 0, 1e9, offsetof(HybridParams, max_advance_us),
      "wait when the guest is ahead by more than this" },
    { "target-us", SYNC_PARAM_INT, "0", -1e9, 1e9, offsetof(HybridParams, target_us),
      "wait until the advance is down to this" },
    { "period-us", SYNC_PARAM_INT, "100", 1, 1e9, offsetof(HybridParams, period_us),
      "read the host clock once per this much guest virtual time" },
    { "spin-us", SYNC_PARAM_INT, "60", 0, 1e9, offsetof(HybridParams, spin_us),
      "busy-wait for the last this-many us of each wait instead of sleeping" },
    { 0 }
};

const SyncPolicy sync_policy_hybrid = {
    SYNC_POLICY_HEADER,
    .name = "hybrid",
    .description = "periodic check; sleep the bulk of a wait, spin the last few us for a precise wake",
    .params = hy_params,
    .params_size = sizeof(HybridParams),
    .state_size = sizeof(Hybrid),
    .init = hy_init,
    .perform_align = hy_perform_align,
    .report = hy_report,
};
