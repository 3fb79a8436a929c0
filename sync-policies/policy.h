/*
 * Clock-alignment policies: the interface between the emulator and a policy
 * that decides when the emulator waits so that guest virtual time tracks
 * host time.
 *
 * A policy is a constant table (SyncPolicy) of metadata and function
 * pointers. It holds its decision only; the runtime (emu/align/run.c) owns
 * everything the policies share: where the sync points fall, the clocks,
 * the lateness and catch-up rules, the speed ratio, and the waiting.
 *
 *   init_delay     called every time the CPU execution loop is entered;
 *   perform_align  called at the policy's sync points: the first TB boundary
 *                  at or after instruction count ctx->align_at (0: after
 *                  every TB). The execution loop treats align_at like a timer
 *                  deadline, so nothing runs between sync points. Setting
 *                  ctx->align_deferred moves the call to the next return
 *                  of a TB chain to the loop;
 *   loop_exit      called every time execution returns from a chain of TBs
 *                  to the execution loop (how often depends on -tb-chain);
 *   loop_unwind    called when execution leaves a TB where QEMU would use
 *                  siglongjmp: a fault, an exception an instruction raises
 *                  (SVC, UNDEF, BKPT, semihosting), an io-recompile (every
 *                  device access under -icount).
 *
 * Everything a policy remembers lives in a zeroed block of `state_size`
 * bytes that the run allocates and frees; its parsed parameters live in a
 * block of `params_size` bytes, filled from the SyncParam descriptors.
 * There is no global mutable state: two runs can use one policy side by side.
 *
 * A plugin (.so) needs no symbol from the emulator: what it may use is in
 * this header, inline or behind the runtime's function table (SyncRuntime).
 * It exports `const SyncPolicy driftlab_sync_policy` (SYNC_POLICY_SYMBOL)
 * whose abi_version is SYNC_POLICY_ABI_VERSION; see template_plugin.c.
 *
 * Every policy also takes the runtime's parameters (dry-run, catch-up,
 * catch-up-limit, speed; see align_registry_help) besides its own.
 */
#ifndef SYNC_POLICY_H
#define SYNC_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SYNC_POLICY_ABI_VERSION 3u
#define SYNC_POLICY_SYMBOL "driftlab_sync_policy"

#define SYNC_NS_PER_US 1000LL
#define SYNC_NS_PER_SEC 1000000000LL

/* ---- parameters ------------------------------------------------------- */

typedef enum SyncParamType {
    SYNC_PARAM_INT,      /* int64_t; decimal integer */
    SYNC_PARAM_DOUBLE,   /* double; strtod syntax */
    SYNC_PARAM_BOOL,     /* bool; on|off|true|false|yes|no|1|0 */
    /* int64_t nanoseconds; an integer with a unit, ns|us|ms|s, where a bare
     * number is in microseconds (so the "-us" names keep their meaning).
     * min and max are in microseconds. */
    SYNC_PARAM_DURATION,
} SyncParamType;

/* One parameter: parsed from `-align-policy NAME,key=val,...`; the default is
 * text parsed exactly like user input. Numbers must lie in [min, max]. The
 * value is stored at `offset` in the policy's params struct. */
typedef struct SyncParam {
    const char *name;
    SyncParamType type;
    const char *def;
    double min, max;
    size_t offset;
    const char *help;
} SyncParam;

/* What to do with lateness (the guest behind its schedule: host stalls, a
 * guest slower than real time). The guest cannot be sped up, so lateness is
 * made up by not waiting until the guest is back on schedule. */
typedef enum SyncCatchUp {
    SYNC_CATCHUP_WARN = 0,     /* make all of it up; count a warning past the limit */
    SYNC_CATCHUP_BOUNDED = 1,  /* make up at most `catch-up-limit`; forgive the rest at once */
    SYNC_CATCHUP_FORGIVE = 2,  /* forgive lateness that has lasted longer than the limit */
} SyncCatchUp;

/* The runtime's parameters, taken by every policy. */
typedef struct SyncCommon {
    bool dry_run;              /* do every read and computation, never wait */
    int catch_up;              /* SyncCatchUp */
    int64_t catch_up_limit_ns;
    double speed;              /* guest runs at speed x real time */
} SyncCommon;

/* ---- what a policy records ------------------------------------------- */

typedef enum SyncEventKind {
    SYNC_EV_ENTRY = 0,  /* init_delay: the policy measured the clocks */
    SYNC_EV_CHECK = 1,  /* a host-clock check that did not wait (decimated) */
    SYNC_EV_SLEEP = 2,  /* a sleep: req_ns requested, act_ns measured (dry run: value 1, act 0) */
    SYNC_EV_SPIN = 3,   /* a busy wait: act_ns spent */
    SYNC_EV_LATE = 4,   /* a check with the guest behind its schedule (decimated) */
    SYNC_EV_SHIFT = 5,  /* the icount shift changed; value = new shift */
    SYNC_EV_FORGIVE = 6,/* catch-up forgave value ns of lateness */
    SYNC_EV_SPEED = 7,  /* the speed ratio changed (monitor); value = new ratio x 1e6 */
    SYNC_EV_POLICY = 8, /* the policy was switched (monitor); value = its row in /policy_changes */
    SYNC_EV_NKINDS
} SyncEventKind;

