/*
 * The alignment-policy layer: a registry of policies (built-in and plugins),
 * parameter parsing, and SyncRun, one policy instance bound to an Icount.
 *
 * The layer depends only on the Icount struct (the guest clock and its
 * sync-point deadlines) and the host clock, so it runs the same under the
 * real CPU and under the fake engine of the unit tests (tests/unit/fake_engine.h).
 */
#ifndef EMU_SYNC_SYNC_H
#define EMU_SYNC_SYNC_H
#include <stdio.h>
#include "icount.h"
#include "policy.h"

#define SYNC_MAX_POLICIES 32
#define SYNC_MAX_PLUGINS 8
#define SYNC_ERR_LEN 512

/* ---- registry --------------------------------------------------------- */

typedef struct SyncRegistry {
    const SyncPolicy *policy[SYNC_MAX_POLICIES];
    const char *origin[SYNC_MAX_POLICIES];   /* "built-in" or the plugin path */
    int n;
    void *dl[SYNC_MAX_PLUGINS];
    int n_dl;
} SyncRegistry;

/* The built-in policies, in the order `-align-policy help` lists them. */
extern const SyncPolicy sync_policy_none, sync_policy_start_only, sync_policy_per_tb,
    sync_policy_per_exit, sync_policy_threshold, sync_policy_pid, sync_policy_adaptive_shift, sync_policy_hybrid;

void sync_registry_init(SyncRegistry *r);
void sync_registry_free(SyncRegistry *r);   /* closes plugins */
/* Checks a table (ABI version, name, parameter descriptors and defaults). */
int sync_policy_validate(const SyncPolicy *p, char *err, size_t n);
int sync_registry_add(SyncRegistry *r, const SyncPolicy *p, const char *origin, char *err, size_t n);
const SyncPolicy *sync_registry_find(const SyncRegistry *r, const char *name);
/* "none, start-only, ..." */
void sync_registry_names(const SyncRegistry *r, char *buf, size_t n);
/* `-align-policy help`: every policy, its description and parameters. */
void sync_registry_help(const SyncRegistry *r, FILE *f);
/* `-align-policy help=json`: the same for programs, with each parameter's
 * type, default and accepted values or bounds, the runtime's parameters and
 * the icount shifts -icount accepts (see docs/policies.md). */
void sync_registry_help_json(const SyncRegistry *r, FILE *f);
/* dlopen()s path, looks up SYNC_POLICY_SYMBOL, checks the ABI and registers it. */
int sync_registry_load_plugin(SyncRegistry *r, const char *path, char *err, size_t n);

/* ---- parameters ------------------------------------------------------- */

/* Fills `out` (p->params_size bytes) with the defaults, then applies
 * "key=val,key=val" (NULL or "" for none). One-line message on error. */
int sync_params_parse(const SyncPolicy *p, const char *kv, void *out, char *err, size_t n);
/* All parameters as "key=val,..." (canonical text, defaults included). */
void sync_params_format(const SyncPolicy *p, const void *params, char *buf, size_t n);
/* "NAME[,key=val...]": finds the policy and returns malloc'ed parameters. */
int sync_spec_parse(const SyncRegistry *r, const char *spec, const SyncPolicy **policy,
                    void **params, char *err, size_t n);
/* The same, also returning the runtime's parameters (common may be NULL). */
int sync_spec_parse_common(const SyncRegistry *r, const char *spec, const SyncPolicy **policy,
                           void **params, SyncCommon *common, char *err, size_t n);

/* The runtime's parameters (dry-run, catch-up, catch-up-limit, speed) are
 * accepted by every policy: sync_spec_parse takes them out of the spec. */
void sync_common_defaults(SyncCommon *c);
/* "dry-run=off,catch-up=warn,catch-up-limit=100000,speed=1" */
void sync_common_format(const SyncCommon *c, char *buf, size_t n);
const char *sync_catch_up_name(int mode);

