/*
 * The devices of QEMU 7.2's versatilepb machine (hw/arm/versatilepb.c) that
 * driftlab models, created and wired as QEMU does:
 *
 *   0x10000000 system registers (realview_sysctl, SYS_ID 0x41007004,
 *              PROCID0 0x02000000)
 *   0x10002000 Versatile I2C (bit-banged) with a DS1338 RTC at 0x68
 *   0x10003000 SIC: output 31 -> VIC 31, pass-through 21..30 -> VIC 21..30
 *   0x10004000 PL041 AACI + LM4549 codec -> SIC 24 (NC FIFO depth 512)
 *   0x10006000 PL050 KMI0, PS/2 keyboard -> SIC 3
 *   0x10007000 PL050 KMI1, PS/2 mouse -> SIC 4
 *   0x10009000 PL011 UART3 -> SIC 6           (serial 3)
 *   0x10130000 PL080 DMA -> VIC 17            (masters the whole bus)
 *   0x10140000 PL190 VIC -> CPU IRQ, CPU FIQ
 *   0x101e2000 SP804 timers 0/1 -> VIC 4      (1 MHz)
 *   0x101e3000 SP804 timers 2/3 -> VIC 5      (1 MHz)
 *   0x101e4000 PL061 GPIO0..3 at 0x1000 steps -> VIC 6..9
 *   0x101e8000 PL031 RTC -> VIC 10
 *   0x101f1000 PL011 UART0 -> VIC 12          (serial 0)
 *   0x101f2000 PL011 UART1 -> VIC 13          (serial 1)
 *   0x101f3000 PL011 UART2 -> VIC 14          (serial 2)
 *   0x10120000 PL110 CLCD (versatile) -> VIC 16, mux from SYS_CLCD
 *   0x10010000 SMC91C111 Ethernet -> SIC 25   (MAC 52:54:00:12:34:56)
 *   0x10001000 PCI host bridge, windows 0x41000000..0x6fffffff -> SIC 27..30
 *   0x34000000 CFI flash, 64 MiB
 *   0x10005000 PL181 MMCI0 -> SIC 22, SIC 1   (SD card: -sd / -drive if=sd)
 *   0x1000b000 PL181 MMCI1 -> SIC 23, SIC 2
 *
 * Not modelled: the LSI SCSI controller QEMU puts in PCI slot 12 for its
 * default empty CD-ROM (docs/qemu-differences.md).
 */
#ifndef EMU_HW_VERSATILEPB_H
#define EMU_HW_VERSATILEPB_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/arm_sysctl.h"
#include "hw/bus.h"
#include "hw/chardev.h"
#include "hw/ds1338.h"
#include "hw/irq.h"
#include "hw/pl011.h"
#include "hw/pl031.h"
#include "hw/pl041.h"
#include "hw/pl050.h"
#include "hw/pl061.h"
#include "hw/pl080.h"
#include "hw/pl181.h"
#include "hw/pflash_cfi01.h"
#include "hw/pl110.h"
#include "hw/pl190.h"
#include "hw/sdcard.h"
#include "hw/blockdev.h"
#include "hw/smc91c111.h"
#include "hw/sp804.h"
#include "hw/versatile_i2c.h"
#include "hw/versatile_pci.h"
#include "hw/vpb_sic.h"
#include "timer.h"

#define VPB_NUM_SERIAL 4

/* Which clock the PL031 counts on (QEMU's -rtc clock=). */
typedef enum VpbRtcClock {
    VPB_RTC_CLOCK_VM = 0,   /* -rtc clock=vm: deterministic under icount */
    VPB_RTC_CLOCK_HOST,     /* QEMU's default: host wall-clock time */
    VPB_RTC_CLOCK_RT,       /* -rtc clock=rt: host monotonic time */
} VpbRtcClock;

