/*
 * The human monitor's command language, as QEMU 7.2's HMP spells it: a
 * command table with aliases ("cont|c"), `info` sub-commands, `help [cmd]`
 * and QEMU's one-line errors. Pure text in, text out: no threads and no
 * machine, so the unit tests drive it with a fake target (MonitorTarget).
 */
#ifndef EMU_MONITOR_CMD_H
#define EMU_MONITOR_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing output buffer; `\n` line ends (the transport adds QEMU's `\r`). */
typedef struct MonBuf {
    char *s;
    size_t len, cap;
    bool oom;               /* an allocation failed: output is truncated */
} MonBuf;

void monbuf_printf(MonBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void monbuf_append(MonBuf *b, const char *s, size_t n);
void monbuf_clear(MonBuf *b);
void monbuf_free(MonBuf *b);

/* What `info jit` reports about the clocks (QEMU's dump_drift_info). */
typedef struct MonitorDrift {
    bool icount;               /* -icount: without it QEMU prints no clock line */
    bool align;                /* an alignment policy runs: max figures are meaningful */
    int64_t host_minus_guest_ns;
    int64_t max_delay_ns;      /* >= 0: the guest's worst lateness seen at loop entries */
    int64_t max_advance_ns;    /* >= 0: its worst advance */
} MonitorDrift;

/* The machine as the commands see it. Every callback runs on the thread that
 * called monitor_cmd_exec() (the vCPU thread, between TBs). Any may be NULL:
 * the command then says that it is not available. */
typedef struct MonitorTarget {
    void *opaque;
    void (*drift)(void *opaque, MonitorDrift *d);
    void (*jit_stats)(void *opaque, MonBuf *out);   /* translation statistics lines */
    void (*registers)(void *opaque, MonBuf *out);   /* arm_cpu_dump_state + FPSCR */
    void (*align_info)(void *opaque, MonBuf *out);  /* `info align` body */
    /* `align speed R`: 0, or -1 with a reason in out. */
    int (*set_speed)(void *opaque, double ratio, MonBuf *out);
    /* `align policy SPEC`: switches the policy; a confirmation or a one-line
     * error in out (0 or -1). */
    int (*set_policy)(void *opaque, const char *spec, MonBuf *out);
    void (*stop)(void *opaque);
    void (*cont)(void *opaque);
    void (*quit)(void *opaque);
    bool (*running)(void *opaque);                  /* for `info status` */
    bool (*prelaunch)(void *opaque);                /* -S, never continued */
} MonitorTarget;

/* Executes one line (without its newline) and appends the reply to out.
 * Never fails: bad input gets QEMU's error text. */
void monitor_cmd_exec(const MonitorTarget *t, const char *line, MonBuf *out);
#endif
