#include "sync/fake_engine.h"
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

const SyncClockOps fake_clock_ops = { fake_now, fake_sleep };

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

void fake_engine_run(FakeEngine *e, int64_t insns, const SyncHooks *h)
{
    Icount *ic = &e->ic;
    int64_t target = icount_raw(ic) + insns;
    while (icount_raw(ic) < target) {
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
        if (h && h->init_delay)
            h->init_delay(h->ctx);
        while (ic->decr->u16.low + ic->extra > 0) {
            if (ic->decr->u16.low == 0) {      /* decrementer exhausted: reload */
                icount_update(ic);
                icount_refill(ic);
            }
            int n = e->tb_insns < ic->decr->u16.low ? e->tb_insns : ic->decr->u16.low;
            ic->decr->u16.low = (uint16_t)(ic->decr->u16.low - n);
            burn(e);
            e->tbs++;
            if (e->publish)
                atomic_store_explicit(e->publish, icount_raw(ic), memory_order_relaxed);
            if (h && h->perform_align)
                h->perform_align(h->ctx);
            if (e->after_tb)
                e->after_tb(e->after_tb_opaque);
        }
        icount_process_data(ic);
    }
}
