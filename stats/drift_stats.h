/*
 * Drift statistics of a run, with GSL: the one place where they are defined,
 * linked by the emulator (its record's /summary, the monitor's `info align`)
 * and by driftlab-analyze (its tables), and run by python/driftlab/analysis/synth.py through
 * build/stats/drift-summary.
 *
 * drift = guest time - host time since the start, in ns (> 0: guest ahead),
 * sampled at host times host_ns. Two ways in, one set of definitions:
 *
 *  - online (DriftStats): sample by sample, in constant memory, for a run of
 *    any length. mean, rms and sd (n - 1) from gsl_rstat; quantiles are P^2
 *    estimates (gsl_rstat_median, gsl_rstat_quantile), exact up to 5 samples;
 *    the slope is the least-squares one, from running co-moments.
 *  - series (DriftSeriesStats): a whole /drift series in memory. mean and sd
 *    (n - 1) from gsl_stats; quantiles exact, by linear interpolation between
 *    order statistics (gsl_stats_quantile_from_sorted_data, numpy's default);
 *    the slope from gsl_fit_linear.
 *
 * On the same samples the two agree to rounding on mean, sd, min, max and
 * slope; their quantiles differ by the P^2 estimate's error.
 */
#ifndef STATS_DRIFT_STATS_H
#define STATS_DRIFT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- online ------------------------------------------------------------ */

typedef struct DriftStats DriftStats;
DriftStats *drift_stats_new(void);          /* NULL when out of memory */
void drift_stats_free(DriftStats *s);
void drift_stats_add(DriftStats *s, int64_t host_ns, int64_t drift_ns);

typedef struct DriftSummary {
    int64_t n;
    double mean, sd, rms, p50, p99, abs_p50, abs_p99;   /* ns; quantiles are P^2 estimates */
    int64_t min, max, abs_max;                 /* ns */
    double slope_ppm;          /* least-squares slope of drift against host time, 1e-6 */
    int64_t max_advance, max_delay;            /* ns, >= 0 */
    int64_t last;                              /* last sample (ns) */
} DriftSummary;
/* All zero before the first sample; sd 0 with one sample. */
void drift_stats_summary(const DriftStats *s, DriftSummary *out);

/* A summary as the record's /summary attributes name it (docs/hdf5-schema.md),
 * in the order the recorder writes them: integer fields in i, others in f. */
typedef struct DriftSummaryField {
    const char *name;
    bool integer;
    int64_t i;
    double f;
} DriftSummaryField;
#define DRIFT_SUMMARY_FIELDS 14
void drift_summary_fields(const DriftSummary *d, DriftSummaryField out[DRIFT_SUMMARY_FIELDS]);

/* ---- series ------------------------------------------------------------ */

/* Everything in ns except where named otherwise; NAN where undefined. */
typedef struct DriftSeriesStats {
    size_t n;               /* samples */
    double mean, sd;        /* sd with n-1 in the denominator */
    double p50, p99;        /* exact quantiles of drift (see above) */
    double abs_p99;         /* 99th percentile of |drift| */
    double abs_max;         /* max |drift| */
    double min, max;
    double slope;           /* least-squares d(drift)/d(host): ns per ns */
    double intercept;       /* ns */
    double slope_se;        /* standard error of the slope */
    double ratio;           /* guest elapsed / host elapsed, from the last sample */
    double final_lag;       /* host - guest at the last sample */
    double host_elapsed, guest_elapsed;
} DriftSeriesStats;

/* host[i], drift[i]: the /drift series of a run. 0, or -1 when n == 0 or
 * out of memory. */
int drift_series_stats(const int64_t *host, const int64_t *drift, size_t n,
                       DriftSeriesStats *out);

/* GSL's errors as return codes (which the functions here check) rather than
 * an abort: for programs that feed these functions data they did not make.
 * Process-wide, as GSL's error handler is; call once at start. */
void stats_errors_as_codes(void);

#endif
