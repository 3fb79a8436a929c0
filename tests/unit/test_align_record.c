/* Unit tests of the recorder: SHA-256, the drift monitor and statistics, the
 * HDF5 record (schema, completion, rename) and its survival of a SIGKILL,
 * the session glue and its command-line options. TAP-style output. */
#include "record/record.h"
#include "fake_engine.h"
#include "align/session.h"
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int n_tests, n_failed;

static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++n_tests);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!ok)
        n_failed++;
}

static char dir[256];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static char *attr_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *v = NULL, *out = NULL;
    if (H5Aread(a, t, &v) >= 0 && v) {
        out = strdup(v);
        H5free_memory(v);
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

static int64_t attr_i64(hid_t obj, const char *name)
{
    int64_t v = INT64_MIN;
    if (H5Aexists(obj, name) <= 0)
        return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    return v;
}

static double attr_f64(hid_t obj, const char *name)
{
    double v = -1e300;
    if (H5Aexists(obj, name) <= 0)
        return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    return v;
}

static int64_t dset_len(hid_t f, const char *name)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    H5Sclose(s);
    H5Dclose(d);
    return (int64_t)n;
}

static int64_t *read_i64(hid_t f, const char *name, int64_t n)
{
    int64_t *buf = calloc((size_t)(n ? n : 1), sizeof *buf);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return buf;
}

/* Row i of a variable-length string dataset (malloc'ed), or NULL. */
static char *read_str_row(hid_t f, const char *name, int64_t i)
{
    int64_t n = dset_len(f, name);
    if (n <= i)
        return NULL;
    char **rows = calloc((size_t)n, sizeof *rows);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *out = NULL;
    if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0) {
        out = strdup(rows[i] ? rows[i] : "");
        for (int64_t k = 0; k < n; k++)
            H5free_memory(rows[k]);
    }
    H5Tclose(t);
    H5Dclose(d);
    free(rows);
    return out;
}

static bool file_equals(const char *path, const char *content)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char buf[256] = { 0 };
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return k == strlen(content) && !memcmp(buf, content, k);
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    fputs(content, f);
    fclose(f);
}

static void test_sha256(void)
{
    char h[65];
    sha256_hex("", 0, h);
    bool a = !strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, h);
    bool b = !strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(m, strlen(m), h);
    bool c = !strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check(a && b && c, "sha256 matches the FIPS 180-4 test vectors");
}

/* One recorded run of the fake engine through the session API, as the
 * machine would do it. Returns the session's finish status. */
typedef struct RunOpts {
    const char *policy;     /* -align-policy, or NULL */
    const char *record;     /* -record path, or NULL */
    bool report;
    int64_t insns;
    int64_t host_ns_per_tb;
} RunOpts;

static int session_run(const RunOpts *o, const char *kernel)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = "emu-arm";
    argv[argc++] = "-icount";
    argv[argc++] = "shift=5";
    argv[argc++] = "-kernel";
    argv[argc++] = (char *)kernel;
    AlignConfig cfg;
    align_config_init(&cfg, 0, NULL);
    if (o->policy) {
        argv[argc++] = "-align-policy";
        argv[argc++] = (char *)o->policy;
        if (align_cli_option(&cfg, "-align-policy", o->policy))
            return -1;
    }
    if (o->record) {
        argv[argc++] = "-record";
        argv[argc++] = (char *)o->record;
        align_cli_option(&cfg, "-record", o->record);
    }
    if (o->report) {
        argv[argc++] = "-align-report";
        align_cli_option(&cfg, "-align-report", NULL);
    }
    argv[argc] = NULL;
    cfg.argc = argc;
    cfg.argv = argv;
    FakeEngine e;
    fake_engine_init(&e, 5, 10, o->host_ns_per_tb);
    AlignMachineInfo mi = { .icount = true, .sleep = true, .shift = 5, .quiet = true,
                           .kernel = kernel, .append = "arg1 arg2", .version = "test",
                           .git_commit = "0123abc" };
    AlignSession *s;
    if (align_session_create(&s, &cfg, &mi, &e.ic) < 0)
        return -1;
    if (align_session_start(s) < 0) {
        align_session_free(s);
        return -1;
    }
    for (int64_t done = 0; done < o->insns; done += 100000) {
        align_session_before_exec(s);
        fake_engine_run(&e, 100000, NULL);
    }
    AlignExecStats st = { e.tbs, e.loop_exits };
    int rc = align_session_finish(s, 0, &st);
    align_session_free(s);
    return rc;
}

