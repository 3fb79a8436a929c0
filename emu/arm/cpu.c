/*
 * ARM926EJ-S CPU state: modes, banked registers, CPSR, exceptions,
 * interrupts and the register accessors of the public API. It is the bottom
 * layer of emu/arm: it calls nothing in the TLB, the block cache, the
 * translator or the VFP (the coprocessors are in cp15.c, creation and reset
 * in cpu_lifecycle.c). Behaviour follows QEMU 7.2's
 * target/arm for the "arm926" CPU model.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "arm/cpu_state.h"
#include "arm/exceptions.h"
#include "arm/psr.h"


void arm_log_int(ArmCPU *cpu, const char *fmt, ...)
{
    if (!log_enabled(cpu->log, LOG_INT))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(cpu->log->f ? cpu->log->f : stderr, fmt, ap);
    va_end(ap);
}

static const char *mode_name(uint32_t psr)
{
    static const char *const names[16] = {
        "usr", "fiq", "irq", "svc", "???", "???", "mon", "abt",
        "???", "???", "hyp", "und", "???", "???", "???", "sys",
    };
    return names[psr & 0xf];
}

int arm_bank_number(int mode)
{
    switch (mode) {
    case MODE_USR: case MODE_SYS: return 0;
    case MODE_SVC: return 1;
    case MODE_ABT: return 2;
    case MODE_UND: return 3;
    case MODE_IRQ: return 4;
    case MODE_FIQ: return 5;
    default: return 0;
    }
}

uint32_t arm_cpsr_read(const ArmCPU *cpu)
{
    return cpu->uncached_cpsr | (cpu->NF & 0x80000000u) | ((uint32_t)(cpu->ZF == 0) << 30) |
           (cpu->CF << 29) | ((cpu->VF & 0x80000000u) >> 3) | (cpu->QF << 27) |
           (cpu->thumb << 5) | (cpu->daif & CPSR_AIF);
}

void arm_rebuild_hflags(ArmCPU *cpu)
{
    int mmu = arm_mmu_idx(cpu);
    uint32_t f = (mmu == MMU_IDX_USER ? 0u : 2u) << TBF_MMUIDX_SHIFT;
    if (cpu->cp15.sctlr & SCTLR_A)
        f |= TBF_ALIGN;
    if (cpu->thumb)
        f |= TBF_THUMB;
    f |= (cpu->vfp.vec_len << TBF_VECLEN_SHIFT) | (cpu->vfp.vec_stride << TBF_VECSTRIDE_SHIFT);
    if (cpu->vfp.fpexc & FPEXC_EN)
        f |= TBF_VFPEN;
    cpu->tb_flags = f;
    cpu->cur_tlb = cpu->tlb[mmu];
}

void arm_switch_mode(ArmCPU *cpu, int mode)
{
    int old = cpu->uncached_cpsr & CPSR_M;
    if (mode == old)
        return;
    if (old == MODE_FIQ) {
        memcpy(cpu->fiq_regs, cpu->r + 8, 5 * sizeof(uint32_t));
        memcpy(cpu->r + 8, cpu->usr_regs, 5 * sizeof(uint32_t));
    } else if (mode == MODE_FIQ) {
        memcpy(cpu->usr_regs, cpu->r + 8, 5 * sizeof(uint32_t));
        memcpy(cpu->r + 8, cpu->fiq_regs, 5 * sizeof(uint32_t));
    }
    int i = arm_bank_number(old);
    cpu->banked_r13[i] = cpu->r[13];
    cpu->banked_r14[i] = cpu->r[14];
    cpu->banked_spsr[i] = cpu->spsr;
    i = arm_bank_number(mode);
    cpu->r[13] = cpu->banked_r13[i];
    cpu->r[14] = cpu->banked_r14[i];
    cpu->spsr = cpu->banked_spsr[i];
}

static bool bad_mode_switch(int mode)
{
    switch (mode) {
    case MODE_USR: case MODE_SYS: case MODE_SVC: case MODE_ABT:
    case MODE_UND: case MODE_IRQ: case MODE_FIQ:
        return false;
    default:
        return true;
    }
}

void arm_cpsr_write(ArmCPU *cpu, uint32_t val, uint32_t mask, CpsrWriteType t)
{
    if (mask & CPSR_NZCV) {
        cpu->ZF = (~val) & (1u << 30);
        cpu->NF = val;
        cpu->CF = (val >> 29) & 1;
        cpu->VF = (val << 3) & 0x80000000u;
    }
    if (mask & CPSR_Q)
        cpu->QF = (val & CPSR_Q) != 0;
    if (mask & CPSR_T)
        cpu->thumb = (val & CPSR_T) != 0;
    cpu->daif &= ~(CPSR_AIF & mask);
    cpu->daif |= val & CPSR_AIF & mask;
    if (t != CPSR_WRITE_RAW && ((cpu->uncached_cpsr ^ val) & mask & CPSR_M)) {
        if ((cpu->uncached_cpsr & CPSR_M) == MODE_USR) {
            mask &= ~CPSR_M;
        } else if (bad_mode_switch(val & CPSR_M)) {
            mask &= ~CPSR_M;
        } else {
            arm_log_int(cpu, "%s %s to %s PC 0x%x\n",
                        t == CPSR_WRITE_ERET ? "Exception return from AArch32"
                                             : "AArch32 mode switch from",
                        mode_name(cpu->uncached_cpsr), mode_name(val), cpu->r[15]);
            arm_switch_mode(cpu, val & CPSR_M);
        }
    } else if (t == CPSR_WRITE_RAW && ((cpu->uncached_cpsr ^ val) & mask & CPSR_M)) {
        arm_switch_mode(cpu, val & CPSR_M);
    }
    mask &= ~(CPSR_T | CPSR_AIF | CPSR_Q | CPSR_NZCV);
    cpu->uncached_cpsr = (cpu->uncached_cpsr & ~mask) | (val & mask);
    arm_rebuild_hflags(cpu);
}

/* ---- exceptions ---- */

