/*
 * System coprocessors (CP15, CP14): the access check the decoder makes at
 * translate time, and the reads and writes the op handlers make at run
 * time (cp15.c). The SCTLR bits the core reads are in cpu_state.h.
 */
#ifndef EMU_ARM_CP15_H
#define EMU_ARM_CP15_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu.h"

/* What an MRC/MCR does, decided at translate time: CP_UNDEF for an
 * undefined or forbidden access. */
enum { CP_UNDEF = 0, CP_NOP, CP_READ, CP_WRITE_END_TB, CP_WFI, CP_WRITE_IGNORE };
int arm_cp_access_kind(const ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2,
                       bool isread, bool user);
uint32_t arm_cp_read(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2);
void arm_cp_write(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2, uint32_t v);
#endif
