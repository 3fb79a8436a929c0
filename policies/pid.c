/*
 * pid: a discrete PID controller on the drift. Once per `period-us` of guest
 * virtual time it reads the host clock, takes the error e = (guest - host) -
 * setpoint and computes u = kp*e + I + kd*(e - e_prev), I += ki*e, all in ns.
 * u, clamped to [0, clamp-us], is the wait for this period (below
 * min-sleep-us nothing is slept). It never sleeps while the guest is late
 * (e <= 0): an emulator cannot speed a guest up, so lateness is counted in
 * its statistics (late samples, worst and total lateness) instead.
 * Anti-windup (windup=on): I is clamped to [0, clamp] and is not integrated
 * further while the output is saturated at the clamp.
 *
 * Closed loop per period (g = drift growth per period): e' = (1-kp)e - I + g,
 * I' = I + ki*e; stable for det = 1-kp+ki < 1 and 2-kp < 1+det. The
 * defaults (0.6, 0.1) give |z| ~ 0.7: settles within a few periods.
 */
#include "policy.h"

typedef struct PidParams {
    double kp, ki, kd;
    int64_t period_ns, clamp_ns, setpoint_ns, min_sleep_ns;
    bool windup;
} PidParams;

typedef struct Pid {
    PidParams p;
    double integral, prev_e;
    bool have_prev;
    int64_t samples, late_samples, saturated, max_late_ns;
    double late_sum_ns, out_sum_ns;
} Pid;

static int pid_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c; (void)err; (void)n;
    Pid *s = state;
    s->p = *(const PidParams *)params;
    return 0;
}

static void pid_perform_align(AlignCtx *c, void *state)
{
    Pid *s = state;
    align_next_in(c, s->p.period_ns);
    AlignView v;
    align_measure(c, &v);
    int64_t d = v.advance_ns;
    double e = (double)(d - s->p.setpoint_ns);
    s->samples++;
    if (d < 0) {
        s->late_samples++;
        s->late_sum_ns += (double)-d;
        if (-d > s->max_late_ns)
            s->max_late_ns = -d;
    }
    double deriv = s->have_prev ? e - s->prev_e : 0.0;
    s->prev_e = e;
    s->have_prev = true;
    double u = s->p.kp * e + s->integral + s->p.kd * deriv;
    bool sat_high = u > (double)s->p.clamp_ns;
    if (!(s->p.windup && sat_high && e > 0))
        s->integral += s->p.ki * e;
    if (s->p.windup) {
        if (s->integral < 0)
            s->integral = 0;
        if (s->integral > (double)s->p.clamp_ns)
            s->integral = (double)s->p.clamp_ns;
    }
    if (sat_high) {
        s->saturated++;
        u = (double)s->p.clamp_ns;
    }
    if (d <= 0 || u < (double)s->p.min_sleep_ns) {
        align_emit_check(c, &v);
        return;
    }
    s->out_sum_ns += u;
    align_wait_until(c, v.host_ns + (int64_t)u, 0, d);
}

static void pid_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    (void)c;
    const Pid *s = state;
    put(o, "samples", (double)s->samples, "count");
    put(o, "late_samples", (double)s->late_samples, "count");
    put(o, "late_fraction", s->samples ? (double)s->late_samples / (double)s->samples : 0, "ratio");
    put(o, "max_late_ns", (double)s->max_late_ns, "ns");
    put(o, "mean_late_ns", s->late_samples ? s->late_sum_ns / (double)s->late_samples : 0, "ns");
    put(o, "saturated_samples", (double)s->saturated, "count");
    put(o, "final_integral_ns", s->integral, "ns");
    put(o, "total_output_ns", s->out_sum_ns, "ns");
}

static const AlignParam pid_params[] = {
    { "kp", ALIGN_PARAM_DOUBLE, "0.6", 0, 100, offsetof(PidParams, kp), "proportional gain" },
    { "ki", ALIGN_PARAM_DOUBLE, "0.1", 0, 100, offsetof(PidParams, ki), "integral gain (per sample)" },
    { "kd", ALIGN_PARAM_DOUBLE, "0", 0, 100, offsetof(PidParams, kd), "derivative gain (per sample)" },
    { "period-us", ALIGN_PARAM_DURATION, "200", 0.001, 1e9, offsetof(PidParams, period_ns),
      "sample period in guest virtual time" },
    { "clamp-us", ALIGN_PARAM_DURATION, "5000", 0.001, 1e9, offsetof(PidParams, clamp_ns),
      "largest sleep per sample (output clamp)" },
    { "setpoint-us", ALIGN_PARAM_DURATION, "0", -1e9, 1e9, offsetof(PidParams, setpoint_ns),
      "target drift (guest - host)" },
    { "min-sleep-us", ALIGN_PARAM_DURATION, "20", 0, 1e9, offsetof(PidParams, min_sleep_ns),
      "outputs below this are not slept" },
    { "windup", ALIGN_PARAM_BOOL, "on", 0, 1, offsetof(PidParams, windup),
      "anti-windup: clamp the integral to [0, clamp] and freeze it while saturated" },
    { 0 }
};

const AlignPolicy align_policy_pid = {
    ALIGN_POLICY_HEADER,
    .name = "pid",
    .description = "PID controller on the drift, sampled in virtual time; output = sleep per sample",
    .params = pid_params,
    .params_size = sizeof(PidParams),
    .state_size = sizeof(Pid),
    .init = pid_init,
    .perform_align = pid_perform_align,
    .report = pid_report,
};
