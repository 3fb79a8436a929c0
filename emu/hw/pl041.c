/* PL041 AACI with QEMU 7.2's semantics (see pl041.h). */
#include "hw/pl041.h"
#include "hw/devutil.h"
#include <stdio.h>
#include <string.h>

/* Register offsets the model acts on. */
#define AACI_TXCR1      0x04
#define AACI_SL1TX      0x54
#define AACI_SL2TX      0x5c
#define AACI_INTCLR     0x74
#define AACI_MAINCR     0x78
#define AACI_ALLINTS    0x84
#define AACI_DR1_0      0x90
#define AACI_DR1_3      0x9c
#define AACI_LAST_REG   0x10c
#define AACI_PERIPHID0  0xfe0
#define AACI_PERIPHID3  0xfec
#define AACI_PCELLID3   0xffc

#define REG(s, off) ((s)->regs[(off) >> 2])
#define SR1(s)      REG(s, 0x08)
#define ISR1(s)     REG(s, 0x0c)
#define IE1(s)      REG(s, 0x10)
#define TXCR1(s)    REG(s, AACI_TXCR1)
#define SL1RX(s)    REG(s, 0x50)
#define SL1TX(s)    REG(s, AACI_SL1TX)
#define SL2RX(s)    REG(s, 0x58)
#define SL2TX(s)    REG(s, AACI_SL2TX)
#define SLFR(s)     REG(s, 0x68)
#define INTCLR(s)   REG(s, AACI_INTCLR)
#define MAINCR(s)   REG(s, AACI_MAINCR)

/* TXCR1 */
#define TXEN            (1u << 0)
#define TXSLOT3         (1u << 3)
#define TXSLOT4         (1u << 4)
#define TXSLOT_MASK     (0xfffu << 1)
#define TSIZE_SHIFT     13
#define TXCOMPACT       (1u << 15)
/* SR1 */
#define RXFE            (1u << 0)
#define TXFE            (1u << 1)
#define TXHE            (1u << 3)
#define TXFF            (1u << 5)
#define TXBUSY          (1u << 7)
#define TXUNDERRUN      (1u << 9)
/* ISR1 */
#define TXCINTR         (1u << 0)
#define TXINTR          (1u << 2)
#define URINTR          (1u << 5)
/* SLFR */
#define SL1RXBUSY       (1u << 0)
#define SL2RXBUSY       (1u << 2)
#define SL1RXVALID      (1u << 6)
#define SL1TXEMPTY      (1u << 7)
#define SL2RXVALID      (1u << 8)
#define SL2TXEMPTY      (1u << 9)
#define SL12TXEMPTY     (1u << 11)
/* MAINCR, INTCLR, SL1TX */
#define AACIFE          (1u << 0)
#define TXUEC1          (1u << 5)
#define SLOT1_RW        (1u << 19)

static const uint8_t pl041_id[8] = { 0x41, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* PERIPHID3: one channel, plus the FIFO depth code in bits 5..3. */
static uint8_t periphid3(const PL041 *s)
{
    static const uint32_t depths[] = { 8, 32, 64, 128, 256, 512, 1024, 2048 };
    for (unsigned code = 0; code < 8; code++)
        if (s->fifo_depth == depths[code])
            return (uint8_t)(1 | code << 3);
    return 1;
}

void pl041_reset(PL041 *s)
{
    memset(s->regs, 0, sizeof s->regs);
    SLFR(s) = SL1TXEMPTY | SL2TXEMPTY | SL12TXEMPTY;
    SR1(s) = TXFE | RXFE | TXHE;
    s->tx_fifo.level = 0;
    memset(s->tx_fifo.data, 0, sizeof s->tx_fifo.data);
    s->tx_enabled = s->tx_compact_mode = s->tx_sample_size = 0;
}

/* Widen a sample of the configured size to the FIFO's 20 bits. */
static uint32_t pad_to_20_bits(uint32_t v, uint8_t sample_size)
{
    switch (sample_size) {
    case 12: return (v << 8) & 0xfffff;
    case 16: return (v << 4) & 0xfffff;
    case 18: return (v << 2) & 0xfffff;
    default: return v;
    }
}

static void fifo1_write(PL041 *s, uint32_t value)
{
    Pl041Fifo *fifo = &s->tx_fifo;
    if (!s->tx_compact_mode) {
        if (fifo->level < s->fifo_depth)
            fifo->data[fifo->level++] = pad_to_20_bits(value, s->tx_sample_size);
    } else if (fifo->level + 2 < s->fifo_depth) {
        /* Two 16- or 12-bit samples per word, low half first. Note the
         * strict "<": like QEMU, the last two slots are never filled. */
        for (int i = 0; i < 2; i++) {
            uint32_t sample = value & 0xffff;
            value >>= 16;
            fifo->data[fifo->level++] = s->tx_sample_size == 12 ? sample << 8 : sample << 4;
        }
    }
    if (fifo->level > 0)
        SR1(s) &= ~(TXUNDERRUN | TXFE);
    if (fifo->level >= s->fifo_depth / 2)
        SR1(s) &= ~TXHE;
    if (fifo->level >= s->fifo_depth)
        SR1(s) |= TXFF;
}

/* Moves sample pairs to the codec once the FIFO is at least half full. */
static void fifo1_transmit(PL041 *s)
{
    Pl041Fifo *fifo = &s->tx_fifo;
    uint32_t slots = TXCR1(s) & TXSLOT_MASK;
    if (!s->tx_enabled || !(slots & (TXSLOT3 | TXSLOT4)) || fifo->level < s->fifo_depth / 2)
        return;
    uint32_t pairs = 0;
    while (pairs < fifo->level / 2
           && lm4549_write_samples(&s->codec, fifo->data[2 * pairs], fifo->data[2 * pairs + 1]))
        pairs++;
    uint32_t written = pairs * 2;
    if (!written)
        return;
    fifo->level -= written;
    memmove(fifo->data, fifo->data + written, fifo->level * sizeof fifo->data[0]);
    SR1(s) &= ~TXFF;
    if (fifo->level <= s->fifo_depth / 2)
        SR1(s) |= TXHE;
    if (fifo->level == 0)
        SR1(s) |= TXFE | TXUNDERRUN;
}

static void isr1_update(PL041 *s)
{
    uint32_t isr = ISR1(s) & ~(URINTR | TXINTR | TXCINTR);
    if (SR1(s) & TXUNDERRUN)
        isr |= URINTR;
    if (SR1(s) & TXHE)
        isr |= TXINTR;
    if (!(SR1(s) & TXBUSY) && (SR1(s) & TXFE))
        isr |= TXCINTR;
    ISR1(s) = isr;
    irq_set(&s->irq, (ISR1(s) & IE1(s)) != 0);
}

static uint32_t aaci_read(PL041 *s, uint32_t offset)
{
    if (offset >= AACI_PERIPHID0 && offset <= AACI_PCELLID3) {
        /* Only the exact PERIPHID3 address computes the depth code. */
        if (offset == AACI_PERIPHID3)
            return periphid3(s);
        return pl041_id[(offset - AACI_PERIPHID0) >> 2];
    }
    if (offset > AACI_LAST_REG)
        return 0;
    if (offset == AACI_ALLINTS)
        return ISR1(s) & 0x7f;
    return s->regs[offset >> 2];
}

uint32_t pl041_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(aaci_read(opaque, offset), size);
}

