/* SMC91C111 as QEMU 7.2's hw/net/smc91c111.c: chip signature and revision,
 * bank switching (including the word write at 0xc), reset values, the MAC
 * the smc91x probe reads, MMU allocation and its interrupt, the pointer /
 * data registers, transmit (frame handed out, TX-done FIFO, auto-release,
 * padding), interrupt ACK/mask, soft reset, and the receive path. */
#include "hw/smc91c111.h"
#include "tap.h"
#include <string.h>

static Bus bus;
static Smc91c111 eth;
static int level = -1;
static uint8_t sent[2048];
static size_t sent_len;
static int n_sent;

static void irq_cb(void *o, int n, int l) { (void)o; (void)n; level = l; }
static void send_cb(void *o, const uint8_t *f, size_t len)
{
    (void)o;
    memcpy(sent, f, len);
    sent_len = len;
    n_sent++;
}

static uint32_t rd(uint32_t off, unsigned size) { return smc91c111_read(&eth, off, size); }
static void wr(uint32_t off, uint32_t v, unsigned size) { smc91c111_write(&eth, off, v, size); }
static void bank(int b) { wr(14, (uint32_t)b, 2); }

static void test_identity(void)
{
    CHECK_EQ(rd(14, 2), 0x3300, "bank select: 0x33 signature, bank 0");
    CHECK_EQ(rd(12, 4), 0x33000000, "word read at 0xc spans both registers");
    bank(0);
    CHECK_EQ(rd(2, 2), 0x4000, "EPH status: link OK");
    CHECK_EQ(rd(8, 2), 0x0004, "memory size 4 pages, none in use");
    bank(1);
    CHECK_EQ(rd(0, 2), 0xa0b1, "CONFIG reset value");
    CHECK_EQ(rd(2, 2), 0, "BASE not implemented: 0");
    CHECK_EQ(rd(12, 2), 0x1210, "CONTROL reset value");
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    for (int i = 0; i < 6; i++)
        CHECK_EQ(rd(4 + (uint32_t)i, 1), mac[i], "MAC byte %d", i);
    CHECK_EQ(rd(4, 4), 0x12005452, "MAC as a word");
    bank(3);
    CHECK_EQ(rd(10, 2), 0x3391, "revision: LAN91C111 rev 1");
    CHECK_EQ(rd(8, 1), 0x30, "MII management idle");
    CHECK_EQ(rd(12, 1), 0x1f, "ERCV reset value");
    bank(2);
    CHECK_EQ(rd(4, 2), 0x8080, "both FIFOs empty");
    CHECK_EQ(rd(12, 1), 0x04, "TX_EMPTY set at reset");
    CHECK_EQ(level, 0, "mask 0: line low");
    bank(7);
    CHECK_EQ(rd(14, 2), 0x3307, "any bank number is kept");
    CHECK_EQ(rd(0, 4), 0, "an unknown bank reads 0");
    wr(12, 0x0001ffff, 4);
    CHECK_EQ(rd(14, 2), 0x3301, "word write at 0xc writes only the bank select");
    wr(1, 0x77, 1);
    CHECK_EQ(rd(0, 2), 0x77b1, "byte write to CONFIG high");
    wr(12, 0x1a13, 2);
    CHECK_EQ(rd(12, 2), 0x1a10, "EEPROM store/reload bits dropped");
}

