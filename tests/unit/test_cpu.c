/*
 * CPU + TB engine unit tests (ARM926EJ-S, QEMU 7.2 behaviour and icount).
 *
 * Each test builds its own Bus + Icount + ArmCPU, loads a small guest
 * program (assembled with arm-none-eabi-as; the listings are kept next to
 * the words) and checks registers, memory and exact instruction counts.
 * The expected values were cross-checked against qemu-system-arm 7.2
 * (-d exec,cpu,int traces identical) where QEMU can run the program.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arm/cpu.h"
#include "hw/bus.h"
#include "icount.h"
#include "log.h"
#include "timer.h"
#include "cpu_env.h"

static int n_test, n_fail;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    n_test++;
    printf("%s %d - ", ok ? "ok" : "not ok", n_test);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok)
        n_fail++;
}

#define CHECK_EQ(a, b, what)                                                     \
    do {                                                                         \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
        check(a_ == b_, "%s (got 0x%llx, want 0x%llx)", what, a_, b_);           \
    } while (0)

/* p_alu @0x1000 (arm):
 *   mov r0, #0x80000000
 *   adds r1, r0, r0        @ 0: Z C V
 *   mrs r2, cpsr
 *   mvn r3, #0
 *   adds r4, r3, #1        @ 0: Z C
 *   mrs r5, cpsr
 *   mov r6, #5
 *   subs r7, r6, #7        @ -2: N
 *   mrs r8, cpsr
 *   movs r9, r6, lsl #31   @ C = bit 1 of 5 = 0
 *   mrs r10, cpsr
 *   rsbs r11, r6, #0       @ borrow: C = 0
 *   sbc r12, r6, #1        @ 5 - 1 - 1
 *   mov r0, #0x18
 *   svc 0x123456
 */
static const uint32_t p_alu[] = {
    0xe3a00102, 0xe0901000, 0xe10f2000, 0xe3e03000, 0xe2934001, 0xe10f5000,
    0xe3a06005, 0xe2567007, 0xe10f8000, 0xe1b09f86, 0xe10fa000, 0xe276b000,
    0xe2c6c001, 0xe3a00018, 0xef123456,
};
/* p_ldst @0x1000 (arm):
 *   mov sp, #0x8000
 *   ldr r0, =data
 *   ldr r1, [r0]
 *   ldr r2, [r0, #4]!
 *   ldr r3, [r0], #-4
 *   ldrb r4, [r0, #1]
 *   ldrsb r5, [r0, #3]
 *   ldrh r6, [r0, #2]
 *   ldrsh r7, [r0, #6]
 *   mov r8, #2
 *   ldr r9, [r0, r8, lsl #1]
 *   str r1, [r0, #8]
 *   strb r1, [r0, #12]
 *   strh r1, [r0, #14]
 *   ldrd r10, r11, [r0]
 *   ldr r12, [r0, #1]      @ unaligned: QEMU loads bytes 1..4, no rotation
 *   stmdb sp!, {r1, r2}
 *   ldmia sp!, {r8, r9}
 *   mov r0, #0x18
 *   svc 0x123456
 *   .align 3
 *   data: .word 0x80ff7f01, 0x12348765, 0, 0
 */
static const uint32_t p_ldst[] = {
    0xe3a0d902, 0xe59f0054, 0xe5901000, 0xe5b02004, 0xe4103004, 0xe5d04001,
    0xe1d050d3, 0xe1d060b2, 0xe1d070f6, 0xe3a08002, 0xe7909088, 0xe5801008,
    0xe5c0100c, 0xe1c010be, 0xe1c0a0d0, 0xe590c001, 0xe92d0006, 0xe8bd0300,
    0xe3a00018, 0xef123456, 0x80ff7f01, 0x12348765, 0x00000000, 0x00000000,
    0x00001050,
};
/* p_loop @0x1000 (arm):
 *   1: add r0, r0, #1
 *   add r1, r1, #2
 *   b 1b
 */
static const uint32_t p_loop[] = {
    0xe2800001, 0xe2811002, 0xeafffffc,
};
/* p_mmio @0x1000 (arm):
 *   mov r0, #0
 *   mov r1, #0x20000000    @ test device
 *   add r0, r0, #1
 *   add r0, r0, #1
 *   ldr r2, [r1]           @ 5th insn: the device must see count 5
 *   add r0, r0, #1
 *   str r2, [r1, #4]       @ 7th insn
 *   add r0, r0, #1
 *   mov r0, #0x18
 *   svc 0x123456
 */
