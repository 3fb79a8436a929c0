/*
 * Creating, resetting and freeing an ArmCPU. This is the top of emu/arm:
 * a reset reaches every layer (VFP, TLB, block cache), so it lives above
 * them instead of in the CPU state code they all build on.
 */
#include <stdlib.h>
#include <string.h>
#include "arm/cp15.h"
#include "arm/cpu_state.h"
#include "arm/exceptions.h"
#include "arm/mem.h"
#include "arm/psr.h"
#include "arm/tb_cache.h"
#include "arm/vfp.h"

ArmCPU *arm_cpu_new(Bus *bus, Icount *ic, Log *log, const ArmCPUConfig *cfg)
{
    ArmCPU *cpu = aligned_alloc(64, (sizeof(ArmCPU) + 63) & ~(size_t)63);
    if (!cpu)
        return NULL;
    memset(cpu, 0, sizeof(*cpu));
    cpu->bus = bus;
    cpu->ic = ic;
    cpu->log = log;
    if (cfg)
        cpu->cfg = *cfg;
    cpu->ram = bus->ram;
    cpu->ram_size = bus->ram_size;
    if (ic) {
        if (ic->decr)
            cpu->icount_decr.u32 = ic->decr->u32;
        ic->decr = &cpu->icount_decr;
        if (!ic->kick) {
            ic->kick = arm_cpu_kick;
            ic->kick_opaque = cpu;
        }
    }
    uint32_t bytes = cpu->cfg.tb_cache_bytes ? cpu->cfg.tb_cache_bytes : 32u << 20;
    cpu->tbc = tbc_new(cpu, bytes, bus->ram_size);
    if (!cpu->tbc) {
        free(cpu);
        return NULL;
    }
    arm_cpu_reset(cpu, 0);
    return cpu;
}

void arm_cpu_free(ArmCPU *cpu)
{
    if (!cpu)
        return;
    if (cpu->ic && cpu->ic->decr == &cpu->icount_decr)
        cpu->ic->decr = NULL;
    tbc_free(cpu->tbc);
    free(cpu);
}

void arm_cpu_reset(ArmCPU *cpu, uint32_t entry)
{
    memset(cpu->r, 0, sizeof(cpu->r));
    memset(cpu->banked_r13, 0, sizeof(cpu->banked_r13));
    memset(cpu->banked_r14, 0, sizeof(cpu->banked_r14));
    memset(cpu->banked_spsr, 0, sizeof(cpu->banked_spsr));
    memset(cpu->usr_regs, 0, sizeof(cpu->usr_regs));
    memset(cpu->fiq_regs, 0, sizeof(cpu->fiq_regs));
    cpu->spsr = 0;
    cpu->NF = cpu->CF = cpu->VF = cpu->QF = 0;
    cpu->ZF = 0;            /* QEMU zeroes env: Z reads as set */
    cpu->uncached_cpsr = MODE_SVC;
    cpu->daif = CPSR_AIF;
    memset(&cpu->cp15, 0, sizeof(cpu->cp15));
    cpu->cp15.sctlr = SCTLR_RESET;
    cpu->thumb = entry & 1;
    cpu->r[15] = entry & ~1u;
    cpu->exception_index = -1;
    cpu->interrupt_request &= CPU_INTERRUPT_HARD | CPU_INTERRUPT_FIQ;
    cpu->halted = false;
    cpu->exit_request = 0;
    cpu->exit_api = 0;
    cpu->cflags_next_tb = -1;
    cpu->io_stop = false;
    cpu->syndrome = 0;
    vfp_reset(cpu);
    arm_rebuild_hflags(cpu);
    arm_tlb_flush(cpu);
    tbc_flush(cpu);
}