typedef struct VersatilePBConfig {
    Bus *bus;               /* RAM already set up */
    TimerList *vtimers;     /* QEMU_CLOCK_VIRTUAL: device timers run here */
    TimerList *rtimers;     /* realtime list; only for rtc_clock HOST/RT */
    IrqLine cpu_irq, cpu_fiq;
    /* -serial specs for UART0..3: "stdio", "mon:stdio", "file:PATH",
     * "null", or NULL/"none" for no backend (output dropped). */
    const char *serial[VPB_NUM_SERIAL];
    /* Optional ready-made backends, used instead of serial[i] when set
     * (not owned: versatilepb_destroy leaves them open). */
    CharDev *serial_chr[VPB_NUM_SERIAL];
    /* PL031: what it reads at start, in seconds since the epoch (UTC):
     * QEMU's -rtc base=, by default the host's time(NULL) at startup. */
    int64_t rtc_base;
    /* PL031 clock; the zero default is the virtual clock (-rtc clock=vm). */
    VpbRtcClock rtc_clock;
    /* Running without -icount: QEMU then throttles periodic ptimers (the
     * SP804s) to periods of at least 10 us. Leave false under icount. */
    bool no_icount;
    /* Raw SD card images for MMCI0 (0x10005000) and MMCI1 (0x1000b000); NULL
     * leaves the slot empty. Both controllers exist either way, as in QEMU. */
    const char *sd_image[2];
    bool sd_snapshot;       /* QEMU's -snapshot: writes go to a throwaway overlay */
    /* Virtual-time cost of SD commands and blocks; zeros (the default)
     * complete at once, as QEMU's PL181 does. */
    Pl181Latency sd_latency;
    /* Guest-requested system reset (SYS_RESETCTL) / shutdown; optional. */
    void (*reset_request)(void *opaque);
    void (*shutdown_request)(void *opaque);
    void *request_opaque;
} VersatilePBConfig;

typedef struct VersatilePB {
    ArmSysctl sysctl;
    PL190 vic;
    VpbSic sic;
    SP804 timer[2];
    PL011 uart[VPB_NUM_SERIAL];
    PL031 rtc;
    CharDev *serial[VPB_NUM_SERIAL];
    bool owns_serial[VPB_NUM_SERIAL];
    Pl181 *mmci[2];
    SdCard *card[2];
    BlockDev *disk[2];
    PL050 kmi[2];           /* keyboard, mouse */
    PL080 dma;
    PL061 gpio[4];
    VersatileI2C i2c;
    Ds1338 i2c_rtc;
    PL041 aaci;
    Pl110 clcd;
    Smc91c111 eth;
    VersatilePci pci;
    PFlashCfi01 flash;
    IrqLine pic[32];        /* VIC inputs */
    IrqLine sic_in[32];     /* SIC inputs */
} VersatilePB;

/* Creates, maps and wires the devices, then applies QEMU's machine reset.
 * NULL with a message on stderr on failure. */
VersatilePB *versatilepb_create(const VersatilePBConfig *cfg);
/* Flushes and closes the serial backends, disarms the timers, frees. */
void versatilepb_destroy(VersatilePB *vpb);
/* QEMU's system reset for these devices: in QEMU 7.2 the sysctl, the VIC,
 * the PS/2 devices behind the KMIs, PL080, both PL181s and their SD cards,
 * PL061, DS1338, PL041, the Ethernet, the PCI bridge and the flash have
 * reset handlers (SIC, SP804,
 * PL011, PL031, PL050, PL110 and the I2C controller keep their state). */
void versatilepb_reset(VersatilePB *vpb);

/* Deliver pending host input to the UARTs that can take it; call it from
 * the main loop now and then and when the CPU is idle. force: poll the fds
 * even within the 1 ms rate limit. True if any byte was delivered. */
bool versatilepb_poll_input(VersatilePB *vpb, bool force);
/* Input fds to wait on while idle; returns how many were stored. */
int versatilepb_input_fds(const VersatilePB *vpb, int fds[VPB_NUM_SERIAL]);
/* Write out buffered serial output. Async-signal-safe (write(2) only). */
void versatilepb_flush(VersatilePB *vpb);
/* Restore a terminal put in raw mode by -serial stdio. Async-signal-safe. */
void versatilepb_restore_tty(VersatilePB *vpb);

/* For devices added later (e.g. PL181 MMCI0 on SIC 22 and SIC 1). */
IrqLine versatilepb_vic_irq(VersatilePB *vpb, int n);
IrqLine versatilepb_sic_irq(VersatilePB *vpb, int n);
#endif
