/* idle: TIMER0 at 1 kHz; the CPU waits for interrupts with the ARM926
 * CP15 wait-for-interrupt until N ticks ("-append ticks=N", default 50).
 * "-append period_us=P" sets another wakeup period (TIMER0 LOAD = P-1; the
 * default 1000 is the 1 kHz above). It is read only after the timer has
 * started, so that the default run executes exactly what it always did
 * before t0 and the verbose figures below stay comparable.
 *
 * The normal output is only the tick count reached and "idle ok": QEMU 7.2
 * with -icount sleep=off delivers the periodic interrupt to a WFI-idle guest
 * only every second period (see README.md), so elapsed-time figures would
 * bake that quirk into the reference output.  "-append verbose=1" prints
 * the 24 MHz counter at each tick for investigating it. */
#include "rt.h"

#define MAX_STAMPS 64

static volatile uint32_t ticks;
static volatile uint32_t stamps[MAX_STAMPS];

static void timer_isr(void)
{
    uint32_t now = rt_counter24();
    if (REG32(TIMER0_BASE + TIMER_MIS) & 1) {
        rt_timer0_clear();
        if (ticks < MAX_STAMPS)
            stamps[ticks] = now;
        ticks++;
    }
}

/* "-append period_us=P": reprogram the running TIMER0 (kept out of line so
 * that main's code up to t0 is what it was before the parameter existed) */
static void __attribute__((noinline)) apply_period(void)
{
    uint32_t period = rt_arg_u32("period_us", 1000);
    if (period == 1000)
        return;
    if (period < 2)
        period = 2;
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
    REG32(TIMER0_BASE + TIMER_LOAD) = period - 1;
    REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_PERIODIC |
                                      TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
    rt_printf("idle: period_us=%u\n", period);
}

int main(void)
{
    uint32_t n = rt_arg_u32("ticks", 50);
    uint32_t verbose = rt_arg_u32("verbose", 0);
    uint32_t wakeups = 0;

    rt_printf("idle: ticks=%u hz=1000\n", n);
    rt_irq_set_handler(VIC_LINE_TIMER01, timer_isr);
    rt_vic_enable(VIC_LINE_TIMER01);
    uint32_t t0 = rt_counter24();
    rt_timer0_start_periodic(1000);
    apply_period();

    /* race-free idle loop: test with IRQs masked, wait (WFI wakes on a
     * pending interrupt even while masked), then unmask to take it. */
    for (;;) {
        rt_irq_disable();
        if (ticks >= n)
            break;
        rt_wfi();
        wakeups++;
        rt_irq_enable();
    }
    rt_timer0_stop();
    rt_vic_disable(VIC_LINE_TIMER01);
    uint32_t t1 = rt_counter24();

    rt_printf("ticks=%u\n", ticks);
    if (verbose) {
        rt_printf("wakeups=%u elapsed24=%u\n", wakeups, t1 - t0);
        for (uint32_t i = 0; i < n && i < MAX_STAMPS; i++)
            rt_printf("tick[%u] at +%u (delta %u)\n", i, stamps[i] - t0,
                      stamps[i] - (i ? stamps[i - 1] : t0));
    }
    int ok = ticks == n && rt_spurious_irqs == 0;
    rt_printf("idle %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
