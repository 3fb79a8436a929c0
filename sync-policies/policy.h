/*
 * Clock-alignment policies: the interface between the vCPU execution loop
 * and a policy that decides when the emulator sleeps so that guest virtual
 * time tracks host time.
 *
 * A policy is a constant table (SyncPolicy) of metadata and function
 * pointers, in the spirit of the 2014 QEMU patch's two hooks:
 *
 *   init_delay     called every time the CPU execution loop is entered;
 *   perform_align  called after every executed translation block (TB), or
 *                  only once the instruction count reaches ctx->align_at.
 *
 * Everything a policy remembers lives in a zeroed block of `state_size`
 * bytes that the run allocates and frees; its parsed parameters live in a
 * block of `params_size` bytes, filled from the SyncParam descriptors.
 * There is no global mutable state: two runs can use one policy side by side.
 *
 * What a policy may use is in this header only (all helpers are inline), so
 * a plugin (.so) needs no symbol from the emulator: the context (SyncCtx)
 * gives the Icount clock, the origins of both clocks, the host clock and
 * sleep (real or, in unit tests, simulated), the event recorder and the
 * counters that the helpers keep: every host-clock read, every sleep
 * (requested and actual ns), every spin.
 *
 * Plugins: a shared object exports `const SyncPolicy driftlab_sync_policy`
 * (SYNC_POLICY_SYMBOL) whose abi_version is SYNC_POLICY_ABI_VERSION; see
 * sync-policies/template_plugin.c. The version is bumped whenever this header,
 * SyncCtx or the Icount layout (emu/icount.h) changes incompatibly.
 */
#ifndef SYNC_POLICY_H
#define SYNC_POLICY_H
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "icount.h"

#define SYNC_POLICY_ABI_VERSION 1u
#define SYNC_POLICY_SYMBOL "driftlab_sync_policy"

/* ---- parameters ------------------------------------------------------- */

typedef enum SyncParamType {
    SYNC_PARAM_INT,     /* int64_t; decimal integer */
    SYNC_PARAM_DOUBLE,  /* double; strtod syntax */
    SYNC_PARAM_BOOL,    /* bool; on|off|true|false|yes|no|1|0 */
} SyncParamType;

/* One parameter: parsed from `-align-policy NAME,key=val,...`; the default is
 * text parsed exactly like user input. Numbers must lie in [min, max]. The
 * value is stored at `offset` in the policy's params struct. Durations are
 * integers in microseconds and their names end in "-us". */
typedef struct SyncParam {
    const char *name;
    SyncParamType type;
    const char *def;
    double min, max;
    size_t offset;
    const char *help;
} SyncParam;

/* ---- what a policy records ------------------------------------------- */

typedef enum SyncEventKind {
    SYNC_EV_ENTRY = 0,  /* init_delay: the policy measured the clocks */
    SYNC_EV_CHECK = 1,  /* a periodic host-clock check that did not wait (decimated) */
    SYNC_EV_SLEEP = 2,  /* a sleep: req_ns requested, act_ns measured */
    SYNC_EV_SPIN = 3,   /* a busy wait: act_ns spent */
    SYNC_EV_LATE = 4,   /* the policy saw the guest behind: view_ns < 0 */
    SYNC_EV_SHIFT = 5,  /* the icount shift changed; value = new shift */
    SYNC_EV_NKINDS
} SyncEventKind;

/* Times are relative to the run's origins (host0_ns, guest0_ns). view_ns is
 * the policy's own estimate of guest advance (guest - host; > 0: ahead). */
typedef struct SyncEvent {
    int64_t host_ns, guest_ns, view_ns, req_ns, act_ns, value;
    int32_t kind;
} SyncEvent;

