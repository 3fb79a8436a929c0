/* The versatilepb board: address map, interrupt wiring from every device to
 * the CPU lines, system registers, PL031 counting and alarm, reset, and two
 * independent boards side by side. */
#include "hw/versatilepb.h"
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

typedef struct Board {
    int64_t now;
    TimerList tl;
    Bus bus;
    int irq, fiq, resets;
    VersatilePB *vpb;
} Board;

static int64_t fake_now(void *o) { return ((Board *)o)->now; }
static void advance(Board *b, int64_t t)
{
    while (timerlist_next_expiry(&b->tl) <= t) {
        b->now = timerlist_next_expiry(&b->tl);
        timerlist_run(&b->tl);
    }
    b->now = t;
}
static void cpu_line(void *opaque, int n, int level)
{
    Board *b = opaque;
    if (n == 0)
        b->irq = level;
    else
        b->fiq = level;
}
static void on_reset(void *opaque) { ((Board *)opaque)->resets++; }

static int board_init(Board *b, int64_t rtc_base)
{
    b->now = 0;
    b->irq = b->fiq = b->resets = 0;
    timerlist_init(&b->tl, fake_now, b);
    if (bus_init(&b->bus, 0x100000) < 0)
        return -1;
    VersatilePBConfig cfg = {
        .bus = &b->bus, .vtimers = &b->tl,
        .cpu_irq = irq_line(cpu_line, b, 0), .cpu_fiq = irq_line(cpu_line, b, 1),
        .serial = { "null", NULL, "none", NULL },
        .rtc_base = rtc_base,
        .reset_request = on_reset, .request_opaque = b,
    };
    b->vpb = versatilepb_create(&cfg);
    return b->vpb ? 0 : -1;
}
static void board_free(Board *b)
{
    versatilepb_destroy(b->vpb);
    bus_free(&b->bus);
}
static uint32_t rd(Board *b, uint32_t a)
{
    const MmioRegion *r = bus_find(&b->bus, a);
    return r ? r->read(r->opaque, a - r->base, 4) : 0xdeadbeef;
}
static void wr(Board *b, uint32_t a, uint32_t v)
{
    const MmioRegion *r = bus_find(&b->bus, a);
    if (r)
        r->write(r->opaque, a - r->base, v, 4);
}

#define SYS 0x10000000u
#define SIC 0x10003000u
#define VIC 0x10140000u
#define RTC 0x101e8000u

static void test_map(Board *b)
{
    static const struct { uint32_t base; const char *name; } map[] = {
        { 0x10000000, "sysctl" }, { 0x10003000, "SIC" }, { 0x10009000, "UART3" },
        { 0x10140000, "VIC" }, { 0x101e2000, "SP804 0/1" }, { 0x101e3000, "SP804 2/3" },
        { 0x101e8000, "PL031" }, { 0x101f1000, "UART0" }, { 0x101f2000, "UART1" },
        { 0x101f3000, "UART2" },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        const MmioRegion *r = bus_find(&b->bus, map[i].base + 0xffc);
        CHECK_EQ(r && r->base == map[i].base && r->size == 0x1000, 1,
                 "%s mapped at 0x%08x, 4 KiB", map[i].name, map[i].base);
    }
}