static const uint32_t p_mmio[] = {
    0xe3a00000, 0xe3a01202, 0xe2800001, 0xe2800001, 0xe5912000, 0xe2800001,
    0xe5812004, 0xe2800001, 0xe3a00018, 0xef123456,
};
/* p_smc @0x1000 (arm):
 *   ldr r1, =patch
 *   ldr r2, =0xe3a03007    @ mov r3, #7
 *   mov r3, #0
 *   str r2, [r1]           @ patches the insn below, in this very TB
 *   patch:
 *   mov r3, #1             @ QEMU (no precise SMC) still runs the old insn
 *   mov r4, r3
 *   ldr r1, =patch2
 *   str r2, [r1]
 *   b patch2
 *   patch2:
 *   mov r3, #2             @ new TB: runs the patched insn
 *   mov r0, #0x18
 *   svc 0x123456
 */
static const uint32_t p_smc[] = {
    0xe59f1028, 0xe59f2028, 0xe3a03000, 0xe5812000, 0xe3a03001, 0xe1a04003,
    0xe59f1018, 0xe5812000, 0xeaffffff, 0xe3a03002, 0xe3a00018, 0xef123456,
    0x00001010, 0xe3a03007, 0x00001024,
};
/* p_exc @0x0 (arm):
 *   b reset
 *   b und_h
 *   b swi_h
 *   b pabt_h
 *   b dabt_h
 *   nop
 *   b irq_h
 *   b fiq_h
 *   reset:
 *   msr cpsr_c, #0xd1      @ FIQ mode
 *   mov r8, #0x81
 *   mov sp, #0x3000
 *   msr cpsr_c, #0xd2      @ IRQ mode
 *   mov sp, #0x3100
 *   msr cpsr_c, #0xd3      @ SVC
 *   mov r8, #0x88
 *   mov sp, #0x3200
 *   svc 0x55
 *   .word 0xe7f000f0       @ undefined
 *   mov r0, #1
 *   ldm r0, {r1, r2}       @ alignment fault -> data abort (not counted)
 *   msr cpsr_c, #0x53      @ unmask IRQ: a pending IRQ is taken right after
 *   nop
 *   nop
 *   msr cpsr_c, #0xd1
 *   mov r5, r8             @ FIQ bank r8
 *   msr cpsr_c, #0xd3
 *   mov r0, #0x18
 *   svc 0x123456
 *   und_h:
 *   mov r9, lr
 *   movs pc, lr
 *   swi_h:
 *   mov r10, lr
 *   mrs r11, spsr
 *   movs pc, lr
 *   pabt_h:
 *   subs pc, lr, #4
 *   dabt_h:
 *   mov r12, lr
 *   subs pc, lr, #4        @ resumes after the faulting ldm
 *   irq_h:
 *   mov r6, lr
 *   mov r7, #0x20000000
 *   str r7, [r7, #8]       @ test device: lower the IRQ line
 *   subs pc, lr, #4
 *   fiq_h:
 *   subs pc, lr, #4
 */
static const uint32_t p_exc[] = {
    0xea000006, 0xea000019, 0xea00001a, 0xea00001c, 0xea00001c, 0xe1a00000,
    0xea00001c, 0xea00001f, 0xe321f0d1, 0xe3a08081, 0xe3a0da03, 0xe321f0d2,
    0xe3a0dc31, 0xe321f0d3, 0xe3a08088, 0xe3a0dc32, 0xef000055, 0xe7f000f0,
    0xe3a00001, 0xe8900006, 0xe321f053, 0xe1a00000, 0xe1a00000, 0xe321f0d1,
    0xe1a05008, 0xe321f0d3, 0xe3a00018, 0xef123456, 0xe1a0900e, 0xe1b0f00e,
    0xe1a0a00e, 0xe14fb000, 0xe1b0f00e, 0xe25ef004, 0xe1a0c00e, 0xe25ef004,
    0xe1a0600e, 0xe3a07202, 0xe5877008, 0xe25ef004, 0xe25ef004,
};
/* p_thumb @0x1000 (arm):
 *   adr r0, t + 1
 *   bx r0
 *   .thumb
 *   t:
 *   movs r1, #0
 *   bl f                   @ BL prefix+suffix: one instruction
 *   adds r1, #1
 *   movs r0, #0x18
 *   svc 0xab
 *   f:
 *   adds r1, #10
 *   bx lr
 */
