/* PL041 AACI with its LM4549 codec, against QEMU 7.2: PrimeCell IDs with
 * the FIFO depth in PERIPHID3, reset values, codec register access through
 * slots 1/2 (reset values, read-only and partly read-only registers, codec
 * reset), transmit FIFO packing and status bits, the interrupt, moving
 * samples to the codec once half full, and the interface reset. */
#include "hw/pl041.h"
#include "tap.h"

static int irq_level;
static void on_irq(void *o, int n, int level) { (void)o; (void)n; irq_level = level; }

static uint32_t rd(PL041 *s, uint32_t off) { return pl041_read(s, off, 4); }
static void wr(PL041 *s, uint32_t off, uint32_t v) { pl041_write(s, off, v, 4); }

static uint32_t codec_rd(PL041 *s, uint32_t reg)
{
    wr(s, 0x54, reg << 12 | 1u << 19);
    return rd(s, 0x58) >> 4;
}

static void codec_wr(PL041 *s, uint32_t reg, uint32_t v)
{
    wr(s, 0x5c, v << 4);
    wr(s, 0x54, reg << 12);
}

int main(void)
{
    Bus bus;
    if (bus_init(&bus, 0x1000) < 0)
        return 1;
    static PL041 s, small;
    CHECK_EQ(pl041_init(&s, &bus, 0x10004000, irq_line(on_irq, NULL, 0), 512), 0, "registered");
    static const uint8_t id[8] = { 0x41, 0x10, 0x04, 0x29, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 8; i++)
        CHECK_EQ(rd(&s, 0xfe0 + 4 * (uint32_t)i), id[i], "ID word %d (depth 512 -> 0x29)", i);
    CHECK_EQ(pl041_read(&s, 0xfed, 1), 0x00, "only the exact PERIPHID3 offset computes it");
    CHECK_EQ(rd(&s, 0xffd), 0, "past PCELLID3 reads 0");
    CHECK_EQ(pl041_init(&small, &bus, 0x10014000, irq_line(on_irq, NULL, 0), 8), 0, "depth 8");
    CHECK_EQ(rd(&small, 0xfec), 0x01, "depth 8 -> PERIPHID3 0x01");
    CHECK(pl041_init(&small, &bus, 0x10024000, irq_line(on_irq, NULL, 0), 2048) < 0,
          "a depth beyond the FIFO storage is refused");

    CHECK_EQ(rd(&s, 0x08), 0x0b, "SR1: TX/RX FIFO empty, TX half empty");
    CHECK_EQ(rd(&s, 0x0c), 0, "ISR1 0 until the first write");
    CHECK_EQ(rd(&s, 0x68), 0xa80, "SLFR: slot TX empty flags");
    CHECK_EQ(rd(&s, 0x84), 0, "ALLINTS 0");
    CHECK_EQ(rd(&s, 0x110), 0, "beyond the register file reads 0");

    wr(&s, 0x78, 0x19);
    CHECK_EQ(rd(&s, 0x0c), 0x05, "any write updates ISR1: TX and TX-complete interrupts");
    CHECK_EQ(rd(&s, 0x84), 0x05, "ALLINTS mirrors ISR1");
    CHECK_EQ(irq_level, 0, "masked");
    wr(&s, 0x10, 0x01);
    CHECK_EQ(irq_level, 1, "TXCIE raises the interrupt");
    wr(&s, 0x10, 0);

    static const struct { uint32_t reg, val; } regs[] = {
        { 0x00, 0x0d50 }, { 0x02, 0x8008 }, { 0x18, 0x8808 }, { 0x26, 0x000f },
        { 0x28, 0x0001 }, { 0x2c, 0xbb80 }, { 0x32, 0xbb80 }, { 0x7c, 0x4e53 }, { 0x7e, 0x4331 },
    };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
        CHECK_EQ(codec_rd(&s, regs[i].reg), regs[i].val, "codec register 0x%02x", regs[i].reg);
    CHECK_EQ(rd(&s, 0x50), 0x7e000, "SL1RX echoes the command without the read bit");
    CHECK_EQ(rd(&s, 0x68), 0xb40, "SLFR: slot 1/2 RX valid, slot 1 TX no longer empty");
    codec_wr(&s, 0x02, 0x1f1f);
    codec_wr(&s, 0x26, 0xffff);
    codec_wr(&s, 0x7c, 0x1234);
    codec_wr(&s, 0x28, 0x1234);
    CHECK_EQ(codec_rd(&s, 0x02), 0x1f1f, "master volume written");
    CHECK_EQ(codec_rd(&s, 0x26), 0xffff, "power-down: ready bits kept (all set)");
    codec_wr(&s, 0x26, 0x0000);
    CHECK_EQ(codec_rd(&s, 0x26), 0x000f, "the low four bits cannot be cleared");
    CHECK_EQ(codec_rd(&s, 0x7c), 0x4e53, "vendor ID read-only");
    CHECK_EQ(codec_rd(&s, 0x28), 0x0001, "extended audio ID read-only");
    codec_wr(&s, 0x00, 0);
    CHECK_EQ(codec_rd(&s, 0x02), 0x8008, "writing register 0 resets the codec");

    /* Transmit FIFO, compact 16-bit, slots 3/4, not yet enabled. */
    wr(&s, 0x10, 0x25);
    wr(&s, 0x04, 0x18 | 1u << 15);
    CHECK_EQ(s.tx_compact_mode, 1, "compact mode with 16-bit samples");
    wr(&s, 0x90, 0x00020001);
    CHECK_EQ(s.tx_fifo.level, 2, "one word, two samples");
    CHECK_EQ(s.tx_fifo.data[0], 0x10, "low half first, padded to 20 bits");
    CHECK_EQ(s.tx_fifo.data[1], 0x20, "then the high half");
    CHECK_EQ(rd(&s, 0x08), 0x09, "SR1: not empty, still half empty");
    CHECK_EQ(rd(&s, 0x0c), 0x04, "ISR1: TX interrupt only");
    CHECK_EQ(irq_level, 1, "TXIE");
    for (int i = 0; i < 127; i++)
        wr(&s, 0x94, (uint32_t)i);
    CHECK_EQ(s.tx_fifo.level, 256, "256 samples");
    CHECK_EQ(rd(&s, 0x08), 0x01, "half full: TXHE clear");
    CHECK_EQ(irq_level, 0, "no interrupt source left");
    for (int i = 0; i < 200; i++)
        wr(&s, 0x98, (uint32_t)i);
    CHECK_EQ(s.tx_fifo.level, 510, "compact mode stops two short of the depth");
    CHECK_EQ(rd(&s, 0x08) & 0x20, 0, "so TXFF never sets in compact mode");
    wr(&s, 0x04, 0x19 | 1u << 15);
    CHECK_EQ(s.tx_fifo.level, 0, "enabling moves every pair to the codec");
    CHECK_EQ(s.codec.buffer_level, 510, "the codec buffer holds them");
    CHECK_EQ(s.codec.buffer[0], 0x1, "as 16-bit samples");
    CHECK_EQ(rd(&s, 0x08), 0x20b, "SR1: empty, half empty, underrun");
    CHECK_EQ(rd(&s, 0x0c), 0x25, "ISR1: underrun, TX, TX complete");
    wr(&s, 0x74, 1u << 5);
    CHECK_EQ(rd(&s, 0x08), 0x0b, "INTCLR clears the underrun");

    /* Non-compact 20-bit: one sample per word; the codec buffer fills and
     * emu-arm discards it where QEMU hands it to the audio back end. */
    wr(&s, 0x04, 0x19 | 2u << 13);
    for (int i = 0; i < 1000; i++)
        wr(&s, 0x90, 0xfffff);
    CHECK_EQ(s.codec.samples_discarded, 1024, "a full codec buffer is drained");
    CHECK(s.tx_fifo.level < 256, "the FIFO keeps draining past half full");
    wr(&s, 0x04, 0x18 | 2u << 13);
    for (int i = 0; i < 600; i++)
        wr(&s, 0x90, 0x12345);
    CHECK_EQ(s.tx_fifo.level, 512, "disabled: the FIFO fills to its depth");
    CHECK_EQ(rd(&s, 0x08) & 0x20, 0x20, "TXFF");

    wr(&s, 0x78, 0);
    CHECK_EQ(s.tx_fifo.level, 0, "clearing AACIFE resets the interface");
    CHECK_EQ(rd(&s, 0x04), 0, "TXCR1 cleared");
    CHECK_EQ(rd(&s, 0x08), 0x0b, "SR1 back to reset");
    CHECK_EQ(rd(&s, 0x10), 0, "IE1 cleared");
    CHECK_EQ(irq_level, 0, "interrupt low");
    CHECK_EQ(codec_rd(&s, 0x2c), 0xbb80, "the codec is not reset with it");
    wr(&s, 0x10c, 0xabcd);
    CHECK_EQ(rd(&s, 0x10c), 0xabcd, "other registers read back what was written");
    bus_free(&bus);
    return tap_done();
}
