/* AlignSession and the command-line options of alignment and measurement. */
#include "align/session.h"
#include "record/record.h"
#include "hostclock.h"
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

const char align_cli_usage[] =
"  -align-policy NAME[,key=value...]\n"
"                        clock-alignment policy (needs -icount shift=N; 'help'\n"
"                        lists every policy with its parameters and defaults,\n"
"                        'help=json' the same as JSON);\n"
"                        -icount ...,align=on alone means start-only\n"
"  -align-policy-plugin PATH.so  load an alignment policy from a shared object\n"
"  -record FILE.h5       record drift, policy events and a summary (HDF5; written\n"
"                        to FILE.h5.partial, renamed when the run ends)\n"
"  -record-rate HZ       drift sampling rate (default 1000)\n"
"  -align-report         print clock-alignment statistics at exit\n"
"  -tb-chain modern|qemu-2.1|none\n"
"                        which TB exits jump straight to the next TB: all direct\n"
"                        and indirect ones (default), direct ones within a page\n"
"                        (QEMU 2.1), or none (every TB returns to the loop)\n";

static const char *const chain_names[] = { "modern", "qemu-2.1", "none" };

const char *align_tb_chain_name(int chain)
{
    return chain >= 0 && chain < 3 ? chain_names[chain] : "?";
}

/* The drift monitor's count is at most this much guest time old while the
 * guest runs (it is exact at sync points, loop exits and while asleep). */
#define PUBLISH_GUEST_NS 10000

struct AlignSession {
    AlignRegistry reg;
    AlignRun *run;                /* the policy in force; `align policy` replaces it */
    bool have_run, aligning, started;
    Recorder *rec;
    bool recording;              /* policy events go to a file */
    double rec_rate_hz;
    Icount *ic;
    RecordMeta meta;
    AlignMachineInfo mi;
    bool report, precise_monitor;
    char params_text[512], common_text[160], icount_opts[96];
    AlignCommon common;
    int64_t cpu0, user0, sys0, host0, guest0, icount0;
    int64_t created_ns;          /* host monotonic, when the emulator set up */
    bool region;                 /* started at a region of interest */
    bool idle;                   /* the recorder was told the guest idles */
    int last_shift;
    int64_t last_bias;
    /* `align policy`: the current policy's parameters as text, and what the
     * policies switched away from left behind. */
    char cur_params[512], cur_common[160];
    int64_t policy_changes;
    AlignCounters prev;
    double prev_policy_ns;
    /* Host clock origins (absolute): of the /policy events' axis, and of
     * the current policy's clock before any stop moved it. Both follow
     * stops as the policy's clock does. */
    int64_t axis_host0, run_start_abs;
    bool stopped;                /* the monitor's `stop`, since stop_abs */
    int64_t stop_abs;
};

static void print_err(const char *msg)
{
    fprintf(stderr, "emu-arm: %s\n", msg);
}

void align_config_init(AlignConfig *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->argc = argc;
    c->argv = argv;
    c->record_rate_hz = 1000;
}

bool align_cli_is_option(const char *o, bool *takes_value)
{
    static const char *const with_value[] = { "-align-policy", "-align-policy-plugin", "-record",
                                              "-record-rate", "-tb-chain" };
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (!strcmp(o, with_value[i])) {
            *takes_value = true;
            return true;
        }
    if (!strcmp(o, "-align-report")) {
        *takes_value = false;
        return true;
    }
    return false;
}

/* A registry with the built-ins and every -align-policy-plugin of argv. */
static int load_registry(AlignRegistry *reg, const AlignConfig *c, char *err, size_t n)
{
    align_registry_init(reg);
    for (int i = 0; i < c->n_plugins; i++)
        if (align_registry_load_plugin(reg, c->plugins[i], err, n) < 0)
            return -1;
    return 0;
}

