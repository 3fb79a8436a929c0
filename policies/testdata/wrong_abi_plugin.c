/* Test fixture: a plugin built against a different policy ABI version. The
 * loader must refuse it with a one-line error. */
#include "policy.h"

const AlignPolicy driftlab_align_policy = {
    .abi_version = ALIGN_POLICY_ABI_VERSION + 100,
    .table_size = sizeof(AlignPolicy),
    .name = "wrong-abi",
    .description = "a plugin from the future",
};
