/*
 * A whole emulated system: RAM and devices on a bus, one CPU, the icount
 * clocks and the run loop that ties them together. No global state, so a
 * test can build several machines side by side.
 */
#ifndef EMU_MACHINE_H
#define EMU_MACHINE_H
#include <signal.h>
#include <stdbool.h>
#include "config.h"
#include "console_watch.h"
#include "hw/bus.h"
#include "icount.h"
#include "loader.h"
#include "log.h"
#include "semihost.h"

struct ArmCPU;
struct VersatilePB;
struct AlignSession;

typedef struct Machine {
    MachineConfig cfg;
    Bus bus;
    Icount ic;
    Log log;
    Semihost semihost;
    struct ArmCPU *cpu;
    struct VersatilePB *board;
    LoadedImage image;
    char *cmdline;
    volatile sig_atomic_t stop_signal;   /* set from a signal handler */
    bool exited;
    bool reset_requested;                /* by the guest, through the sysctl */
    /* Region of interest (-roi-begin/-roi-end): the watcher sees serial 0,
     * the run loop acts on `roi_pending` at the next loop exit. */
    ConsoleWatch roi_watch;
    enum { ROI_OFF, ROI_WAITING, ROI_IN, ROI_DONE } roi;
    int roi_pending;                     /* 0, or 1 + the matched prefix */
    int64_t roi_tbs0, roi_exits0;
    int exit_code;
    struct AlignSession *session;      /* alignment policy, drift record, report */
    struct Monitor *mon;              /* -monitor; NULL without one */
    /* The clocks as the monitor reports them (machine_monitor.c). */
    int64_t run_t0_ns;                /* host clock when the run started (QEMU's vm start) */
    int64_t stopped_ns;               /* host time spent stopped, finished stops */
    int64_t stop_t0_ns;               /* host clock at the current stop, if stopped */
    bool stopped;
    int64_t max_delay_ns, max_advance_ns;   /* seen at loop entries, with alignment on */
    struct DriftHist *entry_drift;          /* the same samples, for `info align`'s quantiles */
} Machine;

/* Builds the machine and loads the image; -1 after a one-line error. */
int machine_init(Machine *m, const MachineConfig *cfg);
/* Runs until the guest exits (returns its exit code), a signal stops it
 * (128 + signal), or the guest can never wake again (1, with a message). */
int machine_run(Machine *m);
/* Asynchronous stop, safe to call from a signal handler. */
void machine_request_stop(Machine *m, int sig);
void machine_print_stats(Machine *m, FILE *f);

/* The monitor's view of the machine (machine_monitor.c). */
struct MonitorDrift;
/* Opens -monitor if configured; -1 after a one-line error. */
int machine_monitor_open(Machine *m);
/* QEMU's `info jit` clock figures: host minus guest clock (host time while
 * stopped excluded) and the extremes seen at loop entries. Any thread that
 * owns the vCPU (the vCPU thread, or anyone while it is stopped). */
void machine_drift(Machine *m, struct MonitorDrift *d);
/* QEMU samples the extremes where the alignment code measures the clocks:
 * on every entry into the execution loop. Only with a monitor and
 * alignment on, so other runs gain no clock read. The samples also go into
 * a fixed-size histogram for `info align`. */
void machine_sample_drift(Machine *m);
void machine_destroy(Machine *m);
#endif
