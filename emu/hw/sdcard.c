/*
 * SD memory card state machine with QEMU 7.2's semantics (hw/sd/sd.c, SD
 * protocol, spec_version 2.00). The structure follows QEMU's closely on
 * purpose: which commands answer in which state, what goes into the card
 * status and when it is cleared are all guest-visible.
 *
 * One deliberate difference: QEMU refuses a read-only drive for an SD card;
 * here a read-only image is accepted (the backend warned about it) and
 * behaves like a card whose write-protect is set: CMD24/CMD25/CMD38 answer
 * with WP_VIOLATION and nothing is written.
 */
#include "hw/sdcard.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SD_INACTIVE_MODE, SD_IDENTIFICATION_MODE, SD_TRANSFER_MODE };

typedef enum {
    sd_r0 = 0,      /* no response */
    sd_r1,          /* normal response command */
    sd_r2_i,        /* CID register */
    sd_r2_s,        /* CSD register */
    sd_r3,          /* OCR register */
    sd_r6 = 6,      /* published RCA response */
    sd_r7,          /* operating voltage */
    sd_r1b = -1,
    sd_illegal = -2,
} SdRsp;

#define SD_SPEC_V1_10 1
#define SD_SPEC_V2_00 2
#define SD_SPEC_V3_01 3

#define HWBLOCK_SHIFT   9       /* 512 bytes */
#define SECTOR_SHIFT    5       /* 16 kilobytes */
#define WPGROUP_SHIFT   7       /* 2 megs */
#define CMULT_SHIFT     9       /* 512 times HWBLOCK_SIZE */
#define WPGROUP_SIZE    (1u << (HWBLOCK_SHIFT + SECTOR_SHIFT + WPGROUP_SHIFT))

#define INVALID_ADDRESS 0xffffffffu

#define OCR_VDD_VOLTAGE_WINDOW  0x00ffffffu
#define OCR_VDD_VOLTAGE_WIN_HI  0x00ffff00u
#define OCR_ACCEPT_SWITCH_1V8   (1u << 24)
#define OCR_UHS_II_CARD         (1u << 29)
#define ACMD41_ENQUIRY_MASK     0x00ffffffu
#define ACMD41_R3_MASK          (OCR_VDD_VOLTAGE_WIN_HI | OCR_ACCEPT_SWITCH_1V8 \
                                 | OCR_UHS_II_CARD | SD_OCR_CARD_CAPACITY \
                                 | SD_OCR_CARD_POWER_UP)

/* Card status bits by clear condition (QEMU's CARD_STATUS_A/B/C):
 * B: cleared after each valid command's response, C: cleared by reading. */
#define CSR_CURRENT_STATE_MASK  (0xfu << 9)
#define CARD_STATUS_B   (CSR_CURRENT_STATE_MASK | SD_ILLEGAL_COMMAND | SD_COM_CRC_ERROR)
#define CARD_STATUS_C   (SD_AKE_SEQ_ERROR | SD_APP_CMD | SD_ERASE_RESET \
                         | SD_WP_ERASE_SKIP | SD_CID_CSD_OVERWRITE | SD_ERROR \
                         | SD_CC_ERROR | SD_CARD_ECC_FAILED | SD_LOCK_UNLOCK_FAILED \
                         | SD_WP_VIOLATION | SD_ERASE_PARAM | SD_ERASE_SEQ_ERROR \
                         | SD_BLOCK_LEN_ERROR | SD_ADDRESS_ERROR | SD_OUT_OF_RANGE)

enum { T_NONE, T_BC, T_BCR, T_AC, T_ADTC };

/* Command types: only "addressed" (ac/adtc) matters, for the RCA argument. */
static const uint8_t sd_cmd_type[64] = {
    [0] = T_BC, [2] = T_BCR, [3] = T_BCR, [7] = T_AC, [8] = T_BCR,
    [9] = T_AC, [10] = T_AC, [11] = T_ADTC, [12] = T_AC, [13] = T_AC,
    [15] = T_AC, [16] = T_AC, [17] = T_ADTC, [18] = T_ADTC,
    [24] = T_ADTC, [25] = T_ADTC, [26] = T_ADTC, [27] = T_ADTC,
    [28] = T_AC, [29] = T_AC, [30] = T_ADTC, [32] = T_AC, [33] = T_AC,
    [38] = T_AC, [42] = T_BC, [55] = T_AC, [56] = T_ADTC,
};

static const uint8_t sd_cmd_class[64] = {
    0,  0,  0,  0,  0,  9, 10,  0,  0,  0,  0,  1,  0,  0,  0,  0,
    2,  2,  2,  2,  3,  3,  3,  3,  4,  4,  4,  4,  6,  6,  6,  6,
    5,  5, 10, 10, 10, 10,  5,  9,  9,  9,  7,  7,  7,  7,  7,  7,
    7,  7, 10,  7,  9,  9,  9,  8,  8, 10,  8,  8,  8,  8,  8,  8,
};

static uint8_t sd_crc7(const uint8_t *msg, size_t width)
{
    uint8_t shift_reg = 0;
    for (size_t i = 0; i < width; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            shift_reg = (uint8_t)(shift_reg << 1);
            if ((shift_reg >> 7) ^ ((msg[i] >> bit) & 1))
                shift_reg ^= 0x89;
        }
    }
    return shift_reg;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* QEMU stores these through a host uint32_t pointer: little-endian hosts. */
static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static bool test_bit(const uint8_t *map, uint64_t n) { return (map[n >> 3] >> (n & 7)) & 1; }
static void set_bit(uint8_t *map, uint64_t n) { map[n >> 3] |= (uint8_t)(1u << (n & 7)); }
static void clear_bit(uint8_t *map, uint64_t n) { map[n >> 3] &= (uint8_t)~(1u << (n & 7)); }

static uint64_t sd_addr_to_wpnum(uint64_t addr)
{
    return addr >> (HWBLOCK_SHIFT + SECTOR_SHIFT + WPGROUP_SHIFT);
}

static bool sd_high_capacity(const SdCard *sd)
{
    return (sd->ocr & SD_OCR_CARD_CAPACITY) != 0;
}

