/*
 * PL011 UART with QEMU 7.2's semantics. QEMU 7.2 has no reset handler for
 * it: the state set at creation (FR = 0x90, CR = 0x300, IFLS = 0x12, read
 * trigger 1) survives a system reset.
 *
 * Input: QEMU's front-end pushes a byte whenever can_receive allows it, from
 * its main loop. Here the same happens from pl011_poll_input(), which the
 * board calls on a UARTFR read (a guest polling for input) and which the
 * main loop should call periodically and when idle.
 */
#include "hw/pl011.h"
#include "hw/devutil.h"

#define PL011_INT_TX 0x20
#define PL011_INT_RX 0x10

#define PL011_FLAG_TXFE 0x80
#define PL011_FLAG_RXFF 0x40
#define PL011_FLAG_TXFF 0x20
#define PL011_FLAG_RXFE 0x10

#define INT_OE (1 << 10)
#define INT_BE (1 << 9)
#define INT_PE (1 << 8)
#define INT_FE (1 << 7)
#define INT_RT (1 << 6)
#define INT_TX (1 << 5)
#define INT_RX (1 << 4)
#define INT_DSR (1 << 3)
#define INT_DCD (1 << 2)
#define INT_CTS (1 << 1)
#define INT_RI (1 << 0)
#define INT_E (INT_OE | INT_BE | INT_PE | INT_FE)
#define INT_MS (INT_RI | INT_DSR | INT_DCD | INT_CTS)
/* The combined interrupt (irq[0] in QEMU, the only one connected). */
#define INT_COMBINED (INT_E | INT_MS | INT_RT | INT_TX | INT_RX)

static const uint8_t pl011_id_arm[8] = { 0x11, 0x10, 0x14, 0x00,
                                         0x0d, 0xf0, 0x05, 0xb1 };

static void pl011_update(PL011 *s)
{
    uint32_t flags = s->int_level & s->int_enabled;
    irq_set(&s->irq, (flags & INT_COMBINED) != 0);
}

bool pl011_can_receive(const PL011 *s)
{
    if (s->lcr & 0x10)
        return s->read_count < 16;
    return s->read_count < 1;
}

void pl011_receive(PL011 *s, uint32_t value)
{
    int slot = s->read_pos + s->read_count;
    if (slot >= 16)
        slot -= 16;
    s->read_fifo[slot] = value;
    s->read_count++;
    s->flags &= ~PL011_FLAG_RXFE;
    if (!(s->lcr & 0x10) || s->read_count == 16)
        s->flags |= PL011_FLAG_RXFF;
    if (s->read_count == s->read_trigger) {
        s->int_level |= PL011_INT_RX;
        pl011_update(s);
    }
}

bool pl011_poll_input(PL011 *s, bool force)
{
    bool got = false;
    if (!s->chr)
        return false;
    while (pl011_can_receive(s) && chardev_input_ready(s->chr, force)) {
        int b = chardev_read_byte(s->chr);
        if (b < 0)
            break;
        pl011_receive(s, (uint32_t)b);
        got = true;
    }
    return got;
}

static uint32_t uart_read(PL011 *s, uint32_t offset)
{
    uint32_t c;

    switch (offset >> 2) {
    case 0: /* UARTDR */
        s->flags &= ~PL011_FLAG_RXFF;
        c = s->read_fifo[s->read_pos];      /* stale data when empty */
        if (s->read_count > 0) {
            s->read_count--;
            if (++s->read_pos == 16)
                s->read_pos = 0;
        }
        if (s->read_count == 0)
            s->flags |= PL011_FLAG_RXFE;
        if (s->read_count == s->read_trigger - 1)
            s->int_level &= ~PL011_INT_RX;
        s->rsr = c >> 8;
        pl011_update(s);
        return c;
    case 1: /* UARTRSR */
        return s->rsr;
    case 6: /* UARTFR */
        /* A guest polling the flags is waiting for input: fetch it. */
        if (s->read_count == 0)
            pl011_poll_input(s, false);
        return s->flags;
    case 8: /* UARTILPR */
        return s->ilpr;
    case 9: /* UARTIBRD */
        return s->ibrd;
    case 10: /* UARTFBRD */
        return s->fbrd;
    case 11: /* UARTLCR_H */
        return s->lcr;
    case 12: /* UARTCR */
        return s->cr;
    case 13: /* UARTIFLS */
        return s->ifl;
    case 14: /* UARTIMSC */
        return s->int_enabled;
    case 15: /* UARTRIS */
        return s->int_level;
    case 16: /* UARTMIS */
        return s->int_level & s->int_enabled;
    case 18: /* UARTDMACR */
        return s->dmacr;
    default:
        if ((offset >> 2) >= 0x3f8 && (offset >> 2) <= 0x400)
            return pl011_id_arm[(offset - 0xfe0) >> 2];
        return 0;
    }
}

uint32_t pl011_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(uart_read(opaque, offset), size);
}

static void set_read_trigger(PL011 *s)
{
    /* QEMU always interrupts as soon as the FIFO is non-empty. */
    s->read_trigger = 1;
}

void pl011_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PL011 *s = opaque;
    (void)size;

    switch (offset >> 2) {
    case 0: { /* UARTDR */
        uint8_t ch = (uint8_t)value;
        chardev_write(s->chr, &ch, 1);
        s->int_level |= PL011_INT_TX;
        pl011_update(s);
        break;
    }
    case 1: /* UARTRSR/UARTECR */
        s->rsr = 0;
        break;
    case 6: /* UARTFR: writes ignored */
        break;
    case 8: /* UARTILPR */
        s->ilpr = value;
        break;
    case 9: /* UARTIBRD */
        s->ibrd = value;
        break;
    case 10: /* UARTFBRD */
        s->fbrd = value;
        break;
    case 11: /* UARTLCR_H */
        /* Enabling or disabling the FIFOs empties them. */
        if ((s->lcr ^ value) & 0x10) {
            s->read_count = 0;
            s->read_pos = 0;
        }
        /* (Break changes go to the backend's ioctl in QEMU: nothing here.) */
        s->lcr = value;
        set_read_trigger(s);
        break;
    case 12: /* UARTCR: enables and loopback not implemented, as QEMU */
        s->cr = value;
        break;
    case 13: /* UARTIFLS */
        s->ifl = value;
        set_read_trigger(s);
        break;
    case 14: /* UARTIMSC */
        s->int_enabled = value;
        pl011_update(s);
        break;
    case 17: /* UARTICR */
        s->int_level &= ~value;
        pl011_update(s);
        break;
    case 18: /* UARTDMACR (DMA not implemented) */
        s->dmacr = value;
        break;
    default:
        break;
    }
}

int pl011_init(PL011 *s, Bus *bus, uint32_t base, IrqLine irq, CharDev *chr)
{
    *s = (PL011){0};
    s->irq = irq;
    s->chr = chr;
    s->read_trigger = 1;
    s->ifl = 0x12;
    s->cr = 0x300;
    s->flags = 0x90;
    return bus_register(bus, base, PL011_SIZE, pl011_read, pl011_write, s,
                        "pl011");
}
