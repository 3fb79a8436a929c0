/* Overhead of one configuration over another, paired by repetition, with a
 * percentile bootstrap interval (GSL's mt19937 and quantiles). */
#ifndef STATS_PAIRED_OVERHEAD_H
#define STATS_PAIRED_OVERHEAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct DlBoot {
    size_t n;               /* pairs used */
    double est;             /* mean over pairs of cost/base - 1 */
    double lo, hi;          /* percentile bootstrap interval; NAN when n < 2 */
    double sd;              /* bootstrap standard error; NAN when n < 2 */
} DlBoot;

/* Overhead of `cost` over `base`, paired by index: the mean of
 * cost[i]/base[i] - 1, with a percentile bootstrap interval at level `conf`
 * (e.g. 0.95) from `resamples` resamples of the pairs, drawn with a
 * gsl_rng mt19937 seeded with `seed`. Pairs with a non-finite or non-positive
 * value are skipped. The interval's ends are exact quantiles of the
 * resampled means, by the rule of drift_stats.h's series statistics.
 * 0, or -1 when no pair is usable. */
int dl_paired_overhead(const double *cost, const double *base, size_t n, size_t resamples,
                       double conf, unsigned long seed, DlBoot *out);

/* 64-bit FNV-1a, for bootstrap seeds that depend on a configuration's name only. */
uint64_t dl_hash(const char *s);

#endif
