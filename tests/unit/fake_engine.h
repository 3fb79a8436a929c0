/*
 * A stand-in for the CPU, for unit tests and benchmarks of the policy layer:
 * it runs "TBs" of a fixed number of instructions through the real icount
 * bookkeeping (budget, 16-bit decrementer, extra reserve) with the same
 * TB-entry check as cpu_exec, so a policy's align points, loop exits and the
 * count published for the drift monitor happen exactly as under the CPU.
 *
 * Host time per TB is either simulated (FakeClock: the clock only moves when
 * the engine or a sleep advances it; fully deterministic) or real (the
 * engine runs a busy loop calibrated to
 * host_ns_per_tb per TB, without reading the clock).
 */
#ifndef TESTS_UNIT_FAKE_ENGINE_H
#define TESTS_UNIT_FAKE_ENGINE_H
#include "align/align.h"

typedef struct FakeClock {
    int64_t now_ns;
    int64_t oversleep_ns;     /* added to every sleep, like a kernel's wake-up latency */
    int64_t read_ns;          /* each read advances the clock this much (a spin must end) */
    int64_t reads;            /* every now_ns() call, counted or not */
} FakeClock;

extern const AlignClockOps fake_clock_ops;

typedef struct FakeEngine {
    Icount ic;
    IcountDecr decr;
    int tb_insns;              /* instructions per TB */
    int64_t insns_per_entry;   /* cpu_exec returns after this many (0: only at the budget's end) */
    int tbs_per_exit;          /* a chain of TBs returns to the loop after this many (0: never) */
    int tbs_per_unwind;        /* a TB raises (QEMU: siglongjmp) after this many (0: never) */
    int64_t host_ns_per_tb;    /* host cost of one TB (real time: calibrated busy loop) */
    double iters_per_ns;       /* calibrated by fake_engine_init (~2 ms) */
    uint64_t tb_iters;
    FakeClock *clock;          /* simulated host clock, or NULL for real time */
    int64_t tbs, entries, loop_exits, unwinds;
    /* Optional per-TB observer (tests): called after each TB. */
    void (*after_tb)(void *opaque);
    void *after_tb_opaque;
} FakeEngine;

void fake_engine_init(FakeEngine *e, int shift, int tb_insns, int64_t host_ns_per_tb);
/* Runs `insns` instructions; `run` (may be NULL) gets init_delay at every
 * entry; its align points are already on e->ic once align_run_start ran. */
void fake_engine_run(FakeEngine *e, int64_t insns, AlignRun *run);

#endif
