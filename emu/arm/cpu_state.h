/*
 * The ArmCPU object, for the code that implements the core (emu/arm);
 * everyone else sees only arm/cpu.h.
 */
#ifndef EMU_ARM_CPU_STATE_H
#define EMU_ARM_CPU_STATE_H
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu.h"
#include "arm/psr.h"
#include "arm/tb.h"
#include "arm/tlb.h"
#include "arm/vfp_state.h"
#include "hw/bus.h"
#include "icount.h"
#include "log.h"

/* What the memory layer (mem.c) needs from the cache of translated code:
 * the cache installs these in tbc_new, so mem.c, which the cache and the
 * translator sit on, never calls up into it by name. Only slow paths (TLB
 * fill and flush, stores to pages holding code) go through them. */
/* The SCTLR bits the core reads; with the CP15 registers below rather than
 * in cp15.h, so the TLB and the CPU state need not include the coprocessor
 * layer that sits above them. */
#define SCTLR_M (1u << 0)
#define SCTLR_A (1u << 1)
#define SCTLR_V (1u << 13)
#define SCTLR_RESET 0x00090078u

typedef struct ArmCodeHooks {
    void (*flush_jmp_cache)(ArmCPU *cpu);
    bool (*page_has_code)(ArmCPU *cpu, uint32_t phys_page);
    /* A write to physical [addr, addr+len): true while the page still
     * holds code. */
    bool (*invalidate_phys_range)(ArmCPU *cpu, uint32_t addr, uint32_t len);
} ArmCodeHooks;

struct ArmCPU {
    /* hot state first */
    uint32_t r[16];
    uint32_t NF, ZF, CF, VF;     /* QEMU layout: N=NF[31], Z=(ZF==0), C=CF, V=VF[31] */
    uint32_t QF;
    IcountDecr icount_decr;
    uint32_t tb_flags;
    uint32_t thumb;
    ArmTLBEntry *cur_tlb;
    uint8_t *ram;
    uint32_t ram_size;
    bool io_stop;                /* ARM_IO_INDEX: stop after this insn */
    int chain_left;              /* direct TB-to-TB jumps left before the loop */
    bool ptr_chain;              /* goto_ptr may jump directly (no exec/cpu log) */
    uint32_t curr_cflags;        /* QEMU's curr_cflags(), set on exec entry */
    TB **jmp_cache;              /* tbc's jump cache */
    const TB *cur_tb;

    /* CPSR pieces */
    uint32_t uncached_cpsr;      /* M, J, IL and other bits */
    uint32_t daif;               /* A I F */
    uint32_t spsr;
    uint32_t banked_spsr[8];
    uint32_t banked_r13[8], banked_r14[8];
    uint32_t usr_regs[5], fiq_regs[5];

    /* CP15 */
    struct {
        uint32_t sctlr, ttbr0, ttbr1, ttbcr, dacr;
        uint32_t dfsr, ifsr, dfar, ifar;
        uint32_t fcseidr, contextidr, c9_data, c9_insn;
    } cp15;

    ArmVFP vfp;

    /* exceptions */
    int exception_index;
    uint32_t syndrome, exc_fsr, exc_vaddr;
    int target_el;               /* QEMU's exception.target_el (stale for semihosting) */
    uint32_t interrupt_request;
    bool halted;
    volatile int exit_request;
    volatile int exit_api;
    int64_t cflags_next_tb;      /* -1: none */
    jmp_buf jmp_env;

    ArmTLBEntry tlb[MMU_IDX_N][TLB_SIZE];

    Bus *bus;
    Icount *ic;
    Log *log;
    ArmCPUConfig cfg;
    void (*semihost)(void *opaque, ArmCPU *cpu);
    void *semihost_opaque;
    ArmCPUStats stats;
    TBCache *tbc;
    const ArmCodeHooks *code_hooks;  /* NULL until tbc_new */
};

static inline bool arm_is_user(const ArmCPU *cpu) { return (cpu->uncached_cpsr & CPSR_M) == MODE_USR; }
static inline int arm_mmu_idx(const ArmCPU *cpu) { return arm_is_user(cpu) ? MMU_IDX_USER : MMU_IDX_PRIV; }
#endif
