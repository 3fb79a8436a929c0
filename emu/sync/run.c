/* SyncRun: one policy instance, its context, and the hook trampolines. */
#include "sync/sync.h"
#include "hostclock.h"
#include <stdlib.h>
#include <string.h>

/* One policy call in this many is timed (two host-clock reads, not charged
 * to the policy); the total is extrapolated from the sample. TBs before the
 * policy's align_at never reach the policy and are not timed. */
#define SYNC_TIME_PERIOD 256

static void hook_init_delay(void *opaque);
static void hook_init_delay_count(void *opaque);
static void hook_perform_align(void *opaque);

int sync_run_init(SyncRun *r, const SyncPolicy *p, const void *params, Icount *ic,
                  char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->policy = p;
    r->params = calloc(1, p->params_size ? p->params_size : 1);
    r->state = calloc(1, p->state_size ? p->state_size : 1);
    if (!r->params || !r->state) {
        snprintf(err, n, "out of memory");
        sync_run_destroy(r);
        return -1;
    }
    if (p->params_size)
        memcpy(r->params, params, p->params_size);
    r->ctx.ic = ic;
    r->ctx.check_interval_ns = 100 * SYNC_NS_PER_US;
    r->time_period = SYNC_TIME_PERIOD;
    r->countdown = SYNC_TIME_PERIOD;
    r->hooks.ctx = r;
    r->hooks.init_delay = p->init_delay ? hook_init_delay : hook_init_delay_count;
    r->hooks.perform_align = p->perform_align ? hook_perform_align : NULL;
    r->hooks.align_at = &r->ctx.align_at;
    return 0;
}

void sync_run_set_clock(SyncRun *r, const SyncClockOps *ops, void *opaque)
{
    r->ctx.clock = ops;
    r->ctx.clock_opaque = opaque;
}

void sync_run_set_emit(SyncRun *r, void (*emit)(void *, const SyncEvent *), void *opaque,
                       int64_t check_interval_ns)
{
    r->ctx.emit = emit;
    r->ctx.emit_opaque = opaque;
    r->ctx.check_interval_ns = check_interval_ns;
}

void sync_run_set_clock_changed(SyncRun *r, void (*fn)(void *, int, int64_t), void *opaque)
{
    r->ctx.clock_changed = fn;
    r->ctx.clock_changed_opaque = opaque;
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

/* Time in policy code = elapsed - (sleep + spin) during the call. */
static inline int64_t waited_ns(const SyncCtx *c)
{
    return c->n.sleep_act_ns + c->n.spin_ns;
}

static void hook_init_delay(void *opaque)
{
    SyncRun *r = opaque;
    SyncCtx *c = &r->ctx;
    int64_t w0 = waited_ns(c), t0 = host_monotonic_ns();
    r->policy->init_delay(c, r->state);
    int64_t dt = host_monotonic_ns() - t0 - (waited_ns(c) - w0) - r->read_cost_ns;
    c->n.entries++;
    c->n.entry_ns += dt > 0 ? dt : 0;
}

static void hook_init_delay_count(void *opaque)
{
    SyncRun *r = opaque;
    r->ctx.n.entries++;
}

static void hook_perform_align(void *opaque)
{
    SyncRun *r = opaque;
    SyncCtx *c = &r->ctx;
    if (sync_icount(c) < c->align_at)      /* not at the policy's next sync point */
        return;
    c->n.calls++;
    if (--r->countdown) {
        r->policy->perform_align(c, r->state);
        return;
    }
    r->countdown = r->time_period;
    int64_t w0 = waited_ns(c), t0 = host_monotonic_ns();
    r->policy->perform_align(c, r->state);
    int64_t dt = host_monotonic_ns() - t0 - (waited_ns(c) - w0) - r->read_cost_ns;
    c->n.timed_calls++;
    c->n.timed_ns += dt > 0 ? dt : 0;
}

int sync_run_start(SyncRun *r, char *err, size_t n)
{
    SyncCtx *c = &r->ctx;
    c->host0_ns = sync_host_abs_uncounted(c);
    c->guest0_ns = icount_vclock_ns(c->ic);
    c->check_next_ns = 0;
    r->read_cost_ns = read_cost_ns();
    if (r->policy->init && r->policy->init(c, r->state, r->params, err, n) < 0)
        return -1;
    r->initialised = true;
    r->started = true;
    return 0;
}

const SyncHooks *sync_run_hooks(SyncRun *r)
{
    if (!r->policy || (!r->policy->init_delay && !r->policy->perform_align))
        return NULL;
    return &r->hooks;
}

double sync_run_policy_ns(const SyncRun *r)
{
    const SyncCounters *n = &r->ctx.n;
    double per_call = n->timed_calls ? (double)n->timed_ns / (double)n->timed_calls : 0;
    return (double)n->entry_ns + per_call * (double)n->calls;
}

void sync_run_report(SyncRun *r, SyncStatFn *put, void *opaque)
{
    if (r->initialised && r->policy->report)
        r->policy->report(&r->ctx, r->state, put, opaque);
}

void sync_run_destroy(SyncRun *r)
{
    if (r->initialised && r->policy && r->policy->teardown)
        r->policy->teardown(&r->ctx, r->state);
    free(r->params);
    free(r->state);
    memset(r, 0, sizeof *r);
}
