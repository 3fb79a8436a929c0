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
 *
 * Every sleep costs the vCPU thread a system call and a wake-up with cold
 * caches (~8-12 us of CPU for a sub-millisecond sleep on the 2-core VM of
 * docs/policies.md), and the number of sleeps needed is (share of host time
 * asleep) / (target-to-max band): the band is the one lever on overhead for
 * a given drift bound. Three details serve it:
 *
 *  - Outliers. On a loaded host a wake-up is sometimes milliseconds late
 *    (the CPU is busy with another task). Such an oversleep says nothing
 *    about the next one, so it enters the average clipped to twice the
 *    current estimate plus 30 us; otherwise one 5 ms outlier would make the
 *    next sleeps request nothing and let the guest run ahead of the band.
 *
 *  - Check period. Between two checks the advance grows by at most the
 *    guest time that passes (host time only reduces it), so after a check
 *    that saw advance d the next one cannot be needed before (max-advance -
 *    d) of guest time. With `max-period-us` > `period-us` the next check is
 *    scheduled there (at least `period-us`, at most `max-period-us` later):
 *    the same worst-case overshoot past max-advance as the fixed period, with
 *    a fraction of the clock reads, so a short period (a tight overshoot,
 *    i.e. a wider usable band) becomes affordable. 0 (the default) keeps the
 *    fixed period.
 *
 *  - Timer slack. Linux may fire a normal thread's timer up to its slack
 *    (50 us) late. `timer-slack-ns` > 0 sets the vCPU thread's slack for the
 *    run (PR_SET_TIMERSLACK; restored at teardown; real clock only). It cuts
 *    the mean oversleep from ~60 to ~15 us but, measured here, neither its
 *    spread (the slack is used consistently, so compensation removes it) nor
 *    the drift or the CPU cost; hence off by default.
 *
 * No absolute-deadline sleep is needed: every decision re-reads the host
 * clock, so an oversleep never accumulates (it only shifts the next cycle).
 */
#include "policy.h"
#include <stdio.h>
#include <sys/prctl.h>

typedef struct ThresholdParams {
    int64_t max_advance_us, target_us, period_us, max_period_us, timer_slack_ns;
    bool compensate;
} ThresholdParams;

typedef struct Threshold {
    int64_t max_advance_ns, target_ns, period_ns, max_period_ns;
    bool compensate;
    double oversleep_ns;        /* EWMA of actual - requested (clipped) */
    int64_t next_icount;
    int64_t checks, late_checks, max_late_ns, clipped;
    long saved_slack;           /* the thread's timer slack before the run; -1: untouched */
} Threshold;

static int th_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
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
    s->max_period_ns = p->max_period_us * SYNC_NS_PER_US;
    s->compensate = p->compensate;
    s->saved_slack = -1;
    if (!c->clock && p->timer_slack_ns > 0) {
        int old = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
        if (old >= 0 && prctl(PR_SET_TIMERSLACK, (unsigned long)p->timer_slack_ns, 0, 0, 0) == 0)
            s->saved_slack = old;
    }
    return 0;
}

static void th_teardown(SyncCtx *c, void *state)
{
    (void)c;
    Threshold *s = state;

    if (s->saved_slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)s->saved_slack, 0, 0, 0);
    s->saved_slack = -1;
}

/* The next check, `room` ns of guest time from now at the earliest. */
static void th_schedule(SyncCtx *c, Threshold *s, int64_t now, int64_t room)
{
    int64_t wait = s->period_ns;
    if (s->max_period_ns > s->period_ns && room > wait)
        wait = room < s->max_period_ns ? room : s->max_period_ns;
    int64_t step = wait >> c->ic->shift;
    s->next_icount = now + (step > 0 ? step : 1);
    c->align_at = s->next_icount;
}

static void th_perform_align(SyncCtx *c, void *state)
{
    Threshold *s = state;
    int64_t now = sync_icount(c);
    if (now < s->next_icount)
        return;
    s->checks++;
    int64_t host = sync_host_ns(c), guest = sync_guest_ns(c);
    int64_t d = guest - host;
    if (d < 0) {
        s->late_checks++;
        if (-d > s->max_late_ns)
            s->max_late_ns = -d;
    }
    if (d <= s->max_advance_ns) {
        th_schedule(c, s, now, s->max_advance_ns - d);
        sync_emit_check(c, host, guest, d);
        return;
    }
    int64_t req = d - s->target_ns;
    if (s->compensate)
        req -= (int64_t)s->oversleep_ns;
    if (req > 0) {
        int64_t act = sync_sleep(c, req, d, &host);
        if (s->compensate) {
            double x = (double)(act - req), cap = 2 * s->oversleep_ns + 30000;
            if (x > cap) {
                x = cap;
                s->clipped++;
            }
            s->oversleep_ns += (x - s->oversleep_ns) / 8;
        }
        d = guest - host;   /* the guest has not moved while asleep */
    }
    th_schedule(c, s, now, s->max_advance_ns - (d > s->target_ns ? d : s->target_ns));
}

static void th_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
{
    (void)c;
    const Threshold *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "late_checks", (double)s->late_checks, "count");
    put(o, "max_late_ns", (double)s->max_late_ns, "ns");
    put(o, "oversleep_estimate_ns", s->oversleep_ns, "ns");
    put(o, "oversleep_clipped", (double)s->clipped, "count");
}

static const SyncParam th_params[] = {
    { "max-advance-us", SYNC_PARAM_INT, "150", 0, 1e9, offsetof(ThresholdParams, max_advance_us),
      "sleep when the guest is ahead by more than this" },
    { "target-us", SYNC_PARAM_INT, "-170", -1e9, 1e9, offsetof(ThresholdParams, target_us),
      "sleep until the advance is down to this (hysteresis; below max-advance-us)" },
    { "period-us", SYNC_PARAM_INT, "50", 1, 1e9, offsetof(ThresholdParams, period_us),
      "read the host clock once per this much guest virtual time" },
    { "max-period-us", SYNC_PARAM_INT, "0", 0, 1e9, offsetof(ThresholdParams, max_period_us),
      "if above period-us: skip checks while the advance cannot reach max-advance-us, up to this long" },
    { "compensate", SYNC_PARAM_BOOL, "on", 0, 1, offsetof(ThresholdParams, compensate),
      "request less by the learnt mean oversleep" },
    { "timer-slack-ns", SYNC_PARAM_INT, "0", 0, 1e9, offsetof(ThresholdParams, timer_slack_ns),
      "vCPU thread's timer slack during the run (0: leave the system's, 50 us)" },
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
    .teardown = th_teardown,
    .perform_align = th_perform_align,
    .report = th_report,
};