/* Maintained by the helpers below and by the run; read after the run. */
typedef struct SyncCounters {
    int64_t host_reads;        /* host-clock reads by policy code (incl. spin polls) */
    int64_t sleeps;
    int64_t sleep_req_ns, sleep_act_ns;
    int64_t spins, spin_ns;
    int64_t entries;           /* init_delay calls */
    int64_t calls;             /* perform_align calls that reached the policy (align_at) */
    int64_t timed_calls;       /* calls whose duration was measured (sampled) */
    int64_t timed_ns;          /* their time in policy code, sleeps/spins excluded */
    int64_t entry_ns;          /* time in init_delay, sleeps/spins excluded */
    int64_t events, events_decimated;
} SyncCounters;

/* The host clock and sleep. NULL in SyncCtx means the real monotonic clock
 * and clock_nanosleep; unit tests substitute a simulated clock. */
typedef struct SyncClockOps {
    int64_t (*now_ns)(void *opaque);            /* absolute ns */
    void (*sleep_ns)(void *opaque, int64_t ns); /* relative; may return early on a signal */
} SyncClockOps;

typedef struct SyncCtx {
    /* perform_align is skipped (by an inline counter compare in the run's
     * trampoline) while sync_icount() < align_at: a policy that only needs
     * to act at its next sync point sets align_at to that instruction count
     * and costs almost nothing per TB in between. 0: called after every TB. */
    int64_t align_at;
    Icount *ic;                    /* the guest clock; see sync_guest_ns() */
    int64_t host0_ns;              /* host clock (absolute) at run start */
    int64_t guest0_ns;             /* guest virtual clock at run start */
    const SyncClockOps *clock;     /* NULL: real host clock */
    void *clock_opaque;
    /* Event sink (NULL when nothing records). CHECK events are decimated to
     * one per check_interval_ns of host time. */
    void (*emit)(void *opaque, const SyncEvent *ev);
    void *emit_opaque;
    int64_t check_interval_ns, check_next_ns;
    /* A policy that changes ic->shift or ic->bias_ns calls sync_clock_changed()
     * so the drift monitor sees the new mapping. */
    void (*clock_changed)(void *opaque, int shift, int64_t bias_ns);
    void *clock_changed_opaque;
    SyncCounters n;
} SyncCtx;

/* A policy reports its own statistics through `put`, one named number each. */
typedef void SyncStatFn(void *opaque, const char *name, double value, const char *unit);

/* ---- the table -------------------------------------------------------- */

typedef struct SyncPolicy {
    uint32_t abi_version;          /* SYNC_POLICY_ABI_VERSION; must stay first */
    uint32_t table_size;           /* sizeof(SyncPolicy) */
    const char *name;              /* [a-z0-9-]+, as given to -align-policy */
    const char *description;       /* one line */
    const SyncParam *params;       /* ends with an entry whose name is NULL; may be NULL */
    size_t params_size;            /* bytes of the parsed-parameter struct */
    size_t state_size;             /* bytes of per-run state (zeroed by the run) */
    /* Per run, before the first init_delay; optional. Return -1 with a
     * one-line message in err to refuse (e.g. inconsistent parameters). */
    int (*init)(SyncCtx *c, void *state, const void *params, char *err, size_t errlen);
    void (*teardown)(SyncCtx *c, void *state);          /* optional */
    /* Either hook may be NULL; a policy with neither gets no hooks at all. */
    void (*init_delay)(SyncCtx *c, void *state);
    void (*perform_align)(SyncCtx *c, void *state);
    /* Optional: the policy's own statistics, called once after the run. */
    void (*report)(SyncCtx *c, const void *state, SyncStatFn *put, void *opaque);
} SyncPolicy;

#define SYNC_POLICY_HEADER .abi_version = SYNC_POLICY_ABI_VERSION, .table_size = sizeof(SyncPolicy)

/* ---- helpers a policy uses -------------------------------------------- */

#define SYNC_NS_PER_US 1000LL
#define SYNC_NS_PER_SEC 1000000000LL

static inline int64_t sync_real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SYNC_NS_PER_SEC + ts.tv_nsec;
}

/* Host clock, absolute, not counted: for the run's own bookkeeping. */
static inline int64_t sync_host_abs_uncounted(const SyncCtx *c)
{
    return c->clock ? c->clock->now_ns(c->clock_opaque) : sync_real_now_ns();
}