int align_cli_option(AlignConfig *c, const char *o, const char *v)
{
    char err[ALIGN_ERR_LEN];
    if (!strcmp(o, "-align-report")) {
        c->report = true;
        return 0;
    }
    if (!strcmp(o, "-align-policy")) {
        bool json = !strcmp(v, "help=json");
        if (strcmp(v, "help") && !json) {
            c->policy_spec = v;
            return 0;
        }
        /* help: list plugins given anywhere on the command line too. */
        AlignConfig all = *c;
        all.n_plugins = 0;
        for (int i = 1; i + 1 < c->argc; i++) {
            const char *a = c->argv[i];
            if (a[0] == '-' && a[1] == '-')
                a++;
            if (!strcmp(a, "-align-policy-plugin") && all.n_plugins < ALIGN_MAX_PLUGINS)
                all.plugins[all.n_plugins++] = c->argv[++i];
        }
        AlignRegistry reg;
        int rc = load_registry(&reg, &all, err, sizeof err);
        if (rc < 0)
            print_err(err);
        else if (json)
            align_registry_help_json(&reg, stdout);
        else
            align_registry_help(&reg, stdout);
        align_registry_free(&reg);
        return rc < 0 ? -1 : 1;
    }
    if (!strcmp(o, "-align-policy-plugin")) {
        if (c->n_plugins == ALIGN_MAX_PLUGINS) {
            print_err("-align-policy-plugin: too many plugins");
            return -1;
        }
        c->plugins[c->n_plugins++] = v;
        return 0;
    }
    if (!strcmp(o, "-record")) {
        if (!*v) {
            print_err("-record: needs a file name");
            return -1;
        }
        c->record_path = v;
        return 0;
    }
    if (!strcmp(o, "-tb-chain")) {
        for (int i = 0; i < 3; i++)
            if (!strcmp(v, chain_names[i])) {
                c->tb_chain = i;
                return 0;
            }
        snprintf(err, sizeof err, "-tb-chain: expected modern, qemu-2.1 or none, not '%s'", v);
        print_err(err);
        return -1;
    }
    if (!strcmp(o, "-record-rate")) {
        char *end;
        double hz = strtod(v, &end);
        if (!*v || *end || !(hz >= 1 && hz <= 100000)) {
            snprintf(err, sizeof err, "-record-rate: expected a rate in Hz in [1, 100000], not '%s'", v);
            print_err(err);
            return -1;
        }
        c->record_rate_hz = hz;
        return 0;
    }
    snprintf(err, sizeof err, "unknown option '%s'", o);
    print_err(err);
    return -1;
}

int align_config_check(const AlignConfig *c)
{
    char err[ALIGN_ERR_LEN];
    AlignRegistry reg;
    int rc = load_registry(&reg, c, err, sizeof err);
    if (rc == 0 && c->policy_spec) {
        const AlignPolicy *p;
        void *params;
        rc = align_spec_parse(&reg, c->policy_spec, &p, &params, err, sizeof err);
        free(params);
        if (rc < 0) {
            char e2[ALIGN_ERR_LEN + 32];
            snprintf(e2, sizeof e2, "-align-policy: %s", err);
            print_err(e2);
        }
    } else if (rc < 0) {
        char e2[ALIGN_ERR_LEN + 32];
        snprintf(e2, sizeof e2, "-align-policy-plugin: %s", err);
        print_err(e2);
    }
    align_registry_free(&reg);
    return rc;
}

static int fail(AlignSession *s, const char *msg)
{
    print_err(msg);
    align_session_free(s);
    return -1;
}