/* Raise one device's interrupt and check it reaches the CPU IRQ line. */
static void test_wiring(Board *b)
{
    VersatilePB *v = b->vpb;
    wr(b, VIC + 0x10, 0xffffffff);
    CHECK_EQ(b->irq, 0, "quiet board: IRQ low");

    static const struct { uint32_t base; int line; const char *name; } uarts[] = {
        { 0x101f1000, 12, "UART0" }, { 0x101f2000, 13, "UART1" },
        { 0x101f3000, 14, "UART2" },
    };
    for (int i = 0; i < 3; i++) {
        wr(b, uarts[i].base + 0x38, 0x20);  /* IMSC TX */
        wr(b, uarts[i].base, 'x');          /* TX raises TXRIS */
        CHECK_EQ(rd(b, VIC + 0x08), 1u << uarts[i].line, "%s -> VIC %d", uarts[i].name, uarts[i].line);
        CHECK_EQ(b->irq, 1, "%s reaches CPU IRQ", uarts[i].name);
        wr(b, uarts[i].base + 0x44, 0x20);
        CHECK_EQ(b->irq, 0, "%s cleared", uarts[i].name);
    }
    wr(b, 0x10009000 + 0x38, 0x20);
    wr(b, 0x10009000, 'x');
    CHECK_EQ(rd(b, SIC + 0x04), 1u << 6, "UART3 -> SIC 6");
    CHECK_EQ(b->irq, 0, "SIC 6 masked: no IRQ");
    wr(b, SIC + 0x08, 1u << 6);
    CHECK_EQ(rd(b, VIC + 0x08), 1u << 31, "SIC -> VIC 31");
    CHECK_EQ(b->irq, 1, "UART3 reaches CPU IRQ through the SIC");
    wr(b, 0x10009000 + 0x44, 0x20);
    CHECK_EQ(b->irq, 0, "UART3 cleared");

    static const struct { uint32_t base; int line; } timers[] = {
        { 0x101e2000, 4 }, { 0x101e2020, 4 }, { 0x101e3000, 5 }, { 0x101e3020, 5 },
    };
    for (int i = 0; i < 4; i++) {
        wr(b, timers[i].base + 0x00, 10);
        wr(b, timers[i].base + 0x08, 0xa3);     /* one-shot, IE, 32-bit */
        advance(b, b->now + 10000);
        CHECK_EQ(rd(b, VIC + 0x08), 1u << timers[i].line, "timer %d -> VIC %d", i, timers[i].line);
        CHECK_EQ(b->irq, 1, "timer %d reaches CPU IRQ", i);
        wr(b, timers[i].base + 0x0c, 1);
        CHECK_EQ(b->irq, 0, "timer %d cleared", i);
    }

    wr(b, RTC + 0x10, 1);
    wr(b, RTC + 0x04, rd(b, RTC));     /* MR == DR: immediate alarm */
    CHECK_EQ(rd(b, VIC + 0x08), 1u << 10, "RTC -> VIC 10");
    CHECK_EQ(b->irq, 1, "RTC reaches CPU IRQ");
    wr(b, RTC + 0x1c, 1);
    CHECK_EQ(b->irq, 0, "RTC cleared");

    wr(b, VIC + 0x0c, 1u << 10);
    wr(b, RTC + 0x04, rd(b, RTC));
    CHECK_EQ(b->irq * 2 + b->fiq, 1, "INTSELECT routes the RTC to FIQ");
    wr(b, RTC + 0x1c, 1);
    wr(b, VIC + 0x0c, 0);

    IrqLine mmci = versatilepb_sic_irq(v, 22);
    wr(b, SIC + 0x20, 1u << 22);
    irq_set(&mmci, 1);
    CHECK_EQ(rd(b, VIC + 0x08), 1u << 22, "SIC 22 passes through to VIC 22 (MMCI0)");
    irq_set(&mmci, 0);
    wr(b, VIC + 0x14, 0xffffffff);
}

static void test_sysctl(Board *b)
{
    CHECK_EQ(rd(b, SYS + 0x00), 0x41007004, "SYS_ID (QEMU versatilepb)");
    CHECK_EQ(rd(b, SYS + 0x84), 0x02000000, "SYS_PROCID0");
    CHECK_EQ(rd(b, SYS + 0x88), 0xff000000, "SYS_PROCID1");
    CHECK_EQ(rd(b, SYS + 0x50), 0x1f00, "SYS_CLCD reset value");
    CHECK_EQ(rd(b, SYS + 0x44), 1, "SYS_PCICTL");
    advance(b, 123456789);
    CHECK_EQ(rd(b, SYS + 0x5c), 2962962, "SYS_24MHZ = muldiv64(ns, 24e6, 1e9)");
    advance(b, 1000000000);
    CHECK_EQ(rd(b, SYS + 0x5c), 24000000, "SYS_24MHZ after 1 s");
    b->now = 200000000000LL;    /* 200 s: the 32-bit register wraps */
    CHECK_EQ(rd(b, SYS + 0x5c), (uint32_t)(200ULL * 24000000), "SYS_24MHZ truncated to 32 bits");
    CHECK_EQ(rd(b, SYS + 0x24), 0, "SYS_100HZ reads 0 (unimplemented in QEMU 7.2)");
    wr(b, SYS + 0x08, 0xa5);
    CHECK_EQ(rd(b, SYS + 0x08), 0xa5, "SYS_LED");
    wr(b, SYS + 0x20, 0x1a05f);
    CHECK_EQ(rd(b, SYS + 0x20), 0x205f, "LOCK: non-key value keeps 15 bits");
    wr(b, SYS + 0x40, 0x100);
    CHECK_EQ(b->resets * 0x1000 + rd(b, SYS + 0x40), 0, "RESETCTL ignored while locked");
    wr(b, SYS + 0x20, 0xa05f);
    CHECK_EQ(rd(b, SYS + 0x20), 0xa05f, "LOCK: key unlocks");
    wr(b, SYS + 0x40, 0x1ff);
    CHECK_EQ(b->resets * 0x1000 + rd(b, SYS + 0x40), 0x11ff, "unlocked RESETCTL bit 8 requests a reset");
    wr(b, SYS + 0x30, 0xf0);
    wr(b, SYS + 0x34, 0x30);
    CHECK_EQ(rd(b, SYS + 0x30), 0xc0, "FLAGSSET/FLAGSCLR");
    wr(b, SYS + 0x38, 0x3);
    wr(b, SYS + 0x3c, 0x1);
    CHECK_EQ(rd(b, SYS + 0x38), 0x2, "NVFLAGSSET/NVFLAGSCLR");
    wr(b, SYS + 0x28, 7);
    wr(b, SYS + 0x2c, 9);
    CHECK_EQ(rd(b, SYS + 0x28) * 16 + rd(b, SYS + 0x2c), 0x79, "CFGDATA1/2 store");
    wr(b, SYS + 0x50, 0xffffffff);
    CHECK_EQ(rd(b, SYS + 0x50), 0xffffdfff, "SYS_CLCD bits 13:8 read-only");
    CHECK_EQ(rd(b, SYS + 0xa0) | rd(b, SYS + 0x0c) | rd(b, SYS + 0x60), 0, "CFGDATA/OSC/MISC read 0");
    CHECK_EQ(bus_find(&b->bus, SYS)->read(&b->vpb->sysctl, 0x01, 1), 0, "unaligned offset: bad register, 0");

    /* MMCI0: POWER, CLOCK, ARGUMENT, MASK0 */
    const uint32_t mmci = 0x10005000;
    wr(b, mmci + 0x00, 0x83);
    wr(b, mmci + 0x04, 0xc6);
    wr(b, mmci + 0x08, 0x1234);
    wr(b, mmci + 0x3c, 0x3ff);
    CHECK_EQ(rd(b, mmci + 0x00) != 0 && rd(b, mmci + 0x08) != 0 && rd(b, mmci + 0x3c) != 0, 1,
             "MMCI registers set");

    versatilepb_reset(b->vpb);
    CHECK_EQ(rd(b, mmci + 0x00) | rd(b, mmci + 0x08) | rd(b, mmci + 0x3c), 0,
             "reset clears the MMCI's POWER, ARGUMENT, MASK0 (QEMU resets the PL181s)");
    CHECK_EQ(rd(b, mmci + 0x04), 0xc6, "the MMCI's CLOCK survives reset, as in QEMU");
    CHECK_EQ(rd(b, SYS + 0x08) | rd(b, SYS + 0x20) | rd(b, SYS + 0x30) | rd(b, SYS + 0x40), 0,
             "reset clears LED, LOCK, FLAGS, RESETCTL");
    CHECK_EQ(rd(b, SYS + 0x38) * 0x10000 + rd(b, SYS + 0x50), 0x21f00,
             "reset keeps NVFLAGS, restores SYS_CLCD");
}

