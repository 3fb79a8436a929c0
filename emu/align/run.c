/* AlignRun: one policy instance, the runtime the policies share (clocks,
 * lateness and catch-up, speed ratio, waiting, dry run), and its binding to
 * the Icount's align-point deadlines. */
#include "align/align.h"
#include "hostclock.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

/* One policy call in this many is timed (two host-clock reads, not charged
 * to the policy); the total is extrapolated from the sample. */
#define ALIGN_TIME_PERIOD 256

/* ---- the runtime behind policy.h --------------------------------------- */

static AlignRun *run_of(const AlignCtx *c) { return c->rt_opaque; }

static int64_t rt_icount(const AlignCtx *c) { return icount_raw(run_of(c)->ic); }

static int64_t rt_loop_return_icount(const AlignCtx *c)
{
    return run_of(c)->ic->loop_return_icount;
}

static int64_t rt_guest_ns(const AlignCtx *c)
{
    return icount_vclock_ns(run_of(c)->ic) - c->guest0_ns;
}

static int rt_shift(const AlignCtx *c) { return run_of(c)->ic->shift; }

static void rt_set_shift(AlignCtx *c, int shift)
{
    AlignRun *r = run_of(c);
    Icount *ic = r->ic;
    if (shift < 0 || shift > ICOUNT_MAX_SHIFT || shift == ic->shift)
        return;
    int64_t v = icount_vclock_ns(ic), raw = icount_raw(ic);
    int old = ic->shift;
    ic->shift = shift;
    ic->bias_ns = v - (raw << shift);       /* the guest clock stays continuous */
    if (r->clock_changed)
        r->clock_changed(r->clock_changed_opaque, shift, ic->bias_ns);
    /* A budget computed for the old shift would overshoot the next timer
     * deadline: make the machine recompute it. */
    if (shift > old && ic->kick)
        ic->kick(ic->kick_opaque);
}

static void forgive(AlignCtx *c, AlignView *v, int64_t ns)
{
    c->forgiven_ns += ns;
    v->due_ns += ns;
    v->advance_ns += ns;
    c->n.forgiven++;
    c->n.forgiven_ns += ns;
    align_emit(c, ALIGN_EV_FORGIVE, v->host_ns, v->guest_ns, v->advance_ns, 0, 0, ns);
}

/* The host time (since start) at which guest time guest_ns is due: the
 * speed ratio and the lateness forgiven so far move the schedule. */
static int64_t due_ns(const AlignCtx *c, int64_t guest_ns)
{
    int64_t scaled = c->common.speed == 1.0 ? guest_ns
                                            : (int64_t)((double)guest_ns / c->common.speed);
    return scaled + c->forgiven_ns;
}

static void rt_measure(AlignCtx *c, AlignView *v)
{
    v->host_ns = align_host_ns(c);
    v->guest_ns = align_guest_ns(c);
    v->due_ns = due_ns(c, v->guest_ns);
    v->advance_ns = v->due_ns - v->host_ns;
    if (v->advance_ns >= 0) {
        c->late_since_ns = -1;
        return;
    }
    int64_t late = -v->advance_ns, limit = c->common.catch_up_limit_ns;
    c->n.late_checks++;
    if (late > c->n.max_late_ns)
        c->n.max_late_ns = late;
    switch (c->common.catch_up) {
    case ALIGN_CATCHUP_BOUNDED:
        if (late > limit)
            forgive(c, v, late - limit);
        break;
    case ALIGN_CATCHUP_FORGIVE:
        if (c->late_since_ns < 0) {
            c->late_since_ns = v->host_ns;
        } else if (v->host_ns - c->late_since_ns >= limit) {
            forgive(c, v, late);
            c->late_since_ns = -1;
        }
        break;
    default:
        if (late > limit)
            c->n.catchup_warnings++;
        break;
    }
}

/* A wake-up this late means the host did not run the vCPU (another task, a
 * hypervisor): the record marks it so that drift it causes can be told apart. */
#define HOST_STALL_NS 1000000

