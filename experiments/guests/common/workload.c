/* Helpers shared by the workload guests: see workload.h. */
#include "workload.h"

#include "rt.h"

/* ---- virtual clock ---- */
#define TIMER1_BASE (TIMER0_BASE + 0x20)

static int vclock_kind;

void vclock_init(int kind)
{
    vclock_kind = kind;
    if (kind == VCLOCK_SP804) {
        /* free-running (neither periodic nor one-shot): counts down from
         * 0xffffffff and wraps; interrupt disabled */
        REG32(TIMER1_BASE + TIMER_CTRL) = 0;
        REG32(TIMER1_BASE + TIMER_CTRL) = TIMER_CTRL_32BIT;
        REG32(TIMER1_BASE + TIMER_LOAD) = 0xffffffffu;
        REG32(TIMER1_BASE + TIMER_CTRL) = TIMER_CTRL_32BIT | TIMER_CTRL_ENABLE;
    }
}

uint32_t vclock_now(void)
{
    if (vclock_kind == VCLOCK_SP804)
        return ~REG32(TIMER1_BASE + TIMER_VALUE);
    return rt_counter24();
}

uint32_t vclock_hz(void)
{
    return vclock_kind == VCLOCK_SP804 ? 1000000u : 24000000u;
}

const char *vclock_name(void)
{
    return vclock_kind == VCLOCK_SP804 ? "sp804" : "ctr24";
}

uint64_t vclock_ns(uint32_t ticks)
{
    if (vclock_kind == VCLOCK_SP804)
        return (uint64_t)ticks * 1000u;
    return (uint64_t)ticks * 125u / 3u;     /* 1000 / 24 */
}

/* ---- statistics ---- */
static void sort_u32(uint32_t *a, uint32_t n)
{
    /* heapsort: no recursion, no allocation, O(n log n) */
    if (n < 2)
        return;
    for (uint32_t start = n / 2; start-- > 0;) {
        uint32_t root = start;
        for (;;) {
            uint32_t child = 2 * root + 1;
            if (child >= n)
                break;
            if (child + 1 < n && a[child] < a[child + 1])
                child++;
            if (a[root] >= a[child])
                break;
            uint32_t t = a[root];
            a[root] = a[child];
            a[child] = t;
            root = child;
        }
    }
    for (uint32_t end = n - 1; end > 0; end--) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        uint32_t root = 0;
        for (;;) {
            uint32_t child = 2 * root + 1;
            if (child >= end)
                break;
            if (child + 1 < end && a[child] < a[child + 1])
                child++;
            if (a[root] >= a[child])
                break;
            t = a[root];
            a[root] = a[child];
            a[child] = t;
            root = child;
        }
    }
}

/* nearest-rank percentile of a sorted array */
static uint32_t pct(const uint32_t *a, uint32_t n, uint32_t p)
{
    uint32_t rank = (uint32_t)(((uint64_t)p * n + 99) / 100);
    if (rank < 1)
        rank = 1;
    return a[rank - 1];
}

void wl_stats_compute(wl_stats *s, uint32_t *samples, uint32_t n)
{
    s->n = n;
    s->sum = 0;
    if (!n) {
        s->min = s->max = s->p50 = s->p90 = s->p99 = 0;
        return;
    }
    sort_u32(samples, n);
    for (uint32_t i = 0; i < n; i++)
        s->sum += samples[i];
    s->min = samples[0];
    s->max = samples[n - 1];
    s->p50 = pct(samples, n, 50);
    s->p90 = pct(samples, n, 90);
    s->p99 = pct(samples, n, 99);
}

void wl_print_us(uint64_t ns)
{
    rt_printf("%llu.%03u", ns / 1000u, (uint32_t)(ns % 1000u));
}

void wl_print_ratio3(uint64_t a, uint64_t b)
{
    uint64_t m = b ? a * 1000u / b : 0;
    rt_printf("%llu.%03u", m / 1000u, (uint32_t)(m % 1000u));
}

/* ---- PRNG ---- */
void wl_rng_seed(wl_rng *r, uint32_t seed)
{
    r->s = ((uint64_t)seed << 32 | (seed ^ 0x5bd1e995u)) * 0x9e3779b97f4a7c15ull;
    if (!r->s)
        r->s = 0x853c49e6748fea9bull;
}

uint32_t wl_rng_next(wl_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t wl_rng_below(wl_rng *r, uint32_t n)
{
    /* rejection sampling keeps it uniform */
    uint32_t lim = 0xffffffffu - (0xffffffffu % n) - 1u;
    uint32_t v;
    do
        v = wl_rng_next(r);
    while (v > lim);
    return v % n;
}

/* ---- SD pattern ---- */
void wl_pattern_fill(uint32_t *blk, uint32_t lba, uint32_t seed)
{
    uint32_t x = lba * 0x9e3779b1u ^ seed * 0x85ebca77u;
    blk[0] = lba;
    blk[1] = seed;
    blk[2] = ~lba;
    for (int i = 3; i < 128; i++) {
        x = x * 1664525u + 1013904223u;
        blk[i] = x;
    }
}

int wl_pattern_check(const uint32_t *blk, uint32_t lba, uint32_t seed)
{
    uint32_t x = lba * 0x9e3779b1u ^ seed * 0x85ebca77u;
    if (blk[0] != lba)
        return 0;
    if (blk[1] != seed)
        return 1;
    if (blk[2] != ~lba)
        return 2;
    for (int i = 3; i < 128; i++) {
        x = x * 1664525u + 1013904223u;
        if (blk[i] != x)
            return i;
    }
    return -1;
}

/* ---- CPU kernels ---- */
static uint32_t isqrt32(uint32_t v)
{
    uint32_t r = 0, bit = 1u << 30;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

void wl_cpu_kernel(unsigned k, uint32_t *st, uint32_t iters)
{
    uint32_t s = *st;
    switch (k & 3) {
    case 0:     /* integer square roots, like stress --cpu's sqrt(rand()) */
        for (uint32_t i = 0; i < iters; i++) {
            s = s * 1103515245u + 12345u;
            s ^= isqrt32(s);
        }
        break;
    case 1:     /* multiply/xorshift hashing */
        for (uint32_t i = 0; i < iters; i++) {
            s ^= s >> 15;
            s *= 0x2c1b3c6du;
            s ^= s >> 12;
            s *= 0x297a2d39u;
            s ^= s >> 15;
            s += i;
        }
        break;
    case 2:     /* bitwise CRC-32 of the state, 4 bytes per iteration */
        for (uint32_t i = 0; i < iters; i++) {
            uint32_t crc = ~s;
            uint32_t d = s ^ i;
            for (int b = 0; b < 32; b++) {
                uint32_t bit = (crc ^ d) & 1u;
                crc = (crc >> 1) ^ (bit ? 0xedb88320u : 0);
                d >>= 1;
            }
            s = ~crc;
        }
        break;
    default:    /* division chain (ARM926 has no divide: libgcc) */
        for (uint32_t i = 0; i < iters; i++) {
            uint32_t d = (s >> 7 | 1u) & 0xffffu;
            s = s / d + (s % d) * 2654435761u + i;
        }
        break;
    }
    *st = s;
}

const char *wl_cpu_kernel_name(unsigned k)
{
    static const char *const names[] = {"sqrt", "hash", "crc", "div"};
    return names[k & 3];
}
