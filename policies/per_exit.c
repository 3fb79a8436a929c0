/*
 * per-exit: the seed's first algorithm as it ran. It read the host clock
 * once per iteration of cpu_exec's inner loop, and in QEMU 2.1 that loop is
 * re-entered only when a chain of TBs ends (an indirect branch, a page
 * crossing, an exception, an exit request), while direct jumps within a
 * page stay chained. So the clock is read at every return to the execution
 * loop; how often that is depends on the chaining model (-tb-chain
 * modern|qemu-2.1|none), which is what decided the seed's 13%. Past the
 * threshold it waits until the guest is back on schedule.
 */
#include "policy.h"

typedef struct PerExitParams {
    int64_t max_advance_ns;
} PerExitParams;

typedef struct PerExit {
    int64_t threshold_ns;
    int64_t max_advance_ns;
} PerExit;

static int pe_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c; (void)err; (void)n;
    PerExit *s = state;
    s->threshold_ns = ((const PerExitParams *)params)->max_advance_ns;
    return 0;
}

static void pe_loop_exit(AlignCtx *c, void *state)
{
    PerExit *s = state;
    align_if_ahead(c, s->threshold_ns, &s->max_advance_ns);
}

static void pe_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    const PerExit *s = state;
    put(o, "loop_exits", (double)c->n.exit_calls, "count");
    put(o, "seen_max_advance_ns", (double)s->max_advance_ns, "ns");
    put(o, "seen_max_delay_ns", (double)c->n.max_late_ns, "ns");
}

static const AlignParam pe_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "3000", 0, 1e9,
      offsetof(PerExitParams, max_advance_ns),
      "wait until aligned when the guest is ahead by more than this" },
    { 0 }
};

const AlignPolicy align_policy_per_exit = {
    ALIGN_POLICY_HEADER,
    .name = "per-exit",
    .description = "the seed's first algorithm as it ran: read the host clock at every return to the execution loop",
    .params = pe_params,
    .params_size = sizeof(PerExitParams),
    .state_size = sizeof(PerExit),
    .init = pe_init,
    .loop_exit = pe_loop_exit,
    .report = pe_report,
};
