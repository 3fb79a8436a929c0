/* Everything a run is configured with; filled from the command line. */
#ifndef EMU_CONFIG_H
#define EMU_CONFIG_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "monitor.h"
#include "align/session.h"

#define EMU_VERSION "0.1"

#define MAX_SERIAL 4

typedef struct MachineConfig {
    uint32_t ram_size;
    const char *kernel;
    const char *append;
    bool semihosting;
    const char *serial[MAX_SERIAL];   /* "stdio", "null", "file:PATH" */
    int n_serial;
    bool icount;                      /* -icount given */
    int shift;
    bool shift_auto;
    bool align;
    bool sleep;
    unsigned log_mask;
    const char *log_file;
    int io_mode;                      /* 0: QEMU's io-recompile, 1: op index */
    bool stats;                       /* print execution statistics on exit */
    bool quiet;
    bool unmapped_abort;              /* -unmapped-abort: hardware's external aborts
                                         instead of QEMU's reads-zero */
    int64_t rtc_base;                 /* seconds; <0: host time at start */
    int rtc_clock;                    /* VpbRtcClock: -rtc clock=vm|host|rt */
    const char *initrd;               /* -initrd */
    const char *dtb;                  /* -dtb */
    bool no_reboot;                   /* -no-reboot: a guest reset ends the run (0) */
    const char *roi_begin, *roi_end;  /* -roi-begin/-roi-end: console line prefixes */
    AlignConfig session;              /* -align-policy, -record, -align-report, -tb-chain */
    const char *sd_image[2];          /* -sd / -drive if=sd: MMCI0, MMCI1 */
    int n_sd;
    bool snapshot;                    /* -snapshot: SD writes are not kept */
    int64_t sd_cmd_ns, sd_block_ns;   /* -sd-latency: 0,0 = instant, as QEMU */
    MonitorSpec monitor;              /* -monitor stdio|unix:PATH,server,nowait|none */
    bool start_stopped;               /* -S: wait for the monitor's `cont` */
} MachineConfig;

/* Parses argv into cfg. Returns 0 to run, 1 when it printed help/version and
 * the process should exit 0, -1 after printing a one-line error. */
int cli_parse(int argc, char **argv, MachineConfig *cfg);
void cli_usage(FILE *f);
#endif