static void test_alloc_irq(void)
{
    bank(2);
    wr(13, 0x0c, 1);
    CHECK_EQ(level, 1, "TX_EMPTY unmasked: line high");
    wr(12, 0x04, 1);
    CHECK_EQ(rd(12, 1), 0x04, "TX_EMPTY ACK is undone while the FIFO is empty");
    wr(13, 0x08, 1);
    CHECK_EQ(level, 0, "only ALLOC unmasked");
    wr(0, 0x20, 2);
    CHECK_EQ(rd(3, 1), 0, "allocation result: page 0");
    CHECK_EQ(rd(12, 1), 0x0c, "ALLOC raised");
    CHECK_EQ(level, 1, "ALLOC interrupt");
    for (int i = 1; i < 4; i++) {
        wr(0, 0x20, 2);
        CHECK_EQ(rd(3, 1), (uint32_t)i, "page %d", i);
    }
    bank(0);
    CHECK_EQ(rd(8, 2), 0x0404, "QEMU's 'free memory' byte counts pages in use");
    bank(2);
    wr(0, 0x20, 2);
    CHECK_EQ(rd(3, 1), 0x80, "fifth allocation fails (pending)");
    CHECK_EQ(rd(12, 1) & 0x08, 0, "ALLOC cleared by the new request");
    CHECK_EQ(level, 0, "line low while pending");
    wr(2, 2, 1);
    wr(0, 0xa0, 2);                 /* release page 2 */
    CHECK_EQ(rd(3, 1), 2, "pending allocation completes on release");
    CHECK_EQ(level, 1, "with its interrupt");
    wr(0, 0x40, 2);                 /* MMU reset */
    bank(0);
    CHECK_EQ(rd(8, 2), 0x0004, "MMU reset frees all pages");
    bank(2);
    wr(12, 0x08, 1);
    wr(13, 0, 1);
}

static void test_data_tx(void)
{
    bank(2);
    wr(0, 0x20, 2);
    wr(2, rd(3, 1), 1);
    wr(6, 0x4000, 2);               /* auto-increment from 0 */
    static const uint8_t frame[] = { 2, 0, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
                                     0x88, 0xb5, 'a', 'b', 'c' };
    wr(8, 0, 2);
    wr(8, (sizeof frame & ~1u) + 6, 2);
    for (size_t i = 0; i + 1 < sizeof frame; i += 2)
        wr(8, (uint32_t)(frame[i] | frame[i + 1] << 8), 2);
    wr(8, frame[sizeof frame - 1] | 0x2000u, 2);
    CHECK_EQ(rd(6, 2), 0x4016, "pointer advanced by 22 bytes");
    wr(6, 0x2004, 2);               /* read, no auto-increment, offset 4 */
    CHECK_EQ(rd(8, 4), 0x00000002, "data lanes follow the pointer + lane");
    CHECK_EQ(rd(10, 1), 0x00, "lane 2");
    CHECK_EQ(rd(6, 2), 0x2004, "pointer not moved");
    wr(6, 0x6002, 2);
    CHECK_EQ(rd(8, 1), 0x16, "auto-increment read: byte count low");
    CHECK_EQ(rd(8, 1), 0x00, "then high");
    CHECK_EQ(rd(7, 1), 0x60, "pointer high byte (bit 11 masked)");

    bank(1);
    wr(12, 0x1210, 2);              /* auto-release off */
    bank(0);
    wr(0, 0x0001, 2);               /* TXEN, no padding */
    bank(2);
    wr(13, 0x02, 1);
    wr(0, 0xc0, 2);                 /* enqueue */
    CHECK_EQ(n_sent, 1, "frame transmitted at once");
    CHECK_EQ(sent_len, sizeof frame, "odd length from the control byte");
    CHECK(memcmp(sent, frame, sizeof frame) == 0, "frame bytes");
    CHECK_EQ(rd(4, 1), 0, "TX-done FIFO holds the page");
    CHECK_EQ(rd(12, 1), 0x0e, "TX, TX_EMPTY and the earlier ALLOC");
    CHECK_EQ(level, 1, "TX interrupt");
    wr(6, 0x2000, 2);
    CHECK_EQ(rd(8, 2), 0x4001, "status word stamped 0x4001");
    wr(12, 0x02, 1);
    CHECK_EQ(rd(4, 2), 0x8080, "ACK of TX pops the done FIFO");
    CHECK_EQ(level, 0, "line low");
    wr(0, 0xa0, 2);

    /* Short frame with padding, auto-release on. */
    bank(0);
    wr(0, 0x0081, 2);
    bank(1);
    wr(12, 0x1a10 | 0x0800, 2);
    bank(2);
    wr(0, 0x20, 2);
    wr(2, rd(3, 1), 1);
    wr(6, 0x4000, 2);
    wr(8, 0, 2);
    wr(8, 6 + 10, 2);
    for (int i = 0; i < 5; i++)
        wr(8, 0xabab, 2);
    wr(8, 0, 2);                    /* control: even */
    wr(0, 0xc0, 2);
    CHECK_EQ(sent_len, 64, "short frame padded to 64");
    CHECK_EQ(sent[9], 0xab, "payload kept");
    CHECK_EQ(sent[10], 0, "padding zeros");
    CHECK_EQ(rd(4, 2), 0x8080, "auto-release: nothing in the done FIFO");
    bank(0);
    CHECK_EQ(rd(8, 2), 0x0004, "and the page is free again");
    bank(1);
    wr(12, 0x1a10, 2);

    /* TX disabled: queued, not sent. */
    bank(0);
    wr(0, 0, 2);
    bank(2);
    wr(0, 0x20, 2);
    wr(2, rd(3, 1), 1);
    int before = n_sent;
    wr(0, 0xc0, 2);
    CHECK_EQ(n_sent, before, "TXEN off: frame stays queued");
    wr(12, 0x04, 1);
    CHECK_EQ(rd(12, 1) & 0x04, 0, "TX_EMPTY can be acked while a frame waits");
    wr(0, 0xe0, 2);                 /* reset TX FIFOs */
    wr(0, 0x40, 2);
}

