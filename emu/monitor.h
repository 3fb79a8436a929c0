/*
 * The human monitor: `-monitor stdio` or `-monitor unix:PATH,server,nowait`.
 *
 * A thread of its own reads the monitor's input and writes its replies, so
 * the vCPU never waits for a user and the TB dispatch loop is untouched.
 * Commands themselves run on the vCPU thread, at a TB boundary: the monitor
 * thread queues a line and kicks the CPU (`kick`), and the machine's run
 * loop calls monitor_service() when monitor_pending() says so. That makes
 * every command see a consistent machine, and lets `stop` hold the vCPU
 * inside monitor_service() until `cont`. With nothing typed the vCPU is never
 * kicked and the run is the run without a monitor.
 */
#ifndef EMU_MONITOR_H
#define EMU_MONITOR_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "monitor_cmd.h"

typedef enum MonitorKind { MONITOR_NONE, MONITOR_STDIO, MONITOR_UNIX } MonitorKind;

typedef struct MonitorSpec {
    MonitorKind kind;
    char path[108];            /* MONITOR_UNIX: the socket (sun_path's size) */
    bool wait;                 /* server without nowait: wait for a client before the run */
} MonitorSpec;

/* Parses -monitor's value: none, stdio, unix:PATH,server[,nowait] (also
 * server=on, wait=off). -1 with a one-line message in err. */
int monitor_parse_spec(const char *s, MonitorSpec *out, char *err, size_t n);

/* How the monitor reaches the machine: the command target (callbacks run on
 * the vCPU thread), a kick that makes the vCPU leave its TB loop soon (any
 * thread), and the clock/stop hooks below (vCPU thread). */
typedef struct MonitorHooks {
    MonitorTarget target;       /* stop/cont/quit/running are filled in by the monitor */
    void (*kick)(void *opaque);
    /* The vCPU stopped / resumes (not called for -S's initial stop). */
    void (*on_stop)(void *opaque);
    void (*on_cont)(void *opaque);
    /* Polled while stopped: true to give up waiting (a signal arrived). */
    bool (*interrupted)(void *opaque);
    void *opaque;
} MonitorHooks;

typedef struct Monitor Monitor;

/* Opens the socket (or takes stdin/stdout) and starts the thread. With
 * start_stopped (-S) the VM is stopped until the first `cont`, in QEMU's
 * "prelaunch" state. NULL with a one-line message in err. */
Monitor *monitor_create(const MonitorSpec *spec, const MonitorHooks *hooks, bool start_stopped,
                        char *err, size_t n);

/* Cheap enough for every run-loop iteration: one relaxed atomic load. */
bool monitor_pending(Monitor *m);
/* vCPU thread: runs the queued commands; while the VM is stopped, waits for
 * more (and runs them) until `cont`, `quit` or interrupted(). */
void monitor_service(Monitor *m);
bool monitor_quit_requested(Monitor *m);
bool monitor_stopped(Monitor *m);
/* The run is over: commands are no longer executed, the monitor thread
 * answers nothing more. Idempotent. */
void monitor_vcpu_done(Monitor *m);
void monitor_destroy(Monitor *m);
#endif