/* ---- registers ---- */

static void sd_ocr_powerup(void *opaque)
{
    SdCard *sd = opaque;
    sd->ocr |= SD_OCR_CARD_POWER_UP;
    if (sd->size > SD_SDSC_MAX_CAPACITY)
        sd->ocr |= SD_OCR_CARD_CAPACITY;
}

static void sd_set_ocr(SdCard *sd)
{
    sd->ocr = OCR_VDD_VOLTAGE_WIN_HI;    /* all voltages OK, not powered up */
}

static void sd_set_scr(SdCard *sd)
{
    sd->scr[0] = 0 << 4;                 /* SCR structure version 1.0 */
    sd->scr[0] |= sd->spec_version == SD_SPEC_V1_10 ? 1 : 2;
    sd->scr[1] = (2 << 4) | 0x5;         /* SDSC security 1.01; 1- and 4-bit bus */
    sd->scr[2] = sd->spec_version >= SD_SPEC_V3_01 ? 1 << 7 : 0;
    memset(&sd->scr[3], 0, 5);
}

static void sd_set_cid(SdCard *sd)
{
    static const uint8_t fixed[15] = {
        0xaa,                            /* MID */
        'X', 'Y',                        /* OID */
        'Q', 'E', 'M', 'U', '!',         /* PNM */
        0x01,                            /* PRV */
        0xde, 0xad, 0xbe, 0xef,          /* PSN */
        (2006 - 2000) / 10,              /* MDT: 2006-02 */
        ((2006 % 10) << 4) | 2,
    };
    memcpy(sd->cid, fixed, 15);
    sd->cid[15] = (uint8_t)((sd_crc7(sd->cid, 15) << 1) | 1);
}

static void sd_set_csd(SdCard *sd, uint64_t size)
{
    int hwblock_shift = HWBLOCK_SHIFT;
    uint32_t csize;
    uint32_t sectsize = (1u << (SECTOR_SHIFT + 1)) - 1;
    uint32_t wpsize = (1u << (WPGROUP_SHIFT + 1)) - 1;

    /* A 2 GiB card says so with a 1024-byte READ_BL_LEN. */
    if (size == SD_SDSC_MAX_CAPACITY)
        hwblock_shift += 1;
    csize = (uint32_t)(size >> (CMULT_SHIFT + hwblock_shift)) - 1;

    if (size <= SD_SDSC_MAX_CAPACITY) {
        sd->csd[0] = 0x00;               /* CSD structure 1.0 */
        sd->csd[1] = 0x26;               /* TAAC */
        sd->csd[2] = 0x00;               /* NSAC */
        sd->csd[3] = 0x32;               /* max. transfer rate: 25 MHz */
        sd->csd[4] = 0x5f;               /* card command classes */
        sd->csd[5] = (uint8_t)(0x50 | hwblock_shift);
        sd->csd[6] = (uint8_t)(0xe0 | ((csize >> 10) & 0x03));
        sd->csd[7] = (uint8_t)((csize >> 2) & 0xff);
        sd->csd[8] = (uint8_t)(0x3f | ((csize << 6) & 0xc0));
        sd->csd[9] = (uint8_t)(0xfc | ((CMULT_SHIFT - 2) >> 1));
        sd->csd[10] = (uint8_t)(0x40 | (((CMULT_SHIFT - 2) << 7) & 0x80) | (sectsize >> 1));
        sd->csd[11] = (uint8_t)(((sectsize << 7) & 0x80) | wpsize);
        sd->csd[12] = (uint8_t)(0x90 | (hwblock_shift >> 2));
        sd->csd[13] = (uint8_t)(0x20 | ((hwblock_shift << 6) & 0xc0));
        sd->csd[14] = 0x00;
    } else {                             /* SDHC: CSD structure 2.0 */
        size /= 512 * 1024;
        size -= 1;
        sd->csd[0] = 0x40;
        sd->csd[1] = 0x0e;
        sd->csd[2] = 0x00;
        sd->csd[3] = 0x32;
        sd->csd[4] = 0x5b;
        sd->csd[5] = 0x59;
        sd->csd[6] = 0x00;
        sd->csd[7] = (uint8_t)((size >> 16) & 0xff);
        sd->csd[8] = (uint8_t)((size >> 8) & 0xff);
        sd->csd[9] = (uint8_t)(size & 0xff);
        sd->csd[10] = 0x7f;
        sd->csd[11] = 0x80;
        sd->csd[12] = 0x0a;
        sd->csd[13] = 0x40;
        sd->csd[14] = 0x00;
    }
    sd->csd[15] = (uint8_t)((sd_crc7(sd->csd, 15) << 1) | 1);
}

static const uint8_t sd_csd_rw_mask[16] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfc, 0xfe,
};

/* ---- responses ---- */

static void sd_response_r1_make(SdCard *sd, uint8_t *response)
{
    put_be32(response, sd->card_status);
    sd->card_status &= ~CARD_STATUS_C;
}

static void sd_response_r3_make(SdCard *sd, uint8_t *response)
{
    put_be32(response, sd->ocr & ACMD41_R3_MASK);
}

static void sd_response_r6_make(SdCard *sd, uint8_t *response)
{
    uint32_t cs = sd->card_status;
    uint16_t status = (uint16_t)(((cs >> 8) & 0xc000) | ((cs >> 6) & 0x2000) | (cs & 0x1fff));
    sd->card_status &= ~(CARD_STATUS_C & 0xc81fffu);
    response[0] = (uint8_t)(sd->rca >> 8);
    response[1] = (uint8_t)sd->rca;
    response[2] = (uint8_t)(status >> 8);
    response[3] = (uint8_t)status;
}

static void sd_response_r7_make(SdCard *sd, uint8_t *response)
{
    put_be32(response, sd->vhs);
}

/* ---- reset, create ---- */

