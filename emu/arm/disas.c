/* Minimal disassembler for -d in_asm (placeholder, replaced below). */
#include <stdio.h>
#include "arm/arm_int.h"

void arm_disas(char *buf, size_t n, uint32_t pc, uint32_t insn, bool thumb)
{
    (void)pc; (void)thumb;
    snprintf(buf, n, ".word 0x%08x", insn);
}
