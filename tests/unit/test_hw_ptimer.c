/*
 * The ptimer on a fake clock: legacy policy (what the SP804 uses) and the
 * other QEMU 7.2 policy flags, on scenarios whose expected counts follow
 * QEMU's documented ptimer behaviour (timers fire exactly at deadlines).
 */
#include "hw/ptimer.h"
#include <stdio.h>

static int n_tests, n_fail;
#define CHECK_EQ(got, want, ...) do {                                       \
        unsigned long long g_ = (got), w_ = (want);                         \
        n_tests++;                                                          \
        if (g_ != w_) n_fail++;                                             \
        printf("%sok %d - ", g_ == w_ ? "" : "not ", n_tests);              \
        printf(__VA_ARGS__);                                                \
        if (g_ != w_) printf(" # got %llu, want %llu", g_, w_);             \
        printf("\n");                                                       \
    } while (0)

typedef struct FakeClock { int64_t now; TimerList tl; } FakeClock;
static int64_t fake_now(void *o) { return ((FakeClock *)o)->now; }
static void step(FakeClock *c, int64_t ns)
{
    int64_t t = c->now + ns;
    while (timerlist_next_expiry(&c->tl) <= t) {
        c->now = timerlist_next_expiry(&c->tl);
        timerlist_run(&c->tl);
    }
    c->now = t;
}

static int triggered;
static void on_trigger(void *opaque) { (void)opaque; triggered++; }

static void setup(FakeClock *c, Ptimer *p, uint8_t policy)
{
    c->now = 0;
    timerlist_init(&c->tl, fake_now, c);
    ptimer_init(p, &c->tl, on_trigger, NULL, policy);
    p->warn = false;
    triggered = 0;
}

static const char *pname(uint8_t pol)
{
    switch (pol) {
    case PTIMER_POLICY_LEGACY: return "legacy";
    case PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD: return "wrap";
    case PTIMER_POLICY_NO_COUNTER_ROUND_DOWN: return "no-round-down";
    case PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD | PTIMER_POLICY_NO_COUNTER_ROUND_DOWN:
        return "wrap+no-round-down";
    default: return "?";
    }
}

static void test_oneshot(uint8_t pol)
{
    FakeClock c;
    Ptimer p;
    int nrd = (pol & PTIMER_POLICY_NO_COUNTER_ROUND_DOWN) != 0;
    const char *n = pname(pol);
    setup(&c, &p, pol);
    ptimer_transaction_begin(&p);
    ptimer_set_period(&p, 2000000);
    ptimer_set_count(&p, 10);
    ptimer_run(&p, 1);
    ptimer_transaction_commit(&p);
    step(&c, 2000000 * 2 + 1);
    CHECK_EQ(ptimer_get_count(&p), nrd ? 8 : 7, "%s one-shot: count after 2 periods + 1 ns", n);
    ptimer_transaction_begin(&p);
    ptimer_stop(&p);
    ptimer_transaction_commit(&p);
    step(&c, 2000000 * 11);
    CHECK_EQ(ptimer_get_count(&p) * 10 + (unsigned)triggered, (nrd ? 8 : 7) * 10,
             "%s one-shot: stop holds the count", n);
    ptimer_transaction_begin(&p);
    ptimer_run(&p, 1);
    ptimer_transaction_commit(&p);
    step(&c, 2000000 * 7 + 1);
    CHECK_EQ(ptimer_get_count(&p) * 10 + (unsigned)triggered, nrd ? 10 : 1,
             "%s one-shot: restart runs out the held count", n);
    step(&c, 2000000);
    CHECK_EQ(ptimer_get_count(&p) * 10 + (unsigned)triggered, 1,
             "%s one-shot: expired once, stays 0", n);
    step(&c, 4000000);
    CHECK_EQ(triggered, 1, "%s one-shot: never re-triggers", n);
    ptimer_free(&p);
}

static void test_periodic(uint8_t pol)
{
    FakeClock c;
    Ptimer p;
    int wrap = (pol & PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD) != 0;
    int nrd = (pol & PTIMER_POLICY_NO_COUNTER_ROUND_DOWN) != 0;
    const char *n = pname(pol);
    setup(&c, &p, pol);
    ptimer_transaction_begin(&p);
    ptimer_set_period(&p, 2000000);
    ptimer_set_limit(&p, 10, 1);
    ptimer_run(&p, 0);
    ptimer_transaction_commit(&p);
    CHECK_EQ(ptimer_get_count(&p), 10, "%s periodic: starts at limit", n);
    step(&c, 1);
    CHECK_EQ(ptimer_get_count(&p), nrd ? 10 : 9, "%s periodic: 1 ns in", n);
    step(&c, 2000000 * 10 - 1);
    CHECK_EQ(ptimer_get_count(&p), wrap ? 0 : 10, "%s periodic: at the wrap", n);
    CHECK_EQ(triggered, 1, "%s periodic: triggered at the wrap", n);
    step(&c, 1);
    CHECK_EQ(ptimer_get_count(&p), wrap ? 0 : (nrd ? 10 : 9), "%s periodic: 1 ns after", n);
    triggered = 0;
    step(&c, 2000000);
    CHECK_EQ(ptimer_get_count(&p), (nrd ? 9 : 8) + (wrap ? 1 : 0), "%s periodic: a period later", n);
    ptimer_transaction_begin(&p);
    ptimer_set_count(&p, 20);
    ptimer_transaction_commit(&p);
    CHECK_EQ(ptimer_get_count(&p), 20, "%s periodic: set_count restarts", n);
    step(&c, 1);
    CHECK_EQ(ptimer_get_count(&p), nrd ? 20 : 19, "%s periodic: 1 ns after set_count", n);
    step(&c, 2000000 * 11 + 1);
    CHECK_EQ(ptimer_get_count(&p), nrd ? 9 : 8, "%s periodic: counts down from 20", n);
    CHECK_EQ(triggered, 0, "%s periodic: no trigger before reaching 0", n);
    ptimer_free(&p);
}

