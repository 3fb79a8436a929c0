/* Helpers shared by the workload guests (stress-cpu, fio-rw, timer-jitter,
 * mixed): a virtual-time clock, latency statistics, a seeded PRNG and the
 * deterministic SD data pattern.
 *
 * Virtual time: with -icount shift=0 one instruction is 1 ns, so every
 * figure below is a function of the instruction stream only and identical on
 * QEMU and emu-arm. */
#ifndef DRIFTLAB_WORKLOAD_H
#define DRIFTLAB_WORKLOAD_H

#include <stdint.h>

/* ---- virtual clock ---- */
enum { VCLOCK_CTR24 = 0, VCLOCK_SP804 = 1 };
/* CTR24: the 24 MHz counter at 0x1000005c. SP804: TIMER1 (0x101e2020) as a
 * free-running 32-bit down-counter at 1 MHz (its interrupt stays off). */
void vclock_init(int kind);
uint32_t vclock_now(void);      /* ticks; differences wrap correctly */
uint32_t vclock_hz(void);
const char *vclock_name(void);
/* ticks -> nanoseconds (64-bit) */
uint64_t vclock_ns(uint32_t ticks);

/* ---- statistics over tick samples (sorts the array in place) ---- */
typedef struct {
    uint32_t n;
    uint32_t min, max, p50, p90, p99;
    uint64_t sum;
} wl_stats;
void wl_stats_compute(wl_stats *s, uint32_t *samples, uint32_t n);

/* Prints nanoseconds as microseconds with three decimals: "12.345". */
void wl_print_us(uint64_t ns);
/* Prints a/b with three decimals (b > 0). */
void wl_print_ratio3(uint64_t a, uint64_t b);

/* ---- PRNG: xorshift64*, seeded (seed 0 is remapped) ---- */
typedef struct { uint64_t s; } wl_rng;
void wl_rng_seed(wl_rng *r, uint32_t seed);
uint32_t wl_rng_next(wl_rng *r);
uint32_t wl_rng_below(wl_rng *r, uint32_t n);   /* uniform in [0, n), n > 0 */

/* ---- SD pattern: 512-byte block `lba` written with `seed` ----
 * word 0 = lba, word 1 = seed, word 2 = ~lba, words 3..127 from an LCG
 * started at lba * 0x9e3779b1 ^ seed * 0x85ebca77 (x = x * 1664525 +
 * 1013904223, each word is the new x). tests/ recompute it in Python. */
void wl_pattern_fill(uint32_t *blk, uint32_t lba, uint32_t seed);
/* Returns the index of the first wrong word, or -1 when the block matches. */
int wl_pattern_check(const uint32_t *blk, uint32_t lba, uint32_t seed);

/* ---- integer CPU kernels (stress-cpu, mixed) ---- */
/* Runs `iters` iterations of kernel k (0..3) on state *st. */
void wl_cpu_kernel(unsigned k, uint32_t *st, uint32_t iters);
const char *wl_cpu_kernel_name(unsigned k);

#endif
