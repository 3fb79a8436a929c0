#include "align/align.h"

void align_registry_init(AlignRegistry *r)
{
    static const AlignPolicy *const builtin[] = {
        &align_policy_none, &align_policy_start_only, &align_policy_per_tb, &align_policy_per_exit,
        &align_policy_threshold,
        &align_policy_pid, &align_policy_adaptive_shift, &align_policy_hybrid,
    };
    *r = (AlignRegistry){0};
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        r->policy[r->n] = builtin[i];
        r->origin[r->n++] = "built-in";
    }
}
