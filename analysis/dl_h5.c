#include "dl_h5.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static hid_t vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* One row of /summary as read into memory (only the fields present). */
typedef struct Row {
    char *job_id, *workload, *append, *policy, *label, *params, *emulator;
    int64_t shift, rep;
    double cost, lag;
} Row;

long dl_read_summary(hid_t file, const char *metric, DlRun **out, char *err, size_t errlen)
{
    *out = NULL;
    if (H5Lexists(file, "summary", H5P_DEFAULT) <= 0) {
        fail(err, errlen, "no /summary table: not a merged results file (./driftlab merge)");
        return -1;
    }
    hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
    if (ds < 0) {
        if (H5Aexists(file, "policy") > 0)
            fail(err, errlen, "a per-run record, not a merged results file: use --record");
        else
            fail(err, errlen, "/summary is not a table: not a merged results file");
        return -1;
    }
    hid_t ft = H5Dget_type(ds), sp = H5Dget_space(ds);
    long rows = -1;
    hid_t st = vlen_str_type();
    hid_t mt = -1;
    if (H5Tget_class(ft) != H5T_COMPOUND || H5Sget_simple_extent_ndims(sp) != 1) {
        fail(err, errlen, "/summary is not a 1-D compound table");
        goto done;
    }
    static const struct { const char *name; size_t off; int kind; int required; } cols[] = {
        { "job_id", offsetof(Row, job_id), 's', 1 },
        { "workload", offsetof(Row, workload), 's', 1 },
        { "append", offsetof(Row, append), 's', 0 },
        { "policy", offsetof(Row, policy), 's', 1 },
        { "policy_label", offsetof(Row, label), 's', 0 },
        { "params", offsetof(Row, params), 's', 0 },
        { "shift", offsetof(Row, shift), 'i', 1 },
        { "rep", offsetof(Row, rep), 'i', 0 },
        { NULL, offsetof(Row, cost), 'f', 0 },         /* the metric */
        { "final_lag_ns", offsetof(Row, lag), 'f', 0 },
        { "emulator", offsetof(Row, emulator), 's', 0 },
    };
    size_t ncols = sizeof cols / sizeof cols[0];
    int present[16] = { 0 };
    mt = H5Tcreate(H5T_COMPOUND, sizeof(Row));
    for (size_t c = 0; c < ncols; c++) {
        const char *name = cols[c].name ? cols[c].name : metric;
        int idx = H5Tget_member_index(ft, name);
        if (idx < 0) {
            if (cols[c].required) {
                fail(err, errlen, "/summary has no column '%s'", name);
                goto done;
            }
            continue;
        }
        H5T_class_t cl = H5Tget_member_class(ft, (unsigned)idx);
        if (cols[c].kind == 's') {
            hid_t mtype = H5Tget_member_type(ft, (unsigned)idx);
            int var = H5Tis_variable_str(mtype);
            H5Tclose(mtype);
            if (cl != H5T_STRING || var <= 0) {
                fail(err, errlen, "/summary column '%s' is not a variable-length string", name);
                goto done;
            }
            H5Tinsert(mt, name, cols[c].off, st);
        } else {
            if (cl != H5T_INTEGER && cl != H5T_FLOAT) {
                fail(err, errlen, "/summary column '%s' is not numeric", name);
                goto done;
            }
            H5Tinsert(mt, name, cols[c].off, cols[c].kind == 'i' ? H5T_NATIVE_INT64
                                                                 : H5T_NATIVE_DOUBLE);
        }
        present[c] = 1;
    }
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    Row *buf = calloc(n > 0 ? (size_t)n : 1, sizeof *buf);
    DlRun *runs = calloc(n > 0 ? (size_t)n : 1, sizeof *runs);
    if (!buf || !runs) {
        free(buf), free(runs);
        fail(err, errlen, "out of memory");
        goto done;
    }
    for (hssize_t i = 0; i < n; i++) {
        buf[i].cost = NAN;
        buf[i].lag = NAN;
        buf[i].rep = 0;
    }
    if (n > 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf), free(runs);
        fail(err, errlen, "cannot read /summary");
        goto done;
    }
    for (hssize_t i = 0; i < n; i++) {
        Row *r = &buf[i];
        DlRun *d = &runs[i];
        d->job_id = dup_or_empty(r->job_id);
        d->workload = dup_or_empty(r->workload);
        d->append = dup_or_empty(r->append);
        d->policy = dup_or_empty(r->policy);
        d->label = dup_or_empty(present[4] && r->label && *r->label ? r->label : r->policy);
        d->params = dup_or_empty(r->params);
        d->shift = r->shift;
        d->rep = r->rep;
        d->cpu_ns = present[8] ? r->cost : NAN;
        d->final_lag_ns = present[9] ? r->lag : NAN;
        d->emulator = dup_or_empty(present[10] && r->emulator && *r->emulator ? r->emulator
                                                                              : "emu-arm");
        size_t gl = strlen(d->job_id) + 8;
        d->group = malloc(gl);
        snprintf(d->group, gl, "/runs/%s", d->job_id);
    }
    if (n > 0)
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    free(buf);
    *out = runs;
    rows = (long)n;
done:
    if (mt >= 0)
        H5Tclose(mt);
    H5Tclose(st);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(ds);
    return rows;
}

