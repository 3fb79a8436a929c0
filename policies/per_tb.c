/*
 * per-tb: the every-TB extreme. The host clock is read after every TB and
 * the advance (guest - host since the run started) computed; past the
 * threshold the emulator waits until the guest is back on schedule. It is
 * not the seed's first algorithm as it ran (that is per-exit: in QEMU 2.1
 * chained TBs did not return to the loop that read the clock).
 */
#include "policy.h"

typedef struct PerTbParams {
    int64_t max_advance_ns;
} PerTbParams;

typedef struct PerTb {
    int64_t threshold_ns;
    int64_t max_advance_ns;
} PerTb;

static int pt_init(AlignCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)err; (void)n;
    PerTb *s = state;
    s->threshold_ns = ((const PerTbParams *)params)->max_advance_ns;
    c->align_at = 0;        /* an align point at every TB boundary */
    return 0;
}

static void pt_perform_align(AlignCtx *c, void *state)
{
    PerTb *s = state;
    align_if_ahead(c, s->threshold_ns, &s->max_advance_ns);
}

static void pt_report(AlignCtx *c, const void *state, AlignStatFn *put, void *o)
{
    const PerTb *s = state;
    put(o, "seen_max_advance_ns", (double)s->max_advance_ns, "ns");
    put(o, "seen_max_delay_ns", (double)c->n.max_late_ns, "ns");
    put(o, "late_checks", (double)c->n.late_checks, "count");
}

static const AlignParam pt_params[] = {
    { "max-advance-us", ALIGN_PARAM_DURATION, "3000", 0, 1e9, offsetof(PerTbParams, max_advance_ns),
      "wait until aligned when the guest is ahead by more than this" },
    { 0 }
};

const AlignPolicy align_policy_per_tb = {
    ALIGN_POLICY_HEADER,
    .name = "per-tb",
    .description = "the every-TB extreme: read the host clock after every TB",
    .params = pt_params,
    .params_size = sizeof(PerTbParams),
    .state_size = sizeof(PerTb),
    .init = pt_init,
    .perform_align = pt_perform_align,
    .report = pt_report,
};
