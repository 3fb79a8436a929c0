/* CFI flash as versatilepb has it (QEMU 7.2 pflash_cfi01, 64 MiB, 256 KiB
 * sectors, bank width 4, IDs 0x0089/0x0018, no device-width): the CFI query
 * table byte by byte, read-ID and status replies, program / block erase /
 * write-to-buffer / lock cycles, the query-mode quirk, reset, and that the
 * array costs no memory until written. */
#include "hw/pflash_cfi01.h"
#include "tap.h"
#include <string.h>

#define BASE 0x34000000u

static Bus bus;
static PFlashCfi01 fl;

static uint32_t rd(uint32_t off, unsigned size) { return pflash_cfi01_read(&fl, off, size); }
static void wr(uint32_t off, uint32_t v, unsigned size) { pflash_cfi01_write(&fl, off, v, size); }
static void cmd(uint32_t off, uint32_t v) { wr(off, v, 4); }

static void setup(void)
{
    const PFlashCfi01Config cfg = {
        .size = 64u << 20, .sector_len = 256u << 10, .bank_width = 4,
        .id = { 0x0089, 0x0018, 0, 0 },
    };
    bus_init(&bus, 0x1000);
    CHECK_EQ(pflash_cfi01_init(&fl, &bus, BASE, &cfg), 0, "flash registers");
    const MmioRegion *r = bus_find(&bus, BASE + (64u << 20) - 1);
    CHECK(r && r->base == BASE && r->size == 64u << 20, "64 MiB at 0x34000000");
}

static void test_query(void)
{
    /* QEMU's table for this geometry: "QRY", Intel command set, extended
     * table at 0x31, timeouts, 2^26 bytes, x8/x16, 2 KiB write buffer,
     * one region of 256 x 256 KiB, "PRI1.0", one protection field. */
    static const uint8_t want[0x40] = {
        [0x10] = 'Q', 'R', 'Y', 0x01, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00,
        [0x1b] = 0x45, 0x55, 0x00, 0x00, 0x07, 0x07, 0x0a, 0x00, 0x04, 0x04, 0x04, 0x00,
        [0x27] = 0x1a, 0x02, 0x00, 0x0b, 0x00, 0x01, 0xff, 0x00, 0x00, 0x04,
        [0x31] = 'P', 'R', 'I', '1', '0',
        [0x3f] = 0x01,
    };
    cmd(0, 0xf0);
    cmd(0, 0xff);
    cmd(0x55 * 4, 0x00980098);
    int bad = 0;
    for (uint32_t i = 0; i < 0x40; i++)
        bad += rd(4 * i, 4) != want[i];
    CHECK_EQ(bad, 0, "CFI table words 0x00..0x3f match QEMU's");
    CHECK_EQ(rd(0x40, 4), 'Q', "a word read returns the byte alone (no replication)");
    CHECK_EQ(rd(0x41, 1), 'Q', "byte lanes inside a word read the same entry");
    CHECK_EQ(rd(0x44, 2), 'R', "halfword read");
    CHECK_EQ(rd(0x100 + 0x40, 4), 'Q', "index uses offset bits 7:0 only");
    CHECK_EQ(fl.cfi_table[0x51], 0, "table is 0x52 bytes");
    cmd(0, 0x90);
    CHECK_EQ(rd(0x40, 4), 'Q', "read-ID does not leave query mode (QEMU quirk)");
    cmd(0, 0xf0);
    CHECK_EQ(rd(0x40, 4), 'Q', "nor does the AMD reset");
    cmd(0, 0xff);
    CHECK_EQ(rd(0x40, 4), 0, "0xff returns to the (zeroed) array");
    CHECK_EQ(fl.writeblock_size, 2048, "write buffer 2^11 bytes");
}

static void test_id_status(void)
{
    cmd(0, 0x90);
    CHECK_EQ(rd(0, 4), 0x8918, "ID word 0: id0 << 8 | id1");
    CHECK_EQ(rd(0, 1), 0x18, "byte read of ID word 0");
    CHECK_EQ(rd(4, 4), 0, "ID word 1: id2 << 8 | id3");
    CHECK_EQ(rd(8, 4), 0, "block lock status not modelled: 0");
    CHECK_EQ(rd(0x40000, 4), 0x8918, "ID repeats in every block");
    cmd(0, 0x70);
    CHECK_EQ(rd(0, 4), 0x00800080, "status word: ready, once per 16-bit half");
    CHECK_EQ(rd(2, 2), 0x0080, "status halfword");
    CHECK_EQ(rd(3, 1), 0x80, "status byte");
    CHECK_EQ(fl.wcycle, 0, "status and ID are modes, not sequences");
    cmd(0, 0x50);
    CHECK_EQ(fl.status, 0, "clear status");
    CHECK_EQ(fl.cmd, 0, "and back to read-array");
    cmd(0, 0x70);
    CHECK_EQ(rd(0, 4), 0, "cleared status reads 0");
    cmd(0, 0xff);
}