int align_session_create(AlignSession **out, const AlignConfig *c, const AlignMachineInfo *mi, Icount *ic)
{
    *out = NULL;
    bool progress = !mi->quiet && mi->icount && isatty(STDERR_FILENO);
    if (!c->policy_spec && !mi->align && !c->record_path && !c->report && !progress &&
        !c->n_plugins)
        return 0;
    AlignSession *s = calloc(1, sizeof *s);
    if (!s) {
        print_err("out of memory");
        return -1;
    }
    s->ic = ic;
    s->created_ns = host_monotonic_ns();
    s->mi = *mi;
    s->report = c->report;
    s->precise_monitor = c->record_path || c->report;
    char err[ALIGN_ERR_LEN], e2[ALIGN_ERR_LEN + 64];
    if (load_registry(&s->reg, c, err, sizeof err) < 0) {
        snprintf(e2, sizeof e2, "-align-policy-plugin: %s", err);
        return fail(s, e2);
    }
    if ((c->policy_spec || c->record_path || c->report) && (!mi->icount || mi->shift_auto))
        return fail(s, "-align-policy, -record and -align-report need -icount shift=N "
                       "(shift=auto is the adaptive-shift policy)");
    const char *spec = c->policy_spec ? c->policy_spec : mi->align ? "start-only" : "none";
    const AlignPolicy *p;
    void *params;
    if (align_spec_parse_common(&s->reg, spec, &p, &params, &s->common, err, sizeof err) < 0) {
        snprintf(e2, sizeof e2, "-align-policy: %s", err);
        return fail(s, e2);
    }
    /* With sleep=off an idle guest's clock jumps to its next timer and the
     * policy then waits for the host to catch up: the same pacing, but the
     * guest sees exactly what it sees without alignment (sleep=on would let
     * host jitter into its clock). QEMU refuses align=on with sleep=off;
     * the CLI keeps that for align=on. */
    s->aligning = p != &align_policy_none;
    s->run = malloc(sizeof *s->run);
    int rc = s->run ? align_run_init(s->run, p, params, &s->common, ic, err, sizeof err) : -1;
    if (!s->run)
        snprintf(err, sizeof err, "out of memory");
    if (rc == 0) {
        align_params_format(p, params, s->params_text, sizeof s->params_text);
        align_common_format(&s->common, s->common_text, sizeof s->common_text);
        snprintf(s->cur_params, sizeof s->cur_params, "%s", s->params_text);
        snprintf(s->cur_common, sizeof s->cur_common, "%s", s->common_text);
    }
    free(params);
    if (rc < 0) {
        free(s->run);
        s->run = NULL;
        return fail(s, err);
    }
    s->have_run = true;
    const char *origin = "built-in";
    for (int i = 0; i < s->reg.n; i++)
        if (s->reg.policy[i] == p)
            origin = s->reg.origin[i];
    snprintf(s->icount_opts, sizeof s->icount_opts, "shift=%d,align=%s,sleep=%s", mi->shift,
             mi->align ? "on" : "off", mi->sleep ? "on" : "off");
    s->meta = (RecordMeta){
        .policy = p->name, .policy_params = s->params_text, .policy_description = p->description,
        .runtime_params = s->common_text, .dry_run = s->common.dry_run,
        .tb_chain = align_tb_chain_name(c->tb_chain),
        .policy_origin = origin, .shift = mi->shift, .icount_options = s->icount_opts,
        .workload = mi->kernel, .workload_args = mi->append ? mi->append : "",
        .emulator_version = mi->version ? mi->version : "unknown",
        .git_commit = mi->git_commit ? mi->git_commit : DRIFTLAB_GIT,
        .argc = c->argc, .argv = c->argv,
    };
    if (c->record_path || c->report || progress) {
        RecorderOptions ro = {
            .path = c->record_path,
            /* progress alone needs only a slow monitor */
            .rate_hz = c->record_path || c->report ? c->record_rate_hz : 20,
            .progress = progress,
        };
        s->rec = recorder_new(&ro, &s->meta, err, sizeof err);
        if (!s->rec)
            return fail(s, err);
        s->rec_rate_hz = ro.rate_hz;
        s->recording = c->record_path != NULL;
        if (s->recording)
            align_run_set_emit(s->run, recorder_emit, s->rec, 100 * ALIGN_NS_PER_US);
        align_run_set_clock_changed(s->run, recorder_set_clock_cb, s->rec);
        recorder_set_icount_source(s->rec, &ic->published);
    }
    *out = s;
    return 0;
}

bool align_session_aligning(const AlignSession *s)
{
    return s && s->aligning;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void thread_rusage(int64_t *user, int64_t *sys)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) < 0) {
        *user = *sys = 0;
        return;
    }
    *user = (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000;
    *sys = (int64_t)ru.ru_stime.tv_sec * 1000000000 + (int64_t)ru.ru_stime.tv_usec * 1000;
}

void align_session_idle(AlignSession *s, int64_t vclock_ns)
{
    if (s && s->started && s->have_run)
        align_run_idle_until(s->run, vclock_ns);
}

