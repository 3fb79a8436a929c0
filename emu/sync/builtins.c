#include "sync/sync.h"

void sync_registry_init(SyncRegistry *r)
{
    static const SyncPolicy *const builtin[] = {
        &sync_policy_none, &sync_policy_start_only, &sync_policy_per_tb, &sync_policy_per_exit,
        &sync_policy_threshold,
        &sync_policy_pid, &sync_policy_adaptive_shift, &sync_policy_hybrid,
    };
    *r = (SyncRegistry){0};
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        r->policy[r->n] = builtin[i];
        r->origin[r->n++] = "built-in";
    }
}
