/* PL080 DMA against QEMU 7.2: IDs and reset values, a memcpy of 16 words
 * through the bus into RAM (with the RAM-written hook a CPU uses to drop
 * stale code), the TC interrupt that only follows a global register write,
 * linked lists, mixed element widths, transfers into a device region split
 * as QEMU's memory core splits them, halted channels and a disabled
 * controller. */
#include "hw/dma_access.h"
#include "hw/pl080.h"
#include "tap.h"
#include <string.h>

static int irq_level;
static void on_irq(void *o, int n, int level) { (void)o; (void)n; irq_level = level; }

static uint32_t written_lo = 0xffffffff, written_hi, written_calls;
static void on_ram_written(void *o, uint32_t addr, uint32_t len)
{
    (void)o;
    written_calls++;
    if (addr < written_lo)
        written_lo = addr;
    if (addr + len > written_hi)
        written_hi = addr + len;
}

/* A device that records its accesses. */
typedef struct DevAccess { uint32_t off, val, size; } DevAccess;
static DevAccess dev_log[64];
static int dev_n;
static uint32_t dev_read(void *o, uint32_t off, unsigned size)
{
    (void)o;
    return 0x44332211u >> (8 * (off & 3)) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}
static void dev_write(void *o, uint32_t off, uint32_t v, unsigned size)
{
    (void)o;
    if (dev_n < 64)
        dev_log[dev_n++] = (DevAccess){ off, v, size };
}

static uint32_t rd(PL080 *s, uint32_t off) { return pl080_read(s, off, 4); }
static void wr(PL080 *s, uint32_t off, uint32_t v) { pl080_write(s, off, v, 4); }
static uint32_t ram32(Bus *b, uint32_t a) { uint32_t v; memcpy(&v, b->ram + a, 4); return v; }
static void set32(Bus *b, uint32_t a, uint32_t v) { memcpy(b->ram + a, &v, 4); }

#define CH(n) (0x100u + 0x20u * (n))
#define SW(w) ((uint32_t)(w) << 18)
#define DW(w) ((uint32_t)(w) << 21)
#define SI (1u << 26)
#define DI (1u << 27)
#define TCI (1u << 31)
#define ITC (1u << 15)

