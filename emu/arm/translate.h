/* The ARM/Thumb translator (translate.c): guest code -> a TB's ops. */
#ifndef EMU_ARM_TRANSLATE_H
#define EMU_ARM_TRANSLATE_H
#include "arm/tb.h"

/* Decode the TB at tb->pc into tb->ops, which has room for
 * (cflags & CF_COUNT_MASK, or TB_MAX_INSNS) + 2 ops; sets n_ops, icount and
 * size. May raise a prefetch abort (longjmp). */
void arm_translate(ArmCPU *cpu, TB *tb);
#endif