static const char *excp_name(int idx)
{
    switch (idx) {
    case EXCP_UDEF: return "Undefined Instruction";
    case EXCP_SWI: return "SVC";
    case EXCP_PREFETCH_ABORT: return "Prefetch Abort";
    case EXCP_DATA_ABORT: return "Data Abort";
    case EXCP_IRQ: return "IRQ";
    case EXCP_FIQ: return "FIQ";
    case EXCP_BKPT: return "Breakpoint";
    case EXCP_SEMIHOST: return "Semihosting call";
    default: return "unknown";
    }
}

/* QEMU's take_aarch32_exception() */
static void take_exception(ArmCPU *cpu, int new_mode, uint32_t mask, uint32_t offset,
                           uint32_t newpc)
{
    uint32_t old = arm_cpsr_read(cpu);
    arm_switch_mode(cpu, new_mode);
    cpu->spsr = old;
    cpu->uncached_cpsr = (cpu->uncached_cpsr & ~CPSR_M) | (uint32_t)new_mode;
    cpu->uncached_cpsr &= ~(CPSR_IL | CPSR_J);
    cpu->daif |= mask;
    /* QEMU: "a lie, as there was no c1_sys on V4T/V5" -- SCTLR.TE */
    cpu->thumb = (cpu->cp15.sctlr & (1u << 30)) != 0;
    cpu->r[14] = cpu->r[15] + offset;
    cpu->r[15] = newpc;
    arm_rebuild_hflags(cpu);
}

void arm_do_interrupt(ArmCPU *cpu)
{
    int idx = cpu->exception_index;
    int cur_el = arm_is_user(cpu) ? 0 : 1;

    arm_log_int(cpu, "Taking exception %d [%s] on CPU 0\n", idx, excp_name(idx));
    if (idx != EXCP_SEMIHOST)
        cpu->target_el = 1;
    arm_log_int(cpu, "...from EL%d to EL%d\n", cur_el, cpu->target_el);
    if (idx != EXCP_SEMIHOST)
        arm_log_int(cpu, "...with ESR 0x%x/0x%x\n", cpu->syndrome >> 26, cpu->syndrome);

    if (idx == EXCP_SEMIHOST) {
        /* QEMU: handle_semihosting(), then PC += insn length */
        arm_log_int(cpu, "...handling as semihosting call 0x%x\n", cpu->r[0]);
        cpu->r[15] += cpu->thumb ? 2 : 4;
        if (cpu->semihost)
            cpu->semihost(cpu->semihost_opaque, cpu);
        return;
    }

    uint32_t addr, mask, offset;
    int new_mode;
    switch (idx) {
    case EXCP_UDEF:
        new_mode = MODE_UND; addr = 0x04; mask = CPSR_I;
        offset = cpu->thumb ? 2 : 4;
        break;
    case EXCP_SWI:
        new_mode = MODE_SVC; addr = 0x08; mask = CPSR_I; offset = 0;
        break;
    case EXCP_BKPT:
    case EXCP_PREFETCH_ABORT:
        cpu->cp15.ifsr = cpu->exc_fsr;
        cpu->cp15.ifar = cpu->exc_vaddr;
        arm_log_int(cpu, "...with IFSR 0x%x IFAR 0x%x\n", cpu->exc_fsr, cpu->exc_vaddr);
        new_mode = MODE_ABT; addr = 0x0c; mask = CPSR_A | CPSR_I; offset = 4;
        break;
    case EXCP_DATA_ABORT:
        cpu->cp15.dfsr = cpu->exc_fsr;
        cpu->cp15.dfar = cpu->exc_vaddr;
        arm_log_int(cpu, "...with DFSR 0x%x DFAR 0x%x\n", cpu->exc_fsr, cpu->exc_vaddr);
        new_mode = MODE_ABT; addr = 0x10; mask = CPSR_A | CPSR_I; offset = 8;
        break;
    case EXCP_IRQ:
        new_mode = MODE_IRQ; addr = 0x18; mask = CPSR_A | CPSR_I; offset = 4;
        break;
    case EXCP_FIQ:
        new_mode = MODE_FIQ; addr = 0x1c; mask = CPSR_A | CPSR_I | CPSR_F; offset = 4;
        break;
    default:
        fprintf(stderr, "emu-arm: unhandled exception 0x%x\n", idx);
        abort();
    }
    if (cpu->cp15.sctlr & SCTLR_V)
        addr += 0xffff0000u;
    take_exception(cpu, new_mode, mask, offset, addr);
    cpu->interrupt_request |= CPU_INTERRUPT_EXITTB;
}