/* Times are relative to the run's origins (host0_ns, guest0_ns). view_ns is
 * the policy's own estimate of guest advance (> 0: ahead). */
typedef struct SyncEvent {
    int64_t host_ns, guest_ns, view_ns, req_ns, act_ns, value;
    int32_t kind;
} SyncEvent;

/* Maintained by the runtime; read after the run. */
typedef struct SyncCounters {
    int64_t host_reads;        /* host-clock reads by policy code (incl. spin polls) */
    int64_t sleeps;
    int64_t sleep_req_ns, sleep_act_ns;
    int64_t wake_late_ns, wake_late_max_ns;   /* wake-up past the deadline: total, worst */
    int64_t host_stalls, host_stall_ns;       /* wake-ups > 1 ms late: the host, not the policy */
    int64_t spins, spin_ns;
    int64_t spin_polls;        /* the host-clock reads of spins (pacing, not bookkeeping) */
    int64_t wait_cpu_ns;       /* CPU time of the vCPU thread inside sleeps and spins (real clock) */
    int64_t dry_waits, dry_wait_ns;           /* dry-run: waits skipped and their length */
    int64_t entries;           /* init_delay calls */
    int64_t calls;             /* perform_align calls (sync points reached) */
    int64_t exit_calls;        /* loop_exit calls */
    int64_t timed_calls;       /* calls whose duration was measured (sampled) */
    int64_t timed_ns;          /* their time in policy code, waits excluded */
    int64_t entry_ns;          /* time in init_delay, waits excluded */
    int64_t late_checks, max_late_ns;         /* measurements with the guest behind */
    int64_t forgiven, forgiven_ns;            /* catch-up: times and total forgiven */
    int64_t catchup_warnings;                 /* catch-up=warn: checks past the limit */
    int64_t events, events_decimated;
} SyncCounters;

/* The host clock and waiting. NULL in SyncCtx means the real monotonic clock
 * and clock_nanosleep; unit tests substitute a simulated clock. */
typedef struct SyncClockOps {
    int64_t (*now_ns)(void *opaque);                  /* absolute ns */
    void (*sleep_ns)(void *opaque, int64_t ns);       /* relative */
    void (*sleep_until_ns)(void *opaque, int64_t abs_ns);
} SyncClockOps;

typedef struct SyncCtx SyncCtx;

/* One measurement of both clocks (sync_measure). */
typedef struct SyncView {
    int64_t host_ns;           /* host time since start (the policy's clock) */
    int64_t guest_ns;          /* guest virtual time since start */
    int64_t due_ns;            /* host time at which guest_ns is due (speed, catch-up) */
    int64_t advance_ns;        /* due_ns - host_ns: > 0 ahead, < 0 late */
} SyncView;

/* The runtime's side (emu/align/run.c); use the inline wrappers below. */
typedef struct SyncRuntime {
    int64_t (*icount)(const SyncCtx *c);
    int64_t (*guest_ns)(const SyncCtx *c);
    int (*shift)(const SyncCtx *c);
    void (*set_shift)(SyncCtx *c, int shift);
    void (*measure)(SyncCtx *c, SyncView *v);
    int64_t (*wait_until)(SyncCtx *c, int64_t host_ns, int64_t spin_ns, int64_t view_ns);
    int64_t (*sleep)(SyncCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns);
    int64_t (*loop_return_icount)(const SyncCtx *c);
} SyncRuntime;

struct SyncCtx {
    /* The next sync point: perform_align is called at the first TB boundary
     * at or after this instruction count; 0: after every TB. */
    int64_t align_at;
    const SyncRuntime *rt;
    void *rt_opaque;
    int64_t host0_ns;              /* host clock (absolute) at run start */
    int64_t guest0_ns;             /* guest virtual clock at run start */
    const SyncClockOps *clock;     /* NULL: real host clock */
    void *clock_opaque;
    SyncCommon common;
    int64_t forgiven_ns;           /* lateness forgiven so far: moves the schedule */
    int64_t late_since_ns;         /* catch-up=forgive: when the current lateness began; -1 */
    int64_t dry_offset_ns;         /* dry run: time the policy would have waited */
    /* Event sink (NULL when nothing records). CHECK and LATE events are
     * decimated to one per check_interval_ns of host time. */
    void (*emit)(void *opaque, const SyncEvent *ev);
    void *emit_opaque;
    int64_t check_interval_ns, check_next_ns;
    SyncCounters n;
    /* Set by perform_align to be called again at the next return of a TB
     * chain to the execution loop (QEMU's align points) instead of at
     * align_at; the runtime clears it at loop entry. */
    bool align_deferred;
    bool at_loop_return;           /* perform_align runs from such a return */
};

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
    /* Any of the three may be NULL. */
    void (*init_delay)(SyncCtx *c, void *state);
    void (*perform_align)(SyncCtx *c, void *state);
    void (*loop_exit)(SyncCtx *c, void *state);
    /* Optional: the policy's own statistics, called once after the run. */
    void (*report)(SyncCtx *c, const void *state, SyncStatFn *put, void *opaque);
    void (*loop_unwind)(SyncCtx *c, void *state);       /* optional */
} SyncPolicy;

