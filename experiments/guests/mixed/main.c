/* mixed: CPU bursts interleaved with SD block I/O. Each round runs a burst
 * of integer work (the stress-cpu kernels, one after the other), then a
 * batch of I/Os through the PL181 driver (common/mmci.c): random or
 * sequential, reads and writes mixed, polling or interrupts. Optionally an
 * SP804 tick interrupts both in the background. Written blocks carry the
 * block-number + seed pattern; reads of written blocks are checked, and a
 * final pass reads back everything written.
 *
 * -append parameters (defaults):
 *   rounds=N (16)  burst=N kernel iterations per round (20000)
 *   ios=N I/Os per round (4)  bs=BYTES (4k)  span=BYTES region (256k)
 *   start=LBA (0)  mode=seq|rand (rand)  rwmix=R (% reads, 50)
 *   seed=N (1)  irq=0|1 (0)  multi=0|1 (1)  tick_us=N (0: no timer)
 *   clock=ctr24|sp804 (ctr24)
 *
 * Output: "result workload=mixed ..." with the virtual time spent in CPU
 * bursts and in I/O, the I/O latency percentiles and the verification
 * counts. Exits 1 on an SD error, 3 when verification fails. */
#include <stdlib.h>

#include "mmci.h"
#include "params.h"
#include "rt.h"
#include "workload.h"

static const char *const known[] = {"rounds", "burst", "ios", "bs", "span", "start", "mode",
                                    "rwmix", "seed", "irq", "multi", "tick_us", "clock", NULL};
static const char *const modes[] = {"seq", "rand", NULL};
static const char *const clocks[] = {"ctr24", "sp804", NULL};

static mmci_card card;
static uint8_t *written;
static volatile uint32_t tick_count;

static int is_written(uint32_t rel) { return (written[rel >> 3] >> (rel & 7)) & 1; }
static void mark_written(uint32_t rel) { written[rel >> 3] |= (uint8_t)(1u << (rel & 7)); }

static void tick_isr(void)
{
    if (REG32(TIMER0_BASE + TIMER_MIS) & 1) {
        rt_timer0_clear();
        tick_count++;
    }
}

static void sd_fail(int e)
{
    mmci_describe_error(&card, e);
    rt_putc('\n');
    rt_printf("result workload=mixed status=error err=%s cmd=%u r1=0x%08x\n", mmci_strerror(e),
              card.err_cmd, card.err_r1);
    exit(1);
}

