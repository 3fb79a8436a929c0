/*
 * driftlab-analyze: the statistics of a driftlab results file.
 *
 *   driftlab-analyze [options] RESULTS.h5        a merged file (./driftlab merge)
 *   driftlab-analyze [options] --record RUN.h5[:/runs/ID] ...   single runs
 *
 * For a merged file, per configuration (workload, policy and parameters,
 * shift) it computes
 *   - overhead relative to `none` on the same workload and shift: the cost
 *     metric (vcpu_cpu_ns: the vCPU thread's CPU time) of the policy over that
 *     of `none`, minus one, paired by repetition; the estimate is the mean of
 *     the per-repetition ratios, with a percentile bootstrap interval
 *     (gsl_rng mt19937, seeded with --seed xor a hash of the configuration's
 *     name, so a configuration's interval does not depend on the others);
 *   - drift statistics of each run from its /drift series: p50, p99, p99 of
 *     |drift|, max |drift|, mean, sd, and the drift rate (least-squares slope
 *     of drift against host time, gsl_fit_linear); per configuration the mean
 *     over repetitions (max |drift|: the maximum);
 *   - the lowest alignable shift of each workload and policy: the smallest
 *     swept shift from which on (that shift and every larger one) every
 *     repetition keeps the guest within --lag-bound-ms of the host for most
 *     of the run: |median drift| <= the bound. The median, not the final
 *     lag: an emulator too slow for a shift falls behind steadily, and its
 *     median drift grows with the run; a transient stall at the end of the
 *     region (start-only re-sleeping after every exception, see
 *     policies/start_only.c) is not a failure to keep up.
 * and writes runs.csv, configs.csv, workloads.csv (each workload's focus shift:
 * the lowest at which every aligning policy that aligns anywhere is aligned),
 * alignable.csv, overhead.tex, drift.tex, alignable.tex and macros.tex into the
 * output directory.
 *
 * QEMU's runs of a sweep (column `emulator` = "qemu", policies qemu-align and
 * qemu-none) are variants of their own; their overhead is against qemu-none,
 * as emu-arm's is against none.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dl_h5.h"
#include "drift_stats.h"
#include "paired_overhead.h"

#define PROG "driftlab-analyze"

typedef struct Opts {
    const char *outdir;
    double lag_bound_ms;
    long boot;
    double conf;
    unsigned long seed;
    const char *metric;
    int records;
    int quiet;
} Opts;

typedef struct Run {
    DlRun id;
    DriftSeriesStats st;
    double lag;            /* final lag used: the summary's, else the series' */
    int wl, var, cfg;
} Run;

typedef struct Workload {
    char *workload, *append;
    char *name;            /* label, or label[append] when a label has several appends */
    char *key;             /* name sanitised for macro keys */
    int64_t focus_shift;
} Workload;

typedef struct Variant {
    char *policy, *label, *params;
    char *emulator;        /* "emu-arm" or "qemu": a variant never mixes them */
    char *name;            /* label, or label(params) when a label has several params */
    char *key;
} Variant;

typedef struct Config {
    int wl, var;
    int64_t shift;
    int *runs;
    size_t nruns;
    int base;              /* the `none` config of the same workload and shift, or -1 */
    DlBoot ovh;
    double cpu_mean;
    double p50, p99, abs_p99, abs_max, mean, sd, rate_ppm, ratio;
    double lag_median, lag_absmax;
    int aligned;           /* every repetition within the lag bound */
} Config;

static struct {
    Run *runs;
    size_t nruns;
    Workload *wls;
    size_t nwls;
    Variant *vars;
    size_t nvars;
    Config *cfgs;
    size_t ncfgs;
    int64_t *shifts;
    size_t nshifts;
} A;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t s)
{
    p = realloc(p, s ? s : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        die("out of memory");
    va_end(ap);
    return s;
}

/* Macro keys: letters, digits and . , = : + ( ) - only. */
static char *keyify(const char *s)
{
    char *k = strdup(s);
    for (char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
              || strchr(".,=:+()-", *p)))
            *p = '-';
    return k;
}

/* ---- grouping ------------------------------------------------------------- */

static int find_wl(const char *w, const char *a)
{
    for (size_t i = 0; i < A.nwls; i++)
        if (!strcmp(A.wls[i].workload, w) && !strcmp(A.wls[i].append, a))
            return (int)i;
    A.wls = xrealloc(A.wls, (A.nwls + 1) * sizeof *A.wls);
    A.wls[A.nwls] = (Workload){ .workload = strdup(w), .append = strdup(a), .focus_shift = -1 };
    return (int)A.nwls++;
}

/* The unaligned baseline of an emulator: emu-arm's `none`, and QEMU without
 * align=on (the sweep's `qemu-none`). Overheads compare each policy with the
 * baseline of its own emulator. */
static int is_baseline(const Variant *v)
{
    return !strcmp(v->policy, "none") || !strcmp(v->policy, "qemu-none");
}

