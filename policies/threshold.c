/*
 * threshold: an align point once per `period-us` of guest virtual time. When
 * the guest is ahead of its schedule by more than `max-advance-us` it waits
 * until the advance is down to `target-us` (hysteresis: fewer, longer
 * sleeps; the default, a negative target, centres the drift around zero,
 * which halves the number of sleeps for a given drift bound). The runtime
 * sleeps to an absolute deadline, so a late wake-up never accumulates; with
 * `compensate` on the policy also learns the mean wake-up lateness (an
 * exponentially weighted average) and sets its deadline that much earlier.
 *
 *  - Outliers. On a loaded host a wake-up is sometimes milliseconds late.
 *    Such a one says nothing about the next, so it enters the average
 *    clipped to twice the current estimate plus 30 us.
 *
 *  - Check period. Between two align points the advance grows by at most the
 *    guest time that passes, so after one that saw advance d the next one
 *    cannot be needed before (max-advance - d) of guest time. With
 *    `max-period-us` > `period-us` the next align point is put there (at
 *    least `period-us`, at most `max-period-us` later): the same worst-case
 *    overshoot with a fraction of the clock reads.
 */
#include "policy.h"
#include <stdio.h>

typedef struct ThresholdParams {
    int64_t max_advance_ns, target_ns, period_ns, max_period_ns;
    bool compensate;
} ThresholdParams;

typedef struct Threshold {
    ThresholdParams p;
    double lateness_ns;         /* EWMA of wake-up lateness (clipped) */
    int64_t checks, waits, clipped;
} Threshold;

static int th_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c;
    Threshold *s = state;
    s->p = *(const ThresholdParams *)params;
    if (s->p.target_ns >= s->p.max_advance_ns) {
        snprintf(err, n, "threshold: target-us (%lld) must be below max-advance-us (%lld)",
                 (long long)(s->p.target_ns / 1000), (long long)(s->p.max_advance_ns / 1000));
        return -1;
    }
    return 0;
}

/* The next align point, `room` ns of guest time from now at the earliest. */
static void th_schedule(AlignCtx *c, const Threshold *s, int64_t room)
{
    int64_t wait = s->p.period_ns;
    if (s->p.max_period_ns > wait && room > wait)
        wait = room < s->p.max_period_ns ? room : s->p.max_period_ns;
    align_next_in(c, wait);
}

static void th_perform_align(AlignCtx *c, void *state)
{
    Threshold *s = state;
    AlignView v;
    align_measure(c, &v);
    s->checks++;
    if (v.advance_ns <= s->p.max_advance_ns) {
        th_schedule(c, s, s->p.max_advance_ns - v.advance_ns);
        align_emit_check(c, &v);
        return;
    }
    s->waits++;
    int64_t early = s->p.compensate ? (int64_t)s->lateness_ns : 0;
    int64_t deadline = v.host_ns + v.advance_ns - s->p.target_ns - early;
    int64_t woke = align_wait_until(c, deadline, 0, v.advance_ns);
    if (s->p.compensate && woke > deadline - 1) {
        double x = (double)(woke - deadline), cap = 2 * s->lateness_ns + 30000;
        if (x > cap) {
            x = cap;
            s->clipped++;
        }
        s->lateness_ns += (x - s->lateness_ns) / 8;
    }
    int64_t d = v.due_ns - woke;   /* the guest has not moved while we waited */
    th_schedule(c, s, s->p.max_advance_ns - (d > s->p.target_ns ? d : s->p.target_ns));
}

static void th_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    const Threshold *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "waits", (double)s->waits, "count");
    put(o, "late_checks", (double)c->n.late_checks, "count");
    put(o, "max_late_ns", (double)c->n.max_late_ns, "ns");
    put(o, "lateness_estimate_ns", s->lateness_ns, "ns");
    put(o, "lateness_clipped", (double)s->clipped, "count");
}

static const AlignParam th_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "150", 0, 1e9, offsetof(ThresholdParams, max_advance_ns),
      "wait when the guest is ahead by more than this" },
    { "target-us", ALIGN_PARAM_DURATION, "-170", -1e9, 1e9, offsetof(ThresholdParams, target_ns),
      "wait until the advance is down to this (hysteresis; below max-advance-us)" },
    { "period-us", ALIGN_PARAM_DURATION, "50", 0.001, 1e9, offsetof(ThresholdParams, period_ns),
      "an align point once per this much guest virtual time" },
    { "max-period-us", ALIGN_PARAM_DURATION, "0", 0, 1e9, offsetof(ThresholdParams, max_period_ns),
      "if above period-us: skip align points while the advance cannot reach max-advance-us, up to this long" },
    { "compensate", ALIGN_PARAM_BOOL, "on", 0, 1, offsetof(ThresholdParams, compensate),
      "set the deadline earlier by the learnt mean wake-up lateness" },
    { 0 }
};

const AlignPolicy align_policy_threshold = {
    ALIGN_POLICY_HEADER,
    .name = "threshold",
    .description = "periodic align point (virtual period); past a max advance wait down to a target",
    .params = th_params,
    .params_size = sizeof(ThresholdParams),
    .state_size = sizeof(Threshold),
    .init = th_init,
    .perform_align = th_perform_align,
    .report = th_report,
};