/* QEMU's arm_cpu_exec_interrupt(): FIQ before IRQ, CPSR masks. */
bool arm_exec_interrupt(ArmCPU *cpu, uint32_t req)
{
    if ((req & CPU_INTERRUPT_FIQ) && !(cpu->daif & CPSR_F)) {
        cpu->exception_index = EXCP_FIQ;
    } else if ((req & CPU_INTERRUPT_HARD) && !(cpu->daif & CPSR_I)) {
        cpu->exception_index = EXCP_IRQ;
    } else {
        return false;
    }
    arm_do_interrupt(cpu);
    return true;
}

/* ---- public API ---- */

uint32_t arm_cpu_get_reg(ArmCPU *cpu, int n)
{
    return cpu->r[n & 15];
}

void arm_cpu_set_reg(ArmCPU *cpu, int n, uint32_t v)
{
    if ((n & 15) == 15)
        v &= cpu->thumb ? ~1u : ~3u;
    cpu->r[n & 15] = v;
}

uint32_t arm_cpu_get_cpsr(ArmCPU *cpu) { return arm_cpsr_read(cpu); }
uint32_t arm_cpu_get_spsr(ArmCPU *cpu) { return cpu->spsr; }
bool arm_cpu_is_thumb(ArmCPU *cpu) { return cpu->thumb != 0; }
IcountDecr *arm_cpu_icount_decr(ArmCPU *cpu) { return &cpu->icount_decr; }
uint64_t arm_cpu_get_vfp_d(ArmCPU *cpu, int n) { return cpu->vfp.d[n & 15]; }
void arm_cpu_set_vfp_d(ArmCPU *cpu, int n, uint64_t v) { cpu->vfp.d[n & 15] = v; }

void arm_cpu_set_semihost(ArmCPU *cpu, void (*fn)(void *opaque, ArmCPU *cpu), void *opaque)
{
    cpu->semihost = fn;
    cpu->semihost_opaque = opaque;
}

void arm_cpu_set_irq(void *opaque, int n, int level)
{
    ArmCPU *cpu = opaque;
    uint32_t mask = n ? CPU_INTERRUPT_FIQ : CPU_INTERRUPT_HARD;
    if (level) {
        cpu->interrupt_request |= mask;
        /* QEMU's cpu_interrupt() from the vCPU thread */
        cpu->icount_decr.u16.high = 0xffff;
    } else {
        cpu->interrupt_request &= ~mask;
    }
}

void arm_cpu_kick(void *opaque)
{
    ArmCPU *cpu = opaque;
    cpu->exit_request = 1;
    cpu->icount_decr.u16.high = 0xffff;
}

void arm_cpu_request_exit(ArmCPU *cpu)
{
    cpu->exit_api = 1;
    arm_cpu_kick(cpu);
}

bool arm_cpu_halted(ArmCPU *cpu) { return cpu->halted; }

bool arm_cpu_has_work(ArmCPU *cpu)
{
    return (cpu->interrupt_request &
            (CPU_INTERRUPT_FIQ | CPU_INTERRUPT_HARD | CPU_INTERRUPT_EXITTB)) != 0;
}

const ArmCPUStats *arm_cpu_stats(ArmCPU *cpu) { return &cpu->stats; }

void arm_cpu_dump_state(ArmCPU *cpu, FILE *f)
{
    for (int i = 0; i < 16; i++)
        fprintf(f, "R%02d=%08x%c", i, cpu->r[i], (i % 4) == 3 ? '\n' : ' ');
    uint32_t psr = arm_cpsr_read(cpu);
    fprintf(f, "PSR=%08x %c%c%c%c %c %s%d\n", psr,
            psr & (1u << 31) ? 'N' : '-', psr & (1u << 30) ? 'Z' : '-',
            psr & (1u << 29) ? 'C' : '-', psr & (1u << 28) ? 'V' : '-',
            psr & CPSR_T ? 'T' : 'A', mode_name(psr), (psr & 0x10) ? 32 : 26);
}
