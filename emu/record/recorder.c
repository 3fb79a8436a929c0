/* The drift monitor thread and the HDF5 record. See record.h. */
#include "record/record.h"
#include "record/h5.h"
#include "hostclock.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <time.h>

#define RING_CAP (1u << 14)
#define SCHEMA_VERSION 1
#define N_EV_COLS 6

static const char *const ev_cols[N_EV_COLS] = { "host_ns", "guest_ns", "view_ns", "req_ns",
                                                "act_ns", "value" };
static const char *const ev_desc[N_EV_COLS] = {
    "host monotonic time since the run started",
    "guest virtual time since the run started",
    "the policy's own estimate of guest advance (guest - host) at this point",
    "sleep/spin requested (SLEEP, SPIN)",
    "sleep/spin actually taken (SLEEP, SPIN)",
    "kind-specific: SHIFT the new shift, FORGIVE ns forgiven, SPEED ratio x 1e6, "
    "POLICY row of /policy_changes",
};

/* /policy_changes: three int64 columns, then three strings. */
#define N_CHG_COLS 6
static const char *const chg_cols[N_CHG_COLS] = { "host_ns", "guest_ns", "icount", "policy",
                                                  "policy_params", "runtime_params" };
static const char *const chg_desc[N_CHG_COLS] = {
    "host time since start (the /policy events' axis) from which the policy was in force",
    "guest virtual time since start at that point",
    "retired instructions at that point",
    "the policy's name",
    "every parameter of the policy, defaults included",
    "the runtime's parameters (dry-run, catch-up, catch-up-limit, speed)",
};

typedef struct ChangeRow {
    int64_t v[3];
    char *s[3];
} ChangeRow;

struct Recorder {
    RecorderOptions o;
    char *path, *tmp_path;
    hid_t file, d_host, d_guest, d_drift, d_kind, d_ev[N_EV_COLS];

    /* vCPU -> monitor */
    _Atomic int64_t icount;
    const _Atomic int64_t *icount_src;   /* &icount, or the CPU's own counter */
    _Atomic uint32_t seq;
    _Atomic int shift;
    _Atomic int64_t bias;
    /* While the guest idles (idle_host != 0) its clock follows the host from
     * (idle_host, idle_v0), up to idle_vmax; all under seq with the clock. */
    _Atomic int64_t idle_host, idle_v0, idle_vmax;
    AlignEvent *ring;
    _Atomic uint64_t head, tail;
    int64_t dropped;            /* producer-owned; read after the join */
    /* Guards stats (read by the human monitor on the vCPU thread) and the
     * queued policy changes (queued on the vCPU thread). */
    pthread_mutex_t lock;
    ChangeRow *chg;
    size_t nchg, capchg;
    hid_t d_chg[N_CHG_COLS];    /* created at the first change */

    /* monitor */
    pthread_t thread;
    bool thread_running;
    _Atomic bool stop;
    int64_t host0, guest0;
    DriftStats *stats;
    int64_t *b_host, *b_guest, *b_drift;
    size_t nb, capb;
    AlignEvent *be;
    size_t nbe, capbe;
    int64_t samples, events;
    int64_t last_flush, prog_next, prog_icount, prog_host;
    bool progress_shown;
    bool h5_failed;
};

static char *xstrcat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* argv joined with spaces; words with spaces or quotes are single-quoted. */
static char *join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += 4 * strlen(argv[i]) + 3;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            *p++ = ' ';
        bool q = !*argv[i] || strpbrk(argv[i], " \t'\"\\$");
        if (q)
            *p++ = '\'';
        for (const char *c = argv[i]; *c; c++) {
            if (*c == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *c;
            }
        }
        if (q)
            *p++ = '\'';
    }
    *p = 0;
    return s;
}

