/* The drift statistics of stats/ (drift_stats.h): the online accumulator the
 * recorder uses and the series statistics driftlab-analyze uses, on series
 * with known answers, and against each other on the same samples. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drift_stats.h"
#include "tap.h"

#define N 101

static bool near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

static DriftSummary online(const int64_t *h, const int64_t *d, size_t n)
{
    DriftStats *s = drift_stats_new();
    for (size_t i = 0; i < n; i++)
        drift_stats_add(s, h[i], d[i]);
    DriftSummary o;
    drift_stats_summary(s, &o);
    drift_stats_free(s);
    return o;
}

/* A shuffle of 0, 1000, ..., 100000 ns, 1 ms apart: mean 50 us, sd (n - 1)
 * sqrt(858.5) us, exact quantiles on the grid. */
static void test_known_permutation(void)
{
    int64_t h[N], d[N];
    for (int i = 0; i < N; i++) {
        h[i] = (int64_t)i * 1000000;
        d[i] = (int64_t)i * 1000;
    }
    for (int i = N - 1; i > 0; i--) {            /* a fixed shuffle (LCG) */
        int j = (int)((unsigned)(i * 2654435761u) % (unsigned)(i + 1));
        int64_t t = d[i];
        d[i] = d[j];
        d[j] = t;
    }
    DriftSeriesStats b;
    CHECK(drift_series_stats(h, d, N, &b) == 0, "series: statistics of 101 samples");
    CHECK(b.mean == 50000, "series: mean %.17g", b.mean);
    CHECK(near(b.sd, sqrt(858.5) * 1000, 1e-12), "series: sd with n - 1 (%.17g)", b.sd);
    CHECK(b.p50 == 50000 && b.p99 == 99000, "series: exact p50 %.17g, p99 %.17g", b.p50, b.p99);
    CHECK(b.abs_p99 == 99000 && b.abs_max == 100000, "series: |drift| p99 and max");
    CHECK(b.min == 0 && b.max == 100000, "series: min and max");

    DriftSummary o = online(h, d, N);
    CHECK_EQ(o.n, N, "online: samples");
    CHECK(near(o.mean, 50000, 1e-12), "online: mean %.17g", o.mean);
    CHECK(near(o.sd, sqrt(858.5) * 1000, 1e-12), "online: sd with n - 1 (%.17g)", o.sd);
    CHECK_EQ(o.min, 0, "online: min");
    CHECK_EQ(o.max, 100000, "online: max");
    CHECK_EQ(o.abs_max, 100000, "online: max |drift|");
    CHECK_EQ(o.max_advance, 100000, "online: max advance");
    CHECK_EQ(o.max_delay, 0, "online: never behind, max delay 0");
    CHECK_EQ(o.last, d[N - 1], "online: last sample");
    /* P^2 estimates: loose, within 5 % of the range of the exact value */
    CHECK(fabs(o.p50 - 50000) < 5000, "online: P^2 median %.1f near 50000", o.p50);
    CHECK(fabs(o.p99 - 99000) < 5000, "online: P^2 p99 %.1f near 99000", o.p99);
}

/* drift = 250 ns per ms of host time, minus 2 us: slope 250 ppm in both. */
static void test_slope(void)
{
    int64_t h[N], d[N];
    for (int i = 0; i < N; i++) {
        h[i] = (int64_t)i * 1000000;
        d[i] = (int64_t)i * 250 - 2000;
    }
    DriftSeriesStats b;
    drift_series_stats(h, d, N, &b);
    CHECK(near(b.slope, 2.5e-4, 1e-12), "series: slope %.17g ns/ns", b.slope);
    CHECK(near(b.intercept, -2000, 1e-9), "series: intercept %.17g ns", b.intercept);
    CHECK(near(b.final_lag, -(double)d[N - 1], 0), "series: final lag = -last drift");
    DriftSummary o = online(h, d, N);
    CHECK(near(o.slope_ppm, 250, 1e-12), "online: slope %.17g ppm", o.slope_ppm);
    CHECK_EQ(o.max_delay, 2000, "online: max delay 2 us");
}

/* Noisy series: the two ways agree to rounding on everything but the
 * quantiles, whose P^2 estimates stay near the exact values. */
