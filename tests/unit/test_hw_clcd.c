/* PL110 CLCD (versatile variant): PrimeCell IDs, register order, palette,
 * sub-word reads, the 60 Hz vblank interrupt on the virtual clock, and the
 * SYS_CLCD mux signal from the system controller. Expected values are QEMU
 * 7.2's hw/display/pl110.c. */
#include "hw/arm_sysctl.h"
#include "hw/pl110.h"
#include "tap.h"

typedef struct Rig {
    int64_t now;
    TimerList tl;
    Bus bus;
    int level;
    Pl110 clcd;
} Rig;

#define BASE 0x10120000u

static int64_t fake_now(void *o) { return ((Rig *)o)->now; }
static void irq_cb(void *o, int n, int level) { (void)n; ((Rig *)o)->level = level; }

static void advance(Rig *r, int64_t t)
{
    while (timerlist_next_expiry(&r->tl) <= t) {
        r->now = timerlist_next_expiry(&r->tl);
        timerlist_run(&r->tl);
    }
    r->now = t;
}

static void rig_init(Rig *r, Pl110Variant v)
{
    r->now = 0;
    r->level = -1;
    timerlist_init(&r->tl, fake_now, r);
    bus_init(&r->bus, 0x1000);
    CHECK_EQ(pl110_init(&r->clcd, &r->bus, BASE, v, &r->tl, irq_line(irq_cb, r, 0)), 0,
             "pl110 registers");
}

static void rig_free(Rig *r)
{
    pl110_destroy(&r->clcd);
    bus_free(&r->bus);
}

static uint32_t rd(Rig *r, uint32_t off) { return pl110_read(&r->clcd, off, 4); }
static void wr(Rig *r, uint32_t off, uint32_t v) { pl110_write(&r->clcd, off, v, 4); }

