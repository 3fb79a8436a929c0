#include "fake_engine.h"
#include "hostclock.h"
#include <string.h>

static int64_t fake_now(void *opaque)
{
    FakeClock *c = opaque;
    c->reads++;
    c->now_ns += c->read_ns;
    return c->now_ns;
}

static void fake_sleep(void *opaque, int64_t ns)
{
    FakeClock *c = opaque;
    c->now_ns += ns + c->oversleep_ns;
}

/* An absolute deadline: the clock moves to it, then the same wake-up
 * latency as a relative sleep. */
static void fake_sleep_until(void *opaque, int64_t abs_ns)
{
    FakeClock *c = opaque;
    if (abs_ns > c->now_ns)
        c->now_ns = abs_ns;
    c->now_ns += c->oversleep_ns;
}

const AlignClockOps fake_clock_ops = { fake_now, fake_sleep, fake_sleep_until };

static void calibrate(FakeEngine *e);

void fake_engine_init(FakeEngine *e, int shift, int tb_insns, int64_t host_ns_per_tb)
{
    memset(e, 0, sizeof *e);
    icount_init(&e->ic, &e->decr, shift, false, true);
    e->ic.align = true;
    e->tb_insns = tb_insns;
    e->host_ns_per_tb = host_ns_per_tb;
    calibrate(e);
}

static void spin_iters(uint64_t n)
{
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < n; i++)
        x = x + i;
}

/* Iterations of spin_iters() per ns, measured once per run: reading the host
 * clock inside the TB loop would cost more than a TB on some hosts. */
static void calibrate(FakeEngine *e)
{
    const uint64_t n = 1 << 17;
    int64_t best = INT64_MAX;
    for (int i = 0; i < 7; i++) {     /* the fastest trial: preemption only adds */
        int64_t t0 = host_monotonic_ns();
        spin_iters(n);
        int64_t dt = host_monotonic_ns() - t0;
        if (dt < best)
            best = dt;
    }
    e->iters_per_ns = (double)n / (double)(best > 0 ? best : 1);
    e->tb_iters = (uint64_t)(e->iters_per_ns * (double)e->host_ns_per_tb);
}

static void burn(FakeEngine *e)
{
    if (e->clock)
        e->clock->now_ns += e->host_ns_per_tb;
    else
        spin_iters(e->tb_iters);
}

static void loop_exit(FakeEngine *e)
{
    e->loop_exits++;
    icount_loop_exit(&e->ic);
}

void fake_engine_run(FakeEngine *e, int64_t insns, AlignRun *run)
{
    Icount *ic = &e->ic;
    int64_t target = icount_raw(ic) + insns;
    while (icount_raw(ic) < target) {
        if (run)
            align_run_enter(run);
        icount_prepare_for_run(ic);
        int64_t left = target - icount_raw(ic);
        int64_t budget = ic->budget;
        if (e->insns_per_entry && budget > e->insns_per_entry)
            budget = e->insns_per_entry;
        if (budget > left)
            budget = left;
        ic->budget = budget;
        icount_refill(ic);
        e->entries++;
        int n = e->tb_insns, chain = 0, since_unwind = 0;
        for (;;) {
            int32_t cnt = (int32_t)ic->decr->u32 - n;
            if (cnt < 0) {      /* cpu_exec's TB-entry check */
                if ((int32_t)ic->decr->u32 < 0)
                    break;      /* kicked */
                if (icount_tb_entry_stop(ic, n))
                    continue;   /* a sync point only */
                int32_t nat = icount_refill(ic);
                loop_exit(e);
                chain = 0;
                if (nat == 0)
                    break;
                if (nat < n)
                    n = nat;    /* the CPU would translate a shorter TB */
                continue;
            }
            ic->decr->u16.low = (uint16_t)cnt;
            burn(e);
            e->tbs++;
            n = e->tb_insns;
            if (e->after_tb)
                e->after_tb(e->after_tb_opaque);
            if (e->tbs_per_unwind && ++since_unwind >= e->tbs_per_unwind) {
                since_unwind = chain = 0;
                e->unwinds++;
                icount_loop_unwound(ic);
            } else if (e->tbs_per_exit && ++chain >= e->tbs_per_exit) {
                chain = 0;
                loop_exit(e);
            }
        }
        ic->decr->u16.high = 0;
        icount_process_data(ic);
    }
}
