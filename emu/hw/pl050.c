/* PL050 KMI with QEMU 7.2's semantics (see pl050.h). */
#include "hw/pl050.h"
#include "hw/devutil.h"

#define KMI_CR      0
#define KMI_STAT    1
#define KMI_DATA    2
#define KMI_CLKDIV  3
#define KMI_IR      4

#define KMI_CR_TXINTREN (1u << 3)
#define KMI_CR_RXINTREN (1u << 4)

#define KMI_STAT_TXEMPTY  (1u << 6)
#define KMI_STAT_RXFULL   (1u << 4)
#define KMI_STAT_RXPARITY (1u << 2)

static const uint8_t pl050_id[8] = { 0x50, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static Ps2Port *port(PL050 *s)
{
    return s->is_mouse ? &s->mouse.port : &s->kbd.port;
}

static void pl050_update_irq(PL050 *s)
{
    int level = (s->pending && (s->cr & KMI_CR_RXINTREN)) || (s->cr & KMI_CR_TXINTREN);
    irq_set(&s->irq, level);
}

static void pl050_ps2_irq(void *opaque, int n, int level)
{
    PL050 *s = opaque;
    (void)n;
    s->pending = level;
    pl050_update_irq(s);
}

/* Odd parity of the last byte, reported as the RXPARITY status bit. */
static uint32_t parity_bit(uint32_t v)
{
    uint8_t b = (uint8_t)v;
    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return b & 1;
}

static uint32_t kmi_read(PL050 *s, uint32_t offset)
{
    if (offset >= 0xfe0 && offset < PL050_SIZE)
        return pl050_id[(offset - 0xfe0) >> 2];
    switch (offset >> 2) {
    case KMI_CR:
        return s->cr;
    case KMI_STAT:
        return KMI_STAT_TXEMPTY | (parity_bit(s->last) ? KMI_STAT_RXPARITY : 0)
               | (s->pending ? KMI_STAT_RXFULL : 0);
    case KMI_DATA:
        if (s->pending)
            s->last = ps2_read_data(port(s));
        return s->last;
    case KMI_CLKDIV:
        return s->clk;
    case KMI_IR:
        return (uint32_t)s->pending | 2;    /* TX interrupt always asserted */
    default:
        return 0;
    }
}

uint32_t pl050_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(kmi_read(opaque, offset), size);
}

void pl050_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL050 *s = opaque;
    (void)size;

    switch (offset >> 2) {
    case KMI_CR:
        s->cr = value;  /* the enable bit has no effect, as in QEMU */
        pl050_update_irq(s);
        break;
    case KMI_DATA:
        if (s->is_mouse)
            ps2_mouse_write(&s->mouse, value);
        else
            ps2_kbd_write(&s->kbd, value);
        break;
    case KMI_CLKDIV:
        s->clk = value;
        break;
    default:
        break;
    }
}

void pl050_reset(PL050 *s)
{
    if (s->is_mouse)
        ps2_mouse_reset(&s->mouse);
    else
        ps2_kbd_reset(&s->kbd);
}

int pl050_init(PL050 *s, Bus *bus, uint32_t base, IrqLine irq, bool is_mouse)
{
    *s = (PL050){0};
    s->irq = irq;
    s->is_mouse = is_mouse;
    IrqLine from_dev = irq_line(pl050_ps2_irq, s, 0);
    if (is_mouse)
        ps2_mouse_init(&s->mouse, from_dev);
    else
        ps2_kbd_init(&s->kbd, from_dev);
    return bus_register(bus, base, PL050_SIZE, pl050_read, pl050_write, s,
                        is_mouse ? "pl050-mouse" : "pl050-kbd");
}