static void count_lateness(AlignCtx *c, int64_t late)
{
    if (late <= 0)
        return;
    c->n.wake_late_ns += late;
    if (late > c->n.wake_late_max_ns)
        c->n.wake_late_max_ns = late;
    if (late > HOST_STALL_NS) {
        c->n.host_stalls++;
        c->n.host_stall_ns += late;
    }
}

/* Host time since start as the policy sees it, not counted. */
static int64_t policy_now(const AlignCtx *c)
{
    return align_host_abs_uncounted(c) - c->host0_ns + c->dry_offset_ns;
}

static void sleep_until_abs(AlignCtx *c, int64_t abs_ns)
{
    if (c->clock) {
        c->clock->sleep_until_ns(c->clock_opaque, abs_ns);
        return;
    }
    struct timespec ts = { (time_t)(abs_ns / ALIGN_NS_PER_SEC), (long)(abs_ns % ALIGN_NS_PER_SEC) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;   /* an absolute deadline survives a signal */
}

/* A dry run skips the wait but lets the policy's clock jump to its end, so
 * the policy makes the decisions (and the clock reads) it would make had it
 * waited. */
static int64_t dry_wait(AlignCtx *c, int64_t t0, int64_t until, int64_t view_ns)
{
    c->n.dry_waits++;
    c->n.dry_wait_ns += until - t0;
    c->dry_offset_ns += until - t0;
    align_emit(c, ALIGN_EV_SLEEP, t0, align_guest_ns(c), view_ns, until - t0, 0, 1);
    return until;
}

/* The pacing cost: CPU time of this thread spent waking and spinning. */
static int64_t thread_cpu(const AlignCtx *c)
{
    if (c->clock)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * ALIGN_NS_PER_SEC + ts.tv_nsec;
}

static int64_t wait_until(AlignCtx *c, int64_t t0, int64_t until, int64_t spin_ns, int64_t view_ns);

static int64_t rt_wait_until(AlignCtx *c, int64_t until, int64_t spin_ns, int64_t view_ns)
{
    int64_t t0 = policy_now(c);
    if (until <= t0)
        return t0;
    if (c->common.dry_run)
        return dry_wait(c, t0, until, view_ns);
    int64_t cpu0 = thread_cpu(c);
    int64_t t = wait_until(c, t0, until, spin_ns, view_ns);
    c->n.wait_cpu_ns += thread_cpu(c) - cpu0;
    return t;
}

static int64_t wait_until(AlignCtx *c, int64_t t0, int64_t until, int64_t spin_ns, int64_t view_ns)
{
    int64_t t = t0, wake = until - (spin_ns > 0 ? spin_ns : 0);
    if (wake > t0) {
        sleep_until_abs(c, wake + c->host0_ns);
        t = policy_now(c);
        c->n.sleeps++;
        c->n.sleep_req_ns += wake - t0;
        c->n.sleep_act_ns += t - t0;
        count_lateness(c, t - wake);
        align_emit(c, ALIGN_EV_SLEEP, t0, align_guest_ns(c), view_ns, wake - t0, t - t0, 0);
    }
    if (t < until && spin_ns > 0) {
        int64_t s0 = t;
        while (t < until) {
            t = align_host_ns(c);
            c->n.spin_polls++;
        }
        c->n.spins++;
        c->n.spin_ns += t - s0;
        align_emit(c, ALIGN_EV_SPIN, s0, align_guest_ns(c), view_ns, until - s0, t - s0, 0);
    }
    return t;
}

static int64_t rt_sleep(AlignCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns)
{
    int64_t t0 = policy_now(c), t1 = t0;
    if (ns > 0 && c->common.dry_run) {
        t1 = dry_wait(c, t0, t0 + ns, view_ns);
    } else if (ns > 0) {
        int64_t cpu0 = thread_cpu(c);
        if (c->clock) {
            c->clock->sleep_ns(c->clock_opaque, ns);
        } else {
            struct timespec ts = { (time_t)(ns / ALIGN_NS_PER_SEC), (long)(ns % ALIGN_NS_PER_SEC) };
            clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);   /* EINTR: return early */
        }
        t1 = policy_now(c);
        c->n.wait_cpu_ns += thread_cpu(c) - cpu0;
        c->n.sleeps++;
        c->n.sleep_req_ns += ns;
        c->n.sleep_act_ns += t1 - t0;
        count_lateness(c, t1 - t0 - ns);
        align_emit(c, ALIGN_EV_SLEEP, t0, align_guest_ns(c), view_ns, ns, t1 - t0, 0);
    }
    if (woke_ns)
        *woke_ns = t1;
    return t1 - t0;
}

