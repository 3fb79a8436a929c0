/*
 * PL181 MMCI with QEMU 7.2's semantics (hw/sd/pl181.c), including its
 * quirks: RespCmd always reads 0, DATAEND/DATABLOCKEND are set whenever the
 * data counter is zero (so after every command), the Interrupt bit of the
 * Command register is ignored, and no CRC or data timeout is ever reported.
 *
 * The optional latency model (Pl181Latency, off by default) is the only
 * addition; with it off, nothing here touches a timer.
 */
#include "hw/pl181.h"
#include "hw/devutil.h"
#include <stdio.h>
#include <stdlib.h>

#define PL181_STATUS_TX_FIFO (PL181_STATUS_TXACTIVE | PL181_STATUS_TXFIFOHALFEMPTY \
                              | PL181_STATUS_TXFIFOFULL | PL181_STATUS_TXFIFOEMPTY \
                              | PL181_STATUS_TXDATAAVLBL)
#define PL181_STATUS_RX_FIFO (PL181_STATUS_RXACTIVE | PL181_STATUS_RXFIFOHALFFULL \
                              | PL181_STATUS_RXFIFOFULL | PL181_STATUS_RXFIFOEMPTY \
                              | PL181_STATUS_RXDATAAVLBL)

#define XFER_BLOCK 512u

static const uint8_t pl181_id[8] = { 0x81, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static bool lat_cmd(const Pl181 *s) { return s->lat.cmd_ns > 0; }
static bool lat_data(const Pl181 *s) { return s->lat.block_ns > 0; }

/* ---- the SD bus (QEMU's sdbus_*: an empty bus answers nothing) ---- */

static int bus_do_command(Pl181 *s, uint8_t cmd, uint32_t arg, uint8_t *response)
{
    return s->card ? sdcard_do_command(s->card, cmd, arg, response) : 0;
}

static bool bus_data_ready(Pl181 *s)
{
    return s->card && sdcard_data_ready(s->card);
}

static bool bus_receive_ready(Pl181 *s)
{
    return s->card && sdcard_receive_ready(s->card);
}

static uint8_t bus_read_byte(Pl181 *s)
{
    return s->card ? sdcard_read_byte(s->card) : 0;
}

static void bus_write_byte(Pl181 *s, uint8_t value)
{
    if (s->card)
        sdcard_write_byte(s->card, value);
}

/* ---- device ---- */

static void pl181_update(Pl181 *s)
{
    for (int i = 0; i < 2; i++)
        irq_set(&s->irq[i], (s->status & s->mask[i]) != 0);
}

static void pl181_fifo_push(Pl181 *s, uint32_t value)
{
    if (s->fifo_len == PL181_FIFO_LEN) {
        fprintf(stderr, "emu-arm: pl181_fifo_push: FIFO overflow\n");
        return;
    }
    int n = (s->fifo_pos + s->fifo_len) & (PL181_FIFO_LEN - 1);
    s->fifo_len++;
    s->fifo[n] = value;
}

static uint32_t pl181_fifo_pop(Pl181 *s)
{
    if (s->fifo_len == 0) {
        fprintf(stderr, "emu-arm: pl181_fifo_pop: FIFO underflow\n");
        return 0;
    }
    uint32_t value = s->fifo[s->fifo_pos];
    s->fifo_len--;
    s->fifo_pos = (s->fifo_pos + 1) & (PL181_FIFO_LEN - 1);
    return value;
}

static void pl181_do_command(Pl181 *s, uint32_t cmd, uint32_t arg)
{
    uint8_t r[16];
    int rlen = bus_do_command(s, (uint8_t)(cmd & PL181_CMD_INDEX), arg, r);

    if (cmd & PL181_CMD_RESPONSE) {
        if (rlen == 0 || (rlen == 4 && (cmd & PL181_CMD_LONGRESP)) ||
            (rlen != 4 && rlen != 16)) {
            s->status |= PL181_STATUS_CMDTIMEOUT;
            return;
        }
#define RWORD(n) (((uint32_t)r[n] << 24) | ((uint32_t)r[n + 1] << 16) \
                  | ((uint32_t)r[n + 2] << 8) | r[n + 3])
        s->response[0] = RWORD(0);
        if (rlen == 4) {
            s->response[1] = s->response[2] = s->response[3] = 0;
        } else {
            s->response[1] = RWORD(4);
            s->response[2] = RWORD(8);
            s->response[3] = RWORD(12) & ~1u;
        }
#undef RWORD
        s->status |= PL181_STATUS_CMDRESPEND;
    } else {
        s->status |= PL181_STATUS_CMDSENT;
    }
}

