#include "timer.h"
#include <stddef.h>

void timerlist_init(TimerList *l, int64_t (*now)(void *), void *now_opaque)
{
    l->active = NULL;
    l->now = now;
    l->now_opaque = now_opaque;
    l->notify = NULL;
    l->notify_opaque = NULL;
}

void timer_init(Timer *t, TimerList *l, TimerCb *cb, void *opaque)
{
    t->expire_ns = 0;
    t->cb = cb;
    t->opaque = opaque;
    t->list = l;
    t->next = NULL;
    t->armed = false;
}

void timer_del(Timer *t)
{
    if (!t->armed)
        return;
    for (Timer **pp = &t->list->active; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    TimerList *l = t->list;
    timer_del(t);
    if (expire_ns < 0)
        expire_ns = 0;
    t->expire_ns = expire_ns;
    t->armed = true;
    /* Equal expiries keep arming order, as QEMU's list does. */
    Timer **pp = &l->active;
    while (*pp && (*pp)->expire_ns <= expire_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    if (l->active == t && l->notify)
        l->notify(l->notify_opaque);
}

int64_t timerlist_next_expiry(TimerList *l)
{
    return l->active ? l->active->expire_ns : INT64_MAX;
}

int64_t timerlist_deadline_ns(TimerList *l)
{
    if (!l->active)
        return -1;
    int64_t d = l->active->expire_ns - timerlist_now(l);
    return d > 0 ? d : 0;
}

bool timerlist_run(TimerList *l)
{
    bool ran = false;
    int64_t now = timerlist_now(l);
    for (;;) {
        Timer *t = l->active;
        if (!t || t->expire_ns > now)
            break;
        l->active = t->next;
        t->next = NULL;
        t->armed = false;
        t->cb(t->opaque);
        ran = true;
    }
    return ran;
}