static const uint32_t p_thumb[] = {
    0xe28f0001, 0xe12fff10, 0xf0002100, 0x3101f803, 0xdfab2018, 0x4770310a,
};
/* p_blsplit @0x1000 (arm):
 *   ldr r0, =t + 1
 *   bx r0
 *   .thumb
 *   .org 0x3f8
 *   t:
 *   movs r1, #0
 *   movs r2, #0
 *   nop
 *   bl f                   @ prefix at 0x13fe (last halfword of the page): 2 insns
 *   adds r1, #1
 *   movs r0, #0x18
 *   svc 0xab
 *   f:
 *   adds r1, #10
 *   bx lr
 */
static const uint32_t p_blsplit[] = {
    0xe59f0404, 0xe12fff10, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x22002100, 0xf00046c0, 0x3101f803, 0xdfab2018,
    0x4770310a, 0x000013f9,
};
/* p_wfi @0x1000 (arm):
 *   mov r0, #1
 *   mcr p15, 0, r0, c7, c0, 4   @ WFI
 *   mov r1, #2
 *   mov r0, #0x18
 *   svc 0x123456
 */
static const uint32_t p_wfi[] = {
    0xe3a00001, 0xee070f90, 0xe3a01002, 0xe3a00018, 0xef123456,
};
/* p_tbsize @0x1000 (thumb):
 *   .rept 600
 *   adds r0, #1
 *   .endr
 *   movs r0, #0x18
 *   svc 0xab
 */
static const uint32_t p_tbsize[] = {
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001, 0x30013001,
    0xdfab2018,
};
/* p_mmu @0x10000 (arm):
 *   _start:
 *   b reset
 *   b .
 *   b swi_h
 *   b pabt_h
 *   b dabt_h
 *   b .
 *   b .
 *   b .
 *   reset:
 *   @ copy vectors to 0 (branches are relative: add 0x10000>>2 to the offset)
 *   mov r0, #0x10000
 *   mov r1, #0
 *   mov r2, #8
 *   1: ldr r3, [r0], #4
 *   add r3, r3, #0x4000
 *   str r3, [r1], #4
 *   subs r2, r2, #1
 *   bne 1b
 *   mov sp, #0x9000
 *   msr cpsr_c, #0xd7
 *   mov sp, #0xa000
 *   msr cpsr_c, #0xd3
 *   @ L1 table at 0x4000: clear 16 KiB
 *   mov r0, #0x4000
 *   mov r1, #0
 *   mov r2, #4096
 *   2: str r1, [r0], #4
 *   subs r2, r2, #1
 *   bne 2b
 *   @ section 0: identity, domain 0, AP=3
 *   ldr r1, =0x00000c02
 *   mov r2, #0x4000
 *   str r1, [r2]
 *   @ VA 0x80000000 -> PA 0x00100000, domain 1, AP=1 (priv only)
 *   ldr r1, =0x00100422
 *   add r3, r2, #0x2000
 *   str r1, [r3]
 *   @ VA 0x80100000 -> coarse table at 0x8000, domain 0
 *   ldr r1, =0x00008001
 *   str r1, [r3, #4]
 *   @ coarse: page 0 -> 4K small page PA 0x00200000, AP=2 (user RO) all subpages
 *   ldr r1, =0x002000aa
 *   mov r4, #0x8000
 *   str r1, [r4]
 *   @ page 1: 1K? (tiny needs fine) leave 0 -> translation fault
 *   @ VA 0x80200000 -> domain 2 (no access)
 *   ldr r1, =0x00200442
 *   str r1, [r3, #8]
 *   @ DACR: d0 client, d1 client, d2 no access
 *   ldr r1, =0x00000005
 *   mcr p15, 0, r1, c3, c0, 0
 *   mcr p15, 0, r2, c2, c0, 0    @ TTBR0
 *   mrc p15, 0, r1, c1, c0, 0
 *   orr r1, r1, #1
 *   mcr p15, 0, r1, c1, c0, 0    @ MMU on
 *   nop
 *   ldr r4, =0x80000000
 *   ldr r5, =0x12345678
 *   str r5, [r4]                 @ -> PA 0x100000
 *   mov r6, #0x100000
 *   ldr r7, [r6]                 @ identity view
 *   ldr r4, =0x80100000
 *   ldr r8, [r4]                 @ small page read
 *   str r8, [r4]                 @ priv write ok (AP=2)
 *   ldr r4, =0x80101000
 *   ldr r9, [r4]                 @ translation fault (level 2)
 *   ldr r4, =0x80200000
 *   ldr r9, [r4]                 @ domain fault
 *   ldr r4, =0x80300000
 *   ldr r9, [r4]                 @ translation fault (level 1)
 *   @ user mode: write to user-RO page -> permission fault
 *   msr cpsr_c, #0xd0
 *   ldr r4, =0x80100000
 *   ldr r10, [r4]
 *   str r10, [r4]
 *   ldr r4, =0x80000000
 *   ldr r11, [r4]                @ priv-only section -> permission fault
 *   svc 0
 *   swi_h:
 *   mov r0, #0x18
 *   ldr r1, =0x20026
 *   svc 0x123456
 *   pabt_h:
 *   subs pc, lr, #4
 *   dabt_h:
 *   mrc p15, 0, r12, c5, c0, 0
 *   mrc p15, 0, r1, c6, c0, 0
 *   sub lr, lr, #4
 *   movs pc, lr
 */
