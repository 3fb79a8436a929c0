/* Statistics of driftlab runs (GSL): drift distribution and rate of one run,
 * paired overhead with a bootstrap confidence interval. */
#ifndef DL_STATS_H
#define DL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Everything in ns except where named otherwise; NAN where undefined. */
typedef struct DlDriftStats {
    size_t n;               /* samples */
    double mean, sd;        /* sd with n-1 in the denominator */
    double p50, p99;        /* quantiles of drift, linear interpolation between
                               order statistics (GSL's, = numpy's default) */
    double abs_p99;         /* 99th percentile of |drift| */
    double abs_max;         /* max |drift| */
    double min, max;
    double slope;           /* least-squares d(drift)/d(host): ns per ns */
    double intercept;       /* ns */
    double slope_se;        /* standard error of the slope */
    double ratio;           /* guest elapsed / host elapsed, from the last sample */
    double final_lag;       /* host - guest at the last sample */
    double host_elapsed, guest_elapsed;
} DlDriftStats;

/* host[i], drift[i]: the /drift series of a run (n >= 1). 0, or -1 when n == 0. */
int dl_drift_stats(const int64_t *host, const int64_t *drift, size_t n, DlDriftStats *out);

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
 * value are skipped. 0, or -1 when no pair is usable. */
int dl_paired_overhead(const double *cost, const double *base, size_t n, size_t resamples,
                       double conf, unsigned long seed, DlBoot *out);

/* 64-bit FNV-1a, for seeds that depend on a configuration's name only. */
uint64_t dl_hash(const char *s);

#endif
