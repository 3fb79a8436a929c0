/* A small SD card driver for the versatilepb PL181 MMCI0 (0x10005000).
 *
 * Programmed I/O through the 16-word FIFO, completion either by polling the
 * Status register or by interrupts: MMCI0 interrupt 0 is SIC line 22, which
 * the driver enables in the SIC so that it reaches the VIC on line 31 (the
 * SIC output). Written against QEMU 7.2's model (hw/sd/pl181.c, sd.c),
 * which emu-arm reproduces; it also works with emu-arm's -sd-latency model,
 * where commands and data take virtual time.
 *
 * Card set-up: CMD0, CMD8, ACMD41 (until powered up), CMD2, CMD3, CMD9 (size
 * from the CSD), CMD7, CMD16(512). Reads: CMD17 / CMD18 + CMD12. Writes:
 * CMD24 / CMD25 + CMD12, then CMD13 until the card is back in "tran".
 * Every R1 is checked for error bits; a failing call returns a negative
 * MMCI_E* code and leaves the details in the card structure for
 * mmci_describe_error(). Block numbers are in 512-byte units for both
 * standard- and high-capacity cards. Requests beyond the card's capacity
 * are sent as they are: the card answers them with an error status. */
#ifndef DRIFTLAB_MMCI_H
#define DRIFTLAB_MMCI_H

#include <stdint.h>

#define MMCI0_BASE 0x10005000u
#define SIC_BASE   0x10003000u
#define SIC_LINE_MMCI0 22
#define VIC_LINE_SIC   31

#define MMCI_BLOCK 512u

enum {
    MMCI_OK = 0,
    MMCI_ETIMEOUT = -1,     /* no response (Status.CMDTIMEOUT) */
    MMCI_ECARD = -2,        /* R1 reported an error, e.g. ADDRESS_ERROR */
    MMCI_ESTATE = -3,       /* the card is not in the state it should be */
    MMCI_EDATA = -4,        /* data CRC/timeout/overrun/underrun status */
    MMCI_ESTALL = -5,       /* no data progress within the polling budget */
    MMCI_ENOCARD = -6,      /* set-up failed: no card answering */
};

typedef struct mmci_card {
    uint32_t base;
    int use_irq;            /* 1: completion by interrupt (WFI wait) */
    int high_capacity;      /* OCR.CCS: block addressing */
    uint16_t rca;
    uint32_t ocr;
    uint32_t cid[4], csd[4];
    uint32_t nblocks;       /* capacity in 512-byte blocks, from the CSD */
    /* counters */
    uint32_t cmds, irqs, status_polls;
    /* the last failure */
    uint32_t err_cmd, err_arg, err_status, err_r1;
} mmci_card;

/* Resets the controller and sets the card up; 0 or MMCI_E*. With use_irq
 * it installs the VIC line 31 handler, enables SIC line 22 and unmasks IRQs
 * in the CPU (they stay unmasked; each wait is a masked test + WFI). */
int mmci_init(mmci_card *c, int use_irq);

/* count blocks from block lba. multi: use CMD18/CMD25 for count > 1
 * (else one CMD17/CMD24 per block). buf must be 4-byte aligned. */
int mmci_read(mmci_card *c, uint32_t lba, uint32_t count, void *buf, int multi);
int mmci_write(mmci_card *c, uint32_t lba, uint32_t count, const void *buf, int multi);

/* CMD13: the card's R1 status in *r1. */
int mmci_send_status(mmci_card *c, uint32_t *r1);

const char *mmci_strerror(int err);
/* One line, no newline: "sd error: ETIMEOUT cmd=17 arg=0x... status=0x... r1=0x..." */
void mmci_describe_error(const mmci_card *c, int err);

/* R1 card status bits */
#define R1_OUT_OF_RANGE     (1u << 31)
#define R1_ADDRESS_ERROR    (1u << 30)
#define R1_BLOCK_LEN_ERROR  (1u << 29)
#define R1_WP_VIOLATION     (1u << 26)
#define R1_ILLEGAL_COMMAND  (1u << 22)
#define R1_ERRORS           0xfdf90008u
#define R1_STATE(r1)        (((r1) >> 9) & 0xfu)
#define R1_READY_FOR_DATA   (1u << 8)
#define R1_STATE_TRAN       4u

#endif
