/* The versatilepb board's CLCD, Ethernet, PCI bridge and flash: mapped at
 * QEMU 7.2's addresses, interrupts wired to VIC 16 / SIC 25 / SIC 27..30,
 * SYS_CLCD driving the CLCD mux, the region count within the bus, and
 * which of them the board reset touches (QEMU: Ethernet, PCI, flash reset;
 * the CLCD keeps its state). */
#include "hw/versatilepb.h"
#include "tap.h"

typedef struct Board {
    int64_t now;
    TimerList tl;
    Bus bus;
    int irq, fiq;
    VersatilePB *vpb;
} Board;

static int64_t fake_now(void *o) { return ((Board *)o)->now; }
static void cpu_line(void *o, int n, int level)
{
    Board *b = o;
    if (n == 0)
        b->irq = level;
    else
        b->fiq = level;
}
static void advance(Board *b, int64_t t)
{
    while (timerlist_next_expiry(&b->tl) <= t) {
        b->now = timerlist_next_expiry(&b->tl);
        timerlist_run(&b->tl);
    }
    b->now = t;
}
static uint32_t rd(Board *b, uint32_t a, unsigned size)
{
    const MmioRegion *r = bus_find(&b->bus, a);
    return r ? r->read(r->opaque, a - r->base, size) : 0xdeadbeef;
}
static void wr(Board *b, uint32_t a, uint32_t v, unsigned size)
{
    const MmioRegion *r = bus_find(&b->bus, a);
    if (r)
        r->write(r->opaque, a - r->base, v, size);
}

#define VIC_RAW 0x10140008u
#define VIC_EN  0x10140010u
#define SIC_RAW 0x10003004u
#define SIC_EN  0x10003008u
#define SIC_PIC 0x10003020u
#define CLCD    0x10120000u
#define ETH     0x10010000u
#define FLASH   0x34000000u

