/* LAN91C111 registers, packet MMU and FIFOs with QEMU 7.2's semantics. */
#include "hw/smc91c111.h"
#include <string.h>

#define RCR_SOFT_RST    0x8000u
#define RCR_STRIP_CRC   0x0200u
#define RCR_RXEN        0x0100u
#define TCR_PAD_EN      0x0080u
#define TCR_TXEN        0x0001u
#define CTR_AUTO_RELEASE 0x0800u

#define INT_ALLOC       0x08u
#define INT_TX_EMPTY    0x04u
#define INT_TX          0x02u
#define INT_RCV         0x01u
/* Bits an interrupt-ACK write can clear (RCV, ALLOC are level-like). */
#define INT_ACK_MASK    0xd6u

#define RS_ODDFRAME     0x1000u
#define RS_TOOLONG      0x0800u

#define ALLOC_FAILED    0x80
#define FIFO_EMPTY      0x80

#define BANK_SELECT     14
#define BANK_SELECT_HI  15
#define CHIP_ID_BYTE    0x33    /* high byte of the bank select register */
#define CHIP_REVISION   0x91    /* LAN91C111, revision 1 */

const uint8_t smc91c111_default_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

#define DATA_LEN ((int)sizeof(((Smc91c111 *)0)->data))
#define ALL_PAGES ((1u << SMC91C111_NUM_PACKETS) - 1)

/* QEMU computes "1 << n" on a host int for guest-chosen page numbers; an x86
 * host uses the count modulo 32, and so do we. */
static unsigned page_bit(int n)
{
    return 1u << ((unsigned)n & 31);
}

static void update_irq(Smc91c111 *s)
{
    if (s->tx_fifo_len == 0)
        s->int_level |= INT_TX_EMPTY;
    if (s->tx_done_len != 0)
        s->int_level |= INT_TX;
    irq_set(&s->irq, (s->int_level & s->int_mask) != 0);
}

static int allocate_page(Smc91c111 *s)
{
    if (s->allocated == ALL_PAGES)
        return ALLOC_FAILED;
    int i = 0;
    while (s->allocated & (1u << i))
        i++;
    s->allocated |= 1u << i;
    return i;
}

static void try_tx_alloc(Smc91c111 *s)
{
    s->tx_alloc = allocate_page(s);
    if (s->tx_alloc == ALLOC_FAILED)
        return;
    s->int_level |= INT_ALLOC;
    update_irq(s);
}

static void release_page(Smc91c111 *s, int page)
{
    s->allocated &= ~page_bit(page);
    /* A TX allocation that was waiting for memory completes now. */
    if (s->tx_alloc == ALLOC_FAILED)
        try_tx_alloc(s);
}

/* Popping an empty FIFO drives QEMU's count to -1 (and flags RCV); that
 * is kept, see smc91c111_receive for where it leads. */
static void pop_rx_fifo(Smc91c111 *s)
{
    s->rx_fifo_len--;
    if (s->rx_fifo_len) {
        if (s->rx_fifo_len > 0)
            memmove(s->rx_fifo, s->rx_fifo + 1, (size_t)s->rx_fifo_len * sizeof s->rx_fifo[0]);
        s->int_level |= INT_RCV;
    } else {
        s->int_level &= ~INT_RCV;
    }
    update_irq(s);
}

static void pop_tx_done(Smc91c111 *s)
{
    if (s->tx_done_len == 0)
        return;
    s->tx_done_len--;
    memmove(s->tx_done, s->tx_done + 1, (size_t)s->tx_done_len * sizeof s->tx_done[0]);
}

static uint8_t data_byte(const Smc91c111 *s, long idx)
{
    return idx >= 0 && idx < DATA_LEN ? s->data[idx] : 0;
}

/* Send one queued page: QEMU stamps a status word, takes the length from
 * the byte count word (minus the 6 bytes of framing), adds the odd byte
 * when the control byte says so and pads short frames if asked. Offsets
 * that would leave the packet memory (a bogus page number or byte count)
 * read as 0 and send nothing, where QEMU would touch whatever lies there. */
