/*
 * Leaving a translation block from the middle (a fault, an I/O rewind, a
 * flush): these sit below the memory, cache and translator code that needs
 * them, so that those layers never call up into the execution loop; they
 * only use the CPU state and the jmp_buf the loop armed.
 */
#include <setjmp.h>
#include "arm/exec.h"

/* Leaving a block from the middle: back to the setjmp in arm_cpu_exec. */
void arm_loop_exit(ArmCPU *cpu)
{
    longjmp(cpu->jmp_env, 1);
}

void arm_restore_state(ArmCPU *cpu, const ArmOp *op)
{
    const TB *tb = cpu->cur_tb;
    cpu->icount_decr.u16.low += (uint16_t)(tb->icount - op->idx);
    cpu->r[15] = op->pc;
    cpu->syndrome = (uint32_t)op->iss << 16;
}

void arm_loop_exit_restore(ArmCPU *cpu, const ArmOp *op)
{
    arm_restore_state(cpu, op);
    longjmp(cpu->jmp_env, 1);
}