static const AlignRuntime runtime = {
    rt_icount, rt_guest_ns, rt_shift, rt_set_shift, rt_measure, rt_wait_until, rt_sleep,
    rt_loop_return_icount,
};

/* ---- align points and loop exits ------------------------------------ */

/* Time in policy code = elapsed - waits during the call. */
static inline int64_t waited_ns(const AlignCtx *c)
{
    return c->n.sleep_act_ns + c->n.spin_ns;
}

static void on_deferred_align(void *opaque);

static int64_t on_align(void *opaque)
{
    AlignRun *r = opaque;
    AlignCtx *c = &r->ctx;
    int64_t now = icount_raw(r->ic);
    if (now == r->last_align_icount)       /* this TB boundary was served */
        return c->align_at > now ? c->align_at : now + 1;
    r->last_align_icount = now;
    c->n.calls++;
    if (--r->countdown) {
        r->policy->perform_align(c, r->state);
    } else {
        r->countdown = r->time_period;
        int64_t w0 = waited_ns(c), t0 = host_monotonic_ns();
        r->policy->perform_align(c, r->state);
        int64_t dt = host_monotonic_ns() - t0 - (waited_ns(c) - w0) - r->read_cost_ns;
        c->n.timed_calls++;
        c->n.timed_ns += dt > 0 ? dt : 0;
    }
    if (c->align_deferred) {
        /* The loop-exit hook is borrowed only until the next return, so
         * loop returns cost nothing the rest of the time. */
        r->ic->on_loop_exit = on_deferred_align;
        return INT64_MAX;
    }
    return c->align_at;
}

static void on_loop_exit(void *opaque)
{
    AlignRun *r = opaque;
    r->ctx.n.exit_calls++;
    r->policy->loop_exit(&r->ctx, r->state);
}

static void end_deferral(AlignRun *r)
{
    r->ctx.align_deferred = false;
    r->ic->on_loop_exit = r->policy->loop_exit ? on_loop_exit : NULL;
}

static void on_deferred_align(void *opaque)
{
    AlignRun *r = opaque;
    AlignCtx *c = &r->ctx;
    end_deferral(r);
    if (r->policy->loop_exit)
        on_loop_exit(opaque);
    c->n.calls++;
    c->at_loop_return = true;
    r->policy->perform_align(c, r->state);
    c->at_loop_return = false;
    if (c->align_deferred)
        r->ic->on_loop_exit = on_deferred_align;
    else
        icount_set_policy_at(r->ic, c->align_at);
}

/* Outside any TB, with the count exact (the unwound TB was rewound); runs
 * before the loop-exit hook, so a dropped deferral never reaches it. */
static void on_unwind(void *opaque)
{
    AlignRun *r = opaque;
    AlignCtx *c = &r->ctx;
    r->policy->loop_unwind(c, r->state);
    if (!c->align_deferred)
        end_deferral(r);
    if (r->policy->perform_align && !c->align_deferred)
        icount_set_policy_at(r->ic, c->align_at);
}

/* ---- the run --------------------------------------------------------- */

int align_run_init(AlignRun *r, const AlignPolicy *p, const void *params, const AlignCommon *common,
                  Icount *ic, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->policy = p;
    r->ic = ic;
    r->params = calloc(1, p->params_size ? p->params_size : 1);
    r->state = calloc(1, p->state_size ? p->state_size : 1);
    if (!r->params || !r->state) {
        snprintf(err, n, "out of memory");
        align_run_destroy(r);
        return -1;
    }
    if (p->params_size)
        memcpy(r->params, params, p->params_size);
    if (common)
        r->ctx.common = *common;
    else
        align_common_defaults(&r->ctx.common);
    r->ctx.rt = &runtime;
    r->ctx.rt_opaque = r;
    r->ctx.late_since_ns = -1;
    r->ctx.check_interval_ns = 100 * ALIGN_NS_PER_US;
    r->time_period = ALIGN_TIME_PERIOD;
    r->countdown = ALIGN_TIME_PERIOD;
    r->last_align_icount = -1;
    r->saved_slack = -1;
    return 0;
}

