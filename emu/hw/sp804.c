/*
 * SP804 dual timer with QEMU 7.2's semantics. Note QEMU 7.2 has no reset
 * handler for it: state is set once at creation (Control = IE, i.e. 0x20,
 * Load = 0) and survives a system reset.
 */
#include "hw/sp804.h"
#include "hw/devutil.h"

static const uint8_t sp804_ids[8] = {
    0x04, 0x18, 0x14, 0,        /* Timer ID */
    0x0d, 0xf0, 0x05, 0xb1      /* PrimeCell ID */
};

static void sp804_set_irq(SP804 *s, int n, int level)
{
    s->level[n] = level;
    irq_set(&s->irq, s->level[0] || s->level[1]);
}

static void arm_timer_update(ArmTimer *t)
{
    sp804_set_irq(t->parent, t->index,
                  t->int_level && (t->control & TIMER_CTRL_IE));
}

static uint32_t arm_timer_read(ArmTimer *t, uint32_t offset)
{
    switch (offset >> 2) {
    case 0: /* TimerLoad */
    case 6: /* TimerBGLoad */
        return t->limit;
    case 1: /* TimerValue */
        return (uint32_t)ptimer_get_count(&t->timer);
    case 2: /* TimerControl */
        return t->control;
    case 4: /* TimerRIS */
        return (uint32_t)t->int_level;
    case 5: /* TimerMIS */
        if ((t->control & TIMER_CTRL_IE) == 0)
            return 0;
        return (uint32_t)t->int_level;
    default:
        return 0;
    }
}

/* Inside a ptimer transaction. Free-running mode counts from the full
 * 16/32-bit range, the others from TimerLoad. */
static void arm_timer_recalibrate(ArmTimer *t, int reload)
{
    uint32_t limit;

    if ((t->control & (TIMER_CTRL_PERIODIC | TIMER_CTRL_ONESHOT)) == 0)
        limit = (t->control & TIMER_CTRL_32BIT) ? 0xffffffff : 0xffff;
    else
        limit = t->limit;
    ptimer_set_limit(&t->timer, limit, reload);
}

static void arm_timer_write(ArmTimer *t, uint32_t offset, uint32_t value)
{
    int freq;

    switch (offset >> 2) {
    case 0: /* TimerLoad */
        t->limit = value;
        ptimer_transaction_begin(&t->timer);
        arm_timer_recalibrate(t, 1);
        ptimer_transaction_commit(&t->timer);
        break;
    case 1: /* TimerValue: read-only, Linux writes it; ignored */
        break;
    case 2: /* TimerControl */
        ptimer_transaction_begin(&t->timer);
        /* Pause a running timer (QEMU accepts the rounding loss). */
        if (t->control & TIMER_CTRL_ENABLE)
            ptimer_stop(&t->timer);
        t->control = value;
        freq = t->freq;
        switch ((value >> 2) & 3) {
        case 1: freq >>= 4; break;
        case 2: freq >>= 8; break;
        }
        arm_timer_recalibrate(t, (int)(t->control & TIMER_CTRL_ENABLE));
        ptimer_set_freq(&t->timer, (uint32_t)freq);
        if (t->control & TIMER_CTRL_ENABLE)
            ptimer_run(&t->timer, (t->control & TIMER_CTRL_ONESHOT) != 0);
        ptimer_transaction_commit(&t->timer);
        break;
    case 3: /* TimerIntClr */
        t->int_level = 0;
        break;
    case 6: /* TimerBGLoad */
        t->limit = value;
        ptimer_transaction_begin(&t->timer);
        arm_timer_recalibrate(t, 0);
        ptimer_transaction_commit(&t->timer);
        break;
    default:
        break;
    }
    arm_timer_update(t);
}

static void arm_timer_tick(void *opaque)
{
    ArmTimer *t = opaque;
    t->int_level = 1;
    arm_timer_update(t);
}

static void arm_timer_init(ArmTimer *t, SP804 *parent, int index,
                           TimerList *vt, uint32_t freq)
{
    t->parent = parent;
    t->index = index;
    t->freq = (int)freq;
    t->control = TIMER_CTRL_IE;
    t->limit = 0;
    t->int_level = 0;
    ptimer_init(&t->timer, vt, arm_timer_tick, t, PTIMER_POLICY_LEGACY);
}

uint32_t sp804_read(void *opaque, uint32_t offset, unsigned size)
{
    SP804 *s = opaque;
    uint32_t v = 0;

    if (offset < 0x20)
        v = arm_timer_read(&s->timer[0], offset);
    else if (offset < 0x40)
        v = arm_timer_read(&s->timer[1], offset - 0x20);
    else if (offset >= 0xfe0 && offset <= 0xffc)
        v = sp804_ids[(offset - 0xfe0) >> 2];
    /* TimerITCR/ITOP (0xf00/0xf04) and bad offsets read as 0. */
    return mmio_truncate(v, size);
}

void sp804_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    SP804 *s = opaque;
    (void)size;

    if (offset < 0x20)
        arm_timer_write(&s->timer[0], offset, value);
    else if (offset < 0x40)
        arm_timer_write(&s->timer[1], offset - 0x20, value);
}

int sp804_init(SP804 *s, Bus *bus, uint32_t base, TimerList *vt, IrqLine irq,
               uint32_t freq0, uint32_t freq1)
{
    *s = (SP804){0};
    s->irq = irq;
    arm_timer_init(&s->timer[0], s, 0, vt, freq0);
    arm_timer_init(&s->timer[1], s, 1, vt, freq1);
    return bus_register(bus, base, SP804_SIZE, sp804_read, sp804_write, s,
                        "sp804");
}

void sp804_destroy(SP804 *s)
{
    ptimer_free(&s->timer[0].timer);
    ptimer_free(&s->timer[1].timer);
}
