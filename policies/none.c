/* none: icount without alignment. No align point and no loop-exit hook, so
 * the execution loop pays nothing; the guest runs as fast as the host allows. */
#include "policy.h"

const AlignPolicy align_policy_none = {
    ALIGN_POLICY_HEADER,
    .name = "none",
    .description = "icount without alignment: never reads the host clock, never sleeps",
};