#define SYNC_POLICY_HEADER .abi_version = SYNC_POLICY_ABI_VERSION, .table_size = sizeof(SyncPolicy)

/* ---- helpers a policy uses -------------------------------------------- */

static inline int64_t sync_real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SYNC_NS_PER_SEC + ts.tv_nsec;
}

/* Host clock, absolute, not counted: for bookkeeping outside the policy's
 * decisions. Not shifted by a dry run's waits. */
static inline int64_t sync_host_abs_uncounted(const SyncCtx *c)
{
    return c->clock ? c->clock->now_ns(c->clock_opaque) : sync_real_now_ns();
}

/* Host time since the run started, as the policy sees it (in a dry run it
 * includes the waits skipped); counts one host-clock read. */
static inline int64_t sync_host_ns(SyncCtx *c)
{
    c->n.host_reads++;
    return sync_host_abs_uncounted(c) - c->host0_ns + c->dry_offset_ns;
}

/* Retired instructions, exact at a sync point. */
static inline int64_t sync_icount(const SyncCtx *c) { return c->rt->icount(c); }
/* Retired instructions at the last return from a chain of TBs to the
 * execution loop (not counting unwinds). */
static inline int64_t sync_loop_return_icount(const SyncCtx *c)
{
    return c->rt->loop_return_icount(c);
}
/* Guest virtual time since the run started. */
static inline int64_t sync_guest_ns(const SyncCtx *c) { return c->rt->guest_ns(c); }
/* ns of guest time per instruction = 2^shift. */
static inline int sync_shift(const SyncCtx *c) { return c->rt->shift(c); }
/* Changes the shift; the guest clock stays continuous and the drift monitor
 * and the vCPU's budget follow. */
static inline void sync_set_shift(SyncCtx *c, int shift) { c->rt->set_shift(c, shift); }

/* Reads the host clock (one counted read) and the guest clock, applies the
 * speed ratio and the catch-up rule, and counts lateness. */
static inline void sync_measure(SyncCtx *c, SyncView *v) { c->rt->measure(c, v); }

/* The next sync point after `guest_ns` of guest time (at least one
 * instruction on). */
static inline void sync_next_in(SyncCtx *c, int64_t guest_ns)
{
    int64_t step = guest_ns >> sync_shift(c);
    c->align_at = sync_icount(c) + (step > 0 ? step : 1);
}

/* Waits until host time host_ns (since start, the policy's clock): sleeps to
 * that absolute deadline (the last spin_ns busy-waiting on the clock), so
 * wake-up lateness never accumulates. A dry run only pretends. Returns the
 * host time at the end. view_ns: the advance that made the policy wait. */
static inline int64_t sync_wait_until(SyncCtx *c, int64_t host_ns, int64_t spin_ns, int64_t view_ns)
{
    return c->rt->wait_until(c, host_ns, spin_ns, view_ns);
}

/* Waits until the guest is `target_ns` ahead of its schedule (0: exactly on
 * it), from measurement v. */
static inline int64_t sync_wait_for_advance(SyncCtx *c, const SyncView *v, int64_t target_ns,
                                            int64_t spin_ns)
{
    return sync_wait_until(c, v->host_ns + v->advance_ns - target_ns, spin_ns, v->advance_ns);
}

/* A relative sleep of ns, as QEMU's align=on does (start-only). Returns the
 * ns slept; *woke_ns (if not NULL) gets the host time after it. */
static inline int64_t sync_sleep(SyncCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns)
{
    return c->rt->sleep(c, ns, view_ns, woke_ns);
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

/* A check that did not wait; recorded at most once per check_interval_ns. */
static inline void sync_emit_check(SyncCtx *c, const SyncView *v)
{
    if (!c->emit)
        return;
    if (v->host_ns < c->check_next_ns) {
        c->n.events_decimated++;
        return;
    }
    c->check_next_ns = v->host_ns + c->check_interval_ns;
    sync_emit(c, v->advance_ns < 0 ? SYNC_EV_LATE : SYNC_EV_CHECK, v->host_ns, v->guest_ns,
              v->advance_ns, 0, 0, 0);
}

/* Decided at every check by the every-check extremes (per-tb, per-exit):
 * measure, keep the largest advance seen, and wait until aligned when the
 * guest is ahead by more than threshold_ns. */
static inline void sync_align_if_ahead(SyncCtx *c, int64_t threshold_ns, int64_t *max_advance_ns)
{
    SyncView v;
    sync_measure(c, &v);
    if (v.advance_ns > *max_advance_ns)
        *max_advance_ns = v.advance_ns;
    if (v.advance_ns > threshold_ns)
        sync_wait_for_advance(c, &v, 0, 0);
    else
        sync_emit_check(c, &v);
}

#endif