void sdcard_reset(SdCard *sd)
{
    uint64_t size = sd->bd ? sd->bd->size : 0;
    uint64_t groups = sd_addr_to_wpnum(size) + 1;

    sd->state = SD_STATE_IDLE;
    sd->rca = 0;
    sd->size = size;
    sd_set_ocr(sd);
    sd_set_scr(sd);
    sd_set_cid(sd);
    sd_set_csd(sd, size);
    sd->card_status = SD_READY_FOR_DATA;
    memset(sd->sd_status, 0, sizeof sd->sd_status);

    /* The bitmap's size only depends on the image: allocated at create. */
    memset(sd->wp_group_bmap, 0, (size_t)((groups + 7) / 8));
    sd->wp_group_bits = (uint32_t)groups;
    sd->wp_switch = sd->read_only;
    memset(sd->function_group, 0, sizeof sd->function_group);
    sd->erase_start = INVALID_ADDRESS;
    sd->erase_end = INVALID_ADDRESS;
    sd->blk_len = 0x200;
    sd->pwd_len = 0;
    sd->expecting_acmd = false;
    sd->multi_blk_cnt = 0;
}

static void size_to_str(char *buf, size_t len, uint64_t val)
{
    static const char *const suffixes[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    /* QEMU's size_to_str(): i = floor(log2(val * 1024 / 1000)) / 10. */
    double x = (double)val / (1000.0 / 1024.0);
    int e = 0;
    while (x >= 1.0) {
        x /= 2;
        e++;
    }
    int i = (e - 1) / 10;
    if (i < 0)
        i = 0;
    snprintf(buf, len, "%0.3g %sB", (double)val / (double)(1ULL << (i * 10)), suffixes[i]);
}

SdCard *sdcard_create(BlockDev *bd, TimerList *vt, char *msg, size_t msglen)
{
    uint64_t size = bd ? bd->size : 0;

    if (msg && msglen)
        msg[0] = '\0';
    if (size > 0 && (size & (size - 1))) {
        char have[32], want[32];
        uint64_t p2 = 1;
        while (p2 < size)
            p2 <<= 1;
        size_to_str(have, sizeof have, size);
        size_to_str(want, sizeof want, p2);
        if (msg && msglen)
            snprintf(msg, msglen, "Invalid SD card size: %s (SD card size has to be "
                     "a power of 2, e.g. %s)", have, want);
        return NULL;
    }
    SdCard *sd = calloc(1, sizeof *sd);
    if (sd)
        sd->wp_group_bmap = calloc(1, (size_t)((sd_addr_to_wpnum(size) + 1 + 7) / 8));
    if (!sd || !sd->wp_group_bmap) {
        free(sd);
        if (msg && msglen)
            snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    sd->bd = bd;
    sd->read_only = bd && bd->read_only;
    sd->spec_version = SD_SPEC_V2_00;
    sd->enable = true;
    timer_init(&sd->ocr_power_timer, vt, sd_ocr_powerup, sd);
    sdcard_reset(sd);
    return sd;
}

void sdcard_destroy(SdCard *sd)
{
    if (!sd)
        return;
    timer_del(&sd->ocr_power_timer);
    free(sd->wp_group_bmap);
    free(sd);
}

bool sdcard_is_read_only(const SdCard *sd)
{
    return sd->wp_switch;
}

/* ---- backend access ---- */

static void sd_blk_read(SdCard *sd, uint64_t addr, uint32_t len)
{
    if (!sd->bd || blockdev_read(sd->bd, addr, sd->data, len) < 0)
        fprintf(stderr, "emu-arm: sd_blk_read: read error on host side\n");
}

static void sd_blk_write(SdCard *sd, uint64_t addr, uint32_t len)
{
    if (!sd->bd || blockdev_write(sd->bd, addr, sd->data, len) < 0)
        fprintf(stderr, "emu-arm: sd_blk_write: write error on host side\n");
}

static bool sd_write_protected(const SdCard *sd)
{
    /* CSD PERM/TMP_WRITE_PROTECT, or (our addition) a read-only image. */
    return (sd->csd[14] & 0x30) || sd->read_only;
}

static void sd_erase(SdCard *sd)
{
    uint64_t erase_start = sd->erase_start;
    uint64_t erase_end = sd->erase_end;
    bool sdsc = true;
    const uint32_t erase_len = 1u << HWBLOCK_SHIFT;

    if (sd->erase_start == INVALID_ADDRESS || sd->erase_end == INVALID_ADDRESS) {
        sd->card_status |= SD_ERASE_SEQ_ERROR;
        sd->erase_start = INVALID_ADDRESS;
        sd->erase_end = INVALID_ADDRESS;
        return;
    }
    if (sd_high_capacity(sd)) {
        /* High capacity memory card: erase units are 512 byte blocks */
        erase_start *= 512;
        erase_end *= 512;
        sdsc = false;
    }
    if (erase_start > sd->size || erase_end > sd->size) {
        sd->card_status |= SD_OUT_OF_RANGE;
        sd->erase_start = INVALID_ADDRESS;
        sd->erase_end = INVALID_ADDRESS;
        return;
    }
    sd->erase_start = INVALID_ADDRESS;
    sd->erase_end = INVALID_ADDRESS;
    sd->csd[14] |= 0x40;

    memset(sd->data, 0xff, erase_len);
    for (uint64_t a = erase_start; a <= erase_end; a += erase_len) {
        if (sdsc && test_bit(sd->wp_group_bmap, sd_addr_to_wpnum(a))) {
            sd->card_status |= SD_WP_ERASE_SKIP;
            continue;
        }
        sd_blk_write(sd, a, erase_len);
    }
}

static uint32_t sd_wpbits(SdCard *sd, uint64_t addr)
{
    uint32_t ret = 0;
    uint64_t wpnum = sd_addr_to_wpnum(addr);

    for (int i = 0; i < 32; i++, wpnum++, addr += WPGROUP_SIZE) {
        if (addr >= sd->size)
            continue;
        if (test_bit(sd->wp_group_bmap, wpnum))
            ret |= 1u << i;
    }
    return ret;
}

static void sd_function_switch(SdCard *sd, uint32_t arg)
{
    int mode = !!(arg & 0x80000000u);

    sd->data[0] = 0x00;                  /* maximum current consumption */
    sd->data[1] = 0x01;
    sd->data[2] = 0x80;                  /* supported group 6 functions */
    sd->data[3] = 0x01;
    sd->data[4] = 0x80;                  /* group 5 */
    sd->data[5] = 0x01;
    sd->data[6] = 0x80;                  /* group 4 */
    sd->data[7] = 0x01;
    sd->data[8] = 0x80;                  /* group 3 */
    sd->data[9] = 0x01;
    sd->data[10] = 0x80;                 /* group 2 */
    sd->data[11] = 0x43;
    sd->data[12] = 0x80;                 /* group 1 */
    sd->data[13] = 0x03;
    memset(&sd->data[14], 0, 3);
    for (int i = 0; i < 6; i++) {
        int new_func = (arg >> (i * 4)) & 0x0f;
        if (mode && new_func != 0x0f)
            sd->function_group[i] = (uint8_t)new_func;
        sd->data[16 - (i >> 1)] |= (uint8_t)(new_func << ((i % 2) * 4));
    }
    memset(&sd->data[17], 0, 47);
}

static bool sd_wp_addr(SdCard *sd, uint64_t addr)
{
    return test_bit(sd->wp_group_bmap, sd_addr_to_wpnum(addr));
}

static void sd_lock_command(SdCard *sd)
{
    int erase = !!(sd->data[0] & 0x08);
    int lock = sd->data[0] & 0x04;
    int clr_pwd = sd->data[0] & 0x02;
    int set_pwd = sd->data[0] & 0x01;
    uint32_t pwd_len = sd->blk_len > 1 ? sd->data[1] : 0;

    if (erase) {
        if (!(sd->card_status & SD_CARD_IS_LOCKED) || sd->blk_len > 1 ||
            set_pwd || clr_pwd || lock || sd->wp_switch || (sd->csd[14] & 0x20)) {
            sd->card_status |= SD_LOCK_UNLOCK_FAILED;
            return;
        }
        memset(sd->wp_group_bmap, 0, (sd->wp_group_bits + 7) / 8);
        sd->csd[14] &= (uint8_t)~0x10;
        sd->card_status &= ~SD_CARD_IS_LOCKED;
        sd->pwd_len = 0;
        /* As QEMU: the data is not actually erased. */
        fprintf(stderr, "SD: Card force-erased by CMD42\n");
        return;
    }
    if (sd->blk_len < 2 + pwd_len || pwd_len <= sd->pwd_len || pwd_len > sd->pwd_len + 16) {
        sd->card_status |= SD_LOCK_UNLOCK_FAILED;
        return;
    }
    if (sd->pwd_len && memcmp(sd->pwd, sd->data + 2, sd->pwd_len)) {
        sd->card_status |= SD_LOCK_UNLOCK_FAILED;
        return;
    }
    pwd_len -= sd->pwd_len;
    bool locked = (sd->card_status & SD_CARD_IS_LOCKED) != 0;
    if ((pwd_len && !set_pwd) || (clr_pwd && (set_pwd || lock)) ||
        (lock && !sd->pwd_len && !set_pwd) ||
        (!set_pwd && !clr_pwd && ((locked && lock) || (!locked && !lock)))) {
        sd->card_status |= SD_LOCK_UNLOCK_FAILED;
        return;
    }
    if (set_pwd) {
        memcpy(sd->pwd, sd->data + 2 + sd->pwd_len, pwd_len);
        sd->pwd_len = pwd_len;
    }
    if (clr_pwd)
        sd->pwd_len = 0;
    if (lock)
        sd->card_status |= SD_CARD_IS_LOCKED;
    else
        sd->card_status &= ~SD_CARD_IS_LOCKED;
}

static bool address_in_range(SdCard *sd, uint64_t addr, uint32_t length)
{
    if (addr + length > sd->size) {
        sd->card_status |= SD_ADDRESS_ERROR;
        return false;
    }
    return true;
}

/* ---- commands ---- */

static void sd_set_mode(SdCard *sd)
{
    switch (sd->state) {
    case SD_STATE_INACTIVE:
        sd->mode = SD_INACTIVE_MODE;
        break;
    case SD_STATE_IDLE:
    case SD_STATE_READY:
    case SD_STATE_IDENTIFICATION:
        sd->mode = SD_IDENTIFICATION_MODE;
        break;
    case SD_STATE_STANDBY:
    case SD_STATE_TRANSFER:
    case SD_STATE_SENDINGDATA:
    case SD_STATE_RECEIVINGDATA:
    case SD_STATE_PROGRAMMING:
    case SD_STATE_DISCONNECT:
        sd->mode = SD_TRANSFER_MODE;
        break;
    }
}


/* A data phase begins: the card sends or receives from `start` on. */
static void begin_data(SdCard *sd, int state, uint64_t start)
{
    sd->state = state;
    sd->data_start = start;
    sd->data_offset = 0;
}

static SdRsp sd_normal_command(SdCard *sd, uint8_t cmd, uint32_t arg)
{
    uint32_t rca = 0;
    uint64_t addr = sd_high_capacity(sd) ? (uint64_t)arg << 9 : arg;

    /* Not interpreting this as an app command */
    sd->card_status &= ~SD_APP_CMD;

    if (sd_cmd_type[cmd] == T_AC || sd_cmd_type[cmd] == T_ADTC)
        rca = arg >> 16;

    /* CMD23 (set block count) must be immediately followed by CMD18 or
     * CMD25; if not, its effects are cancelled. */
    if (sd->multi_blk_cnt != 0 && !(cmd == 18 || cmd == 25))
        sd->multi_blk_cnt = 0;

    /* Only Standard Capacity cards support class 6 commands */
    if (sd_cmd_class[cmd] == 6 && sd_high_capacity(sd))
        return sd_illegal;

    switch (cmd) {
    /* QEMU's SD protocol table */
    case 0:     /* CMD0: GO_IDLE_STATE */
        if (sd->state != SD_STATE_INACTIVE) {
            sd->state = SD_STATE_IDLE;
            sdcard_reset(sd);
        }
        return sd_r0;

    case 1:     /* SPI only */
    case 5:
    case 52: case 53: case 54:
    case 58: case 59:
        return sd_illegal;

    case 2:     /* CMD2: ALL_SEND_CID */
        if (sd->state != SD_STATE_READY)
            return sd_illegal;
        sd->state = SD_STATE_IDENTIFICATION;
        return sd_r2_i;

    case 3:     /* CMD3: SEND_RELATIVE_ADDR */
        switch (sd->state) {
        case SD_STATE_IDENTIFICATION:
        case SD_STATE_STANDBY:
            sd->state = SD_STATE_STANDBY;
            sd->rca = (uint16_t)(sd->rca + 0x4567);
            return sd_r6;
        default:
            return sd_illegal;
        }

    case 19:    /* CMD19: SEND_TUNING_BLOCK */
        if (sd->spec_version < SD_SPEC_V3_01)
            return sd_illegal;
        if (sd->state != SD_STATE_TRANSFER)
            return sd_illegal;
        sd->state = SD_STATE_SENDINGDATA;
        sd->data_offset = 0;
        return sd_r1;

    case 23:    /* CMD23: SET_BLOCK_COUNT */
        if (sd->spec_version < SD_SPEC_V3_01)
            return sd_illegal;
        if (sd->state != SD_STATE_TRANSFER)
            return sd_illegal;
        sd->multi_blk_cnt = arg;
        return sd_r1;

    /* Basic commands (Class 0 and Class 1) */
    case 4:     /* CMD4: SEND_DSR: never answered */
        break;

    case 6:     /* CMD6: SWITCH_FUNCTION */
        if (sd->mode == SD_TRANSFER_MODE) {
            sd_function_switch(sd, arg);
            begin_data(sd, SD_STATE_SENDINGDATA, 0);
            return sd_r1;
        }
        break;

    case 7:     /* CMD7: SELECT/DESELECT_CARD */
        switch (sd->state) {
        case SD_STATE_STANDBY:
            if (sd->rca != rca)
                return sd_r0;
            sd->state = SD_STATE_TRANSFER;
            return sd_r1b;
        case SD_STATE_TRANSFER:
        case SD_STATE_SENDINGDATA:
            if (sd->rca == rca)
                break;
            sd->state = SD_STATE_STANDBY;
            return sd_r1b;
        case SD_STATE_DISCONNECT:
            if (sd->rca != rca)
                return sd_r0;
            sd->state = SD_STATE_PROGRAMMING;
            return sd_r1b;
        case SD_STATE_PROGRAMMING:
            if (sd->rca == rca)
                break;
            sd->state = SD_STATE_DISCONNECT;
            return sd_r1b;
        default:
            break;
        }
        break;

    case 8:     /* CMD8: SEND_IF_COND */
        if (sd->spec_version < SD_SPEC_V2_00)
            break;
        if (sd->state != SD_STATE_IDLE)
            break;
        sd->vhs = 0;
        /* No response if not exactly one VHS bit is set. (QEMU shifts by
         * ctz + 1, which is 32 for bit 31: an x86 host masks that to 0.) */
        if (!(arg >> 8))
            return sd_r0;
        {
            unsigned sh = (unsigned)__builtin_ctz(arg & ~0xffu) + 1;
            if (arg >> (sh & 31))
                return sd_r0;
        }
        sd->vhs = arg;
        return sd_r7;

    case 9:     /* CMD9: SEND_CSD */
        if (sd->state == SD_STATE_STANDBY) {
            if (sd->rca != rca)
                return sd_r0;
            return sd_r2_s;
        }
        break;

    case 10:    /* CMD10: SEND_CID */
        if (sd->state == SD_STATE_STANDBY) {
            if (sd->rca != rca)
                return sd_r0;
            return sd_r2_i;
        }
        break;

    case 12:    /* CMD12: STOP_TRANSMISSION */
        switch (sd->state) {
        case SD_STATE_SENDINGDATA:
            sd->state = SD_STATE_TRANSFER;
            return sd_r1b;
        case SD_STATE_RECEIVINGDATA:
            sd->state = SD_STATE_PROGRAMMING;
            /* Operation complete. */
            sd->state = SD_STATE_TRANSFER;
            return sd_r1b;
        default:
            break;
        }
        break;

    case 13:    /* CMD13: SEND_STATUS */
        if (sd->mode == SD_TRANSFER_MODE) {
            if (sd->rca != rca)
                return sd_r0;
            return sd_r1;
        }
        break;

    case 15:    /* CMD15: GO_INACTIVE_STATE */
        if (sd->mode == SD_TRANSFER_MODE) {
            if (sd->rca != rca)
                return sd_r0;
            sd->state = SD_STATE_INACTIVE;
            return sd_r0;
        }
        break;

    /* Block read commands (Class 2) */
    case 16:    /* CMD16: SET_BLOCKLEN */
        if (sd->state == SD_STATE_TRANSFER) {
            if (arg > (1u << HWBLOCK_SHIFT))
                sd->card_status |= SD_BLOCK_LEN_ERROR;
            else
                sd->blk_len = arg;
            return sd_r1;
        }
        break;

    case 17:    /* CMD17: READ_SINGLE_BLOCK */
    case 18:    /* CMD18: READ_MULTIPLE_BLOCK */
        if (sd->state == SD_STATE_TRANSFER) {
            if (!address_in_range(sd, addr, sd->blk_len))
                return sd_r1;
            begin_data(sd, SD_STATE_SENDINGDATA, addr);
            return sd_r1;
        }
        break;

    /* Block write commands (Class 4) */
    case 24:    /* CMD24: WRITE_SINGLE_BLOCK */
    case 25:    /* CMD25: WRITE_MULTIPLE_BLOCK */
        if (sd->state == SD_STATE_TRANSFER) {
            if (!address_in_range(sd, addr, sd->blk_len))
                return sd_r1;
            begin_data(sd, SD_STATE_RECEIVINGDATA, addr);
            sd->blk_written = 0;
            if (sd->size <= SD_SDSC_MAX_CAPACITY && sd_wp_addr(sd, sd->data_start))
                sd->card_status |= SD_WP_VIOLATION;
            if (sd_write_protected(sd))
                sd->card_status |= SD_WP_VIOLATION;
            return sd_r1;
        }
        break;

    case 26:    /* CMD26: PROGRAM_CID */
    case 27:    /* CMD27: PROGRAM_CSD */
        if (sd->state == SD_STATE_TRANSFER) {
            begin_data(sd, SD_STATE_RECEIVINGDATA, 0);
            return sd_r1;
        }
        break;

    /* Write protection (Class 6) */
    case 28:    /* CMD28: SET_WRITE_PROT */
    case 29:    /* CMD29: CLR_WRITE_PROT */
        if (sd->size > SD_SDSC_MAX_CAPACITY)
            return sd_illegal;
        if (sd->state == SD_STATE_TRANSFER) {
            if (!address_in_range(sd, addr, 1))
                return sd_r1b;
            sd->state = SD_STATE_PROGRAMMING;
            if (cmd == 28)
                set_bit(sd->wp_group_bmap, sd_addr_to_wpnum(addr));
            else
                clear_bit(sd->wp_group_bmap, sd_addr_to_wpnum(addr));
            sd->state = SD_STATE_TRANSFER;
            return sd_r1b;
        }
        break;

    case 30:    /* CMD30: SEND_WRITE_PROT */
        if (sd->size > SD_SDSC_MAX_CAPACITY)
            return sd_illegal;
        if (sd->state == SD_STATE_TRANSFER) {
            if (!address_in_range(sd, arg, sd->blk_len))
                return sd_r1;
            sd->state = SD_STATE_SENDINGDATA;
            put_le32(sd->data, sd_wpbits(sd, arg));
            sd->data_start = addr;
            sd->data_offset = 0;
            return sd_r1;
        }
        break;

    /* Erase commands (Class 5) */
    case 32:    /* CMD32: ERASE_WR_BLK_START */
        if (sd->state == SD_STATE_TRANSFER) {
            sd->erase_start = arg;
            return sd_r1;
        }
        break;

    case 33:    /* CMD33: ERASE_WR_BLK_END */
        if (sd->state == SD_STATE_TRANSFER) {
            sd->erase_end = arg;
            return sd_r1;
        }
        break;

    case 38:    /* CMD38: ERASE */
        if (sd->state == SD_STATE_TRANSFER) {
            if (sd_write_protected(sd)) {
                sd->card_status |= SD_WP_VIOLATION;
                return sd_r1b;
            }
            sd->state = SD_STATE_PROGRAMMING;
            sd_erase(sd);
            sd->state = SD_STATE_TRANSFER;
            return sd_r1b;
        }
        break;

    /* Lock card commands (Class 7) */
    case 42:    /* CMD42: LOCK_UNLOCK */
        if (sd->state == SD_STATE_TRANSFER) {
            begin_data(sd, SD_STATE_RECEIVINGDATA, 0);
            return sd_r1;
        }
        break;

    /* Application specific commands (Class 8) */
    case 55:    /* CMD55: APP_CMD */
        switch (sd->state) {
        case SD_STATE_READY:
        case SD_STATE_IDENTIFICATION:
        case SD_STATE_INACTIVE:
            return sd_illegal;
        default:
            break;
        }
        if (sd->rca != rca)
            return sd_r0;
        sd->expecting_acmd = true;
        sd->card_status |= SD_APP_CMD;
        return sd_r1;

    case 56:    /* CMD56: GEN_CMD */
        if (sd->state == SD_STATE_TRANSFER) {
            sd->data_offset = 0;
            sd->state = (arg & 1) ? SD_STATE_SENDINGDATA : SD_STATE_RECEIVINGDATA;
            return sd_r1;
        }
        break;

    default:    /* unknown command */
        return sd_illegal;
    }
    /* A known command in a state where it is not accepted. */
    return sd_illegal;
}

static SdRsp sd_app_command(SdCard *sd, uint8_t cmd, uint32_t arg)
{
    sd->card_status |= SD_APP_CMD;

    switch (cmd) {
    case 6:     /* ACMD6: SET_BUS_WIDTH */
        if (sd->state == SD_STATE_TRANSFER) {
            sd->sd_status[0] &= 0x3f;
            sd->sd_status[0] |= (uint8_t)((arg & 0x03) << 6);
            return sd_r1;
        }
        break;

    case 13:    /* ACMD13: SD_STATUS */
        if (sd->state == SD_STATE_TRANSFER) {
            begin_data(sd, SD_STATE_SENDINGDATA, 0);
            return sd_r1;
        }
        break;

    case 22:    /* ACMD22: SEND_NUM_WR_BLOCKS */
        if (sd->state == SD_STATE_TRANSFER) {
            put_le32(sd->data, sd->blk_written);
            begin_data(sd, SD_STATE_SENDINGDATA, 0);
            return sd_r1;
        }
        break;

    case 23:    /* ACMD23: SET_WR_BLK_ERASE_COUNT */
        if (sd->state == SD_STATE_TRANSFER)
            return sd_r1;
        break;

    case 41:    /* ACMD41: SD_APP_OP_COND */
        if (sd->state != SD_STATE_IDLE)
            break;
        /* The first ACMD41 since reset decides power-up: a non-enquiry one
         * powers up at once, an enquiry (bits 23:0 zero) starts QEMU's 0.5 ms
         * power-up timer on the virtual clock. */
        if (!(sd->ocr & SD_OCR_CARD_POWER_UP)) {
            if (arg & ACMD41_ENQUIRY_MASK) {
                timer_del(&sd->ocr_power_timer);
                sd_ocr_powerup(sd);
            } else if (!timer_pending(&sd->ocr_power_timer)) {
                TimerList *vt = sd->ocr_power_timer.list;
                timer_mod(&sd->ocr_power_timer, timerlist_now(vt) + SD_OCR_POWER_DELAY_NS);
            }
        }
        /* Any voltage is accepted; an enquiry leaves the card idle. */
        if (sd->ocr & arg & OCR_VDD_VOLTAGE_WINDOW)
            sd->state = SD_STATE_READY;
        return sd_r3;

    case 42:    /* ACMD42: SET_CLR_CARD_DETECT */
        if (sd->state == SD_STATE_TRANSFER)
            return sd_r1;
        break;

    case 51:    /* ACMD51: SEND_SCR */
        if (sd->state == SD_STATE_TRANSFER) {
            begin_data(sd, SD_STATE_SENDINGDATA, 0);
            return sd_r1;
        }
        break;

    case 18:    /* reserved for SD security applications */
    case 25:
    case 26:
    case 38:
    case 43: case 44: case 45: case 46: case 47: case 48: case 49:
        return sd_illegal;

    default:
        /* Fall back to standard commands. */
        return sd_normal_command(sd, cmd, arg);
    }
    /* ACMD in a wrong state */
    return sd_illegal;
}

static bool cmd_valid_while_locked(const SdCard *sd, uint8_t cmd)
{
    /* Basic class (0), lock card class (7), CMD16, the ACMD prefix CMD55,
     * and ACMD41/ACMD42. */
    if (sd->expecting_acmd)
        return cmd == 41 || cmd == 42;
    if (cmd == 16 || cmd == 55)
        return true;
    return sd_cmd_class[cmd] == 0 || sd_cmd_class[cmd] == 7;
}

int sdcard_do_command(SdCard *sd, uint8_t cmd, uint32_t arg, uint8_t response[16])
{
    SdRsp rtype;
    int rsplen;

    if (!sd->bd || !sd->enable)
        return 0;
    cmd &= 0x3f;

    if ((sd->card_status & SD_CARD_IS_LOCKED) && !cmd_valid_while_locked(sd, cmd)) {
        sd->card_status |= SD_ILLEGAL_COMMAND;
        sd->expecting_acmd = false;
        rtype = sd_illegal;
    } else {
        int32_t last_state = sd->state;
        sd_set_mode(sd);
        if (sd->expecting_acmd) {
            sd->expecting_acmd = false;
            rtype = sd_app_command(sd, cmd, arg);
        } else {
            rtype = sd_normal_command(sd, cmd, arg);
        }
        if (rtype == sd_illegal) {
            sd->card_status |= SD_ILLEGAL_COMMAND;
        } else {
            /* Valid command: update the "state before command" bits now
             * so that they appear in R1 responses. */
            sd->current_cmd = cmd;
            sd->card_status &= ~SD_CURRENT_STATE;
            sd->card_status |= (uint32_t)last_state << 9;
        }
    }

    switch (rtype) {
    case sd_r1:
    case sd_r1b:
        sd_response_r1_make(sd, response);
        rsplen = 4;
        break;
    case sd_r2_i:
        memcpy(response, sd->cid, sizeof sd->cid);
        rsplen = 16;
        break;
    case sd_r2_s:
        memcpy(response, sd->csd, sizeof sd->csd);
        rsplen = 16;
        break;
    case sd_r3:
        sd_response_r3_make(sd, response);
        rsplen = 4;
        break;
    case sd_r6:
        sd_response_r6_make(sd, response);
        rsplen = 4;
        break;
    case sd_r7:
        sd_response_r7_make(sd, response);
        rsplen = 4;
        break;
    default:    /* sd_r0, sd_illegal */
        rsplen = 0;
        break;
    }
    /* Clear the "clear on valid command" status bits now that any response
     * has been sent. */
    if (rtype != sd_illegal)
        sd->card_status &= ~CARD_STATUS_B;
    return rsplen;
}

/* ---- data ---- */

void sdcard_write_byte(SdCard *sd, uint8_t value)
{
    if (!sd->bd || !sd->enable)
        return;
    if (sd->state != SD_STATE_RECEIVINGDATA)
        return;
    if (sd->card_status & (SD_ADDRESS_ERROR | SD_WP_VIOLATION))
        return;
    /* Our addition: a read-only image takes no data. (QEMU's own
     * WP_VIOLATION from CMD24 is cleared when the R1 is read, after which
     * it writes the block anyway; keep reporting it instead.) */
    if (sd->read_only && (sd->current_cmd == 24 || sd->current_cmd == 25)) {
        sd->card_status |= SD_WP_VIOLATION;
        return;
    }

    switch (sd->current_cmd) {
    case 24:    /* CMD24: WRITE_SINGLE_BLOCK */
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sd->blk_len) {
            sd->state = SD_STATE_PROGRAMMING;
            sd_blk_write(sd, sd->data_start, sd->data_offset);
            sd->blk_written++;
            sd->csd[14] |= 0x40;
            sd->state = SD_STATE_TRANSFER;
        }
        break;

    case 25:    /* CMD25: WRITE_MULTIPLE_BLOCK */
        if (sd->data_offset == 0) {
            /* Start of the block: check the address is valid */
            if (!address_in_range(sd, sd->data_start, sd->blk_len))
                break;
            if (sd->size <= SD_SDSC_MAX_CAPACITY && sd_wp_addr(sd, sd->data_start)) {
                sd->card_status |= SD_WP_VIOLATION;
                break;
            }
        }
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sd->blk_len) {
            sd->state = SD_STATE_PROGRAMMING;
            sd_blk_write(sd, sd->data_start, sd->data_offset);
            sd->blk_written++;
            sd->data_start += sd->blk_len;
            sd->data_offset = 0;
            sd->csd[14] |= 0x40;
            if (sd->multi_blk_cnt != 0 && --sd->multi_blk_cnt == 0) {
                sd->state = SD_STATE_TRANSFER;
                break;
            }
            sd->state = SD_STATE_RECEIVINGDATA;
        }
        break;

    case 26:    /* CMD26: PROGRAM_CID */
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sizeof sd->cid) {
            sd->state = SD_STATE_PROGRAMMING;
            for (size_t i = 0; i < sizeof sd->cid; i++)
                if (sd->cid[i] != sd->data[i])
                    sd->card_status |= SD_CID_CSD_OVERWRITE;
            if (!(sd->card_status & SD_CID_CSD_OVERWRITE))
                for (size_t i = 0; i < sizeof sd->cid; i++)
                    sd->cid[i] &= sd->data[i];
            sd->state = SD_STATE_TRANSFER;
        }
        break;

    case 27:    /* CMD27: PROGRAM_CSD */
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sizeof sd->csd) {
            sd->state = SD_STATE_PROGRAMMING;
            for (size_t i = 0; i < sizeof sd->csd; i++)
                if ((sd->csd[i] | sd_csd_rw_mask[i]) != (sd->data[i] | sd_csd_rw_mask[i]))
                    sd->card_status |= SD_CID_CSD_OVERWRITE;
            /* Copy flag (OTP) & permanent write protect */
            if (sd->csd[14] & ~sd->data[14] & 0x60)
                sd->card_status |= SD_CID_CSD_OVERWRITE;
            if (!(sd->card_status & SD_CID_CSD_OVERWRITE))
                for (size_t i = 0; i < sizeof sd->csd; i++) {
                    sd->csd[i] |= sd_csd_rw_mask[i];
                    sd->csd[i] &= sd->data[i];
                }
            sd->state = SD_STATE_TRANSFER;
        }
        break;

    case 42:    /* CMD42: LOCK_UNLOCK */
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sd->blk_len) {
            sd->state = SD_STATE_PROGRAMMING;
            sd_lock_command(sd);
            sd->state = SD_STATE_TRANSFER;
        }
        break;

    case 56:    /* CMD56: GEN_CMD (data discarded) */
        sd->data[sd->data_offset++] = value;
        if (sd->data_offset >= sd->blk_len)
            sd->state = SD_STATE_TRANSFER;
        break;

    default:
        break;
    }
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * A CMD13 (SEND_STATUS) sent while a read is in progress leaves the card
 * sending with current_cmd 13, so QEMU carries on with ACMD13's
 * sd_status[data_offset++]; with data_offset >= 64 that reads one byte past
 * the array, from the SDState fields that follow it, then stops. This is
 * that memory in QEMU 7.2's x86-64 layout (measured on Debian's build),
 * host pointers reading as 0. QEMU's code has already stored the
 * incremented data_offset when it loads the byte.
 */
