/*
 * Exceptions and interrupts: QEMU's exception_index values (the
 * architectural exceptions, then the execution loop's own exits) and
 * interrupt_request bits, and taking them (cpu.c).
 */
#ifndef EMU_ARM_EXCEPTIONS_H
#define EMU_ARM_EXCEPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/cpu.h"

#define CPU_INTERRUPT_HARD 0x0002
#define CPU_INTERRUPT_FIQ 0x0010
#define CPU_INTERRUPT_EXITTB 0x0004

enum {
    EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_PREFETCH_ABORT = 3, EXCP_DATA_ABORT = 4,
    EXCP_IRQ = 5, EXCP_FIQ = 6, EXCP_BKPT = 7, EXCP_SEMIHOST = 16,
    EXCP_INTERRUPT = 0x10000, EXCP_HLT = 0x10001, EXCP_HALTED = 0x10003,
    EXCP_YIELD = 0x10004, EXCP_EXIT_API = 0x10010,
};

/* Take the exception in cpu->exception_index (QEMU's arm_cpu_do_interrupt). */
void arm_do_interrupt(ArmCPU *cpu);
/* Take a pending, unmasked IRQ or FIQ from req; true if one was taken. */
bool arm_exec_interrupt(ArmCPU *cpu, uint32_t req);
/* A `-d int` line. */
void arm_log_int(ArmCPU *cpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
