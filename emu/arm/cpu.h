/*
 * ARM926EJ-S (ARMv5TEJ) CPU for the versatilepb emulator.
 *
 * Guest code runs as QEMU 7.2 runs it: translated once into translation
 * blocks (TBs) of pre-decoded ops, with the same TB boundaries and the same
 * exact instruction counting (icount), so that counts, `-d exec` traces and
 * timer behaviour match `qemu-system-arm -M versatilepb -icount ...`.
 *
 * Everything hangs off the ArmCPU object: several CPUs may coexist.
 */
#ifndef EMU_ARM_CPU_H
#define EMU_ARM_CPU_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/bus.h"
#include "icount.h"
#include "log.h"

typedef struct ArmCPU ArmCPU;

/* How a device access in the middle of a TB keeps the count exact. */
typedef enum ArmIoMode {
    /* QEMU's: refund the rest of the TB, re-execute the access alone in a
     * one-instruction CF_LAST_IO TB. */
    ARM_IO_RECOMPILE = 0,
    /* Cheap: refund the rest of the TB around the device call; end the TB
     * after the access only if it kicked the CPU. Same counts. */
    ARM_IO_INDEX = 1,
} ArmIoMode;

/* Which TB exits jump straight to the next TB instead of returning to the
 * execution loop: what decides how often a per-exit policy reads the clock. */
typedef enum ArmChainModel {
    ARM_CHAIN_MODERN = 0,   /* direct jumps, and indirect ones through the jump cache (QEMU >= 2.10) */
    ARM_CHAIN_QEMU21 = 1,   /* direct jumps within a page only (QEMU 2.1) */
    ARM_CHAIN_NONE = 2,     /* every TB returns to the loop */
} ArmChainModel;

typedef struct ArmCPUConfig {
    ArmIoMode io_mode;
    uint32_t tb_cache_bytes;   /* TB arena size; 0 = default (32 MiB) */
    bool semihosting;          /* SVC 0x123456 (ARM) / 0xAB (Thumb) -> hook */
    bool semihosting_user;     /* also from user mode (QEMU: userspace=on) */
    /* ARMv5 legacy rotation of unaligned LDR. QEMU 7.2 does not rotate (it
     * performs a true unaligned load), so the default false matches QEMU. */
    bool unaligned_rotate;
    /* Accesses to unmapped physical addresses (no RAM, no device): QEMU's
     * versatilepb sets ignore_memory_transaction_failures, so reads return
     * 0, writes are ignored and code fetches read 0 (default false). When
     * true they raise external aborts (data abort DFSR=0x8 / prefetch abort
     * IFSR=0x8), as on hardware. */
    bool bus_error_abort;
    ArmChainModel chain;
} ArmCPUConfig;

/* Return values of arm_cpu_exec(). */
enum {
    ARM_EXCP_INTERRUPT = 0x10000,  /* budget exhausted or exit requested */
    ARM_EXCP_HLT       = 0x10001,  /* WFI: halted until arm_cpu_has_work() */
    ARM_EXCP_EXIT      = 0x10010,  /* arm_cpu_request_exit() */
};

typedef struct ArmCPUStats {
    uint64_t tbs_executed;     /* TB executions (chained or not) */
    uint64_t tbs_translated;
    uint64_t io_recompiles;    /* ARM_IO_RECOMPILE rewinds */
    uint64_t io_accesses;      /* device (MMIO) accesses */
    uint64_t loop_exits;       /* returns to the execution loop */
    uint64_t cache_flushes;
    uint64_t tbs_invalidated;  /* by writes to code (SMC, loading) */
} ArmCPUStats;

/* Creates a CPU on `bus`. The CPU owns the icount decrementer: `ic->decr` is
 * re-pointed at it (value preserved), and if ic->kick is NULL it is set to
 * arm_cpu_kick. `log` may be NULL. `cfg` may be NULL (defaults). */
ArmCPU *arm_cpu_new(Bus *bus, Icount *ic, Log *log, const ArmCPUConfig *cfg);
void arm_cpu_free(ArmCPU *cpu);
/* Reset: SVC mode, IRQ/FIQ (and A) masked, Thumb if entry&1, PC=entry&~1;
 * CP15 back to reset values, TB cache and TLB flushed. */
void arm_cpu_reset(ArmCPU *cpu, uint32_t entry);

/* Registers in the current mode's view; r15 is the PC of the next
 * instruction to run. Setting r15 does not change the Thumb state. */
uint32_t arm_cpu_get_reg(ArmCPU *cpu, int n);
void arm_cpu_set_reg(ArmCPU *cpu, int n, uint32_t v);
uint32_t arm_cpu_get_cpsr(ArmCPU *cpu);
bool arm_cpu_is_thumb(ArmCPU *cpu);
/* Banked/system state for tests and debuggers. */
uint32_t arm_cpu_get_spsr(ArmCPU *cpu);          /* current mode's SPSR */
uint32_t arm_cpu_get_cp15(ArmCPU *cpu, int crn, int opc1, int crm, int opc2);
IcountDecr *arm_cpu_icount_decr(ArmCPU *cpu);
/* VFP state for tests and debuggers: d0-d15, and the system registers by
 * their VMRS number (0 FPSID, 1 FPSCR, 8 FPEXC, 9 FPINST, 10 FPINST2). */
uint64_t arm_cpu_get_vfp_d(ArmCPU *cpu, int n);
void arm_cpu_set_vfp_d(ArmCPU *cpu, int n, uint64_t v);
uint32_t arm_cpu_get_vfp_sysreg(ArmCPU *cpu, int reg);

/* Debug access through the CPU's address translation: 0 or -1. Writes
 * invalidate translated code. */
int arm_cpu_rw_debug(ArmCPU *cpu, uint32_t vaddr, void *buf, uint32_t len,
                     bool is_write);

/* Bus.ram_written hook: a bus master (DMA) wrote physical RAM, so drop
 * the translated code it overwrote. opaque is the ArmCPU. */
void arm_cpu_ram_written(void *opaque, uint32_t paddr, uint32_t len);

/* Semihosting hook (enabled by cfg.semihosting): called instead of the SWI
 * exception, with the PC already past the SVC; reads/writes r0/r1 with
 * arm_cpu_get_reg/set_reg. The SVC counts as an executed instruction. */
void arm_cpu_set_semihost(ArmCPU *cpu, void (*fn)(void *opaque, ArmCPU *cpu),
                          void *opaque);

/* IrqHandler (hw/irq.h): n = 0 IRQ, 1 FIQ. */
void arm_cpu_set_irq(void *opaque, int n, int level);
/* Leave arm_cpu_exec() at the next TB boundary (QEMU's cpu_exit); usable as
 * Icount's kick callback. */
void arm_cpu_kick(void *cpu);
/* Leave arm_cpu_exec() at the next TB boundary returning ARM_EXCP_EXIT. */
void arm_cpu_request_exit(ArmCPU *cpu);
bool arm_cpu_halted(ArmCPU *cpu);
/* An IRQ or FIQ line is raised (masked or not, as QEMU's cpu_has_work). */
bool arm_cpu_has_work(ArmCPU *cpu);

const ArmCPUStats *arm_cpu_stats(ArmCPU *cpu);

/* Runs until the budget is exhausted, an exit is requested, or WFI. */
int arm_cpu_exec(ArmCPU *cpu);

/* Register dump in QEMU 7.2's arm_cpu_dump_state format. */
void arm_cpu_dump_state(ArmCPU *cpu, FILE *f);

#endif