static const uint32_t p_mmu[] = {
    0xea000006, 0xeafffffe, 0xea00003f, 0xea000041, 0xea000041, 0xeafffffe,
    0xeafffffe, 0xeafffffe, 0xe3a00801, 0xe3a01000, 0xe3a02008, 0xe4903004,
    0xe2833901, 0xe4813004, 0xe2522001, 0x1afffffa, 0xe3a0da09, 0xe321f0d7,
    0xe3a0da0a, 0xe321f0d3, 0xe3a00901, 0xe3a01000, 0xe3a02a01, 0xe4801004,
    0xe2522001, 0x1afffffc, 0xe59f10bc, 0xe3a02901, 0xe5821000, 0xe59f10b4,
    0xe2823a02, 0xe5831000, 0xe59f10ac, 0xe5831004, 0xe59f10a8, 0xe3a04902,
    0xe5841000, 0xe59f10a0, 0xe5831008, 0xe3a01005, 0xee031f10, 0xee022f10,
    0xee111f10, 0xe3811001, 0xee011f10, 0xe1a00000, 0xe3a04102, 0xe59f507c,
    0xe5845000, 0xe3a06601, 0xe5967000, 0xe59f4070, 0xe5948000, 0xe5848000,
    0xe59f4068, 0xe5949000, 0xe59f4064, 0xe5949000, 0xe59f4060, 0xe5949000,
    0xe321f0d0, 0xe59f4048, 0xe594a000, 0xe584a000, 0xe3a04102, 0xe594b000,
    0xef000000, 0xe3a00018, 0xe59f103c, 0xef123456, 0xe25ef004, 0xee15cf10,
    0xee161f10, 0xe24ee004, 0xe1b0f00e, 0x00000c02, 0x00100422, 0x00008001,
    0x002000aa, 0x00200442, 0x12345678, 0x80100000, 0x80101000, 0x80200000,
    0x80300000, 0x00020026,
};

/* ---------------- harness ---------------- */

static void env_init(Env *e, const ArmCPUConfig *cfg, unsigned logmask)
{
    env_init_ram(e, 4u << 20, cfg, logmask);
}

static int run(Env *e, int max_rounds)
{
    return run_rounds(e, max_rounds);
}

/* ---------------- tests ---------------- */

