/* Reading driftlab's HDF5 files: the merged results file (/summary compound
 * table, /runs/<job-id> groups; python/driftlab/sweep/merge.py) and per-run
 * records (docs/hdf5-schema.md). */
#ifndef DL_H5_H
#define DL_H5_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

typedef struct DlRun {
    char *job_id, *workload, *append, *policy, *label, *params;
    char *emulator;          /* "emu-arm" (also when the file predates the column) or "qemu" */
    int64_t shift, rep;
    double cpu_ns;           /* the cost metric (vcpu_cpu_ns by default); NAN if absent */
    double final_lag_ns;     /* NAN if absent (then taken from the drift series) */
    char *group;             /* where the run's /drift is: "/runs/<id>" or "/" */
} DlRun;

/* The rows of /summary of a merged file. `metric` names the cost column.
 * Returns the number of rows, or -1 with a message in err. */
long dl_read_summary(hid_t file, const char *metric, DlRun **runs, char *err, size_t errlen);

/* A per-run record's identity from its root attributes and /summary
 * (group: "/" for a record, "/runs/<id>" for a run in a merged file). */
int dl_read_record(hid_t file, const char *group, const char *metric, DlRun *run,
                   char *err, size_t errlen);

/* The /drift series under `group`: host_ns and drift_ns (malloc'ed). */
int dl_read_drift(hid_t file, const char *group, int64_t **host, int64_t **drift, size_t *n,
                  char *err, size_t errlen);

void dl_run_free(DlRun *r);

#endif