int main(void)
{
    Bus bus;
    if (bus_init(&bus, 0x10000) < 0)
        return 1;
    bus.ram_written = on_ram_written;
    CHECK_EQ(bus_register(&bus, 0x20000000, 0x1000, dev_read, dev_write, NULL, "dev"), 0, "device");
    static PL080 s;
    CHECK_EQ(pl080_init(&s, &bus, 0x10130000, irq_line(on_irq, NULL, 0)), 0, "registered");

    static const uint8_t id[8] = { 0x80, 0x10, 0x04, 0x0a, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 8; i++)
        CHECK_EQ(rd(&s, 0xfe0 + 4 * (uint32_t)i), id[i], "ID word %d", i);
    for (uint32_t off = 0; off < 0x38; off += 4)
        CHECK_EQ(rd(&s, off), 0, "global register 0x%02x is 0 after reset", off);
    CHECK_EQ(rd(&s, CH(7) + 0x10), 0, "channel 7 configuration 0");

    for (uint32_t i = 0; i < 64; i++)
        set32(&bus, 0x1000 + 4 * i, 0x01010101u * i ^ 0xdeadbeef);

    /* Channel enabled while the controller is off: nothing moves. */
    wr(&s, CH(0) + 0x00, 0x1000);
    wr(&s, CH(0) + 0x04, 0x2000);
    wr(&s, CH(0) + 0x0c, 16 | SW(2) | DW(2) | SI | DI | TCI);
    wr(&s, CH(0) + 0x10, 1 | ITC);
    CHECK_EQ(rd(&s, 0x1c), 1, "channel 0 enabled");
    CHECK_EQ(ram32(&bus, 0x2000), 0, "controller disabled: no transfer");
    wr(&s, 0x30, 1);
    CHECK(!memcmp(bus.ram + 0x2000, bus.ram + 0x1000, 64), "enabling the controller copies 16 words");
    CHECK_EQ(ram32(&bus, 0x2040), 0, "and not one more");
    CHECK_EQ(rd(&s, CH(0) + 0x00), 0x1040, "source advanced");
    CHECK_EQ(rd(&s, CH(0) + 0x04), 0x2040, "destination advanced");
    CHECK_EQ(rd(&s, CH(0) + 0x0c), TCI | SW(2) | DW(2) | SI | DI, "transfer size counted down to 0");
    CHECK_EQ(rd(&s, CH(0) + 0x10), ITC, "channel disabled at the end");
    CHECK_EQ(rd(&s, 0x1c), 0, "no channel enabled");
    CHECK_EQ(rd(&s, 0x14), 1, "raw TC status");
    CHECK_EQ(rd(&s, 0x04), 1, "masked TC status");
    CHECK_EQ(irq_level, 1, "the configuration write updated the interrupt");
    CHECK(written_calls == 16 && written_lo == 0x2000 && written_hi == 0x2040,
          "the RAM-written hook saw every element (%u calls)", written_calls);
    wr(&s, 0x08, 1);
    CHECK_EQ(irq_level, 0, "TC clear drops the interrupt");

    /* Started from a channel register write, the interrupt waits. */
    memset(bus.ram + 0x2000, 0, 0x100);
    wr(&s, CH(2) + 0x00, 0x1000);
    wr(&s, CH(2) + 0x04, 0x2000);
    wr(&s, CH(2) + 0x0c, 4 | SW(2) | DW(2) | SI | DI | TCI);
    wr(&s, CH(2) + 0x10, 1 | ITC);
    CHECK_EQ(rd(&s, 0x04), 4, "channel 2 reached terminal count");
    CHECK_EQ(irq_level, 0, "but a channel register write does not update the line");
    wr(&s, 0x34, 0);
    CHECK_EQ(irq_level, 1, "the next global register write does");
    wr(&s, 0x08, 0xff);

    /* Linked list: two more items after the first. */
    memset(bus.ram + 0x2000, 0, 0x100);
    static const uint32_t lli[8] = { 0x1080, 0x2080, 0x3010, 4 | SW(2) | DW(2) | SI | DI,
                                     0x10c0, 0x20c0, 0, 2 | SW(1) | DW(1) | SI | DI | TCI };
    for (int i = 0; i < 8; i++)
        set32(&bus, 0x3000 + 4 * (uint32_t)i, lli[i]);
    wr(&s, CH(1) + 0x00, 0x1000);
    wr(&s, CH(1) + 0x04, 0x2000);
    wr(&s, CH(1) + 0x08, 0x3000);
    wr(&s, CH(1) + 0x0c, 2 | SW(2) | DW(2) | SI | DI);
    wr(&s, CH(1) + 0x10, 1 | ITC);
    CHECK(!memcmp(bus.ram + 0x2000, bus.ram + 0x1000, 8), "first item: 2 words");
    CHECK(!memcmp(bus.ram + 0x2080, bus.ram + 0x1080, 16), "second item: 4 words");
    CHECK(!memcmp(bus.ram + 0x20c0, bus.ram + 0x10c0, 4), "third item: 2 halfwords");
    CHECK_EQ(ram32(&bus, 0x20c4), 0, "nothing past it");
    CHECK_EQ(rd(&s, CH(1) + 0x08), 0, "LLI register loaded from the last item");
    CHECK_EQ(rd(&s, 0x14), 2, "TC from the last item only");
    wr(&s, 0x08, 0xff);

    /* Mixed widths: words read, halfwords written; the destination steps
     * by the source width (QEMU). */
    memset(bus.ram + 0x2000, 0, 0x100);
    wr(&s, CH(3) + 0x00, 0x1000);
    wr(&s, CH(3) + 0x04, 0x2000);
    wr(&s, CH(3) + 0x0c, 2 | SW(2) | DW(1) | SI | DI);
    wr(&s, CH(3) + 0x10, 1);
    CHECK_EQ(ram32(&bus, 0x2000), ram32(&bus, 0x1000) & 0xffff, "halfword written at +0");
    CHECK_EQ(ram32(&bus, 0x2004) >> 16, ram32(&bus, 0x1000) >> 16,
             "second half at +6: written at dest+2 after dest already moved by 4");
    CHECK_EQ(rd(&s, CH(3) + 0x04), 0x2010, "destination advanced 4 per halfword");
    /* Bytes read, words written. */
    memset(bus.ram + 0x2000, 0, 0x100);
    wr(&s, CH(3) + 0x00, 0x1001);
    wr(&s, CH(3) + 0x04, 0x2000);
    wr(&s, CH(3) + 0x0c, 1 | SW(0) | DW(2) | SI | DI);
    wr(&s, CH(3) + 0x10, 1);
    CHECK(!memcmp(bus.ram + 0x2000, bus.ram + 0x1001, 4), "four bytes gathered into a word");
    CHECK_EQ(rd(&s, CH(3) + 0x04), 0x2001, "destination stepped by the source width");

    /* Into and out of a device: accesses of the element width. */
    dev_n = 0;
    wr(&s, CH(4) + 0x00, 0x1000);
    wr(&s, CH(4) + 0x04, 0x20000010);
    wr(&s, CH(4) + 0x0c, 3 | SW(0) | DW(0) | SI);
    wr(&s, CH(4) + 0x10, 1);
    CHECK_EQ(dev_n, 3, "three byte writes to the device");
    CHECK(dev_log[0].off == 0x10 && dev_log[0].size == 1 && dev_log[2].off == 0x10
          && dev_log[1].val == bus.ram[0x1001], "all at the same register, one byte each");
    wr(&s, CH(4) + 0x00, 0x20000000);
    wr(&s, CH(4) + 0x04, 0x2000);
    wr(&s, CH(4) + 0x0c, 1 | SW(2) | DW(2) | DI);
    wr(&s, CH(4) + 0x10, 1);
    CHECK_EQ(ram32(&bus, 0x2000), 0x44332211, "a word read from the device");
    uint8_t buf[8];
    dma_read(&bus, 0x20000002, buf, 4);
    CHECK(buf[0] == 0x33 && buf[1] == 0x44 && buf[2] == 0x11 && buf[3] == 0x22,
          "an unaligned device read is split into aligned pieces");
    dma_read(&bus, 0x0fffe, buf, 4);
    CHECK(buf[0] == bus.ram[0xfffe] && buf[2] == 0 && buf[3] == 0, "past RAM reads zero");

    /* Halt bit: the channel stays pending. */
    wr(&s, CH(5) + 0x00, 0x1000);
    wr(&s, CH(5) + 0x04, 0x2100);
    wr(&s, CH(5) + 0x0c, 1 | SW(2) | DW(2));
    wr(&s, CH(5) + 0x10, 1 | 1u << 18);
    CHECK_EQ(rd(&s, CH(5) + 0x0c) & 0xfff, 1, "halted channel does not run");
    wr(&s, CH(5) + 0x10, 1);
    CHECK_EQ(rd(&s, CH(5) + 0x0c) & 0xfff, 0, "released, it does");
    /* Peripheral flow with no request: idle. */
    wr(&s, CH(6) + 0x0c, 1 | SW(2) | DW(2));
    wr(&s, CH(6) + 0x10, 1 | 2u << 11);
    CHECK_EQ(rd(&s, CH(6) + 0x0c) & 0xfff, 1, "peripheral-to-memory waits for a request");
    CHECK_EQ(rd(&s, 0x1c), 1u << 6, "and stays enabled");

    pl080_reset(&s);
    CHECK_EQ(rd(&s, 0x1c), 0, "reset disables every channel");
    CHECK_EQ(rd(&s, 0x30), 0, "and the controller");
    bus_free(&bus);
    return tap_done();
}