void align_run_set_clock(AlignRun *r, const AlignClockOps *ops, void *opaque)
{
    r->ctx.clock = ops;
    r->ctx.clock_opaque = opaque;
}

void align_run_set_emit(AlignRun *r, void (*emit)(void *, const AlignEvent *), void *opaque,
                       int64_t check_interval_ns)
{
    r->ctx.emit = emit;
    r->ctx.emit_opaque = opaque;
    r->ctx.check_interval_ns = check_interval_ns;
}

void align_run_set_clock_changed(AlignRun *r, void (*fn)(void *, int, int64_t), void *opaque)
{
    r->clock_changed = fn;
    r->clock_changed_opaque = opaque;
}

/* The cost of one host_monotonic_ns() call, subtracted from each timed
 * sample (a sample spans about one read besides the policy's code). */
static int64_t read_cost_ns(void)
{
    int64_t best = INT64_MAX;
    for (int i = 0; i < 32; i++) {
        int64_t a = host_monotonic_ns(), b = host_monotonic_ns();
        if (b - a < best)
            best = b - a;
    }
    return best;
}

bool align_run_active(const AlignRun *r)
{
    const AlignPolicy *p = r->policy;
    return p && (p->init_delay || p->perform_align || p->loop_exit);
}

int align_run_start(AlignRun *r, char *err, size_t n)
{
    AlignCtx *c = &r->ctx;
    c->host0_ns = align_host_abs_uncounted(c);
    c->guest0_ns = icount_vclock_ns(r->ic);
    c->check_next_ns = 0;
    r->read_cost_ns = read_cost_ns();
    if (r->policy->init && r->policy->init(c, r->state, r->params, err, n) < 0)
        return -1;
    r->initialised = true;
    r->started = true;
    /* A late wake-up is drift: QEMU sets the slack to 1 ns too. */
    if (!c->clock && !c->common.dry_run && align_run_active(r)) {
        int old = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
        if (old > 0 && prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == 0)
            r->saved_slack = old;
    }
    Icount *ic = r->ic;
    ic->policy_opaque = r;
    ic->on_align = r->policy->perform_align ? on_align : NULL;
    ic->on_loop_exit = r->policy->loop_exit ? on_loop_exit : NULL;
    ic->on_unwind = r->policy->loop_unwind ? on_unwind : NULL;
    icount_set_policy_at(ic, r->policy->perform_align ? c->align_at : INT64_MAX);
    return 0;
}

void align_run_enter(AlignRun *r)
{
    if (!r->started || !r->policy->init_delay)
        return;
    AlignCtx *c = &r->ctx;
    if (c->align_deferred)
        end_deferral(r);
    int64_t w0 = waited_ns(c), t0 = host_monotonic_ns();
    r->policy->init_delay(c, r->state);
    int64_t dt = host_monotonic_ns() - t0 - (waited_ns(c) - w0) - r->read_cost_ns;
    c->n.entries++;
    c->n.entry_ns += dt > 0 ? dt : 0;
    if (r->policy->perform_align)
        icount_set_policy_at(r->ic, c->align_at);
}

void align_run_set_speed(AlignRun *r, double speed)
{
    AlignCtx *c = &r->ctx;
    if (!(speed > 0) || speed == c->common.speed)
        return;
    /* Keep the host time at which the current guest time is due. */
    double g = (double)(icount_vclock_ns(r->ic) - c->guest0_ns);
    c->forgiven_ns += (int64_t)(g / c->common.speed - g / speed);
    c->common.speed = speed;
    align_emit(c, ALIGN_EV_SPEED, align_host_ns(c), align_guest_ns(c), 0, 0, 0,
              (int64_t)(speed * 1e6 + 0.5));
}

