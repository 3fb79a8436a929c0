/* SD card driver for the PL181 MMCI0: see mmci.h. */
#include "mmci.h"

#include "rt.h"

/* PL181 registers */
#define MMCI_POWER      0x00
#define MMCI_CLOCK      0x04
#define MMCI_ARGUMENT   0x08
#define MMCI_COMMAND    0x0c
#define MMCI_RESPONSE0  0x14
#define MMCI_DATATIMER  0x24
#define MMCI_DATALENGTH 0x28
#define MMCI_DATACTRL   0x2c
#define MMCI_STATUS     0x34
#define MMCI_CLEAR      0x38
#define MMCI_MASK0      0x3c
#define MMCI_MASK1      0x40
#define MMCI_FIFO       0x80

#define CMD_RESPONSE    (1u << 6)
#define CMD_LONGRESP    (1u << 7)
#define CMD_ENABLE      (1u << 10)

#define DATA_ENABLE     (1u << 0)
#define DATA_READ       (1u << 1)
#define DATA_BLKSZ_512  (9u << 4)

#define ST_CMDCRCFAIL      (1u << 0)
#define ST_DATACRCFAIL     (1u << 1)
#define ST_CMDTIMEOUT      (1u << 2)
#define ST_DATATIMEOUT     (1u << 3)
#define ST_TXUNDERRUN      (1u << 4)
#define ST_RXOVERRUN       (1u << 5)
#define ST_CMDRESPEND      (1u << 6)
#define ST_CMDSENT         (1u << 7)
#define ST_DATAEND         (1u << 8)
#define ST_TXACTIVE        (1u << 12)
#define ST_TXFIFOHALFEMPTY (1u << 14)
#define ST_RXFIFOHALFFULL  (1u << 15)
#define ST_TXFIFOFULL      (1u << 16)
#define ST_RXFIFOFULL      (1u << 17)
#define ST_TXFIFOEMPTY     (1u << 18)
#define ST_RXDATAAVLBL     (1u << 21)
#define ST_CLEARABLE       0x7ffu

#define ST_CMD_DONE  (ST_CMDCRCFAIL | ST_CMDTIMEOUT | ST_CMDRESPEND | ST_CMDSENT)
#define ST_DATA_ERR  (ST_DATACRCFAIL | ST_DATATIMEOUT | ST_TXUNDERRUN | ST_RXOVERRUN)

#define SIC_STATUS 0x00
#define SIC_ENSET  0x08

/* polling budget: Status reads without progress before giving up */
#define POLL_LIMIT 2000000u

/* DataLength is 16 bits: at most 64 blocks per data phase */
#define CHUNK_BLOCKS 64u

#define REG(c, off) REG32((c)->base + (off))

/* ---- interrupt-driven completion ---- */
enum { PH_IDLE, PH_CMD, PH_RX, PH_TX, PH_TXEND };

static mmci_card *irq_card;
static volatile int irq_phase;
static volatile uint32_t irq_done;
static volatile uint32_t irq_status;
static uint32_t *volatile xfer_ptr;
static volatile uint32_t xfer_left;

/* Words the RX FIFO holds at least, from Status. */
static uint32_t rx_ready(uint32_t st)
{
    if (st & ST_RXFIFOFULL)
        return 16;
    if (st & ST_RXFIFOHALFFULL)
        return 8;
    return (st & ST_RXDATAAVLBL) ? 1 : 0;
}

/* Words the TX FIFO has room for at least, from Status. */
static uint32_t tx_room(uint32_t st)
{
    if (!(st & ST_TXACTIVE))
        return 0;
    if (st & ST_TXFIFOEMPTY)
        return 16;
    if (st & ST_TXFIFOHALFEMPTY)
        return 8;
    return (st & ST_TXFIFOFULL) ? 0 : 1;
}

/* Moves what Status allows; returns words moved. */
static uint32_t rx_move(mmci_card *c, uint32_t st, uint32_t *p, uint32_t left)
{
    uint32_t n = rx_ready(st);
    if (n > left)
        n = left;
    for (uint32_t i = 0; i < n; i++)
        p[i] = REG(c, MMCI_FIFO);
    return n;
}

