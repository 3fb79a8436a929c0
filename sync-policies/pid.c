/*
 * pid: a discrete PID controller on the drift. Once per `period-us` of guest
 * virtual time it reads the host clock, takes the error e = (guest - host) -
 * setpoint and computes u = kp*e + I + kd*(e - e_prev), I += ki*e, all in ns.
 * u, clamped to [0, clamp-us], is the sleep for this period (below
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
    int64_t period_us, clamp_us, setpoint_us, min_sleep_us;
    bool windup;
} PidParams;

typedef struct Pid {
    PidParams p;
    double integral, prev_e;
    bool have_prev;
    int64_t next_icount, period_ns, clamp_ns, setpoint_ns, min_sleep_ns;
    int64_t samples, late_samples, saturated, max_late_ns;
    double late_sum_ns, out_sum_ns;
} Pid;

static int pid_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c; (void)err; (void)n;
    Pid *s = state;
    s->p = *(const PidParams *)params;
    s->period_ns = s->p.period_us * SYNC_NS_PER_US;
    s->clamp_ns = s->p.clamp_us * SYNC_NS_PER_US;
    s->setpoint_ns = s->p.setpoint_us * SYNC_NS_PER_US;
    s->min_sleep_ns = s->p.min_sleep_us * SYNC_NS_PER_US;
    return 0;
}

static void pid_perform_align(SyncCtx *c, void *state)
{
    Pid *s = state;
    int64_t now = sync_icount(c);
    if (now < s->next_icount)
        return;
    int64_t step = s->period_ns >> c->ic->shift;
    s->next_icount = now + (step > 0 ? step : 1);
    c->align_at = s->next_icount;

    int64_t host = sync_host_ns(c), guest = sync_guest_ns(c);
    int64_t d = guest - host;
    double e = (double)(d - s->setpoint_ns);
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
    bool sat_high = u > (double)s->clamp_ns;
    if (!(s->p.windup && sat_high && e > 0))
        s->integral += s->p.ki * e;
    if (s->p.windup) {
        if (s->integral < 0)
            s->integral = 0;
        if (s->integral > (double)s->clamp_ns)
            s->integral = (double)s->clamp_ns;
    }
    if (sat_high) {
        s->saturated++;
        u = (double)s->clamp_ns;
    }
    if (d <= 0 || u < (double)s->min_sleep_ns) {
        sync_emit_check(c, host, guest, d);
        return;
    }
    s->out_sum_ns += u;
    sync_sleep(c, (int64_t)u, d, NULL);
}

static void pid_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
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

static const SyncParam pid_params[] = {
    { "kp", SYNC_PARAM_DOUBLE, "0.6", 0, 100, offsetof(PidParams, kp), "proportional gain" },
    { "ki", SYNC_PARAM_DOUBLE, "0.1", 0, 100, offsetof(PidParams, ki), "integral gain (per sample)" },
    { "kd", SYNC_PARAM_DOUBLE, "0", 0, 100, offsetof(PidParams, kd), "derivative gain (per sample)" },
    { "period-us", SYNC_PARAM_INT, "200", 1, 1e9, offsetof(PidParams, period_us),
      "sample period in guest virtual time" },
    { "clamp-us", SYNC_PARAM_INT, "5000", 1, 1e9, offsetof(PidParams, clamp_us),
      "largest sleep per sample (output clamp)" },
    { "setpoint-us", SYNC_PARAM_INT, "0", -1e9, 1e9, offsetof(PidParams, setpoint_us),
      "target drift (guest - host)" },
    { "min-sleep-us", SYNC_PARAM_INT, "20", 0, 1e9, offsetof(PidParams, min_sleep_us),
      "outputs below this are not slept" },
    { "windup", SYNC_PARAM_BOOL, "on", 0, 1, offsetof(PidParams, windup),
      "anti-windup: clamp the integral to [0, clamp] and freeze it while saturated" },
    { 0 }
};

const SyncPolicy sync_policy_pid = {
    SYNC_POLICY_HEADER,
    .name = "pid",
    .description = "PID controller on the drift, sampled in virtual time; output = sleep per sample",
    .params = pid_params,
    .params_size = sizeof(PidParams),
    .state_size = sizeof(Pid),
    .init = pid_init,
    .perform_align = pid_perform_align,
    .report = pid_report,
};
