/* Intel/Sharp CFI flash, QEMU 7.2's pflash_cfi01 in its legacy reply mode. */
#include "hw/pflash_cfi01.h"
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CMD_READ_ARRAY      0x00    /* QEMU's internal encoding of 0xff */
#define CMD_PROGRAM_10      0x10
#define CMD_BLOCK_ERASE     0x20
#define CMD_PROGRAM_40      0x40
#define CMD_CLEAR_STATUS    0x50
#define CMD_LOCK            0x60
#define CMD_READ_STATUS     0x70
#define CMD_READ_ID         0x90
#define CMD_QUERY           0x98
#define CMD_WRITE_BUFFER    0xe8
#define CMD_AMD_RESET       0xf0
#define CMD_READ_ARRAY_FF   0xff
#define CMD_CONFIRM         0xd0
#define CMD_LOCK_SET        0x01

#define ST_READY        0x80
#define ST_ERASE_ERR    0x20
#define ST_PROGRAM_ERR  0x10

static unsigned ctz(uint32_t v)
{
    unsigned n = 0;
    while (v && !(v & 1)) {
        v >>= 1;
        n++;
    }
    return n;
}

static void fill_cfi_table(PFlashCfi01 *s)
{
    uint8_t *t = s->cfi_table;
    uint32_t blocks = s->nb_blocks, sector = s->sector_len;

    memset(t, 0, sizeof s->cfi_table);
    t[0x10] = 'Q';
    t[0x11] = 'R';
    t[0x12] = 'Y';
    t[0x13] = 0x01;                 /* primary command set: Intel */
    t[0x15] = 0x31;                 /* extended table at 0x31 */
    t[0x1b] = 0x45;                 /* Vcc 4.5 V .. 5.5 V, no Vpp */
    t[0x1c] = 0x55;
    t[0x1f] = 0x07;                 /* typical/max timeouts, QEMU's values */
    t[0x20] = 0x07;
    t[0x21] = 0x0a;
    t[0x23] = 0x04;
    t[0x24] = 0x04;
    t[0x25] = 0x04;
    t[0x27] = (uint8_t)ctz(sector * blocks);    /* log2 of the size */
    t[0x28] = 0x02;                 /* x8/x16 interface */
    t[0x2a] = s->bank_width == 1 ? 0x08 : 0x0b; /* log2 write buffer */
    t[0x2c] = 0x01;                 /* one uniform erase region */
    t[0x2d] = (uint8_t)(blocks - 1);
    t[0x2e] = (uint8_t)((blocks - 1) >> 8);
    t[0x2f] = (uint8_t)(sector >> 8);
    t[0x30] = (uint8_t)(sector >> 16);
    t[0x31] = 'P';
    t[0x32] = 'R';
    t[0x33] = 'I';
    t[0x34] = '1';
    t[0x35] = '0';
    t[0x3f] = 0x01;                 /* one protection field */
    s->writeblock_size = 1u << t[0x2a];
}

/* The array, mapped on first need; NULL if the host refused (said once;
 * writes are then dropped). */
static uint8_t *array(PFlashCfi01 *s)
{
    if (!s->storage && !s->map_failed) {
        void *p = mmap(NULL, s->total_len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "emu-arm: pflash: cannot map %u bytes; flash writes dropped\n",
                    s->total_len);
            s->map_failed = true;
            return NULL;
        }
        s->storage = p;
    }
    return s->storage;
}

static uint32_t array_read(const PFlashCfi01 *s, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    if (!s->storage)
        return 0;
    for (unsigned i = 0; i < size && offset + i < s->total_len; i++)
        v |= (uint32_t)s->storage[offset + i] << (8 * i);
    return v;
}

static void array_write(PFlashCfi01 *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint8_t *p = array(s);
    if (!p)
        return;
    for (unsigned i = 0; i < size && offset + i < s->total_len; i++)
        p[offset + i] = (uint8_t)(value >> (8 * i));
}

/* Word index of a query/ID read in the legacy format. */
static uint32_t legacy_index(const PFlashCfi01 *s, uint32_t offset)
{
    uint32_t idx = offset & 0xff;
    if (s->bank_width == 2)
        idx >>= 1;
    else if (s->bank_width == 4)
        idx >>= 2;
    return idx;
}