static int find_var(const char *pol, const char *label, const char *params, const char *emu)
{
    for (size_t i = 0; i < A.nvars; i++)
        if (!strcmp(A.vars[i].label, label) && !strcmp(A.vars[i].params, params)
            && !strcmp(A.vars[i].policy, pol) && !strcmp(A.vars[i].emulator, emu))
            return (int)i;
    A.vars = xrealloc(A.vars, (A.nvars + 1) * sizeof *A.vars);
    A.vars[A.nvars] = (Variant){ .policy = strdup(pol), .label = strdup(label),
                                 .params = strdup(params), .emulator = strdup(emu) };
    return (int)A.nvars++;
}

static int cfg_at(int wl, int var, int64_t shift)
{
    for (size_t i = 0; i < A.ncfgs; i++)
        if (A.cfgs[i].wl == wl && A.cfgs[i].var == var && A.cfgs[i].shift == shift)
            return (int)i;
    return -1;
}

static int find_cfg(int wl, int var, int64_t shift)
{
    int i = cfg_at(wl, var, shift);
    if (i >= 0)
        return i;
    A.cfgs = xrealloc(A.cfgs, (A.ncfgs + 1) * sizeof *A.cfgs);
    A.cfgs[A.ncfgs] = (Config){ .wl = wl, .var = var, .shift = shift, .base = -1 };
    return (int)A.ncfgs++;
}

static int var_in_wl(int w, int v)
{
    for (size_t i = 0; i < A.ncfgs; i++)
        if (A.cfgs[i].wl == w && A.cfgs[i].var == v)
            return 1;
    return 0;
}

static void add_shift(int64_t s)
{
    for (size_t i = 0; i < A.nshifts; i++)
        if (A.shifts[i] == s)
            return;
    A.shifts = xrealloc(A.shifts, (A.nshifts + 1) * sizeof *A.shifts);
    size_t i = A.nshifts++;
    while (i > 0 && A.shifts[i - 1] > s) {
        A.shifts[i] = A.shifts[i - 1];
        i--;
    }
    A.shifts[i] = s;
}

static void name_groups(void)
{
    for (size_t i = 0; i < A.nwls; i++) {
        int several = 0;
        for (size_t j = 0; j < A.nwls; j++)
            if (j != i && !strcmp(A.wls[j].workload, A.wls[i].workload))
                several = 1;
        /* a record's workload is the ELF path: name it by the file's stem */
        const char *w = A.wls[i].workload, *slash = strrchr(w, '/');
        char *stem = strdup(slash ? slash + 1 : w);
        size_t sl = strlen(stem);
        if (sl > 4 && !strcmp(stem + sl - 4, ".elf"))
            stem[sl - 4] = 0;
        A.wls[i].name = several ? xasprintf("%s[%s]", stem, A.wls[i].append) : strdup(stem);
        A.wls[i].key = keyify(A.wls[i].name);
        free(stem);
    }
    for (size_t i = 0; i < A.nvars; i++) {
        int several = 0;
        for (size_t j = 0; j < A.nvars; j++)
            if (j != i && !strcmp(A.vars[j].label, A.vars[i].label))
                several = 1;
        A.vars[i].name = several && *A.vars[i].params
            ? xasprintf("%s(%s)", A.vars[i].label, A.vars[i].params) : strdup(A.vars[i].label);
        A.vars[i].key = keyify(A.vars[i].name);
    }
}

/* ---- statistics ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Mean over a config's runs of one DriftSeriesStats field (non-finite values skipped). */
static double runs_mean_field(const Config *c, size_t off)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < c->nruns; i++) {
        const Run *r = &A.runs[c->runs[i]];
        double v;
        memcpy(&v, (const char *)&r->st + off, sizeof v);
        if (isfinite(v))
            s += v, k++;
    }
    return k ? s / (double)k : NAN;
}

