/* idle: TIMER0 at 1 kHz; the CPU waits for interrupts with the ARM926
 * CP15 wait-for-interrupt until N ticks ("-append ticks=N", default 50).
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
