/* Log-linear histogram of drift samples; see drift_hist.h. */
#include "drift_hist.h"
#include <math.h>
#include <string.h>

/* Magnitudes below 2 * DRIFT_HIST_SUB are exact; above, a bucket holds
 * [lo, lo + 2^(e-4)) for the power of two 2^e it falls in. */
static int bucket_of(uint64_t m)
{
    if (m < 2 * DRIFT_HIST_SUB)
        return (int)m;
    int e = 63 - __builtin_clzll(m);                   /* 5 .. 63 */
    if (e > DRIFT_HIST_TOP_EXP)
        return DRIFT_HIST_BUCKETS - 1;
    int sub = (int)((m >> (e - 4)) & (DRIFT_HIST_SUB - 1));
    return DRIFT_HIST_SUB * (e - 3) + sub;
}

/* The middle of a bucket's range, as the value it stands for. */
static uint64_t bucket_mid(int b)
{
    if (b < 2 * DRIFT_HIST_SUB)
        return (uint64_t)b;
    int e = b / DRIFT_HIST_SUB + 3, sub = b % DRIFT_HIST_SUB;
    uint64_t width = UINT64_C(1) << (e - 4);
    return ((uint64_t)(DRIFT_HIST_SUB + sub) << (e - 4)) + (width - 1) / 2;
}

void drift_hist_init(DriftHist *h)
{
    memset(h, 0, sizeof *h);
    h->min = INT64_MAX;
    h->max = INT64_MIN;
}

void drift_hist_add(DriftHist *h, int64_t v)
{
    if (v < 0)
        h->neg[bucket_of(-(uint64_t)v)]++;
    else
        h->pos[bucket_of((uint64_t)v)]++;
    h->n++;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* The 1-based rank of the q-quantile among n values. */
static uint64_t rank_of(int64_t n, double q)
{
    if (!(q > 0))
        return 1;
    if (q > 1)
        q = 1;
    double r = ceil(q * (double)n);
    return r < 1 ? 1 : (uint64_t)r;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int64_t drift_hist_quantile(const DriftHist *h, double q)
{
    if (!h->n)
        return 0;
    uint64_t rank = rank_of(h->n, q), seen = 0;
    for (int b = DRIFT_HIST_BUCKETS - 1; b >= 0; b--) {   /* most negative first */
        seen += h->neg[b];
        if (seen >= rank && b == DRIFT_HIST_BUCKETS - 1)
            return h->min;                   /* the open-ended bucket: its extreme */
        if (seen >= rank) {
            uint64_t mid = bucket_mid(b);
            int64_t v = mid > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mid;
            return clamp(v, h->min, h->max);
        }
    }
    for (int b = 0; b < DRIFT_HIST_BUCKETS; b++) {
        seen += h->pos[b];
        if (seen >= rank && b == DRIFT_HIST_BUCKETS - 1)
            return h->max;
        if (seen >= rank) {
            uint64_t mid = bucket_mid(b);
            return clamp(mid > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)mid, h->min, h->max);
        }
    }
    return h->max;
}

int64_t drift_hist_abs_max(const DriftHist *h)
{
    if (!h->n)
        return 0;
    uint64_t lo = h->min < 0 ? -(uint64_t)h->min : 0, hi = h->max > 0 ? (uint64_t)h->max : 0;
    uint64_t m = lo > hi ? lo : hi;
    return m > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)m;
}

int64_t drift_hist_abs_quantile(const DriftHist *h, double q)
{
    if (!h->n)
        return 0;
    uint64_t rank = rank_of(h->n, q), seen = 0;
    int64_t top = drift_hist_abs_max(h);
    for (int b = 0; b < DRIFT_HIST_BUCKETS; b++) {
        seen += h->neg[b] + h->pos[b];
        if (seen >= rank && b == DRIFT_HIST_BUCKETS - 1)
            return top;
        if (seen >= rank) {
            uint64_t mid = bucket_mid(b);
            return mid > (uint64_t)top ? top : (int64_t)mid;
        }
    }
    return top;
}