static void test_ids(void)
{
    static const uint8_t pl110[8] = { 0x10, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    static const uint8_t pl111[8] = { 0x11, 0x11, 0x24, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    Rig r;
    rig_init(&r, PL110_VERSATILE);
    const MmioRegion *m = bus_find(&r.bus, BASE + 0xfff);
    CHECK(m && m->base == BASE && m->size == 0x1000, "4 KiB region at 0x10120000");
    for (int i = 0; i < 8; i++)
        CHECK_EQ(rd(&r, 0xfe0 + 4 * i), pl110[i], "versatile ID byte %d is the stock PL110's", i);
    CHECK_EQ(pl110_read(&r.clcd, 0xfe1, 1), 0x10, "byte read inside an ID word: same word");
    rig_free(&r);
    rig_init(&r, PL110_PL111);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(rd(&r, 0xfe0 + 4 * i), pl111[i], "pl111 ID byte %d", i);
    rig_free(&r);
}

static void test_registers(void)
{
    Rig r;
    rig_init(&r, PL110_VERSATILE);
    for (uint32_t o = 0; o < 0x40; o += 4)
        CHECK_EQ(rd(&r, o), 0, "reset value at 0x%02x is 0", o);
    wr(&r, 0x00, 0x3f1f3f9c);
    wr(&r, 0x04, 0x090b61df);
    wr(&r, 0x08, 0x067f1800);
    wr(&r, 0x0c, 0x12);
    wr(&r, 0x10, 0x00200000);
    wr(&r, 0x14, 0x00300000);
    wr(&r, 0x18, 0x82b);
    wr(&r, 0x1c, 0x0c);
    CHECK_EQ(rd(&r, 0x00), 0x3f1f3f9c, "timing 0");
    CHECK_EQ(rd(&r, 0x0c), 0x12, "timing 3");
    CHECK_EQ(rd(&r, 0x18), 0x82b, "versatile: control at 0x18");
    CHECK_EQ(rd(&r, 0x1c), 0x0c, "versatile: IMSC at 0x1c");
    CHECK_EQ(rd(&r, 0x2c), 0x00200000, "UPCURR follows UPBASE");
    CHECK_EQ(rd(&r, 0x30), 0x00300000, "LPCURR follows LPBASE");
    CHECK_EQ(rd(&r, 0x28), 0, "ICR reads 0");
    CHECK_EQ(rd(&r, 0xc00), 0, "no cursor registers");
    CHECK_EQ(pl110_read(&r.clcd, 0x05, 1), 0xdf, "byte read at +1 returns the word's low byte");
    CHECK_EQ(pl110_read(&r.clcd, 0x06, 2), 0x61df, "halfword read at +2 likewise");
    wr(&r, 0x204, 0x7fff1234);
    CHECK_EQ(rd(&r, 0x204), 0x7fff1234, "palette word reads back raw");
    CHECK_EQ(rd(&r, 0x3fc), 0, "last palette word");
    CHECK_EQ(r.level, 0, "mask without status: line low");
    rig_free(&r);

    rig_init(&r, PL110_PLAIN);
    wr(&r, 0x18, 0x0c);
    wr(&r, 0x1c, 0x82b);
    CHECK_EQ(rd(&r, 0x18), 0x0c, "plain PL110: IMSC at 0x18");
    CHECK_EQ(rd(&r, 0x1c), 0x82b, "plain PL110: control at 0x1c");
    rig_free(&r);
}

static void test_vblank(void)
{
    Rig r;
    rig_init(&r, PL110_VERSATILE);
    wr(&r, 0x1c, 0x0c);
    wr(&r, 0x18, 0x02b);                    /* enabled but not powered */
    CHECK(!timer_pending(&r.clcd.vblank), "EN without PWR: no vblank");
    r.now = 1000;
    wr(&r, 0x18, 0x82b);
    CHECK(timer_pending(&r.clcd.vblank), "EN|PWR arms the vblank timer");
    CHECK_EQ(r.clcd.vblank.expire_ns, 1000 + 16666666, "first vblank 1e9/60 ns later");
    advance(&r, 1000 + 16666665);
    CHECK_EQ(rd(&r, 0x20), 0, "not yet");
    advance(&r, 1000 + 16666666);
    CHECK_EQ(rd(&r, 0x20), 0x0c, "RIS: next-base and vertical-compare");
    CHECK_EQ(rd(&r, 0x24), 0x0c, "MIS");
    CHECK_EQ(r.level, 1, "line raised");
    CHECK_EQ(r.clcd.vblank.expire_ns, 1000 + 2 * 16666666, "re-armed one period on");
    wr(&r, 0x28, 0x04);
    CHECK_EQ(rd(&r, 0x20), 0x08, "ICR clears only the written bits");
    CHECK_EQ(r.level, 1, "VC still pending");
    wr(&r, 0x1c, 0x04);
    CHECK_EQ(r.level, 0, "masking VC drops the line");
    CHECK_EQ(rd(&r, 0x24), 0, "MIS masked");
    wr(&r, 0x28, 0xffffffff);
    CHECK_EQ(rd(&r, 0x20), 0, "all cleared");
    advance(&r, 1000 + 2 * 16666666);
    CHECK_EQ(r.level, 1, "second vblank raises NB");
    wr(&r, 0x18, 0x02b);
    CHECK(!timer_pending(&r.clcd.vblank), "power off stops the timer");
    CHECK_EQ(rd(&r, 0x20), 0x0c, "status survives power-off");
    rig_free(&r);
}

static void test_mux(void)
{
    Rig r;
    rig_init(&r, PL110_VERSATILE);
    ArmSysctl sys;
    ArmSysctlConfig sc = {
        .sys_id = ARM_SYSCTL_VERSATILE_SYS_ID, .proc_id = ARM_SYSCTL_VERSATILE_PROC_ID,
        .pl110_mux = irq_line(pl110_set_mux, &r.clcd, 0),
    };
    CHECK_EQ(arm_sysctl_init(&sys, &r.bus, 0x10000000, &r.tl, &sc), 0, "sysctl");
    arm_sysctl_write(&sys, 0x50, 0x1e02, 4);
    CHECK_EQ(r.clcd.mux_ctrl, 2, "SYS_CLCD bits 1:0 reach the CLCD mux");
    CHECK_EQ(arm_sysctl_read(&sys, 0x50, 4), 0x1f02, "SYS_CLCD keeps its read-only bits");
    arm_sysctl_write(&sys, 0x50, 0x3, 4);
    CHECK_EQ(r.clcd.mux_ctrl, 3, "mux follows every write");
    rig_free(&r);
}

int main(void)
{
    test_ids();
    test_registers();
    test_vblank();
    test_mux();
    return tap_done();
}