static void config_stats(const Opts *o)
{
    double bound_ns = o->lag_bound_ms * 1e6;
    for (size_t ci = 0; ci < A.ncfgs; ci++) {
        Config *c = &A.cfgs[ci];
        c->p50 = runs_mean_field(c, offsetof(DriftSeriesStats, p50));
        c->p99 = runs_mean_field(c, offsetof(DriftSeriesStats, p99));
        c->abs_p99 = runs_mean_field(c, offsetof(DriftSeriesStats, abs_p99));
        c->mean = runs_mean_field(c, offsetof(DriftSeriesStats, mean));
        c->sd = runs_mean_field(c, offsetof(DriftSeriesStats, sd));
        c->ratio = runs_mean_field(c, offsetof(DriftSeriesStats, ratio));
        c->rate_ppm = runs_mean_field(c, offsetof(DriftSeriesStats, slope)) * 1e6;
        c->abs_max = NAN;
        c->lag_absmax = NAN;
        double *lags = xcalloc(c->nruns, sizeof *lags);
        size_t nl = 0;
        double cs = 0;
        size_t ck = 0;
        c->aligned = c->nruns > 0;
        for (size_t i = 0; i < c->nruns; i++) {
            const Run *r = &A.runs[c->runs[i]];
            if (isfinite(r->st.abs_max) && !(r->st.abs_max <= c->abs_max))
                c->abs_max = r->st.abs_max;
            if (isfinite(r->lag)) {
                lags[nl++] = r->lag;
                if (!(fabs(r->lag) <= c->lag_absmax))
                    c->lag_absmax = fabs(r->lag);
            }
            if (!(isfinite(r->st.p50) && fabs(r->st.p50) <= bound_ns))
                c->aligned = 0;
            if (isfinite(r->id.cpu_ns))
                cs += r->id.cpu_ns, ck++;
        }
        c->lag_median = median(lags, nl);
        c->cpu_mean = ck ? cs / (double)ck : NAN;
        free(lags);

        /* overhead, paired with `none` by repetition */
        c->ovh = (DlBoot){ .est = NAN, .lo = NAN, .hi = NAN, .sd = NAN };
        for (size_t bi = 0; bi < A.ncfgs; bi++) {
            const Config *b = &A.cfgs[bi];
            if (b->wl == c->wl && b->shift == c->shift && is_baseline(&A.vars[b->var])
                && !strcmp(A.vars[b->var].emulator, A.vars[c->var].emulator)) {
                c->base = (int)bi;
                break;
            }
        }
        if (c->base < 0)
            continue;
        const Config *b = &A.cfgs[c->base];
        double *cost = xcalloc(c->nruns, sizeof *cost), *base = xcalloc(c->nruns, sizeof *base);
        size_t np = 0;
        for (size_t i = 0; i < c->nruns; i++) {
            const Run *r = &A.runs[c->runs[i]];
            for (size_t j = 0; j < b->nruns; j++) {
                const Run *q = &A.runs[b->runs[j]];
                if (q->id.rep == r->id.rep) {
                    cost[np] = r->id.cpu_ns;
                    base[np] = q->id.cpu_ns;
                    np++;
                    break;
                }
            }
        }
        char *name = xasprintf("%s|%s|%s|%s|%s|%lld", A.wls[c->wl].workload, A.wls[c->wl].append,
                               A.vars[c->var].label, A.vars[c->var].params,
                               A.vars[c->var].policy, (long long)c->shift);
        unsigned long seed = (unsigned long)(o->seed ^ dl_hash(name));
        free(name);
        dl_paired_overhead(cost, base, np, (size_t)o->boot, o->conf, seed, &c->ovh);
        free(cost), free(base);
    }
}

/* low[wl * nvars + var]: the lowest alignable shift, or INT64_MIN for none.
 * Also sets each workload's focus shift: the lowest at which every aligning
 * policy that aligns somewhere is aligned (the largest shift if none does). */
static int64_t *lowest_alignable(void)
{
    int64_t *low = xcalloc(A.nwls * A.nvars, sizeof *low);
    for (size_t w = 0; w < A.nwls; w++)
        for (size_t v = 0; v < A.nvars; v++) {
            int64_t best = INT64_MIN;
            for (size_t k = A.nshifts; k-- > 0;) {    /* from the largest shift down */
                if (A.shifts[k] < 0)
                    break;                             /* -1, shift=auto: not a shift */
                int ci = cfg_at((int)w, (int)v, A.shifts[k]);
                if (ci < 0)
                    continue;                          /* not swept: no evidence either way */
                if (!A.cfgs[ci].aligned)
                    break;
                best = A.shifts[k];
            }
            low[w * A.nvars + v] = best;
        }
    for (size_t w = 0; w < A.nwls; w++) {
        int64_t f = INT64_MIN;
        for (size_t v = 0; v < A.nvars; v++)
            if (!is_baseline(&A.vars[v]) && low[w * A.nvars + v] > f)
                f = low[w * A.nvars + v];
        if (f == INT64_MIN && A.nshifts)
            f = A.shifts[A.nshifts - 1];
        A.wls[w].focus_shift = f;
    }
    return low;
}

/* ---- output --------------------------------------------------------------- */

typedef struct Out {
    const char *dir;
    char **paths;
    size_t n;
} Out;

static FILE *out_open(Out *o, const char *name)
{
    char *p = xasprintf("%s/%s", o->dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        die("cannot write %s: %s", p, strerror(errno));
    o->paths = xrealloc(o->paths, (o->n + 1) * sizeof *o->paths);
    o->paths[o->n++] = p;
    return f;
}

static void out_close(Out *o, FILE *f)
{
    int bad = ferror(f);
    if (fclose(f) || bad)
        die("error writing %s", o->paths[o->n - 1]);
}

static void csv_str(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
}

static void csv_nums(FILE *f, const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', f);
        csv_num(f, v[k]);
    }
}