static void test_alu(void)
{
    Env e;
    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_alu, sizeof p_alu, 0x1000);
    run(&e, 10);
    check(e.done, "alu: program ran to its semihosting exit");
    CHECK_EQ(R(&e, 1), 0, "adds 0x80000000+0x80000000 = 0");
    CHECK_EQ(R(&e, 2), 0x700001d3, "adds sets Z C V");
    CHECK_EQ(R(&e, 5), 0x600001d3, "adds -1+1 sets Z C, clears V");
    CHECK_EQ(R(&e, 7), 0xfffffffe, "subs 5-7");
    CHECK_EQ(R(&e, 8), 0x800001d3, "subs 5-7 sets N, clears C");
    CHECK_EQ(R(&e, 9), 0x80000000, "movs lsl #31");
    CHECK_EQ(R(&e, 10), 0x800001d3, "movs lsl #31 shifter carry out 0");
    CHECK_EQ(R(&e, 11), 0xfffffffb, "rsbs 0-5");
    CHECK_EQ(R(&e, 12), 3, "sbc with borrow");
    CHECK_EQ(icount_raw(&e.ic), 15, "alu: 15 instructions, SVC included");
    env_free(&e);
}

static void test_ldst(bool rotate)
{
    Env e;
    ArmCPUConfig c = { .semihosting = true, .unaligned_rotate = rotate };
    env_init(&e, &c, 0);
    load(&e, 0x1000, p_ldst, sizeof p_ldst, 0x1000);
    run(&e, 10);
    check(e.done, "ldst: program ran to its exit");
    CHECK_EQ(R(&e, 1), 0x80ff7f01, "ldr [r0]");
    CHECK_EQ(R(&e, 2), 0x12348765, "ldr [r0, #4]!");
    CHECK_EQ(R(&e, 3), 0x12348765, "ldr [r0], #-4 (post-indexed)");
    CHECK_EQ(R(&e, 4), 0x7f, "ldrb");
    CHECK_EQ(R(&e, 5), 0xffffff80, "ldrsb");
    CHECK_EQ(R(&e, 6), 0x80ff, "ldrh");
    CHECK_EQ(R(&e, 7), 0x1234, "ldrsh");
    CHECK_EQ(R(&e, 8), 0x80ff7f01, "stmdb/ldmia round trip (1)");
    CHECK_EQ(R(&e, 9), 0x12348765, "stmdb/ldmia round trip (2)");
    CHECK_EQ(R(&e, 10), 0x80ff7f01, "ldrd low");
    CHECK_EQ(R(&e, 11), 0x12348765, "ldrd high");
    CHECK_EQ(R(&e, 12), rotate ? 0x0180ff7f : 0x6580ff7f,
             rotate ? "unaligned ldr rotates (ARMv5 legacy option)"
                    : "unaligned ldr loads bytes 1..4 (QEMU 7.2)");
    CHECK_EQ(R(&e, 13), 0x8000, "sp back after stmdb!/ldmia!");
    uint32_t base = 0, data = 0;
    for (uint32_t i = 0; i < sizeof p_ldst / 4; i++)
        if (p_ldst[i] == 0x80ff7f01)
            base = 0x1000 + 4 * i;
    arm_cpu_rw_debug(e.cpu, base + 8, &data, 4, false);
    CHECK_EQ(data, 0x80ff7f01, "str [r0, #8]");
    arm_cpu_rw_debug(e.cpu, base + 12, &data, 4, false);
    CHECK_EQ(data, 0x7f010001, "strb [r0, #12] + strh [r0, #14]");
    env_free(&e);
}

static void timer_cb(void *opaque)
{
    Env *e = opaque;
    e->done = true;
}

/* A virtual timer at N ns with shift 0 fires after exactly N instructions. */
static void test_timer_exact(int64_t n, ArmIoMode mode)
{
    Env e;
    ArmCPUConfig c = { .io_mode = mode };
    env_init(&e, &c, 0);
    load(&e, 0x1000, p_loop, sizeof p_loop, 0x1000);
    Timer t;
    timer_init(&t, &e.ic.vtimers, timer_cb, &e);
    timer_mod(&t, n);
    run(&e, 1000000);
    int64_t k = n;
    CHECK_EQ(icount_raw(&e.ic), n, "timer at N ns stops the CPU after exactly N instructions");
    CHECK_EQ(R(&e, 0), (uint32_t)((k + 2) / 3), "loop counter r0 consistent with N");
    CHECK_EQ(R(&e, 1), (uint32_t)(2 * ((k + 1) / 3)), "loop counter r1 consistent with N");
    CHECK_EQ(R(&e, 15), 0x1000 + 4 * (uint32_t)(k % 3), "PC is the next instruction");
    env_free(&e);
}

