/*
 * Instruction counting: the guest's virtual clock is the number of retired
 * instructions << shift, plus a bias that only idle warps and shift changes
 * move. The mechanics follow QEMU's TCG icount so that counts match it
 * exactly: a budget up to the next virtual deadline is handed to the vCPU as
 * a 16-bit decrementer plus an "extra" reserve, and every TB subtracts its
 * length from the decrementer on entry.
 */
#ifndef EMU_ICOUNT_H
#define EMU_ICOUNT_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "timer.h"

/* Matches QEMU's layout: high is set to 0xffff to force an exit at the next
 * TB entry, which makes the signed 32-bit value negative. */
typedef union IcountDecr {
    uint32_t u32;
    struct {
        uint16_t low;
        uint16_t high;
    } u16;
} IcountDecr;

#define ICOUNT_MAX_SHIFT 10
#define ICOUNT_AUTO_INITIAL_SHIFT 3

typedef struct Icount {
    int shift;
    bool adaptive;          /* shift=auto */
    bool sleep;             /* sleep=on: idle time passes in real time */
    bool align;             /* align=on: an alignment policy is active */
    bool realtime;          /* no -icount: the virtual clock is the host clock */

    int64_t executed;       /* instructions retired and accounted */
    int64_t bias_ns;
    int64_t budget;         /* instructions handed to the vCPU this run */
    int64_t extra;          /* budget not yet loaded into the decrementer */
    IcountDecr *decr;       /* lives in the CPU struct: it is hot */

    int64_t rt_start_ns;    /* host monotonic time at machine start */
    int64_t last_delta;     /* shift=auto's memory of the previous error */
    Timer auto_vm_timer, auto_rt_timer;

    /* Sync points: deadlines on the instruction-count timeline (the policy's
     * align points and the drift monitor's publications). The
     * decrementer is loaded short of the earliest one, so the TB-entry check
     * that every TB already pays stops at the first TB boundary at or after
     * it; `held` is what the cap took out of the decrementer, so the stop
     * points of the budget itself (and so every TB, its order and every
     * interrupt) stay exactly those of a run without sync points. */
    int64_t sync_at;        /* min(policy_at, publish_at) */
    int64_t policy_at;      /* the alignment policy's next align point; INT64_MAX: none */
    int64_t publish_at;     /* next publication of the count for the drift monitor */
    int64_t publish_step;   /* instructions between publications; 0: only at loop exits */
    int64_t held;
    int64_t sync_stops;     /* TB entries stopped by a sync point (statistics) */
    /* Called at an align point (at or after policy_at), at a TB boundary; returns
     * the next one (INT64_MAX: none). */
    int64_t (*on_align)(void *opaque);
    /* Called at every return from a chain of TBs to the execution loop, when
     * a policy asks for it (per-exit). */
    void (*on_loop_exit)(void *opaque);
    void *policy_opaque;
    /* Retired instructions, stored (relaxed) at sync points, loop exits and
     * the end of every vCPU run: what the drift monitor thread reads. */
    _Atomic int64_t published;

    TimerList vtimers;      /* QEMU_CLOCK_VIRTUAL */
    TimerList rtimers;      /* QEMU_CLOCK_REALTIME (host monotonic since start) */
    void (*kick)(void *opaque);   /* force the vCPU out at the next TB entry */
    void *kick_opaque;
    /* Host time the VM spent stopped by the monitor. QEMU's VIRTUAL_RT clock
     * (shift=auto's reference), and without -icount its virtual clock, do
     * not run while the VM is stopped. Last
     * in the struct: plugins see the fields above at unchanged offsets. */
    int64_t stopped_ns;
    /* Retired instructions at the last return from a chain of TBs to the
     * loop: where QEMU's align=on last folded in the virtual time. */
    int64_t loop_return_icount;
    /* Called when execution leaves a TB the way QEMU leaves it with
     * siglongjmp (a fault, an exception an instruction raises, an
     * io-recompile), before the count is published; NULL: no one asks. */
    void (*on_unwind)(void *opaque);
} Icount;

void icount_init(Icount *ic, IcountDecr *decr, int shift, bool adaptive, bool sleep);
/* Without -icount, as QEMU: virtual time is host time and instructions are
 * only counted, in slices short enough to serve timers on time. */
void icount_set_realtime(Icount *ic);
/* Retired instructions, including those of the current budget; only exact at
 * a TB boundary or at a device access made in I/O-exact state. Inline: the
 * per-TB alignment check reads it. */
static inline int64_t icount_raw(const Icount *ic)
{
    return ic->executed + ic->budget - (ic->decr->u16.low + ic->extra);
}
int64_t icount_vclock_ns(const Icount *ic);
int64_t icount_rtclock_ns(const Icount *ic);

/* Before a vCPU run: budget = ceil(next virtual deadline / 2^shift). */
void icount_prepare_for_run(Icount *ic);
/* Fold what the vCPU consumed into `executed`; keeps the budget. */
void icount_update(Icount *ic);
/* After a vCPU run: account and drop the remaining budget. */
void icount_process_data(Icount *ic);
/* Reload the decrementer from the budget (after the TB-entry check failed).
 * Returns what QEMU would load (min(budget, 0xffff)); the decrementer itself
 * may hold less, up to the next sync point. */
int32_t icount_refill(Icount *ic);
/* The TB-entry check of a TB of tb_icount instructions failed (and no exit
 * was requested). Runs the sync points that are due. True: only a sync point
 * stopped the TB, which may now run (the decrementer allows it); false: the
 * budget's own stop, handled as before (icount_refill). */
bool icount_tb_entry_stop(Icount *ic, int tb_icount);
/* Sets the policy's next align point (INT64_MAX: none) and reloads the
 * decrementer's cap; only at a TB boundary, outside arm_cpu_exec's TBs. */
void icount_set_policy_at(Icount *ic, int64_t at);
/* Publishes the count every `step` instructions too (0: only at loop exits). */
void icount_set_publish_step(Icount *ic, int64_t step);
static inline void icount_publish(Icount *ic)
{
    atomic_store_explicit(&ic->published, icount_raw(ic), memory_order_relaxed);
}
/* Execution returned to the loop: publish, and tell a per-exit policy. */
static inline void icount_loop_exit(Icount *ic)
{
    int64_t now = icount_raw(ic);
    atomic_store_explicit(&ic->published, now, memory_order_relaxed);
    ic->loop_return_icount = now;
    if (ic->on_loop_exit)
        ic->on_loop_exit(ic->policy_opaque);
}
/* Execution came back to the loop where QEMU would have used siglongjmp:
 * the same as icount_loop_exit, but not a return from a chain (QEMU's
 * align=on does not fold in time there), and an unwind hook runs first. */
static inline void icount_loop_unwound(Icount *ic)
{
    if (ic->on_unwind)
        ic->on_unwind(ic->policy_opaque);
    icount_publish(ic);
    if (ic->on_loop_exit)
        ic->on_loop_exit(ic->policy_opaque);
}
/* Runs the virtual timers that are due; true if any ran. */
bool icount_handle_deadline(Icount *ic);
/* The CPU is idle: advance virtual time to the next deadline, at once
 * (sleep=off) or as real time passes (sleep=on). Returns false when there is
 * no deadline at all, i.e. nothing could ever wake the guest. */
bool icount_idle_warp(Icount *ic, bool (*woken)(void *), void *woken_opaque);

#endif