static int write_meta(Recorder *r, const RecordMeta *m)
{
    char buf[512], sha[65] = "unavailable", when[64];
    hid_t f = r->file;
    int rc = 0;
    rc |= h5_attr_i64(f, "schema_version", SCHEMA_VERSION);
    rc |= h5_attr_i64(f, "complete", 0);
    rc |= h5_attr_str(f, "policy", m->policy);
    rc |= h5_attr_str(f, "policy_params", m->policy_params);
    rc |= h5_attr_str(f, "policy_description", m->policy_description);
    rc |= h5_attr_str(f, "policy_origin", m->policy_origin);
    rc |= h5_attr_i64(f, "shift", m->shift);
    rc |= h5_attr_str(f, "icount_options", m->icount_options);
    rc |= h5_attr_str(f, "workload", m->workload);
    rc |= h5_attr_str(f, "workload_args", m->workload_args);
    if (m->workload)
        sha256_file(m->workload, sha);
    rc |= h5_attr_str(f, "image_sha256", sha);
    host_cpu_model(buf, sizeof buf);
    rc |= h5_attr_str(f, "host_cpu", buf);
    host_kernel(buf, sizeof buf);
    rc |= h5_attr_str(f, "host_kernel", buf);
    rc |= h5_attr_str(f, "emulator_version", m->emulator_version);
    rc |= h5_attr_str(f, "git_commit", m->git_commit);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc |= h5_attr_str(f, "start_time_utc", when);
    char *cmd = join_argv(m->argc, m->argv);
    rc |= h5_attr_str(f, "command_line", cmd ? cmd : "");
    rc |= h5_attr_str(f, "runtime_params", m->runtime_params ? m->runtime_params : "");
    rc |= h5_attr_i64(f, "dry_run", m->dry_run);
    rc |= h5_attr_str(f, "tb_chain", m->tb_chain ? m->tb_chain : "modern");
    host_sched(buf, sizeof buf);
    rc |= h5_attr_str(f, "host_sched", buf);
    host_affinity(buf, sizeof buf);
    rc |= h5_attr_str(f, "host_cpu_affinity", buf);
    free(cmd);
    rc |= h5_attr_f64(f, "monitor_rate_hz", r->o.rate_hz);
    rc |= h5_attr_f64(f, "flush_interval_s", (double)r->o.flush_ns / 1e9);
    return rc ? -1 : 0;
}

