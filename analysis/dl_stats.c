#include "dl_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_fit.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

int dl_drift_stats(const int64_t *host, const int64_t *drift, size_t n, DlDriftStats *o)
{
    *o = (DlDriftStats){ .n = n, .mean = NAN, .sd = NAN, .p50 = NAN, .p99 = NAN,
                         .abs_p99 = NAN, .abs_max = NAN, .min = NAN, .max = NAN,
                         .slope = NAN, .intercept = NAN, .slope_se = NAN, .ratio = NAN,
                         .final_lag = NAN, .host_elapsed = NAN, .guest_elapsed = NAN };
    if (n == 0)
        return -1;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *a = malloc(n * sizeof *a);
    if (!x || !y || !a) {
        free(x), free(y), free(a);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)host[i];
        y[i] = (double)drift[i];
    }
    o->mean = gsl_stats_mean(y, 1, n);
    o->sd = n > 1 ? gsl_stats_sd_m(y, 1, n, o->mean) : NAN;
    if (n > 1) {
        double c0, c1, cov00, cov01, cov11, sumsq;
        if (gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) == 0
            && isfinite(c1)) {
            o->slope = c1;
            o->intercept = c0;
            o->slope_se = sqrt(cov11);
        }
    }
    memcpy(a, y, n * sizeof *a);
    gsl_sort(a, 1, n);
    o->min = a[0];
    o->max = a[n - 1];
    o->p50 = gsl_stats_quantile_from_sorted_data(a, 1, n, 0.50);
    o->p99 = gsl_stats_quantile_from_sorted_data(a, 1, n, 0.99);
    for (size_t i = 0; i < n; i++)
        a[i] = fabs(y[i]);
    gsl_sort(a, 1, n);
    o->abs_p99 = gsl_stats_quantile_from_sorted_data(a, 1, n, 0.99);
    o->abs_max = a[n - 1];
    o->host_elapsed = (double)host[n - 1];
    o->guest_elapsed = (double)host[n - 1] + (double)drift[n - 1];
    o->final_lag = -(double)drift[n - 1];
    o->ratio = host[n - 1] > 0 ? o->guest_elapsed / o->host_elapsed : NAN;
    free(x), free(y), free(a);
    return 0;
}

int dl_paired_overhead(const double *cost, const double *base, size_t n, size_t resamples,
                       double conf, unsigned long seed, DlBoot *out)
{
    out->n = 0;
    out->est = out->lo = out->hi = out->sd = NAN;
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!r)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(cost[i]) && isfinite(base[i]) && cost[i] > 0 && base[i] > 0)
            r[m++] = cost[i] / base[i] - 1.0;
    out->n = m;
    if (m == 0) {
        free(r);
        return -1;
    }
    out->est = gsl_stats_mean(r, 1, m);
    if (m >= 2 && resamples >= 2) {
        double *boot = malloc(resamples * sizeof *boot);
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        if (!boot || !g) {
            free(boot), free(r);
            if (g)
                gsl_rng_free(g);
            return -1;
        }
        gsl_rng_set(g, seed);
        for (size_t b = 0; b < resamples; b++) {
            double s = 0;
            for (size_t k = 0; k < m; k++)
                s += r[gsl_rng_uniform_int(g, m)];
            boot[b] = s / (double)m;
        }
        out->sd = gsl_stats_sd(boot, 1, resamples);
        gsl_sort(boot, 1, resamples);
        double alpha = 1.0 - conf;
        out->lo = gsl_stats_quantile_from_sorted_data(boot, 1, resamples, alpha / 2);
        out->hi = gsl_stats_quantile_from_sorted_data(boot, 1, resamples, 1 - alpha / 2);
        gsl_rng_free(g);
        free(boot);
    }
    free(r);
    return 0;
}

uint64_t dl_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}
