/*
 * Template for an alignment-policy plugin. Copy this file, rename the
 * policy, fill in the hooks, and build it as a shared object:
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -fPIC -shared -Iemu -Ipolicies \
 *       -o my_policy.so my_policy.c
 *
 * (or add it to policies/SConscript), then run
 *
 *   emu-arm -icount shift=4 -align-policy-plugin ./my_policy.so \
 *           -align-policy template,every=8 -kernel guest.elf
 *
 * Rules:
 *  - export exactly one `const AlignPolicy driftlab_align_policy` with
 *    ALIGN_POLICY_HEADER (ABI version and table size); a mismatched ABI
 *    version is refused with a one-line error;
 *  - use only what policy.h offers (it is all inline): no emulator symbol is
 *    needed, and the plugin must not keep global mutable state — everything
 *    goes in the state struct, which the run allocates zeroed (state_size)
 *    and frees;
 *  - measure with align_measure() and wait with align_wait_until() (absolute
 *    host deadline) or align_wait_for_advance(), so the run counts reads,
 *    sleeps and spins, and dry-run, catch-up and speed work for it too;
 *  - perform_align runs at the align point the policy sets in c->align_at
 *    (an instruction count; align_next_in() puts it some guest time ahead);
 *    nothing runs between align points.
 */
#include "policy.h"

/* Parsed parameters: one field per AlignParam below (int64_t, double, bool). */
typedef struct TemplateParams {
    int64_t every;              /* guest time between checks, ns */
} TemplateParams;

/* Per-run state. */
typedef struct TemplateState {
    int64_t every, entries, checks;
} TemplateState;

static int tpl_init(AlignCtx *c, void *state, const void *params, char *err, size_t errlen)
{
    (void)err; (void)errlen;            /* snprintf(err, errlen, ...) and return -1 to refuse */
    TemplateState *s = state;
    s->every = ((const TemplateParams *)params)->every;
    c->align_at = 0;                    /* the first align point: at once */
    return 0;
}

static void tpl_teardown(AlignCtx *c, void *state)
{
    (void)c; (void)state;               /* free what init allocated, if anything */
}

static void tpl_init_delay(AlignCtx *c, void *state)
{
    (void)c;
    TemplateState *s = state;
    s->entries++;
}

static void tpl_perform_align(AlignCtx *c, void *state)
{
    TemplateState *s = state;
    /* An align point: look at both clocks, decide, maybe wait. */
    align_next_in(c, s->every);
    s->checks++;
    AlignView v;
    align_measure(c, &v);
    int64_t advance = v.advance_ns;
    if (advance > 1000000)              /* e.g. more than 1 ms ahead */
        align_wait_for_advance(c, &v, 0, 0);
    else
        align_emit_check(c, &v);
}

static void tpl_report(AlignCtx *c, const void *state, AlignStatFn *put, void *opaque)
{
    (void)c;
    const TemplateState *s = state;
    put(opaque, "entries", (double)s->entries, "count");
    put(opaque, "checks", (double)s->checks, "count");
}

static const AlignParam tpl_params[] = {
    /* name, type, default (text), min, max, offset, help */
    { "every", ALIGN_PARAM_DURATION, "100", 0.001, 1e9, offsetof(TemplateParams, every),
      "check the clocks once per this much guest time (us, or with ns/ms/s)" },
    { 0 }
};

const AlignPolicy driftlab_align_policy = {
    ALIGN_POLICY_HEADER,
    .name = "template",
    .description = "plugin template: checks the clocks periodically, sleeps when 1 ms ahead",
    .params = tpl_params,
    .params_size = sizeof(TemplateParams),
    .state_size = sizeof(TemplateState),
    .init = tpl_init,
    .teardown = tpl_teardown,
    .init_delay = tpl_init_delay,
    .perform_align = tpl_perform_align,
    .report = tpl_report,
};