static uint8_t sd_status_overrun(const SdCard *sd, uint32_t idx)
{
    uint8_t f[0xbc];

    if (idx >= sizeof f)
        return sd->data[idx - sizeof f];    /* data[] follows at 0xbc */
    memset(f, 0, sizeof f);
    f[0x40] = sd->spec_version;
    /* 0x48: BlockBackend *blk; 0x50: bool spi */
    put_le32(f + 0x54, sd->mode);
    put_le32(f + 0x58, (uint32_t)sd->state);
    put_le32(f + 0x5c, sd->vhs);
    f[0x60] = sd->wp_switch;
    /* 0x68: wp_group_bmap pointer */
    put_le32(f + 0x70, sd->wp_group_bits);
    put_le64(f + 0x78, sd->size);
    put_le32(f + 0x80, sd->blk_len);
    put_le32(f + 0x84, sd->multi_blk_cnt);
    put_le32(f + 0x88, sd->erase_start);
    put_le32(f + 0x8c, sd->erase_end);
    memcpy(f + 0x90, sd->pwd, sizeof sd->pwd);
    put_le32(f + 0xa0, sd->pwd_len);
    memcpy(f + 0xa4, sd->function_group, sizeof sd->function_group);
    f[0xaa] = sd->current_cmd;
    f[0xab] = sd->expecting_acmd;
    put_le32(f + 0xac, sd->blk_written);
    put_le64(f + 0xb0, sd->data_start);
    put_le32(f + 0xb8, sd->data_offset);
    return f[idx];
}