/* Host time since the run started; counts one host-clock read. */
static inline int64_t sync_host_ns(SyncCtx *c)
{
    c->n.host_reads++;
    return sync_host_abs_uncounted(c) - c->host0_ns;
}

/* Retired instructions, exact at a TB boundary (same as icount_raw()). */
static inline int64_t sync_icount(const SyncCtx *c)
{
    const Icount *ic = c->ic;
    return ic->executed + ic->budget - ((int64_t)ic->decr->u16.low + ic->extra);
}

/* Guest virtual time since the run started (same as icount_vclock_ns()). */
static inline int64_t sync_guest_ns(const SyncCtx *c)
{
    return (sync_icount(c) << c->ic->shift) + c->ic->bias_ns - c->guest0_ns;
}

static inline void sync_emit(SyncCtx *c, int kind, int64_t host_ns, int64_t guest_ns,
                             int64_t view_ns, int64_t req_ns, int64_t act_ns, int64_t value)
{
    if (!c->emit)
        return;
    SyncEvent ev = { host_ns, guest_ns, view_ns, req_ns, act_ns, value, kind };
    c->n.events++;
    c->emit(c->emit_opaque, &ev);
}

/* A periodic check at host time host_ns (relative); recorded at most once per
 * check_interval_ns so that per-TB policies do not flood the record. */
static inline void sync_emit_check(SyncCtx *c, int64_t host_ns, int64_t guest_ns, int64_t view_ns)
{
    if (!c->emit)
        return;
    if (host_ns < c->check_next_ns) {
        c->n.events_decimated++;
        return;
    }
    c->check_next_ns = host_ns + c->check_interval_ns;
    sync_emit(c, view_ns < 0 ? SYNC_EV_LATE : SYNC_EV_CHECK, host_ns, guest_ns, view_ns, 0, 0, 0);
}

/* Sleeps ns (<= 0: returns at once) and records it: the sleep is bracketed by
 * two host-clock reads that are accounted as sleep time, not as policy reads.
 * view_ns is the policy's estimate of the advance that made it sleep.
 * Returns the ns actually slept; *woke_ns (if not NULL) gets the host time
 * (relative) after waking, free for the caller to use. */
static inline int64_t sync_sleep(SyncCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns)
{
    int64_t t0 = sync_host_abs_uncounted(c) - c->host0_ns;
    if (ns <= 0) {
        if (woke_ns)
            *woke_ns = t0;
        return 0;
    }
    if (c->clock) {
        c->clock->sleep_ns(c->clock_opaque, ns);
    } else {
        struct timespec ts = { (time_t)(ns / SYNC_NS_PER_SEC), (long)(ns % SYNC_NS_PER_SEC) };
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);   /* EINTR: return early */
    }
    int64_t t1 = sync_host_abs_uncounted(c) - c->host0_ns;
    c->n.sleeps++;
    c->n.sleep_req_ns += ns;
    c->n.sleep_act_ns += t1 - t0;
    sync_emit(c, SYNC_EV_SLEEP, t0, sync_guest_ns(c), view_ns, ns, t1 - t0, 0);
    if (woke_ns)
        *woke_ns = t1;
    return t1 - t0;
}

/* Busy-waits until the relative host time reaches target_ns; every poll is a
 * counted host-clock read. Returns the host time (relative) at the end. */
static inline int64_t sync_spin_until(SyncCtx *c, int64_t target_ns, int64_t view_ns)
{
    int64_t t0 = sync_host_ns(c), t = t0;
    while (t < target_ns)
        t = sync_host_ns(c);
    c->n.spins++;
    c->n.spin_ns += t - t0;
    sync_emit(c, SYNC_EV_SPIN, t0, sync_guest_ns(c), view_ns, target_ns - t0, t - t0, 0);
    return t;
}

/* After changing c->ic->shift or c->ic->bias_ns. */
static inline void sync_clock_changed(SyncCtx *c)
{
    if (c->clock_changed)
        c->clock_changed(c->clock_changed_opaque, c->ic->shift, c->ic->bias_ns);
}

#endif
