/*
 * Entering and leaving translation blocks. A block is entered through its
 * first op and left by the exit code its last op returns, or from the
 * middle by longjmp to the execution loop (a fault, an I/O rewind, a
 * flush).
 */
#ifndef EMU_ARM_EXEC_H
#define EMU_ARM_EXEC_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu_state.h"
#include "likely.h"

/* Entering a block, the same for the execution loop and for the chaining
 * exits: the icount check at TB entry (QEMU's gen_tb_start) charges the
 * block's instructions to the decrementer, then the block becomes the
 * current TB and is counted. False, with nothing changed, when the budget
 * cannot pay for the whole block. */
static inline bool tb_try_enter(ArmCPU *cpu, const TB *tb)
{
    int32_t cnt = (int32_t)cpu->icount_decr.u32 - (int32_t)tb->icount;
    if (unlikely(cnt < 0))
        return false;
    cpu->icount_decr.u16.low = (uint16_t)cnt;
    cpu->cur_tb = tb;
    cpu->stats.tbs_executed++;
    return true;
}
/* Run an entered block from its first op; returns the exit code of the last
 * block that ran (cpu->cur_tb). */
static inline uint32_t tb_run(ArmCPU *cpu, const TB *tb)
{
    return tb->ops[0].fn(cpu, &tb->ops[0]);
}

/* cpu_restore_state(): refund from op on, PC = op, syndrome = op's ISS. */
void arm_restore_state(ArmCPU *cpu, const ArmOp *op);
/* Leave the TB from the middle of op: restore PC and refund the count from
 * op on (QEMU's cpu_restore_state + cpu_loop_exit). */
void arm_loop_exit_restore(ArmCPU *cpu, const ArmOp *op) __attribute__((noreturn));
/* Back to the execution loop's setjmp with the state as it is. */
void arm_loop_exit(ArmCPU *cpu) __attribute__((noreturn));
#endif