static void write_runs_csv(FILE *f)
{
    fprintf(f, "job_id,workload,append,policy,policy_label,params,shift,rep,samples,cost,"
               "final_lag_ns,drift_mean_ns,drift_sd_ns,drift_p50_ns,drift_p99_ns,"
               "abs_drift_p99_ns,abs_drift_max_ns,drift_min_ns,drift_max_ns,drift_rate_ppm,"
               "drift_rate_se_ppm,drift_intercept_ns,guest_host_ratio,host_elapsed_ns,"
               "guest_elapsed_ns,emulator\n");
    for (size_t i = 0; i < A.nruns; i++) {
        const Run *r = &A.runs[i];
        const DriftSeriesStats *s = &r->st;
        csv_str(f, r->id.job_id), fputc(',', f);
        csv_str(f, A.wls[r->wl].name), fputc(',', f);
        csv_str(f, r->id.append), fputc(',', f);
        csv_str(f, r->id.policy), fputc(',', f);
        csv_str(f, r->id.label), fputc(',', f);
        csv_str(f, r->id.params), fputc(',', f);
        fprintf(f, "%lld,%lld,%zu,", (long long)r->id.shift, (long long)r->id.rep, s->n);
        double v[] = { r->id.cpu_ns, r->lag, s->mean, s->sd, s->p50, s->p99, s->abs_p99,
                       s->abs_max, s->min, s->max, s->slope * 1e6, s->slope_se * 1e6,
                       s->intercept, s->ratio, s->host_elapsed, s->guest_elapsed };
        csv_nums(f, v, sizeof v / sizeof v[0]);
        fputc(',', f);
        csv_str(f, A.vars[r->var].emulator);
        fputc('\n', f);
    }
}

static void write_configs_csv(FILE *f)
{
    fprintf(f, "workload,policy,policy_label,params,variant,shift,runs,pairs,cost_mean,"
               "overhead,overhead_lo,overhead_hi,overhead_se,drift_p50_ns,drift_p99_ns,"
               "abs_drift_p99_ns,abs_drift_max_ns,drift_mean_ns,drift_sd_ns,drift_rate_ppm,"
               "guest_host_ratio,final_lag_median_ns,abs_final_lag_max_ns,aligned,emulator\n");
    for (size_t i = 0; i < A.ncfgs; i++) {
        const Config *c = &A.cfgs[i];
        const Variant *v = &A.vars[c->var];
        csv_str(f, A.wls[c->wl].name), fputc(',', f);
        csv_str(f, v->policy), fputc(',', f);
        csv_str(f, v->label), fputc(',', f);
        csv_str(f, v->params), fputc(',', f);
        csv_str(f, v->name), fputc(',', f);
        fprintf(f, "%lld,%zu,%zu,", (long long)c->shift, c->nruns, c->ovh.n);
        double x[] = { c->cpu_mean, c->ovh.est, c->ovh.lo, c->ovh.hi, c->ovh.sd, c->p50, c->p99,
                       c->abs_p99, c->abs_max, c->mean, c->sd, c->rate_ppm, c->ratio,
                       c->lag_median, c->lag_absmax };
        csv_nums(f, x, sizeof x / sizeof x[0]);
        fprintf(f, ",%d,", c->aligned);
        csv_str(f, v->emulator);
        fputc('\n', f);
    }
}

static void write_alignable_csv(FILE *f, const int64_t *low, double bound_ms)
{
    fprintf(f, "workload,policy,policy_label,params,variant,lowest_alignable_shift,"
               "lag_bound_ms,aligned_shifts,emulator\n");
    for (size_t w = 0; w < A.nwls; w++)
        for (size_t v = 0; v < A.nvars; v++) {
            if (!var_in_wl((int)w, (int)v))
                continue;
            csv_str(f, A.wls[w].name), fputc(',', f);
            csv_str(f, A.vars[v].policy), fputc(',', f);
            csv_str(f, A.vars[v].label), fputc(',', f);
            csv_str(f, A.vars[v].params), fputc(',', f);
            csv_str(f, A.vars[v].name), fputc(',', f);
            if (low[w * A.nvars + v] != INT64_MIN)
                fprintf(f, "%lld", (long long)low[w * A.nvars + v]);
            fprintf(f, ",%g,", bound_ms);
            int first = 1;
            for (size_t k = 0; k < A.nshifts; k++) {
                int ci = cfg_at((int)w, (int)v, A.shifts[k]);
                if (ci >= 0 && A.cfgs[ci].aligned) {
                    fprintf(f, "%s%lld", first ? "" : " ", (long long)A.shifts[k]);
                    first = 0;
                }
            }
            fputc(',', f);
            csv_str(f, A.vars[v].emulator);
            fputc('\n', f);
        }
}

