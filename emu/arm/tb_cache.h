/*
 * The CPU's store of translated blocks: lookup by PC and flags, creation,
 * invalidation when guest code is written, flushes.
 */
#ifndef EMU_ARM_TB_CACHE_H
#define EMU_ARM_TB_CACHE_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/tb.h"

/* An arena of `bytes` (at least 1 MiB) for the TBs of a guest with
 * ram_size bytes of RAM; points cpu->jmp_cache at its jump cache. */
TBCache *tbc_new(ArmCPU *cpu, uint32_t bytes, uint32_t ram_size);
void tbc_free(TBCache *tbc);
void tbc_flush(ArmCPU *cpu);
/* A write to physical [addr, addr+len) of RAM: invalidate overlapping TBs;
 * returns true while the page still holds code. */
bool tbc_invalidate_phys_range(ArmCPU *cpu, uint32_t addr, uint32_t len);
bool tbc_page_has_code(ArmCPU *cpu, uint32_t phys_page);
void tbc_flush_jmp_cache(ArmCPU *cpu);

/* For the execution loop (cpu_exec.c). */
/* Jump cache, then hash (QEMU's tb_lookup). NULL if not translated. */
TB *tb_lookup(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags);
/* Translate a new TB (may flush the cache and leave via longjmp, or raise a
 * prefetch abort). */
TB *tb_gen_code(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags);
/* Chain tb's exit n to next (QEMU's tb_add_jump). */
void tb_add_jump(ArmCPU *cpu, TB *tb, int n, TB *next);
#endif