static uint32_t tx_move(mmci_card *c, uint32_t st, const uint32_t *p, uint32_t left)
{
    uint32_t n = tx_room(st);
    if (n > left)
        n = left;
    for (uint32_t i = 0; i < n; i++)
        REG(c, MMCI_FIFO) = p[i];
    return n;
}

static void irq_finish(mmci_card *c, uint32_t st)
{
    REG(c, MMCI_MASK0) = 0;
    irq_status = st;
    irq_phase = PH_IDLE;
    irq_done = 1;
}

static void mmci_isr(mmci_card *c)
{
    uint32_t st = REG(c, MMCI_STATUS);
    c->irqs++;
    switch (irq_phase) {
    case PH_CMD:
        if (st & ST_CMD_DONE)
            irq_finish(c, st);
        break;
    case PH_RX: {
        /* A Status read that follows FIFO reads may show the FIFO before it
         * was refilled (QEMU's PL181 refills only once Status is read), so
         * only two empty looks in a row end the handler. */
        int empty = 0;
        for (;;) {
            if (st & ST_DATA_ERR) {
                irq_finish(c, st);
                return;
            }
            uint32_t n = rx_move(c, st, xfer_ptr, xfer_left);
            xfer_ptr += n;
            xfer_left -= n;
            if (!xfer_left) {
                irq_finish(c, st);
                return;
            }
            if (n)
                empty = 0;
            else if (++empty == 2)
                break;          /* wait for the next interrupt */
            st = REG(c, MMCI_STATUS);
        }
        break;
    }
    case PH_TX:
        for (;;) {
            if (st & ST_DATA_ERR) {
                irq_finish(c, st);
                return;
            }
            uint32_t n = tx_move(c, st, xfer_ptr, xfer_left);
            xfer_ptr += n;
            xfer_left -= n;
            if (!xfer_left) {
                /* all pushed: now wait for DATAEND (the card has it all) */
                irq_phase = PH_TXEND;
                REG(c, MMCI_MASK0) = ST_DATAEND | ST_DATA_ERR;
                return;
            }
            if (!n)
                break;
            st = REG(c, MMCI_STATUS);
        }
        break;
    case PH_TXEND:
        if (st & (ST_DATAEND | ST_DATA_ERR))
            irq_finish(c, st);
        break;
    default:                    /* not expecting anything: silence it */
        REG(c, MMCI_MASK0) = 0;
        break;
    }
}

/* VIC line 31: the SIC's output */
static void sic_isr(void)
{
    uint32_t st = REG32(SIC_BASE + SIC_STATUS);
    if ((st & (1u << SIC_LINE_MMCI0)) && irq_card)
        mmci_isr(irq_card);
    else
        rt_spurious_irqs++;
}

/* Sleeps until the ISR reports completion (race-free: test with IRQs
 * masked, WFI wakes on the pending interrupt, unmask to take it). */
static void irq_wait(void)
{
    for (;;) {
        rt_irq_disable();
        if (irq_done)
            break;
        rt_wfi();
        rt_irq_enable();
    }
    rt_irq_enable();
}

/* ---- commands ---- */

/* Sends a command; returns the Status bits that ended it. */
static uint32_t send_cmd(mmci_card *c, uint32_t idx, uint32_t arg, uint32_t flags)
{
    uint32_t st;
    c->cmds++;
    REG(c, MMCI_CLEAR) = ST_CLEARABLE;
    REG(c, MMCI_ARGUMENT) = arg;
    if (c->use_irq) {
        irq_done = 0;
        irq_phase = PH_CMD;
        REG(c, MMCI_MASK0) = ST_CMD_DONE;
        REG(c, MMCI_COMMAND) = idx | flags | CMD_ENABLE;
        irq_wait();
        st = irq_status;
    } else {
        REG(c, MMCI_COMMAND) = idx | flags | CMD_ENABLE;
        uint32_t polls = 0;
        do {
            st = REG(c, MMCI_STATUS);
            polls++;
        } while (!(st & ST_CMD_DONE) && polls < POLL_LIMIT);
        c->status_polls += polls;
    }
    return st;
}

static int fail(mmci_card *c, int err, uint32_t idx, uint32_t arg, uint32_t st, uint32_t r1)
{
    c->err_cmd = idx;
    c->err_arg = arg;
    c->err_status = st;
    c->err_r1 = r1;
    return err;
}

