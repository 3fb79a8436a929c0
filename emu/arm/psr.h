/*
 * Program status: the CPSR bits and processor modes of an ARMv5 core, and
 * the CPSR reads, writes and mode switches (with register banking) that
 * cpu.c implements.
 */
#ifndef EMU_ARM_PSR_H
#define EMU_ARM_PSR_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu.h"

#define CPSR_M 0x1fu
#define CPSR_T (1u << 5)
#define CPSR_F (1u << 6)
#define CPSR_I (1u << 7)
#define CPSR_A (1u << 8)
#define CPSR_AIF (CPSR_A | CPSR_I | CPSR_F)
#define CPSR_IL (1u << 20)
#define CPSR_J (1u << 24)
#define CPSR_Q (1u << 27)
#define CPSR_NZCV 0xf0000000u
#define CPSR_USER (CPSR_NZCV | CPSR_Q)
#define CPSR_EXEC (CPSR_T | CPSR_J | CPSR_IL)
/* aarch32_cpsr_valid_mask() for arm926 (V4T, V5, Jazelle) */
#define CPSR_VALID (CPSR_M | CPSR_AIF | CPSR_IL | CPSR_NZCV | CPSR_T | CPSR_Q | CPSR_J)

#define MODE_USR 0x10
#define MODE_FIQ 0x11
#define MODE_IRQ 0x12
#define MODE_SVC 0x13
#define MODE_ABT 0x17
#define MODE_UND 0x1b
#define MODE_SYS 0x1f

uint32_t arm_cpsr_read(const ArmCPU *cpu);
typedef enum { CPSR_WRITE_INSN, CPSR_WRITE_ERET, CPSR_WRITE_RAW } CpsrWriteType;
void arm_cpsr_write(ArmCPU *cpu, uint32_t val, uint32_t mask, CpsrWriteType t);
void arm_switch_mode(ArmCPU *cpu, int mode);
/* Index of a mode's banked SPSR/r13/r14 (QEMU's bank_number). */
int arm_bank_number(int mode);
#endif