static void test_record_schema(const char *kernel)
{
    char path[400], partial[512];
    path_in(path, sizeof path, "run.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    /* ~0.5 s of guest time at 2x real time, pid policy */
    RunOpts o = { .policy = "pid,kp=0.5,period-us=500", .record = path, .insns = 16000000,
                  .host_ns_per_tb = 80 };
    int rc = session_run(&o, kernel);
    struct stat st;
    check(rc == 0 && stat(path, &st) == 0 && stat(partial, &st) < 0,
          "record written to PATH, no PATH.partial left");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    check(f >= 0, "record opens with the HDF5 C API");
    if (f < 0)
        return;
    char *pol = attr_str(f, "policy"), *par = attr_str(f, "policy_params");
    char *sha = attr_str(f, "image_sha256"), *cmd = attr_str(f, "command_line");
    char *git = attr_str(f, "git_commit"), *args = attr_str(f, "workload_args");
    char *cpu = attr_str(f, "host_cpu"), *kern = attr_str(f, "host_kernel");
    char *when = attr_str(f, "start_time_utc"), *wl = attr_str(f, "workload");
    check(pol && !strcmp(pol, "pid") && par && strstr(par, "kp=0.5") && strstr(par, "period-us=500") &&
              strstr(par, "ki=0.1"),
          "attributes: policy and its parameters (%s)", par ? par : "?");
    check(sha && !strcmp(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
              wl && !strcmp(wl, kernel) && args && !strcmp(args, "arg1 arg2"),
          "attributes: workload, its arguments and the image's sha256");
    check(cmd && strstr(cmd, "-align-policy pid,kp=0.5,period-us=500") && git &&
              !strcmp(git, "0123abc") && cpu && *cpu && kern && *kern && when && strlen(when) == 20 &&
              attr_i64(f, "shift") == 5 && attr_i64(f, "schema_version") == 1 &&
              attr_i64(f, "complete") == 1,
          "attributes: command line, commit, host CPU/kernel, start time, shift, complete=1");
    free(pol); free(par); free(sha); free(cmd); free(git); free(args); free(cpu); free(kern);
    free(when); free(wl);
    int64_t n = dset_len(f, "drift/host_ns");
    check(n > 100 && dset_len(f, "drift/guest_ns") == n && dset_len(f, "drift/drift_ns") == n,
          "drift/{host_ns,guest_ns,drift_ns}: %lld samples each", (long long)n);
    if (n > 0) {
        int64_t *h = read_i64(f, "drift/host_ns", n), *g = read_i64(f, "drift/guest_ns", n);
        int64_t *d = read_i64(f, "drift/drift_ns", n);
        bool consistent = true, monotone = true;
        for (int64_t i = 0; i < n; i++) {
            consistent &= d[i] == g[i] - h[i];
            if (i)
                monotone &= h[i] >= h[i - 1] && g[i] >= g[i - 1];
        }
        check(consistent && monotone && h[0] == 0 && g[0] == 0,
              "drift_ns = guest_ns - host_ns, both monotonic, starting at 0");
        free(h); free(g); free(d);
    }
    int64_t ne = dset_len(f, "policy/kind");
    bool cols = ne > 0;
    static const char *const ev[] = { "policy/host_ns", "policy/guest_ns", "policy/view_ns",
                                      "policy/req_ns", "policy/act_ns", "policy/value" };
    for (int i = 0; i < 6; i++)
        cols &= dset_len(f, ev[i]) == ne;
    check(cols, "policy/{kind,host_ns,guest_ns,view_ns,req_ns,act_ns,value}: %lld events", (long long)ne);
    hid_t s = H5Gopen2(f, "summary", H5P_DEFAULT);
    check(s >= 0 && attr_i64(s, "samples") >= n && attr_i64(s, "instructions") == 16000000 &&
              attr_i64(s, "sleeps") >= 0 && attr_i64(s, "host_clock_reads") > 0 &&
              attr_i64(s, "vcpu_cpu_ns") > 0 && attr_f64(s, "mips") > 0 &&
              attr_f64(s, "drift_p99_ns") > -1e300 && attr_f64(s, "drift_rms_ns") >= 0 &&
              attr_i64(s, "max_advance_ns") >= 0 && attr_i64(s, "max_delay_ns") >= 0 &&
              attr_i64(s, "sleep_actual_ns") >= attr_i64(s, "sleep_requested_ns") / 2,
          "summary: samples, instructions, sleeps, reads, CPU time, MIPS, drift stats");
    if (s >= 0) {
        hid_t pg = H5Gopen2(s, "policy", H5P_DEFAULT);
        check(pg >= 0 && attr_f64(pg, "samples") > 0 && attr_f64(pg, "late_samples") >= 0,
              "summary/policy: the policy's own statistics");
        if (pg >= 0)
            H5Gclose(pg);
        H5Gclose(s);
    }
    H5Fclose(f);
}

/* The child records forever; the parent kills it with SIGKILL. */
static void test_sigkill(const char *kernel)
{
    char path[400], partial[512];
    path_in(path, sizeof path, "killed.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    write_file(path, "precious data");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        RunOpts o = { .policy = "threshold", .record = path, .insns = 4000000000LL,
                      .host_ns_per_tb = 160 };
        session_run(&o, kernel);
        _exit(0);
    }
    usleep(1600000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "recording child killed with SIGKILL");
    check(file_equals(path, "precious data"), "a pre-existing file at PATH is untouched");
    hid_t f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
    check(f >= 0, "the killed run's PATH.partial opens");
    if (f < 0)
        return;
    int64_t n = dset_len(f, "drift/drift_ns");
    check(n >= 400 && dset_len(f, "drift/host_ns") == n && attr_i64(f, "complete") == 0,
          "it holds what was flushed (%lld drift samples at 1 kHz), complete=0", (long long)n);
    if (n > 0) {
        int64_t *h = read_i64(f, "drift/host_ns", n);
        check(h[n - 1] > 400000000, "last flushed sample at %.2f s of host time", (double)h[n - 1] / 1e9);
        free(h);
    }
    char *pol = attr_str(f, "policy");
    check(pol && !strcmp(pol, "threshold") && H5Lexists(f, "summary", H5P_DEFAULT) == 0,
          "its attributes are there, the summary is not");
    free(pol);
    H5Fclose(f);
}

static void run_insns(AlignSession *s, FakeEngine *e, int64_t insns)
{
    for (int64_t done = 0; done < insns; done += 100000) {
        align_session_before_exec(s);
        fake_engine_run(e, 100000, NULL);
    }
}

/* The monitor's `align policy`, through the session as the machine calls
 * it: bad specs change nothing; a switch is in the record (a POLICY event,
 * a /policy_changes row), the counters add up, and a switch during a stop
 * does not count the stop as lateness. */
static void test_policy_switch(const char *kernel)
{
    char path[400], err[ALIGN_ERR_LEN];
    path_in(path, sizeof path, "switch.h5");
    char *argv[] = { "emu-arm", "-align-policy", "threshold", "-record", path, NULL };
    AlignConfig cfg;
    align_config_init(&cfg, 5, argv);
    align_cli_option(&cfg, "-align-policy", "threshold");
    align_cli_option(&cfg, "-record", path);
    FakeEngine e;
    fake_engine_init(&e, 5, 10, 80);
    AlignMachineInfo mi = { .icount = true, .sleep = true, .shift = 5, .quiet = true,
                           .kernel = kernel, .version = "test", .git_commit = "0123abc" };
    AlignSession *s;
    if (align_session_create(&s, &cfg, &mi, &e.ic) < 0) {
        check(false, "session for the switch test");
        return;
    }
    AlignStatus st;
    int rc_early = align_session_set_policy(s, "per-tb", err, sizeof err);
    check(rc_early < 0 && strstr(err, "not running") && !align_session_status(s, &st),
          "before the session starts (a region of interest to come) there is nothing to switch: %s",
          err);
    check(align_session_set_policy(NULL, "per-tb", err, sizeof err) < 0 &&
              strstr(err, "no alignment runtime"), "without a session: %s", err);
    align_session_start(s);
    run_insns(s, &e, 2000000);
    AlignStatus before;
    align_session_status(s, &before);
    const void *bound = e.ic.policy_opaque;
    static const char *const bad[][2] = {
        { "nosuch", "unknown policy 'nosuch'" },
        { "per-tb,bogus=1", "unknown parameter 'bogus'" },
        { "per-tb,max-advance-us=abc", "not 'abc'" },
        { "threshold,target-us=500,max-advance-us=100", "must be below max-advance-us" },
    };
    for (int i = 0; i < 4; i++) {
        err[0] = 0;
        int rc = align_session_set_policy(s, bad[i][0], err, sizeof err);
        align_session_status(s, &st);
        check(rc < 0 && strstr(err, bad[i][1]) && !strchr(err, '\n') &&
                  !strcmp(st.policy, "threshold") && st.policy_changes == 0 &&
                  e.ic.policy_opaque == bound,
              "'%s' is refused in one line and changes nothing: %s", bad[i][0], err);
    }
    int rc = align_session_set_policy(s, "per-tb,max-advance-us=2000", err, sizeof err);
    align_session_status(s, &st);
    check(rc == 0 && !strcmp(st.policy, "per-tb") && !strcmp(st.policy_params, "max-advance-us=2000") &&
              st.policy_changes == 1 && st.aligning && e.ic.policy_opaque != bound &&
              st.n.calls >= before.n.calls && st.n.host_reads >= before.n.host_reads,
          "switched to per-tb; the counters carry over (%lld calls before, %lld now)",
          (long long)before.n.calls, (long long)st.n.calls);
    run_insns(s, &e, 2000000);
    AlignStatus mid;
    align_session_status(s, &mid);
    check(mid.n.calls > st.n.calls, "per-tb runs: %lld align points so far", (long long)mid.n.calls);

    /* stop; 30 ms; align policy none; 30 ms; cont */
    int64_t t0 = align_real_now_ns();
    align_session_host_stop(s);
    usleep(30000);
    rc = align_session_set_policy(s, "none", err, sizeof err);
    usleep(30000);
    AlignStatus stopped;
    align_session_status(s, &stopped);
    align_session_host_stopped(s, align_real_now_ns() - t0);
    align_session_status(s, &st);
    check(rc == 0 && !st.aligning && llabs(stopped.now.advance_ns) < 10000000 &&
              llabs(st.now.advance_ns) < 10000000,
          "switched during a stop: neither during it nor after cont is the stop lateness "
          "(%.3f ms, %.3f ms)", stopped.now.advance_ns / 1e6, st.now.advance_ns / 1e6);
    run_insns(s, &e, 1000000);
    AlignExecStats xs = { e.tbs, e.loop_exits };
    AlignStatus last;
    align_session_status(s, &last);
    int frc = align_session_finish(s, 0, &xs);
    align_session_free(s);
    check(frc == 0, "the record is finished");

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        check(false, "switch.h5 opens");
        return;
    }
    int64_t ne = dset_len(f, "policy/kind");
    int64_t *kind = read_i64(f, "policy/kind", ne), *host = read_i64(f, "policy/host_ns", ne);
    int64_t *val = read_i64(f, "policy/value", ne);
    int npol = 0;
    int64_t pol_host[4] = { 0 }, pol_val[4] = { 0 };
    bool monotone = true;
    for (int64_t i = 0; i < ne; i++) {
        if (i)
            monotone &= host[i] >= host[i - 1];
        if (kind[i] == ALIGN_EV_POLICY && npol < 4) {
            pol_host[npol] = host[i];
            pol_val[npol++] = val[i];
        }
    }
    check(npol == 2 && pol_val[0] == 1 && pol_val[1] == 2 && pol_host[0] > 0 &&
              pol_host[1] > pol_host[0],
          "two POLICY events, values 1 and 2 (rows of /policy_changes), at %.1f and %.1f ms",
          pol_host[0] / 1e6, pol_host[1] / 1e6);
    check(monotone, "the events of all three policies share one time axis (host_ns never goes back)");
    int64_t nc = dset_len(f, "policy_changes/policy");
    int64_t *ch_host = nc > 0 ? read_i64(f, "policy_changes/host_ns", nc) : NULL;
    int64_t *ch_ic = nc > 0 ? read_i64(f, "policy_changes/icount", nc) : NULL;
    char *p0 = read_str_row(f, "policy_changes/policy", 0);
    char *p1 = read_str_row(f, "policy_changes/policy", 1);
    char *p2 = read_str_row(f, "policy_changes/policy", 2);
    char *pp1 = read_str_row(f, "policy_changes/policy_params", 1);
    char *rt2 = read_str_row(f, "policy_changes/runtime_params", 2);
    check(nc == 3 && dset_len(f, "policy_changes/guest_ns") == 3 && p0 && !strcmp(p0, "threshold") &&
              p1 && !strcmp(p1, "per-tb") && p2 && !strcmp(p2, "none") && pp1 &&
              !strcmp(pp1, "max-advance-us=2000") && rt2 && strstr(rt2, "speed=1") &&
              ch_host[0] == 0 && ch_host[1] == pol_host[0] && ch_host[2] == pol_host[1] &&
              ch_ic[0] == 0 && ch_ic[1] > 0 && ch_ic[2] > ch_ic[1],
          "/policy_changes: threshold from the start, then per-tb and none at the events' times");
    char *root = attr_str(f, "policy");
    hid_t sg = H5Gopen2(f, "summary", H5P_DEFAULT);
    check(root && !strcmp(root, "threshold") && sg >= 0 && attr_i64(sg, "policy_changes") == 2 &&
              attr_i64(sg, "align_calls") >= last.n.calls &&
              attr_i64(sg, "host_clock_reads") >= last.n.host_reads &&
              attr_i64(sg, "sleeps") == last.n.sleeps,
          "root attribute: the first policy; summary: 2 changes, counters of all three policies");
    if (sg >= 0)
        H5Gclose(sg);
    free(kind); free(host); free(val); free(ch_host); free(ch_ic);
    free(p0); free(p1); free(p2); free(pp1); free(rt2); free(root);
    H5Fclose(f);
}