static void test_program_erase(void)
{
    CHECK(fl.storage == NULL, "no memory used before the first write");
    CHECK_EQ(rd(0x3fffffc, 4), 0, "unwritten array reads zeros (QEMU's fresh RAM)");
    cmd(0x100, 0x40);
    CHECK_EQ(fl.wcycle, 1, "program: second cycle pending");
    wr(0x100, 0x12345678, 4);
    CHECK(fl.storage != NULL, "array mapped on first program");
    CHECK_EQ(fl.wcycle, 0, "program done");
    CHECK_EQ(rd(0x100, 4), 0x00800080, "status shown after a program");
    cmd(0, 0xff);
    CHECK_EQ(rd(0x100, 4), 0x12345678, "programmed word reads back");
    cmd(0x104, 0x10);
    wr(0x106, 0xbeef, 2);
    cmd(0x104, 0x40);
    wr(0x105, 0x5a, 1);
    cmd(0, 0xff);
    CHECK_EQ(rd(0x104, 4), 0xbeef5a00, "halfword and byte programs");
    cmd(0x100, 0x40);
    wr(0x100, 0x0000ffff, 4);
    cmd(0, 0xff);
    CHECK_EQ(rd(0x100, 4), 0x0000ffff, "programming stores the value outright (as QEMU)");

    cmd(0x40123, 0x20);
    CHECK_EQ(rd(0x40000, 4), 0x00800080, "erase: status between the cycles");
    cmd(0x40123, 0xd0);
    CHECK_EQ(fl.wcycle, 0, "confirmed");
    cmd(0, 0xff);
    CHECK_EQ(rd(0x40000, 4), 0xffffffff, "sector start erased");
    CHECK_EQ(rd(0x7fffc, 4), 0xffffffff, "sector end erased");
    CHECK_EQ(rd(0x80000, 4), 0, "next sector untouched");
    CHECK_EQ(rd(0x100, 4), 0x0000ffff, "previous sector untouched");
    cmd(0x80000, 0x20);
    cmd(0x80000, 0x77);
    CHECK_EQ(fl.cmd, 0, "a bad confirm returns to read-array");
    CHECK_EQ(rd(0x80000, 4), 0xffffffff, "but QEMU erased on the first cycle");
}

static void test_write_buffer_lock(void)
{
    cmd(0x200, 0xe8);
    CHECK_EQ(rd(0x200, 4), 0x00800080, "write-to-buffer: status");
    cmd(0x200, 2);                  /* three words */
    for (uint32_t i = 0; i < 3; i++)
        wr(0x200 + 4 * i, 0xa0a0a0a0u + i, 4);
    CHECK_EQ(fl.wcycle, 3, "waiting for confirm after count+1 words");
    cmd(0x200, 0xd0);
    CHECK_EQ(fl.wcycle, 0, "confirmed");
    cmd(0, 0xff);
    CHECK_EQ(rd(0x208, 4), 0xa0a0a0a2, "buffered words written");
    CHECK_EQ(rd(0x20c, 4), 0, "no more than count+1");

    cmd(0, 0x60);
    cmd(0, 0x01);
    CHECK_EQ(fl.wcycle, 0, "lock set completes");
    CHECK_EQ(rd(0, 4), 0x00800080, "reports status");
    cmd(0, 0x60);
    cmd(0, 0xd0);
    CHECK_EQ(fl.cmd, 0x60, "unlock completes, status mode");
    cmd(0, 0x60);
    cmd(0, 0x42);
    CHECK_EQ(fl.cmd, 0, "unknown lock sub-command: read-array");
    cmd(0, 0x33);
    CHECK_EQ(fl.cmd, 0, "unknown command: read-array");
    cmd(0, 0x70);
    fl.status = 0x10;
    pflash_cfi01_reset(&fl);
    CHECK_EQ(fl.cmd, 0, "reset: read-array");
    CHECK_EQ(fl.status, 0x80, "reset: ready");
}

int main(void)
{
    setup();
    test_query();
    test_id_status();
    test_program_erase();
    test_write_buffer_lock();
    pflash_cfi01_destroy(&fl);
    CHECK(fl.storage == NULL, "destroy unmaps");
    bus_free(&bus);
    return tap_done();
}