/* Latency model: the card-side data clock. Starts when the data path and
 * the card are both ready, then credits 512 bytes every block_ns. */
static void pl181_xfer_stop(Pl181 *s)
{
    s->xfer_active = false;
    s->xfer_credit = 0;
    timer_del(&s->data_timer);
}

static void pl181_xfer_start(Pl181 *s)
{
    s->xfer_active = true;
    s->xfer_total = s->datacnt;
    s->xfer_granted = 0;
    s->xfer_credit = 0;
    timer_mod(&s->data_timer, timerlist_now(s->vt) + s->lat.block_ns);
}

/* May bytes move between the card and the FIFO now? With the data latency
 * on, only while credit lasts. (Credit comes in multiples of 512 from the
 * start of the transfer, so it never runs out inside a FIFO word; the loops
 * below finish a word anyway.) */
static bool xfer_may_move(const Pl181 *s)
{
    return !lat_data(s) || s->xfer_credit > 0;
}

static void xfer_moved(Pl181 *s)
{
    if (lat_data(s) && s->xfer_credit)
        s->xfer_credit--;
}

/* Transfer data between the card and the FIFO. The FIFO holds 32-bit words,
 * the card takes bytes; FIFO bytes are in little-endian order. */
static void pl181_fifo_run(Pl181 *s)
{
    uint32_t bits, value = 0;
    int n;
    bool is_read = (s->datactrl & PL181_DATA_DIRECTION) != 0;
    /* QEMU never checks the card before writing; the latency model holds
     * writes until the card is receiving, and all data while a command is
     * still in flight. */
    bool card_ready = is_read ? bus_data_ready(s)
                              : (!lat_data(s) || bus_receive_ready(s));

    if (s->datacnt != 0 && card_ready && !s->linux_hack && !s->cmd_pending) {
        if (lat_data(s) && !s->xfer_active)
            pl181_xfer_start(s);
        if (is_read) {
            n = 0;
            while (s->datacnt && s->fifo_len < PL181_FIFO_LEN && (n || xfer_may_move(s))) {
                value |= (uint32_t)bus_read_byte(s) << (n * 8);
                s->datacnt--;
                xfer_moved(s);
                n++;
                if (n == 4) {
                    pl181_fifo_push(s, value);
                    n = 0;
                    value = 0;
                }
            }
            if (n != 0)
                pl181_fifo_push(s, value);
        } else {
            n = 0;
            while (s->datacnt > 0 && (s->fifo_len > 0 || n > 0) && (n || xfer_may_move(s))) {
                if (n == 0) {
                    value = pl181_fifo_pop(s);
                    n = 4;
                }
                n--;
                s->datacnt--;
                xfer_moved(s);
                bus_write_byte(s, value & 0xff);
                value >>= 8;
            }
        }
    }
    s->status &= ~(PL181_STATUS_RX_FIFO | PL181_STATUS_TX_FIFO);
    if (s->datacnt == 0) {
        s->status |= PL181_STATUS_DATAEND;
        /* QEMU's HACK: */
        s->status |= PL181_STATUS_DATABLOCKEND;
        if (s->xfer_active)
            pl181_xfer_stop(s);
    }
    if (s->datacnt == 0 && s->fifo_len == 0) {
        s->datactrl &= ~PL181_DATA_ENABLE;
    } else {
        /* Update FIFO bits. */
        bits = PL181_STATUS_TXACTIVE | PL181_STATUS_RXACTIVE;
        if (s->fifo_len == 0) {
            bits |= PL181_STATUS_TXFIFOEMPTY;
            bits |= PL181_STATUS_RXFIFOEMPTY;
        } else {
            bits |= PL181_STATUS_TXDATAAVLBL;
            bits |= PL181_STATUS_RXDATAAVLBL;
        }
        if (s->fifo_len == 16) {
            bits |= PL181_STATUS_TXFIFOFULL;
            bits |= PL181_STATUS_RXFIFOFULL;
        }
        if (s->fifo_len <= 8)
            bits |= PL181_STATUS_TXFIFOHALFEMPTY;
        if (s->fifo_len >= 8)
            bits |= PL181_STATUS_RXFIFOHALFFULL;
        if (s->datactrl & PL181_DATA_DIRECTION)
            bits &= PL181_STATUS_RX_FIFO;
        else
            bits &= PL181_STATUS_TX_FIFO;
        s->status |= bits;
    }
}

