/* `-d` logging, in the spirit of QEMU's qemu_log_mask(). */
#ifndef EMU_LOG_H
#define EMU_LOG_H
#include <stdio.h>

enum {
    LOG_EXEC   = 1 << 0,   /* -d exec: one "Trace" line per TB executed */
    LOG_CPU    = 1 << 1,   /* -d cpu: register dump before each TB */
    LOG_IN_ASM = 1 << 2,   /* -d in_asm: guest code of each new TB */
    LOG_INT    = 1 << 3,   /* -d int: exceptions and interrupts taken */
    LOG_NOCHAIN = 1 << 4,  /* -d nochain: no TB chaining, so every TB is logged */
};

typedef struct Log {
    FILE *f;               /* stderr unless -D */
    unsigned mask;
} Log;

#define log_enabled(log, m) ((log) && ((log)->mask & (m)))
#endif
