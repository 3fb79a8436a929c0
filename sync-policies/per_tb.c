/*
 * per-tb: the first algorithm of the 2014 patch. The host clock is read
 * after every TB and the true advance (guest - host since the run started)
 * is computed; when it exceeds the threshold the emulator sleeps for all of
 * it. Precise, but one clock read per TB is what cost 13% in the seed.
 */
#include "policy.h"

typedef struct PerTbParams {
    int64_t max_advance_us;
} PerTbParams;

typedef struct PerTb {
    int64_t threshold_ns;
    int64_t max_advance_ns, max_delay_ns;
    int64_t late_checks;
} PerTb;

static int pt_init(SyncCtx *c, void *state, const void *params, char *err, size_t n)
{
    (void)c; (void)err; (void)n;
    PerTb *s = state;
    s->threshold_ns = ((const PerTbParams *)params)->max_advance_us * SYNC_NS_PER_US;
    return 0;
}

static void pt_perform_align(SyncCtx *c, void *state)
{
    PerTb *s = state;
    int64_t host = sync_host_ns(c), guest = sync_guest_ns(c);
    int64_t d = guest - host;
    if (d > s->max_advance_ns)
        s->max_advance_ns = d;
    if (d < 0) {
        s->late_checks++;
        if (-d > s->max_delay_ns)
            s->max_delay_ns = -d;
    }
    if (d > s->threshold_ns)
        sync_sleep(c, d, d, NULL);
    else
        sync_emit_check(c, host, guest, d);
}

static void pt_report(SyncCtx *c, const void *state, SyncStatFn *put, void *o)
{
    (void)c;
    const PerTb *s = state;
    put(o, "seen_max_advance_ns", (double)s->max_advance_ns, "ns");
    put(o, "seen_max_delay_ns", (double)s->max_delay_ns, "ns");
    put(o, "late_checks", (double)s->late_checks, "count");
}

static const SyncParam pt_params[] = {
    { "max-advance-us", SYNC_PARAM_INT, "3000", 0, 1e9, offsetof(PerTbParams, max_advance_us),
      "sleep (all of the advance) when the guest is ahead by more than this" },
    { 0 }
};

const SyncPolicy sync_policy_per_tb = {
    SYNC_POLICY_HEADER,
    .name = "per-tb",
    .description = "the patch's first algorithm: read the host clock after every TB",
    .params = pt_params,
    .params_size = sizeof(PerTbParams),
    .state_size = sizeof(PerTb),
    .init = pt_init,
    .perform_align = pt_perform_align,
    .report = pt_report,
};
