/* Harness for the random-instruction fuzzer (tests/fuzz/gen.py).
 *
 * Always ARM state.  The harness itself runs in UND mode on its own stack;
 * generated sequences run in SVC mode (with short excursions to FIQ, IRQ,
 * ABT, UND and SYS).  They never write r13 in any mode, so the harness
 * stack pointer (r13_und) survives; r14_und and SPSR_und are part of the
 * sequence state (set from the record, dumped afterwards).
 *
 * For every entry of the generated table fz_seq_table (count, then one
 * pointer per sequence to its init record, see gen.py for the layout):
 *   1. fill the scratch area from the record's seed (xorshift32),
 *   2. load banked registers, SPSRs, NZCVQ flags, r0-r14 from the record
 *      and jump to the sequence (LDR pc interworks: bit 0 selects Thumb),
 *   3. the sequence branches to fz_seq_end (in ARM state), which saves
 *      everything into fz_dump,
 *   4. print the dump, a checksum of the scratch area and the scratch words
 *      the sequence may have stored to, in hex, on UART0.
 * Finally print "END" and exit 0 through semihosting SYS_EXIT_EXTENDED.
 *
 * VFP is enabled once (FPEXC.EN); every sequence starts with the FPSCR and
 * d0-d15 of its record, and both are dumped after it.
 */
    .syntax unified
    .arm
    .fpu vfp

    .equ SCRATCH, 0x00200000
    .equ SCRATCH_WORDS, 0x800
    .equ UND_STACK_TOP, 0x00400000
    .equ UART0, 0x101f1000

    /* init record layout (words) */
    .equ REC_FLAGS, 15*4
    .equ REC_SEED, 16*4
    .equ REC_SPSR_SVC, 17*4
    .equ REC_FIQ, 18*4          /* r8-r14, spsr */
    .equ REC_IRQ, 26*4          /* r13, r14, spsr */
    .equ REC_ABT, 29*4
    .equ REC_USR, 32*4          /* r13, r14 */
    .equ REC_UND, 34*4          /* r14, spsr (r13_und is the harness stack) */
    .equ REC_FPSCR, 36*4
    .equ REC_VFP_D, 37*4        /* d0-d15, low word first */
    .equ REC_ENTRY, 69*4
    .equ REC_NTOUCH, 70*4
    .equ REC_TOUCH, 71*4
    .equ DUMP_WORDS, 35

    .section .text.start, "ax"
    .global _start
_start:
    msr     cpsr_c, #0xdb               /* UND, IRQ+FIQ masked */
    ldr     sp, =UND_STACK_TOP
    mov     r0, #0x40000000             /* FPEXC.EN */
    vmsr    fpexc, r0
    /* exception vectors at 0 */
    ldr     r0, =fz_vectors
    mov     r1, #0
    ldmia   r0!, {r2-r9}
    stmia   r1!, {r2-r9}
    ldmia   r0!, {r2-r9}
    stmia   r1!, {r2-r9}

    ldr     r4, =fz_seq_table
    ldr     r5, [r4], #4                /* number of sequences */
    mov     r6, #0