static int create_layout(Recorder *r)
{
    hid_t g = H5Gcreate2(r->file, "drift", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    h5_attr_str(g, "description", "drift = (guest - guest at start) - (host - host at start), "
                                  "sampled by the monitor thread at monitor_rate_hz");
    r->d_host = h5_dataset_1d(g, "host_ns", H5T_STD_I64LE, "ns", "host monotonic time since start");
    r->d_guest = h5_dataset_1d(g, "guest_ns", H5T_STD_I64LE, "ns", "guest virtual time since start");
    r->d_drift = h5_dataset_1d(g, "drift_ns", H5T_STD_I64LE, "ns", "guest_ns - host_ns (> 0: guest ahead)");
    H5Gclose(g);
    g = H5Gcreate2(r->file, "policy", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    h5_attr_str(g, "description", "the policy's own view at its sync points, one row per event");
    h5_attr_str(g, "kinds", "0=ENTRY,1=CHECK,2=SLEEP,3=SPIN,4=LATE,5=SHIFT,6=FORGIVE,7=SPEED,"
                            "8=POLICY");
    r->d_kind = h5_dataset_1d(g, "kind", H5T_STD_I32LE, NULL,
                              "0 ENTRY (loop entry), 1 CHECK (decimated), 2 SLEEP, 3 SPIN, "
                              "4 LATE (check while behind, decimated), 5 SHIFT, 6 FORGIVE, "
                              "7 SPEED, 8 POLICY (value: row of /policy_changes)");
    bool ok = r->d_host >= 0 && r->d_guest >= 0 && r->d_drift >= 0 && r->d_kind >= 0;
    for (int i = 0; i < N_EV_COLS; i++) {
        r->d_ev[i] = h5_dataset_1d(g, ev_cols[i], H5T_STD_I64LE, i == 5 ? "" : "ns", ev_desc[i]);
        ok &= r->d_ev[i] >= 0;
    }
    H5Gclose(g);
    return ok ? 0 : -1;
}

Recorder *recorder_new(const RecorderOptions *o, const RecordMeta *m, char *err, size_t n)
{
    Recorder *r = calloc(1, sizeof *r);
    if (r)
        pthread_mutex_init(&r->lock, NULL);
    if (!r || !(r->ring = calloc(RING_CAP, sizeof(AlignEvent))) || !(r->stats = drift_stats_new())) {
        snprintf(err, n, "out of memory");
        recorder_free(r);
        return NULL;
    }
    r->o = *o;
    if (r->o.rate_hz <= 0)
        r->o.rate_hz = 1000;
    if (r->o.flush_ns <= 0)
        r->o.flush_ns = 500000000;
    if (r->o.progress_after_ns <= 0)
        r->o.progress_after_ns = 2000000000;
    r->file = r->d_host = r->d_guest = r->d_drift = r->d_kind = H5I_INVALID_HID;
    for (int i = 0; i < N_EV_COLS; i++)
        r->d_ev[i] = H5I_INVALID_HID;
    for (int i = 0; i < N_CHG_COLS; i++)
        r->d_chg[i] = H5I_INVALID_HID;
    atomic_store(&r->shift, 0);
    r->icount_src = &r->icount;
    if (!o->path)
        return r;
    r->path = strdup(o->path);
    r->tmp_path = xstrcat(o->path, ".partial");
    if (!r->path || !r->tmp_path) {
        snprintf(err, n, "out of memory");
        recorder_free(r);
        return NULL;
    }
    H5E_BEGIN_TRY {
        r->file = H5Fcreate(r->tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    } H5E_END_TRY;
    if (r->file < 0) {
        snprintf(err, n, "-record: cannot create '%s': %s", r->tmp_path,
                 errno ? strerror(errno) : "HDF5 error");
        recorder_free(r);
        return NULL;
    }
    int rc;
    H5E_BEGIN_TRY {
        rc = write_meta(r, m) < 0 || create_layout(r) < 0 || H5Fflush(r->file, H5F_SCOPE_LOCAL) < 0;
    } H5E_END_TRY;
    if (rc) {
        snprintf(err, n, "-record: cannot write the layout of '%s'", r->tmp_path);
        recorder_free(r);
        return NULL;
    }
    return r;
}

void recorder_set_icount_source(Recorder *r, const _Atomic int64_t *src)
{
    r->icount_src = src ? src : &r->icount;
}

void recorder_set_clock(Recorder *r, int shift, int64_t bias_ns)
{
    uint32_t s = atomic_load_explicit(&r->seq, memory_order_relaxed);
    atomic_store_explicit(&r->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&r->shift, shift, memory_order_relaxed);
    atomic_store_explicit(&r->bias, bias_ns, memory_order_relaxed);
    atomic_store_explicit(&r->idle_host, 0, memory_order_relaxed);
    atomic_store_explicit(&r->seq, s + 2, memory_order_release);
}

void recorder_set_clock_cb(void *r, int shift, int64_t bias_ns)
{
    recorder_set_clock(r, shift, bias_ns);
}

void recorder_set_idle(Recorder *r, int64_t host_abs_ns, int64_t vclock_ns, int64_t vclock_max_ns)
{
    uint32_t s = atomic_load_explicit(&r->seq, memory_order_relaxed);
    atomic_store_explicit(&r->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&r->idle_v0, vclock_ns, memory_order_relaxed);
    atomic_store_explicit(&r->idle_vmax, vclock_max_ns, memory_order_relaxed);
    atomic_store_explicit(&r->idle_host, host_abs_ns, memory_order_relaxed);
    atomic_store_explicit(&r->seq, s + 2, memory_order_release);
}

typedef struct {
    int shift;
    int64_t bias, idle_host, idle_v0, idle_vmax;
} ClockView;

static void read_clock(Recorder *r, ClockView *v)
{
    for (;;) {
        uint32_t s1 = atomic_load_explicit(&r->seq, memory_order_acquire);
        v->shift = atomic_load_explicit(&r->shift, memory_order_relaxed);
        v->bias = atomic_load_explicit(&r->bias, memory_order_relaxed);
        v->idle_host = atomic_load_explicit(&r->idle_host, memory_order_relaxed);
        v->idle_v0 = atomic_load_explicit(&r->idle_v0, memory_order_relaxed);
        v->idle_vmax = atomic_load_explicit(&r->idle_vmax, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        uint32_t s2 = atomic_load_explicit(&r->seq, memory_order_relaxed);
        if (s1 == s2 && !(s1 & 1))
            return;
    }
}

void recorder_emit(void *opaque, const AlignEvent *ev)
{
    Recorder *r = opaque;
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (h - t >= RING_CAP) {
        r->dropped++;
        return;
    }
    r->ring[h & (RING_CAP - 1)] = *ev;
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 4096;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

/* The guest's virtual clock at host time host_abs, icount instructions in. */
static int64_t guest_clock_at(Recorder *r, int64_t host_abs, int64_t icount)
{
    ClockView v;
    read_clock(r, &v);
    int64_t vclock = (icount << v.shift) + v.bias;
    if (v.idle_host && host_abs > v.idle_host) {
        /* Idle: the guest waits for its next timer, and its clock runs with
         * the host's until then (QEMU's sleep=on), instead of standing still
         * until the wake-up moves it on in one step. */
        int64_t follow = v.idle_v0 + (host_abs - v.idle_host);
        vclock = follow < v.idle_vmax ? follow : v.idle_vmax;
    }
    return vclock;
}

static void sample_at(Recorder *r, int64_t host_abs, int64_t icount)
{
    int64_t guest = guest_clock_at(r, host_abs, icount) - r->guest0;
    int64_t host = host_abs - r->host0;
    int64_t d = guest - host;
    pthread_mutex_lock(&r->lock);
    drift_stats_add(r->stats, host, d);
    pthread_mutex_unlock(&r->lock);
    r->samples++;
    if (!r->path)
        return;
    if (r->nb == r->capb) {             /* grow the three columns together */
        size_t nc = r->capb ? 2 * r->capb : 1024;
        int64_t *a = realloc(r->b_host, nc * sizeof *a);
        if (a)
            r->b_host = a;
        int64_t *b = a ? realloc(r->b_guest, nc * sizeof *b) : NULL;
        if (b)
            r->b_guest = b;
        int64_t *c = b ? realloc(r->b_drift, nc * sizeof *c) : NULL;
        if (!c)
            return;                     /* out of memory: the sample is only in the stats */
        r->b_drift = c;
        r->capb = nc;
    }
    r->b_host[r->nb] = host;
    r->b_guest[r->nb] = guest;
    r->b_drift[r->nb] = d;
    r->nb++;
}

static void drain_events(Recorder *r)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    for (; t != h; t++) {
        if (r->path && grow((void **)&r->be, &r->capbe, r->nbe + 1, sizeof(AlignEvent)))
            r->be[r->nbe++] = r->ring[t & (RING_CAP - 1)];
        r->events++;
    }
    atomic_store_explicit(&r->tail, t, memory_order_release);
}

static hid_t utf8_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* The group appears with the first change, so a run without one has the
 * layout it always had. */
static int create_changes(Recorder *r)
{
    hid_t g = H5Gcreate2(r->file, "policy_changes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    h5_attr_str(g, "description", "the policies in force during the run, one row each: row 0 "
                                  "is the one it started with, the others were switched to by "
                                  "the monitor's `align policy` (POLICY events point here)");
    hid_t str = utf8_string_type();
    int rc = 0;
    for (int i = 0; i < N_CHG_COLS; i++) {
        r->d_chg[i] = h5_dataset_1d(g, chg_cols[i], i < 3 ? H5T_STD_I64LE : str,
                                    i < 2 ? "ns" : NULL, chg_desc[i]);
        if (r->d_chg[i] < 0)
            rc = -1;
    }
    H5Tclose(str);
    H5Gclose(g);
    return rc;
}

static void free_changes(ChangeRow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            free(rows[i].s[k]);
    free(rows);
}

/* Writes the queued policy changes (HDF5 error stack already silenced). */
static int write_changes(Recorder *r)
{
    pthread_mutex_lock(&r->lock);
    ChangeRow *rows = r->chg;
    size_t n = r->nchg;
    r->chg = NULL;
    r->nchg = r->capchg = 0;
    pthread_mutex_unlock(&r->lock);
    if (!n)
        return 0;
    int rc = r->d_chg[0] < 0 ? create_changes(r) : 0;
    int64_t *num = malloc(n * sizeof *num);
    const char **str = malloc(n * sizeof *str);
    hid_t st = utf8_string_type();
    if (rc == 0 && num && str) {
        for (int c = 0; c < N_CHG_COLS; c++) {
            for (size_t i = 0; i < n; i++) {
                if (c < 3)
                    num[i] = rows[i].v[c];
                else
                    str[i] = rows[i].s[c - 3];
            }
            rc |= c < 3 ? h5_append(r->d_chg[c], H5T_NATIVE_INT64, num, n)
                        : h5_append(r->d_chg[c], st, str, n);
        }
    } else {
        rc = -1;
    }
    H5Tclose(st);
    free(num);
    free(str);
    free_changes(rows, n);
    return rc;
}

int recorder_policy_change(Recorder *r, const RecordPolicyChange *c)
{
    if (!r->path)
        return 0;
    ChangeRow row = { { c->host_ns, c->guest_ns, c->icount },
                      { strdup(c->policy ? c->policy : ""),
                        strdup(c->policy_params ? c->policy_params : ""),
                        strdup(c->runtime_params ? c->runtime_params : "") } };
    int rc = -1;
    pthread_mutex_lock(&r->lock);
    if (row.s[0] && row.s[1] && row.s[2] &&
        grow((void **)&r->chg, &r->capchg, r->nchg + 1, sizeof *r->chg)) {
        r->chg[r->nchg++] = row;
        rc = 0;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc < 0)
        for (int k = 0; k < 3; k++)
            free(row.s[k]);
    return rc;
}

/* Appends the buffered rows and flushes the file to disk. */
static void write_batch(Recorder *r)
{
    if (!r->path || r->file < 0 || r->h5_failed)
        return;
    int rc = 0;
    H5E_BEGIN_TRY {
        rc |= write_changes(r);
        rc |= h5_append(r->d_host, H5T_NATIVE_INT64, r->b_host, r->nb);
        rc |= h5_append(r->d_guest, H5T_NATIVE_INT64, r->b_guest, r->nb);
        rc |= h5_append(r->d_drift, H5T_NATIVE_INT64, r->b_drift, r->nb);
        if (r->nbe) {
            int32_t *kinds = malloc(r->nbe * sizeof(int32_t));
            int64_t *col = malloc(r->nbe * sizeof(int64_t));
            if (kinds && col) {
                for (size_t i = 0; i < r->nbe; i++)
                    kinds[i] = r->be[i].kind;
                rc |= h5_append(r->d_kind, H5T_NATIVE_INT32, kinds, r->nbe);
                for (int c = 0; c < N_EV_COLS; c++) {
                    for (size_t i = 0; i < r->nbe; i++) {
                        const AlignEvent *e = &r->be[i];
                        const int64_t v[N_EV_COLS] = { e->host_ns, e->guest_ns, e->view_ns,
                                                       e->req_ns, e->act_ns, e->value };
                        col[i] = v[c];
                    }
                    rc |= h5_append(r->d_ev[c], H5T_NATIVE_INT64, col, r->nbe);
                }
            } else {
                rc = -1;
            }
            free(kinds);
            free(col);
        }
        if (H5Fflush(r->file, H5F_SCOPE_LOCAL) < 0)
            rc = -1;
    } H5E_END_TRY;
    if (rc)
        r->h5_failed = true;
    r->nb = 0;
    r->nbe = 0;
}

static void progress(Recorder *r, int64_t host_abs, int64_t icount)
{
    int64_t host = host_abs - r->host0;
    if (!r->o.progress || host < r->o.progress_after_ns || host_abs < r->prog_next)
        return;
    int64_t guest = guest_clock_at(r, host_abs, icount) - r->guest0;
    double mips = 0;
    if (r->prog_host && host_abs > r->prog_host)
        mips = (double)(icount - r->prog_icount) / ((double)(host_abs - r->prog_host) / 1e3);
    r->prog_icount = icount;
    r->prog_host = host_abs;
    r->prog_next = host_abs + 1000000000;
    fprintf(stderr, "\r[emu-arm] guest %.3f s  host %.3f s  drift %+.3f ms  %.1f MIPS\033[K",
            (double)guest / 1e9, (double)host / 1e9, (double)(guest - host) / 1e6, mips);
    fflush(stderr);
    r->progress_shown = true;
}

static void *monitor_main(void *opaque)
{
    Recorder *r = opaque;
    int64_t period = (int64_t)(1e9 / r->o.rate_hz);
    if (period < 10000)
        period = 10000;
    int64_t next = host_monotonic_ns();
    r->last_flush = next;
    while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
        next += period;
        int64_t now = host_monotonic_ns();
        if (next < now - 10 * period)   /* descheduled for long: do not burst */
            next = now;
        struct timespec ts = { (time_t)(next / 1000000000), (long)(next % 1000000000) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        now = host_monotonic_ns();
        int64_t ic = atomic_load_explicit(r->icount_src, memory_order_relaxed);
        sample_at(r, now, ic);
        drain_events(r);
        if (now - r->last_flush >= r->o.flush_ns) {
            write_batch(r);
            r->last_flush = now;
        }
        progress(r, now, ic);
    }
    return NULL;
}

int recorder_start(Recorder *r, int64_t host0_abs_ns, int64_t guest0_ns, int64_t icount0,
                   char *err, size_t n)
{
    r->host0 = host0_abs_ns;
    r->guest0 = guest0_ns;
    atomic_store_explicit(&r->icount, icount0, memory_order_relaxed);
    if (r->icount_src != &r->icount)
        atomic_store_explicit((_Atomic int64_t *)(uintptr_t)r->icount_src, icount0,
                              memory_order_relaxed);
    sample_at(r, host0_abs_ns, icount0);
    int e = pthread_create(&r->thread, NULL, monitor_main, r);
    if (e) {
        snprintf(err, n, "cannot start the drift monitor thread: %s", strerror(e));
        return -1;
    }
    r->thread_running = true;
    return 0;
}

void recorder_stop(Recorder *r, int64_t final_icount)
{
    if (!r || !r->thread_running)
        return;
    atomic_store_explicit(&r->icount, final_icount, memory_order_relaxed);
    atomic_store_explicit(&r->stop, true, memory_order_release);
    pthread_join(r->thread, NULL);
    r->thread_running = false;
    sample_at(r, host_monotonic_ns(), final_icount);
    drain_events(r);
    write_batch(r);
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

bool recorder_drift_now(Recorder *r, DriftSummary *d)
{
    pthread_mutex_lock(&r->lock);
    drift_stats_summary(r->stats, d);
    pthread_mutex_unlock(&r->lock);
    return d->n > 0;
}

void recorder_summary(const Recorder *r, DriftSummary *d, int64_t *samples, int64_t *events,
                      int64_t *dropped)
{
    drift_stats_summary(r->stats, d);
    *samples = r->samples;
    *events = r->events;
    *dropped = r->dropped;
}

static int write_summary(Recorder *r, const RunSummary *s, const StatList *ps)
{
    hid_t g = H5Gcreate2(r->file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    int rc = 0;
    DriftSummaryField df[DRIFT_SUMMARY_FIELDS];
    drift_summary_fields(&s->drift, df);
    for (int i = 0; i < DRIFT_SUMMARY_FIELDS; i++)
        rc |= df[i].integer ? h5_attr_i64(g, df[i].name, df[i].i) : h5_attr_f64(g, df[i].name, df[i].f);
    rc |= h5_attr_i64(g, "final_lag_ns", s->final_lag_ns);
    rc |= h5_attr_i64(g, "host_elapsed_ns", s->host_elapsed_ns);
    rc |= h5_attr_i64(g, "guest_elapsed_ns", s->guest_elapsed_ns);
    rc |= h5_attr_i64(g, "instructions", s->instructions);
    rc |= h5_attr_i64(g, "region", s->region);
    rc |= h5_attr_i64(g, "region_begin_icount", s->region_begin_icount);
    rc |= h5_attr_i64(g, "region_end_icount", s->region_end_icount);
    rc |= h5_attr_i64(g, "region_begin_host_ns", s->region_begin_host_ns);
    rc |= h5_attr_i64(g, "tbs", s->tbs);
    rc |= h5_attr_f64(g, "mips", s->mips);
    rc |= h5_attr_i64(g, "vcpu_cpu_ns", s->vcpu_cpu_ns);
    rc |= h5_attr_i64(g, "vcpu_user_ns", s->vcpu_user_ns);
    rc |= h5_attr_i64(g, "vcpu_sys_ns", s->vcpu_sys_ns);
    const AlignCounters *c = &s->counters;
    rc |= h5_attr_i64(g, "host_clock_reads", c->host_reads);
    rc |= h5_attr_i64(g, "sleeps", c->sleeps);
    rc |= h5_attr_i64(g, "sleep_requested_ns", c->sleep_req_ns);
    rc |= h5_attr_i64(g, "sleep_actual_ns", c->sleep_act_ns);
    rc |= h5_attr_i64(g, "spins", c->spins);
    rc |= h5_attr_i64(g, "spin_ns", c->spin_ns);
    rc |= h5_attr_i64(g, "loop_entries", c->entries);
    rc |= h5_attr_i64(g, "align_calls", c->calls);
    rc |= h5_attr_i64(g, "loop_exit_calls", c->exit_calls);
    rc |= h5_attr_i64(g, "loop_exits", s->loop_exits);
    rc |= h5_attr_i64(g, "sync_stops", s->sync_stops);
    double host_s = (double)s->host_elapsed_ns / 1e9;
    rc |= h5_attr_f64(g, "clock_reads_per_s", host_s > 0 ? (double)c->host_reads / host_s : 0);
    rc |= h5_attr_f64(g, "clock_reads_per_minsn",
                      s->instructions > 0 ? (double)c->host_reads * 1e6 / (double)s->instructions : 0);
    rc |= h5_attr_i64(g, "pacing_cpu_ns", s->wait_cpu_ns);
    rc |= h5_attr_f64(g, "pacing_cpu_per_s", host_s > 0 ? (double)s->wait_cpu_ns / host_s : 0);
    rc |= h5_attr_i64(g, "busy_cpu_ns", s->vcpu_cpu_ns - s->wait_cpu_ns);
    rc |= h5_attr_i64(g, "wake_late_ns", c->wake_late_ns);
    rc |= h5_attr_i64(g, "wake_late_max_ns", c->wake_late_max_ns);
    rc |= h5_attr_i64(g, "host_stalls", c->host_stalls);
    rc |= h5_attr_i64(g, "host_stall_ns", c->host_stall_ns);
    rc |= h5_attr_i64(g, "dry_waits", c->dry_waits);
    rc |= h5_attr_i64(g, "dry_wait_ns", c->dry_wait_ns);
    rc |= h5_attr_i64(g, "late_checks", c->late_checks);
    rc |= h5_attr_i64(g, "max_late_ns", c->max_late_ns);
    rc |= h5_attr_i64(g, "forgiven", c->forgiven);
    rc |= h5_attr_i64(g, "forgiven_ns", c->forgiven_ns);
    rc |= h5_attr_i64(g, "catchup_warnings", c->catchup_warnings);
    rc |= h5_attr_f64(g, "policy_code_ns", s->policy_ns);
    rc |= h5_attr_i64(g, "policy_timed_calls", c->timed_calls);
    rc |= h5_attr_i64(g, "events_recorded", s->events_recorded);
    rc |= h5_attr_i64(g, "events_decimated", c->events_decimated);
    rc |= h5_attr_i64(g, "events_dropped", s->events_dropped);
    rc |= h5_attr_i64(g, "shift_final", s->shift_final);
    rc |= h5_attr_i64(g, "exit_code", s->exit_code);
    rc |= h5_attr_i64(g, "policy_changes", s->policy_changes);
    hid_t pg = H5Gcreate2(g, "policy", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (pg >= 0) {
        h5_attr_str(pg, "description", "the policy's own statistics (report hook; the policy in "
                                       "force at the end); units in <name>.unit");
        for (int i = 0; ps && i < ps->n; i++) {
            char uname[80];
            rc |= h5_attr_f64(pg, ps->s[i].name, ps->s[i].value);
            snprintf(uname, sizeof uname, "%s.unit", ps->s[i].name);
            rc |= h5_attr_str(pg, uname, ps->s[i].unit);
        }
        H5Gclose(pg);
    } else {
        rc = -1;
    }
    H5Gclose(g);
    return rc ? -1 : 0;
}

int recorder_finish(Recorder *r, const RunSummary *s, const StatList *policy_stats,
                    char *err, size_t n)
{
    if (!r->path || r->file < 0)
        return 0;
    int rc;
    H5E_BEGIN_TRY {
        rc = r->h5_failed || write_summary(r, s, policy_stats) < 0 ||
             h5_attr_set_i64(r->file, "complete", 1) < 0;
        for (int i = 0; i < N_EV_COLS; i++)
            H5Dclose(r->d_ev[i]);
        for (int i = 0; i < N_CHG_COLS; i++)
            if (r->d_chg[i] >= 0)
                H5Dclose(r->d_chg[i]);
        H5Dclose(r->d_kind);
        H5Dclose(r->d_host);
        H5Dclose(r->d_guest);
        H5Dclose(r->d_drift);
        if (H5Fclose(r->file) < 0)
            rc = 1;
    } H5E_END_TRY;
    r->file = H5I_INVALID_HID;
    if (rc) {
        /* Whatever is in the partial file may be cut anywhere: keep nothing
         * that a merge could mistake for a result. */
        struct statvfs fs;
        bool full = statvfs(r->tmp_path, &fs) == 0 && fs.f_bavail * fs.f_frsize < (1u << 20);
        unlink(r->tmp_path);
        snprintf(err, n, "-record: writing '%s' failed%s; the partial record was removed",
                 r->path, full ? " (the disk is full)" : "");
        return -1;
    }
    if (rename(r->tmp_path, r->path) < 0) {
        snprintf(err, n, "-record: cannot rename '%s' to '%s': %s", r->tmp_path, r->path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

void recorder_free(Recorder *r)
{
    if (!r)
        return;
    if (r->thread_running) {
        atomic_store(&r->stop, true);
        pthread_join(r->thread, NULL);
    }
    if (r->file >= 0) {
        H5E_BEGIN_TRY {
            for (int i = 0; i < N_EV_COLS; i++)
                if (r->d_ev[i] >= 0)
                    H5Dclose(r->d_ev[i]);
            for (int i = 0; i < N_CHG_COLS; i++)
                if (r->d_chg[i] >= 0)
                    H5Dclose(r->d_chg[i]);
            hid_t d[4] = { r->d_kind, r->d_host, r->d_guest, r->d_drift };
            for (int i = 0; i < 4; i++)
                if (d[i] >= 0)
                    H5Dclose(d[i]);
            H5Fclose(r->file);
        } H5E_END_TRY;
    }
    drift_stats_free(r->stats);
    free_changes(r->chg, r->nchg);
    pthread_mutex_destroy(&r->lock);
    free(r->ring);
    free(r->b_host);
    free(r->b_guest);
    free(r->b_drift);
    free(r->be);
    free(r->path);
    free(r->tmp_path);
    free(r);
}
