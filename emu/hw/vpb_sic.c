/* Versatile/PB SIC, with QEMU 7.2's semantics (including its SOFTINT quirk:
 * SOFTINTSET/CLR set/clear ENABLE bit 0, and SOFTINT reads level bit 0). */
#include "hw/vpb_sic.h"
#include "hw/devutil.h"

static void sic_update(VpbSic *s)
{
    irq_set(&s->parent[s->irq], (s->level & s->mask) != 0);
}

static void sic_update_pic(VpbSic *s)
{
    for (int i = 21; i <= 30; i++) {
        uint32_t m = 1u << i;
        if (!(s->pic_enable & m))
            continue;
        irq_set(&s->parent[i], (s->level & m) != 0);
    }
}

void vpb_sic_set_irq(void *opaque, int n, int level)
{
    VpbSic *s = opaque;
    if (level)
        s->level |= 1u << n;
    else
        s->level &= ~(1u << n);
    if (s->pic_enable & (1u << n))
        irq_set(&s->parent[n], level);
    sic_update(s);
}

IrqLine vpb_sic_input(VpbSic *s, int n)
{
    return irq_line(vpb_sic_set_irq, s, n);
}

static uint32_t sic_read(VpbSic *s, uint32_t offset)
{
    switch (offset >> 2) {
    case 0: /* STATUS */
        return s->level & s->mask;
    case 1: /* RAWSTAT */
        return s->level;
    case 2: /* ENABLE */
        return s->mask;
    case 4: /* SOFTINT */
        return s->level & 1;
    case 8: /* PICENABLE */
        return s->pic_enable;
    default:
        /* QEMU also printf()s "vpb_sic_read: Bad register offset". */
        return 0;
    }
}

uint32_t vpb_sic_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(sic_read(opaque, offset), size);
}

void vpb_sic_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    VpbSic *s = opaque;
    (void)size;

    switch (offset >> 2) {
    case 2: /* ENSET */
        s->mask |= value;
        break;
    case 3: /* ENCLR */
        s->mask &= ~value;
        break;
    case 4: /* SOFTINTSET */
        if (value)
            s->mask |= 1;
        break;
    case 5: /* SOFTINTCLR */
        if (value)
            s->mask &= ~1u;
        break;
    case 8: /* PICENSET */
        s->pic_enable |= (value & 0x7fe00000);
        sic_update_pic(s);
        break;
    case 9: /* PICENCLR */
        s->pic_enable &= ~value;
        sic_update_pic(s);
        break;
    default:
        return;     /* bad offset: no update */
    }
    sic_update(s);
}

int vpb_sic_init(VpbSic *s, Bus *bus, uint32_t base, const IrqLine parent[32])
{
    *s = (VpbSic){0};
    for (int i = 0; i < 32; i++)
        s->parent[i] = parent[i];
    s->irq = 31;
    return bus_register(bus, base, VPB_SIC_SIZE, vpb_sic_read, vpb_sic_write,
                        s, "vpb-sic");
}
