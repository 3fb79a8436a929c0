/*
 * CFI NOR flash with the Intel/Sharp command set, as QEMU 7.2's
 * hw/block/pflash_cfi01.c behaves when created the way versatilepb does:
 * pflash_cfi01_register(0x34000000, 64 MiB, 256 KiB sectors, bank width 4,
 * IDs 0x0089 0x0018 0x0000 0x0000, little-endian) with no device-width,
 * i.e. QEMU's legacy "two 16-bit chips" reply format:
 *
 *   read ID (0x90)   word index 0 reads id0 << 8 | id1, index 1 reads
 *                    id2 << 8 | id3, others 0 (index = (offset & 0xff) / 4)
 *   CFI query (0x98) one table byte per word index, not replicated
 *   status (0x70..)  the status byte, repeated in bits 23:16 on word reads
 *
 * and no -drive if=pflash: the array starts as zeros (QEMU's fresh RAM) and
 * is always writable. Program, block erase, write-to-buffer and lock
 * commands act as QEMU's do (programming stores the value outright; lock
 * commands only report success).
 *
 * On QEMU the flash is a ROM device: in read-array mode guest loads are
 * plain memory reads. emu-arm has no such mode: every access, including
 * read-array loads and instruction fetches, goes through pflash_read(). The
 * values are the same; the difference is only that such a load counts as
 * device I/O (under icount it may end its TB early, as any MMIO does; the
 * instruction count is unaffected).
 *
 * The 64 MiB array is reserved with mmap on the first write that needs it,
 * so a guest that never programs the flash costs no memory, and one that
 * does costs only the pages it touches.
 */
#ifndef EMU_HW_PFLASH_CFI01_H
#define EMU_HW_PFLASH_CFI01_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/bus.h"

#define PFLASH_CFI_TABLE_LEN 0x52

typedef struct PFlashCfi01 {
    uint8_t *storage;           /* NULL until first written: reads as zeros */
    bool map_failed;            /* the host refused the mapping once */
    uint32_t total_len;
    uint32_t sector_len;
    uint32_t nb_blocks;
    uint8_t bank_width;
    uint16_t ident[4];
    uint8_t wcycle;             /* 0: no command sequence in progress */
    uint8_t cmd;                /* 0x00 is QEMU's read-array state */
    uint8_t status;
    uint32_t counter;           /* write-to-buffer words left (minus one) */
    uint32_t writeblock_size;
    uint8_t cfi_table[PFLASH_CFI_TABLE_LEN];
} PFlashCfi01;

typedef struct PFlashCfi01Config {
    uint32_t size;              /* bytes, a multiple of sector_len */
    uint32_t sector_len;
    uint8_t bank_width;         /* 1, 2 or 4 */
    uint16_t id[4];
} PFlashCfi01Config;

/* Registers the array and applies the device reset. 0 or -1 with a
 * message on stderr. */
int pflash_cfi01_init(PFlashCfi01 *s, Bus *bus, uint32_t base,
                      const PFlashCfi01Config *cfg);
void pflash_cfi01_destroy(PFlashCfi01 *s);
/* QEMU's system reset: back to read-array mode, status "ready". */
void pflash_cfi01_reset(PFlashCfi01 *s);

uint32_t pflash_cfi01_read(void *opaque, uint32_t offset, unsigned size);
void pflash_cfi01_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