1:  cmp     r6, r5
    bhs     2f
    ldr     r7, [r4], #4                /* init record */
    adr     r0, str_seq
    bl      fz_puts
    mov     r0, r6
    bl      fz_puthex4
    ldr     r0, [r7, #REC_SEED]
    bl      fz_fill
    mov     r0, r7
    bl      fz_run_seq
    mov     r0, r7
    bl      fz_print_dump
    add     r6, r6, #1
    b       1b
2:  adr     r0, str_end
    bl      fz_puts
    mov     r0, #0
    b       fz_exit
    .ltorg

str_seq: .asciz "seq "
str_end: .asciz "END\n"
    .align 2

/* void fz_exit(r0 = code): SYS_EXIT_EXTENDED */
fz_exit:
    adr     r1, exit_block
    str     r0, [r1, #4]
    mov     r0, #0x20
    svc     0x123456
    b       .
exit_block: .word 0x20026, 0

/* ---- run one sequence: r0 = init record ---- */
fz_run_seq:
    push    {r4-r12, lr}
    mov     r4, r0                      /* r4: not banked in any mode */
    add     r0, r4, #REC_VFP_D
    vldmia  r0, {d0-d15}
    ldr     r0, [r4, #REC_FPSCR]
    vmsr    fpscr, r0
    ldr     lr, [r4, #REC_UND]          /* UND lr/spsr: our return address is */
    ldr     r1, [r4, #REC_UND + 4]      /* already on the stack */
    msr     spsr_fsxc, r1
    msr     cpsr_c, #0xd1               /* FIQ */
    add     r0, r4, #REC_FIQ
    ldmia   r0, {r8-r14}
    ldr     r1, [r0, #28]
    msr     spsr_fsxc, r1
    msr     cpsr_c, #0xd2               /* IRQ */
    add     r0, r4, #REC_IRQ
    ldmia   r0, {r13, r14}
    ldr     r1, [r0, #8]
    msr     spsr_fsxc, r1
    msr     cpsr_c, #0xd7               /* ABT */
    add     r0, r4, #REC_ABT
    ldmia   r0, {r13, r14}
    ldr     r1, [r0, #8]
    msr     spsr_fsxc, r1
    msr     cpsr_c, #0xdf               /* SYS: user r13/r14 */
    add     r0, r4, #REC_USR
    ldmia   r0, {r13, r14}
    msr     cpsr_c, #0xd3               /* SVC: the sequence's mode */
    ldr     r1, [r4, #REC_SPSR_SVC]
    msr     spsr_fsxc, r1
    ldr     r1, [r4, #REC_ENTRY]
    str     r1, fz_entry
    ldr     r1, [r4, #REC_FLAGS]
    msr     cpsr_f, r1
    mov     r0, r4
    ldmia   r0, {r0-r14}                /* base in list, no writeback: defined */
    ldr     pc, fz_entry                /* interworking load: Thumb if bit 0 */
fz_entry: .word 0

/* ---- sequences branch here (ARM state, SVC mode) ---- */
    .global fz_seq_end
fz_seq_end:
    msr     cpsr_c, #0xdb               /* UND: flags untouched */
    stmdb   sp!, {r0-r12}
    ldr     r0, =fz_dump
    ldmia   sp!, {r1-r12}               /* sequence r0-r11 */
    stmia   r0!, {r1-r12}
    ldmia   sp!, {r1}                   /* sequence r12 */
    str     r1, [r0], #4
    mrs     r4, cpsr                    /* flags as the sequence left them */
    msr     cpsr_c, #0xd3
    mov     r1, sp
    mov     r2, lr
    mrs     r3, spsr
    msr     cpsr_c, #0xdb
    stmia   r0!, {r1, r2, r4}           /* [13] sp [14] lr [15] cpsr */
    str     r3, [r0], #4                /* [16] spsr_svc */
    msr     cpsr_c, #0xd1
    mov     r1, r8
    mov     r2, r9
    mov     r3, r10
    mov     r4, r11
    mov     r5, r12
    mov     r6, sp
    mov     r7, lr
    stmia   r0!, {r1-r7}                /* [17..23] fiq r8-r14 */
    mrs     r1, spsr
    str     r1, [r0], #4                /* [24] spsr_fiq */
    msr     cpsr_c, #0xd2
    mov     r1, sp
    mov     r2, lr
    mrs     r3, spsr
    stmia   r0!, {r1-r3}                /* [25..27] irq */
    msr     cpsr_c, #0xd7
    mov     r1, sp
    mov     r2, lr
    mrs     r3, spsr
    stmia   r0!, {r1-r3}                /* [28..30] abt */
    msr     cpsr_c, #0xdf
    mov     r1, sp
    mov     r2, lr
    stmia   r0!, {r1-r2}                /* [31..32] usr */
    msr     cpsr_c, #0xdb
    mov     r1, lr
    mrs     r2, spsr
    stmia   r0!, {r1-r2}                /* [33..34] und lr, spsr */
    ldr     r0, =fz_vdump
    vmrs    r1, fpscr
    str     r1, [r0], #4
    vstmia  r0, {d0-d15}
    pop     {r4-r12, pc}                /* return from fz_run_seq */
    .ltorg

/* ---- print the dump: r0 = init record ---- */
fz_print_dump:
    push    {r4-r8, lr}
    mov     r8, r0
    ldr     r4, =fz_dump
    ldr     r5, =fz_names
    mov     r6, #0
1:  ldr     r0, [r5, r6, lsl #2]
    bl      fz_puts
    ldr     r0, [r4, r6, lsl #2]
    bl      fz_puthex8
    add     r6, r6, #1
    cmp     r6, #DUMP_WORDS
    blo     1b
    /* VFP: FPSCR, then d0-d15 as 16 hex digits each, four a line */
    adr     r0, str_fpscr
    bl      fz_puts
    ldr     r4, =fz_vdump
    ldr     r0, [r4], #4
    bl      fz_puthex8
    mov     r6, #0
3:  tst     r6, #3
    adreq   r0, str_nl_sp
    adrne   r0, str_sp
    bl      fz_puts
    mov     r0, #'d'
    bl      fz_putc
    mov     r0, r6
    bl      fz_putdec2
    mov     r0, #'='
    bl      fz_putc
    ldr     r0, [r4, #4]
    bl      fz_puthex8
    ldr     r0, [r4], #8
    bl      fz_puthex8
    add     r6, r6, #1
    cmp     r6, #16
    blo     3b
    adr     r0, str_mem
    bl      fz_puts
    bl      fz_checksum
    bl      fz_puthex8
    /* scratch words the sequence may have stored to */
    ldr     r5, [r8, #REC_NTOUCH]
    add     r4, r8, #REC_TOUCH
    mov     r6, #0
2:  cmp     r6, r5
    bhs     4f
    tst     r6, #7
    adreq   r0, str_nl_m
    adrne   r0, str_sp
    bl      fz_puts
    ldr     r7, [r4, r6, lsl #2]        /* offset into scratch */
    mov     r0, r7
    bl      fz_puthex4
    mov     r0, #'='
    bl      fz_putc
    ldr     r0, =SCRATCH
    ldr     r0, [r0, r7]
    bl      fz_puthex8
    add     r6, r6, #1
    b       2b
4:  mov     r0, #'\n'
    bl      fz_putc
    pop     {r4-r8, pc}
str_fpscr: .asciz "\n vfp fpscr="
str_nl_sp: .asciz "\n "
str_mem:  .asciz "\n sum="
str_nl_m: .asciz "\n m "
str_sp:   .asciz " "
    .align 2
    .ltorg

/* ---- scratch fill: r0 = seed (non-zero), xorshift32 ---- */
fz_fill:
    ldr     r1, =SCRATCH
    mov     r2, #SCRATCH_WORDS
1:  eor     r0, r0, r0, lsl #13
    eor     r0, r0, r0, lsr #17
    eor     r0, r0, r0, lsl #5
    str     r0, [r1], #4
    subs    r2, r2, #1
    bne     1b
    bx      lr

/* ---- checksum of the scratch area -> r0 (FNV-1a style over words) ---- */
fz_checksum:
    ldr     r1, =SCRATCH
    mov     r2, #SCRATCH_WORDS
    ldr     r0, =0x811c9dc5
    ldr     r3, =0x01000193
1:  ldr     r12, [r1], #4
    eor     r0, r0, r12
    mul     r0, r3, r0
    eor     r0, r0, r0, lsr #15
    subs    r2, r2, #1
    bne     1b
    bx      lr
    .ltorg

/* ---- UART output ---- */
fz_putc:
    ldr     r1, =UART0
1:  ldr     r2, [r1, #0x18]
    tst     r2, #0x20
    bne     1b
    str     r0, [r1]
    bx      lr

fz_puts:
    push    {r4, lr}
    mov     r4, r0
1:  ldrb    r0, [r4], #1
    cmp     r0, #0
    popeq   {r4, pc}
    bl      fz_putc
    b       1b

/* r0 = 0..99 in decimal, no leading zero */
fz_putdec2:
    push    {r4, lr}
    mov     r4, r0
    cmp     r4, #10
    blo     1f
    mov     r0, #'1'
    bl      fz_putc
    sub     r4, r4, #10
1:  add     r0, r4, #'0'
    bl      fz_putc
    pop     {r4, pc}

fz_puthex8:
    push    {r4, r5, lr}
    mov     r5, #8
    b       fz_puthex_common
fz_puthex4:
    push    {r4, r5, lr}
    mov     r5, #4
    lsl     r0, r0, #16
fz_puthex_common:
    mov     r4, r0
1:  lsr     r0, r4, #28
    cmp     r0, #10
    addlo   r0, r0, #'0'
    addhs   r0, r0, #('a' - 10)
    bl      fz_putc
    lsl     r4, r4, #4
    subs    r5, r5, #1
    bne     1b
    pop     {r4, r5, pc}
    .ltorg

/* ---- unexpected exceptions: report and exit 3 ---- */
    .macro EXC name, num
\name:
    mov     r4, lr
    mrs     r5, spsr
    msr     cpsr_c, #0xdb
    adr     r0, str_exc
    bl      fz_puts
    mov     r0, #\num
    bl      fz_puthex4
    mov     r0, #' '
    bl      fz_putc
    mov     r0, r4
    bl      fz_puthex8
    mov     r0, #' '
    bl      fz_putc
    mov     r0, r5
    bl      fz_puthex8
    mov     r0, #'\n'
    bl      fz_putc
    mov     r0, #3
    b       fz_exit
    .endm
    EXC exc_reset, 0
    EXC exc_und, 1
    EXC exc_svc, 2
    EXC exc_pabt, 3
    EXC exc_dabt, 4
    EXC exc_rsvd, 5
    EXC exc_irq, 6
    EXC exc_fiq, 7
str_exc: .asciz "\nEXCEPTION "
    .align 2

    .section .rodata
    .align 2
fz_vectors:
    .rept 8
    ldr     pc, [pc, #24]
    .endr
    .word exc_reset, exc_und, exc_svc, exc_pabt, exc_dabt, exc_rsvd, exc_irq, exc_fiq

fz_names:
    .word n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15, n16
    .word n17, n18, n19, n20, n21, n22, n23, n24, n25, n26, n27, n28, n29, n30, n31, n32
    .word n33, n34
n0:  .asciz "\n r0="
n1:  .asciz " r1="
n2:  .asciz " r2="
n3:  .asciz " r3="
n4:  .asciz " r4="
n5:  .asciz " r5="
n6:  .asciz " r6="
n7:  .asciz " r7="
n8:  .asciz "\n r8="
n9:  .asciz " r9="
n10: .asciz " r10="
n11: .asciz " r11="
n12: .asciz " r12="
n13: .asciz " sp="
n14: .asciz " lr="
n15: .asciz "\n cpsr="
n16: .asciz " spsr="
n17: .asciz "\n fiq r8="
n18: .asciz " r9="
n19: .asciz " r10="
n20: .asciz " r11="
n21: .asciz " r12="
n22: .asciz " sp="
n23: .asciz " lr="
n24: .asciz " spsr="
n25: .asciz "\n irq sp="
n26: .asciz " lr="
n27: .asciz " spsr="
n28: .asciz " abt sp="
n29: .asciz " lr="
n30: .asciz " spsr="
n31: .asciz " usr sp="
n32: .asciz " lr="
n33: .asciz " und lr="
n34: .asciz " spsr="

    .bss
    .align 3
fz_dump: .space DUMP_WORDS * 4
    .align 3
fz_vdump: .space 33 * 4
