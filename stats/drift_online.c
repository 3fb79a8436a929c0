/* Online drift statistics (drift_stats.h): GSL running statistics and P^2
 * quantiles. */
#include "drift_stats.h"
#include <gsl/gsl_rstat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct DriftStats {
    gsl_rstat_workspace *all;
    gsl_rstat_quantile_workspace *p99, *abs_p99, *abs_p50;
    int64_t max_advance, max_delay, last, min, max;
    /* running means and co-moments of (host, drift), for the slope */
    double n, mx, my, cxy, m2x;
};

DriftStats *drift_stats_new(void)
{
    DriftStats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->all = gsl_rstat_alloc();
    s->p99 = gsl_rstat_quantile_alloc(0.99);
    s->abs_p99 = gsl_rstat_quantile_alloc(0.99);
    s->abs_p50 = gsl_rstat_quantile_alloc(0.5);
    if (!s->all || !s->p99 || !s->abs_p99 || !s->abs_p50) {
        drift_stats_free(s);
        return NULL;
    }
    s->min = INT64_MAX;
    s->max = INT64_MIN;
    return s;
}

void drift_stats_free(DriftStats *s)
{
    if (!s)
        return;
    if (s->all)
        gsl_rstat_free(s->all);
    if (s->p99)
        gsl_rstat_quantile_free(s->p99);
    if (s->abs_p99)
        gsl_rstat_quantile_free(s->abs_p99);
    if (s->abs_p50)
        gsl_rstat_quantile_free(s->abs_p50);
    free(s);
}

void drift_stats_add(DriftStats *s, int64_t host_ns, int64_t d)
{
    /* Welford's update of the co-moment: no cancellation over long runs. */
    double x = (double)host_ns, y = (double)d;
    s->n += 1;
    double dx = x - s->mx;
    s->mx += dx / s->n;
    s->my += (y - s->my) / s->n;
    s->cxy += dx * (y - s->my);
    s->m2x += dx * (x - s->mx);
    gsl_rstat_quantile_add(fabs(y), s->abs_p50);
    gsl_rstat_add((double)d, s->all);
    gsl_rstat_quantile_add((double)d, s->p99);
    gsl_rstat_quantile_add(fabs((double)d), s->abs_p99);
    if (d > s->max_advance)
        s->max_advance = d;
    if (-d > s->max_delay)
        s->max_delay = -d;
    if (d < s->min)
        s->min = d;
    if (d > s->max)
        s->max = d;
    s->last = d;
}

void drift_stats_summary(const DriftStats *s, DriftSummary *o)
{
    memset(o, 0, sizeof *o);
    o->n = (int64_t)gsl_rstat_n(s->all);
    if (!o->n)
        return;
    /* gsl_rstat_* take non-const workspaces but do not modify them. */
    gsl_rstat_workspace *w = s->all;
    o->mean = gsl_rstat_mean(w);
    o->sd = o->n > 1 ? gsl_rstat_sd(w) : 0;
    o->rms = gsl_rstat_rms(w);
    o->p50 = gsl_rstat_median(w);
    o->p99 = gsl_rstat_quantile_get(s->p99);
    o->abs_p99 = gsl_rstat_quantile_get(s->abs_p99);
    o->abs_p50 = gsl_rstat_quantile_get(s->abs_p50);
    o->abs_max = s->max_advance > s->max_delay ? s->max_advance : s->max_delay;
    o->slope_ppm = s->m2x > 0 ? s->cxy / s->m2x * 1e6 : 0;
    o->min = s->min;
    o->max = s->max;
    o->max_advance = s->max_advance;
    o->max_delay = s->max_delay;
    o->last = s->last;
}

void drift_summary_fields(const DriftSummary *d, DriftSummaryField o[DRIFT_SUMMARY_FIELDS])
{
#define I(k, v) (DriftSummaryField){ .name = k, .integer = true, .i = (v) }
#define F(k, v) (DriftSummaryField){ .name = k, .f = (v) }
    const DriftSummaryField all[DRIFT_SUMMARY_FIELDS] = {
        I("samples", d->n),           F("drift_mean_ns", d->mean),
        F("drift_sd_ns", d->sd),      I("drift_min_ns", d->min),
        I("drift_max_ns", d->max),    F("drift_p50_ns", d->p50),
        F("drift_p99_ns", d->p99),    F("abs_drift_p99_ns", d->abs_p99),
        F("abs_drift_p50_ns", d->abs_p50), I("abs_drift_max_ns", d->abs_max),
        F("drift_slope_ppm", d->slope_ppm), F("drift_rms_ns", d->rms),
        I("max_advance_ns", d->max_advance), I("max_delay_ns", d->max_delay),
    };
#undef I
#undef F
    memcpy(o, all, sizeof all);
}