static void set_tx_config(PL041 *s)
{
    static const uint8_t sizes[4] = { 16, 18, 20, 12 };
    s->tx_enabled = (TXCR1(s) & TXEN) != 0;
    s->tx_sample_size = sizes[(TXCR1(s) >> TSIZE_SHIFT) & 3];
    /* Compact mode only packs 12- and 16-bit samples. */
    s->tx_compact_mode = (TXCR1(s) & TXCOMPACT) && s->tx_sample_size != 18
                         && s->tx_sample_size != 20;
}

/* A slot-1 write sends the codec a command: a register write with slot 2's
 * data, or a read whose answer appears at once in slots 1 and 2 RX. */
static void codec_command(PL041 *s)
{
    SLFR(s) &= ~SL1TXEMPTY;
    uint32_t reg = (SL1TX(s) >> 12) & 0x7f;
    if (!(SL1TX(s) & SLOT1_RW)) {
        lm4549_write(&s->codec, reg, (SL2TX(s) >> 4) & 0xffff);
        return;
    }
    SL1RX(s) = SL1TX(s) & ~SLOT1_RW;
    SL2RX(s) = lm4549_read(&s->codec, reg) << 4;
    SLFR(s) &= ~(SL1RXBUSY | SL2RXBUSY);
    SLFR(s) |= SL1RXVALID | SL2RXVALID;
}

void pl041_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL041 *s = opaque;
    (void)size;

    if (offset > AACI_LAST_REG)
        return;
    s->regs[offset >> 2] = value;
    switch (offset) {
    case AACI_TXCR1:
        set_tx_config(s);
        break;
    case AACI_SL1TX:
        codec_command(s);
        break;
    case AACI_SL2TX:
        SLFR(s) &= ~SL2TXEMPTY;
        break;
    case AACI_INTCLR:
        if (INTCLR(s) & TXUEC1)
            SR1(s) &= ~TXUNDERRUN;
        break;
    case AACI_MAINCR:
        if (!(MAINCR(s) & AACIFE))
            pl041_reset(s);
        break;
    default:
        if (offset >= AACI_DR1_0 && offset <= AACI_DR1_3 && !(offset & 3))
            fifo1_write(s, value);
        break;
    }
    fifo1_transmit(s);
    isr1_update(s);
}

int pl041_init(PL041 *s, Bus *bus, uint32_t base, IrqLine irq, uint32_t fifo_depth)
{
    if (fifo_depth > PL041_MAX_FIFO_DEPTH) {
        fprintf(stderr, "emu-arm: pl041: FIFO depth %u exceeds %u\n", fifo_depth,
                PL041_MAX_FIFO_DEPTH);
        return -1;
    }
    *s = (PL041){0};
    s->irq = irq;
    s->fifo_depth = fifo_depth;
    lm4549_init(&s->codec);
    pl041_reset(s);
    return bus_register(bus, base, PL041_SIZE, pl041_read, pl041_write, s, "pl041");
}