/* A device read/write sees the count including the access instruction. */
static void test_mmio(ArmIoMode mode)
{
    Env e;
    ArmCPUConfig c = { .semihosting = true, .io_mode = mode };
    env_init(&e, &c, 0);
    load(&e, 0x1000, p_mmio, sizeof p_mmio, 0x1000);
    run(&e, 10);
    const char *m = mode == ARM_IO_INDEX ? "index" : "recompile";
    check(e.done, "mmio(%s): ran to exit", m);
    CHECK_EQ(e.dev.n_reads, 1, "mmio: one device read");
    CHECK_EQ(e.dev.read_count[0], 5, "mmio: device read sees icount 5 (access insn included)");
    CHECK_EQ(e.dev.write_count[0], 7, "mmio: device write sees icount 7");
    CHECK_EQ(R(&e, 2), 0xabc00000, "mmio: loaded value");
    CHECK_EQ(e.dev.last_write, 0xabc00000, "mmio: stored value");
    CHECK_EQ(icount_raw(&e.ic), 10, "mmio: total count");
    const ArmCPUStats *s = arm_cpu_stats(e.cpu);
    if (mode == ARM_IO_RECOMPILE)
        CHECK_EQ(s->io_recompiles, 2, "mmio: two io-recompiles (QEMU mode)");
    else
        CHECK_EQ(s->io_recompiles, 0, "mmio: no io-recompile in index mode");
    CHECK_EQ(s->io_accesses, 2, "mmio: two device accesses counted");
    env_free(&e);
}

static void test_smc(void)
{
    Env e;
    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_smc, sizeof p_smc, 0x1000);
    run(&e, 10);
    check(e.done, "smc: ran to exit");
    CHECK_EQ(R(&e, 4), 1, "smc: a store into the running TB takes effect after it (QEMU)");
    CHECK_EQ(R(&e, 3), 7, "smc: the patched instruction runs in a new TB");
    check(arm_cpu_stats(e.cpu)->tbs_invalidated >= 1, "smc: the written TB was invalidated");
    CHECK_EQ(icount_raw(&e.ic), 12, "smc: count");
    env_free(&e);
}

static void test_exceptions(void)
{
    Env e;
    env_init(&e, NULL, LOG_INT);
    load(&e, 0, p_exc, sizeof p_exc, 0);
    arm_cpu_set_irq(e.cpu, 0, 1);      /* pending, masked until the msr */
    run(&e, 20);
    fflush(e.log.f);
    check(e.done, "exc: ran to exit");
    CHECK_EQ(R(&e, 10), 0x44, "swi: LR_svc = address after the SVC");
    CHECK_EQ(R(&e, 11), 0x400001d3, "swi: SPSR_svc = CPSR before the SVC");
    CHECK_EQ(R(&e, 9), 0x48, "undef: LR_und = undefined insn + 4");
    CHECK_EQ(R(&e, 12), 0x54, "data abort: LR_abt = faulting insn + 8");
    CHECK_EQ(arm_cpu_get_cp15(e.cpu, 5, 0, 0, 0), 0x1, "data abort: DFSR alignment");
    CHECK_EQ(arm_cpu_get_cp15(e.cpu, 6, 0, 0, 0), 0x1, "data abort: DFAR");
    CHECK_EQ(R(&e, 6), 0x58, "irq: taken right after the unmasking msr (LR_irq = next + 4)");
    CHECK_EQ(R(&e, 8), 0x88, "banked: SVC sees the user r8");
    CHECK_EQ(R(&e, 5), 0x81, "banked: FIQ r8 kept its own value");
    CHECK_EQ(R(&e, 13), 0x3200, "banked: SVC sp");
    CHECK_EQ(icount_raw(&e.ic), 35, "exc: count (faulting ldm not counted, SVC/UDF counted)");
    check(e.logbuf && strstr(e.logbuf, "Taking exception 5 [IRQ] on CPU 0") != NULL,
          "-d int: QEMU's 'Taking exception 5 [IRQ]' line");
    check(e.logbuf && strstr(e.logbuf, "...with DFSR 0x1 DFAR 0x1") != NULL,
          "-d int: DFSR/DFAR line");
    env_free(&e);
}