static void transmit_page(Smc91c111 *s, int page)
{
    long base = (long)page * SMC91C111_PAGE_SIZE;
    if (page < 0 || base + 4 > DATA_LEN)
        return;
    uint8_t *p = s->data + base;
    p[0] = 0x01;
    p[1] = 0x40;
    long payload = base + 4;
    long len = (long)(p[2] | p[3] << 8) - 6;
    uint8_t control = data_byte(s, payload + len + 1);
    if (control & 0x20)
        len++;
    if (len < 64 && (s->tcr & TCR_PAD_EN)) {
        for (long i = payload + len; i < payload + 64; i++)
            if (i >= 0 && i < DATA_LEN)
                s->data[i] = 0;
        len = 64;
    }
    if (s->send && len >= 0 && payload + len <= DATA_LEN)
        s->send(s->send_opaque, s->data + payload, (size_t)len);
}

static void do_tx(Smc91c111 *s)
{
    if (!(s->tcr & TCR_TXEN) || s->tx_fifo_len == 0)
        return;
    for (int i = 0; i < s->tx_fifo_len; i++) {
        int page = s->tx_fifo[i];
        if (s->ctr & CTR_AUTO_RELEASE)
            release_page(s, page);
        else if (s->tx_done_len < SMC91C111_NUM_PACKETS)
            s->tx_done[s->tx_done_len++] = page;
        transmit_page(s, page);
    }
    s->tx_fifo_len = 0;
    update_irq(s);
}

static void queue_tx(Smc91c111 *s, int page)
{
    if (s->tx_fifo_len == SMC91C111_NUM_PACKETS)
        return;
    s->tx_fifo[s->tx_fifo_len++] = page;
    do_tx(s);
}

void smc91c111_reset(Smc91c111 *s)
{
    s->bank = 0;
    s->tx_fifo_len = 0;
    s->tx_done_len = 0;
    s->rx_fifo_len = 0;
    s->allocated = 0;
    s->packet_num = 0;
    s->tx_alloc = 0;
    s->tcr = 0;
    s->rcr = 0;
    s->cr = 0xa0b1;
    s->ctr = 0x1210;
    s->ptr = 0;
    s->ercv = 0x1f;
    s->int_level = INT_TX_EMPTY;
    s->int_mask = 0;
    update_irq(s);
}

/* The data register's target byte; moves the pointer when auto-increment
 * is on (then the byte lane is ignored, as in QEMU). */
static long data_index(Smc91c111 *s, uint32_t lane)
{
    int page = (s->ptr & 0x8000) ? s->rx_fifo[0] : s->packet_num;
    long p = s->ptr & 0x07ff;
    if (s->ptr & 0x4000)
        s->ptr = (uint16_t)((s->ptr & 0xf800) | ((s->ptr + 1) & 0x07ff));
    else
        p += lane & 3;
    return (long)page * SMC91C111_PAGE_SIZE + p;
}

static void set_low(uint16_t *r, uint8_t v) { *r = (uint16_t)((*r & 0xff00) | v); }
static void set_high(uint16_t *r, uint8_t v) { *r = (uint16_t)((*r & 0x00ff) | v << 8); }

static void mmu_command(Smc91c111 *s, uint8_t value)
{
    switch (value >> 5) {
    case 0:     /* no-op */
        break;
    case 1:     /* allocate for TX */
        s->tx_alloc = ALLOC_FAILED;
        s->int_level &= ~INT_ALLOC;
        update_irq(s);
        try_tx_alloc(s);
        break;
    case 2:     /* reset MMU */
        s->allocated = 0;
        s->tx_fifo_len = 0;
        s->tx_done_len = 0;
        s->rx_fifo_len = 0;
        s->tx_alloc = 0;
        break;
    case 3:     /* remove from RX FIFO */
        pop_rx_fifo(s);
        break;
    case 4:     /* remove from RX FIFO and release */
        if (s->rx_fifo_len > 0)
            release_page(s, s->rx_fifo[0]);
        pop_rx_fifo(s);
        break;
    case 5:     /* release */
        release_page(s, s->packet_num);
        break;
    case 6:     /* enqueue for TX */
        queue_tx(s, s->packet_num);
        break;
    case 7:     /* reset TX FIFOs */
        s->tx_fifo_len = 0;
        s->tx_done_len = 0;
        break;
    }
}

