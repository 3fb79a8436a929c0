/*
 * The glue-facing side of alignment and measurement: command-line options,
 * and a SyncSession that owns the chosen policy's run, the drift recorder
 * and the report for one machine run. The machine calls, in order:
 *
 *   sync_session_create()      after the CPU and Icount exist
 *   arm_cpu_set_align_hooks()  with sync_session_hooks() if not NULL
 *   if sync_session_wants_icount(): arm_cpu_publish_retired(cpu, true) and
 *      sync_session_set_icount_source(s, arm_cpu_retired_ptr(cpu))
 *      (or, for an engine that stores into a given variable, sync_session_icount_slot())
 *   sync_session_start()       just before the run loop, on the vCPU thread
 *   sync_session_before_exec() before every arm_cpu_exec() (cheap)
 *   sync_session_finish()      after the run loop, on the vCPU thread
 *   sync_session_free()
 */
#ifndef EMU_SYNC_SESSION_H
#define EMU_SYNC_SESSION_H
#include <stdatomic.h>
#include "sync/sync.h"

typedef struct SyncConfig {
    int argc;
    char **argv;
    const char *policy_spec;                 /* -align-policy */
    const char *plugins[SYNC_MAX_PLUGINS];   /* -align-policy-plugin */
    int n_plugins;
    const char *record_path;                 /* -record */
    double record_rate_hz;                   /* -record-rate (default 1000) */
    bool report;                             /* -align-report */
} SyncConfig;

/* Usage lines for the options below, to append to -help. */
extern const char sync_cli_usage[];

void sync_config_init(SyncConfig *c, int argc, char **argv);
/* True for the options this layer handles and whether they take a value. */
bool sync_cli_is_option(const char *opt, bool *takes_value);
/* Handles one option. 0: consumed; 1: printed `-align-policy help`, exit 0;
 * -1: printed a one-line error, exit 1. */
int sync_cli_option(SyncConfig *c, const char *opt, const char *val);
/* After all options: loads plugins and checks the policy spec. 0 or -1 (printed). */
int sync_config_check(const SyncConfig *c);

typedef struct SyncMachineInfo {
    bool icount, shift_auto, align, sleep;
    int shift;
    bool quiet;
    const char *kernel, *append;
    const char *version, *git_commit;
} SyncMachineInfo;

typedef struct SyncSession SyncSession;

/* 0 with *out = NULL when nothing was asked for (no alignment, no record,
 * no report, no progress); -1 after printing a one-line error. */
int sync_session_create(SyncSession **out, const SyncConfig *c, const SyncMachineInfo *mi, Icount *ic);
bool sync_session_aligning(const SyncSession *s);          /* sets Icount.align */
const SyncHooks *sync_session_hooks(SyncSession *s);       /* NULL: install none */
_Atomic int64_t *sync_session_icount_slot(SyncSession *s); /* NULL: no monitor */
bool sync_session_wants_icount(const SyncSession *s);      /* a monitor runs */
/* The monitor reads the retired-instruction count the CPU publishes here. */
void sync_session_set_icount_source(SyncSession *s, const volatile int64_t *src);
int sync_session_start(SyncSession *s);
/* The VM was stopped (monitor `stop`) for ns of host time, now resumed on
 * the vCPU thread. The policy's host clock skips that time, as QEMU's
 * VIRTUAL_RT clock does, so a stop is not seen as lateness to catch up. The
 * drift recorder still sees it (its series shows the stop). */
void sync_session_host_stopped(SyncSession *s, int64_t ns);
/* For the monitor's `info align` (vCPU thread): the policy's name (NULL
 * when no policy runs) and its counters so far. */
const char *sync_session_policy_name(const SyncSession *s);
const SyncCounters *sync_session_counters(const SyncSession *s);
void sync_session_before_exec(SyncSession *s);
/* Stops the monitor, writes the record, prints the report. tbs: executed TBs
 * from the CPU's statistics, or -1. Returns -1 if the record could not be
 * finished (message printed). */
int sync_session_finish(SyncSession *s, int exit_code, int64_t tbs);
void sync_session_free(SyncSession *s);

#ifndef DRIFTLAB_GIT
#define DRIFTLAB_GIT "unknown"
#endif
#endif
