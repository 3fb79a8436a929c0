/* The host's monotonic clock: the "real time" that guest time is aligned to. */
#ifndef EMU_HOSTCLOCK_H
#define EMU_HOSTCLOCK_H
#include <stdint.h>
#include <time.h>

static inline int64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#endif