static void test_thumb_bl(void)
{
    Env e;
    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_thumb, sizeof p_thumb, 0x1000);
    run(&e, 10);
    check(e.done, "thumb: ran to exit");
    CHECK_EQ(R(&e, 1), 11, "thumb: bl/bx lr");
    CHECK_EQ(R(&e, 14), 0x100f, "thumb: LR = after the BL pair | 1");
    CHECK_EQ(icount_raw(&e.ic), 9, "thumb: BL prefix+suffix count as one instruction");
    check(arm_cpu_is_thumb(e.cpu), "thumb: still in Thumb state");
    env_free(&e);

    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_blsplit, sizeof p_blsplit, 0x1000);
    run(&e, 10);
    check(e.done, "thumb split BL: ran to exit");
    CHECK_EQ(R(&e, 1), 11, "thumb split BL: works across the page boundary");
    CHECK_EQ(icount_raw(&e.ic), 12, "thumb split BL: prefix on the last halfword counts separately");
    env_free(&e);
}

static int count_substr(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, sub)); p++)
        n++;
    return n;
}

static void test_tb_rules(void)
{
    Env e;
    env_init(&e, NULL, LOG_EXEC);
    load(&e, 0x1000, p_tbsize, sizeof p_tbsize, 0x1001);
    run(&e, 10);
    fflush(e.log.f);
    check(e.done, "tb: ran to exit");
    CHECK_EQ(R(&e, 0), 0x18, "tb: r0");
    CHECK_EQ(icount_raw(&e.ic), 602, "tb: count");
    /* Thumb TB from a page start: 512 insns = the page; next TB at 0x1400 */
    check(e.logbuf && strstr(e.logbuf, "[00800400/00001000/00000020/ff020000]") != NULL,
          "tb: -d exec Trace line in QEMU 7.2 format");
    check(e.logbuf && strstr(e.logbuf, "/00001400/") != NULL,
          "tb: a Thumb TB stops at the 1 KiB page end (512 insns)");
    CHECK_EQ(count_substr(e.logbuf ? e.logbuf : "", "Trace 0:"), 2, "tb: two TBs");
    env_free(&e);

    /* icount budget: a TB longer than what is left is retranslated short */
    env_init(&e, NULL, LOG_EXEC);
    load(&e, 0x1000, p_tbsize, sizeof p_tbsize, 0x1001);
    Timer t;
    timer_init(&t, &e.ic.vtimers, timer_cb, &e);
    timer_mod(&t, 100);
    run(&e, 10);
    fflush(e.log.f);
    CHECK_EQ(icount_raw(&e.ic), 100, "tb: budget of 100 stops after 100 insns");
    check(e.logbuf && strstr(e.logbuf, "Stopped execution of TB chain before") != NULL,
          "tb: 'Stopped execution of TB chain' logged");
    check(e.logbuf && strstr(e.logbuf, "/ff020064]") != NULL,
          "tb: TB retranslated with cflags count 100");
    env_free(&e);
}

static void test_wfi(void)
{
    Env e;
    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_wfi, sizeof p_wfi, 0x1000);
    int r = run(&e, 10);
    CHECK_EQ(r, ARM_EXCP_HLT, "wfi: arm_cpu_exec returns ARM_EXCP_HLT");
    check(arm_cpu_halted(e.cpu), "wfi: halted");
    CHECK_EQ(R(&e, 15), 0x1008, "wfi: PC after the WFI");
    CHECK_EQ(icount_raw(&e.ic), 2, "wfi: WFI counted");
    check(!arm_cpu_has_work(e.cpu), "wfi: no work");
    CHECK_EQ(arm_cpu_exec(e.cpu), ARM_EXCP_HLT, "wfi: stays halted without work");
    arm_cpu_set_irq(e.cpu, 0, 1);      /* masked IRQ still wakes WFI (QEMU) */
    check(arm_cpu_has_work(e.cpu), "wfi: a raised IRQ line is work");
    run(&e, 10);
    check(e.done && !arm_cpu_halted(e.cpu), "wfi: resumed and ran to exit");
    CHECK_EQ(R(&e, 1), 2, "wfi: next instruction ran");
    env_free(&e);
}