static void write_byte(Smc91c111 *s, uint32_t offset, uint8_t value)
{
    offset &= 0xf;
    if (offset == BANK_SELECT) {
        s->bank = value;        /* the whole byte: banks 4..255 decode nothing */
        return;
    }
    if (offset == BANK_SELECT_HI)
        return;
    switch (s->bank) {
    case 0:
        switch (offset) {
        case 0: set_low(&s->tcr, value); break;
        case 1: set_high(&s->tcr, value); break;
        case 4: set_low(&s->rcr, value); break;
        case 5:
            set_high(&s->rcr, value);
            if (s->rcr & RCR_SOFT_RST)
                smc91c111_reset(s);
            break;
        default: break;         /* RPCR, counters, read-only */
        }
        break;
    case 1:
        switch (offset) {
        case 0: set_low(&s->cr, value); break;
        case 1: set_high(&s->cr, value); break;
        case 10: set_low(&s->gpr, value); break;
        case 11: set_high(&s->gpr, value); break;
        case 12: set_low(&s->ctr, value & ~3u); break;  /* no EEPROM */
        case 13: set_high(&s->ctr, value); break;
        default: break;         /* BASE and the MAC are not writable */
        }
        break;
    case 2:
        switch (offset) {
        case 0: mmu_command(s, value); break;
        case 2: s->packet_num = value; break;
        case 6: set_low(&s->ptr, value); break;
        case 7: set_high(&s->ptr, value); break;
        case 8: case 9: case 10: case 11: {
            long idx = data_index(s, offset);
            if (idx >= 0 && idx < DATA_LEN)
                s->data[idx] = value;
            break;
        }
        case 12:    /* interrupt ACK */
            s->int_level &= (uint8_t)~(value & INT_ACK_MASK);
            if (value & INT_TX)
                pop_tx_done(s);
            update_irq(s);
            break;
        case 13:
            s->int_mask = value;
            update_irq(s);
            break;
        default: break;
        }
        break;
    case 3:
        if (offset == 12)
            s->ercv = value & 0x1f;
        break;      /* multicast table, MII: not modelled, as in QEMU */
    default:
        break;
    }
}

static uint8_t read_byte(Smc91c111 *s, uint32_t offset)
{
    offset &= 0xf;
    if (offset == BANK_SELECT)
        return (uint8_t)s->bank;
    if (offset == BANK_SELECT_HI)
        return CHIP_ID_BYTE;
    switch (s->bank) {
    case 0:
        switch (offset) {
        case 0: return (uint8_t)s->tcr;
        case 1: return (uint8_t)(s->tcr >> 8);
        case 3: return 0x40;            /* EPH status: link OK */
        case 4: return (uint8_t)s->rcr;
        case 5: return (uint8_t)(s->rcr >> 8);
        case 8: return SMC91C111_NUM_PACKETS;       /* memory size */
        case 9: {   /* "free memory": QEMU counts the pages in use */
            int n = 0;
            for (int i = 0; i < SMC91C111_NUM_PACKETS; i++)
                n += (s->allocated >> i) & 1;
            return (uint8_t)n;
        }
        default: return 0;
        }
    case 1:
        switch (offset) {
        case 0: return (uint8_t)s->cr;
        case 1: return (uint8_t)(s->cr >> 8);
        case 4: case 5: case 6: case 7: case 8: case 9:
            return s->mac[offset - 4];
        case 10: return (uint8_t)s->gpr;
        case 11: return (uint8_t)(s->gpr >> 8);
        case 12: return (uint8_t)s->ctr;
        case 13: return (uint8_t)(s->ctr >> 8);
        default: return 0;
        }
    case 2:
        switch (offset) {
        case 2: return (uint8_t)s->packet_num;
        case 3: return (uint8_t)s->tx_alloc;
        case 4: return s->tx_done_len ? (uint8_t)s->tx_done[0] : FIFO_EMPTY;
        case 5: return s->rx_fifo_len ? (uint8_t)s->rx_fifo[0] : FIFO_EMPTY;
        case 6: return (uint8_t)s->ptr;
        case 7: return (uint8_t)((s->ptr >> 8) & 0xf7);
        case 8: case 9: case 10: case 11:
            return data_byte(s, data_index(s, offset));
        case 12: return s->int_level;
        case 13: return s->int_mask;
        default: return 0;      /* MMU busy bit never set */
        }
    case 3:
        switch (offset) {
        case 8: return 0x30;    /* MII lines idle */
        case 9: return 0x33;
        case 10: return CHIP_REVISION;
        case 11: return 0x33;
        case 12: return (uint8_t)s->ercv;
        default: return 0;
        }
    default:
        return 0;
    }
}

