/* Unit tests of the plugin loader: the template and the example plugin load
 * and run on the fake engine; a wrong-ABI plugin, a .so without the table
 * and a missing file are refused with one-line errors. The .so files are
 * built by SCons next to this program's variant: <variant>/policies/
 * (override with DRIFTLAB_PLUGIN_DIR). */
#include "fake_engine.h"
#include "align/align.h"
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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
    if (!ok)
        n_failed++;
}

static char plugin_dir[2048];

static void find_plugin_dir(void)
{
    const char *env = getenv("DRIFTLAB_PLUGIN_DIR");
    if (env) {
        snprintf(plugin_dir, sizeof plugin_dir, "%s", env);
        return;
    }
    char exe[1024];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[k > 0 ? k : 0] = 0;
    /* <variant>/tests/unit/test_align_plugin -> <variant>/policies */
    snprintf(plugin_dir, sizeof plugin_dir, "%s/../../policies", dirname(exe));
}

static void so(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s.so", plugin_dir, name);
}

static void put(void *o, const char *name, double v, const char *unit)
{
    (void)unit;
    struct { const char *name; double *out; } *w = o;
    if (!strcmp(name, w->name))
        *w->out = v;
}

static void run_plugin(AlignRegistry *reg, const char *spec, const char *stat_name)
{
    char err[ALIGN_ERR_LEN];
    const AlignPolicy *p;
    void *params;
    AlignCommon common;
    if (align_spec_parse_common(reg, spec, &p, &params, &common, err, sizeof err) < 0) {
        check(false, "%s parses: %s", spec, err);
        return;
    }
    FakeEngine e;
    FakeClock clk = { .now_ns = 1000000, .read_ns = 20 };
    fake_engine_init(&e, 4, 10, 40);   /* 4x faster than real time, simulated */
    e.clock = &clk;
    AlignRun run;
    align_run_init(&run, p, params, &common, &e.ic, err, sizeof err);
    free(params);
    align_run_set_clock(&run, &fake_clock_ops, &clk);
    int rc = align_run_start(&run, err, sizeof err);
    if (rc == 0)
        fake_engine_run(&e, 5000000, &run);
    double found = -1;
    typedef struct { const char *name; double *out; } Want;
    Want w = { stat_name, &found };
    align_run_report(&run, put, &w);
    int64_t guest = align_guest_ns(&run.ctx), host = align_host_abs_uncounted(&run.ctx) - run.ctx.host0_ns;
    check(rc == 0 && run.ctx.n.sleeps > 0 && found > 0 && guest - host < 2000000,
          "%s runs on the fake engine: %lld sleeps, %s=%g, final advance %lld us", spec,
          (long long)run.ctx.n.sleeps, stat_name, found, (long long)(guest - host) / 1000);
    align_run_destroy(&run);
}

int main(void)
{
    find_plugin_dir();
    printf("# plugins from %s\n", plugin_dir);
    char path[PATH_MAX + 16], err[ALIGN_ERR_LEN];
    AlignRegistry reg;
    align_registry_init(&reg);

    so(path, sizeof path, "template_plugin");
    int rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    check(rc == 0 && align_registry_find(&reg, "template"), "template plugin loads%s%s",
          rc ? ": " : "", rc ? err : "");
    so(path, sizeof path, "example_plugin");
    rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    check(rc == 0 && align_registry_find(&reg, "predictive"), "example plugin loads%s%s",
          rc ? ": " : "", rc ? err : "");
    char names[512];
    align_registry_names(&reg, names, sizeof names);
    check(strstr(names, "hybrid, template, predictive") != NULL, "plugins join the registry: %s", names);
    if (align_registry_find(&reg, "template"))
        run_plugin(&reg, "template,every=40", "checks");
    if (align_registry_find(&reg, "predictive"))
        run_plugin(&reg, "predictive,max-advance-us=200", "checks");

    rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    check(rc < 0 && strstr(err, "already exists"), "loading a plugin twice is refused: %s", err);

    so(path, sizeof path, "wrong_abi_plugin");
    rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    /* The fixture is built 100 versions ahead of this tree's ABI. */
    char theirs[64], ours[32];
    snprintf(theirs, sizeof theirs, "ABI version %u,", ALIGN_POLICY_ABI_VERSION + 100);
    snprintf(ours, sizeof ours, "needs %u;", ALIGN_POLICY_ABI_VERSION);
    check(rc < 0 && strstr(err, theirs) && strstr(err, ours) && !strchr(err, '\n') &&
              !align_registry_find(&reg, "wrong-abi"),
          "wrong-ABI plugin refused: %s", err);
    so(path, sizeof path, "no_symbol_plugin");
    rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    check(rc < 0 && strstr(err, "driftlab_align_policy"), "a .so without the table is refused: %s", err);
    so(path, sizeof path, "does_not_exist");
    rc = align_registry_load_plugin(&reg, path, err, sizeof err);
    check(rc < 0 && strstr(err, "cannot load plugin") && !strchr(err, '\n'),
          "a missing file is refused: %s", err);
    align_registry_free(&reg);
    check(reg.n == 0 && reg.n_dl == 0, "registry freed, plugins closed");
    printf("1..%d\n", n_tests);
    return n_failed ? 1 : 0;
}