uint32_t pflash_cfi01_read(void *opaque, uint32_t offset, unsigned size)
{
    PFlashCfi01 *s = opaque;
    uint32_t idx, v;

    switch (s->cmd) {
    case CMD_PROGRAM_10: case CMD_BLOCK_ERASE: case 0x28: case CMD_PROGRAM_40:
    case CMD_CLEAR_STATUS: case CMD_LOCK: case CMD_READ_STATUS:
    case CMD_WRITE_BUFFER:
        v = s->status;
        if (size > 2)
            v |= (uint32_t)s->status << 16;     /* the second 16-bit chip */
        break;
    case CMD_READ_ID:
        idx = legacy_index(s, offset);
        if (idx == 0)
            v = (uint32_t)s->ident[0] << 8 | s->ident[1];
        else if (idx == 1)
            v = (uint32_t)s->ident[2] << 8 | s->ident[3];
        else
            v = 0;
        break;
    case CMD_QUERY:
        idx = legacy_index(s, offset);
        v = idx < PFLASH_CFI_TABLE_LEN ? s->cfi_table[idx] : 0;
        break;
    default:
        /* An unknown state is forgotten and read as the array. */
        s->wcycle = 0;
        s->cmd = CMD_READ_ARRAY;
        /* fall through */
    case CMD_READ_ARRAY:
        return array_read(s, offset, size);
    }
    /* QEMU's memory core keeps only the accessed bytes. */
    return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void read_array_mode(PFlashCfi01 *s)
{
    s->wcycle = 0;
    s->cmd = CMD_READ_ARRAY;
}

/* First cycle of a command. */
static void start_command(PFlashCfi01 *s, uint32_t offset, uint8_t cmd)
{
    switch (cmd) {
    case CMD_READ_ARRAY:
    case CMD_AMD_RESET:
    case CMD_READ_ARRAY_FF:
        read_array_mode(s);
        return;
    case CMD_CLEAR_STATUS:
        s->status = 0;
        read_array_mode(s);
        return;
    case CMD_READ_STATUS:
    case CMD_READ_ID:
        s->cmd = cmd;           /* a mode, not a sequence: wcycle stays 0 */
        return;
    case CMD_PROGRAM_10:
    case CMD_PROGRAM_40:
    case CMD_LOCK:
    case CMD_QUERY:
        break;
    case CMD_BLOCK_ERASE: {
        /* QEMU erases at once; the confirm cycle only completes the
         * sequence. */
        uint8_t *p = array(s);
        if (p)
            memset(p + (offset & ~(s->sector_len - 1)), 0xff, s->sector_len);
        s->status |= ST_READY;
        break;
    }
    case CMD_WRITE_BUFFER:
        s->status |= ST_READY;
        break;
    default:
        read_array_mode(s);     /* unimplemented sequence */
        return;
    }
    s->wcycle = 1;
    s->cmd = cmd;
}

static void second_cycle(PFlashCfi01 *s, uint32_t offset, uint32_t value,
                         unsigned size)
{
    uint8_t cmd = (uint8_t)value;

    switch (s->cmd) {
    case CMD_PROGRAM_10:
    case CMD_PROGRAM_40:
        array_write(s, offset, value, size);
        s->status |= ST_READY;
        s->wcycle = 0;
        return;
    case CMD_BLOCK_ERASE:
        if (cmd == CMD_CONFIRM) {
            s->wcycle = 0;
            s->status |= ST_READY;
            return;
        }
        read_array_mode(s);     /* 0xff, or a bad sequence */
        return;
    case CMD_WRITE_BUFFER:
        /* The word count, as wide as the bank. */
        s->counter = s->bank_width >= 4 ? value
                     : value & ((1u << (8 * s->bank_width)) - 1);
        s->wcycle = 2;
        return;
    case CMD_LOCK:
        if (cmd == CMD_CONFIRM || cmd == CMD_LOCK_SET) {
            s->wcycle = 0;
            s->status |= ST_READY;
            return;
        }
        read_array_mode(s);
        return;
    case CMD_QUERY:
        /* Only read-array leaves query mode; anything else is ignored. */
        if (cmd == CMD_READ_ARRAY_FF)
            read_array_mode(s);
        return;
    default:
        read_array_mode(s);
        return;
    }
}

void pflash_cfi01_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    PFlashCfi01 *s = opaque;

    switch (s->wcycle) {
    case 0:
        start_command(s, offset, (uint8_t)value);
        return;
    case 1:
        second_cycle(s, offset, value, size);
        return;
    case 2:
        if (s->cmd != CMD_WRITE_BUFFER) {
            read_array_mode(s);
            return;
        }
        /* Data goes straight to the array (as QEMU: no real buffer). */
        array_write(s, offset, value, size);
        s->status |= ST_READY;
        if (s->counter == 0)
            s->wcycle = 3;
        s->counter--;
        return;
    case 3:
        if (s->cmd == CMD_WRITE_BUFFER && (uint8_t)value == CMD_CONFIRM) {
            s->wcycle = 0;
            s->status |= ST_READY;
            return;
        }
        read_array_mode(s);
        return;
    default:
        read_array_mode(s);
        return;
    }
}

void pflash_cfi01_reset(PFlashCfi01 *s)
{
    read_array_mode(s);
    s->status = ST_READY;
}

int pflash_cfi01_init(PFlashCfi01 *s, Bus *bus, uint32_t base,
                      const PFlashCfi01Config *cfg)
{
    *s = (PFlashCfi01){0};
    if (!cfg->sector_len || cfg->size % cfg->sector_len ||
        (cfg->sector_len & (cfg->sector_len - 1)) ||
        (cfg->bank_width != 1 && cfg->bank_width != 2 && cfg->bank_width != 4)) {
        fprintf(stderr, "emu-arm: pflash: bad geometry (size %u, sector %u, width %u)\n",
                cfg->size, cfg->sector_len, cfg->bank_width);
        return -1;
    }
    s->total_len = cfg->size;
    s->sector_len = cfg->sector_len;
    s->nb_blocks = cfg->size / cfg->sector_len;
    s->bank_width = cfg->bank_width;
    memcpy(s->ident, cfg->id, sizeof s->ident);
    fill_cfi_table(s);
    pflash_cfi01_reset(s);
    return bus_register(bus, base, cfg->size, pflash_cfi01_read, pflash_cfi01_write,
                        s, "pflash_cfi01");
}

void pflash_cfi01_destroy(PFlashCfi01 *s)
{
    if (s->storage)
        munmap(s->storage, s->total_len);
    s->storage = NULL;
}
