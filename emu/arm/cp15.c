/*
 * The system coprocessors CP15 and CP14 of the ARM926EJ-S: the access check
 * the decoder makes at translate time and the reads and writes the op
 * handlers make at run time. Apart from cpu.c because a write that changes
 * the translation regime flushes the TLB, which sits above the CPU state.
 */
#include "arm/cp15.h"
#include "arm/cpu_state.h"
#include "arm/mem.h"

#define ARM926_MIDR 0x41069265u
#define ARM926_CTR 0x1dd20d2u

int arm_cp_access_kind(const ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2,
                       bool isread, bool user)
{
    (void)cpu;
    if (cp == 14) {
        if (opc1 == 0 && crn == 0 && crm == 0 && opc2 == 0)        /* DBGDIDR */
            return isread ? CP_READ : CP_UNDEF;                     /* PL0_R */
        if (opc1 == 7 && crm == 0 && opc2 == 0 && crn <= 2 && !user) {
            if (crn == 0)                                           /* JIDR */
                return isread ? CP_READ : CP_UNDEF;
            return isread ? CP_READ : CP_WRITE_IGNORE;              /* JOSCR, JMCR */
        }
        return CP_UNDEF;
    }
    if (cp != 15)
        return CP_UNDEF;
    if (crn == 7 && opc1 == 0 && (crm == 10 || crm == 14) && opc2 == 3)
        return isread ? CP_READ : CP_UNDEF;                         /* PL0_R */
    if (user)
        return CP_UNDEF;
    switch (crn) {
    case 0:
        if (opc1 == 0 && crm == 0)
            return isread ? CP_READ : CP_UNDEF;
        if (opc1 == 0 && crm >= 3 && crm <= 7)
            return isread ? CP_READ : CP_UNDEF;
        if (opc1 == 1 && crm == 0)
            return isread ? CP_READ : CP_UNDEF;
        return CP_UNDEF;
    case 1:
        if (opc1 == 0 && crm == 0 && opc2 == 0)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 2:
        if (opc1 == 0 && crm == 0 && opc2 <= 2)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 3:
        return isread ? CP_READ : CP_WRITE_END_TB;
    case 5:
        if (opc1 == 0 && crm == 0 && opc2 <= 1)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 6:
        if (opc1 == 0 && crm == 0 && opc2 == 0)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 7:
        if (opc1 != 0)
            return CP_UNDEF;
        if ((crm == 0 && opc2 == 4) || (crm == 8 && opc2 == 2))
            return isread ? CP_UNDEF : CP_WFI;
        return isread ? CP_UNDEF : CP_NOP;
    case 8:
        if (opc2 <= 3)
            return isread ? CP_UNDEF : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 9:
        if (opc1 == 0 && crm == 0 && opc2 <= 1)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 10:
        if (crm == 0 || crm == 1 || crm == 4 || crm == 8)
            return CP_NOP;
        if (crm == 2 && opc1 == 0 && opc2 <= 1)
            return CP_NOP;
        return CP_UNDEF;
    case 13:
        if (opc1 == 0 && crm == 0 && opc2 <= 1)
            return isread ? CP_READ : CP_WRITE_END_TB;
        return CP_UNDEF;
    case 15:
        return isread ? CP_READ : CP_WRITE_IGNORE;
    default:
        return CP_UNDEF;
    }
}

uint32_t arm_cp_read(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2)
{
    if (cp == 14)
        return 0;
    switch (crn) {
    case 0:
        if (opc1 == 0 && crm == 0) {
            switch (opc2) {
            case 1: return ARM926_CTR;
            case 2: return 0;          /* TCMTR */
            case 3: return 0;          /* TLBTR */
            default: return ARM926_MIDR;
            }
        }
        return 0;
    case 1: return cpu->cp15.sctlr;
    case 2:
        return opc2 == 0 ? cpu->cp15.ttbr0 : opc2 == 1 ? cpu->cp15.ttbr1 : cpu->cp15.ttbcr;
    case 3: return cpu->cp15.dacr;
    case 5: return opc2 == 0 ? cpu->cp15.dfsr : cpu->cp15.ifsr;
    case 6: return cpu->cp15.dfar;
    case 7: return 1u << 30;           /* test (and clean): nothing dirty */
    case 9: return opc2 == 0 ? cpu->cp15.c9_data : cpu->cp15.c9_insn;
    case 13: return opc2 == 0 ? cpu->cp15.fcseidr : cpu->cp15.contextidr;
    default: return 0;
    }
}

void arm_cp_write(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2, uint32_t v)
{
    (void)opc1; (void)crm;
    if (cp != 15)
        return;
    switch (crn) {
    case 1:
        if (cpu->cp15.sctlr != v) {
            cpu->cp15.sctlr = v;
            arm_tlb_flush(cpu);
            arm_rebuild_hflags(cpu);
        }
        break;
    case 2:
        if (opc2 == 0) cpu->cp15.ttbr0 = v;
        else if (opc2 == 1) cpu->cp15.ttbr1 = v;
        else cpu->cp15.ttbcr = v & 7;
        arm_tlb_flush(cpu);
        break;
    case 3:
        if (cpu->cp15.dacr != v) {
            cpu->cp15.dacr = v;
            arm_tlb_flush(cpu);
        }
        break;
    case 5:
        if (opc2 == 0) cpu->cp15.dfsr = v; else cpu->cp15.ifsr = v;
        break;
    case 6: cpu->cp15.dfar = v; break;
    case 8: arm_tlb_flush(cpu); break;     /* TLBIALL / MVA / ASID: flush all */
    case 9:
        if (opc2 == 0) cpu->cp15.c9_data = v; else cpu->cp15.c9_insn = v;
        break;
    case 13:
        if (opc2 == 0) {
            if (cpu->cp15.fcseidr != v) {
                cpu->cp15.fcseidr = v;
                arm_tlb_flush(cpu);
            }
        } else {
            cpu->cp15.contextidr = v;
        }
        break;
    default:
        break;
    }
}

uint32_t arm_cpu_get_cp15(ArmCPU *cpu, int crn, int opc1, int crm, int opc2)
{
    if (crn == 6 && opc2 == 2)
        return cpu->cp15.ifar;
    return arm_cp_read(cpu, 15, opc1, crn, crm, opc2);
}