static void test_rtc(Board *b)
{
    b->now = 0;
    Board r;
    if (board_init(&r, 1577836800) < 0) {
        CHECK_EQ(0, 1, "second board");
        return;
    }
    static const uint8_t id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    int id_ok = 1;
    for (int i = 0; i < 8; i++)
        id_ok &= rd(&r, RTC + 0xfe0 + 4 * (uint32_t)i) == id[i];
    CHECK_EQ(id_ok, 1, "PL031 ID registers");
    CHECK_EQ(rd(&r, RTC), 1577836800, "DR = base at start");
    CHECK_EQ(rd(&r, RTC + 0x0c), 1, "CR reads 1");
    advance(&r, 2999999999LL);
    CHECK_EQ(rd(&r, RTC), 1577836802, "DR counts whole seconds of virtual time");
    advance(&r, 3000000000LL);
    CHECK_EQ(rd(&r, RTC), 1577836803, "DR at exactly 3 s");
    advance(&r, 3500000000LL);
    wr(&r, RTC + 0x08, 1000);
    CHECK_EQ(rd(&r, RTC) * 0x10000 + rd(&r, RTC + 0x08), 1000 * 0x10000 + 1000, "LR sets DR; LR reads back");
    advance(&r, 4000000000LL);
    CHECK_EQ(rd(&r, RTC), 1001, "still counts on virtual-time second boundaries");
    wr(&r, RTC + 0x04, 1003);
    advance(&r, 5999999999LL);
    CHECK_EQ(rd(&r, RTC + 0x14), 0, "alarm not yet: 2 s after the MR write");
    advance(&r, 6000000000LL);
    CHECK_EQ(rd(&r, RTC + 0x14), 1, "alarm at MR write + (MR - DR) s");
    CHECK_EQ(rd(&r, RTC + 0x18) + (unsigned)r.irq, 0, "masked: MIS 0, no IRQ");
    wr(&r, RTC + 0x10, 3);
    CHECK_EQ(rd(&r, RTC + 0x10), 1, "IMSC keeps bit 0");
    CHECK_EQ(rd(&r, RTC + 0x18), 1, "MIS");
    wr(&r, RTC + 0x1c, 1);
    CHECK_EQ(rd(&r, RTC + 0x14), 0, "ICR clears");
    wr(&r, RTC + 0x04, 10);
    advance(&r, 100000000000LL);
    CHECK_EQ(rd(&r, RTC + 0x14), 0, "MR in the past does not fire (wraps)");
    CHECK_EQ(b->now, 0, "the first board's clock did not move");
    CHECK_EQ(rd(b, SYS + 0x5c), 0, "and its 24 MHz counter is independent");
    board_free(&r);
}

int main(void)
{
    Board b;
    if (board_init(&b, 1000) < 0) {
        printf("not ok 1 - board creation\n");
        return 1;
    }
    test_map(&b);
    test_wiring(&b);
    test_sysctl(&b);
    test_rtc(&b);
    board_free(&b);
    printf("%d passed, %d failed\n", n_tests - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
