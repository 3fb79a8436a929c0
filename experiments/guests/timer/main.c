/* timer: SP804 TIMER0 periodic at 1 kHz through the PL190 VIC as an IRQ.
 * The handler counts ticks and clears the interrupt; main busy-computes
 * until N ticks ("-append ticks=N", default 50), then prints the tick count,
 * how much work it got done, and 24 MHz counter figures.  Under exact
 * instruction counting the work counter pins down the instruction at which
 * every interrupt was taken. */
#include "rt.h"

static volatile uint32_t ticks;
static volatile uint32_t tick_stamp[8]; /* 24 MHz counter at the first ticks */

static void timer_isr(void)
{
    uint32_t now = rt_counter24();
    if (REG32(TIMER0_BASE + TIMER_MIS) & 1) {
        rt_timer0_clear();
        if (ticks < 8)
            tick_stamp[ticks] = now;
        ticks++;
    }
}

int main(void)
{
    uint32_t n = rt_arg_u32("ticks", 50);
    uint32_t work = 0, acc = 0x9e3779b9u;

    rt_printf("timer: ticks=%u hz=1000\n", n);
    rt_irq_set_handler(VIC_LINE_TIMER01, timer_isr);
    rt_vic_enable(VIC_LINE_TIMER01);
    uint32_t t0 = rt_counter24();
    rt_timer0_start_periodic(1000);
    rt_irq_enable();

    while (ticks < n) {
        /* a little integer work per iteration */
        acc ^= acc << 7;
        acc ^= acc >> 9;
        acc += work;
        work++;
    }

    rt_irq_disable();
    rt_timer0_stop();
    rt_vic_disable(VIC_LINE_TIMER01);
    uint32_t t1 = rt_counter24();

    rt_printf("ticks=%u work=%u acc=%08x spurious=%u\n", ticks, work, acc, rt_spurious_irqs);
    for (uint32_t i = 0; i < 8 && i < n; i++)
        rt_printf("tick[%u] at +%u\n", i, tick_stamp[i] - t0);
    rt_printf("elapsed24=%u (expect about %u for %u ms)\n", t1 - t0, n * 24000u, n);
    /* sanity: N ticks at 1 kHz is N ms = N*24000 counter ticks (+/- 2 ms) */
    uint32_t el = t1 - t0, lo = (n > 2 ? n - 2 : 0) * 24000u, hi = (n + 2) * 24000u;
    int ok = ticks == n && el >= lo && el <= hi && rt_spurious_irqs == 0;
    rt_printf("timer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