double align_run_policy_ns(const AlignRun *r)
{
    const AlignCounters *n = &r->ctx.n;
    double per_call = n->timed_calls ? (double)n->timed_ns / (double)n->timed_calls : 0;
    return (double)n->entry_ns + per_call * (double)n->calls;
}

void align_run_report(AlignRun *r, AlignStatFn *put, void *opaque)
{
    if (r->initialised && r->policy->report)
        r->policy->report(&r->ctx, r->state, put, opaque);
}

void align_run_idle_until(AlignRun *r, int64_t vclock_ns)
{
    if (!r->started || !align_run_active(r))
        return;
    AlignCtx *c = &r->ctx;
    int64_t due = due_ns(c, vclock_ns - c->guest0_ns);
    int64_t now = policy_now(c);
    if (due > now)
        rt_wait_until(c, due, 0, due - now);
}

int align_run_replace(AlignRun *prev, AlignRun *next, char *err, size_t n)
{
    /* align_run_start fails only in the policy's init, before it touches the
     * Icount, so prev is still bound then. */
    if (align_run_start(next, err, n) < 0)
        return -1;
    /* next read the 1 ns slack prev had set as "the old value": the value
     * to restore at the end is the one prev saved. */
    if (prev->saved_slack > 0 && next->saved_slack > 0) {
        next->saved_slack = prev->saved_slack;
        prev->saved_slack = -1;
    }
    prev->started = false;      /* the Icount's hooks are next's now */
    return 0;
}

void align_run_peek(const AlignRun *r, AlignView *v)
{
    const AlignCtx *c = &r->ctx;
    v->host_ns = policy_now(c);
    v->guest_ns = icount_vclock_ns(r->ic) - c->guest0_ns;
    v->due_ns = due_ns(c, v->guest_ns);
    v->advance_ns = v->due_ns - v->host_ns;
}

_Static_assert(sizeof(AlignCounters) == 27 * sizeof(int64_t),
               "a new AlignCounters field needs adding to align_counters_add");

static void add_max(int64_t *acc, int64_t v)
{
    if (v > *acc)
        *acc = v;
}

void align_counters_add(AlignCounters *a, const AlignCounters *c)
{
    a->host_reads += c->host_reads;
    a->sleeps += c->sleeps;
    a->sleep_req_ns += c->sleep_req_ns;
    a->sleep_act_ns += c->sleep_act_ns;
    a->wake_late_ns += c->wake_late_ns;
    add_max(&a->wake_late_max_ns, c->wake_late_max_ns);
    a->host_stalls += c->host_stalls;
    a->host_stall_ns += c->host_stall_ns;
    a->spins += c->spins;
    a->spin_ns += c->spin_ns;
    a->spin_polls += c->spin_polls;
    a->wait_cpu_ns += c->wait_cpu_ns;
    a->dry_waits += c->dry_waits;
    a->dry_wait_ns += c->dry_wait_ns;
    a->entries += c->entries;
    a->calls += c->calls;
    a->exit_calls += c->exit_calls;
    a->timed_calls += c->timed_calls;
    a->timed_ns += c->timed_ns;
    a->entry_ns += c->entry_ns;
    a->late_checks += c->late_checks;
    add_max(&a->max_late_ns, c->max_late_ns);
    a->forgiven += c->forgiven;
    a->forgiven_ns += c->forgiven_ns;
    a->catchup_warnings += c->catchup_warnings;
    a->events += c->events;
    a->events_decimated += c->events_decimated;
}

void align_run_detach(AlignRun *r)
{
    if (r->ic && r->ic->policy_opaque == r) {
        r->ic->on_align = NULL;
        r->ic->on_loop_exit = NULL;
        r->ic->on_unwind = NULL;
        r->ic->policy_opaque = NULL;
        icount_set_policy_at(r->ic, INT64_MAX);
    }
    r->started = false;
}

void align_run_destroy(AlignRun *r)
{
    align_run_detach(r);
    if (r->saved_slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)r->saved_slack, 0, 0, 0);
    if (r->initialised && r->policy && r->policy->teardown)
        r->policy->teardown(&r->ctx, r->state);
    free(r->params);
    free(r->state);
    memset(r, 0, sizeof *r);
}
