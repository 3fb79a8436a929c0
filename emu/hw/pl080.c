/* PL080 DMA with QEMU 7.2's semantics (see pl080.h). */
#include "hw/pl080.h"
#include "hw/devutil.h"
#include "hw/dma_access.h"
#include <stdio.h>
#include <stdlib.h>

#define DMAC_CONF_E     0x1

#define CCONF_H         0x40000     /* halt */
#define CCONF_ITC       0x08000     /* terminal count interrupt mask */
#define CCONF_IE        0x04000     /* error interrupt mask */
#define CCONF_E         0x00001     /* channel enable */

#define CCTRL_I         0x80000000u /* terminal count interrupt */
#define CCTRL_DI        0x08000000u /* destination increment */
#define CCTRL_SI        0x04000000u /* source increment */

#define CHAN_START      0x100
#define CHAN_END        0x200
#define ID_START        0xfe0

static const uint8_t pl080_id[8] = { 0x80, 0x10, 0x04, 0x0a, 0x0d, 0xf0, 0x05, 0xb1 };

static void pl080_update(PL080 *s)
{
    int level = (s->tc_int & s->tc_mask) || (s->err_int & s->err_mask);
    irq_set(&s->irq, level);
}

static bool channel_requested(const PL080 *s, const Pl080Channel *ch)
{
    int flow = (ch->conf >> 11) & 7;
    uint32_t src_req = 1u << ((ch->conf >> 1) & 0x1f);
    uint32_t dest_req = 1u << ((ch->conf >> 6) & 0x1f);
    uint32_t req = s->req_single | s->req_burst;
    switch (flow) {
    case 1:     /* memory to peripheral */
        return req & dest_req;
    case 2:     /* peripheral to memory */
        return req & src_req;
    case 3:     /* peripheral to peripheral */
        return (req & src_req) && (req & dest_req);
    default:    /* memory to memory */
        return true;
    }
}

/* One element: read source-width units until a destination unit is full,
 * then write. Mixed widths advance the addresses the way QEMU does (the
 * destination steps by the source width). Widths above 4 bytes are reserved
 * encodings; they are carried out byte-exactly rather than refused. */
static void transfer_element(PL080 *s, Pl080Channel *ch)
{
    uint8_t buf[256];
    uint32_t swidth = 1u << ((ch->ctrl >> 18) & 7);
    uint32_t dwidth = 1u << ((ch->ctrl >> 21) & 7);
    for (uint32_t n = 0; n < dwidth; n += swidth) {
        dma_read(s->bus, ch->src, buf + n, swidth);
        if (ch->ctrl & CCTRL_SI)
            ch->src += swidth;
    }
    uint32_t xsize = dwidth < swidth ? swidth : dwidth;
    for (uint32_t n = 0; n < xsize; n += dwidth) {
        dma_write(s->bus, ch->dest + n, buf + n, dwidth);
        if (ch->ctrl & CCTRL_DI)
            ch->dest += swidth;
    }
}

static void load_next_lli(PL080 *s, Pl080Channel *ch)
{
    uint32_t lli = ch->lli;
    ch->src = dma_ldl_le(s->bus, lli);
    ch->dest = dma_ldl_le(s->bus, lli + 4);
    ch->ctrl = dma_ldl_le(s->bus, lli + 12);
    ch->lli = dma_ldl_le(s->bus, lli + 8);
}

/* Runs every enabled channel until it has nothing left to do. */
static void pl080_run(PL080 *s)
{
    s->tc_mask = 0;
    for (int c = 0; c < PL080_NUM_CHANNELS; c++) {
        if (s->chan[c].conf & CCONF_ITC)
            s->tc_mask |= (uint8_t)(1u << c);
        if (s->chan[c].conf & CCONF_IE)
            s->err_mask |= (uint8_t)(1u << c);
    }
    if (!(s->conf & DMAC_CONF_E))
        return;
    /* A transfer that writes our own registers must not recurse: note that
     * there may be new work and let the outer loop pick it up. */
    if (s->running) {
        s->running++;
        return;
    }
    s->running = 1;
    while (s->running) {
        for (int c = 0; c < PL080_NUM_CHANNELS; c++) {
            Pl080Channel *ch = &s->chan[c];
            for (;;) {
                if ((ch->conf & (CCONF_H | CCONF_E)) != CCONF_E)
                    break;
                int flow = (ch->conf >> 11) & 7;
                if (flow >= 4) {
                    fprintf(stderr, "emu-arm: pl080: peripheral flow control "
                            "not implemented (as in QEMU)\n");
                    exit(1);
                }
                uint32_t size = ch->ctrl & 0xfff;
                if (!size || !channel_requested(s, ch))
                    break;
                transfer_element(s, ch);
                size--;
                ch->ctrl = (ch->ctrl & 0xfffff000u) | size;
                if (size == 0) {
                    if (ch->lli)
                        load_next_lli(s, ch);
                    else
                        ch->conf &= ~(uint32_t)CCONF_E;
                    if (ch->ctrl & CCTRL_I)
                        s->tc_int |= (uint8_t)(1u << c);
                }
            }
        }
        if (--s->running)
            s->running = 1;
    }
}

