/* icount mechanics without a CPU: a fake vCPU consumes the budget in TBs of a
 * fixed length, cutting the last one to the exact remainder as the TB engine
 * does, so timers must fire on their exact instruction. */
#include "icount.h"
#include "tap.h"
#include <stdint.h>

typedef struct Fake {
    IcountDecr decr;
    Icount ic;
    int kicks;
    int64_t fired_at[16];
    int n_fired;
    Timer t;
    int64_t period;
} Fake;

static void kick(void *opaque) { ((Fake *)opaque)->kicks++; }

static void on_timer(void *opaque)
{
    Fake *f = opaque;
    if (f->n_fired < 16)
        f->fired_at[f->n_fired++] = icount_vclock_ns(&f->ic);
    if (f->period)
        timer_mod(&f->t, f->t.expire_ns + f->period);
}

static void fake_init(Fake *f, int shift)
{
    *f = (Fake){0};
    icount_init(&f->ic, &f->decr, shift, false, false);
    f->ic.kick = kick;
    f->ic.kick_opaque = f;
    timer_init(&f->t, &f->ic.vtimers, on_timer, f);
}

/* One vCPU run: TBs of tb_len instructions until the budget is gone, with the
 * TB-entry check and refill that the real engine performs. */
static void fake_run(Fake *f, int tb_len)
{
    Icount *ic = &f->ic;
    icount_prepare_for_run(ic);
    int len = tb_len;
    for (;;) {
        int32_t v = (int32_t)f->decr.u32 - len;
        if (v >= 0) {
            f->decr.u16.low = (uint16_t)v;
            len = tb_len;
            continue;
        }
        icount_update(ic);
        int32_t left = icount_refill(ic);
        if (left == 0)
            break;
        if (left < len)
            len = left;
    }
    icount_process_data(ic);
}

int main(void)
{
    Fake f;

    fake_init(&f, 0);
    timer_mod(&f.t, 100000);
    icount_prepare_for_run(&f.ic);
    CHECK_EQ(f.ic.budget, 100000, "budget runs to the deadline at shift 0");
    CHECK_EQ(f.decr.u16.low, 0xffff, "decrementer holds at most 0xffff");
    CHECK_EQ(f.ic.extra, 100000 - 0xffff, "the rest waits in icount_extra");
    icount_process_data(&f.ic);

    fake_init(&f, 3);
    timer_mod(&f.t, 100);
    icount_prepare_for_run(&f.ic);
    CHECK_EQ(f.ic.budget, 13, "budget is the deadline rounded up to whole instructions");
    icount_process_data(&f.ic);

    fake_init(&f, 0);
    icount_prepare_for_run(&f.ic);
    CHECK_EQ(f.ic.budget, INT32_MAX, "no timer: QEMU's INT32_MAX ns cap");
    icount_process_data(&f.ic);

    for (int shift = 0; shift <= 4; shift += 2) {
        fake_init(&f, shift);
        f.period = 1000000;
        timer_mod(&f.t, 123457);
        while (f.n_fired < 5) {
            fake_run(&f, 37);
            icount_handle_deadline(&f.ic);
        }
        int exact = 1;
        for (int i = 0; i < 5; i++) {
            int64_t due = 123457 + i * 1000000LL;
            int64_t insn = (due + (1 << shift) - 1) >> shift;
            if (f.fired_at[i] != insn << shift)
                exact = 0;
        }
        CHECK(exact, "shift %d: a periodic timer fires on its exact instruction", shift);
    }

    fake_init(&f, 0);
    timer_mod(&f.t, 5000);
    int k0 = f.kicks;
    Timer later;
    timer_init(&later, &f.ic.vtimers, on_timer, &f);
    timer_mod(&later, 9000);
    CHECK_EQ(f.kicks, k0, "arming a later timer does not kick the vCPU");
    timer_mod(&later, 1000);
    CHECK_EQ(f.kicks, k0 + 1, "arming an earlier timer kicks the vCPU");
    timer_del(&later);

    fake_init(&f, 0);
    timer_mod(&f.t, 2500000);
    CHECK(icount_idle_warp(&f.ic, NULL, NULL), "sleep=off warp finds the deadline");
    CHECK_EQ(f.ic.bias_ns, 2500000, "sleep=off: virtual time jumps to the deadline at once");
    CHECK_EQ(f.n_fired, 1, "the timer ran after the warp");
    CHECK(!icount_idle_warp(&f.ic, NULL, NULL), "no deadline: warp reports nothing can wake the guest");

    fake_init(&f, 0);
    f.ic.sleep = true;
    timer_mod(&f.t, 2000000);
    int64_t rt0 = icount_rtclock_ns(&f.ic);
    icount_idle_warp(&f.ic, NULL, NULL);
    int64_t slept = icount_rtclock_ns(&f.ic) - rt0;
    CHECK(slept >= 2000000 && slept < 2000000000, "sleep=on: the host waited for the deadline (%lld ns)", (long long)slept);
    CHECK(f.n_fired == 1 && f.fired_at[0] >= 2000000, "sleep=on: virtual time advanced in real time to the deadline");

    /* shift=auto: a guest far ahead of real time is slowed one step. */
    Fake a;
    a = (Fake){0};
    icount_init(&a.ic, &a.decr, 0, true, true);
    CHECK_EQ(a.ic.shift, ICOUNT_AUTO_INITIAL_SHIFT, "shift=auto starts at QEMU's initial shift");
    a.ic.executed = 200000000;   /* 1.6 s of guest time at shift 3 */
    int64_t before = icount_vclock_ns(&a.ic);
    icount_handle_deadline(&a.ic);
    CHECK_EQ(a.ic.shift, ICOUNT_AUTO_INITIAL_SHIFT - 1, "a guest ahead of the host gets a smaller shift");
    CHECK_EQ(icount_vclock_ns(&a.ic), before, "the virtual clock stays continuous across the change");
    icount_handle_deadline(&a.ic);
    CHECK_EQ(a.ic.shift, ICOUNT_AUTO_INITIAL_SHIFT - 1, "one step at a time: nothing more until the next period");
    return tap_done();
}