static void test_map(Board *b)
{
    static const struct { uint32_t base, size; const char *name; } map[] = {
        { 0x10120000, 0x1000, "pl110" }, { 0x10010000, 16, "smc91c111" },
        { 0x10001000, 0x1000, "pci-regs" }, { 0x41000000, 0x1000000, "pci-selfconfig" },
        { 0x42000000, 0x1000000, "pci-config" }, { 0x43000000, 0x1000000, "pci-io" },
        { 0x44000000, 0xc000000, "pci-mem0" }, { 0x50000000, 0x10000000, "pci-mem1" },
        { 0x60000000, 0x10000000, "pci-mem2" }, { 0x34000000, 0x4000000, "pflash_cfi01" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const MmioRegion *r = bus_find(&b->bus, map[i].base + map[i].size - 1);
        CHECK(r && r->base == map[i].base && r->size == map[i].size,
              "%s at 0x%08x, 0x%x bytes", map[i].name, map[i].base, map[i].size);
    }
    CHECK(bus_find(&b->bus, 0x10010010) == NULL, "SMC window is 16 bytes, as QEMU's");
    CHECK(bus_find(&b->bus, 0x38000000) == NULL, "nothing after the flash");
    CHECK(b->bus.n_regions + 9 <= BUS_MAX_REGIONS,
          "room left for the other missing devices (%d regions used)", b->bus.n_regions);
    CHECK_EQ(rd(b, CLCD + 0xfe0, 4), 0x10, "CLCD PrimeCell ID at the board address");
    CHECK_EQ(rd(b, ETH + 14, 2), 0x3300, "SMC signature");
    CHECK_EQ(rd(b, ETH + 4, 2) | rd(b, ETH + 6, 2) << 16, 0, "bank 0 is not the MAC");
    wr(b, ETH + 14, 1, 2);
    CHECK_EQ(rd(b, ETH + 8, 2), 0x5634, "MAC 52:54:00:12:34:56 (QEMU's first NIC)");
    wr(b, ETH + 14, 0, 2);
    CHECK_EQ(rd(b, 0x42000000 + (11u << 11), 4), 0x030010ee, "PCI bridge in slot 11");
}

static void test_irqs(Board *b)
{
    wr(b, VIC_EN, 0xffffffff, 4);
    wr(b, CLCD + 0x1c, 0x0c, 4);
    wr(b, CLCD + 0x18, 0x82b, 4);
    advance(b, b->now + 16666666);
    CHECK_EQ(rd(b, VIC_RAW, 4), 1u << 16, "CLCD vblank -> VIC 16");
    CHECK_EQ(b->irq, 1, "reaches the CPU");
    wr(b, CLCD + 0x28, 0xff, 4);
    wr(b, CLCD + 0x18, 0, 4);
    CHECK_EQ(b->irq, 0, "cleared");

    wr(b, ETH + 14, 2, 2);
    wr(b, ETH + 13, 0x04, 1);       /* TX_EMPTY is set after reset */
    CHECK_EQ(rd(b, SIC_RAW, 4), 1u << 25, "SMC -> SIC 25");
    CHECK_EQ(b->irq, 0, "masked in the SIC");
    wr(b, SIC_EN, 1u << 25, 4);
    CHECK_EQ(rd(b, VIC_RAW, 4), 1u << 31, "SIC 25 -> VIC 31");
    CHECK_EQ(b->irq, 1, "SMC reaches the CPU");
    wr(b, ETH + 13, 0, 1);
    CHECK_EQ(b->irq, 0, "SMC masked again");
    wr(b, ETH + 14, 0, 2);

    /* The PCI lines are SIC 27..30: nothing on the bus ever raises them,
     * so check the wiring from the bridge's outputs. */
    for (int i = 0; i < 4; i++) {
        wr(b, SIC_PIC, 1u << (27 + i), 4);
        irq_set(&b->vpb->pci.irq[i], 1);
        CHECK_EQ(rd(b, VIC_RAW, 4), 1u << (27 + i), "PCI INT%c -> SIC/VIC %d", 'A' + i, 27 + i);
        irq_set(&b->vpb->pci.irq[i], 0);
    }
    wr(b, SIC_PIC, 0, 4);
}

static void test_mux_and_reset(Board *b)
{
    wr(b, 0x10000050, 0x1e03, 4);
    CHECK_EQ(b->vpb->clcd.mux_ctrl, 3, "SYS_CLCD bits 1:0 -> CLCD mux");

    wr(b, CLCD + 0x10, 0x123000, 4);
    wr(b, ETH + 14, 1, 2);
    wr(b, ETH + 12, 0x1a10, 2);
    wr(b, ETH + 14, 2, 2);
    wr(b, FLASH, 0x70, 4);
    wr(b, 0x10001000, 5, 4);
    wr(b, 0x42000000 + (11u << 11) + 4, 6, 4);
    versatilepb_reset(b->vpb);
    CHECK_EQ(rd(b, CLCD + 0x10, 4), 0x123000, "CLCD has no reset handler (QEMU 7.2)");
    CHECK_EQ(rd(b, ETH + 14, 2), 0x3300, "SMC reset: bank 0");
    wr(b, ETH + 14, 1, 2);
    CHECK_EQ(rd(b, ETH + 12, 2), 0x1210, "SMC reset: control");
    wr(b, ETH + 14, 0, 2);
    CHECK_EQ(rd(b, FLASH, 4), 0, "flash reset: read-array");
    CHECK_EQ(rd(b, 0x10001000, 4), 0, "PCI reset: IMAP0");
    CHECK_EQ(rd(b, 0x42000000 + (11u << 11) + 4, 4), 0x02200000, "PCI reset: command");
    CHECK_EQ(b->vpb->flash.storage == NULL, 1, "flash never written: no memory");
}

int main(void)
{
    Board b = {0};
    timerlist_init(&b.tl, fake_now, &b);
    if (bus_init(&b.bus, 0x100000) < 0)
        return 1;
    VersatilePBConfig cfg = {
        .bus = &b.bus, .vtimers = &b.tl,
        .cpu_irq = irq_line(cpu_line, &b, 0), .cpu_fiq = irq_line(cpu_line, &b, 1),
        .serial = { "null", NULL, NULL, NULL },
    };
    b.vpb = versatilepb_create(&cfg);
    CHECK(b.vpb != NULL, "board created");
    if (!b.vpb)
        return tap_done();
    test_map(&b);
    test_irqs(&b);
    test_mux_and_reset(&b);
    versatilepb_destroy(b.vpb);
    bus_free(&b.bus);
    return tap_done();
}
