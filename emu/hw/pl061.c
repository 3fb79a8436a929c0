/* PL061 GPIO with QEMU 7.2's semantics (see pl061.h). */
#include "hw/pl061.h"
#include "hw/devutil.h"

#define GPIO_DATA_END   0x3ff
#define GPIO_DIR        0x400
#define GPIO_IS         0x404
#define GPIO_IBE        0x408
#define GPIO_IEV        0x40c
#define GPIO_IE         0x410
#define GPIO_RIS        0x414
#define GPIO_MIS        0x418
#define GPIO_IC         0x41c
#define GPIO_AFSEL      0x420
#define GPIO_ID_START   0xfd0

/* QEMU lists 12 ID bytes from 0xfd0; the first four are zero. */
static const uint8_t pl061_id[12] = { 0x00, 0x00, 0x00, 0x00, 0x61, 0x10, 0x04, 0x00,
                                      0x0d, 0xf0, 0x05, 0xb1 };

/* Inputs with neither pull-up nor pull-down keep whatever level they had. */
static uint8_t floating_inputs(const PL061 *s)
{
    return (uint8_t)(~(s->pullups | s->pulldowns) & ~s->dir);
}

static uint8_t pulled_up_inputs(const PL061 *s)
{
    return (uint8_t)(s->pullups & ~s->dir);
}

static void drive_outputs(PL061 *s)
{
    uint8_t out = (uint8_t)((s->data & s->dir) | pulled_up_inputs(s)
                            | (s->old_out_data & floating_inputs(s)));
    uint8_t changed = (uint8_t)(s->old_out_data ^ out);
    if (!changed)
        return;
    s->old_out_data = out;
    for (int i = 0; i < PL061_NUM_LINES; i++)
        if (changed & (1u << i))
            irq_set(&s->out[i], (out >> i) & 1);
}

/* Latches edges on input lines that changed since the last update. */
static void detect_edges(PL061 *s)
{
    uint8_t changed = (uint8_t)((s->old_in_data ^ s->data) & ~s->dir);
    if (!changed)
        return;
    s->old_in_data = s->data;
    uint32_t edge_lines = changed & ~s->isense;
    uint32_t rising_or_falling = edge_lines & s->ibe;
    /* Single-edge lines fire when the new level equals IEV (1 = rising). */
    uint32_t selected = edge_lines & ~s->ibe & ~(s->data ^ s->iev);
    s->istate |= rising_or_falling | selected;
}

static void pl061_update(PL061 *s)
{
    drive_outputs(s);
    detect_edges(s);
    /* Level-sensitive lines re-latch while active, even right after a clear. */
    s->istate |= ~(s->data ^ s->iev) & s->isense;
    irq_set(&s->irq, (s->istate & s->im) != 0);
}

static uint32_t gpio_read(PL061 *s, uint32_t offset)
{
    if (offset <= GPIO_DATA_END)
        return s->data & (offset >> 2);
    switch (offset) {
    case GPIO_DIR:
        return s->dir;
    case GPIO_IS:
        return s->isense;
    case GPIO_IBE:
        return s->ibe;
    case GPIO_IEV:
        return s->iev;
    case GPIO_IE:
        return s->im;
    case GPIO_RIS:
        return s->istate;
    case GPIO_MIS:
        return s->istate & s->im;
    case GPIO_AFSEL:
        return s->afsel;
    default:
        if (offset >= GPIO_ID_START && offset < PL061_SIZE)
            return pl061_id[(offset - GPIO_ID_START) >> 2];
        return 0;   /* includes the Luminary-only 0x500..0x528 */
    }
}

uint32_t pl061_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(gpio_read(opaque, offset), size);
}

void pl061_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL061 *s = opaque;
    (void)size;

    if (offset <= GPIO_DATA_END) {
        uint8_t mask = (uint8_t)((offset >> 2) & s->dir);
        s->data = (s->data & ~(uint32_t)mask) | (value & mask);
        pl061_update(s);
        return;
    }
    switch (offset) {
    case GPIO_DIR:
        s->dir = value & 0xff;
        break;
    case GPIO_IS:
        s->isense = value & 0xff;
        break;
    case GPIO_IBE:
        s->ibe = value & 0xff;
        break;
    case GPIO_IEV:
        s->iev = value & 0xff;
        break;
    case GPIO_IE:
        s->im = value & 0xff;
        break;
    case GPIO_IC:
        s->istate &= ~value;
        break;
    case GPIO_AFSEL:
        s->afsel = (s->afsel & ~s->cr) | (value & s->cr);
        break;
    default:
        return;     /* read-only, Luminary-only or unknown: no update */
    }
    pl061_update(s);
}

void pl061_set_input(void *opaque, int n, int level)
{
    PL061 *s = opaque;
    uint32_t mask = 1u << n;
    if (s->dir & mask)
        return;
    s->data = level ? s->data | mask : s->data & ~mask;
    pl061_update(s);
}

void pl061_reset(PL061 *s)
{
    s->data = 0;
    s->old_in_data = 0;
    s->dir = 0;
    s->isense = 0;
    s->ibe = 0;
    s->iev = 0;
    s->im = 0;
    s->istate = 0;
    s->afsel = 0;
    s->cr = 0xff;
    /* Reset drives every non-floating line to its pull level; the IRQ
     * output is left alone, as in QEMU. */
    uint8_t floating = floating_inputs(s), pullups = pulled_up_inputs(s);
    for (int i = 0; i < PL061_NUM_LINES; i++)
        if (!(floating & (1u << i)))
            irq_set(&s->out[i], (pullups >> i) & 1);
    s->old_out_data = pullups;
}

int pl061_init(PL061 *s, Bus *bus, uint32_t base, IrqLine irq)
{
    *s = (PL061){0};
    s->irq = irq;
    s->pullups = 0xff;      /* QEMU's property defaults; versatilepb keeps them */
    s->pulldowns = 0;
    pl061_reset(s);
    return bus_register(bus, base, PL061_SIZE, pl061_read, pl061_write, s, "pl061");
}
