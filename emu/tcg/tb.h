/* TB cache interface used by the execution loop (emu/tcg/cpu_exec.c). */
#ifndef EMU_TCG_TB_H
#define EMU_TCG_TB_H
#include "arm/cpu_state.h"

/* Jump cache, then hash (QEMU's tb_lookup). NULL if not translated. */
TB *tb_lookup(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags);
/* Translate a new TB (may flush the cache and leave via longjmp, or raise a
 * prefetch abort). */
TB *tb_gen_code(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags);
/* Chain tb's exit n to next (QEMU's tb_add_jump). */
void tb_add_jump(ArmCPU *cpu, TB *tb, int n, TB *next);
#endif