static void test_soft_reset_rx(void)
{
    bank(0);
    wr(0, 0x1234, 2);
    wr(4, 0x8000, 2);
    CHECK_EQ(rd(14, 2), 0x3300, "soft reset selects bank 0");
    CHECK_EQ(rd(0, 2), 0, "TCR cleared");
    CHECK_EQ(rd(4, 2), 0, "RCR cleared (soft reset bit included)");

    uint8_t frame[80];
    for (int i = 0; i < 80; i++)
        frame[i] = (uint8_t)i;
    CHECK_EQ(smc91c111_receive(&eth, frame, 80), -1, "receiver off: dropped");
    wr(4, 0x0300, 2);               /* RXEN, strip CRC */
    bank(2);
    wr(13, 0x01, 1);
    CHECK_EQ(smc91c111_receive(&eth, frame, 80), 80, "frame taken");
    CHECK_EQ(level, 1, "RCV interrupt");
    CHECK_EQ(rd(4, 2), 0x0080, "RX FIFO: page 0");
    wr(6, 0xe000, 2);               /* RCV area, auto-increment, read */
    CHECK_EQ(rd(8, 2), 0, "RX status word");
    CHECK_EQ(rd(8, 2), 80 + 6, "byte count");
    CHECK_EQ(rd(8, 2), 0x0100, "first data bytes");
    CHECK_EQ(smc91c111_receive(&eth, frame, 61), 64, "odd short frame padded to 64");
    CHECK_EQ(rd(4, 2), 0x0080, "FIFO head still page 0");
    wr(0, 0x80, 2);                 /* remove and release */
    CHECK_EQ(rd(4, 2), 0x0180, "next frame at the head");
    CHECK_EQ(rd(12, 1) & 0x01, 1, "RCV stays while frames remain");
    wr(0, 0x80, 2);
    CHECK_EQ(rd(4, 2), 0x8080, "RX FIFO empty");
    CHECK_EQ(level, 0, "RCV gone");
    bank(0);
    CHECK_EQ(rd(8, 2), 0x0004, "pages released");
    wr(4, 0, 2);
    bank(2);
    wr(13, 0, 1);
}

int main(void)
{
    bus_init(&bus, 0x1000);
    CHECK_EQ(smc91c111_init(&eth, &bus, 0x10010000, irq_line(irq_cb, NULL, 0),
                            smc91c111_default_mac, send_cb, NULL), 0, "smc91c111 registers");
    const MmioRegion *r = bus_find(&bus, 0x1001000f);
    CHECK(r && r->size == 16, "16-byte window at 0x10010000 (as QEMU)");
    CHECK(bus_find(&bus, 0x10010010) == NULL, "nothing beyond it");
    test_identity();
    test_alloc_irq();
    test_data_tx();
    test_soft_reset_rx();
    bus_free(&bus);
    return tap_done();
}
