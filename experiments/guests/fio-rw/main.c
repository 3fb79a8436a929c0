/* fio-rw: block I/O on the SD card through the PL181 (common/mmci.c), in
 * the spirit of fio: sequential or random (seeded) offsets, a block size, a
 * read/write mix, a total size, completion by polling or by interrupts.
 * Every block it writes holds a pattern derived from its block number and
 * the seed (common/workload.h); reads of blocks written in this run are
 * checked against it, and a final pass reads back every block written.
 * Throughput and latency percentiles are in virtual time.
 *
 * -append parameters (defaults):
 *   mode=seq|rand (seq)    rw=read|write|mix (write)   rwmix=R (50: % reads)
 *   bs=BYTES (4k, multiple of 512)   size=BYTES total I/O (256k)
 *   start=LBA (0)   span=BYTES region the offsets fall in (default: size,
 *   but no more than the card holds from start on)
 *   seed=N (1)   irq=0|1 (0)   multi=0|1 (1: CMD18/CMD25)   verify=0|1 (1)
 *   prefill=0|1 (1 unless rw=write: write the region first, untimed)
 *   ack=0|1 (0: print "acked lba=N n=M" after each completed write)
 *   clock=ctr24|sp804 (ctr24)
 *
 * Output: a header, the card's figures, optional "acked" lines, then one
 * "result workload=fio-rw ..." line. An SD error prints "sd error: ..." and
 * a result line with status=error, and exits 1; failed verification exits 3. */
#include <stdlib.h>
#include <string.h>

#include "mmci.h"
#include "params.h"
#include "rt.h"
#include "workload.h"

static const char *const known[] = {"mode", "rw", "rwmix", "bs", "size", "start", "span",
                                    "seed", "irq", "multi", "verify", "prefill", "ack",
                                    "clock", NULL};
static const char *const modes[] = {"seq", "rand", NULL};
static const char *const rws[] = {"read", "write", "mix", NULL};
static const char *const clocks[] = {"ctr24", "sp804", NULL};
enum { RW_READ, RW_WRITE, RW_MIX };

static mmci_card card;
static uint32_t *buf;
static uint8_t *written;        /* one bit per block of the span */

static int is_written(uint32_t rel) { return (written[rel >> 3] >> (rel & 7)) & 1; }
static void mark_written(uint32_t rel) { written[rel >> 3] |= (uint8_t)(1u << (rel & 7)); }

static void result_error(int mode, int rw, uint32_t bs, int e)
{
    mmci_describe_error(&card, e);
    rt_putc('\n');
    rt_printf("result workload=fio-rw mode=%s rw=%s bs=%u status=error err=%s cmd=%u "
              "r1=0x%08x\n", modes[mode], rws[rw], bs, mmci_strerror(e), card.err_cmd,
              card.err_r1);
    exit(1);
}

