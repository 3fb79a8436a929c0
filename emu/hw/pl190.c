/* PL190 VIC with the exact register semantics of QEMU 7.2's model. */
#include "hw/pl190.h"
#include "hw/devutil.h"

static const uint8_t pl190_id[8] = { 0x90, 0x11, 0x04, 0x00,
                                     0x0d, 0xf0, 0x05, 0xb1 };

static uint32_t irq_level(const PL190 *s)
{
    return (s->level | s->soft_level) & s->irq_enable & ~s->fiq_select;
}

static void pl190_update(PL190 *s)
{
    uint32_t level = irq_level(s);
    irq_set(&s->irq, (level & s->prio_mask[s->priority]) != 0);
    irq_set(&s->fiq, ((s->level | s->soft_level) & s->fiq_select) != 0);
}

void pl190_set_irq(void *opaque, int n, int level)
{
    PL190 *s = opaque;
    if (level)
        s->level |= 1u << n;
    else
        s->level &= ~(1u << n);
    pl190_update(s);
}

IrqLine pl190_input(PL190 *s, int n)
{
    return irq_line(pl190_set_irq, s, n);
}

static void update_vectors(PL190 *s)
{
    uint32_t mask = 0;
    for (int i = 0; i < 16; i++) {
        s->prio_mask[i] = mask;
        if (s->vect_control[i] & 0x20)
            mask |= 1u << (s->vect_control[i] & 0x1f);
    }
    s->prio_mask[16] = mask;
    pl190_update(s);
}

static uint32_t vic_read(PL190 *s, uint32_t offset)
{
    int i;

    if (offset >= 0xfe0 && offset < 0x1000)
        return pl190_id[(offset - 0xfe0) >> 2];
    if (offset >= 0x100 && offset < 0x140)
        return s->vect_addr[(offset - 0x100) >> 2];
    if (offset >= 0x200 && offset < 0x240)
        return s->vect_control[(offset - 0x200) >> 2];
    switch (offset >> 2) {
    case 0: /* IRQSTATUS */
        return irq_level(s);
    case 1: /* FIQSTATUS */
        return (s->level | s->soft_level) & s->fiq_select;
    case 2: /* RAWINTR */
        return s->level | s->soft_level;
    case 3: /* INTSELECT */
        return s->fiq_select;
    case 4: /* INTENABLE */
        return s->irq_enable;
    case 6: /* SOFTINT */
        return s->soft_level;
    case 8: /* PROTECTION */
        return (uint32_t)s->protected_;
    case 12: /* VECTADDR */
        /* Raises the current priority to that of the highest pending
         * interrupt (pending in RAWINTR: QEMU does not mask by enable
         * here), and returns its vector. */
        for (i = 0; i < s->priority; i++) {
            if ((s->level | s->soft_level) & s->prio_mask[i + 1])
                break;
        }
        /* Nothing pending: undefined, QEMU gives the default vector. */
        if (i == PL190_NUM_PRIO)
            return s->vect_addr[16];
        if (i < s->priority) {
            s->prev_prio[i] = s->priority;
            s->priority = i;
            pl190_update(s);
        }
        return s->vect_addr[s->priority];
    case 13: /* DEFVECTADDR */
        return s->vect_addr[16];
    default:
        return 0;
    }
}

uint32_t pl190_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(vic_read(opaque, offset), size);
}

void pl190_write(void *opaque, uint32_t offset, uint32_t val, unsigned size)
{
    PL190 *s = opaque;
    (void)size;

    if (offset >= 0x100 && offset < 0x140) {
        s->vect_addr[(offset - 0x100) >> 2] = val;
        update_vectors(s);
        return;
    }
    if (offset >= 0x200 && offset < 0x240) {
        s->vect_control[(offset - 0x200) >> 2] = (uint8_t)val;
        update_vectors(s);
        return;
    }
    switch (offset >> 2) {
    case 0: /* IRQSTATUS: read-only, Linux writes it anyway */
        break;
    case 3: /* INTSELECT */
        s->fiq_select = val;
        break;
    case 4: /* INTENABLE */
        s->irq_enable |= val;
        break;
    case 5: /* INTENCLEAR */
        s->irq_enable &= ~val;
        break;
    case 6: /* SOFTINT */
        s->soft_level |= val;
        break;
    case 7: /* SOFTINTCLEAR */
        s->soft_level &= ~val;
        break;
    case 8: /* PROTECTION (not enforced, as in QEMU) */
        s->protected_ = (int)(val & 1);
        break;
    case 12: /* VECTADDR: end of ISR, restore the previous priority */
        if (s->priority < PL190_NUM_PRIO)
            s->priority = s->prev_prio[s->priority];
        break;
    case 13: /* DEFVECTADDR */
        s->vect_addr[16] = val;
        break;
    case 0xc0: /* ITCR: test mode not implemented */
        break;
    default:
        return;     /* bad offset: no update, as in QEMU */
    }
    pl190_update(s);
}

void pl190_reset(PL190 *s)
{
    /* QEMU's reset leaves level, enables, FIQ select, soft ints,
     * protection and prev_prio alone. */
    for (int i = 0; i < 16; i++) {
        s->vect_addr[i] = 0;
        s->vect_control[i] = 0;
    }
    s->vect_addr[16] = 0;
    s->prio_mask[17] = 0xffffffff;
    s->priority = PL190_NUM_PRIO;
    update_vectors(s);
}

int pl190_init(PL190 *s, Bus *bus, uint32_t base, IrqLine irq, IrqLine fiq)
{
    *s = (PL190){0};
    s->irq = irq;
    s->fiq = fiq;
    pl190_reset(s);
    return bus_register(bus, base, PL190_SIZE, pl190_read, pl190_write, s,
                        "pl190");
}
