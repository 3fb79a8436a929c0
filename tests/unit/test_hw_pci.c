/* Versatile PCI host bridge on an empty bus (QEMU 7.2 versatile_pci): the
 * seven regions at versatilepb's addresses, controller registers (word
 * access only), the bridge function's config header and write masks,
 * all-ones for absent functions, reset, and the empty windows. */
#include "hw/versatile_pci.h"
#include "tap.h"

static Bus bus;
static VersatilePci pci;

static uint32_t rd(uint32_t a, unsigned size)
{
    const MmioRegion *r = bus_find(&bus, a);
    return r ? r->read(r->opaque, a - r->base, size) : 0xdeadbeef;
}
static void wr(uint32_t a, uint32_t v, unsigned size)
{
    const MmioRegion *r = bus_find(&bus, a);
    if (r)
        r->write(r->opaque, a - r->base, v, size);
}

#define REGS 0x10001000u
#define CFG  0x42000000u
#define SELF 0x41000000u
#define HOST (11u << 11)

static void test_map(void)
{
    static const struct { uint32_t base, size; } map[] = {
        { 0x10001000, 0x1000 }, { 0x41000000, 0x01000000 }, { 0x42000000, 0x01000000 },
        { 0x43000000, 0x01000000 }, { 0x44000000, 0x0c000000 }, { 0x50000000, 0x10000000 },
        { 0x60000000, 0x10000000 },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const MmioRegion *r = bus_find(&bus, map[i].base + map[i].size - 1);
        CHECK(r && r->base == map[i].base && r->size == map[i].size,
              "region at 0x%08x, 0x%x bytes", map[i].base, map[i].size);
    }
    CHECK(bus_find(&bus, 0x70000000) == NULL, "nothing above the windows");
    CHECK(bus.n_regions <= BUS_MAX_REGIONS, "fits the bus");
}

static void test_regs(void)
{
    for (uint32_t o = 0; o < 0x20; o += 4)
        CHECK_EQ(rd(REGS + o, 4), 0, "controller register 0x%02x resets to 0", o);
    for (uint32_t o = 0; o < 0x20; o += 4)
        wr(REGS + o, 0x1000u + o, 4);
    for (uint32_t o = 0; o < 0x20; o += 4)
        CHECK_EQ(rd(REGS + o, 4), 0x1000u + o, "register 0x%02x reads back", o);
    CHECK_EQ(rd(REGS + 0x20, 4), 0, "beyond SMAP2: 0");
    CHECK_EQ(rd(REGS + 0x10, 1), 0, "byte read rejected: 0");
    CHECK_EQ(rd(REGS + 0x10, 2), 0, "halfword read rejected: 0");
    wr(REGS + 0x10, 0x5a, 1);
    CHECK_EQ(rd(REGS + 0x10, 4), 0x1010, "byte write ignored");
    versatile_pci_reset(&pci);
    CHECK_EQ(rd(REGS + 0x04, 4), 0, "reset clears IMAP1");
    CHECK_EQ(rd(REGS + 0x10, 4), 0, "reset clears FLAGS");
}

static void test_config(void)
{
    CHECK_EQ(rd(CFG + HOST + 0x00, 4), 0x030010ee, "Xilinx XC2VP30");
    CHECK_EQ(rd(CFG + HOST + 0x04, 4), 0x02200000, "status 66 MHz, DEVSEL medium");
    CHECK_EQ(rd(CFG + HOST + 0x08, 4), 0x0b400000, "class co-processor, revision 0");
    CHECK_EQ(rd(CFG + HOST + 0x0c, 4), 0x00001000, "latency timer 0x10, header type 0");
    CHECK_EQ(rd(CFG + HOST + 0x10, 4), 0, "no BAR 0");
    CHECK_EQ(rd(CFG + HOST + 0x2c, 4), 0x11001af4, "QEMU's default subsystem IDs");
    CHECK_EQ(rd(CFG + HOST + 0x3c, 4), 0, "no interrupt pin");
    CHECK_EQ(rd(CFG + HOST + 0x02, 2), 0x0300, "halfword device ID");
    CHECK_EQ(rd(CFG + HOST + 0x0b, 1), 0x0b, "byte base class");
    CHECK_EQ(rd(CFG + HOST + 0xfe, 4), 0, "an access past the end is cut short");
    CHECK_EQ(rd(SELF + HOST + 0x00, 4), 0x030010ee, "self-config window: same function");
    CHECK_EQ(rd(CFG + 0x0000, 4), 0xffffffff, "slot 0 empty");
    CHECK_EQ(rd(CFG + (12u << 11), 4), 0xffffffff, "slot 12 empty (no SCSI model)");
    CHECK_EQ(rd(CFG + HOST + 0x100, 4), 0xffffffff, "function 1 absent");
    CHECK_EQ(rd(CFG + 0x10000 + HOST, 4), 0xffffffff, "bus 1 absent");
    CHECK_EQ(rd(CFG + 0x800, 2), 0xffff, "absent, halfword");
    CHECK_EQ(rd(CFG + 0x800, 1), 0xff, "absent, byte");

    wr(CFG + HOST + 0x04, 0xffffffff, 4);
    CHECK_EQ(rd(CFG + HOST + 0x04, 4), 0x02200507,
             "command: IO/MEM/MASTER/SERR/INTx-disable writable; status W1C bits stay 0");
    wr(CFG + HOST + 0x0c, 0xffffffff, 4);
    CHECK_EQ(rd(CFG + HOST + 0x0c, 4), 0x000010ff, "only the cache line size is writable");
    wr(CFG + HOST + 0x00, 0, 4);
    CHECK_EQ(rd(CFG + HOST + 0x00, 4), 0x030010ee, "IDs read-only");
    wr(CFG + HOST + 0x3c, 91, 1);
    CHECK_EQ(rd(CFG + HOST + 0x3c, 4), 91, "interrupt line writable");
    wr(SELF + HOST + 0x40, 0xcafef00d, 4);
    CHECK_EQ(rd(CFG + HOST + 0x40, 4), 0xcafef00d, "device-specific space writable");
    wr(CFG + 0x800 + 0x04, 7, 4);
    CHECK_EQ(rd(CFG + 0x800 + 0x04, 4), 0xffffffff, "writes to absent functions vanish");

    versatile_pci_reset(&pci);
    CHECK_EQ(rd(CFG + HOST + 0x04, 4), 0x02200000, "reset clears the command register");
    CHECK_EQ(rd(CFG + HOST + 0x0c, 4), 0x00001000, "and the cache line size");
    CHECK_EQ(rd(CFG + HOST + 0x3c, 4), 0, "and the interrupt line");
    CHECK_EQ(rd(CFG + HOST + 0x40, 4), 0xcafef00d, "but not device-specific space");
}

static void test_windows(void)
{
    static const uint32_t a[] = { 0x43000000, 0x43fffffc, 0x44000000, 0x4ffffffc,
                                  0x50000000, 0x6ffffffc };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        wr(a[i], 0xdeadbeef, 4);
        CHECK_EQ(rd(a[i], 4), 0, "empty window at 0x%08x reads 0", a[i]);
    }
}

int main(void)
{
    IrqLine irq[4] = {0};
    bus_init(&bus, 0x1000);
    CHECK_EQ(versatile_pci_init(&pci, &bus, &versatile_pci_vpb_map, irq), 0, "pci registers");
    test_map();
    test_regs();
    test_config();
    test_windows();
    bus_free(&bus);
    return tap_done();
}
