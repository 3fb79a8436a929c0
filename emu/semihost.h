/*
 * ARM semihosting (SVC 0x123456 / Thumb SVC 0xAB), the calls a bare-metal
 * guest needs: console output, the command line, clocks and exit. Console
 * output goes to stderr as QEMU 7.2 does when no semihosting chardev is set.
 *
 * Clocks differ from QEMU on purpose: SYS_CLOCK and SYS_ELAPSED count guest
 * virtual time (QEMU reads the host clock), so that runs stay deterministic.
 */
#ifndef EMU_SEMIHOST_H
#define EMU_SEMIHOST_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "icount.h"

struct ArmCPU;

typedef struct Semihost {
    const char *cmdline;     /* "kernel-path arg1 arg2 ..." as QEMU builds it */
    Icount *ic;
    FILE *console;           /* stderr */
    int64_t time_base_s;     /* SYS_TIME at virtual time 0 */
    bool exited;
    int exit_code;
    int last_errno;
    void (*on_exit)(void *opaque);
    void *on_exit_opaque;
} Semihost;

/* The CPU's semihosting hook (arm_cpu_set_semihost). */
void semihost_call(void *opaque, struct ArmCPU *cpu);
#endif