/* Command with a short response; R1 error bits checked when check_r1. */
static int cmd_short(mmci_card *c, uint32_t idx, uint32_t arg, uint32_t *resp, int check_r1)
{
    uint32_t st = send_cmd(c, idx, arg, CMD_RESPONSE);
    if (!(st & ST_CMDRESPEND) || (st & ST_CMDCRCFAIL))
        return fail(c, (st & ST_CMD_DONE) ? MMCI_ETIMEOUT : MMCI_ESTALL, idx, arg, st, 0);
    uint32_t r = REG(c, MMCI_RESPONSE0);
    if (resp)
        *resp = r;
    if (check_r1 && (r & R1_ERRORS))
        return fail(c, MMCI_ECARD, idx, arg, st, r);
    return MMCI_OK;
}

static int cmd_long(mmci_card *c, uint32_t idx, uint32_t arg, uint32_t out[4])
{
    uint32_t st = send_cmd(c, idx, arg, CMD_RESPONSE | CMD_LONGRESP);
    if (!(st & ST_CMDRESPEND))
        return fail(c, MMCI_ETIMEOUT, idx, arg, st, 0);
    for (int i = 0; i < 4; i++)
        out[i] = REG(c, MMCI_RESPONSE0 + 4 * (uint32_t)i);
    return MMCI_OK;
}

int mmci_send_status(mmci_card *c, uint32_t *r1)
{
    return cmd_short(c, 13, (uint32_t)c->rca << 16, r1, 1);
}

/* CSD bits [start+size-1 : start], csd[0] holding bits 127..96. */
static uint32_t csd_bits(const uint32_t csd[4], unsigned start, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned b = start + i;
        v |= ((csd[3 - b / 32] >> (b % 32)) & 1u) << i;
    }
    return v;
}

int mmci_init(mmci_card *c, int use_irq)
{
    uint32_t r;
    int e;

    c->base = MMCI0_BASE;
    c->use_irq = use_irq;
    c->rca = 0;
    c->cmds = c->irqs = c->status_polls = 0;
    c->err_cmd = c->err_arg = c->err_status = c->err_r1 = 0;

    REG(c, MMCI_MASK0) = 0;
    REG(c, MMCI_MASK1) = 0;
    REG(c, MMCI_CLEAR) = ST_CLEARABLE;
    REG(c, MMCI_POWER) = 0x02;          /* power up */
    REG(c, MMCI_POWER) = 0x03;          /* power on */
    REG(c, MMCI_CLOCK) = 0x100 | 0x3f;  /* enable, slow identification clock */
    REG(c, MMCI_DATATIMER) = 0xffffffffu;
    if (use_irq) {
        irq_card = c;
        irq_phase = PH_IDLE;
        rt_irq_set_handler(VIC_LINE_SIC, sic_isr);
        REG32(SIC_BASE + SIC_ENSET) = 1u << SIC_LINE_MMCI0;
        rt_vic_enable(VIC_LINE_SIC);
        rt_irq_enable();
    }

    send_cmd(c, 0, 0, 0);               /* GO_IDLE_STATE, no response */
    /* SEND_IF_COND: 2.7-3.6 V, check pattern 0xaa */
    e = cmd_short(c, 8, 0x1aa, &r, 0);
    int v2 = e == MMCI_OK && (r & 0xfff) == 0x1aa;
    /* ACMD41 until powered up: HCS if v2, full voltage window */
    uint32_t tries;
    for (tries = 0; tries < 1000; tries++) {
        e = cmd_short(c, 55, 0, &r, 0);
        if (e)
            return e == MMCI_ETIMEOUT ? fail(c, MMCI_ENOCARD, 55, 0, c->err_status, 0) : e;
        uint32_t arg = (v2 ? 0x40000000u : 0) | 0x00ff8000u;
        e = cmd_short(c, 41, arg, &r, 0);
        if (e)
            return e;
        if (r & 0x80000000u)
            break;
    }
    if (tries == 1000)
        return fail(c, MMCI_ESTATE, 41, 0, 0, r);
    c->ocr = r;
    c->high_capacity = (r >> 30) & 1;
    if ((e = cmd_long(c, 2, 0, c->cid)))        /* ALL_SEND_CID */
        return e;
    if ((e = cmd_short(c, 3, 0, &r, 0)))        /* SEND_RELATIVE_ADDR (R6) */
        return e;
    c->rca = (uint16_t)(r >> 16);
    if ((e = cmd_long(c, 9, (uint32_t)c->rca << 16, c->csd)))   /* SEND_CSD */
        return e;
    if (csd_bits(c->csd, 126, 2) == 0) {
        uint32_t bl = csd_bits(c->csd, 80, 4), cs = csd_bits(c->csd, 62, 12),
                 mult = csd_bits(c->csd, 47, 3);
        c->nblocks = ((cs + 1) << (mult + 2)) << (bl - 9);
    } else {
        c->nblocks = (csd_bits(c->csd, 48, 22) + 1) * 1024;
    }
    if ((e = cmd_short(c, 7, (uint32_t)c->rca << 16, &r, 1)))  /* SELECT_CARD */
        return e;
    if ((e = cmd_short(c, 16, MMCI_BLOCK, &r, 1)))             /* SET_BLOCKLEN */
        return e;
    if ((e = mmci_send_status(c, &r)))
        return e;
    if (R1_STATE(r) != R1_STATE_TRAN)
        return fail(c, MMCI_ESTATE, 13, (uint32_t)c->rca << 16, 0, r);
    REG(c, MMCI_CLOCK) = 0x100 | 0x01;  /* transfer clock */
    return MMCI_OK;
}