static void pl181_cmd_complete(Pl181 *s)
{
    s->cmd_pending = false;
    s->status &= ~PL181_STATUS_CMDACTIVE;
    timer_del(&s->cmd_timer);
    pl181_do_command(s, s->pend_cmd, s->pend_arg);
    pl181_fifo_run(s);
}

static void pl181_cmd_timer_cb(void *opaque)
{
    Pl181 *s = opaque;
    pl181_cmd_complete(s);
    pl181_update(s);
}

static void pl181_data_timer_cb(void *opaque)
{
    Pl181 *s = opaque;
    uint32_t left = s->xfer_total - s->xfer_granted;
    uint32_t grant = left < XFER_BLOCK ? left : XFER_BLOCK;

    s->xfer_granted += grant;
    s->xfer_credit += grant;
    if (s->xfer_granted < s->xfer_total)
        timer_mod(&s->data_timer, s->data_timer.expire_ns + s->lat.block_ns);
    pl181_fifo_run(s);
    pl181_update(s);
}

/* Status and FifoCnt reads end the linux_hack hold-off. */
static void pl181_end_linux_hack(Pl181 *s)
{
    if (s->linux_hack) {
        s->linux_hack = 0;
        pl181_fifo_run(s);
        pl181_update(s);
    }
}

static uint32_t pl181_read_reg(Pl181 *s, uint32_t offset)
{
    uint32_t tmp;

    if (offset >= 0xfe0 && offset < 0x1000)
        return pl181_id[(offset - 0xfe0) >> 2];
    switch (offset) {
    case PL181_POWER:
        return s->power;
    case PL181_CLOCK:
        return s->clock;
    case PL181_ARGUMENT:
        return s->cmdarg;
    case PL181_COMMAND:
        return s->cmd;
    case PL181_RESPCMD:
        return s->respcmd;
    case PL181_RESPONSE0:
        return s->response[0];
    case PL181_RESPONSE1:
        return s->response[1];
    case PL181_RESPONSE2:
        return s->response[2];
    case PL181_RESPONSE3:
        return s->response[3];
    case PL181_DATATIMER:
        return s->datatimer;
    case PL181_DATALENGTH:
        return s->datalength;
    case PL181_DATACTRL:
        return s->datactrl;
    case PL181_DATACNT:
        return s->datacnt;
    case PL181_STATUS:
        tmp = s->status;
        pl181_end_linux_hack(s);
        return tmp;
    case PL181_MASK0:
        return s->mask[0];
    case PL181_MASK1:
        return s->mask[1];
    case PL181_FIFOCNT:
        /* QEMU: the same as DataCnt, in words. */
        tmp = (s->datacnt + 3) >> 2;
        pl181_end_linux_hack(s);
        return tmp;
    case 0x80: case 0x84: case 0x88: case 0x8c:     /* FifoData */
    case 0x90: case 0x94: case 0x98: case 0x9c:
    case 0xa0: case 0xa4: case 0xa8: case 0xac:
    case 0xb0: case 0xb4: case 0xb8: case 0xbc:
        if (s->fifo_len == 0)
            return 0;       /* unexpected FIFO read */
        tmp = pl181_fifo_pop(s);
        s->linux_hack = 1;
        pl181_fifo_run(s);
        pl181_update(s);
        return tmp;
    default:
        return 0;           /* bad offset */
    }
}

uint32_t pl181_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(pl181_read_reg(opaque, offset), size);
}

