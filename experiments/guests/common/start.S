/* driftlab guest start-up code (always ARM state).
 *
 * QEMU enters the ELF at _start in SVC mode with IRQ/FIQ masked, MMU and
 * caches off, low vectors (SCTLR.V=0), all general registers zero.  We:
 *   - give every exception mode its own stack, carved down from __stack_top;
 *   - copy the vector table (8 "ldr pc" slots + 8 literal addresses) to 0;
 *   - zero .bss;
 *   - call rt_init_hook (weak), main(), then rt_main_return(main's value).
 * Helpers that need ARM-only instructions (semihosting SVC, MRS/MSR, MCR for
 * wait-for-interrupt) live here too so that Thumb C code can call them
 * through ordinary interworking calls.
 */
    .syntax unified
    .arm

    .equ MODE_USR, 0x10
    .equ MODE_FIQ, 0x11
    .equ MODE_IRQ, 0x12
    .equ MODE_SVC, 0x13
    .equ MODE_ABT, 0x17
    .equ MODE_UND, 0x1b
    .equ MODE_SYS, 0x1f
    .equ PSR_I, 0x80
    .equ PSR_F, 0x40

    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    ldr     r0, =__stack_top
    msr     cpsr_c, #(MODE_FIQ | PSR_I | PSR_F)
    mov     sp, r0
    ldr     r1, =__fiq_stack_size
    sub     r0, r0, r1
    msr     cpsr_c, #(MODE_IRQ | PSR_I | PSR_F)
    mov     sp, r0
    ldr     r1, =__irq_stack_size
    sub     r0, r0, r1
    msr     cpsr_c, #(MODE_ABT | PSR_I | PSR_F)
    mov     sp, r0
    ldr     r1, =__abt_stack_size
    sub     r0, r0, r1
    msr     cpsr_c, #(MODE_UND | PSR_I | PSR_F)
    mov     sp, r0
    ldr     r1, =__und_stack_size
    sub     r0, r0, r1
    msr     cpsr_c, #(MODE_SVC | PSR_I | PSR_F)
    mov     sp, r0

    /* copy the vector table to address 0 (16 words) */
    ldr     r0, =rt_vectors
    mov     r1, #0
    ldmia   r0!, {r2-r9}
    stmia   r1!, {r2-r9}
    ldmia   r0!, {r2-r9}
    stmia   r1!, {r2-r9}

    /* zero .bss */
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r2, #0
1:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     1b

    ldr     r3, =rt_init_hook
    blx     r3
    ldr     r3, =main
    blx     r3
    ldr     r3, =rt_main_return
    blx     r3
2:  b       2b
    .size _start, . - _start
    .ltorg

/* ---- exception vectors: copied to 0, so they must be position independent ---- */
    .section .rodata.vectors, "a"
    .align 2
    .global rt_vectors
rt_vectors:
    ldr     pc, [pc, #24]       /* 0x00 reset */
    ldr     pc, [pc, #24]       /* 0x04 undefined */
    ldr     pc, [pc, #24]       /* 0x08 SVC */
    ldr     pc, [pc, #24]       /* 0x0c prefetch abort */
    ldr     pc, [pc, #24]       /* 0x10 data abort */
    ldr     pc, [pc, #24]       /* 0x14 reserved */
    ldr     pc, [pc, #24]       /* 0x18 IRQ */
    ldr     pc, [pc, #24]       /* 0x1c FIQ */
    .word   _start
    .word   rt_exc_und
    .word   rt_exc_svc
    .word   rt_exc_pabt
    .word   rt_exc_dabt
    .word   rt_exc_rsvd
    .word   rt_irq_entry
    .word   rt_exc_fiq

/* ---- exception handlers ---- */
    .text
    .arm
    .align 2
    .global rt_irq_entry
    .type rt_irq_entry, %function
rt_irq_entry:
    sub     lr, lr, #4
    stmfd   sp!, {r0-r3, r12, lr}       /* 6 words: keeps sp 8-byte aligned */
    ldr     r0, =rt_irq_dispatch        /* C, may be Thumb: blx interworks */
    blx     r0
    ldmfd   sp!, {r0-r3, r12, pc}^      /* return, restoring CPSR from SPSR */
    .size rt_irq_entry, . - rt_irq_entry

    /* Unexpected exceptions: report via rt_unexpected(kind, lr) which exits. */
    .macro UNEXPECTED name, kind
    .type \name, %function
\name:
    mov     r1, lr
    mov     r0, #\kind
    ldr     r2, =rt_unexpected
    blx     r2
    b       .
    .size \name, . - \name
    .endm
    UNEXPECTED rt_exc_und, 1
    UNEXPECTED rt_exc_svc, 2
    UNEXPECTED rt_exc_pabt, 3
    UNEXPECTED rt_exc_dabt, 4
    UNEXPECTED rt_exc_rsvd, 5
    UNEXPECTED rt_exc_fiq, 7

/* ---- ARM-only helpers callable from ARM or Thumb C ---- */

    /* uint32_t rt_semihost(uint32_t op, uint32_t arg): ARM semihosting trap */
    .global rt_semihost
    .type rt_semihost, %function
rt_semihost:
    svc     0x123456
    bx      lr
    .size rt_semihost, . - rt_semihost

    /* void rt_irq_enable(void) / rt_irq_disable(void) */
    .global rt_irq_enable
    .type rt_irq_enable, %function
rt_irq_enable:
    mrs     r0, cpsr
    bic     r0, r0, #PSR_I
    msr     cpsr_c, r0
    bx      lr
    .size rt_irq_enable, . - rt_irq_enable

    .global rt_irq_disable
    .type rt_irq_disable, %function
rt_irq_disable:
    mrs     r0, cpsr
    orr     r0, r0, #PSR_I
    msr     cpsr_c, r0
    bx      lr
    .size rt_irq_disable, . - rt_irq_disable

    /* void rt_wfi(void): ARM926EJ-S wait for interrupt (CP15 c7, c0, 4) */
    .global rt_wfi
    .type rt_wfi, %function
rt_wfi:
    mov     r0, #0
    mcr     p15, 0, r0, c7, c0, 4
    bx      lr
    .size rt_wfi, . - rt_wfi

    /* uint32_t rt_get_cpsr(void) */
    .global rt_get_cpsr
    .type rt_get_cpsr, %function
rt_get_cpsr:
    mrs     r0, cpsr
    bx      lr
    .size rt_get_cpsr, . - rt_get_cpsr

    .ltorg