static uint32_t dmac_read(PL080 *s, uint32_t offset)
{
    if (offset >= ID_START && offset < PL080_SIZE)
        return pl080_id[(offset - ID_START) >> 2];
    if (offset >= CHAN_START && offset < CHAN_END) {
        const Pl080Channel *ch = &s->chan[(offset & 0xe0) >> 5];
        switch ((offset >> 2) & 7) {
        case 0: return ch->src;
        case 1: return ch->dest;
        case 2: return ch->lli;
        case 3: return ch->ctrl;
        case 4: return ch->conf;
        default: return 0;
        }
    }
    switch (offset >> 2) {
    case 0:     /* IntStatus */
        return (s->tc_int & s->tc_mask) | (s->err_int & s->err_mask);
    case 1:     /* IntTCStatus */
        return s->tc_int & s->tc_mask;
    case 3:     /* IntErrorStatus */
        return s->err_int & s->err_mask;
    case 5:     /* RawIntTCStatus */
        return s->tc_int;
    case 6:     /* RawIntErrorStatus */
        return s->err_int;
    case 7: {   /* EnbldChns */
        uint32_t mask = 0;
        for (int i = 0; i < PL080_NUM_CHANNELS; i++)
            if (s->chan[i].conf & CCONF_E)
                mask |= 1u << i;
        return mask;
    }
    case 12:    /* Configuration */
        return s->conf;
    case 13:    /* Sync */
        return s->sync;
    default:    /* includes the unimplemented soft request registers */
        return 0;
    }
}

uint32_t pl080_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(dmac_read(opaque, offset), size);
}

void pl080_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL080 *s = opaque;
    (void)size;

    if (offset >= CHAN_START && offset < CHAN_END) {
        Pl080Channel *ch = &s->chan[(offset & 0xe0) >> 5];
        switch ((offset >> 2) & 7) {
        case 0: ch->src = value; break;
        case 1: ch->dest = value; break;
        case 2: ch->lli = value; break;
        case 3: ch->ctrl = value; break;
        case 4:
            ch->conf = value;
            pl080_run(s);
            break;
        default: break;
        }
        return;     /* no interrupt update here, as in QEMU */
    }
    switch (offset >> 2) {
    case 2:     /* IntTCClear */
        s->tc_int &= (uint8_t)~value;
        break;
    case 4:     /* IntErrorClear */
        s->err_int &= (uint8_t)~value;
        break;
    case 12:    /* Configuration; big-endian masters are not modelled */
        s->conf = value;
        pl080_run(s);
        break;
    case 13:    /* Sync */
        s->sync = value;
        break;
    default:    /* soft requests (unimplemented) and bad offsets */
        break;
    }
    pl080_update(s);
}

void pl080_reset(PL080 *s)
{
    s->tc_int = s->tc_mask = 0;
    s->err_int = s->err_mask = 0;
    s->conf = 0;
    s->sync = 0;
    s->req_single = s->req_burst = 0;
    s->running = 0;
    for (int i = 0; i < PL080_NUM_CHANNELS; i++)
        s->chan[i] = (Pl080Channel){0};
}

int pl080_init(PL080 *s, Bus *bus, uint32_t base, IrqLine irq)
{
    *s = (PL080){0};
    s->bus = bus;
    s->irq = irq;
    pl080_reset(s);
    return bus_register(bus, base, PL080_SIZE, pl080_read, pl080_write, s, "pl080");
}
