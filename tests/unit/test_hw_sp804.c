/*
 * SP804 dual timer on a fake virtual clock: modes, prescalers, interrupts and
 * exact counter values (QEMU 7.2 ptimer arithmetic, legacy policy; the
 * numbers agree with test_hw_qemu_trace's recordings of real QEMU).
 */
#include "hw/sp804.h"
#include <stdio.h>

static int n_tests, n_fail;
#define CHECK_EQ(got, want, ...) do {                                       \
        unsigned long long g_ = (got), w_ = (want);                         \
        n_tests++;                                                          \
        if (g_ != w_) n_fail++;                                             \
        printf("%sok %d - ", g_ == w_ ? "" : "not ", n_tests);              \
        printf(__VA_ARGS__);                                                \
        if (g_ != w_) printf(" # got 0x%llx, want 0x%llx", g_, w_);         \
        printf("\n");                                                       \
    } while (0)

typedef struct FakeClock { int64_t now; TimerList tl; } FakeClock;
static int64_t fake_now(void *o) { return ((FakeClock *)o)->now; }
static void clock_setup(FakeClock *c)
{
    c->now = 0;
    timerlist_init(&c->tl, fake_now, c);
}
/* Fire every timer due up to t, each at its own deadline. */
static void advance(FakeClock *c, int64_t t)
{
    while (timerlist_next_expiry(&c->tl) <= t) {
        c->now = timerlist_next_expiry(&c->tl);
        timerlist_run(&c->tl);
    }
    c->now = t;
}

typedef struct Line { int level, rises; } Line;
static void line_set(void *opaque, int n, int level)
{
    Line *l = opaque;
    (void)n;
    if (level && !l->level)
        l->rises++;
    l->level = level;
}

#define BASE 0x101e2000u
#define LOAD 0x00
#define VALUE 0x04
#define CTRL 0x08
#define INTCLR 0x0c
#define RIS 0x10
#define MIS 0x14
#define BGLOAD 0x18

static Bus bus;
static uint32_t rd(int t, uint32_t off)
{
    const MmioRegion *r = bus_find(&bus, BASE);
    return r->read(r->opaque, (uint32_t)t * 0x20 + off, 4);
}
static void wr(int t, uint32_t off, uint32_t v)
{
    const MmioRegion *r = bus_find(&bus, BASE);
    r->write(r->opaque, (uint32_t)t * 0x20 + off, v, 4);
}

