/*
 * Measurement of a run: a drift monitor thread, online drift statistics
 * (stats/drift_stats.h), an HDF5 record and the end-of-run report.
 *
 * drift = (guest virtual clock - its value at start)
 *       - (host monotonic clock - its value at start)      (> 0: guest ahead)
 *
 * The monitor samples it at a fixed rate from another thread. It reads the
 * retired-instruction count that the vCPU publishes with a relaxed atomic
 * store (Icount.published: at sync points, at most 10 us of guest time
 * apart, at loop exits and before sleeps) and the clock mapping (shift, bias)
 * that the vCPU side publishes through a seqlock whenever it may have
 * changed (recorder_set_clock). Policy events reach it through a
 * single-producer ring. All HDF5 calls happen on the monitor thread while it
 * runs, then on the caller's thread after it has been joined.
 *
 * The record is written to PATH.partial and renamed to PATH when the run
 * finishes, so an existing file at PATH is replaced only by a complete one.
 * The monitor writes what it has and calls H5Fflush every flush interval
 * (0.5 s), so a killed run (SIGKILL) leaves PATH.partial readable with the
 * data up to its last flush; its root attribute `complete` is 0. See
 * docs/hdf5-schema.md.
 */
#ifndef EMU_RECORD_RECORD_H
#define EMU_RECORD_RECORD_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "drift_stats.h"   /* DriftStats, DriftSummary (stats/) */
#include "policy.h"

/* ---- statistics ------------------------------------------------------- */

/* Named numbers: a policy's own statistics, or any list for attributes. */
#define STAT_LIST_MAX 64
typedef struct StatList {
    struct { char name[48]; char unit[16]; double value; } s[STAT_LIST_MAX];
    int n;
} StatList;
void stat_list_put(void *list, const char *name, double value, const char *unit);

/* ---- what the record and the report say about a run ------------------- */

typedef struct RecordMeta {
    const char *policy, *policy_params, *policy_description, *policy_origin;
    int shift;
    const char *icount_options;     /* e.g. "shift=4,align=on" */
    const char *workload;           /* the -kernel path */
    const char *workload_args;      /* -append, or "" */
    const char *emulator_version, *git_commit;
    int argc;
    char **argv;
    const char *runtime_params;     /* the runtime's parameters: dry-run, catch-up, speed */
    bool dry_run;
    const char *tb_chain;           /* -tb-chain: modern, qemu-2.1, none */
} RecordMeta;

typedef struct RunSummary {
    DriftSummary drift;
    int64_t host_elapsed_ns, guest_elapsed_ns, final_lag_ns;  /* lag = host - guest */
    int64_t instructions, tbs;
    double mips;
    int64_t vcpu_cpu_ns, vcpu_user_ns, vcpu_sys_ns;
    AlignCounters counters;
    int64_t loop_exits;            /* returns to the execution loop, or -1 */
    int64_t sync_stops;            /* TB entries stopped at a sync point */
    int64_t wait_cpu_ns;           /* vCPU CPU time inside sleeps and spins (pacing) */
    double policy_ns;              /* estimated time inside policy code */
    int64_t events_recorded, events_dropped, samples_recorded;
    int64_t shift_final;
    int exit_code;
    /* The span measured: the whole run, or a region of interest that began
     * at this instruction count, this long after the emulator started. */
    bool region;
    int64_t region_begin_icount, region_end_icount, region_begin_host_ns;
    /* The monitor's `align policy`: switches during the run, and the policy
     * in force at the end (the one whose statistics policy_stats holds). */
    int64_t policy_changes;
    const char *policy_final, *policy_final_params;
} RunSummary;

void report_print(FILE *f, const RecordMeta *m, const RunSummary *s, const StatList *policy_stats);

/* ---- the recorder ------------------------------------------------------ */

typedef struct RecorderOptions {
    const char *path;          /* HDF5 output; NULL: statistics only */
    double rate_hz;            /* monitor sampling rate (default 1000) */
    int64_t flush_ns;          /* HDF5 write + H5Fflush period (default 0.5 s) */
    bool progress;             /* one-line status on stderr (caller checks tty/quiet) */
    int64_t progress_after_ns; /* start the status line after this long (default 2 s) */
} RecorderOptions;

typedef struct Recorder Recorder;

/* Creates PATH.partial and writes the run's attributes; -1 with a message. */
Recorder *recorder_new(const RecorderOptions *o, const RecordMeta *m, char *err, size_t n);
/* Read the published count from src (Icount.published) instead of the
 * recorder's own slot; NULL: back to the slot. */
void recorder_set_icount_source(Recorder *r, const _Atomic int64_t *src);
/* vCPU side: the guest clock is (icount << shift) + bias_ns. */
void recorder_set_clock(Recorder *r, int shift, int64_t bias_ns);
void recorder_set_clock_cb(void *r, int shift, int64_t bias_ns);
/* vCPU side: the guest idles from host time host_abs_ns, its clock at
 * vclock_ns, until at most vclock_max_ns (its next timer). Until the next
 * recorder_set_clock its clock follows the host's, as QEMU's virtual clock
 * does while idle under sleep=on, rather than standing still. */
void recorder_set_idle(Recorder *r, int64_t host_abs_ns, int64_t vclock_ns, int64_t vclock_max_ns);
/* vCPU side: queue a policy event (dropped and counted if the ring is full). */
void recorder_emit(void *r, const AlignEvent *ev);
/* Starts the monitor thread with the run's origins (absolute host ns, guest
 * virtual ns) and the instruction count at start. */
int recorder_start(Recorder *r, int64_t host0_abs_ns, int64_t guest0_ns, int64_t icount0,
                   char *err, size_t n);
/* Stops the monitor after one last sample at final_icount. */
void recorder_stop(Recorder *r, int64_t final_icount);
void recorder_summary(const Recorder *r, DriftSummary *d, int64_t *samples, int64_t *events,
                      int64_t *dropped);
/* Any thread, while the monitor runs too: the drift statistics so far (the
 * human monitor's `info align`). False before the first sample. */
bool recorder_drift_now(Recorder *r, DriftSummary *d);

/* One row of /policy_changes: the policy in force from this point on. */
typedef struct RecordPolicyChange {
    int64_t host_ns, guest_ns;      /* since start, on the /policy events' axis */
    int64_t icount;                 /* retired instructions (absolute) */
    const char *policy, *policy_params, *runtime_params;
} RecordPolicyChange;
/* vCPU side: queues a row (copied); the monitor thread writes it at its next
 * flush. No-op without a file. -1 when out of memory (the row is lost). */
int recorder_policy_change(Recorder *r, const RecordPolicyChange *c);
/* Writes the summary group, marks the file complete, closes and renames it.
 * -1 with a message if the file could not be finished. */
int recorder_finish(Recorder *r, const RunSummary *s, const StatList *policy_stats,
                    char *err, size_t n);
void recorder_free(Recorder *r);   /* also after a failure; leaves PATH.partial */

/* ---- helpers (also used by tests) -------------------------------------- */

/* Lower-case hex SHA-256 of a file's bytes into out[65]; -1 if unreadable. */
int sha256_file(const char *path, char out[65]);
void sha256_hex(const void *data, size_t len, char out[65]);
void host_cpu_model(char *buf, size_t n);
void host_kernel(char *buf, size_t n);
/* The calling thread's scheduling class and priority, e.g. "SCHED_OTHER nice 0". */
void host_sched(char *buf, size_t n);
/* The CPUs the process may run on, e.g. "0-1 (all)" or "1 (pinned)". */
void host_affinity(char *buf, size_t n);

#endif