void align_session_idle_begin(AlignSession *s, int64_t vclock_ns, int64_t deadline_vclock_ns)
{
    if (!s || !s->rec || !s->started)
        return;
    s->idle = true;
    recorder_set_idle(s->rec, host_monotonic_ns(), vclock_ns, deadline_vclock_ns);
}

void align_session_set_region(AlignSession *s, bool region)
{
    if (s)
        s->region = region;
}

int align_session_set_speed(AlignSession *s, double speed)
{
    if (!s || !s->have_run || !s->started || !s->aligning)
        return -1;
    align_run_set_speed(s->run, speed);
    return 0;
}

void align_session_host_stop(AlignSession *s)
{
    if (s && s->have_run && s->started) {
        s->stopped = true;
        s->stop_abs = align_host_abs_uncounted(&s->run->ctx);
    }
}

/* Host time of the current policy's clock that passed while stopped: all of
 * the stop, unless the policy was switched to during it. */
static int64_t run_stopped_part(const AlignSession *s, int64_t now_abs)
{
    int64_t since = s->stop_abs > s->run_start_abs ? s->stop_abs : s->run_start_abs;
    return now_abs > since ? now_abs - since : 0;
}

void align_session_host_stopped(AlignSession *s, int64_t ns)
{
    if (!s || !s->have_run || !s->started)
        return;
    int64_t part = ns;
    if (s->stopped) {
        int64_t p = run_stopped_part(s, align_host_abs_uncounted(&s->run->ctx));
        if (p < part)
            part = p;
    }
    s->stopped = false;
    s->axis_host0 += ns;
    s->run->ctx.host0_ns += part;
}

const char *align_session_policy_name(const AlignSession *s)
{
    return s && s->have_run && s->run->policy ? s->run->policy->name : NULL;
}

/* The events of a policy switched to at run time are stamped on its own
 * origin; the record keeps one time axis, the first policy's. */
static void emit_on_axis(void *opaque, const AlignEvent *ev)
{
    AlignSession *s = opaque;
    AlignEvent e = *ev;
    e.host_ns += s->run->ctx.host0_ns - s->axis_host0;
    e.guest_ns += s->run->ctx.guest0_ns - s->guest0;
    recorder_emit(s->rec, &e);
}

/* A /policy_changes row (the first change also writes row 0, the policy the
 * run started with) and a POLICY event pointing at it. */
static void record_change(AlignSession *s)
{
    if (!s->recording)
        return;
    if (s->policy_changes == 1) {
        RecordPolicyChange first = { 0, 0, s->icount0, s->meta.policy, s->params_text,
                                     s->common_text };
        recorder_policy_change(s->rec, &first);
    }
    AlignCtx *c = &s->run->ctx;
    int64_t now = s->stopped ? s->stop_abs : align_host_abs_uncounted(c);
    RecordPolicyChange row = { now - s->axis_host0, icount_vclock_ns(s->ic) - s->guest0,
                               icount_raw(s->ic), s->run->policy->name, s->cur_params,
                               s->cur_common };
    recorder_policy_change(s->rec, &row);
    AlignEvent ev = { row.host_ns, row.guest_ns, 0, 0, 0, s->policy_changes, ALIGN_EV_POLICY };
    c->n.events++;
    recorder_emit(s->rec, &ev);
}

