/*
 * Worked example plugin: `predictive`.
 *
 * Like `threshold` it sleeps when the guest is more than max-advance-us
 * ahead, but it does not check the host clock at a fixed virtual period. It
 * estimates how fast the guest runs relative to the host (an exponentially
 * weighted moving average of d(guest)/d(host) between checks) and schedules
 * the next check for when the advance is predicted to reach the threshold:
 * a guest that runs slower than real time is checked rarely (max-period-us),
 * a fast one just in time. Fewer host-clock reads than a fixed period, at
 * the price of a misprediction when the speed changes suddenly.
 *
 * Build: see policies/SConscript (or the command in template_plugin.c).
 * Use:   emu-arm ... -align-policy-plugin build/policies/example_plugin.so \
 *                    -align-policy predictive,max-advance-us=150
 */
#include "policy.h"
#include <stdio.h>

typedef struct PredictiveParams {
    int64_t max_advance_ns, min_period_ns, max_period_ns;
    double alpha;
} PredictiveParams;

typedef struct Predictive {
    int64_t max_advance_ns, min_period_ns, max_period_ns;
    double alpha;
    double ratio;                 /* EWMA of guest ns per host ns while running */
    int64_t last_host, last_guest;
    bool have_last;
    int64_t checks, sleeps_here, late_checks;
    double period_sum_ns;
} Predictive;

static int pr_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c;
    const PredictiveParams *p = params;
    Predictive *s = state;
    if (p->min_period_ns > p->max_period_ns) {
        snprintf(err, n, "predictive: min-period-us must not exceed max-period-us");
        return -1;
    }
    s->max_advance_ns = p->max_advance_ns;
    s->min_period_ns = p->min_period_ns;
    s->max_period_ns = p->max_period_ns;
    s->alpha = p->alpha;
    s->ratio = 1.0;
    return 0;
}

static void pr_perform_align(AlignCtx *c, void *state)
{
    Predictive *s = state;
    s->checks++;
    AlignView v;
    align_measure(c, &v);
    int64_t host = v.host_ns, guest = v.guest_ns, d = v.advance_ns;
    if (s->have_last && host > s->last_host) {
        double r = (double)(guest - s->last_guest) / (double)(host - s->last_host);
        s->ratio += s->alpha * (r - s->ratio);
    }
    if (d < 0)
        s->late_checks++;
    if (d > s->max_advance_ns) {
        s->sleeps_here++;
        host = align_wait_for_advance(c, &v, 0, 0);   /* aligned after it */
        d = v.due_ns - host;
    } else {
        align_emit_check(c, &v);
    }
    s->last_host = host;
    s->last_guest = guest;
    s->have_last = true;
    /* The advance grows by (1 - 1/ratio) per guest ns: predict when it
     * reaches the threshold. */
    double gain = 1.0 - 1.0 / (s->ratio > 1e-3 ? s->ratio : 1e-3);
    double period = gain > 0 ? (double)(s->max_advance_ns - d) / gain : (double)s->max_period_ns;
    if (period < (double)s->min_period_ns)
        period = (double)s->min_period_ns;
    if (period > (double)s->max_period_ns)
        period = (double)s->max_period_ns;
    s->period_sum_ns += period;
    align_next_in(c, (int64_t)period);
}

static void pr_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    (void)c;
    const Predictive *s = state;
    put(o, "checks", (double)s->checks, "count");
    put(o, "late_checks", (double)s->late_checks, "count");
    put(o, "speed_ratio", s->ratio, "guest/host");
    put(o, "mean_period_ns", s->checks ? s->period_sum_ns / (double)s->checks : 0, "ns");
}

static const AlignParam pr_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "150", 1, 1e9, offsetof(PredictiveParams, max_advance_ns),
      "sleep (all of the advance) when the guest is ahead by more than this" },
    { "min-period-us", ALIGN_PARAM_DURATION, "20", 1, 1e9, offsetof(PredictiveParams, min_period_ns),
      "shortest interval between checks (guest virtual time)" },
    { "max-period-us", ALIGN_PARAM_DURATION, "2000", 1, 1e9, offsetof(PredictiveParams, max_period_ns),
      "longest interval between checks (guest virtual time)" },
    { "alpha", ALIGN_PARAM_DOUBLE, "0.2", 0, 1, offsetof(PredictiveParams, alpha),
      "weight of the newest speed measurement in the moving average" },
    { 0 }
};

const AlignPolicy driftlab_align_policy = {
    ALIGN_POLICY_HEADER,
    .name = "predictive",
    .description = "example plugin: checks the host clock when the advance is predicted to hit the threshold",
    .params = pr_params,
    .params_size = sizeof(PredictiveParams),
    .state_size = sizeof(Predictive),
    .init = pr_init,
    .perform_align = pr_perform_align,
    .report = pr_report,
};
