/*
 * A fixed-size histogram of signed nanosecond values (drift samples), so
 * that quantiles over a run of any length cost O(1) memory and an O(1)
 * update: magnitudes below 32 ns have a bucket each, every power of two
 * above is split into 16 buckets, so a quantile is reported within 1/32 of
 * its true value (the bucket's middle). Magnitudes from 31 * 2^43 ns
 * (~76 h) on share the last bucket, which reports the exact extreme. The
 * extremes are kept exactly.
 */
#ifndef EMU_DRIFT_HIST_H
#define EMU_DRIFT_HIST_H
#include <stdint.h>

#define DRIFT_HIST_SUB 16                              /* buckets per power of two */
#define DRIFT_HIST_TOP_EXP 47                          /* highest power of two kept apart */
#define DRIFT_HIST_BUCKETS (DRIFT_HIST_SUB * (DRIFT_HIST_TOP_EXP - 2))

typedef struct DriftHist {
    uint64_t neg[DRIFT_HIST_BUCKETS];   /* values < 0, by magnitude */
    uint64_t pos[DRIFT_HIST_BUCKETS];   /* values >= 0 */
    int64_t n, min, max;
} DriftHist;

void drift_hist_init(DriftHist *h);
void drift_hist_add(DriftHist *h, int64_t v);
/* The q-quantile (0 <= q <= 1) of the values, and of their magnitudes;
 * 0 while empty. */
int64_t drift_hist_quantile(const DriftHist *h, double q);
int64_t drift_hist_abs_quantile(const DriftHist *h, double q);
/* max |v| (exact). */
int64_t drift_hist_abs_max(const DriftHist *h);
#endif
