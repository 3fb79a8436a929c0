/* The fixed-size drift histogram behind `info align`'s loop-entry
 * quantiles (emu/drift_hist.c), against exact quantiles of sorted data. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drift_hist.h"
#include "tap.h"

static DriftHist h;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The exact q-quantile of sorted v[0..n): the value of rank ceil(q n). */
static int64_t exact(const int64_t *v, int n, double q)
{
    int r = (int)(q * n + 0.999999999);
    if (r < 1)
        r = 1;
    return v[r - 1];
}

static int64_t mag(int64_t x) { return x < 0 ? -x : x; }

/* Within 1/32 of the true value, plus half a nanosecond's rounding. */
static bool close_to(int64_t got, int64_t want)
{
    return mag(got - want) <= mag(want) / 32 + 1;
}

static void test_empty_and_small(void)
{
    drift_hist_init(&h);
    CHECK(h.n == 0 && drift_hist_quantile(&h, 0.5) == 0 && drift_hist_abs_quantile(&h, 0.99) == 0 &&
          drift_hist_abs_max(&h) == 0, "an empty histogram reports 0");
    for (int64_t v = -31; v <= 31; v++)
        drift_hist_add(&h, v);
    CHECK_EQ(drift_hist_quantile(&h, 0.5), 0, "median of -31..31 is exact");
    CHECK_EQ(drift_hist_quantile(&h, 0), -31, "q=0: the minimum");
    CHECK_EQ(drift_hist_quantile(&h, 1), 31, "q=1: the maximum");
    CHECK_EQ(drift_hist_abs_quantile(&h, 0.5), 16, "|v| median of -31..31 (63 values: rank 32)");
    CHECK_EQ(drift_hist_abs_max(&h), 31, "max |v|");
}

static void test_random_against_sorted(void)
{
    enum { N = 20000 };
    static int64_t v[N], a[N];
    srand(4242);
    drift_hist_init(&h);
    for (int i = 0; i < N; i++) {
        /* drift-like: mostly microseconds, some milliseconds, both signs */
        int64_t x = (int64_t)(rand() % 2000000) - 600000;
        if (rand() % 50 == 0)
            x *= 40;
        v[i] = x;
        a[i] = mag(x);
        drift_hist_add(&h, x);
    }
    qsort(v, N, sizeof v[0], cmp_i64);
    qsort(a, N, sizeof a[0], cmp_i64);
    static const double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999 };
    int bad = 0, bad_abs = 0;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        int64_t got = drift_hist_quantile(&h, qs[i]), want = exact(v, N, qs[i]);
        int64_t ga = drift_hist_abs_quantile(&h, qs[i]), wa = exact(a, N, qs[i]);
        if (!close_to(got, want)) {
            bad++;
            printf("# q=%g: %lld, exact %lld\n", qs[i], (long long)got, (long long)want);
        }
        if (!close_to(ga, wa)) {
            bad_abs++;
            printf("# |v| q=%g: %lld, exact %lld\n", qs[i], (long long)ga, (long long)wa);
        }
    }
    CHECK_EQ(bad, 0, "signed quantiles of 20000 drift-like values within 1/32 of the exact ones");
    CHECK_EQ(bad_abs, 0, "|drift| quantiles within 1/32 of the exact ones");
    CHECK_EQ(drift_hist_abs_max(&h), a[N - 1], "max |drift| is exact");
    CHECK(h.min == v[0] && h.max == v[N - 1] && h.n == N, "min, max and count are exact");
}

static void test_extremes(void)
{
    drift_hist_init(&h);
    drift_hist_add(&h, INT64_MIN);
    drift_hist_add(&h, INT64_MAX);
    drift_hist_add(&h, (int64_t)1 << 50);
    CHECK(drift_hist_quantile(&h, 0) == INT64_MIN && drift_hist_quantile(&h, 1) == INT64_MAX,
          "the extremes of int64 are kept, and clamp what the last bucket reports");
    CHECK(drift_hist_abs_max(&h) == INT64_MAX && drift_hist_abs_quantile(&h, 0.1) > 0,
          "|INT64_MIN| saturates");
}

int main(void)
{
    test_empty_and_small();
    test_random_against_sorted();
    test_extremes();
    return tap_done();
}
