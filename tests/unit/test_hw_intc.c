/* PL190 VIC and versatilepb SIC register semantics (QEMU 7.2). */
#include "hw/pl190.h"
#include "hw/vpb_sic.h"
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

typedef struct Lines { int level[32]; int changes; } Lines;
static void record(void *opaque, int n, int level)
{
    Lines *l = opaque;
    l->level[n] = level;
    l->changes++;
}

#define VIC 0x10140000u
#define SIC 0x10003000u
static uint32_t rd(Bus *b, uint32_t a)
{
    const MmioRegion *r = bus_find(b, a);
    return r->read(r->opaque, a - r->base, 4);
}
static void wr(Bus *b, uint32_t a, uint32_t v)
{
    const MmioRegion *r = bus_find(b, a);
    r->write(r->opaque, a - r->base, v, 4);
}

static void test_vic(void)
{
    Bus bus;
    PL190 vic;
    Lines cpu = {{0}, 0};
    bus_init(&bus, 0x1000);
    pl190_init(&vic, &bus, VIC, irq_line(record, &cpu, 0), irq_line(record, &cpu, 1));

    static const uint8_t id[8] = { 0x90, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    int id_ok = 1;
    for (int i = 0; i < 8; i++)
        id_ok &= rd(&bus, VIC + 0xfe0 + 4 * i) == id[i];
    CHECK_EQ(id_ok, 1, "VIC PrimeCell ID registers");

    pl190_set_irq(&vic, 4, 1);
    CHECK_EQ(rd(&bus, VIC + 0x08), 1u << 4, "RAWINTR shows an unmasked input");
    CHECK_EQ(rd(&bus, VIC + 0x00), 0, "IRQSTATUS empty while disabled");
    CHECK_EQ(cpu.level[0], 0, "IRQ low while disabled");
    wr(&bus, VIC + 0x10, 1u << 4);
    CHECK_EQ(cpu.level[0], 1, "enabling raises IRQ");
    CHECK_EQ(rd(&bus, VIC + 0x00), 1u << 4, "IRQSTATUS");
    wr(&bus, VIC + 0x0c, 1u << 4);
    CHECK_EQ(cpu.level[0] * 2 + cpu.level[1], 1, "INTSELECT moves it to FIQ");
    CHECK_EQ(rd(&bus, VIC + 0x04), 1u << 4, "FIQSTATUS");
    CHECK_EQ(rd(&bus, VIC + 0x00), 0, "IRQSTATUS excludes FIQ sources");
    wr(&bus, VIC + 0x0c, 0);
    wr(&bus, VIC + 0x14, 1u << 4);
    CHECK_EQ(cpu.level[0] * 2 + cpu.level[1], 0, "INTENCLEAR masks it");
    pl190_set_irq(&vic, 4, 0);

    /* Vectored priorities: slot 0 = line 5, slot 1 = line 3. */
    wr(&bus, VIC + 0x100, 0x100);
    wr(&bus, VIC + 0x200, 0x20 | 5);
    wr(&bus, VIC + 0x104, 0x200);
    wr(&bus, VIC + 0x204, 0x20 | 3);
    wr(&bus, VIC + 0x34, 0xd0);
    wr(&bus, VIC + 0x10, (1u << 3) | (1u << 5) | (1u << 7));
    CHECK_EQ(rd(&bus, VIC + 0x30), 0xd0, "VECTADDR with nothing pending: default");
    pl190_set_irq(&vic, 3, 1);
    CHECK_EQ(cpu.level[0], 1, "vectored line 3 raises IRQ");
    CHECK_EQ(rd(&bus, VIC + 0x30), 0x200, "VECTADDR gives slot 1's address");
    CHECK_EQ(cpu.level[0], 0, "in slot 1's ISR, line 3 no longer interrupts");
    pl190_set_irq(&vic, 7, 1);
    CHECK_EQ(cpu.level[0], 0, "unvectored line cannot preempt a vectored ISR");
    pl190_set_irq(&vic, 5, 1);
    CHECK_EQ(cpu.level[0], 1, "higher-priority slot 0 preempts");
    CHECK_EQ(rd(&bus, VIC + 0x30), 0x100, "nested VECTADDR gives slot 0");
    CHECK_EQ(cpu.level[0], 0, "nothing preempts slot 0");
    CHECK_EQ(rd(&bus, VIC + 0x30), 0x100, "re-reading VECTADDR keeps the priority");
    pl190_set_irq(&vic, 5, 0);
    wr(&bus, VIC + 0x30, 0);
    CHECK_EQ(vic.priority, 1, "VECTADDR write returns to slot 1");
    pl190_set_irq(&vic, 3, 0);
    wr(&bus, VIC + 0x30, 0);
    CHECK_EQ(vic.priority, PL190_NUM_PRIO, "second write returns to no ISR");
    CHECK_EQ(cpu.level[0], 1, "unvectored line 7 now raises IRQ");
    CHECK_EQ(rd(&bus, VIC + 0x30), 0xd0, "and vectors to DEFVECTADDR");
    wr(&bus, VIC + 0x30, 0);
    pl190_set_irq(&vic, 7, 0);
    /* QEMU looks at RAWINTR, not enables, when picking the vector. */
    wr(&bus, VIC + 0x14, 1u << 3);
    pl190_set_irq(&vic, 3, 1);
    CHECK_EQ(rd(&bus, VIC + 0x30), 0x200, "disabled but pending vectored line still vectors (QEMU)");
    wr(&bus, VIC + 0x30, 0);
    pl190_set_irq(&vic, 3, 0);

    wr(&bus, VIC + 0x18, 0x80000001);
    CHECK_EQ(rd(&bus, VIC + 0x18), 0x80000001, "SOFTINT");
    CHECK_EQ(rd(&bus, VIC + 0x08), 0x80000001, "RAWINTR includes soft interrupts");
    wr(&bus, VIC + 0x10, 1);
    CHECK_EQ(cpu.level[0], 1, "soft interrupt raises IRQ");
    wr(&bus, VIC + 0x1c, 0x80000001);
    CHECK_EQ(rd(&bus, VIC + 0x08) | (unsigned)cpu.level[0], 0, "SOFTINTCLEAR");

    wr(&bus, VIC + 0x20, 3);
    CHECK_EQ(rd(&bus, VIC + 0x20), 1, "PROTECTION keeps bit 0");
    CHECK_EQ(rd(&bus, VIC + 0x200), 0x25, "VECTCNTL reads back");
    CHECK_EQ(rd(&bus, VIC + 0x104), 0x200, "VECTADDR1 reads back");
    CHECK_EQ(rd(&bus, VIC + 0x14), 0, "INTENCLEAR reads as 0");
    CHECK_EQ(bus_find(&bus, VIC + 0xfe0)->read(&vic, 0xfe1, 1), 0x90, "byte read of ID0");

    pl190_reset(&vic);
    CHECK_EQ(rd(&bus, VIC + 0x200) | rd(&bus, VIC + 0x104) | rd(&bus, VIC + 0x34), 0,
             "reset clears vectors");
    CHECK_EQ(rd(&bus, VIC + 0x10), 0xa1, "reset keeps INTENABLE (as QEMU)");
    bus_free(&bus);
}

static void test_sic(void)
{
    Bus bus;
    VpbSic sic;
    Lines vic = {{0}, 0};
    IrqLine parent[32];
    for (int i = 0; i < 32; i++)
        parent[i] = irq_line(record, &vic, i);
    bus_init(&bus, 0x1000);
    vpb_sic_init(&sic, &bus, SIC, parent);

    vpb_sic_set_irq(&sic, 6, 1);
    CHECK_EQ(rd(&bus, SIC + 0x04), 1u << 6, "SIC RAWSTAT");
    CHECK_EQ(rd(&bus, SIC + 0x00), 0, "SIC STATUS masked");
    CHECK_EQ(vic.level[31], 0, "VIC 31 low while masked");
    wr(&bus, SIC + 0x08, 1u << 6);
    CHECK_EQ(vic.level[31], 1, "ENSET: VIC 31 high");
    CHECK_EQ(rd(&bus, SIC + 0x00), 1u << 6, "SIC STATUS");
    CHECK_EQ(rd(&bus, SIC + 0x08), 1u << 6, "SIC ENABLE reads the mask");
    wr(&bus, SIC + 0x0c, 1u << 6);
    CHECK_EQ(vic.level[31], 0, "ENCLR: VIC 31 low");
    vpb_sic_set_irq(&sic, 6, 0);

    wr(&bus, SIC + 0x20, 0xffffffff);
    CHECK_EQ(rd(&bus, SIC + 0x20), 0x7fe00000, "PICENSET only takes lines 21..30");
    wr(&bus, SIC + 0x24, 0x7fe00000 & ~(1u << 22));
    vic.changes = 0;
    vpb_sic_set_irq(&sic, 22, 1);
    CHECK_EQ(vic.level[22], 1, "pass-through: SIC 22 drives VIC 22");
    CHECK_EQ(vic.level[31], 0, "without ENABLE, VIC 31 stays low");
    vpb_sic_set_irq(&sic, 23, 1);
    CHECK_EQ(vic.level[23], 0, "SIC 23 not passed through");
    wr(&bus, SIC + 0x24, 1u << 22);
    vpb_sic_set_irq(&sic, 22, 0);
    CHECK_EQ(vic.level[22], 1, "PICENCLR leaves VIC 22 at its last level (QEMU)");
    wr(&bus, SIC + 0x20, 1u << 22);
    CHECK_EQ(vic.level[22], 0, "PICENSET re-syncs the line");
    wr(&bus, SIC + 0x08, 1u << 23);
    CHECK_EQ(vic.level[31], 1, "enabled SIC 23 reaches VIC 31");

    wr(&bus, SIC + 0x10, 5);
    CHECK_EQ(rd(&bus, SIC + 0x08), (1u << 23) | 1, "SOFTINTSET sets ENABLE bit 0 (QEMU)");
    CHECK_EQ(rd(&bus, SIC + 0x10), 0, "SOFTINT reads level bit 0");
    wr(&bus, SIC + 0x14, 1);
    CHECK_EQ(rd(&bus, SIC + 0x08), 1u << 23, "SOFTINTCLR clears ENABLE bit 0");
    CHECK_EQ(rd(&bus, SIC + 0x0c), 0, "bad offset reads 0");
    bus_free(&bus);
}

int main(void)
{
    test_vic();
    test_sic();
    printf("%d passed, %d failed\n", n_tests - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