/* ---- data ---- */

static int data_phase(mmci_card *c, uint32_t *buf, uint32_t words, int is_read)
{
    uint32_t st;
    /* A read of Status releases QEMU's FIFO hold-off ("linux_hack": after a
     * FIFO read no data moves until Status or FifoCnt is read). Without it
     * the second data phase of a long CMD18, enabled right after the last
     * FIFO read of the first, would never see data, and with interrupts
     * nothing would ever read Status again. */
    (void)REG(c, MMCI_STATUS);
    REG(c, MMCI_CLEAR) = ST_CLEARABLE;  /* QEMU leaves DATAEND set after commands */
    REG(c, MMCI_DATALENGTH) = words * 4;
    uint32_t ctrl = DATA_ENABLE | DATA_BLKSZ_512 | (is_read ? DATA_READ : 0);
    if (c->use_irq) {
        xfer_ptr = buf;
        xfer_left = words;
        irq_done = 0;
        irq_phase = is_read ? PH_RX : PH_TX;
        REG(c, MMCI_MASK0) = (is_read ? ST_RXDATAAVLBL : ST_TXFIFOHALFEMPTY) | ST_DATA_ERR;
        REG(c, MMCI_DATACTRL) = ctrl;
        irq_wait();
        st = irq_status;
        if (st & ST_DATA_ERR)
            return fail(c, MMCI_EDATA, 0, 0, st, 0);
        return MMCI_OK;
    }
    REG(c, MMCI_DATACTRL) = ctrl;
    uint32_t idle = 0;
    while (words) {
        st = REG(c, MMCI_STATUS);
        c->status_polls++;
        if (st & ST_DATA_ERR)
            return fail(c, MMCI_EDATA, 0, 0, st, 0);
        uint32_t n = is_read ? rx_move(c, st, buf, words) : tx_move(c, st, buf, words);
        if (!n) {
            if (++idle >= POLL_LIMIT)
                return fail(c, MMCI_ESTALL, 0, 0, st, 0);
            continue;
        }
        idle = 0;
        buf += n;
        words -= n;
    }
    if (!is_read) {             /* the card has taken the data at DATAEND */
        idle = 0;
        do {
            st = REG(c, MMCI_STATUS);
            c->status_polls++;
            if (st & ST_DATA_ERR)
                return fail(c, MMCI_EDATA, 0, 0, st, 0);
        } while (!(st & ST_DATAEND) && ++idle < POLL_LIMIT);
        if (!(st & ST_DATAEND))
            return fail(c, MMCI_ESTALL, 0, 0, st, 0);
    }
    return MMCI_OK;
}

static uint32_t addr_arg(const mmci_card *c, uint32_t lba)
{
    return c->high_capacity ? lba : lba * MMCI_BLOCK;
}