int main(void)
{
    FakeClock c;
    SP804 sp;
    Line irq = {0, 0};
    clock_setup(&c);
    bus_init(&bus, 0x1000);
    sp804_init(&sp, &bus, BASE, &c.tl, irq_line(line_set, &irq, 0),
               SP804_DEFAULT_FREQ, SP804_DEFAULT_FREQ);

    static const uint8_t id[8] = { 0x04, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    int id_ok = 1;
    for (int i = 0; i < 8; i++)
        id_ok &= rd(0, 0xfe0 + 4 * (uint32_t)i) == id[i];
    CHECK_EQ(id_ok, 1, "SP804 TimerPeriphID/PCellID");
    CHECK_EQ(rd(0, CTRL), 0x20, "Control at creation = IE (QEMU)");
    CHECK_EQ(rd(0, VALUE) | rd(0, LOAD) | rd(0, RIS), 0, "Load, Value, RIS start at 0");

    /* Periodic, 32-bit, /1 (1 us per tick), Load 1000: wraps every 1 ms. */
    c.now = 5000;
    wr(0, LOAD, 1000);
    wr(0, CTRL, 0xe2);
    CHECK_EQ(rd(0, VALUE), 1000, "periodic: Value = Load at start");
    advance(&c, 5001);
    CHECK_EQ(rd(0, VALUE), 999, "1 ns later it already reads one less (legacy rounding)");
    advance(&c, 5000 + 500000);
    CHECK_EQ(rd(0, VALUE), 500, "half way");
    advance(&c, 5000 + 999999);
    CHECK_EQ(rd(0, VALUE), 0, "1 ns before the deadline");
    CHECK_EQ(irq.level, 0, "no interrupt yet");
    advance(&c, 5000 + 1000000);
    CHECK_EQ(irq.level, 1, "interrupt at the deadline");
    CHECK_EQ(rd(0, VALUE), 1000, "reloaded at the deadline");
    CHECK_EQ(rd(0, RIS) * 2 + rd(0, MIS), 3, "RIS and MIS");
    wr(0, INTCLR, 0);
    CHECK_EQ(irq.level * 2 + rd(0, RIS), 0, "IntClr clears the interrupt");
    advance(&c, 5000 + 10 * 1000000 + 1);
    CHECK_EQ(irq.rises, 2, "periodic: one interrupt pending until cleared");
    CHECK_EQ(rd(0, VALUE), 999, "10 periods later, exactly in phase");

    /* BGLoad changes the next reload only; Load restarts now. */
    wr(0, INTCLR, 0);
    wr(0, BGLOAD, 300);
    CHECK_EQ(rd(0, VALUE), 999, "BGLoad does not touch the current count");
    CHECK_EQ(rd(0, LOAD), 300, "Load reads the BGLoad value");
    advance(&c, 5000 + 11 * 1000000);
    CHECK_EQ(rd(0, VALUE), 300, "next period counts from BGLoad");
    advance(&c, 5000 + 11 * 1000000 + 300000 + 10);
    CHECK_EQ(rd(0, VALUE), 299, "period is now 300 us");
    int64_t t = c.now;
    wr(0, LOAD, 50);
    CHECK_EQ(rd(0, VALUE), 50, "Load restarts the count immediately");
    advance(&c, t + 50000);
    CHECK_EQ(rd(0, VALUE), 50, "and the next period starts from the write");

    /* IE off: RIS set, MIS and the line stay low. */
    wr(0, INTCLR, 0);
    wr(0, CTRL, 0xc2);
    advance(&c, c.now + 200000);
    CHECK_EQ(rd(0, RIS) * 4 + rd(0, MIS) * 2 + (unsigned)irq.level, 4,
             "IE clear: raw status only");

    /* Stopping freezes the rounded-down count; restarting resumes from it. */
    t = c.now;
    advance(&c, t + 10500);
    wr(0, CTRL, 0x42);
    uint32_t frozen = rd(0, VALUE);
    advance(&c, t + 90000);
    CHECK_EQ(rd(0, VALUE), frozen, "disabled timer holds its value");
    wr(0, CTRL, 0xc2);
    CHECK_EQ(rd(0, VALUE), 50, "re-enabling reloads from Load (QEMU)");
    wr(0, CTRL, 0x02);

    /* One-shot, /16 (16 us per tick), Load 10 on timer 1. */
    wr(1, LOAD, 10);
    t = c.now;
    wr(1, CTRL, 0xa7);
    CHECK_EQ(rd(1, VALUE), 10, "one-shot start");
    advance(&c, t + 16000 * 3 + 1);
    CHECK_EQ(rd(1, VALUE), 6, "one-shot /16 after 3 ticks + 1 ns");
    advance(&c, t + 160000);
    CHECK_EQ(rd(1, RIS), 1, "one-shot expiry interrupt");
    CHECK_EQ(rd(1, VALUE), 0, "one-shot stays at 0");
    advance(&c, t + 10 * 160000);
    CHECK_EQ(rd(1, VALUE), 0, "and never reloads");
    CHECK_EQ(rd(1, CTRL), 0xa7, "Control keeps its enable bit (QEMU)");
    CHECK_EQ(irq.level, 1, "timer 1 drives the shared line");
    wr(1, INTCLR, 0);
    CHECK_EQ(irq.level, 0, "line drops when both are clear");

    /* /256: period 256016 ns + 0.385 (64.32 fixed point). */
    t = c.now;
    wr(1, LOAD, 3);
    wr(1, CTRL, 0xea);
    advance(&c, t + 1);
    CHECK_EQ(rd(1, VALUE), 2, "/256 at +1 ns");
    advance(&c, t + 256016);
    CHECK_EQ(rd(1, VALUE), 2, "/256 at +256016 ns (period is 256016.385)");
    advance(&c, t + 256017);
    CHECK_EQ(rd(1, VALUE), 1, "/256 at +256017 ns");
    advance(&c, t + 768048);
    CHECK_EQ(rd(1, RIS), 0, "/256 deadline is 768049, not 768048");
    advance(&c, t + 768049);
    CHECK_EQ(rd(1, RIS), 1, "/256 fires at 3*256016 + (frac*3 >> 32)");
    wr(1, CTRL, 0);
    wr(1, INTCLR, 0);

    /* Free-running 32-bit /256: ptimer's rounded divisor reads one less than
     * exact division here (QEMU reads 0xfffffffd too). */
    t = c.now;
    wr(1, CTRL, 0x8a);
    CHECK_EQ(rd(1, VALUE), 0xfffffffe,
             "free-running 32-bit /256 reads 0xfffffffe at once (truncated deadline)");
    advance(&c, t + 160849);
    CHECK_EQ(rd(1, VALUE), 0xfffffffd, "rounded 64.32 division, as QEMU");
    wr(1, CTRL, 0);

    /* Free-running 16-bit ignores Load except that a Load write restarts. */
    wr(0, LOAD, 5);
    t = c.now;
    wr(0, CTRL, 0x80);
    CHECK_EQ(rd(0, VALUE), 0xffff, "free-running 16-bit from 0xffff");
    advance(&c, t + 65535000);
    CHECK_EQ(rd(0, VALUE), 0xffff, "wraps to 0xffff");
    advance(&c, t + 65535000 + 2000);
    wr(0, LOAD, 0x1234);
    CHECK_EQ(rd(0, VALUE), 0xffff, "Load write in free-running mode restarts at 0xffff");
    /* 16-bit periodic does not truncate Load (QEMU). */
    wr(0, LOAD, 0x12345);
    wr(0, CTRL, 0xc0);
    CHECK_EQ(rd(0, VALUE), 0x12345, "16-bit periodic keeps a >16-bit Load (QEMU)");

    /* Load 0, periodic: QEMU triggers at once and disables the ptimer. */
    wr(0, CTRL, 0);
    wr(0, INTCLR, 0);
    wr(0, LOAD, 0);
    sp.timer[0].timer.warn = 0;
    wr(0, CTRL, 0xe2);
    CHECK_EQ(rd(0, RIS), 1, "Load 0: immediate interrupt");
    CHECK_EQ(rd(0, VALUE), 0, "Load 0: counter 0");
    CHECK_EQ(timer_pending(&sp.timer[0].timer.timer), 0, "Load 0: ptimer disabled");
    CHECK_EQ(rd(0, 0xf00) | rd(0, 0x1c) | rd(0, 0x40), 0, "ITCR, reserved and bad offsets read 0");

    sp804_destroy(&sp);
    bus_free(&bus);
    printf("%d passed, %d failed\n", n_tests - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