static void test_rw_debug_invalidate(void)
{
    Env e;
    env_init(&e, NULL, 0);
    load(&e, 0x1000, p_alu, sizeof p_alu, 0x1000);
    run(&e, 10);
    uint32_t mov = 0xe3a01007;          /* mov r1, #7 over "adds r1, r0, r0" */
    arm_cpu_rw_debug(e.cpu, 0x1004, &mov, 4, true);
    check(arm_cpu_stats(e.cpu)->tbs_invalidated >= 1, "rw_debug write invalidates the TB");
    e.done = false;
    arm_cpu_reset(e.cpu, 0x1000);
    run(&e, 10);
    CHECK_EQ(R(&e, 1), 7, "rw_debug: the new code runs");
    env_free(&e);
}


/* Many small TBs in a small cache: the arena is flushed at a TB boundary
 * and execution goes on exactly. */
static void test_cache_flush(void)
{
    enum { N = 20000 };
    static uint32_t code[2 * N + 2];
    for (int i = 0; i < N; i++) {
        code[2 * i] = 0xe2811001;           /* add r1, r1, #1 */
        code[2 * i + 1] = 0xeaffffff;       /* b .+4 (ends the TB) */
    }
    code[2 * N] = 0xe3a00018;               /* mov r0, #0x18 */
    code[2 * N + 1] = 0xef123456;           /* svc 0x123456 */
    Env e;
    ArmCPUConfig c = { .semihosting = true, .tb_cache_bytes = 1u << 20 };
    env_init(&e, &c, 0);
    load(&e, 0x10000, code, sizeof code, 0x10000);
    run(&e, 100);
    check(e.done, "flush: ran to exit");
    CHECK_EQ(R(&e, 1), N, "flush: every block ran once");
    CHECK_EQ(icount_raw(&e.ic), 2 * N + 2, "flush: exact count across cache flushes");
    check(arm_cpu_stats(e.cpu)->cache_flushes >= 1, "flush: the TB cache was flushed");
    CHECK_EQ(arm_cpu_stats(e.cpu)->tbs_translated, N + 1, "flush: each TB translated once");
    env_free(&e);
}

/* ARMv5 MMU (QEMU's get_phys_addr_v5): section and coarse-table mappings,
 * translation (L1/L2), domain and permission faults with their DFSR. */
static void test_mmu(void)
{
    Env e;
    env_init(&e, NULL, LOG_INT);
    load(&e, 0x10000, p_mmu, sizeof p_mmu, 0x10000);
    run(&e, 20);
    fflush(e.log.f);
    check(e.done, "mmu: ran to exit");
    uint32_t v = 0;
    memcpy(&v, e.bus.ram + 0x100000, 4);
    CHECK_EQ(v, 0x12345678, "mmu: store through VA 0x80000000 lands at PA 0x100000");
    v = 0;
    arm_cpu_rw_debug(e.cpu, 0x80000000, &v, 4, false);
    CHECK_EQ(v, 0x12345678, "mmu: rw_debug translates through the page tables");
    const char *want[] = {
        "DFSR 0x5 DFAR 0x100000",
        "DFSR 0x5 DFAR 0x80300000", "DFSR 0x7 DFAR 0x80101000", "DFSR 0x29 DFAR 0x80200000",
        "DFSR 0xf DFAR 0x80100000", "DFSR 0x1d DFAR 0x80000000",
    };
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
        check(e.logbuf && strstr(e.logbuf, want[i]) != NULL, "mmu: fault %s", want[i]);
    CHECK_EQ(count_substr(e.logbuf ? e.logbuf : "", "[Data Abort]"), 6, "mmu: six data aborts");
    env_free(&e);
}

int main(void)
{
    test_alu();
    test_ldst(false);
    test_ldst(true);
    test_timer_exact(1, ARM_IO_RECOMPILE);
    test_timer_exact(1000, ARM_IO_RECOMPILE);
    test_timer_exact(65536, ARM_IO_RECOMPILE);
    test_timer_exact(200003, ARM_IO_INDEX);
    test_mmio(ARM_IO_RECOMPILE);
    test_mmio(ARM_IO_INDEX);
    test_smc();
    test_exceptions();
    test_thumb_bl();
    test_tb_rules();
    test_wfi();
    test_rw_debug_invalidate();
    test_cache_flush();
    test_mmu();
    printf("%d passed, %d failed\n", n_test - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
