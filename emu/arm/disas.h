/* The disassembler behind `-d in_asm` (disas.c). */
#ifndef EMU_ARM_DISAS_H
#define EMU_ARM_DISAS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One instruction (a Thumb BL pair as one 32-bit insn) into buf. */
void arm_disas(char *buf, size_t n, uint32_t pc, uint32_t insn, bool thumb);
#endif
