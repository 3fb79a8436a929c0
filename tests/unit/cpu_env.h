/*
 * A bare CPU test bench shared by the CPU unit tests: RAM on a bus, an
 * Icount, one ArmCPU with semihosting (SYS_EXIT ends a run), an optional log
 * captured in memory, and a recording device at 0x20000000 that notes the
 * instruction count at each access (writes to offset 8/12 lower/raise IRQ).
 */
#ifndef TESTS_UNIT_CPU_ENV_H
#define TESTS_UNIT_CPU_ENV_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arm/cpu.h"
#include "hw/bus.h"
#include "icount.h"
#include "log.h"

#define TEST_DEV_BASE 0x20000000u

typedef struct Dev {
    int64_t read_count[4], write_count[4];   /* icount seen at each access */
    int n_reads, n_writes;
    uint32_t last_write;
    struct Env *env;
} Dev;

typedef struct Env {
    Bus bus;
    Icount ic;
    IcountDecr tmp;
    Log log;
    ArmCPU *cpu;
    bool done;
    int semihost_calls;
    Dev dev;
    char *logbuf;
    size_t loglen;
} Env;

static uint32_t dev_read(void *opaque, uint32_t off, unsigned size)
{
    Dev *d = opaque;
    (void)size;
    if (d->n_reads < 4)
        d->read_count[d->n_reads] = icount_raw(&d->env->ic);
    d->n_reads++;
    return 0xabc00000u | off;
}

static void dev_write(void *opaque, uint32_t off, uint32_t v, unsigned size)
{
    Dev *d = opaque;
    (void)size;
    if (d->n_writes < 4)
        d->write_count[d->n_writes] = icount_raw(&d->env->ic);
    d->n_writes++;
    d->last_write = v;
    if (off == 8)
        arm_cpu_set_irq(d->env->cpu, 0, 0);     /* lower IRQ */
    if (off == 12)
        arm_cpu_set_irq(d->env->cpu, 0, 1);     /* raise IRQ */
}

static void semihost(void *opaque, ArmCPU *cpu)
{
    Env *e = opaque;
    e->semihost_calls++;
    if (arm_cpu_get_reg(cpu, 0) == 0x18) {
        e->done = true;
        arm_cpu_request_exit(cpu);
    }
}

/* cfg NULL: defaults plus semihosting. logmask 0: log to stderr (unused). */
static void env_init_ram(Env *e, uint32_t ram, const ArmCPUConfig *cfg, unsigned logmask)
{
    memset(e, 0, sizeof(*e));
    bus_init(&e->bus, ram);
    e->dev.env = e;
    bus_register(&e->bus, TEST_DEV_BASE, 0x1000, dev_read, dev_write, &e->dev, "testdev");
    icount_init(&e->ic, &e->tmp, 0, false, false);
    e->log.mask = logmask;
    e->log.f = logmask ? open_memstream(&e->logbuf, &e->loglen) : stderr;
    ArmCPUConfig c = { .semihosting = true };
    if (cfg)
        c = *cfg;
    e->cpu = arm_cpu_new(&e->bus, &e->ic, &e->log, &c);
    arm_cpu_set_semihost(e->cpu, semihost, e);
}

static void env_free(Env *e)
{
    arm_cpu_free(e->cpu);
    if (e->log.mask)
        fclose(e->log.f);
    free(e->logbuf);
    bus_free(&e->bus);
}

static void load(Env *e, uint32_t addr, const uint32_t *w, size_t bytes, uint32_t entry)
{
    arm_cpu_rw_debug(e->cpu, addr, (void *)w, (uint32_t)bytes, true);
    arm_cpu_reset(e->cpu, entry);
}

/* The run loop of a machine: budget to the next deadline, execute, account,
 * run due timers. Returns the last arm_cpu_exec() result. */
static int run_rounds(Env *e, int max_rounds)
{
    int r = 0;
    for (int i = 0; i < max_rounds && !e->done; i++) {
        icount_prepare_for_run(&e->ic);
        r = arm_cpu_exec(e->cpu);
        icount_process_data(&e->ic);
        if (r == ARM_EXCP_HLT)
            break;
        icount_handle_deadline(&e->ic);
    }
    return r;
}

static inline uint32_t R(Env *e, int n) { return arm_cpu_get_reg(e->cpu, n); }
#endif