static void write_workloads_csv(FILE *f)
{
    fprintf(f, "workload,workload_label,append,key,focus_shift,runs\n");
    for (size_t w = 0; w < A.nwls; w++) {
        size_t n = 0;
        for (size_t i = 0; i < A.nruns; i++)
            n += A.runs[i].wl == (int)w;
        csv_str(f, A.wls[w].name), fputc(',', f);
        csv_str(f, A.wls[w].workload), fputc(',', f);
        csv_str(f, A.wls[w].append), fputc(',', f);
        csv_str(f, A.wls[w].key), fputc(',', f);
        fprintf(f, "%lld,%zu\n", (long long)A.wls[w].focus_shift, n);
    }
}

/* LaTeX text: escape what is special. */
static void tex_str(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '_': case '%': case '&': case '#': case '$': case '{': case '}':
            fprintf(f, "\\%c", *s);
            break;
        case '\\': fputs("\\textbackslash{}", f); break;
        case '^': fputs("\\^{}", f); break;
        case '~': fputs("\\~{}", f); break;
        default: fputc(*s, f);
        }
}

static void strip_neg_zero(char *s)
{
    if (s[0] == '-' && strspn(s + 1, "0.") == strlen(s + 1))
        memmove(s, s + 1, strlen(s));
}

/* A number with a precision that suits its size. */
static char *fmt_num(double v)
{
    if (!isfinite(v))
        return strdup("--");
    double a = fabs(v);
    int prec = a < 1 ? 3 : a < 10 ? 2 : a < 1000 ? 1 : 0;
    char *s = xasprintf("%.*f", prec, v);
    strip_neg_zero(s);
    return s;
}

static char *fmt_pct(double frac)
{
    if (!isfinite(frac))
        return strdup("--");
    char *s = xasprintf("%.1f", frac * 100);
    strip_neg_zero(s);
    return s;
}

static void write_overhead_tex(FILE *f, const Opts *o)
{
    fprintf(f, "%% generated by " PROG ": overhead vs none in %%, [%g%% bootstrap interval]\n",
            o->conf * 100);
    fprintf(f, "\\begin{tabular}{ll");
    for (size_t k = 0; k < A.nshifts; k++)
        fprintf(f, "c");
    fprintf(f, "}\n\\hline\nworkload & policy");
    for (size_t k = 0; k < A.nshifts; k++)
        if (A.shifts[k] < 0)
            fprintf(f, " & shift auto");
        else
            fprintf(f, " & shift %lld", (long long)A.shifts[k]);
    fprintf(f, " \\\\\n\\hline\n");
    for (size_t w = 0; w < A.nwls; w++) {
        int first = 1;
        for (size_t v = 0; v < A.nvars; v++) {
            if (is_baseline(&A.vars[v]) || !var_in_wl((int)w, (int)v))
                continue;
            if (first)
                tex_str(f, A.wls[w].name);
            first = 0;
            fputs(" & ", f);
            tex_str(f, A.vars[v].name);
            for (size_t k = 0; k < A.nshifts; k++) {
                int ci = cfg_at((int)w, (int)v, A.shifts[k]);
                if (ci < 0 || !isfinite(A.cfgs[ci].ovh.est)) {
                    fputs(" & --", f);
                    continue;
                }
                const DlBoot *b = &A.cfgs[ci].ovh;
                char *e = fmt_pct(b->est), *lo = fmt_pct(b->lo), *hi = fmt_pct(b->hi);
                if (isfinite(b->lo))
                    fprintf(f, " & $%s$ {\\scriptsize $[%s, %s]$}", e, lo, hi);
                else
                    fprintf(f, " & $%s$", e);
                free(e), free(lo), free(hi);
            }
            fputs(" \\\\\n", f);
        }
        if (!first)
            fputs("\\hline\n", f);
    }
    fputs("\\end{tabular}\n", f);
}

static void write_drift_tex(FILE *f)
{
    fputs("% generated by " PROG ": drift per policy at each workload's focus shift, in ms"
          " (rate in ppm = us/s)\n", f);
    fputs("\\begin{tabular}{llrrrrrrrr}\n\\hline\nworkload & policy & p50 & p99 & "
          "$|d|$ p99 & $|d|$ max & mean & sd & rate & lag \\\\\n"
          " & & ms & ms & ms & ms & ms & ms & ppm & ms \\\\\n\\hline\n", f);
    for (size_t w = 0; w < A.nwls; w++) {
        int first = 1;
        for (size_t v = 0; v < A.nvars; v++) {
            int ci = cfg_at((int)w, (int)v, A.wls[w].focus_shift);
            if (ci < 0)
                continue;
            const Config *c = &A.cfgs[ci];
            if (first) {
                tex_str(f, A.wls[w].name);
                fprintf(f, ", shift %lld", (long long)A.wls[w].focus_shift);
            }
            first = 0;
            fputs(" & ", f);
            tex_str(f, A.vars[v].name);
            double x[] = { c->p50 / 1e6, c->p99 / 1e6, c->abs_p99 / 1e6, c->abs_max / 1e6,
                           c->mean / 1e6, c->sd / 1e6, c->rate_ppm, c->lag_median / 1e6 };
            for (size_t k = 0; k < sizeof x / sizeof x[0]; k++) {
                char *s = fmt_num(x[k]);
                fprintf(f, " & %s", s);
                free(s);
            }
            fputs(" \\\\\n", f);
        }
        if (!first)
            fputs("\\hline\n", f);
    }
    fputs("\\end{tabular}\n", f);
}