int main(void)
{
    params_init("mixed", known);
    uint32_t rounds = param_u32_range("rounds", 16, 1, 1000000);
    uint32_t burst = param_u32("burst", 20000);
    uint32_t ios = param_u32_range("ios", 4, 0, 100000);
    uint32_t bs = param_u32_range("bs", 4096, 512, 1u << 20);
    uint32_t span = param_u32_range("span", 256u << 10, 512, 0xfffffe00u);
    uint32_t start = param_u32("start", 0);
    int mode = param_choice("mode", modes, 1);
    uint32_t rwmix = param_u32_range("rwmix", 50, 0, 100);
    uint32_t seed = param_u32("seed", 1);
    uint32_t use_irq = param_u32_range("irq", 0, 0, 1);
    uint32_t multi = param_u32_range("multi", 1, 0, 1);
    uint32_t tick_us = param_u32_range("tick_us", 0, 0, 1000000);
    int clock = param_choice("clock", clocks, VCLOCK_CTR24);
    if (bs % MMCI_BLOCK || span % bs)
        param_fail("bs must be a multiple of 512 and span a multiple of bs");
    if ((uint64_t)rounds * ios > 1000000)
        param_fail("rounds*ios must be at most 1000000");

    uint32_t bpi = bs / MMCI_BLOCK, span_blocks = span / MMCI_BLOCK, slots = span_blocks / bpi;
    uint32_t nios = rounds * ios;
    rt_printf("mixed: rounds=%u burst=%u ios=%u bs=%u span=%u start=%u mode=%s rwmix=%u "
              "seed=%u irq=%u multi=%u tick_us=%u clock=%s\n", rounds, burst, ios, bs, span,
              start, modes[mode], rwmix, seed, use_irq, multi, tick_us, clocks[clock]);

    uint32_t *buf = malloc(bs);
    uint32_t *lat = malloc((nios ? nios : 1) * sizeof *lat);
    written = calloc((span_blocks + 7) / 8, 1);
    if (!buf || !lat || !written)
        param_fail("out of memory");

    vclock_init(clock);
    int e = mmci_init(&card, (int)use_irq);
    if (e)
        sd_fail(e);
    rt_printf("card: blocks=%u hc=%u rca=0x%04x\n", card.nblocks, card.high_capacity, card.rca);
    if (tick_us) {
        rt_irq_set_handler(VIC_LINE_TIMER01, tick_isr);
        rt_vic_enable(VIC_LINE_TIMER01);
        REG32(TIMER0_BASE + TIMER_CTRL) = 0;
        REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
        REG32(TIMER0_BASE + TIMER_LOAD) = tick_us - (tick_us > 1);
        REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_PERIODIC |
                                          TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
        rt_irq_enable();
    }

    wl_rng rng;
    wl_rng_seed(&rng, seed);
    uint32_t state = 0x6a09e667u ^ seed, reads = 0, writes = 0, checked = 0, bad = 0, n = 0;
    uint32_t cpu_ticks = 0, io_ticks = 0, seq = 0;
    uint32_t t0 = vclock_now();
    for (uint32_t r = 0; r < rounds; r++) {
        uint32_t c0 = vclock_now();
        wl_cpu_kernel(r, &state, burst);
        uint32_t c1 = vclock_now();
        cpu_ticks += c1 - c0;
        for (uint32_t i = 0; i < ios; i++) {
            uint32_t slot = mode == 0 ? seq++ % slots : wl_rng_below(&rng, slots);
            int is_read = wl_rng_below(&rng, 100) < rwmix;
            uint32_t rel = slot * bpi, lba = start + rel;
            if (!is_read)
                for (uint32_t b = 0; b < bpi; b++)
                    wl_pattern_fill(buf + b * 128, lba + b, seed);
            uint32_t t1 = vclock_now();
            e = is_read ? mmci_read(&card, lba, bpi, buf, (int)multi)
                        : mmci_write(&card, lba, bpi, buf, (int)multi);
            uint32_t t2 = vclock_now();
            if (e)
                sd_fail(e);
            lat[n++] = t2 - t1;
            if (is_read) {
                reads++;
                for (uint32_t b = 0; b < bpi; b++)
                    if (is_written(rel + b)) {
                        checked++;
                        if (wl_pattern_check(buf + b * 128, lba + b, seed) >= 0)
                            bad++;
                    }
            } else {
                writes++;
                for (uint32_t b = 0; b < bpi; b++)
                    mark_written(rel + b);
            }
        }
        io_ticks += vclock_now() - c1;
    }
    uint32_t elapsed = vclock_now() - t0;
    if (tick_us) {
        rt_irq_disable();
        rt_timer0_stop();
        rt_vic_disable(VIC_LINE_TIMER01);
        if (use_irq)
            rt_irq_enable();
    }

    uint32_t verified = 0;
    for (uint32_t rel = 0; rel < span_blocks; rel++) {
        if (!is_written(rel))
            continue;
        if ((e = mmci_read(&card, start + rel, 1, buf, 0)))
            sd_fail(e);
        if (wl_pattern_check(buf, start + rel, seed) >= 0)
            bad++;
        verified++;
    }

    wl_stats st;
    wl_stats_compute(&st, lat, n);
    uint64_t el_ns = vclock_ns(elapsed), io_ns = vclock_ns(io_ticks);
    rt_printf("result workload=mixed rounds=%u burst=%u ios=%u bs=%u mode=%s irq=%u tick_us=%u "
              "clock=%s reads=%u writes=%u elapsed_us=", rounds, burst, ios, bs, modes[mode],
              use_irq, tick_us, clocks[clock], reads, writes);
    wl_print_us(el_ns);
    rt_puts(" cpu_us=");
    wl_print_us(vclock_ns(cpu_ticks));
    rt_puts(" io_us=");
    wl_print_us(io_ns);
    rt_puts(" io_mbps=");
    wl_print_ratio3((uint64_t)n * bs * 1000u, io_ns);
    rt_puts(" p50_us=");
    wl_print_us(vclock_ns(st.p50));
    rt_puts(" p99_us=");
    wl_print_us(vclock_ns(st.p99));
    rt_puts(" lat_max_us=");
    wl_print_us(vclock_ns(st.max));
    rt_printf(" ticks=%u state=0x%08x cmds=%u irqs=%u checked=%u verified=%u bad=%u status=%s\n",
              tick_count, state, card.cmds, card.irqs, checked, verified, bad,
              bad ? "verify-failed" : "ok");
    return bad ? 3 : 0;
}