/* Multi-block data: phases of up to CHUNK_BLOCKS blocks, then STOP. */
static int multi(mmci_card *c, uint32_t lba, uint32_t count, uint32_t *buf, int is_read)
{
    uint32_t r1, arg = addr_arg(c, lba), idx = is_read ? 18 : 25;
    int e = cmd_short(c, idx, arg, &r1, 1);
    if (e)
        return e;
    while (count) {
        uint32_t n = count < CHUNK_BLOCKS ? count : CHUNK_BLOCKS;
        e = data_phase(c, buf, n * (MMCI_BLOCK / 4), is_read);
        if (e) {
            c->err_cmd = idx;
            c->err_arg = arg;
            return e;
        }
        buf += n * (MMCI_BLOCK / 4);
        count -= n;
    }
    /* STOP_TRANSMISSION; its R1 reports errors met during the transfer,
     * e.g. ADDRESS_ERROR when it ran past the end of the card */
    return cmd_short(c, 12, 0, &r1, 1);
}

static int single(mmci_card *c, uint32_t lba, uint32_t *buf, int is_read)
{
    uint32_t r1, arg = addr_arg(c, lba), idx = is_read ? 17 : 24;
    int e = cmd_short(c, idx, arg, &r1, 1);
    if (e)
        return e;
    e = data_phase(c, buf, MMCI_BLOCK / 4, is_read);
    if (e) {
        c->err_cmd = idx;
        c->err_arg = arg;
    }
    return e;
}

/* After a write: SEND_STATUS until the card is back in tran and ready. */
static int wait_tran(mmci_card *c)
{
    uint32_t r1 = 0;
    for (int i = 0; i < 1000; i++) {
        int e = mmci_send_status(c, &r1);
        if (e)
            return e;
        if (R1_STATE(r1) == R1_STATE_TRAN && (r1 & R1_READY_FOR_DATA))
            return MMCI_OK;
    }
    return fail(c, MMCI_ESTATE, 13, (uint32_t)c->rca << 16, 0, r1);
}

int mmci_read(mmci_card *c, uint32_t lba, uint32_t count, void *buf, int use_multi)
{
    uint32_t *p = buf;
    if (use_multi && count > 1)
        return multi(c, lba, count, p, 1);
    for (uint32_t i = 0; i < count; i++) {
        int e = single(c, lba + i, p + i * (MMCI_BLOCK / 4), 1);
        if (e)
            return e;
    }
    return MMCI_OK;
}

int mmci_write(mmci_card *c, uint32_t lba, uint32_t count, const void *buf, int use_multi)
{
    uint32_t *p = (uint32_t *)(uintptr_t)buf;
    int e;
    if (use_multi && count > 1) {
        e = multi(c, lba, count, p, 0);
        return e ? e : wait_tran(c);
    }
    for (uint32_t i = 0; i < count; i++) {
        e = single(c, lba + i, p + i * (MMCI_BLOCK / 4), 0);
        if (!e)
            e = wait_tran(c);
        if (e)
            return e;
    }
    return MMCI_OK;
}

const char *mmci_strerror(int err)
{
    switch (err) {
    case MMCI_OK: return "ok";
    case MMCI_ETIMEOUT: return "ETIMEOUT";
    case MMCI_ECARD: return "ECARD";
    case MMCI_ESTATE: return "ESTATE";
    case MMCI_EDATA: return "EDATA";
    case MMCI_ESTALL: return "ESTALL";
    case MMCI_ENOCARD: return "ENOCARD";
    default: return "E?";
    }
}

void mmci_describe_error(const mmci_card *c, int err)
{
    rt_printf("sd error: %s cmd=%u arg=0x%08x status=0x%08x r1=0x%08x", mmci_strerror(err),
              c->err_cmd, c->err_arg, c->err_status, c->err_r1);
    if (c->err_r1 & R1_OUT_OF_RANGE)
        rt_puts(" OUT_OF_RANGE");
    if (c->err_r1 & R1_ADDRESS_ERROR)
        rt_puts(" ADDRESS_ERROR");
    if (c->err_r1 & R1_BLOCK_LEN_ERROR)
        rt_puts(" BLOCK_LEN_ERROR");
    if (c->err_r1 & R1_WP_VIOLATION)
        rt_puts(" WP_VIOLATION");
    if (c->err_r1 & R1_ILLEGAL_COMMAND)
        rt_puts(" ILLEGAL_COMMAND");
}