void pl181_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    Pl181 *s = opaque;
    (void)size;

    switch (offset) {
    case PL181_POWER:
        s->power = value & 0xff;
        break;
    case PL181_CLOCK:
        s->clock = value & 0xff;
        break;
    case PL181_ARGUMENT:
        s->cmdarg = value;
        break;
    case PL181_COMMAND:
        s->cmd = value;
        if (s->cmd & PL181_CMD_ENABLE) {
            /* Interrupt mode is not implemented (and, as in QEMU, does not
             * stop the command); pending mode drops the command. */
            if (!(s->cmd & PL181_CMD_PENDING)) {
                if (lat_cmd(s)) {
                    if (s->cmd_pending)
                        pl181_cmd_complete(s);      /* finish the older one first */
                    s->pend_cmd = s->cmd;
                    s->pend_arg = s->cmdarg;
                    s->cmd_pending = true;
                    s->status |= PL181_STATUS_CMDACTIVE;
                    timer_mod(&s->cmd_timer, timerlist_now(s->vt) + s->lat.cmd_ns);
                } else {
                    pl181_do_command(s, s->cmd, s->cmdarg);
                    pl181_fifo_run(s);
                }
            }
            /* The command has completed one way or the other. */
            s->cmd &= ~PL181_CMD_ENABLE;
        }
        break;
    case PL181_DATATIMER:
        s->datatimer = value;
        break;
    case PL181_DATALENGTH:
        s->datalength = value & 0xffff;
        break;
    case PL181_DATACTRL:
        s->datactrl = value & 0xff;
        if (value & PL181_DATA_ENABLE) {
            s->datacnt = s->datalength;
            if (s->xfer_active)
                pl181_xfer_stop(s);
            pl181_fifo_run(s);
        }
        break;
    case PL181_CLEAR:
        s->status &= ~(value & 0x7ff);
        break;
    case PL181_MASK0:
        s->mask[0] = value;
        break;
    case PL181_MASK1:
        s->mask[1] = value;
        break;
    case 0x80: case 0x84: case 0x88: case 0x8c:     /* FifoData */
    case 0x90: case 0x94: case 0x98: case 0x9c:
    case 0xa0: case 0xa4: case 0xa8: case 0xac:
    case 0xb0: case 0xb4: case 0xb8: case 0xbc:
        if (s->datacnt != 0) {  /* else: unexpected FIFO write, dropped */
            pl181_fifo_push(s, value);
            pl181_fifo_run(s);
        }
        break;
    default:
        break;                  /* bad offset */
    }
    pl181_update(s);
}

void pl181_reset(Pl181 *s)
{
    s->power = 0;
    s->cmdarg = 0;
    s->cmd = 0;
    s->datatimer = 0;
    s->datalength = 0;
    s->respcmd = 0;
    s->response[0] = s->response[1] = s->response[2] = s->response[3] = 0;
    s->datactrl = 0;
    s->datacnt = 0;
    s->status = 0;
    s->linux_hack = 0;
    s->mask[0] = 0;
    s->mask[1] = 0;
    s->cmd_pending = false;
    timer_del(&s->cmd_timer);
    pl181_xfer_stop(s);
}

void pl181_set_latency(Pl181 *s, const Pl181Latency *lat)
{
    Pl181Latency off = { 0, 0 };
    s->lat = lat ? *lat : off;
    if (s->lat.cmd_ns < 0)
        s->lat.cmd_ns = 0;
    if (s->lat.block_ns < 0)
        s->lat.block_ns = 0;
}

Pl181 *pl181_create(Bus *bus, uint32_t base, TimerList *vt, IrqLine irq0,
                    IrqLine irq1, SdCard *card_or_NULL)
{
    Pl181 *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "emu-arm: out of memory\n");
        return NULL;
    }
    s->irq[0] = irq0;
    s->irq[1] = irq1;
    s->card = card_or_NULL;
    s->vt = vt;
    timer_init(&s->cmd_timer, vt, pl181_cmd_timer_cb, s);
    timer_init(&s->data_timer, vt, pl181_data_timer_cb, s);
    pl181_reset(s);
    if (bus_register(bus, base, PL181_SIZE, pl181_read, pl181_write, s, "pl181") < 0) {
        free(s);
        return NULL;
    }
    return s;
}

void pl181_destroy(Pl181 *s)
{
    if (!s)
        return;
    timer_del(&s->cmd_timer);
    timer_del(&s->data_timer);
    free(s);
}
