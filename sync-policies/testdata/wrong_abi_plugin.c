/* Test fixture: a plugin built against a different policy ABI version. The
 * loader must refuse it with a one-line error. */
#include "policy.h"

const SyncPolicy driftlab_sync_policy = {
    .abi_version = SYNC_POLICY_ABI_VERSION + 100,
    .table_size = sizeof(SyncPolicy),
    .name = "wrong-abi",
    .description = "a plugin from the future",
};
