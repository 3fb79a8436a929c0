/*
 * A periodic countdown timer on a TimerList, with the semantics of QEMU 7.2's
 * hw/core/ptimer.c: the counter is derived from the clock at each read, the
 * period is a 64.32 fixed-point number of ns, and the policy flags select the
 * same quirks QEMU's devices rely on. Modifications happen inside a
 * transaction (begin ... commit), which is where reloads and immediate
 * triggers are evaluated, exactly as in QEMU.
 *
 * All state lives in the Ptimer struct, which the owning device embeds.
 */
#ifndef EMU_HW_PTIMER_H
#define EMU_HW_PTIMER_H
#include <stdbool.h>
#include <stdint.h>
#include "timer.h"

/* QEMU's PTIMER_POLICY_* bits (include/hw/ptimer.h), same values. */
#define PTIMER_POLICY_LEGACY                    0
#define PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD     (1 << 0)
#define PTIMER_POLICY_CONTINUOUS_TRIGGER        (1 << 1)
#define PTIMER_POLICY_NO_IMMEDIATE_TRIGGER      (1 << 2)
#define PTIMER_POLICY_NO_IMMEDIATE_RELOAD       (1 << 3)
#define PTIMER_POLICY_NO_COUNTER_ROUND_DOWN     (1 << 4)
#define PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT (1 << 5)

typedef void PtimerCb(void *opaque);

typedef struct Ptimer {
    uint8_t enabled;            /* 0 = disabled, 1 = periodic, 2 = oneshot */
    uint64_t limit;
    uint64_t delta;
    uint32_t period_frac;
    int64_t period;
    int64_t last_event;
    int64_t next_event;
    uint8_t policy_mask;
    Timer timer;
    TimerList *clock;
    PtimerCb *callback;
    void *callback_opaque;
    bool in_transaction;
    bool need_reload;
    /* QEMU throttles periodic timers faster than 10us unless icount (or
     * qtest) is enabled. Emulation runs under icount, so this is false
     * unless a caller explicitly asks for the non-icount behaviour. */
    bool rate_limit;
    /* Print QEMU's "Timer with ... zero, disabling" warnings on stderr. */
    bool warn;
} Ptimer;

void ptimer_init(Ptimer *s, TimerList *clock, PtimerCb *cb, void *opaque,
                 uint8_t policy_mask);
/* Disarms the underlying timer; the struct may then be freed. */
void ptimer_free(Ptimer *s);

void ptimer_transaction_begin(Ptimer *s);
void ptimer_transaction_commit(Ptimer *s);

/* These must be called inside a transaction. */
void ptimer_set_period(Ptimer *s, int64_t period_ns);
void ptimer_set_freq(Ptimer *s, uint32_t freq_hz);
void ptimer_set_limit(Ptimer *s, uint64_t limit, int reload);
void ptimer_set_count(Ptimer *s, uint64_t count);
void ptimer_run(Ptimer *s, int oneshot);
void ptimer_stop(Ptimer *s);

uint64_t ptimer_get_count(Ptimer *s);
uint64_t ptimer_get_limit(const Ptimer *s);

#endif
