/*
 * Timer lists on a clock, with QEMU's semantics: a timer is armed with an
 * absolute expiry in ns; when arming makes it the earliest on its list the
 * list's notify hook runs, so the vCPU can recompute its instruction budget.
 */
#ifndef EMU_TIMER_H
#define EMU_TIMER_H
#include <stdbool.h>
#include <stdint.h>

typedef void TimerCb(void *opaque);
typedef struct TimerList TimerList;

typedef struct Timer {
    int64_t expire_ns;          /* valid only while armed */
    TimerCb *cb;
    void *opaque;
    TimerList *list;
    struct Timer *next;         /* list link, sorted by expire_ns */
    bool armed;
} Timer;

struct TimerList {
    Timer *active;
    int64_t (*now)(void *opaque);      /* current time of this list's clock */
    void *now_opaque;
    void (*notify)(void *opaque);      /* earliest deadline moved earlier */
    void *notify_opaque;
};

void timerlist_init(TimerList *l, int64_t (*now)(void *), void *now_opaque);
static inline int64_t timerlist_now(TimerList *l) { return l->now(l->now_opaque); }
/* ns until the earliest expiry: -1 when nothing is armed, 0 when overdue. */
int64_t timerlist_deadline_ns(TimerList *l);
/* Earliest absolute expiry, or INT64_MAX. */
int64_t timerlist_next_expiry(TimerList *l);
/* Runs every timer whose expiry is <= now; returns true if any ran. */
bool timerlist_run(TimerList *l);

void timer_init(Timer *t, TimerList *l, TimerCb *cb, void *opaque);
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
static inline bool timer_pending(const Timer *t) { return t->armed; }

#endif
