/* Paired overhead with a bootstrap interval (paired_overhead.h). */
#include "paired_overhead.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

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
