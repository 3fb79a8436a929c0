/*
 * threshold: reads the host clock only once per `period-us` of guest
 * virtual time (a counter compare per TB otherwise). When the guest is ahead
 * by more than `max-advance-us` it sleeps until its advance is down to
 * `target-us` (hysteresis: fewer, longer sleeps; the default, a negative
 * target, centres the drift around zero, which halves the number of sleeps
 * for a given drift bound). With `compensate` on it learns the kernel's
 * mean oversleep (an exponentially weighted average of actual - requested)
 * and requests that much less, so the guest wakes at the target instead of
 * ~60 us behind it.
 */
#include "policy.h"
#include <stdio.h>

typedef struct ThresholdParams {
    int64_t max_advance_us, target_us, period_us;
    bool compensate;
} ThresholdParams;

typedef struct Threshold {
    int64_t max_advance_ns, target_ns, period_ns;
    bool compensate;
    double oversleep_ns;        /* EWMA of actual - requested */
    int64_t next_icount;
    int64_t checks, late_checks, max_late_ns;
} Threshold;

static int th_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c;
    const ThresholdParams *p = params;
    Threshold *s = state;
    if (p->target_us >= p->max_advance_us) {
        snprintf(err, n, "threshold: target-us (%lld) must be below max-advance-us (%lld)",
                 (long long)p->target_us, (long long)p->max_advance_us);
        return -1;
    }
    s->max_advance_ns = p->max_advance_us * SYNC_NS_PER_US;
    s->target_ns = p->target_us * SYNC_NS_PER_US;
    s->period_ns = p->period_us * SYNC_NS_PER_US;
    s->compensate = p->compensate;
    return 0;
}

static void th_perform_align(SyncCtx *c, void *state)
{
    Threshold *s = state;
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
    int64_t req = d - s->target_ns;
    if (s->compensate)
        req -= (int64_t)s->oversleep_ns;
    if (req <= 0)
        return;
    int64_t act = sync_sleep(c, req, d, NULL);
    if (s->compensate)
        s->oversleep_ns += ((double)(act - req) - s->oversleep_ns) / 8;
}

static void th_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
{
    (void)c;
    const Threshold *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "late_checks", (double)s->late_checks, "count");
    put(o, "max_late_ns", (double)s->max_late_ns, "ns");
    put(o, "oversleep_estimate_ns", s->oversleep_ns, "ns");
}

static const SyncParam th_params[] = {
    { "max-advance-us", SYNC_PARAM_INT, "150", 0, 1e9, offsetof(ThresholdParams, max_advance_us),
      "sleep when the guest is ahead by more than this" },
    { "target-us", SYNC_PARAM_INT, "-120", -1e9, 1e9, offsetof(ThresholdParams, target_us),
      "sleep until the advance is down to this (hysteresis; below max-advance-us)" },
    { "period-us", SYNC_PARAM_INT, "50", 1, 1e9, offsetof(ThresholdParams, period_us),
      "read the host clock once per this much guest virtual time" },
    { "compensate", SYNC_PARAM_BOOL, "on", 0, 1, offsetof(ThresholdParams, compensate),
      "request less by the learnt mean oversleep" },
    { 0 }
};

const SyncPolicy sync_policy_threshold = {
    SYNC_POLICY_HEADER,
    .name = "threshold",
    .description = "periodic host-clock check (virtual period); sleep past a max advance down to a target",
    .params = th_params,
    .params_size = sizeof(ThresholdParams),
    .state_size = sizeof(Threshold),
    .init = th_init,
    .perform_align = th_perform_align,
    .report = th_report,
};
