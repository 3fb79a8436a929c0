/* The batch-A devices on the versatilepb board: mapped at QEMU's addresses,
 * interrupts reaching the CPU through the right VIC/SIC lines, the DS1338
 * reading the board's RTC base, a PL080 copy inside guest RAM, and the
 * system reset reaching the devices that have reset handlers in QEMU. */
#include "hw/versatilepb.h"
#include "tap.h"
#include <string.h>

typedef struct Board {
    int64_t now;
    TimerList tl;
    Bus bus;
    int irq;
    VersatilePB *vpb;
} Board;

static int64_t fake_now(void *o) { return ((Board *)o)->now; }
static void cpu_line(void *opaque, int n, int level)
{
    if (n == 0)
        ((Board *)opaque)->irq = level;
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

#define VIC 0x10140000u
#define SIC 0x10003000u

int main(void)
{
    Board b = { 0 };
    timerlist_init(&b.tl, fake_now, &b);
    if (bus_init(&b.bus, 0x100000) < 0)
        return 1;
    VersatilePBConfig cfg = {
        .bus = &b.bus, .vtimers = &b.tl,
        .cpu_irq = irq_line(cpu_line, &b, 0), .cpu_fiq = irq_line(cpu_line, &b, 1),
        .rtc_base = 1767225600,     /* 2026-01-01T00:00:00Z */
    };
    b.vpb = versatilepb_create(&cfg);
    CHECK(b.vpb != NULL, "board created");
    if (!b.vpb)
        return tap_done();

    static const struct { uint32_t base; uint32_t id0; const char *name; } map[] = {
        { 0x101e4000, 0x61, "GPIO0" }, { 0x101e5000, 0x61, "GPIO1" },
        { 0x101e6000, 0x61, "GPIO2" }, { 0x101e7000, 0x61, "GPIO3" },
        { 0x10006000, 0x50, "KMI0" }, { 0x10007000, 0x50, "KMI1" },
        { 0x10004000, 0x41, "AACI" }, { 0x10130000, 0x80, "DMAC" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        CHECK_EQ(rd(&b, map[i].base + 0xfe0), map[i].id0, "%s PERIPHID0 at 0x%08x", map[i].name,
                 map[i].base);
        CHECK_EQ(rd(&b, map[i].base + 0xff0), 0x0d, "%s PCELLID0", map[i].name);
    }
    const MmioRegion *i2c = bus_find(&b.bus, 0x10002ffc);
    CHECK(i2c && i2c->base == 0x10002000 && i2c->size == 0x1000, "I2C mapped at 0x10002000");

    wr(&b, VIC + 0x10, 0xffffffff);
    for (int n = 0; n < 4; n++) {
        uint32_t g = 0x101e4000 + 0x1000u * (uint32_t)n;
        wr(&b, g + 0x404, 1);           /* level, active low: latches at once */
        wr(&b, g + 0x410, 1);
        CHECK_EQ(rd(&b, VIC + 0x08), 1u << (6 + n), "GPIO%d -> VIC %d", n, 6 + n);
        CHECK_EQ(b.irq, 1, "GPIO%d reaches the CPU", n);
        wr(&b, g + 0x410, 0);
        CHECK_EQ(b.irq, 0, "GPIO%d masked again", n);
    }

    wr(&b, SIC + 0x08, (1u << 3) | (1u << 4) | (1u << 24));
    for (int k = 0; k < 2; k++) {
        uint32_t kmi = k ? 0x10007000 : 0x10006000;
        wr(&b, kmi, 0x14);
        wr(&b, kmi + 8, 0xff);
        CHECK_EQ(rd(&b, SIC + 0x04), 1u << (3 + k), "KMI%d -> SIC %d", k, 3 + k);
        CHECK_EQ(b.irq, 1, "KMI%d reaches the CPU through SIC -> VIC 31", k);
        while (rd(&b, kmi + 4) & 0x10)
            rd(&b, kmi + 8);
        CHECK_EQ(b.irq, 0, "KMI%d drained", k);
    }

    wr(&b, 0x10004000 + 0x10, 0x01);    /* TXCIE */
    wr(&b, 0x10004000 + 0x78, 0x01);    /* any write updates ISR1 */
    CHECK_EQ(rd(&b, SIC + 0x04), 1u << 24, "AACI -> SIC 24");
    CHECK_EQ(b.irq, 1, "AACI reaches the CPU");
    wr(&b, 0x10004000 + 0x10, 0);
    CHECK_EQ(b.irq, 0, "AACI masked");

    for (uint32_t i = 0; i < 16; i++)
        b.bus.ram[0x1000 + i] = (uint8_t)(i * 7 + 1);
    wr(&b, 0x10130000 + 0x30, 1);
    wr(&b, 0x10130000 + 0x100, 0x1000);
    wr(&b, 0x10130000 + 0x104, 0x2000);
    wr(&b, 0x10130000 + 0x10c, 4u | 2u << 18 | 2u << 21 | 1u << 26 | 1u << 27 | 1u << 31);
    wr(&b, 0x10130000 + 0x110, 1u | 1u << 15);
    CHECK(!memcmp(b.bus.ram + 0x2000, b.bus.ram + 0x1000, 16), "DMA copied guest RAM");
    wr(&b, 0x10130000 + 0x34, 0);
    CHECK_EQ(rd(&b, VIC + 0x08), 1u << 17, "DMA -> VIC 17");
    CHECK_EQ(b.irq, 1, "DMA reaches the CPU");
    wr(&b, 0x10130000 + 0x08, 1);
    CHECK_EQ(b.irq, 0, "DMA TC cleared");

    b.now = 3723LL * 1000000000LL;      /* 01:02:03 into the run */
    Ds1338 *rtc = &b.vpb->i2c_rtc;
    CHECK_EQ(rtc->i2c.event(rtc, I2C_START_RECV), 0, "DS1338 latches the time");
    static const uint8_t want[7] = { 0x03, 0x02, 0x01, 0x05, 0x01, 0x01, 0x26 };
    CHECK(!memcmp(rtc->nvram, want, 7), "DS1338 counts from the board's RTC base and clock");
    CHECK_EQ(rd(&b, 0x101e8000), 1767225600u + 3723u, "PL031 reads the same instant");

    wr(&b, 0x10006000 + 8, 0xf2);
    wr(&b, 0x10130000 + 0x30, 1);
    versatilepb_reset(b.vpb);
    CHECK_EQ(rd(&b, 0x10006000 + 4) & 0x10, 0, "reset empties the keyboard queue");
    CHECK_EQ(rd(&b, 0x10130000 + 0x30), 0, "reset disables the DMA controller");
    CHECK_EQ(rd(&b, 0x101e4000 + 0x404), 0, "reset clears GPIO sense");
    CHECK_EQ(b.irq, 0, "quiet after reset");

    versatilepb_destroy(b.vpb);
    bus_free(&b.bus);
    return tap_done();
}