int main(void)
{
    params_init("fio-rw", known);
    int mode = param_choice("mode", modes, 0);
    int rw = param_choice("rw", rws, RW_WRITE);
    uint32_t rwmix = param_u32_range("rwmix", 50, 0, 100);
    uint32_t bs = param_u32_range("bs", 4096, 512, 1u << 20);
    uint32_t size = param_u32_range("size", 256u << 10, 512, 0xfffffe00u);
    uint32_t start = param_u32("start", 0);
    /* span: default the total size, clipped to what the card has from start
     * on (settled once the card is known) */
    int span_given = param_raw("span") != NULL;
    uint32_t span = param_u32_range("span", size, 512, 0xfffffe00u);
    uint32_t seed = param_u32("seed", 1);
    uint32_t use_irq = param_u32_range("irq", 0, 0, 1);
    uint32_t multi = param_u32_range("multi", 1, 0, 1);
    uint32_t verify = param_u32_range("verify", 1, 0, 1);
    uint32_t prefill = param_u32_range("prefill", rw != RW_WRITE, 0, 1);
    uint32_t ack = param_u32_range("ack", 0, 0, 1);
    int clock = param_choice("clock", clocks, VCLOCK_CTR24);

    if (bs % MMCI_BLOCK || size % bs || span % bs)
        param_fail("bs must be a multiple of 512, size and span multiples of bs");
    uint32_t bpi = bs / MMCI_BLOCK;             /* blocks per I/O */
    uint32_t nios = size / bs;

    buf = malloc(bs);
    uint32_t *lat = malloc(nios * sizeof *lat);
    if (!buf || !lat)
        param_fail("out of memory for bs=%u size=%u", bs, size);

    vclock_init(clock);
    int e = mmci_init(&card, (int)use_irq);
    if (e) {
        rt_printf("fio-rw: mode=%s rw=%s bs=%u\n", modes[mode], rws[rw], bs);
        result_error(mode, rw, bs, e);
    }
    if (!span_given && start < card.nblocks && span / MMCI_BLOCK > card.nblocks - start)
        span = (card.nblocks - start) / bpi * bs;
    if (span < bs)
        param_fail("span=%u is less than one block of bs=%u", span, bs);
    uint32_t span_blocks = span / MMCI_BLOCK;
    uint32_t slots = span_blocks / bpi;         /* I/O-sized slots in the span */
    written = calloc((span_blocks + 7) / 8, 1);
    if (!written)
        param_fail("out of memory for span=%u", span);

    rt_printf("fio-rw: mode=%s rw=%s rwmix=%u bs=%u size=%u start=%u span=%u seed=%u irq=%u "
              "multi=%u verify=%u prefill=%u clock=%s\n", modes[mode], rws[rw], rwmix, bs, size,
              start, span, seed, use_irq, multi, verify, prefill, clocks[clock]);
    rt_printf("card: blocks=%u hc=%u rca=0x%04x ocr=0x%08x\n", card.nblocks,
              card.high_capacity, card.rca, card.ocr);
    if ((uint64_t)start + span_blocks > card.nblocks)
        rt_printf("warning: region %u+%u blocks is beyond the card (%u blocks)\n", start,
                  span_blocks, card.nblocks);

    /* untimed prefill so that reads have something to check */
    if (prefill) {
        for (uint32_t s = 0; s < slots; s++) {
            uint32_t lba = start + s * bpi;
            for (uint32_t b = 0; b < bpi; b++)
                wl_pattern_fill(buf + b * 128, lba + b, seed);
            if ((e = mmci_write(&card, lba, bpi, buf, (int)multi)))
                result_error(mode, rw, bs, e);
            for (uint32_t b = 0; b < bpi; b++)
                mark_written(s * bpi + b);
        }
    }

    wl_rng rng;
    wl_rng_seed(&rng, seed);
    uint32_t reads = 0, writes = 0, checked = 0, bad = 0;
    uint32_t cmds0 = card.cmds, irqs0 = card.irqs;
    uint32_t t0 = vclock_now();
    for (uint32_t io = 0; io < nios; io++) {
        uint32_t slot = mode == 0 ? io % slots : wl_rng_below(&rng, slots);
        int is_read = rw == RW_READ || (rw == RW_MIX && wl_rng_below(&rng, 100) < rwmix);
        uint32_t rel = slot * bpi, lba = start + rel;
        if (!is_read)
            for (uint32_t b = 0; b < bpi; b++)
                wl_pattern_fill(buf + b * 128, lba + b, seed);
        uint32_t t1 = vclock_now();
        e = is_read ? mmci_read(&card, lba, bpi, buf, (int)multi)
                    : mmci_write(&card, lba, bpi, buf, (int)multi);
        uint32_t t2 = vclock_now();
        if (e)
            result_error(mode, rw, bs, e);
        lat[io] = t2 - t1;
        if (is_read) {
            reads++;
            if (verify)
                for (uint32_t b = 0; b < bpi; b++)
                    if (is_written(rel + b)) {
                        checked++;
                        int w = wl_pattern_check(buf + b * 128, lba + b, seed);
                        if (w >= 0) {
                            if (bad < 8)
                                rt_printf("verify: lba %u word %d is 0x%08x\n", lba + b, w,
                                          buf[b * 128 + (uint32_t)w]);
                            bad++;
                        }
                    }
        } else {
            writes++;
            for (uint32_t b = 0; b < bpi; b++)
                mark_written(rel + b);
            if (ack)
                rt_printf("acked lba=%u n=%u\n", lba, bpi);
        }
    }
    uint32_t elapsed = vclock_now() - t0;
    uint32_t io_cmds = card.cmds - cmds0, io_irqs = card.irqs - irqs0;

    /* read back everything written, in runs of up to bs */
    uint32_t verified = 0;
    if (verify) {
        for (uint32_t rel = 0; rel < span_blocks;) {
            if (!is_written(rel)) {
                rel++;
                continue;
            }
            uint32_t n = 1;
            while (n < bpi && rel + n < span_blocks && is_written(rel + n))
                n++;
            if ((e = mmci_read(&card, start + rel, n, buf, (int)multi)))
                result_error(mode, rw, bs, e);
            for (uint32_t b = 0; b < n; b++) {
                int w = wl_pattern_check(buf + b * 128, start + rel + b, seed);
                if (w >= 0) {
                    if (bad < 8)
                        rt_printf("verify: lba %u word %d is 0x%08x\n", start + rel + b, w,
                                  buf[b * 128 + (uint32_t)w]);
                    bad++;
                }
                verified++;
            }
            rel += n;
        }
    }

    wl_stats st;
    wl_stats_compute(&st, lat, nios);
    uint64_t el_ns = vclock_ns(elapsed);
    uint64_t bytes = (uint64_t)nios * bs;
    rt_printf("result workload=fio-rw mode=%s rw=%s bs=%u size=%u irq=%u multi=%u clock=%s "
              "ios=%u reads=%u writes=%u elapsed_us=", modes[mode], rws[rw], bs, size, use_irq,
              multi, clocks[clock], nios, reads, writes);
    wl_print_us(el_ns);
    rt_puts(" mbps=");
    wl_print_ratio3(bytes * 1000u, el_ns);      /* bytes/us = MB/s */
    rt_puts(" iops=");
    wl_print_ratio3((uint64_t)nios * 1000000000u, el_ns);
    rt_puts(" lat_min_us=");
    wl_print_us(vclock_ns(st.min));
    rt_puts(" p50_us=");
    wl_print_us(vclock_ns(st.p50));
    rt_puts(" p90_us=");
    wl_print_us(vclock_ns(st.p90));
    rt_puts(" p99_us=");
    wl_print_us(vclock_ns(st.p99));
    rt_puts(" lat_max_us=");
    wl_print_us(vclock_ns(st.max));
    rt_printf(" cmds=%u irqs=%u checked=%u verified=%u bad=%u status=%s\n", io_cmds, io_irqs,
              checked, verified, bad, bad ? "verify-failed" : "ok");
    return bad ? 3 : 0;
}
