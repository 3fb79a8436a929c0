/*
 * SD memory card in SD (not SPI) mode, as QEMU 7.2's hw/sd/sd.c "sd-card"
 * with its default properties (spec_version 2.00): the same state machine,
 * command set, responses, card status bits, and CID/CSD/OCR/SCR contents.
 *
 * Capacity as QEMU decides it: an image of at most 2 GiB is a Standard
 * Capacity card (CSD v1, byte addressing); a larger one is SDHC (CSD v2,
 * 512-byte block addressing once ACMD41 has powered it up with CCS set).
 * As in QEMU the image size must be a power of two.
 *
 * The card's only timer is QEMU's OCR power-up delay: an "enquiry" ACMD41
 * (argument bits 23:0 zero) before power-up starts a 0.5 ms timer on the
 * virtual clock, after which OCR reports power-up done.
 */
#ifndef EMU_HW_SDCARD_H
#define EMU_HW_SDCARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/blockdev.h"
#include "timer.h"

/* Card status bits (R1), as QEMU's include/hw/sd/sd.h. */
#define SD_OUT_OF_RANGE         (1u << 31)
#define SD_ADDRESS_ERROR        (1u << 30)
#define SD_BLOCK_LEN_ERROR      (1u << 29)
#define SD_ERASE_SEQ_ERROR      (1u << 28)
#define SD_ERASE_PARAM          (1u << 27)
#define SD_WP_VIOLATION         (1u << 26)
#define SD_CARD_IS_LOCKED       (1u << 25)
#define SD_LOCK_UNLOCK_FAILED   (1u << 24)
#define SD_COM_CRC_ERROR        (1u << 23)
#define SD_ILLEGAL_COMMAND      (1u << 22)
#define SD_CARD_ECC_FAILED      (1u << 21)
#define SD_CC_ERROR             (1u << 20)
#define SD_ERROR                (1u << 19)
#define SD_CID_CSD_OVERWRITE    (1u << 16)
#define SD_WP_ERASE_SKIP        (1u << 15)
#define SD_CARD_ECC_DISABLED    (1u << 14)
#define SD_ERASE_RESET          (1u << 13)
#define SD_CURRENT_STATE        (7u << 9)
#define SD_READY_FOR_DATA       (1u << 8)
#define SD_APP_CMD              (1u << 5)
#define SD_AKE_SEQ_ERROR        (1u << 3)

/* OCR bits. */
#define SD_OCR_CARD_POWER_UP    (1u << 31)
#define SD_OCR_CARD_CAPACITY    (1u << 30)    /* CCS: SDHC, block addressing */

#define SD_SDSC_MAX_CAPACITY    (2ULL << 30)  /* larger images are SDHC */
#define SD_OCR_POWER_DELAY_NS   500000        /* QEMU's OCR_POWER_DELAY_NS */

enum SdCardState {
    SD_STATE_INACTIVE = -1,
    SD_STATE_IDLE = 0,
    SD_STATE_READY,
    SD_STATE_IDENTIFICATION,
    SD_STATE_STANDBY,
    SD_STATE_TRANSFER,
    SD_STATE_SENDINGDATA,
    SD_STATE_RECEIVINGDATA,
    SD_STATE_PROGRAMMING,
    SD_STATE_DISCONNECT,
};

typedef struct SdCard {
    /* SD memory card registers */
    uint32_t ocr;
    uint8_t scr[8];
    uint8_t cid[16];
    uint8_t csd[16];
    uint16_t rca;
    uint32_t card_status;
    uint8_t sd_status[64];

    uint8_t spec_version;       /* 2: SD physical layer spec 2.00 */
    BlockDev *bd;               /* not owned */
    bool read_only;             /* backend read-only (see sdcard.c) */

    uint32_t mode;              /* inactive / identification / transfer */
    int32_t state;              /* enum SdCardState */
    uint32_t vhs;
    bool wp_switch;
    uint8_t *wp_group_bmap;     /* one bit per 2 MiB write-protect group */
    uint32_t wp_group_bits;
    uint64_t size;
    uint32_t blk_len;
    uint32_t multi_blk_cnt;
    uint32_t erase_start;
    uint32_t erase_end;
    uint8_t pwd[16];
    uint32_t pwd_len;
    uint8_t function_group[6];
    uint8_t current_cmd;
    bool expecting_acmd;        /* the next command is an ACMD */
    uint32_t blk_written;
    uint64_t data_start;
    uint32_t data_offset;
    uint8_t data[512];
    bool enable;

    Timer ocr_power_timer;      /* on the virtual clock */
} SdCard;

/* bd: an open image (not owned; must outlive the card). vt: the virtual
 * clock's timer list. Returns NULL with a one-line reason in msg when the
 * image size is not a power of two (QEMU: "Invalid SD card size"). The card
 * starts reset (idle state). */
SdCard *sdcard_create(BlockDev *bd, TimerList *vt, char *msg, size_t msglen);
void sdcard_destroy(SdCard *sd);
/* Device reset (power-on / system reset), as QEMU's sd_reset(). Like QEMU
 * it leaves a pending OCR power-up timer alone. */
void sdcard_reset(SdCard *sd);

/* The SD bus, as seen from a host controller. do_command returns the
 * response length in bytes (0 for none or an illegal command, 4 for R1/R1b/
 * R3/R6/R7, 16 for R2) and writes it to response (big-endian, as on the
 * wire, without start bits or CRC except R2's CRC byte). */
int sdcard_do_command(SdCard *sd, uint8_t cmd, uint32_t arg, uint8_t response[16]);
void sdcard_write_byte(SdCard *sd, uint8_t value);
uint8_t sdcard_read_byte(SdCard *sd);
bool sdcard_data_ready(const SdCard *sd);     /* sending-data state */
bool sdcard_receive_ready(const SdCard *sd);  /* receiving-data state */
bool sdcard_is_read_only(const SdCard *sd);   /* QEMU's get_readonly */
#endif
