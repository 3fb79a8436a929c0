/* PL110/PL111 CLCD registers and vblank interrupt, QEMU 7.2's semantics. */
#include "hw/pl110.h"
#include "hw/devutil.h"

#define CR_EN   0x001u
#define CR_PWR  0x800u
#define INT_NB  0x004u   /* next base address update */
#define INT_VC  0x008u   /* vertical compare */

/* QEMU re-arms the vblank timer this far ahead, integer ns. */
#define VBLANK_PERIOD_NS (HW_NS_PER_SEC / 60)

/* The versatile CLCD reports a stock PL110's ID (real boards do, whatever
 * the documentation says, and Linux's AMBA match depends on it). */
static const uint8_t pl110_id[8] = { 0x10, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
static const uint8_t pl111_id[8] = { 0x11, 0x11, 0x24, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static bool panel_on(const Pl110 *s)
{
    return (s->cr & CR_EN) && (s->cr & CR_PWR);
}

static void update_irq(Pl110 *s)
{
    irq_set(&s->irq, (s->int_status & s->int_mask) != 0);
}

static void vblank_tick(void *opaque)
{
    Pl110 *s = opaque;
    s->int_status |= INT_NB | INT_VC;
    timer_mod(&s->vblank, timerlist_now(s->clock) + VBLANK_PERIOD_NS);
    update_irq(s);
}

/* Word index 6 and 7 swap meaning on the PL111-ordered variants. */
static bool pl111_order(const Pl110 *s)
{
    return s->variant != PL110_PLAIN;
}

static uint32_t clcd_read(Pl110 *s, uint32_t offset)
{
    if (offset >= 0xfe0 && offset < 0x1000) {
        const uint8_t *id = s->variant == PL110_PL111 ? pl111_id : pl110_id;
        return id[(offset - 0xfe0) >> 2];
    }
    if (offset >= 0x200 && offset < 0x400)
        return s->raw_palette[(offset - 0x200) >> 2];
    switch (offset >> 2) {
    case 0: case 1: case 2: case 3:
        return s->timing[offset >> 2];
    case 4:
        return s->upbase;
    case 5:
        return s->lpbase;
    case 6:
        return pl111_order(s) ? s->cr : s->int_mask;
    case 7:
        return pl111_order(s) ? s->int_mask : s->cr;
    case 8:
        return s->int_status;
    case 9:
        return s->int_status & s->int_mask;
    case 11:    /* LCDUPCURR: no scan-out, so the frame never advances */
        return s->upbase;
    case 12:
        return s->lpbase;
    default:    /* write-only ICR, the PL111 cursor block, holes */
        return 0;
    }
}

uint32_t pl110_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(clcd_read(opaque, offset), size);
}

static void write_control(Pl110 *s, uint32_t value)
{
    s->cr = value;
    if (panel_on(s))
        timer_mod(&s->vblank, timerlist_now(s->clock) + VBLANK_PERIOD_NS);
    else
        timer_del(&s->vblank);
}

static void write_mask(Pl110 *s, uint32_t value)
{
    s->int_mask = value;
    update_irq(s);
}

void pl110_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    Pl110 *s = opaque;
    (void)size;

    if (offset >= 0x200 && offset < 0x400) {
        /* Only the raw words are kept: the converted palette is display
         * state nobody can read. */
        s->raw_palette[(offset - 0x200) >> 2] = value;
        return;
    }
    switch (offset >> 2) {
    case 0: case 1: case 2: case 3:
        s->timing[offset >> 2] = value;
        break;
    case 4:
        s->upbase = value;
        break;
    case 5:
        s->lpbase = value;
        break;
    case 6:
        if (pl111_order(s))
            write_control(s, value);
        else
            write_mask(s, value);
        break;
    case 7:
        if (pl111_order(s))
            write_mask(s, value);
        else
            write_control(s, value);
        break;
    case 10:    /* LCDICR */
        s->int_status &= ~value;
        update_irq(s);
        break;
    default:
        break;
    }
}

void pl110_set_mux(void *opaque, int line, int level)
{
    Pl110 *s = opaque;
    (void)line;
    s->mux_ctrl = (uint32_t)level;
}

int pl110_init(Pl110 *s, Bus *bus, uint32_t base, Pl110Variant variant,
               TimerList *clock, IrqLine irq)
{
    *s = (Pl110){0};
    s->variant = variant;
    s->clock = clock;
    s->irq = irq;
    timer_init(&s->vblank, clock, vblank_tick, s);
    return bus_register(bus, base, PL110_SIZE, pl110_read, pl110_write, s,
                        variant == PL110_PL111 ? "pl111" : "pl110");
}

void pl110_destroy(Pl110 *s)
{
    timer_del(&s->vblank);
}
