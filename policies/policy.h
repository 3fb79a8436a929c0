/*
 * Clock-alignment policies: the interface between the emulator and a policy
 * that decides when the emulator waits so that guest virtual time tracks
 * host time.
 *
 * A policy is a constant table (AlignPolicy) of metadata and function
 * pointers. It holds its decision only; the runtime (emu/align/run.c) owns
 * everything the policies share: where the align points fall, the clocks,
 * the lateness and catch-up rules, the speed ratio, and the waiting.
 *
 *   init_delay     called every time the CPU execution loop is entered;
 *   perform_align  called at the policy's align points: the first TB boundary
 *                  at or after instruction count ctx->align_at (0: after
 *                  every TB). The execution loop treats align_at like a timer
 *                  deadline, so nothing runs between align points. Setting
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
 * block of `params_size` bytes, filled from the AlignParam descriptors.
 * There is no global mutable state: two runs can use one policy side by side.
 *
 * A plugin (.so) needs no symbol from the emulator: what it may use is in
 * this header, inline or behind the runtime's function table (AlignRuntime).
 * It exports `const AlignPolicy driftlab_align_policy` (ALIGN_POLICY_SYMBOL)
 * whose abi_version is ALIGN_POLICY_ABI_VERSION; see template_plugin.c.
 *
 * Every policy also takes the runtime's parameters (dry-run, catch-up,
 * catch-up-limit, speed; see align_registry_help) besides its own.
 */
#ifndef ALIGN_POLICY_H
#define ALIGN_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ALIGN_POLICY_ABI_VERSION 4u
#define ALIGN_POLICY_SYMBOL "driftlab_align_policy"

#define ALIGN_NS_PER_US 1000LL
#define ALIGN_NS_PER_SEC 1000000000LL

/* ---- parameters ------------------------------------------------------- */

typedef enum AlignParamType {
    ALIGN_PARAM_INT,      /* int64_t; decimal integer */
    ALIGN_PARAM_DOUBLE,   /* double; strtod syntax */
    ALIGN_PARAM_BOOL,     /* bool; on|off|true|false|yes|no|1|0 */
    /* int64_t nanoseconds; an integer with a unit, ns|us|ms|s, where a bare
     * number is in microseconds (so the "-us" names keep their meaning).
     * min and max are in microseconds. */
    ALIGN_PARAM_DURATION,
} AlignParamType;

/* One parameter: parsed from `-align-policy NAME,key=val,...`; the default is
 * text parsed exactly like user input. Numbers must lie in [min, max]. The
 * value is stored at `offset` in the policy's params struct. */
typedef struct AlignParam {
    const char *name;
    AlignParamType type;
    const char *def;
    double min, max;
    size_t offset;
    const char *help;
} AlignParam;

/* What to do with lateness (the guest behind its schedule: host stalls, a
 * guest slower than real time). The guest cannot be sped up, so lateness is
 * made up by not waiting until the guest is back on schedule. */
typedef enum AlignCatchUp {
    ALIGN_CATCHUP_WARN = 0,     /* make all of it up; count a warning past the limit */
    ALIGN_CATCHUP_BOUNDED = 1,  /* make up at most `catch-up-limit`; forgive the rest at once */
    ALIGN_CATCHUP_FORGIVE = 2,  /* forgive lateness that has lasted longer than the limit */
} AlignCatchUp;

/* The runtime's parameters, taken by every policy. */
typedef struct AlignCommon {
    bool dry_run;              /* do every read and computation, never wait */
    int catch_up;              /* AlignCatchUp */
    int64_t catch_up_limit_ns;
    double speed;              /* guest runs at speed x real time */
} AlignCommon;

/* ---- what a policy records ------------------------------------------- */

typedef enum AlignEventKind {
    ALIGN_EV_ENTRY = 0,  /* init_delay: the policy measured the clocks */
    ALIGN_EV_CHECK = 1,  /* a host-clock check that did not wait (decimated) */
    ALIGN_EV_SLEEP = 2,  /* a sleep: req_ns requested, act_ns measured (dry run: value 1, act 0) */
    ALIGN_EV_SPIN = 3,   /* a busy wait: act_ns spent */
    ALIGN_EV_LATE = 4,   /* a check with the guest behind its schedule (decimated) */
    ALIGN_EV_SHIFT = 5,  /* the icount shift changed; value = new shift */
    ALIGN_EV_FORGIVE = 6,/* catch-up forgave value ns of lateness */
    ALIGN_EV_SPEED = 7,  /* the speed ratio changed (monitor); value = new ratio x 1e6 */
    ALIGN_EV_POLICY = 8, /* the policy was switched (monitor); value = its row in /policy_changes */
    ALIGN_EV_NKINDS
} AlignEventKind;

/* Times are relative to the run's origins (host0_ns, guest0_ns). view_ns is
 * the policy's own estimate of guest advance (> 0: ahead). */
typedef struct AlignEvent {
    int64_t host_ns, guest_ns, view_ns, req_ns, act_ns, value;
    int32_t kind;
} AlignEvent;

