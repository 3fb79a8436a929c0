/* Branch hints for the hot path (TB dispatch and op handlers). */
#ifndef EMU_LIKELY_H
#define EMU_LIKELY_H
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