int align_session_set_policy(AlignSession *s, const char *spec, char *err, size_t n)
{
    if (!s || !s->have_run) {
        snprintf(err, n, "no alignment runtime in this run (start emu-arm with -align-policy "
                 "NAME; -align-policy none runs unaligned until switched)");
        return -1;
    }
    if (!s->started) {
        snprintf(err, n, "the alignment runtime is not running (outside the region of interest)");
        return -1;
    }
    if (!s->mi.icount || s->mi.shift_auto) {
        snprintf(err, n, "a policy needs -icount shift=N (shift=auto is the adaptive-shift "
                 "policy)");
        return -1;
    }
    char e[ALIGN_ERR_LEN];
    const AlignPolicy *p;
    void *params;
    AlignCommon common;
    if (align_spec_parse_common(&s->reg, spec, &p, &params, &common, e, sizeof e) < 0) {
        snprintf(err, n, "%s", e);
        return -1;
    }
    AlignRun *old = s->run, *next = malloc(sizeof *next);
    int rc = next ? align_run_init(next, p, params, &common, s->ic, e, sizeof e) : -1;
    char ptext[sizeof s->cur_params];
    if (rc == 0)
        align_params_format(p, params, ptext, sizeof ptext);
    free(params);
    if (rc < 0) {
        snprintf(err, n, "%s", next ? e : "out of memory");
        free(next);
        return -1;
    }
    align_run_set_clock(next, old->ctx.clock, old->ctx.clock_opaque);
    if (s->recording)
        align_run_set_emit(next, emit_on_axis, s, old->ctx.check_interval_ns);
    align_run_set_clock_changed(next, old->clock_changed, old->clock_changed_opaque);
    s->run = next;      /* what its init emits is stamped on its own origin */
    if (align_run_replace(old, next, e, sizeof e) < 0) {
        s->run = old;
        align_run_destroy(next);
        free(next);
        snprintf(err, n, "%s", e);
        return -1;
    }
    s->run_start_abs = next->ctx.host0_ns;
    align_counters_add(&s->prev, &old->ctx.n);
    s->prev_policy_ns += align_run_policy_ns(old);
    align_run_destroy(old);
    free(old);
    s->aligning = p != &align_policy_none;
    s->policy_changes++;
    snprintf(s->cur_params, sizeof s->cur_params, "%s", ptext);
    align_common_format(&common, s->cur_common, sizeof s->cur_common);
    record_change(s);
    return 0;
}

void align_session_policy_help(const AlignSession *s, FILE *f)
{
    if (s) {
        align_registry_help(&s->reg, f);
        return;
    }
    AlignRegistry reg;
    align_registry_init(&reg);
    align_registry_help(&reg, f);
    align_registry_free(&reg);
}

bool align_session_status(const AlignSession *s, AlignStatus *st)
{
    if (!s || !s->have_run || !s->started)
        return false;
    const AlignRun *r = s->run;
    memset(st, 0, sizeof *st);
    st->policy = r->policy->name;
    st->policy_params = s->cur_params;
    st->runtime_params = s->cur_common;
    st->policy_changes = s->policy_changes;
    st->aligning = s->aligning;
    st->common = r->ctx.common;
    st->n = s->prev;
    align_counters_add(&st->n, &r->ctx.n);
    st->policy_code_ns = s->prev_policy_ns + align_run_policy_ns(r);
    st->clock_read_cost_ns = r->read_cost_ns;
    align_run_peek(r, &st->now);
    if (s->stopped) {
        /* The policy's clock skips the stop only at `cont`: leave it out
         * already, so a stop does not show as lateness owed. */
        int64_t part = run_stopped_part(s, align_host_abs_uncounted(&r->ctx));
        st->now.host_ns -= part;
        st->now.advance_ns += part;
    }
    st->schedule_offset_ns = r->ctx.forgiven_ns;
    st->late_for_ns = r->ctx.late_since_ns >= 0 ? st->now.host_ns - r->ctx.late_since_ns : -1;
    return true;
}

bool align_session_drift(const AlignSession *s, DriftSummary *d, double *rate_hz)
{
    if (!s || !s->rec)
        return false;
    *rate_hz = s->rec_rate_hz;
    return recorder_drift_now(s->rec, d);
}

int align_session_start(AlignSession *s)
{
    if (!s)
        return 0;
    char err[ALIGN_ERR_LEN];
    if (align_run_start(s->run, err, sizeof err) < 0) {
        char e2[ALIGN_ERR_LEN + 32];
        snprintf(e2, sizeof e2, "-align-policy: %s", err);
        print_err(e2);
        return -1;
    }
    s->started = true;
    s->host0 = s->run->ctx.host0_ns;
    s->guest0 = s->run->ctx.guest0_ns;
    s->axis_host0 = s->run_start_abs = s->host0;
    s->icount0 = icount_raw(s->ic);
    s->cpu0 = thread_cpu_ns();
    thread_rusage(&s->user0, &s->sys0);
    s->last_shift = s->ic->shift;
    s->last_bias = s->ic->bias_ns;
    if (s->rec && s->precise_monitor) {
        int64_t step = PUBLISH_GUEST_NS >> s->ic->shift;
        icount_set_publish_step(s->ic, step > 0 ? step : 1);
    }
    if (s->rec) {
        recorder_set_clock(s->rec, s->ic->shift, s->ic->bias_ns);
        if (recorder_start(s->rec, s->host0, s->guest0, s->icount0, err, sizeof err) < 0) {
            print_err(err);
            return -1;
        }
    }
    return 0;
}

