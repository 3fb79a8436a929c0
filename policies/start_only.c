/*
 * start-only: the algorithm QEMU merged for `-icount align=on`.
 *
 * The host/guest difference is measured only when the execution loop is
 * entered. After each TB only the virtual time of the instructions it
 * retired is added to that difference (host time passing inside the loop is
 * not observed); when the accumulated advance exceeds the threshold the
 * emulator sleeps for all of it and considers itself aligned again. A guest
 * that is late is never sped up: the lateness only delays the next sleep.
 *
 * The seed reads the instruction counter as extra + decrementer; the
 * difference of that snapshot between two TBs is the number of instructions
 * retired, which is what align_icount() differences give too (they also stay
 * exact when the engine folds its budget mid-run).
 *
 * Since the estimate only grows by the virtual time of retired instructions
 * until it crosses the threshold, the first TB boundary at which the seed's
 * per-TB test would fire is known in advance: align_at is set to that
 * instruction count, a deadline the execution loop stops at like a timer's,
 * and nothing runs before it. The decisions (when, how long) are exactly
 * the seed's.
 *
 * QEMU 7.2 as built (Debian's qemu-system-arm, GCC) keeps the accumulated
 * estimate in a register inside cpu_exec() and reloads it from the value
 * measured at loop entry every time sigsetjmp returns, i.e. after every
 * siglongjmp back into the loop; the instruction snapshot lives on the
 * stack and survives. So an unwind (io-recompile: every device access under
 * -icount; an exception an instruction raises; a fault) drops what was
 * accumulated back to the entry value, while the instructions since the
 * last return from a TB chain (where QEMU last folded them in) still count.
 * A guest that touches a device more often than every 3 ms of virtual time
 * (and whose chains rarely return, e.g. a polling loop) is then never
 * slowed down. loop_unwind reproduces that (qemu-unwind=on, the default):
 * QEMU is the oracle here, even where its behaviour is an artefact of how
 * it was compiled. qemu-unwind=off keeps the estimate across unwinds, as
 * the algorithm is written.
 */
#include "policy.h"

typedef struct StartOnlyParams {
    int64_t max_advance_ns;
    bool qemu_unwind;
} StartOnlyParams;

typedef struct StartOnly {
    int64_t threshold_ns;
    bool qemu_unwind;           /* an unwind drops the estimate, as QEMU 7.2's binary */
    int64_t diff_ns;            /* estimated guest advance (QEMU's diff_clk) */
    int64_t entry_diff_ns;      /* its value at the last loop entry */
    int64_t unwinds;            /* estimate dropped back to entry_diff_ns */
    int64_t last_icount;        /* snapshot at the previous align point */
    int64_t max_delay_ns;       /* QEMU's max_delay / max_advance, at entries */
    int64_t max_advance_ns;
    int64_t late_entries;
} StartOnly;

static int so_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c; (void)err; (void)n;
    StartOnly *s = state;
    s->threshold_ns = ((const StartOnlyParams *)params)->max_advance_ns;
    s->qemu_unwind = ((const StartOnlyParams *)params)->qemu_unwind;
    return 0;
}

/* First instruction count at which diff_ns > threshold_ns. */
static void so_arm(AlignCtx *c, StartOnly *s)
{
    int64_t room = s->threshold_ns - s->diff_ns;
    int64_t k = room >= 0 ? (room >> align_shift(c)) + 1 : 0;
    c->align_at = s->last_icount + k;
}

static void so_init_delay(AlignCtx *c, void *state)
{
    StartOnly *s = state;
    AlignView v;
    align_measure(c, &v);
    int64_t host = v.host_ns, guest = v.guest_ns;
    s->diff_ns = s->entry_diff_ns = v.advance_ns;
    s->last_icount = align_icount(c);
    if (s->diff_ns < -s->max_delay_ns)
        s->max_delay_ns = -s->diff_ns;
    if (s->diff_ns > s->max_advance_ns)
        s->max_advance_ns = s->diff_ns;
    if (s->diff_ns < 0)
        s->late_entries++;
    align_emit(c, ALIGN_EV_ENTRY, host, guest, s->diff_ns, 0, 0, 0);
    so_arm(c, s);
}

/* Called first at the TB boundary where the estimate crosses the threshold;
 * QEMU looks only when a chain returns to the loop, so the decision waits
 * for that return (an unwind before it drops the estimate instead). */
static void so_perform_align(AlignCtx *c, void *state)
{
    StartOnly *s = state;
    if (!c->at_loop_return) {
        c->align_deferred = true;
        return;
    }
    int64_t now = align_icount(c);
    s->diff_ns += (now - s->last_icount) << align_shift(c);
    s->last_icount = now;
    if (s->diff_ns > s->threshold_ns) {
        int64_t req = s->diff_ns;
        int64_t slept = align_sleep(c, req, req, NULL);
        /* As QEMU: aligned after a full sleep, the remainder if interrupted. */
        s->diff_ns = slept >= req ? 0 : req - slept;
    }
    so_arm(c, s);
}

/* QEMU's estimate after siglongjmp: the entry value, plus the instructions
 * retired since the last return from a TB chain (at the latest such return
 * both the estimate and last_icount were brought up to date, or a sleep
 * moved last_icount there). */
static void so_loop_unwind(AlignCtx *c, void *state)
{
    StartOnly *s = state;
    s->unwinds++;
    if (!s->qemu_unwind)
        return;             /* the algorithm as written: the estimate survives */
    int64_t mark = align_loop_return_icount(c);
    if (mark > s->last_icount)
        s->last_icount = mark;
    s->diff_ns = s->entry_diff_ns;
    c->align_deferred = false;
    so_arm(c, s);
}

static void so_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    (void)c;
    const StartOnly *s = state;
    put(o, "entry_max_delay_ns", (double)s->max_delay_ns, "ns");
    put(o, "entry_max_advance_ns", (double)s->max_advance_ns, "ns");
    put(o, "late_entries", (double)s->late_entries, "count");
    put(o, "final_estimate_ns", (double)s->diff_ns, "ns");
    put(o, "unwinds", (double)s->unwinds, "count");
}

static const AlignParam so_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "3000", 0, 1e9, offsetof(StartOnlyParams, max_advance_ns),
      "sleep when the estimated advance exceeds this (QEMU's VM_CLOCK_ADVANCE)" },
    { "qemu-unwind", ALIGN_PARAM_BOOL, "on", 0, 1, offsetof(StartOnlyParams, qemu_unwind),
      "a jump back into the loop (device access, exception) drops the estimate to its "
      "loop-entry value, as Debian's QEMU 7.2 binary does (off: the algorithm as written)" },
    { 0 }
};

const AlignPolicy align_policy_start_only = {
    ALIGN_POLICY_HEADER,
    .name = "start-only",
    .description = "QEMU's align=on: clocks compared at loop entry only, per-TB virtual time accumulated",
    .params = so_params,
    .params_size = sizeof(StartOnlyParams),
    .state_size = sizeof(StartOnly),
    .init = so_init,
    .init_delay = so_init_delay,
    .perform_align = so_perform_align,
    .report = so_report,
    .loop_unwind = so_loop_unwind,
};