static void write_alignable_tex(FILE *f, const int64_t *low)
{
    fputs("% generated by " PROG ": lowest alignable shift per workload and policy\n", f);
    fputs("\\begin{tabular}{l", f);
    for (size_t w = 0; w < A.nwls; w++)
        fputc('c', f);
    fputs("}\n\\hline\npolicy", f);
    for (size_t w = 0; w < A.nwls; w++) {
        fputs(" & ", f);
        tex_str(f, A.wls[w].name);
    }
    fputs(" \\\\\n\\hline\n", f);
    for (size_t v = 0; v < A.nvars; v++) {
        tex_str(f, A.vars[v].name);
        for (size_t w = 0; w < A.nwls; w++) {
            if (!var_in_wl((int)w, (int)v))
                fputs(" & ", f);
            else if (low[w * A.nvars + v] == INT64_MIN)
                fputs(" & --", f);
            else
                fprintf(f, " & %lld", (long long)low[w * A.nvars + v]);
        }
        fputs(" \\\\\n", f);
    }
    fputs("\\hline\n\\end{tabular}\n", f);
}

static void macro(FILE *f, const char *key, const char *val)
{
    fprintf(f, "\\dlset{%s}{", key);
    tex_str(f, val);
    fputs("}\n", f);
}

static void macro_fmt(FILE *f, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = NULL;
    if (vasprintf(&v, fmt, ap) < 0)
        die("out of memory");
    va_end(ap);
    macro(f, key, v);
    free(v);
}

static void config_macros(FILE *f, const char *prefix, const char *suffix, const Config *c)
{
    struct { const char *name; double v; int pct; } m[] = {
        { "overhead", c->ovh.est, 1 }, { "overhead-lo", c->ovh.lo, 1 },
        { "overhead-hi", c->ovh.hi, 1 },
        { "p50-ms", c->p50 / 1e6, 0 }, { "p99-ms", c->p99 / 1e6, 0 },
        { "p99abs-ms", c->abs_p99 / 1e6, 0 }, { "absmax-ms", c->abs_max / 1e6, 0 },
        { "mean-ms", c->mean / 1e6, 0 }, { "sd-ms", c->sd / 1e6, 0 },
        { "p99abs-us", c->abs_p99 / 1e3, 0 }, { "absmax-us", c->abs_max / 1e3, 0 },
        { "mean-us", c->mean / 1e3, 0 }, { "rate-ppm", c->rate_ppm, 0 },
        { "ratio", c->ratio, 0 }, { "lag-ms", c->lag_median / 1e6, 0 },
    };
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        char *key = xasprintf("%s%s/%s", prefix, m[k].name, suffix);
        char *s = m[k].pct ? fmt_pct(m[k].v) : fmt_num(m[k].v);
        macro(f, key, s);
        free(s), free(key);
    }
}