void align_session_before_exec(AlignSession *s)
{
    if (!s)
        return;
    if (s->started)
        align_run_enter(s->run);
    if (!s->rec)
        return;
    if (s->idle || s->ic->shift != s->last_shift || s->ic->bias_ns != s->last_bias) {
        s->idle = false;
        s->last_shift = s->ic->shift;
        s->last_bias = s->ic->bias_ns;
        recorder_set_clock(s->rec, s->last_shift, s->last_bias);
    }
}

int align_session_finish(AlignSession *s, int exit_code, const AlignExecStats *st)
{
    if (!s || !s->started)
        return 0;
    s->started = false;
    if (s->have_run)
        align_run_detach(s->run);
    RunSummary sum;
    memset(&sum, 0, sizeof sum);
    int64_t final_icount = icount_raw(s->ic);
    align_session_before_exec(s);           /* publish the final clock mapping */
    int64_t host_end = host_monotonic_ns();
    if (s->rec) {
        recorder_stop(s->rec, final_icount);
        recorder_summary(s->rec, &sum.drift, &sum.samples_recorded, &sum.events_recorded,
                         &sum.events_dropped);
    }
    int64_t user, sys;
    thread_rusage(&user, &sys);
    sum.vcpu_cpu_ns = thread_cpu_ns() - s->cpu0;
    sum.vcpu_user_ns = user - s->user0;
    sum.vcpu_sys_ns = sys - s->sys0;
    sum.host_elapsed_ns = host_end - s->host0;
    sum.guest_elapsed_ns = icount_vclock_ns(s->ic) - s->guest0;
    sum.final_lag_ns = sum.host_elapsed_ns - sum.guest_elapsed_ns;
    sum.instructions = final_icount - s->icount0;
    sum.mips = sum.host_elapsed_ns > 0 ? (double)sum.instructions * 1e3 / (double)sum.host_elapsed_ns : 0;
    StatList ps;
    ps.n = 0;
    align_run_report(s->run, stat_list_put, &ps);
    sum.counters = s->prev;
    align_counters_add(&sum.counters, &s->run->ctx.n);
    sum.tbs = st && st->tbs >= 0 ? st->tbs : sum.counters.calls;
    sum.loop_exits = st ? st->loop_exits : -1;
    sum.sync_stops = s->ic->sync_stops;
    sum.wait_cpu_ns = sum.counters.wait_cpu_ns;
    sum.policy_ns = s->prev_policy_ns + align_run_policy_ns(s->run);
    sum.policy_changes = s->policy_changes;
    sum.policy_final = s->run->policy->name;
    sum.policy_final_params = s->cur_params;
    sum.shift_final = s->ic->shift;
    sum.exit_code = exit_code;
    sum.region = s->region;
    sum.region_begin_icount = s->icount0;
    sum.region_end_icount = final_icount;
    sum.region_begin_host_ns = s->host0 - s->created_ns;
    int rc = 0;
    if (s->rec) {
        char err[ALIGN_ERR_LEN];
        if (recorder_finish(s->rec, &sum, &ps, err, sizeof err) < 0) {
            print_err(err);
            rc = -1;
        }
    }
    if (s->report)
        report_print(stderr, &s->meta, &sum, &ps);
    return rc;
}

void align_session_free(AlignSession *s)
{
    if (!s)
        return;
    recorder_free(s->rec);   /* joins the monitor first if still running */
    if (s->have_run)
        align_run_destroy(s->run);
    free(s->run);
    align_registry_free(&s->reg);
    free(s);
}
