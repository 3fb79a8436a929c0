/*
 * ARM PrimeCell PL181 MultiMedia Card Interface, as QEMU 7.2's
 * hw/sd/pl181.c: same registers, status bits, 16-word FIFO (including QEMU's
 * "linux_hack" refill-on-status-read), the two interrupt outputs
 * (status & mask0, status & mask1) and an SD card on its bus.
 *
 * versatilepb (QEMU 7.2 hw/arm/versatilepb.c) has two of them:
 *   MMCI0 at 0x10005000: irq0 -> SIC 22, irq1 -> SIC 1  (first -sd drive)
 *   MMCI1 at 0x1000b000: irq0 -> SIC 23, irq1 -> SIC 2  (second -sd drive)
 * A controller without a card answers every command with a timeout (or
 * CMDSENT when no response was asked for), as QEMU's empty sd-bus.
 *
 * Commands and data transfers complete instantly, as in QEMU. Optionally a
 * latency model (off by default) delays them on the virtual clock; see
 * docs/sd-latency.md.
 */
#ifndef EMU_HW_PL181_H
#define EMU_HW_PL181_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "hw/sdcard.h"
#include "timer.h"

#define PL181_SIZE 0x1000
#define PL181_FIFO_LEN 16

/* Command register */
#define PL181_CMD_INDEX     0x3f
#define PL181_CMD_RESPONSE  (1u << 6)
#define PL181_CMD_LONGRESP  (1u << 7)
#define PL181_CMD_INTERRUPT (1u << 8)
#define PL181_CMD_PENDING   (1u << 9)
#define PL181_CMD_ENABLE    (1u << 10)

/* DataCtrl register */
#define PL181_DATA_ENABLE       (1u << 0)
#define PL181_DATA_DIRECTION    (1u << 1)   /* 1: card to controller (read) */
#define PL181_DATA_MODE         (1u << 2)
#define PL181_DATA_DMAENABLE    (1u << 3)

/* Status register */
#define PL181_STATUS_CMDCRCFAIL       (1u << 0)
#define PL181_STATUS_DATACRCFAIL      (1u << 1)
#define PL181_STATUS_CMDTIMEOUT       (1u << 2)
#define PL181_STATUS_DATATIMEOUT      (1u << 3)
#define PL181_STATUS_TXUNDERRUN       (1u << 4)
#define PL181_STATUS_RXOVERRUN        (1u << 5)
#define PL181_STATUS_CMDRESPEND       (1u << 6)
#define PL181_STATUS_CMDSENT          (1u << 7)
#define PL181_STATUS_DATAEND          (1u << 8)
#define PL181_STATUS_DATABLOCKEND     (1u << 10)
#define PL181_STATUS_CMDACTIVE        (1u << 11)  /* latency model only */
#define PL181_STATUS_TXACTIVE         (1u << 12)
#define PL181_STATUS_RXACTIVE         (1u << 13)
#define PL181_STATUS_TXFIFOHALFEMPTY  (1u << 14)
#define PL181_STATUS_RXFIFOHALFFULL   (1u << 15)
#define PL181_STATUS_TXFIFOFULL       (1u << 16)
#define PL181_STATUS_RXFIFOFULL       (1u << 17)
#define PL181_STATUS_TXFIFOEMPTY      (1u << 18)
#define PL181_STATUS_RXFIFOEMPTY      (1u << 19)
#define PL181_STATUS_TXDATAAVLBL      (1u << 20)
#define PL181_STATUS_RXDATAAVLBL      (1u << 21)

/* Register offsets */
#define PL181_POWER      0x00
#define PL181_CLOCK      0x04
#define PL181_ARGUMENT   0x08
#define PL181_COMMAND    0x0c
#define PL181_RESPCMD    0x10
#define PL181_RESPONSE0  0x14
#define PL181_RESPONSE1  0x18
#define PL181_RESPONSE2  0x1c
#define PL181_RESPONSE3  0x20
#define PL181_DATATIMER  0x24
#define PL181_DATALENGTH 0x28
#define PL181_DATACTRL   0x2c
#define PL181_DATACNT    0x30
#define PL181_STATUS     0x34
#define PL181_CLEAR      0x38
#define PL181_MASK0      0x3c
#define PL181_MASK1      0x40
#define PL181_FIFOCNT    0x48
#define PL181_FIFO       0x80     /* 0x80-0xbc */

/* Virtual-time latency model. All zero (the default): QEMU's instant
 * completion, bit-for-bit. See docs/sd-latency.md. */
typedef struct Pl181Latency {
    int64_t cmd_ns;     /* Command write -> response / CMDSENT / CMDTIMEOUT */
    int64_t block_ns;   /* per 512 bytes moved between the card and the FIFO */
} Pl181Latency;

typedef struct Pl181 {
    uint32_t clock;
    uint32_t power;
    uint32_t cmdarg;
    uint32_t cmd;
    uint32_t datatimer;
    uint32_t datalength;
    uint32_t respcmd;
    uint32_t response[4];
    uint32_t datactrl;
    uint32_t datacnt;
    uint32_t status;
    uint32_t mask[2];
    int32_t fifo_pos;
    int32_t fifo_len;
    /* QEMU's workaround for the Linux 2.6.21 driver: after a FIFO read no
     * more data moves until Status or FifoCnt is read. */
    int32_t linux_hack;
    uint32_t fifo[PL181_FIFO_LEN];
    IrqLine irq[2];
    SdCard *card;               /* not owned; NULL: empty slot */

    /* latency model */
    Pl181Latency lat;
    TimerList *vt;
    Timer cmd_timer;
    bool cmd_pending;           /* a command is in flight (CMDACTIVE) */
    uint32_t pend_cmd, pend_arg;
    Timer data_timer;
    bool xfer_active;           /* the card-side data clock is running */
    uint32_t xfer_total;        /* bytes the clock will credit in all */
    uint32_t xfer_granted;      /* bytes credited so far */
    uint32_t xfer_credit;       /* credited bytes not yet moved */
} Pl181;

/* Creates the controller, maps it at base (PL181_SIZE bytes) and puts it in
 * its reset state. card may be NULL (no card inserted); it is not owned.
 * Returns NULL after a message on stderr if the region cannot be mapped. */
Pl181 *pl181_create(Bus *bus, uint32_t base, TimerList *vt, IrqLine irq0,
                    IrqLine irq1, SdCard *card_or_NULL);
/* Frees the controller (not the card). The bus region must not be used
 * afterwards. NULL is fine. */
void pl181_destroy(Pl181 *s);
/* System reset, as QEMU's pl181_reset(): most registers to 0; the clock
 * register and the FIFO contents survive (as in QEMU). Does not reset the
 * card: call sdcard_reset() for that (QEMU resets both). */
void pl181_reset(Pl181 *s);
/* Sets the latency model; NULL or all-zero turns it off. */
void pl181_set_latency(Pl181 *s, const Pl181Latency *lat);

uint32_t pl181_read(void *opaque, uint32_t offset, unsigned size);
void pl181_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