static void test_online_matches_series(void)
{
    enum { M = 20000 };
    int64_t *h = malloc(M * sizeof *h), *d = malloc(M * sizeof *d);
    uint64_t x = 12345;
    for (int i = 0; i < M; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        h[i] = (int64_t)i * 1000000 + (int64_t)(x >> 54);                 /* jittered */
        d[i] = (int64_t)i * 40 + (int64_t)((x >> 20) % 200001) - 100000;  /* +-100 us */
    }
    DriftSeriesStats b;
    drift_series_stats(h, d, M, &b);
    DriftSummary o = online(h, d, M);
    CHECK(near(o.mean, b.mean, 1e-9), "mean: online %.17g, series %.17g", o.mean, b.mean);
    CHECK(near(o.sd, b.sd, 1e-9), "sd: online %.17g, series %.17g", o.sd, b.sd);
    CHECK(o.min == b.min && o.max == b.max, "min and max agree");
    CHECK(o.abs_max == b.abs_max, "max |drift| agrees");
    CHECK(near(o.slope_ppm, b.slope * 1e6, 1e-9), "slope: online %.17g ppm, series %.17g ppm",
          o.slope_ppm, b.slope * 1e6);
    double range = b.max - b.min;
    CHECK(fabs(o.p50 - b.p50) < 0.01 * range, "P^2 median %.0f near exact %.0f", o.p50, b.p50);
    CHECK(fabs(o.p99 - b.p99) < 0.01 * range, "P^2 p99 %.0f near exact %.0f", o.p99, b.p99);
    CHECK(fabs(o.abs_p99 - b.abs_p99) < 0.01 * range, "P^2 |drift| p99 %.0f near exact %.0f",
          o.abs_p99, b.abs_p99);
    free(h);
    free(d);
}

/* Up to five samples P^2 keeps them all: the online quantiles are exact. */
static void test_few_samples_exact(void)
{
    int64_t h[3] = { 0, 1000, 2000 }, d[3] = { -30, 10, 20 };
    DriftSummary o = online(h, d, 3);
    DriftSeriesStats b;
    drift_series_stats(h, d, 3, &b);
    CHECK(o.p50 == 10 && b.p50 == 10, "3 samples: median 10 in both (online %.17g)", o.p50);
    CHECK(o.abs_p50 == 20, "3 samples: |drift| median 20 (%.17g)", o.abs_p50);
    CHECK(o.p99 == b.p99, "3 samples: p99 equal (%.17g, %.17g)", o.p99, b.p99);
    CHECK_EQ(o.max_delay, 30, "max delay 30");
    CHECK_EQ(o.abs_max, 30, "max |drift| 30");
}

static void test_empty_and_single(void)
{
    DriftSummary o = online(NULL, NULL, 0);
    CHECK_EQ(o.n, 0, "online: no samples, summary all zero");
    DriftSeriesStats b;
    CHECK(drift_series_stats(NULL, NULL, 0, &b) == -1 && isnan(b.mean), "series: n = 0 is -1, NAN");
    int64_t h = 5, d = -7;
    o = online(&h, &d, 1);
    CHECK(o.sd == 0 && o.mean == -7, "online: one sample, sd 0");
    drift_series_stats(&h, &d, 1, &b);
    CHECK(isnan(b.sd) && isnan(b.slope) && b.p50 == -7, "series: one sample, sd and slope NAN");
}

/* The record's attribute names, once: every field is there, once, with its type. */
static void test_summary_fields(void)
{
    DriftSummary d = { .n = 3, .mean = 1.5, .sd = 2.5, .min = -4, .max = 9, .abs_max = 9,
                       .p50 = 0.5, .p99 = 8.5, .abs_p50 = 3.5, .abs_p99 = 8.75,
                       .slope_ppm = 12.5, .rms = 6.5, .max_advance = 9, .max_delay = 4 };
    DriftSummaryField f[DRIFT_SUMMARY_FIELDS];
    drift_summary_fields(&d, f);
    int dup = 0;
    for (int i = 0; i < DRIFT_SUMMARY_FIELDS; i++)
        for (int j = 0; j < i; j++)
            dup += !strcmp(f[i].name, f[j].name);
    CHECK(dup == 0, "field names are distinct");
    CHECK(!strcmp(f[0].name, "samples") && f[0].integer && f[0].i == 3, "samples first, integer");
    const struct { const char *name; bool integer; double v; } want[] = {
        { "drift_sd_ns", false, 2.5 }, { "drift_min_ns", true, -4 }, { "abs_drift_p50_ns", false, 3.5 },
        { "abs_drift_max_ns", true, 9 }, { "drift_slope_ppm", false, 12.5 },
        { "drift_rms_ns", false, 6.5 }, { "max_delay_ns", true, 4 },
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int hit = -1;
        for (int i = 0; i < DRIFT_SUMMARY_FIELDS; i++)
            if (!strcmp(f[i].name, want[k].name))
                hit = i;
        CHECK(hit >= 0 && f[hit].integer == want[k].integer
              && (f[hit].integer ? (double)f[hit].i : f[hit].f) == want[k].v,
              "%s carries its value and type", want[k].name);
    }
}

int main(void)
{
    test_known_permutation();
    test_slope();
    test_online_matches_series();
    test_few_samples_exact();
    test_empty_and_single();
    test_summary_fields();
    return tap_done();
}
