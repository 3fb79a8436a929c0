/*
 * A stand-in for the CPU, for unit tests and benchmarks of the policy layer:
 * it runs "TBs" of a fixed number of instructions through the real icount
 * bookkeeping (budget, 16-bit decrementer, extra reserve), calls the align
 * hooks exactly where cpu_exec would, and publishes the retired-instruction
 * count with a relaxed atomic store per TB, like the CPU does for the drift
 * monitor.
 *
 * Host time per TB is either simulated (FakeClock: the clock only moves when
 * the engine or a sleep advances it; fully deterministic) or real (the
 * engine runs a busy loop calibrated to
 * host_ns_per_tb per TB, without reading the clock).
 */
#ifndef EMU_SYNC_FAKE_ENGINE_H
#define EMU_SYNC_FAKE_ENGINE_H
#include <stdatomic.h>
#include "sync/sync.h"

typedef struct FakeClock {
    int64_t now_ns;
    int64_t oversleep_ns;     /* added to every sleep, like a kernel's wake-up latency */
    int64_t read_ns;          /* each read advances the clock this much (a spin must end) */
    int64_t reads;            /* every now_ns() call, counted or not */
} FakeClock;

extern const SyncClockOps fake_clock_ops;

typedef struct FakeEngine {
    Icount ic;
    IcountDecr decr;
    int tb_insns;              /* instructions per TB */
    int64_t insns_per_entry;   /* cpu_exec returns after this many (0: only at the budget's end) */
    int64_t host_ns_per_tb;    /* host cost of one TB (real time: calibrated busy loop) */
    double iters_per_ns;       /* calibrated by fake_engine_init (~2 ms) */
    uint64_t tb_iters;
    FakeClock *clock;          /* simulated host clock, or NULL for real time */
    _Atomic int64_t *publish;  /* optional: retired instructions, stored per TB */
    int64_t tbs, entries;
    /* Optional per-TB observer (tests): called after perform_align. */
    void (*after_tb)(void *opaque);
    void *after_tb_opaque;
} FakeEngine;

void fake_engine_init(FakeEngine *e, int shift, int tb_insns, int64_t host_ns_per_tb);
/* Runs `insns` instructions (rounded up to whole TBs) through the hooks (may be NULL). */
void fake_engine_run(FakeEngine *e, int64_t insns, const SyncHooks *hooks);

#endif
