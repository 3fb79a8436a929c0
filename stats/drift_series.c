/* Drift statistics of a whole series (drift_stats.h). */
#include "drift_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

int drift_series_stats(const int64_t *host, const int64_t *drift, size_t n, DriftSeriesStats *o)
{
    *o = (DriftSeriesStats){ .n = n, .mean = NAN, .sd = NAN, .p50 = NAN, .p99 = NAN,
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

void stats_errors_as_codes(void)
{
    gsl_set_error_handler_off();
}