static void write_macros(FILE *f, const Opts *o, const int64_t *low)
{
    fputs("% generated by " PROG ": \\dlset{key}{value}; read with \\dl{key}\n", f);
    macro_fmt(f, "bound-ms", "%g", o->lag_bound_ms);
    macro_fmt(f, "boot", "%ld", o->boot);
    macro_fmt(f, "conf-pct", "%g", o->conf * 100);
    macro_fmt(f, "seed", "%lu", o->seed);
    macro(f, "metric", o->metric);
    macro_fmt(f, "n-runs", "%zu", A.nruns);
    macro_fmt(f, "n-configs", "%zu", A.ncfgs);
    macro_fmt(f, "n-workloads", "%zu", A.nwls);
    macro_fmt(f, "n-policies", "%zu", A.nvars);
    size_t maxrep = 0;
    for (size_t i = 0; i < A.ncfgs; i++)
        if (A.cfgs[i].nruns > maxrep)
            maxrep = A.cfgs[i].nruns;
    macro_fmt(f, "reps", "%zu", maxrep);
    char *sh = strdup("");
    for (size_t k = 0; k < A.nshifts; k++) {
        char *n = xasprintf("%s%s%lld", sh, k ? ", " : "", (long long)A.shifts[k]);
        free(sh);
        sh = n;
    }
    macro(f, "shifts", sh);
    free(sh);
    if (A.nshifts) {
        macro_fmt(f, "shift-min", "%lld", (long long)A.shifts[0]);
        macro_fmt(f, "shift-max", "%lld", (long long)A.shifts[A.nshifts - 1]);
    }
    for (size_t w = 0; w < A.nwls; w++) {
        char *k = xasprintf("wl/%zu", w + 1);
        macro(f, k, A.wls[w].name);
        free(k);
        k = xasprintf("wlkey/%zu", w + 1);
        macro(f, k, A.wls[w].key);
        free(k);
        k = xasprintf("focus-shift/%s", A.wls[w].key);
        macro_fmt(f, k, "%lld", (long long)A.wls[w].focus_shift);
        free(k);
    }
    for (size_t v = 0; v < A.nvars; v++) {
        char *k = xasprintf("policy/%zu", v + 1);
        macro(f, k, A.vars[v].name);
        free(k);
        /* varkey/<policy>: the first variant of each policy name, for prose
         * that names a built-in whatever its label and parameters */
        int first = 1;
        for (size_t u = 0; u < v; u++)
            if (!strcmp(A.vars[u].policy, A.vars[v].policy))
                first = 0;
        if (first) {
            char *pk = keyify(A.vars[v].policy);
            k = xasprintf("varkey/%s", pk);
            macro(f, k, A.vars[v].key);
            free(k), free(pk);
        }
        for (size_t w = 0; w < A.nwls; w++) {
            if (!var_in_wl((int)w, (int)v))
                continue;
            k = xasprintf("lowest/%s/%s", A.wls[w].key, A.vars[v].key);
            int64_t l = low[w * A.nvars + v];
            if (l == INT64_MIN)
                macro(f, k, "none");
            else
                macro_fmt(f, k, "%lld", (long long)l);
            free(k);
        }
    }
    for (size_t i = 0; i < A.ncfgs; i++) {
        const Config *c = &A.cfgs[i];
        char *suf = xasprintf("%s/%s/%lld", A.wls[c->wl].key, A.vars[c->var].key,
                              (long long)c->shift);
        config_macros(f, "", suf, c);
        free(suf);
        if (c->shift == A.wls[c->wl].focus_shift) {
            suf = xasprintf("%s/%s", A.wls[c->wl].key, A.vars[c->var].key);
            config_macros(f, "focus/", suf, c);
            free(suf);
        }
    }
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: " PROG " [options] RESULTS.h5\n"
        "       " PROG " [options] --record RUN.h5[:GROUP] [RUN2.h5[:GROUP] ...]\n"
        "Statistics of driftlab runs: overhead vs none (paired bootstrap), drift\n"
        "quantiles and rate, lowest alignable shift; CSV and LaTeX tables.\n\n"
        "  -o, --output DIR      where to write the tables (default .; created)\n"
        "      --lag-bound-ms X  alignable: |median drift| <= X ms in every repetition"
        " (default 10)\n"
        "      --boot N          bootstrap resamples (default 10000)\n"
        "      --conf C          interval level (default 0.95)\n"
        "      --seed S          bootstrap seed (default 20140630)\n"
        "      --metric NAME     cost column of /summary (default vcpu_cpu_ns)\n"
        "      --record          the inputs are single runs: per-run record files, or\n"
        "                        FILE.h5:/runs/ID inside a merged file; prints one line\n"
        "                        per run and writes runs.csv\n"
        "  -q, --quiet           --record: do not print the per-run lines\n"
        "  -h, --help\n");
}

static void mkdirs(const char *path)
{
    char *p = strdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
    if (mkdir(p, 0777) && errno != EEXIST)
        die("cannot create %s: %s", p, strerror(errno));
    free(p);
}

static hid_t open_h5(const char *path)
{
    hid_t f = -1;
    H5E_BEGIN_TRY {
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    } H5E_END_TRY;
    if (f < 0) {
        FILE *t = fopen(path, "rb");
        if (!t)
            die("cannot open %s: %s", path, strerror(errno));
        fclose(t);
        die("%s is not an HDF5 file", path);
    }
    return f;
}

static void add_run(const DlRun *id, hid_t file)
{
    char err[512];
    A.runs = xrealloc(A.runs, (A.nruns + 1) * sizeof *A.runs);
    Run *r = &A.runs[A.nruns++];
    memset(r, 0, sizeof *r);
    r->id = *id;
    int64_t *h, *d;
    size_t n;
    if (dl_read_drift(file, id->group, &h, &d, &n, err, sizeof err))
        die("run %s: %s", id->job_id, err);
    if (drift_series_stats(h, d, n, &r->st))
        die("run %s: no drift samples", id->job_id);
    free(h), free(d);
    r->lag = isfinite(id->final_lag_ns) ? id->final_lag_ns : r->st.final_lag;
    r->wl = find_wl(id->workload, id->append);
    r->var = find_var(id->policy, id->label, id->params, id->emulator ? id->emulator : "emu-arm");
    add_shift(id->shift);
}

