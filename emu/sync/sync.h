/*
 * The alignment-policy layer: a registry of policies (built-in and plugins),
 * parameter parsing, and SyncRun, one policy instance bound to an Icount.
 *
 * The layer depends only on the Icount struct (the guest clock), the host
 * clock and the two CPU hooks, so it runs the same under the real CPU and
 * under the fake engine of the unit tests (fake_engine.h).
 */
#ifndef EMU_SYNC_SYNC_H
#define EMU_SYNC_SYNC_H
#include <stdio.h>
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
    sync_policy_threshold, sync_policy_pid, sync_policy_adaptive_shift, sync_policy_hybrid;

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

/* ---- a run ------------------------------------------------------------ */

/* Same shape as the CPU's ArmAlignHooks, so the glue copies the fields;
 * align_at is an optional extra: a CPU that wants to save the call may skip
 * perform_align while icount_raw() < *align_at (the trampoline checks it
 * too, so ignoring it is correct). */
typedef struct SyncHooks {
    void (*init_delay)(void *ctx);
    void (*perform_align)(void *ctx);
    void *ctx;
    const int64_t *align_at;
} SyncHooks;

typedef struct SyncRun {
    const SyncPolicy *policy;
    void *params;              /* owned copy */
    void *state;               /* owned, zeroed */
    SyncCtx ctx;
    uint32_t time_period;      /* time one perform_align call in this many (power of 2; 0 = never) */
    uint32_t countdown;
    int64_t read_cost_ns;      /* one host-clock read, subtracted from timed samples */
    SyncHooks hooks;
    bool initialised, started;
} SyncRun;

/* Copies params (already parsed). The clock defaults to the real one;
 * events go nowhere until sync_run_set_emit. Does not call policy init yet. */
int sync_run_init(SyncRun *r, const SyncPolicy *p, const void *params, Icount *ic,
                  char *err, size_t n);
void sync_run_set_clock(SyncRun *r, const SyncClockOps *ops, void *opaque);
void sync_run_set_emit(SyncRun *r, void (*emit)(void *, const SyncEvent *), void *opaque,
                       int64_t check_interval_ns);
void sync_run_set_clock_changed(SyncRun *r, void (*fn)(void *, int, int64_t), void *opaque);
/* Takes the clock origins (now) and calls the policy's init: -1 on refusal. */
int sync_run_start(SyncRun *r, char *err, size_t n);
/* The hooks to install, or NULL when the policy has none (e.g. `none`).
 * Valid from sync_run_init on; they must not be called before sync_run_start. */
const SyncHooks *sync_run_hooks(SyncRun *r);
/* Calls the policy's report hook. */
void sync_run_report(SyncRun *r, SyncStatFn *put, void *opaque);
/* Estimated ns spent inside policy code (sampled perform_align + init_delay). */
double sync_run_policy_ns(const SyncRun *r);
void sync_run_destroy(SyncRun *r);   /* teardown + free */

#endif
