/*
 * The alignment-policy layer: a registry of policies (built-in and plugins),
 * parameter parsing, and AlignRun, one policy instance bound to an Icount.
 *
 * The layer depends only on the Icount struct (the guest clock and its
 * align-point deadlines) and the host clock, so it runs the same under the
 * real CPU and under the fake engine of the unit tests (tests/unit/fake_engine.h).
 */
#ifndef EMU_ALIGN_ALIGN_H
#define EMU_ALIGN_ALIGN_H
#include <stdio.h>
#include "icount.h"
#include "policy.h"

#define ALIGN_MAX_POLICIES 32
#define ALIGN_MAX_PLUGINS 8
#define ALIGN_ERR_LEN 512

/* ---- registry --------------------------------------------------------- */

typedef struct AlignRegistry {
    const AlignPolicy *policy[ALIGN_MAX_POLICIES];
    const char *origin[ALIGN_MAX_POLICIES];   /* "built-in" or the plugin path */
    int n;
    void *dl[ALIGN_MAX_PLUGINS];
    int n_dl;
} AlignRegistry;

/* The built-in policies, in the order `-align-policy help` lists them. */
extern const AlignPolicy align_policy_none, align_policy_start_only, align_policy_per_tb,
    align_policy_per_exit, align_policy_threshold, align_policy_pid, align_policy_adaptive_shift, align_policy_hybrid;

void align_registry_init(AlignRegistry *r);
void align_registry_free(AlignRegistry *r);   /* closes plugins */
/* Checks a table (ABI version, name, parameter descriptors and defaults). */
int align_policy_validate(const AlignPolicy *p, char *err, size_t n);
int align_registry_add(AlignRegistry *r, const AlignPolicy *p, const char *origin, char *err, size_t n);
const AlignPolicy *align_registry_find(const AlignRegistry *r, const char *name);
/* "none, start-only, ..." */
void align_registry_names(const AlignRegistry *r, char *buf, size_t n);
/* `-align-policy help`: every policy, its description and parameters. */
void align_registry_help(const AlignRegistry *r, FILE *f);
/* `-align-policy help=json`: the same for programs, with each parameter's
 * type, default and accepted values or bounds, the runtime's parameters and
 * the icount shifts -icount accepts (see docs/policies.md). */
void align_registry_help_json(const AlignRegistry *r, FILE *f);
/* dlopen()s path, looks up ALIGN_POLICY_SYMBOL, checks the ABI and registers it. */
int align_registry_load_plugin(AlignRegistry *r, const char *path, char *err, size_t n);

/* ---- parameters ------------------------------------------------------- */

/* Fills `out` (p->params_size bytes) with the defaults, then applies
 * "key=val,key=val" (NULL or "" for none). One-line message on error. */
int align_params_parse(const AlignPolicy *p, const char *kv, void *out, char *err, size_t n);
/* All parameters as "key=val,..." (canonical text, defaults included). */
void align_params_format(const AlignPolicy *p, const void *params, char *buf, size_t n);
/* "NAME[,key=val...]": finds the policy and returns malloc'ed parameters. */
int align_spec_parse(const AlignRegistry *r, const char *spec, const AlignPolicy **policy,
                    void **params, char *err, size_t n);
/* The same, also returning the runtime's parameters (common may be NULL). */
int align_spec_parse_common(const AlignRegistry *r, const char *spec, const AlignPolicy **policy,
                           void **params, AlignCommon *common, char *err, size_t n);

/* The runtime's parameters (dry-run, catch-up, catch-up-limit, speed) are
 * accepted by every policy: align_spec_parse takes them out of the spec. */
void align_common_defaults(AlignCommon *c);
/* "dry-run=off,catch-up=warn,catch-up-limit=100000,speed=1" */
void align_common_format(const AlignCommon *c, char *buf, size_t n);
const char *align_catch_up_name(int mode);

/* ---- a run ------------------------------------------------------------ */

/* One policy instance bound to an Icount: its align points are deadlines on
 * the Icount's instruction timeline (ic->policy_at), its loop_exit hook
 * runs at ic->on_loop_exit. */
typedef struct AlignRun {
    const AlignPolicy *policy;
    void *params;              /* owned copy */
    void *state;               /* owned, zeroed */
    AlignCtx ctx;
    Icount *ic;
    uint32_t time_period;      /* time one perform_align call in this many (power of 2) */
    uint32_t countdown;
    int64_t read_cost_ns;      /* one host-clock read, subtracted from timed samples */
    int64_t last_align_icount; /* one align point per TB boundary */
    void (*clock_changed)(void *opaque, int shift, int64_t bias_ns);
    void *clock_changed_opaque;
    long saved_slack;          /* timer slack before the run; -1: untouched */
    bool initialised, started;
} AlignRun;

/* Copies params (already parsed) and common (NULL: defaults). The clock
 * defaults to the real one; events go nowhere until align_run_set_emit. Does
 * not call policy init yet. */
int align_run_init(AlignRun *r, const AlignPolicy *p, const void *params, const AlignCommon *common,
                  Icount *ic, char *err, size_t n);
void align_run_set_clock(AlignRun *r, const AlignClockOps *ops, void *opaque);
void align_run_set_emit(AlignRun *r, void (*emit)(void *, const AlignEvent *), void *opaque,
                       int64_t check_interval_ns);
/* Told whenever a policy changes the shift (and so the clock mapping). */
void align_run_set_clock_changed(AlignRun *r, void (*fn)(void *, int, int64_t), void *opaque);
/* Takes the clock origins (now), calls the policy's init (-1 on refusal),
 * sets the timer slack to 1 ns for a policy that waits on the real clock,
 * and puts the first align point on the Icount's timeline. */
int align_run_start(AlignRun *r, char *err, size_t n);
/* Before every vCPU run (the execution loop is entered): init_delay. */
void align_run_enter(AlignRun *r);
/* Changes the speed ratio during the run; the schedule stays continuous
 * (the guest is neither ahead nor late because of the change). */
void align_run_set_speed(AlignRun *r, double speed);
/* True when the policy does anything at all (`none` does not). */
bool align_run_active(const AlignRun *r);
/* Calls the policy's report hook. */
void align_run_report(AlignRun *r, AlignStatFn *put, void *opaque);
/* Estimated ns spent inside policy code (sampled perform_align + init_delay). */
double align_run_policy_ns(const AlignRun *r);
/* The guest idles until virtual time vclock_ns, which sleep=off reaches at
 * once: wait first until the host is there too, so an idle guest never runs
 * ahead of the host and its clock still jumps exactly to the deadline. */
void align_run_idle_until(AlignRun *r, int64_t vclock_ns);
/* Starts next (initialised, not started) in place of prev, which is bound
 * to the same Icount: next takes the clock origins (now) and the Icount's
 * hooks, and inherits the timer slack prev saved. On failure (next's policy
 * refused its init) prev stays bound and unchanged; -1 with a message. prev
 * is then to be destroyed by the caller. For a switch between TBs only. */
int align_run_replace(AlignRun *prev, AlignRun *next, char *err, size_t n);
/* The runtime's schedule now, as align_measure would see it, without counting
 * a host-clock read or touching the catch-up state (for the monitor). */
void align_run_peek(const AlignRun *r, AlignView *v);
/* acc += c, field by field (the worst-case fields take the maximum). */
void align_counters_add(AlignCounters *acc, const AlignCounters *c);
/* Takes the policy off the Icount: no more align points or loop-exit calls
 * (the end of a region of interest). */
void align_run_detach(AlignRun *r);
void align_run_destroy(AlignRun *r);   /* unbinds, teardown, free */

#endif