uint32_t smc91c111_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_byte(opaque, offset + i) << (8 * i);
    return v;
}

void smc91c111_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    unsigned i = 0;
    /* A word write at 0xc lands on the bank select register only (QEMU). */
    if (offset == 0xc && size == 4)
        i = 2;
    for (; i < size; i++)
        write_byte(opaque, offset + i, (uint8_t)(value >> (8 * i)));
}

/* zlib's crc32() started from ~0, as QEMU calls it. */
static uint32_t frame_crc(const uint8_t *buf, size_t len)
{
    uint32_t c = 0;
    for (size_t i = 0; i < len; i++) {
        c ^= buf[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

int smc91c111_receive(Smc91c111 *s, const uint8_t *frame, size_t len)
{
    if (!(s->rcr & RCR_RXEN) || (s->rcr & RCR_SOFT_RST))
        return -1;
    size_t size = len;
    size_t packetsize = (size < 64 ? 64 : (size & ~(size_t)1)) + 6;
    bool crc = !(s->rcr & RCR_STRIP_CRC);
    if (crc)
        packetsize += 4;
    if (packetsize > SMC91C111_PAGE_SIZE)
        return -1;
    if (s->rx_fifo_len == SMC91C111_NUM_PACKETS)
        return -1;      /* QEMU's can_receive holds the frame back */
    int page = allocate_page(s);
    if (page == ALLOC_FAILED)
        return -1;
    if (s->rx_fifo_len < 0)
        s->rx_fifo_len = page + 1;  /* QEMU's rx_fifo[-1] is the count itself */
    else
        s->rx_fifo[s->rx_fifo_len++] = page;

    uint8_t *p = s->data + page * SMC91C111_PAGE_SIZE;
    uint16_t status = 0;
    if (size > 1518)
        status |= RS_TOOLONG;
    if (size & 1)
        status |= RS_ODDFRAME;
    *p++ = (uint8_t)status;
    *p++ = (uint8_t)(status >> 8);
    *p++ = (uint8_t)packetsize;
    *p++ = (uint8_t)(packetsize >> 8);
    /* The padded frame, also what the CRC covers (QEMU runs its CRC over
     * 64 bytes of the caller's shorter buffer here). */
    uint8_t padded[64] = {0};
    const uint8_t *body = frame;
    memcpy(p, frame, size & ~(size_t)1);
    p += size & ~(size_t)1;
    if (size < 64) {
        if (size & 1)
            *p++ = frame[size - 1];
        memset(p, 0, 64 - size);
        p += 64 - size;
        memcpy(padded, frame, size);
        body = padded;
        size = 64;
    }
    if (crc) {
        uint32_t c = frame_crc(body, size);
        for (int i = 0; i < 4; i++, c >>= 8)
            *p++ = (uint8_t)c;
    }
    if (size & 1) {
        *p++ = frame[size - 1];
        *p = 0x60;      /* control byte: odd length */
    } else {
        *p++ = 0;
        *p = 0x40;
    }
    s->int_level |= INT_RCV;
    update_irq(s);
    return (int)size;
}

int smc91c111_init(Smc91c111 *s, Bus *bus, uint32_t base, IrqLine irq,
                   const uint8_t mac[6], Smc91c111SendFn *send, void *send_opaque)
{
    memset(s, 0, sizeof *s);
    s->irq = irq;
    memcpy(s->mac, mac ? mac : smc91c111_default_mac, sizeof s->mac);
    s->send = send;
    s->send_opaque = send_opaque;
    smc91c111_reset(s);
    return bus_register(bus, base, SMC91C111_SIZE, smc91c111_read, smc91c111_write,
                        s, "smc91c111");
}