/* Maintained by the runtime; read after the run. */
typedef struct AlignCounters {
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
    int64_t calls;             /* perform_align calls (align points reached) */
    int64_t exit_calls;        /* loop_exit calls */
    int64_t timed_calls;       /* calls whose duration was measured (sampled) */
    int64_t timed_ns;          /* their time in policy code, waits excluded */
    int64_t entry_ns;          /* time in init_delay, waits excluded */
    int64_t late_checks, max_late_ns;         /* measurements with the guest behind */
    int64_t forgiven, forgiven_ns;            /* catch-up: times and total forgiven */
    int64_t catchup_warnings;                 /* catch-up=warn: checks past the limit */
    int64_t events, events_decimated;
} AlignCounters;

/* The host clock and waiting. NULL in AlignCtx means the real monotonic clock
 * and clock_nanosleep; unit tests substitute a simulated clock. */
typedef struct AlignClockOps {
    int64_t (*now_ns)(void *opaque);                  /* absolute ns */
    void (*sleep_ns)(void *opaque, int64_t ns);       /* relative */
    void (*sleep_until_ns)(void *opaque, int64_t abs_ns);
} AlignClockOps;

typedef struct AlignCtx AlignCtx;

/* One measurement of both clocks (align_measure). */
typedef struct AlignView {
    int64_t host_ns;           /* host time since start (the policy's clock) */
    int64_t guest_ns;          /* guest virtual time since start */
    int64_t due_ns;            /* host time at which guest_ns is due (speed, catch-up) */
    int64_t advance_ns;        /* due_ns - host_ns: > 0 ahead, < 0 late */
} AlignView;

/* The runtime's side (emu/align/run.c); use the inline wrappers below. */
typedef struct AlignRuntime {
    int64_t (*icount)(const AlignCtx *c);
    int64_t (*guest_ns)(const AlignCtx *c);
    int (*shift)(const AlignCtx *c);
    void (*set_shift)(AlignCtx *c, int shift);
    void (*measure)(AlignCtx *c, AlignView *v);
    int64_t (*wait_until)(AlignCtx *c, int64_t host_ns, int64_t spin_ns, int64_t view_ns);
    int64_t (*sleep)(AlignCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns);
    int64_t (*loop_return_icount)(const AlignCtx *c);
} AlignRuntime;

struct AlignCtx {
    /* The next align point: perform_align is called at the first TB boundary
     * at or after this instruction count; 0: after every TB. */
    int64_t align_at;
    const AlignRuntime *rt;
    void *rt_opaque;
    int64_t host0_ns;              /* host clock (absolute) at run start */
    int64_t guest0_ns;             /* guest virtual clock at run start */
    const AlignClockOps *clock;     /* NULL: real host clock */
    void *clock_opaque;
    AlignCommon common;
    int64_t forgiven_ns;           /* lateness forgiven so far: moves the schedule */
    int64_t late_since_ns;         /* catch-up=forgive: when the current lateness began; -1 */
    int64_t dry_offset_ns;         /* dry run: time the policy would have waited */
    /* Event sink (NULL when nothing records). CHECK and LATE events are
     * decimated to one per check_interval_ns of host time. */
    void (*emit)(void *opaque, const AlignEvent *ev);
    void *emit_opaque;
    int64_t check_interval_ns, check_next_ns;
    AlignCounters n;
    /* Set by perform_align to be called again at the next return of a TB
     * chain to the execution loop (QEMU's align points) instead of at
     * align_at; the runtime clears it at loop entry. */
    bool align_deferred;
    bool at_loop_return;           /* perform_align runs from such a return */
};

/* A policy reports its own statistics through `put`, one named number each. */
typedef void AlignStatFn(void *opaque, const char *name, double value, const char *unit);

/* ---- the table -------------------------------------------------------- */

typedef struct AlignPolicy {
    uint32_t abi_version;          /* ALIGN_POLICY_ABI_VERSION; must stay first */
    uint32_t table_size;           /* sizeof(AlignPolicy) */
    const char *name;              /* [a-z0-9-]+, as given to -align-policy */
    const char *description;       /* one line */
    const AlignParam *params;       /* ends with an entry whose name is NULL; may be NULL */
    size_t params_size;            /* bytes of the parsed-parameter struct */
    size_t state_size;             /* bytes of per-run state (zeroed by the run) */
    /* Per run, before the first init_delay; optional. Return -1 with a
     * one-line message in err to refuse (e.g. inconsistent parameters). */
    int (*init)(AlignCtx *c, void *state, const void *params, char *err, size_t errlen);
    void (*teardown)(AlignCtx *c, void *state);          /* optional */
    /* Any of the three may be NULL. */
    void (*init_delay)(AlignCtx *c, void *state);
    void (*perform_align)(AlignCtx *c, void *state);
    void (*loop_exit)(AlignCtx *c, void *state);
    /* Optional: the policy's own statistics, called once after the run. */
    void (*report)(AlignCtx *c, const void *state, AlignStatFn *put, void *opaque);
    void (*loop_unwind)(AlignCtx *c, void *state);       /* optional */
} AlignPolicy;