/* ---- a run ------------------------------------------------------------ */

/* One policy instance bound to an Icount: its sync points are deadlines on
 * the Icount's instruction timeline (ic->policy_at), its loop_exit hook
 * runs at ic->on_loop_exit. */
typedef struct SyncRun {
    const SyncPolicy *policy;
    void *params;              /* owned copy */
    void *state;               /* owned, zeroed */
    SyncCtx ctx;
    Icount *ic;
    uint32_t time_period;      /* time one perform_align call in this many (power of 2) */
    uint32_t countdown;
    int64_t read_cost_ns;      /* one host-clock read, subtracted from timed samples */
    int64_t last_sync_icount;  /* one sync per TB boundary */
    void (*clock_changed)(void *opaque, int shift, int64_t bias_ns);
    void *clock_changed_opaque;
    long saved_slack;          /* timer slack before the run; -1: untouched */
    bool initialised, started;
} SyncRun;

/* Copies params (already parsed) and common (NULL: defaults). The clock
 * defaults to the real one; events go nowhere until sync_run_set_emit. Does
 * not call policy init yet. */
int sync_run_init(SyncRun *r, const SyncPolicy *p, const void *params, const SyncCommon *common,
                  Icount *ic, char *err, size_t n);
void sync_run_set_clock(SyncRun *r, const SyncClockOps *ops, void *opaque);
void sync_run_set_emit(SyncRun *r, void (*emit)(void *, const SyncEvent *), void *opaque,
                       int64_t check_interval_ns);
/* Told whenever a policy changes the shift (and so the clock mapping). */
void sync_run_set_clock_changed(SyncRun *r, void (*fn)(void *, int, int64_t), void *opaque);
/* Takes the clock origins (now), calls the policy's init (-1 on refusal),
 * sets the timer slack to 1 ns for a policy that waits on the real clock,
 * and puts the first sync point on the Icount's timeline. */
int sync_run_start(SyncRun *r, char *err, size_t n);
/* Before every vCPU run (the execution loop is entered): init_delay. */
void sync_run_enter(SyncRun *r);
/* Changes the speed ratio during the run; the schedule stays continuous
 * (the guest is neither ahead nor late because of the change). */
void sync_run_set_speed(SyncRun *r, double speed);
/* True when the policy does anything at all (`none` does not). */
bool sync_run_active(const SyncRun *r);
/* Calls the policy's report hook. */
void sync_run_report(SyncRun *r, SyncStatFn *put, void *opaque);
/* Estimated ns spent inside policy code (sampled perform_align + init_delay). */
double sync_run_policy_ns(const SyncRun *r);
/* The guest idles until virtual time vclock_ns, which sleep=off reaches at
 * once: wait first until the host is there too, so an idle guest never runs
 * ahead of the host and its clock still jumps exactly to the deadline. */
void sync_run_idle_until(SyncRun *r, int64_t vclock_ns);
/* Starts next (initialised, not started) in place of prev, which is bound
 * to the same Icount: next takes the clock origins (now) and the Icount's
 * hooks, and inherits the timer slack prev saved. On failure (next's policy
 * refused its init) prev stays bound and unchanged; -1 with a message. prev
 * is then to be destroyed by the caller. For a switch between TBs only. */
int sync_run_replace(SyncRun *prev, SyncRun *next, char *err, size_t n);
/* The runtime's schedule now, as sync_measure would see it, without counting
 * a host-clock read or touching the catch-up state (for the monitor). */
void sync_run_peek(const SyncRun *r, SyncView *v);
/* acc += c, field by field (the worst-case fields take the maximum). */
void sync_counters_add(SyncCounters *acc, const SyncCounters *c);
/* Takes the policy off the Icount: no more sync points or loop-exit calls
 * (the end of a region of interest). */
void sync_run_detach(SyncRun *r);
void sync_run_destroy(SyncRun *r);   /* unbinds, teardown, free */

#endif