int main(int argc, char **argv)
{
    Opts o = { .outdir = ".", .lag_bound_ms = 10, .boot = 10000, .conf = 0.95,
               .seed = 20140630UL, .metric = "vcpu_cpu_ns" };
    static const struct option lo[] = {
        { "output", required_argument, 0, 'o' }, { "lag-bound-ms", required_argument, 0, 'L' },
        { "boot", required_argument, 0, 'B' }, { "conf", required_argument, 0, 'C' },
        { "seed", required_argument, 0, 'S' }, { "metric", required_argument, 0, 'M' },
        { "record", no_argument, 0, 'R' }, { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o.outdir = optarg; break;
        case 'L':
            o.lag_bound_ms = strtod(optarg, &end);
            if (*end || !(o.lag_bound_ms >= 0))
                die("--lag-bound-ms needs a number >= 0, not '%s'", optarg);
            break;
        case 'B':
            o.boot = strtol(optarg, &end, 10);
            if (*end || o.boot < 2 || o.boot > 100000000)
                die("--boot needs an integer in 2..100000000, not '%s'", optarg);
            break;
        case 'C':
            o.conf = strtod(optarg, &end);
            if (*end || !(o.conf > 0 && o.conf < 1))
                die("--conf needs a number in (0, 1), not '%s'", optarg);
            break;
        case 'S':
            o.seed = strtoul(optarg, &end, 0);
            if (*end || !*optarg)
                die("--seed needs an integer, not '%s'", optarg);
            break;
        case 'M': o.metric = optarg; break;
        case 'R': o.records = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc || (!o.records && argc - optind != 1)) {
        usage(stderr);
        return 2;
    }
    stats_errors_as_codes();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char err[512];

    if (o.records) {
        for (int i = optind; i < argc; i++) {
            char *path = strdup(argv[i]), *grp = strstr(path, ".h5:");
            if (grp) {
                grp[3] = 0;
                grp += 4;
            }
            hid_t f = open_h5(path);
            DlRun id;
            if (dl_read_record(f, grp && *grp ? grp : "/", o.metric, &id, err, sizeof err))
                die("%s: %s", path, err);
            if (!grp) {
                free(id.job_id);
                id.job_id = strdup(argv[i]);
            }
            add_run(&id, f);
            H5Fclose(f);
            free(path);
        }
    } else {
        hid_t f = open_h5(argv[optind]);
        DlRun *ids;
        long n = dl_read_summary(f, o.metric, &ids, err, sizeof err);
        if (n < 0)
            die("%s: %s", argv[optind], err);
        if (n == 0)
            die("%s: /summary has no runs", argv[optind]);
        for (long i = 0; i < n; i++)
            add_run(&ids[i], f);
        free(ids);
        H5Fclose(f);
    }
    name_groups();
    for (size_t i = 0; i < A.nruns; i++) {
        Run *r = &A.runs[i];
        r->cfg = find_cfg(r->wl, r->var, r->id.shift);
        Config *cf = &A.cfgs[r->cfg];
        cf->runs = xrealloc(cf->runs, (cf->nruns + 1) * sizeof *cf->runs);
        cf->runs[cf->nruns++] = (int)i;
    }
    config_stats(&o);
    int64_t *low = lowest_alignable();

    mkdirs(o.outdir);
    Out out = { .dir = o.outdir };
    FILE *f = out_open(&out, "runs.csv");
    write_runs_csv(f);
    out_close(&out, f);
    if (o.records) {
        if (!o.quiet)
            for (size_t i = 0; i < A.nruns; i++) {
                const Run *r = &A.runs[i];
                printf("%s: %s%s%s shift %lld: %zu samples, drift p50 %.1f us, p99 %.1f us, "
                       "|drift| p99 %.1f us, max %.1f us, mean %.1f us, sd %.1f us, "
                       "rate %.2f ppm, final lag %.3f ms\n",
                       r->id.job_id, r->id.policy, *r->id.params ? "," : "", r->id.params,
                       (long long)r->id.shift, r->st.n, r->st.p50 / 1e3, r->st.p99 / 1e3,
                       r->st.abs_p99 / 1e3, r->st.abs_max / 1e3, r->st.mean / 1e3,
                       r->st.sd / 1e3, r->st.slope * 1e6, r->lag / 1e6);
            }
    } else {
        f = out_open(&out, "configs.csv");
        write_configs_csv(f);
        out_close(&out, f);
        f = out_open(&out, "workloads.csv");
        write_workloads_csv(f);
        out_close(&out, f);
        f = out_open(&out, "alignable.csv");
        write_alignable_csv(f, low, o.lag_bound_ms);
        out_close(&out, f);
        f = out_open(&out, "overhead.tex");
        write_overhead_tex(f, &o);
        out_close(&out, f);
        f = out_open(&out, "drift.tex");
        write_drift_tex(f);
        out_close(&out, f);
        f = out_open(&out, "alignable.tex");
        write_alignable_tex(f, low);
        out_close(&out, f);
        f = out_open(&out, "macros.tex");
        write_macros(f, &o, low);
        out_close(&out, f);
    }
    printf(PROG ": %zu runs, %zu configurations; wrote", A.nruns, A.ncfgs);
    for (size_t i = 0; i < out.n; i++)
        printf(" %s", out.paths[i]);
    printf("\n");
    return 0;
}
