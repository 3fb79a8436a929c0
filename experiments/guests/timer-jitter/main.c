/* timer-jitter: SP804 TIMER0 periodic interrupts at a configurable period;
 * the handler timestamps every interrupt in virtual time and the guest
 * prints the spread of the inter-arrival times (min/max/mean/p50/p99) and
 * how far the last interrupt drifted from the nominal schedule.
 *
 * While waiting, main either spins doing integer work (wait=busy, the
 * default: identical on QEMU and emu-arm) or sleeps in WFI (wait=wfi: QEMU
 * 7.2 with -icount sleep=off then delivers only every second period, see
 * experiments/guests/README.md; emu-arm delivers every period).
 *
 * -append parameters (defaults):
 *   period_us=N (1000; the SP804 LOAD is N-1)   samples=N intervals (100)
 *   wait=busy|wfi (busy)   work=N kernel iterations per busy step (16)
 *   crit=N (0: with wait=busy, also run N iterations with IRQs masked every
 *          step, a critical section that delays some interrupts: jitter)
 *   clock=ctr24|sp804 (ctr24: 24 MHz counter; sp804: TIMER1 free-running)
 *
 * Output: "result workload=timer-jitter ..." (figures in microseconds). */
#include <stdlib.h>

#include "params.h"
#include "rt.h"
#include "workload.h"

static const char *const known[] = {"period_us", "samples", "wait", "work", "crit", "clock",
                                    NULL};
static const char *const waits[] = {"busy", "wfi", NULL};
static const char *const clocks[] = {"ctr24", "sp804", NULL};

static volatile uint32_t ticks;
static uint32_t *stamps;
static uint32_t want;

static void timer_isr(void)
{
    uint32_t now = vclock_now();
    if (REG32(TIMER0_BASE + TIMER_MIS) & 1) {
        rt_timer0_clear();
        if (ticks < want)
            stamps[ticks] = now;
        ticks++;
    }
}

int main(void)
{
    params_init("timer-jitter", known);
    uint32_t period = param_u32_range("period_us", 1000, 2, 10000000);
    uint32_t samples = param_u32_range("samples", 100, 1, 1000000);
    int wait = param_choice("wait", waits, 0);
    uint32_t work = param_u32_range("work", 16, 1, 1000000);
    uint32_t crit = param_u32_range("crit", 0, 0, 1000000);
    int clock = param_choice("clock", clocks, VCLOCK_CTR24);

    rt_printf("timer-jitter: period_us=%u samples=%u wait=%s work=%u crit=%u clock=%s\n",
              period, samples, waits[wait], work, crit, clocks[clock]);
    want = samples + 1;
    stamps = malloc(want * sizeof *stamps);
    uint32_t *delta = malloc(samples * sizeof *delta);
    if (!stamps || !delta)
        param_fail("out of memory for samples=%u", samples);

    vclock_init(clock);
    rt_irq_set_handler(VIC_LINE_TIMER01, timer_isr);
    rt_vic_enable(VIC_LINE_TIMER01);
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
    REG32(TIMER0_BASE + TIMER_LOAD) = period - 1;
    uint32_t t0 = vclock_now();
    REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_PERIODIC |
                                      TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
    uint32_t st = 0x2545f491u, steps = 0;
    if (wait == 0) {
        rt_irq_enable();
        while (ticks < want) {
            wl_cpu_kernel(1, &st, work);
            if (crit) {
                rt_irq_disable();
                wl_cpu_kernel(2, &st, crit);
                rt_irq_enable();
            }
            steps++;
        }
        rt_irq_disable();
    } else {
        for (;;) {
            rt_irq_disable();
            if (ticks >= want)
                break;
            rt_wfi();
            steps++;
            rt_irq_enable();
        }
    }
    rt_timer0_stop();
    rt_vic_disable(VIC_LINE_TIMER01);

    for (uint32_t i = 0; i < samples; i++)
        delta[i] = stamps[i + 1] - stamps[i];
    wl_stats s;
    wl_stats_compute(&s, delta, samples);
    uint64_t span_ns = vclock_ns(stamps[samples] - stamps[0]);
    uint64_t nominal_ns = (uint64_t)samples * period * 1000u;
    rt_printf("result workload=timer-jitter period_us=%u samples=%u wait=%s crit=%u clock=%s "
              "first_us=", period, samples, waits[wait], crit, clocks[clock]);
    wl_print_us(vclock_ns(stamps[0] - t0));
    rt_puts(" min_us=");
    wl_print_us(vclock_ns(s.min));
    rt_puts(" max_us=");
    wl_print_us(vclock_ns(s.max));
    rt_puts(" mean_us=");
    wl_print_us(span_ns / samples);
    rt_puts(" p50_us=");
    wl_print_us(vclock_ns(s.p50));
    rt_puts(" p99_us=");
    wl_print_us(vclock_ns(s.p99));
    rt_puts(" jitter_us=");
    wl_print_us(vclock_ns(s.max - s.min));
    rt_puts(" drift_us=");
    if (span_ns >= nominal_ns) {
        wl_print_us(span_ns - nominal_ns);
    } else {
        rt_putc('-');
        wl_print_us(nominal_ns - span_ns);
    }
    rt_printf(" steps=%u state=0x%08x spurious=%u status=%s\n", steps, st, rt_spurious_irqs,
              rt_spurious_irqs ? "spurious-irqs" : "ok");
    return rt_spurious_irqs ? 3 : 0;
}