uint8_t sdcard_read_byte(SdCard *sd)
{
    uint8_t ret;
    uint32_t io_len;

    if (!sd->bd || !sd->enable)
        return 0;
    if (sd->state != SD_STATE_SENDINGDATA)
        return 0;
    if (sd->card_status & (SD_ADDRESS_ERROR | SD_WP_VIOLATION))
        return 0;

    io_len = sd_high_capacity(sd) ? 512 : sd->blk_len;
    switch (sd->current_cmd) {
    case 6:     /* CMD6: SWITCH_FUNCTION */
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= 64)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 9:     /* CMD9/CMD10 data phase: SPI only, unreachable here */
    case 10:
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= 16)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 13:    /* ACMD13: SD_STATUS */
        sd->data_offset++;
        ret = sd->data_offset - 1 < sizeof sd->sd_status
              ? sd->sd_status[sd->data_offset - 1]
              : sd_status_overrun(sd, sd->data_offset - 1);
        if (sd->data_offset >= sizeof sd->sd_status)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 17:    /* CMD17: READ_SINGLE_BLOCK */
        if (sd->data_offset == 0)
            sd_blk_read(sd, sd->data_start, io_len);
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= io_len)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 18:    /* CMD18: READ_MULTIPLE_BLOCK */
        if (sd->data_offset == 0) {
            if (!address_in_range(sd, sd->data_start, io_len))
                return 0;
            sd_blk_read(sd, sd->data_start, io_len);
        }
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= io_len) {
            sd->data_start += io_len;
            sd->data_offset = 0;
            if (sd->multi_blk_cnt != 0 && --sd->multi_blk_cnt == 0)
                sd->state = SD_STATE_TRANSFER;
        }
        break;

    case 22:    /* ACMD22: SEND_NUM_WR_BLOCKS */
    case 30:    /* CMD30: SEND_WRITE_PROT */
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= 4)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 51:    /* ACMD51: SEND_SCR */
        ret = sd->scr[sd->data_offset++];
        if (sd->data_offset >= sizeof sd->scr)
            sd->state = SD_STATE_TRANSFER;
        break;

    case 56:    /* CMD56: GEN_CMD */
        if (sd->data_offset == 0)
            memset(sd->data, 0xec, sd->blk_len);
        ret = sd->data[sd->data_offset++];
        if (sd->data_offset >= sd->blk_len)
            sd->state = SD_STATE_TRANSFER;
        break;

    default:
        return 0;
    }
    return ret;
}

bool sdcard_data_ready(const SdCard *sd)
{
    return sd->state == SD_STATE_SENDINGDATA;
}

bool sdcard_receive_ready(const SdCard *sd)
{
    return sd->state == SD_STATE_RECEIVINGDATA;
}
