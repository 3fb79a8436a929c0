/*
 * Guest memory access from the core (mem.c): the TLB fast path inlined
 * into the op handlers, the slow path behind it (TLB fill, devices,
 * unaligned and code-page accesses, faults), and instruction fetch for
 * the translator.
 */
#ifndef EMU_ARM_MEM_H
#define EMU_ARM_MEM_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu_state.h"
#include "likely.h"

void arm_tlb_flush(ArmCPU *cpu);
/* Make stores to a physical page that now holds translated code take the
 * slow path, which invalidates the code. */
void arm_tlb_protect_code(ArmCPU *cpu, uint32_t phys_page);
/* mmu: an MMU_IDX_*, or -1 for the current one; align: fault on a
 * misaligned address whatever SCTLR.A says. */
uint32_t arm_ld_slow(ArmCPU *cpu, const ArmOp *op, uint32_t addr, int size, int mmu, bool align);
void arm_st_slow(ArmCPU *cpu, const ArmOp *op, uint32_t addr, uint32_t val, int size, int mmu, bool align);
/* Instruction fetch at translate time: returns the instruction, or raises
 * a prefetch abort (longjmp). *phys is its physical address, *is_io set
 * when the page is not RAM. */
uint32_t arm_fetch_code(ArmCPU *cpu, uint32_t vaddr, int size, uint32_t *phys, bool *is_io);
/* Physical page of code at vaddr, or -1 when it is not RAM or does not
 * translate (nothing is raised). */
int64_t arm_get_page_addr_code(ArmCPU *cpu, uint32_t vaddr);
/* Raise a memory fault from op (refunds op and what follows), longjmp. */
void arm_raise_data_abort(ArmCPU *cpu, const ArmOp *op, uint32_t vaddr, uint32_t fsr, bool is_write)
    __attribute__((noreturn));

/* The fast path: a TLB hit on a RAM page at an address aligned for the
 * size; anything else goes the slow way (where the 'a' forms fault on a
 * misaligned address whatever SCTLR.A says). */
static inline uint32_t ld32(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 3))))
        return *(const uint32_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 4, -1, false);
}
static inline uint32_t ld32a(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 3))))
        return *(const uint32_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 4, -1, true);
}
static inline uint32_t ld16(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 1))))
        return *(const uint16_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 2, -1, false);
}
static inline uint32_t ld8(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & PAGE_MASK)))
        return *(const uint8_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 1, -1, false);
}
static inline void st32(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 3))))
        *(uint32_t *)(e->addend + a) = v;
    else
        arm_st_slow(cpu, op, a, v, 4, -1, false);
}
static inline void st32a(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 3))))
        *(uint32_t *)(e->addend + a) = v;
    else
        arm_st_slow(cpu, op, a, v, 4, -1, true);
}
static inline void st16(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 1))))
        *(uint16_t *)(e->addend + a) = (uint16_t)v;
    else
        arm_st_slow(cpu, op, a, v, 2, -1, false);
}
static inline void st8(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & PAGE_MASK)))
        *(uint8_t *)(e->addend + a) = (uint8_t)v;
    else
        arm_st_slow(cpu, op, a, v, 1, -1, false);
}
#endif
