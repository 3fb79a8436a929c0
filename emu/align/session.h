/*
 * The glue-facing side of alignment and measurement: command-line options,
 * and a AlignSession that owns the chosen policy's run, the drift recorder
 * and the report for one machine run. The machine calls, in order:
 *
 *   align_session_create()      after the CPU and Icount exist (the CPU is
 *                              built with the -tb-chain model of AlignConfig)
 *   align_session_start()       just before the run loop, on the vCPU thread:
 *                              the policy's align points and loop-exit hook go
 *                              on the Icount, which the CPU already serves
 *   align_session_before_exec() before every arm_cpu_exec() (init_delay)
 *   align_session_finish()      after the run loop, on the vCPU thread
 *   align_session_free()
 */
#ifndef EMU_ALIGN_SESSION_H
#define EMU_ALIGN_SESSION_H
#include "align/align.h"

typedef struct AlignConfig {
    int argc;
    char **argv;
    const char *policy_spec;                 /* -align-policy */
    const char *plugins[ALIGN_MAX_PLUGINS];   /* -align-policy-plugin */
    int n_plugins;
    const char *record_path;                 /* -record */
    double record_rate_hz;                   /* -record-rate (default 1000) */
    bool report;                             /* -align-report */
    int tb_chain;                            /* -tb-chain: 0 modern, 1 qemu-2.1, 2 none (ArmChainModel) */
} AlignConfig;

/* Usage lines for the options below, to append to -help. */
extern const char align_cli_usage[];

void align_config_init(AlignConfig *c, int argc, char **argv);
/* True for the options this layer handles and whether they take a value. */
bool align_cli_is_option(const char *opt, bool *takes_value);
/* Handles one option. 0: consumed; 1: printed `-align-policy help`, exit 0;
 * -1: printed a one-line error, exit 1. */
int align_cli_option(AlignConfig *c, const char *opt, const char *val);
/* After all options: loads plugins and checks the policy spec. 0 or -1 (printed). */
int align_config_check(const AlignConfig *c);

typedef struct AlignMachineInfo {
    bool icount, shift_auto, align, sleep;
    int shift;
    bool quiet;
    const char *kernel, *append;
    const char *version, *git_commit;
} AlignMachineInfo;

typedef struct AlignSession AlignSession;

/* 0 with *out = NULL when nothing was asked for (no alignment, no record,
 * no report, no progress); -1 after printing a one-line error. */
int align_session_create(AlignSession **out, const AlignConfig *c, const AlignMachineInfo *mi, Icount *ic);
bool align_session_aligning(const AlignSession *s);          /* sets Icount.align */
/* The policy's align points and loop-exit hook go on the Icount given to
 * align_session_create; the drift monitor reads Icount.published. */
int align_session_start(AlignSession *s);
/* The VM stops now (monitor `stop`, vCPU thread). */
void align_session_host_stop(AlignSession *s);
/* The VM was stopped (monitor `stop`) for ns of host time, now resumed on
 * the vCPU thread. The policy's host clock skips that time, as QEMU's
 * VIRTUAL_RT clock does, so a stop is not seen as lateness to catch up. The
 * drift recorder still sees it (its series shows the stop). */
void align_session_host_stopped(AlignSession *s, int64_t ns);
/* The monitor's `align speed R` (vCPU thread): the guest runs at R x real
 * time from now on; recorded as an event. -1 when no policy aligns. */
int align_session_set_speed(AlignSession *s, double speed);
/* The monitor's `align policy SPEC` (vCPU thread, between TBs). SPEC is
 * parsed as -align-policy's value (same parser, same errors). The new policy
 * starts with the same clocks and event sink, its reference taken now (the
 * guest is on its schedule at the switch); the old one is detached, torn
 * down and freed, its counters kept in the run's totals. Recorded as a
 * POLICY event and a /policy_changes row. -1 with a one-line message in err
 * when SPEC is bad, the new policy refuses its parameters, or no session
 * runs (none was asked for, or outside the region of interest): then
 * nothing changed. */
int align_session_set_policy(AlignSession *s, const char *spec, char *err, size_t n);

/* `align policy help`: every policy this run knows (plugins included) with
 * its parameters, as `-align-policy help` lists them. */
void align_session_policy_help(const AlignSession *s, FILE *f);

/* What `info align` shows about the alignment runtime. */
typedef struct AlignStatus {
    const char *policy, *policy_params, *runtime_params;
    int64_t policy_changes;      /* `align policy` switches so far */
    bool aligning;               /* the policy is not `none` */
    AlignCommon common;           /* the current policy's runtime parameters */
    AlignCounters n;              /* the whole run so far, every policy */
    double policy_code_ns;       /* estimated time in policy code, every policy */
    int64_t clock_read_cost_ns;  /* one host-clock read, measured when this policy started */
    AlignView now;                /* the runtime's schedule now (advance_ns < 0: late) */
    int64_t schedule_offset_ns;  /* how far forgiven lateness and speed changes moved it */
    int64_t late_for_ns;         /* catch-up=forgive: age of the current lateness, or -1 */
} AlignStatus;
/* For the monitor's `info align` (vCPU thread). False (and *st untouched)
 * when no session runs: none was asked for, or outside the region of
 * interest. */
bool align_session_status(const AlignSession *s, AlignStatus *st);
/* The policy's name, NULL when no policy runs. */
const char *align_session_policy_name(const AlignSession *s);
struct DriftSummary;
/* The drift monitor's statistics so far (it samples at *rate_hz with
 * -record, -align-report or the progress line), for `info align`; false
 * without one or before its first sample. */
bool align_session_drift(const AlignSession *s, struct DriftSummary *d, double *rate_hz);
/* Before every vCPU run: the policy's init_delay, the clock mapping. */
void align_session_before_exec(AlignSession *s);
/* What the execution loop did, for the record and the report. */
typedef struct AlignExecStats {
    int64_t tbs;          /* executed TBs, or -1 */
    int64_t loop_exits;   /* returns to the execution loop, or -1 */
} AlignExecStats;
/* Stops the monitor, writes the record, prints the report. Returns -1 if
 * the record could not be finished (message printed). */
int align_session_finish(AlignSession *s, int exit_code, const AlignExecStats *st);
/* Before an idle jump of the virtual clock to vclock_ns (sleep=off): an
 * aligning policy waits for the host to reach it. */
void align_session_idle(AlignSession *s, int64_t vclock_ns);
/* The guest goes idle at vclock_ns until at most deadline_vclock_ns
 * (INT64_MAX: no timer): the record's drift samples let its clock follow the
 * host's until the next align_session_before_exec(), as QEMU's does while
 * idle, so a wait for a timer does not show as lag. */
void align_session_idle_begin(AlignSession *s, int64_t vclock_ns, int64_t deadline_vclock_ns);
/* A region of interest: the session is started and finished around it,
 * not around the whole run, and the record says where it began. */
void align_session_set_region(AlignSession *s, bool region);
/* The name of a -tb-chain value. */
const char *align_tb_chain_name(int chain);
void align_session_free(AlignSession *s);

#ifndef DRIFTLAB_GIT
#define DRIFTLAB_GIT "unknown"
#endif
#endif