static void test_legacy_edges(void)
{
    FakeClock c;
    Ptimer p;
    setup(&c, &p, PTIMER_POLICY_LEGACY);
    ptimer_transaction_begin(&p);
    ptimer_set_count(&p, 1000);
    ptimer_set_limit(&p, 2000, 0);
    ptimer_transaction_commit(&p);
    CHECK_EQ(ptimer_get_count(&p) * 10 + (unsigned)triggered, 10000, "set_count/limit while stopped: no trigger");
    CHECK_EQ(ptimer_get_limit(&p), 2000, "limit");

    ptimer_transaction_begin(&p);
    ptimer_run(&p, 0);
    ptimer_transaction_commit(&p);
    CHECK_EQ(p.enabled, 0, "run with period 0 refuses to start");

    ptimer_transaction_begin(&p);
    ptimer_set_freq(&p, 1000000);
    ptimer_transaction_commit(&p);
    CHECK_EQ(p.period * 10 + p.period_frac, 10000, "1 MHz: period 1000 ns, no fraction");
    ptimer_transaction_begin(&p);
    ptimer_set_freq(&p, 3906);
    ptimer_transaction_commit(&p);
    CHECK_EQ(p.period, 256016, "3906 Hz: integer part");
    CHECK_EQ(p.period_frac, 1653771329u, "3906 Hz: 32-bit fraction");

    /* Starting with count 0 triggers at once and reloads from the limit. */
    ptimer_transaction_begin(&p);
    ptimer_set_freq(&p, 1000000);
    ptimer_set_count(&p, 0);
    ptimer_set_limit(&p, 5, 0);
    ptimer_run(&p, 0);
    ptimer_transaction_commit(&p);
    CHECK_EQ(triggered * 100 + (int)ptimer_get_count(&p), 105, "legacy: run with count 0 triggers, reloads");
    /* Limit 0 periodic: trigger, then disabled with delta 0. */
    triggered = 0;
    ptimer_transaction_begin(&p);
    ptimer_set_limit(&p, 0, 1);
    ptimer_transaction_commit(&p);
    CHECK_EQ(triggered * 10 + p.enabled, 10, "legacy: limit 0 triggers once and disables");

    /* A callback that rewrites the timer runs again, iteratively. */
    ptimer_free(&p);
}

static Ptimer *cb_timer;
static int cb_calls;
static void reloading_cb(void *opaque)
{
    (void)opaque;
    if (++cb_calls < 3)
        ptimer_set_count(cb_timer, 0);  /* inside the tick's transaction */
}

static void test_callback_reentry(void)
{
    FakeClock c;
    Ptimer p;
    c.now = 0;
    timerlist_init(&c.tl, fake_now, &c);
    ptimer_init(&p, &c.tl, reloading_cb, NULL, PTIMER_POLICY_LEGACY);
    cb_timer = &p;
    cb_calls = 0;
    ptimer_transaction_begin(&p);
    ptimer_set_period(&p, 100);
    ptimer_set_limit(&p, 4, 1);
    ptimer_run(&p, 0);
    ptimer_transaction_commit(&p);
    step(&c, 400);
    CHECK_EQ(cb_calls, 2, "tick, then one immediate re-trigger from the rewrite, no recursion");
    CHECK_EQ(p.next_event, 800, "and the timer restarts from the last rewrite");
    ptimer_free(&p);
}

static void test_continuous(void)
{
    FakeClock c;
    Ptimer p;
    setup(&c, &p, PTIMER_POLICY_CONTINUOUS_TRIGGER);
    ptimer_transaction_begin(&p);
    ptimer_set_period(&p, 1000);
    ptimer_set_limit(&p, 0, 1);
    ptimer_run(&p, 0);
    ptimer_transaction_commit(&p);
    step(&c, 5000);
    CHECK_EQ(triggered, 6, "continuous-trigger, limit 0: once at start and every period");
    ptimer_free(&p);
}

int main(void)
{
    static const uint8_t pols[] = {
        PTIMER_POLICY_LEGACY, PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD,
        PTIMER_POLICY_NO_COUNTER_ROUND_DOWN,
        PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD | PTIMER_POLICY_NO_COUNTER_ROUND_DOWN,
    };
    for (size_t i = 0; i < sizeof(pols); i++) {
        test_oneshot(pols[i]);
        test_periodic(pols[i]);
    }
    test_legacy_edges();
    test_callback_reentry();
    test_continuous();
    printf("%d passed, %d failed\n", n_tests - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