/* A string attribute (variable or fixed length), malloc'ed; NULL if absent. */
static char *read_str_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *res = NULL;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = vlen_str_type();
            char *s = NULL;
            if (H5Aread(a, mt, &s) >= 0 && s) {
                res = strdup(s);
                H5free_memory(s);
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(t);
            res = calloc(sz + 1, 1);
            hid_t mt = H5Tcopy(t);
            if (res && H5Aread(a, mt, res) < 0) {
                free(res);
                res = NULL;
            }
            H5Tclose(mt);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return res;
}

static double read_num_attr(hid_t obj, const char *name)
{
    double v = NAN;
    if (H5Aexists(obj, name) <= 0)
        return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    H5T_class_t c = H5Tget_class(t);
    hid_t s = H5Aget_space(a);
    if ((c == H5T_INTEGER || c == H5T_FLOAT) && H5Sget_simple_extent_npoints(s) == 1)
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = NAN;
    H5Sclose(s);
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

int dl_read_record(hid_t file, const char *group, const char *metric, DlRun *run,
                   char *err, size_t errlen)
{
    memset(run, 0, sizeof *run);
    hid_t g = H5Gopen2(file, group, H5P_DEFAULT);
    if (g < 0) {
        fail(err, errlen, "no group %s", group);
        return -1;
    }
    char *pol = read_str_attr(g, "policy");
    if (!pol) {
        H5Gclose(g);
        fail(err, errlen, "%s has no 'policy' attribute: not a run record (docs/hdf5-schema.md)",
             group);
        return -1;
    }
    run->policy = pol;
    run->emulator = read_str_attr(g, "emulator");
    if (!run->emulator)
        run->emulator = strdup("emu-arm");
    run->params = read_str_attr(g, "policy_params");
    run->workload = read_str_attr(g, "workload");
    run->append = read_str_attr(g, "workload_args");
    double shift = read_num_attr(g, "shift");
    run->shift = isfinite(shift) ? (int64_t)shift : -1;
    run->rep = 0;
    run->cpu_ns = NAN;
    run->final_lag_ns = NAN;
    /* a run inside a merged file carries its sweep identity */
    if (H5Lexists(g, "sweep", H5P_DEFAULT) > 0) {
        hid_t s = H5Gopen2(g, "sweep", H5P_DEFAULT);
        char *v;
        if ((v = read_str_attr(s, "job_id")))
            run->job_id = v;
        if ((v = read_str_attr(s, "workload")))
            free(run->workload), run->workload = v;
        if ((v = read_str_attr(s, "policy_label")))
            run->label = v;
        if ((v = read_str_attr(s, "params")))
            free(run->params), run->params = v;
        double rep = read_num_attr(s, "rep");
        if (isfinite(rep))
            run->rep = (int64_t)rep;
        H5Gclose(s);
    }
    if (H5Lexists(g, "summary", H5P_DEFAULT) > 0) {
        hid_t s = H5Gopen2(g, "summary", H5P_DEFAULT);
        run->cpu_ns = read_num_attr(s, metric);
        run->final_lag_ns = read_num_attr(s, "final_lag_ns");
        H5Gclose(s);
    }
    H5Gclose(g);
    if (!run->job_id)
        run->job_id = strdup(group);
    if (!run->label)
        run->label = strdup(run->policy);
    if (!run->params)
        run->params = strdup("");
    if (!run->workload)
        run->workload = strdup("");
    if (!run->append)
        run->append = strdup("");
    run->group = strdup(group);
    return 0;
}

static int read_i64(hid_t g, const char *name, int64_t **out, size_t *n, char *err, size_t errlen)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) {
        fail(err, errlen, "no dataset %s", name);
        return -1;
    }
    hid_t sp = H5Dget_space(ds);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    int rc = -1;
    *out = malloc((np > 0 ? (size_t)np : 1) * sizeof **out);
    if (*out && (np == 0 || H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                    *out) >= 0)) {
        *n = (size_t)np;
        rc = 0;
    } else {
        free(*out);
        *out = NULL;
        fail(err, errlen, "cannot read %s", name);
    }
    H5Sclose(sp);
    H5Dclose(ds);
    return rc;
}

int dl_read_drift(hid_t file, const char *group, int64_t **host, int64_t **drift, size_t *n,
                  char *err, size_t errlen)
{
    *host = *drift = NULL;
    *n = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s%sdrift", group, group[strlen(group) - 1] == '/' ? "" : "/");
    H5E_BEGIN_TRY {
        htri_t ok = H5Lexists(file, path, H5P_DEFAULT);
        if (ok <= 0)
            path[0] = 0;
    } H5E_END_TRY;
    if (!path[0]) {
        fail(err, errlen, "%s has no drift group", group);
        return -1;
    }
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    size_t nh = 0, nd = 0;
    int rc = -1;
    H5E_BEGIN_TRY {
        if (read_i64(g, "host_ns", host, &nh, err, errlen) == 0
            && read_i64(g, "drift_ns", drift, &nd, err, errlen) == 0)
            rc = 0;
    } H5E_END_TRY;
    H5Gclose(g);
    if (rc == 0 && nh != nd) {
        fail(err, errlen, "%s: host_ns and drift_ns differ in length (%zu, %zu)", path, nh, nd);
        rc = -1;
    }
    if (rc) {
        free(*host), free(*drift);
        *host = *drift = NULL;
        return -1;
    }
    *n = nh;
    return 0;
}

void dl_run_free(DlRun *r)
{
    free(r->job_id), free(r->workload), free(r->append), free(r->policy);
    free(r->label), free(r->params), free(r->group), free(r->emulator);
}