static void test_report_and_errors(const char *kernel)
{
    /* Statistics-only run with the report, to a memstream-free stderr check:
     * redirect stderr to a file. */
    char rep[512];
    path_in(rep, sizeof rep, "report.txt");
    fflush(stderr);
    int saved = dup(2);
    FILE *rf = fopen(rep, "w");
    dup2(fileno(rf), 2);
    RunOpts o = { .policy = "start-only", .report = true, .insns = 3000000, .host_ns_per_tb = 160 };
    int rc = session_run(&o, kernel);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(rf);
    char buf[8192] = { 0 };
    FILE *in = fopen(rep, "r");
    size_t k = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[k] = 0;
    check(rc == 0 && strstr(buf, "Host - Guest clock") && strstr(buf, "Max guest delay") &&
              strstr(buf, "Max guest advance") && strstr(buf, "p99") && strstr(buf, "MIPS") &&
              strstr(buf, "vCPU thread CPU time") && strstr(buf, "sleeps") &&
              strstr(buf, "late_entries="),
          "-align-report prints QEMU's clock lines and the complete summary");

    char bad[512];
    path_in(bad, sizeof bad, "no/such/dir/x.h5");
    fflush(stderr);
    saved = dup(2);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    RunOpts ob = { .record = bad, .insns = 1000, .host_ns_per_tb = 10 };
    rc = session_run(&ob, kernel);
    RunOpts oc = { .policy = "pid,kp=-1", .insns = 1000, .host_ns_per_tb = 10 };
    int rc2 = session_run(&oc, kernel);
    AlignConfig c;
    align_config_init(&c, 0, NULL);
    int rc3 = align_cli_option(&c, "-record-rate", "fast");
    c.policy_spec = "nope";
    int rc4 = align_config_check(&c);
    c.policy_spec = "hybrid,spin-us=5";
    int rc5 = align_config_check(&c);
    align_config_init(&c, 0, NULL);
    c.record_path = "x.h5";
    AlignMachineInfo mi = { .icount = false, .sleep = true };
    AlignSession *s;
    Icount ic;
    int rc6 = align_session_create(&s, &c, &mi, &ic);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    check(rc < 0, "-record into a missing directory fails");
    check(rc2 < 0 && rc3 < 0 && rc4 < 0 && rc5 == 0 && rc6 < 0,
          "bad parameter, bad -record-rate, unknown policy, -record without -icount are refused");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/driftlab-test-record-%d", (int)getpid());
    mkdir(dir, 0755);
    char kernel[512];
    path_in(kernel, sizeof kernel, "kernel.bin");
    write_file(kernel, "abc");
    test_sha256();
    test_record_schema(kernel);
    test_sigkill(kernel);
    test_policy_switch(kernel);
    test_report_and_errors(kernel);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    printf("1..%d\n", n_tests);
    return n_failed ? 1 : 0;
}