#define ALIGN_POLICY_HEADER .abi_version = ALIGN_POLICY_ABI_VERSION, .table_size = sizeof(AlignPolicy)

/* ---- helpers a policy uses -------------------------------------------- */

static inline int64_t align_real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * ALIGN_NS_PER_SEC + ts.tv_nsec;
}

/* Host clock, absolute, not counted: for bookkeeping outside the policy's
 * decisions. Not shifted by a dry run's waits. */
static inline int64_t align_host_abs_uncounted(const AlignCtx *c)
{
    return c->clock ? c->clock->now_ns(c->clock_opaque) : align_real_now_ns();
}

/* Host time since the run started, as the policy sees it (in a dry run it
 * includes the waits skipped); counts one host-clock read. */
static inline int64_t align_host_ns(AlignCtx *c)
{
    c->n.host_reads++;
    return align_host_abs_uncounted(c) - c->host0_ns + c->dry_offset_ns;
}

/* Retired instructions, exact at an align point. */
static inline int64_t align_icount(const AlignCtx *c) { return c->rt->icount(c); }
/* Retired instructions at the last return from a chain of TBs to the
 * execution loop (not counting unwinds). */
static inline int64_t align_loop_return_icount(const AlignCtx *c)
{
    return c->rt->loop_return_icount(c);
}
/* Guest virtual time since the run started. */
static inline int64_t align_guest_ns(const AlignCtx *c) { return c->rt->guest_ns(c); }
/* ns of guest time per instruction = 2^shift. */
static inline int align_shift(const AlignCtx *c) { return c->rt->shift(c); }
/* Changes the shift; the guest clock stays continuous and the drift monitor
 * and the vCPU's budget follow. */
static inline void align_set_shift(AlignCtx *c, int shift) { c->rt->set_shift(c, shift); }

/* Reads the host clock (one counted read) and the guest clock, applies the
 * speed ratio and the catch-up rule, and counts lateness. */
static inline void align_measure(AlignCtx *c, AlignView *v) { c->rt->measure(c, v); }

/* The next align point after `guest_ns` of guest time (at least one
 * instruction on). */
static inline void align_next_in(AlignCtx *c, int64_t guest_ns)
{
    int64_t step = guest_ns >> align_shift(c);
    c->align_at = align_icount(c) + (step > 0 ? step : 1);
}

/* Waits until host time host_ns (since start, the policy's clock): sleeps to
 * that absolute deadline (the last spin_ns busy-waiting on the clock), so
 * wake-up lateness never accumulates. A dry run only pretends. Returns the
 * host time at the end. view_ns: the advance that made the policy wait. */
static inline int64_t align_wait_until(AlignCtx *c, int64_t host_ns, int64_t spin_ns, int64_t view_ns)
{
    return c->rt->wait_until(c, host_ns, spin_ns, view_ns);
}

/* Waits until the guest is `target_ns` ahead of its schedule (0: exactly on
 * it), from measurement v. */
static inline int64_t align_wait_for_advance(AlignCtx *c, const AlignView *v, int64_t target_ns,
                                            int64_t spin_ns)
{
    return align_wait_until(c, v->host_ns + v->advance_ns - target_ns, spin_ns, v->advance_ns);
}

/* A relative sleep of ns, as QEMU's align=on does (start-only). Returns the
 * ns slept; *woke_ns (if not NULL) gets the host time after it. */
static inline int64_t align_sleep(AlignCtx *c, int64_t ns, int64_t view_ns, int64_t *woke_ns)
{
    return c->rt->sleep(c, ns, view_ns, woke_ns);
}

static inline void align_emit(AlignCtx *c, int kind, int64_t host_ns, int64_t guest_ns,
                             int64_t view_ns, int64_t req_ns, int64_t act_ns, int64_t value)
{
    if (!c->emit)
        return;
    AlignEvent ev = { host_ns, guest_ns, view_ns, req_ns, act_ns, value, kind };
    c->n.events++;
    c->emit(c->emit_opaque, &ev);
}

/* A check that did not wait; recorded at most once per check_interval_ns. */
static inline void align_emit_check(AlignCtx *c, const AlignView *v)
{
    if (!c->emit)
        return;
    if (v->host_ns < c->check_next_ns) {
        c->n.events_decimated++;
        return;
    }
    c->check_next_ns = v->host_ns + c->check_interval_ns;
    align_emit(c, v->advance_ns < 0 ? ALIGN_EV_LATE : ALIGN_EV_CHECK, v->host_ns, v->guest_ns,
              v->advance_ns, 0, 0, 0);
}

/* Decided at every check by the every-check extremes (per-tb, per-exit):
 * measure, keep the largest advance seen, and wait until aligned when the
 * guest is ahead by more than threshold_ns. */
static inline void align_if_ahead(AlignCtx *c, int64_t threshold_ns, int64_t *max_advance_ns)
{
    AlignView v;
    align_measure(c, &v);
    if (v.advance_ns > *max_advance_ns)
        *max_advance_ns = v.advance_ns;
    if (v.advance_ns > threshold_ns)
        align_wait_for_advance(c, &v, 0, 0);
    else
        align_emit_check(c, &v);
}

#endif
