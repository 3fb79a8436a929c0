/* SD card stack: raw image backend, SD card state machine, PL181 MMCI driven
 * through its bus region like a bare-metal driver, and the optional
 * virtual-time latency model. Uses temporary image files; the clock is a
 * fake virtual clock the test advances by hand. */
#include "hw/blockdev.h"
#include "hw/bus.h"
#include "hw/pl181.h"
#include "hw/sdcard.h"
#include "tap.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MMCI_BASE 0x10005000u
#define MiB (1024u * 1024u)

#define F_RESP  PL181_CMD_RESPONSE
#define F_LONG  (PL181_CMD_RESPONSE | PL181_CMD_LONGRESP)
#define DCTRL_READ(bits)  (PL181_DATA_ENABLE | PL181_DATA_DIRECTION | ((bits) << 4))
#define DCTRL_WRITE(bits) (PL181_DATA_ENABLE | ((bits) << 4))

typedef struct Rig {
    Bus bus;
    TimerList vt;
    int64_t now;
    int irq[2];
    BlockDev *bd;
    SdCard *card;
    Pl181 *mmc;
    uint16_t rca;
} Rig;

static char tmpdir[256];

static uint8_t pat(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 9) * 13 + (off >> 16));
}

/* A sparse image of size bytes with pat() in its first fill bytes. */
static void make_image(const char *path, uint64_t size, uint64_t fill)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        perror(path);
        exit(2);
    }
    static uint8_t buf[65536];
    for (uint64_t off = 0; off < fill; off += sizeof buf) {
        size_t n = fill - off < sizeof buf ? (size_t)(fill - off) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pat(off + i);
        if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
            perror(path);
            exit(2);
        }
    }
    close(fd);
}

static void img_path(char *out, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);
}

/* Reads the file through its own descriptor, as another process would. */
static int file_read(const char *path, uint64_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, buf, len, (off_t)off);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

static int64_t rig_now(void *opaque) { return ((Rig *)opaque)->now; }
static void rig_irq(void *opaque, int n, int level) { ((Rig *)opaque)->irq[n] = level; }

/* The bus region callbacks, as the CPU's memory access path calls them. */
static uint32_t rd_sz(Rig *r, uint32_t off, unsigned size)
{
    const MmioRegion *m = bus_find(&r->bus, MMCI_BASE + off);
    return m->read(m->opaque, MMCI_BASE + off - m->base, size);
}
static uint32_t rd(Rig *r, uint32_t off) { return rd_sz(r, off, 4); }
static void wr(Rig *r, uint32_t off, uint32_t v)
{
    const MmioRegion *m = bus_find(&r->bus, MMCI_BASE + off);
    m->write(m->opaque, MMCI_BASE + off - m->base, v, 4);
}

static void advance_to(Rig *r, int64_t t)
{
    /* Step timer by timer, as the vCPU would reach each deadline. */
    while (timerlist_next_expiry(&r->vt) <= t) {
        r->now = timerlist_next_expiry(&r->vt);
        timerlist_run(&r->vt);
    }
    r->now = t;
    timerlist_run(&r->vt);
}
static void advance(Rig *r, int64_t ns) { advance_to(r, r->now + ns); }

/* Opens path (may fail: returns -1) and builds bus + card + controller. */
static int rig_open(Rig *r, const char *path, const Pl181Latency *lat)
{
    char msg[BLOCKDEV_MSG_LEN];
    memset(r, 0, sizeof *r);
    bus_init(&r->bus, 1 * MiB);
    timerlist_init(&r->vt, rig_now, r);
    if (path) {
        if (blockdev_open(&r->bd, path, false, msg, sizeof msg) < 0) {
            printf("# %s\n", msg);
            return -1;
        }
        r->card = sdcard_create(r->bd, &r->vt, msg, sizeof msg);
        if (!r->card) {
            printf("# %s\n", msg);
            return -1;
        }
    }
    r->mmc = pl181_create(&r->bus, MMCI_BASE, &r->vt, irq_line(rig_irq, r, 0),
                          irq_line(rig_irq, r, 1), r->card);
    if (!r->mmc)
        return -1;
    pl181_set_latency(r->mmc, lat);
    return 0;
}

static void rig_close(Rig *r)
{
    pl181_destroy(r->mmc);
    sdcard_destroy(r->card);
    blockdev_close(r->bd);
    bus_free(&r->bus);
}

/* Issues a command; returns Status right after (and clears it). With the
 * latency model the caller waits for completion itself (wait=false). */
static uint32_t cmd_nowait(Rig *r, unsigned idx, uint32_t arg, uint32_t flags)
{
    wr(r, PL181_ARGUMENT, arg);
    wr(r, PL181_COMMAND, idx | flags | PL181_CMD_ENABLE);
    return rd(r, PL181_STATUS);
}
static uint32_t cmd(Rig *r, unsigned idx, uint32_t arg, uint32_t flags)
{
    uint32_t st = cmd_nowait(r, idx, arg, flags);
    wr(r, PL181_CLEAR, 0x7ff);
    return st;
}
static uint32_t acmd(Rig *r, unsigned idx, uint32_t arg, uint32_t flags)
{
    cmd(r, 55, (uint32_t)r->rca << 16, F_RESP);
    return cmd(r, idx, arg, flags);
}
#define RESP0(r) rd(r, PL181_RESPONSE0)

/* The usual SD init: CMD0, CMD8, ACMD41 until ready, CMD2, CMD3, CMD7. */
static int card_init(Rig *r)
{
    r->rca = 0;
    cmd(r, 0, 0, 0);
    if (!(cmd(r, 8, 0x1aa, F_RESP) & PL181_STATUS_CMDRESPEND))
        return -1;
    if (!(acmd(r, 41, 0x40ff8000, F_RESP) & PL181_STATUS_CMDRESPEND))
        return -2;
    if (!(RESP0(r) & SD_OCR_CARD_POWER_UP))
        return -3;
    if (!(cmd(r, 2, 0, F_LONG) & PL181_STATUS_CMDRESPEND))
        return -4;
    if (!(cmd(r, 3, 0, F_RESP) & PL181_STATUS_CMDRESPEND))
        return -5;
    r->rca = (uint16_t)(RESP0(r) >> 16);
    if (!(cmd(r, 7, (uint32_t)r->rca << 16, F_RESP) & PL181_STATUS_CMDRESPEND))
        return -6;
    return 0;
}

static void data_setup(Rig *r, uint32_t len, uint32_t ctrl)
{
    wr(r, PL181_DATATIMER, 0xffffffff);
    wr(r, PL181_DATALENGTH, len);
    wr(r, PL181_DATACTRL, ctrl);
}

/* Polling PIO read of len bytes; with step_ns > 0, lets virtual time pass
 * while the FIFO is empty. Returns the bytes read. */
static uint32_t pio_read(Rig *r, uint8_t *buf, uint32_t len, int64_t step_ns)
{
    uint32_t got = 0;
    for (int guard = 0; got < len && guard < 1000000; guard++) {
        uint32_t st = rd(r, PL181_STATUS);
        if (!(st & PL181_STATUS_RXDATAAVLBL)) {
            if (step_ns <= 0)
                break;
            advance(r, step_ns);
            continue;
        }
        uint32_t w = rd(r, PL181_FIFO + (got / 4 % 16) * 4);
        for (int i = 0; i < 4 && got < len; i++)
            buf[got++] = (uint8_t)(w >> (8 * i));
    }
    return got;
}

static uint32_t pio_write(Rig *r, const uint8_t *buf, uint32_t len, int64_t step_ns)
{
    uint32_t put = 0;
    for (int guard = 0; put < len && guard < 1000000; guard++) {
        uint32_t st = rd(r, PL181_STATUS);
        if (st & PL181_STATUS_TXFIFOFULL) {
            if (step_ns <= 0)
                break;
            advance(r, step_ns);
            continue;
        }
        uint32_t w = 0;
        for (int i = 0; i < 4; i++)
            w |= (uint32_t)(put + i < len ? buf[put + i] : 0) << (8 * i);
        wr(r, PL181_FIFO, w);
        put += 4;
    }
    return put;
}

static bool matches_pat(const uint8_t *buf, uint64_t off, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pat(off + i))
            return false;
    return true;
}

static uint32_t card_state(Rig *r)
{
    cmd(r, 13, (uint32_t)r->rca << 16, F_RESP);
    return (RESP0(r) >> 9) & 0xf;
}

/* ------------------------------------------------------------------ */

static void test_blockdev(void)
{
    char path[PATH_MAX], msg[BLOCKDEV_MSG_LEN];
    BlockDev *bd;
    int rc;

    img_path(path, "missing.img");
    rc = blockdev_open(&bd, path, false, msg, sizeof msg);
    CHECK(rc == BLOCKDEV_ERROR && !bd && strstr(msg, "No such file") && !strchr(msg, '\n'),
          "missing image: one-line error (%s)", msg);

    img_path(path, "odd.img");
    make_image(path, 1000, 1000);
    rc = blockdev_open(&bd, path, false, msg, sizeof msg);
    CHECK(rc == BLOCKDEV_ERROR && strstr(msg, "multiple of 512"),
          "size not a multiple of 512 is rejected (%s)", msg);

    rc = blockdev_open(&bd, tmpdir, false, msg, sizeof msg);
    CHECK(rc == BLOCKDEV_ERROR, "a directory is rejected (%s)", msg);

    img_path(path, "bd.img");
    make_image(path, 64 * 1024, 64 * 1024);
    rc = blockdev_open(&bd, path, false, msg, sizeof msg);
    CHECK(rc == BLOCKDEV_OK && bd && bd->size == 64 * 1024 && !bd->read_only && msg[0] == 0,
          "open read-write");
    if (rc != BLOCKDEV_OK)
        return;
    uint8_t buf[1024], chk[1024];
    CHECK_EQ(blockdev_read(bd, 1000, buf, 600), 0, "unaligned read");
    CHECK(matches_pat(buf, 1000, 600), "read data matches the file");
    CHECK_EQ(blockdev_read(bd, 64 * 1024 - 511, buf, 512), -EINVAL, "read past the end refused");
    CHECK_EQ(blockdev_read_sectors(bd, 128, buf, 1), -EINVAL, "sector past the end refused");
    memset(buf, 0xa7, 512);
    CHECK_EQ(blockdev_write_sectors(bd, 3, buf, 1), 0, "sector write");
    CHECK(file_read(path, 3 * 512, chk, 512) == 0 && !memcmp(chk, buf, 512),
          "write is in the file at once (write-through, before flush/close)");
    CHECK_EQ(blockdev_flush(bd), 0, "flush");
    blockdev_close(bd);

    rc = blockdev_open(&bd, path, true, msg, sizeof msg);
    CHECK(rc == BLOCKDEV_OK && bd->read_only, "explicit read-only open");
    CHECK_EQ(blockdev_write(bd, 0, buf, 512), -EROFS, "write to a read-only image fails");
    blockdev_close(bd);

    /* Fallback when the file is not writable: as root, drop privileges in
     * a child so that permissions apply. */
    img_path(path, "ro.img");
    make_image(path, 4096, 4096);
    chmod(path, 0444);
    chmod(tmpdir, 0755);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(77);
        int r2 = blockdev_open(&bd, path, false, msg, sizeof msg);
        if (r2 != BLOCKDEV_READ_ONLY || !bd || !bd->read_only || !msg[0] || strchr(msg, '\n'))
            _exit(1);
        if (blockdev_read(bd, 0, buf, 512) != 0 || !matches_pat(buf, 0, 512))
            _exit(2);
        if (blockdev_write(bd, 0, buf, 512) != -EROFS)
            _exit(3);
        blockdev_close(bd);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    chmod(tmpdir, 0700);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        CHECK(1, "# SKIP read-only fallback (cannot drop root privileges)");
    else
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "unwritable image falls back to read-only with a warning (child status %d)",
              status);
}

static void test_card_sizes(void)
{
    char path[PATH_MAX], msg[BLOCKDEV_MSG_LEN];
    BlockDev *bd;
    TimerList vt;
    int64_t now = 0;

    timerlist_init(&vt, rig_now, &now);
    img_path(path, "3m.img");
    make_image(path, 3 * MiB, 0);
    CHECK_EQ(blockdev_open(&bd, path, false, msg, sizeof msg), BLOCKDEV_OK, "3 MiB image opens");
    SdCard *sd = sdcard_create(bd, &vt, msg, sizeof msg);
    CHECK(!sd && !strcmp(msg, "Invalid SD card size: 3 MiB (SD card size has to be a "
                         "power of 2, e.g. 4 MiB)"),
          "size not a power of 2 is rejected as QEMU does (%s)", msg);
    sdcard_destroy(sd);
    blockdev_close(bd);
}

static void test_init_and_registers(void)
{
    char path[PATH_MAX];
    Rig r;
    uint32_t st;

    img_path(path, "card.img");
    make_image(path, 1 * MiB, 1 * MiB);
    if (rig_open(&r, path, NULL) < 0) {
        CHECK(0, "rig");
        return;
    }
    static const uint8_t ids[8] = { 0x81, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    bool id_ok = true;
    for (int i = 0; i < 8; i++)
        id_ok &= rd(&r, 0xfe0 + 4 * i) == ids[i] && rd_sz(&r, 0xfe0 + 4 * i, 1) == ids[i];
    CHECK(id_ok, "PrimeCell ID registers");
    wr(&r, PL181_POWER, 0x1bf);
    wr(&r, PL181_CLOCK, 0x1c6);
    CHECK(rd(&r, PL181_POWER) == 0xbf && rd(&r, PL181_CLOCK) == 0xc6, "power/clock keep 8 bits");
    CHECK_EQ(rd(&r, 0x44), 0, "bad offset reads 0");

    st = cmd(&r, 0, 0, 0);
    CHECK_EQ(st, PL181_STATUS_CMDSENT | PL181_STATUS_DATAEND | PL181_STATUS_DATABLOCKEND,
             "CMD0: CMDSENT (and QEMU's DATAEND/DATABLOCKEND with no data)");
    st = cmd(&r, 8, 0x1aa, F_RESP);
    CHECK(st & PL181_STATUS_CMDRESPEND, "CMD8 answers");
    CHECK_EQ(RESP0(&r), 0x1aa, "R7 echoes the check pattern");
    CHECK(rd(&r, PL181_RESPONSE1) == 0 && rd(&r, PL181_RESPCMD) == 0,
          "short response clears response1-3; RespCmd reads 0 (as QEMU)");
    st = cmd(&r, 8, 0x1aa, F_LONG);
    CHECK(st & PL181_STATUS_CMDTIMEOUT, "a 4-byte response to a long-response command times out");
    st = cmd(&r, 2, 0, F_LONG);
    CHECK(st & PL181_STATUS_CMDTIMEOUT, "CMD2 before ACMD41 is illegal: timeout");

    /* Enquiry ACMD41: power-up completes 0.5 ms of virtual time later. */
    acmd(&r, 41, 0, F_RESP);
    CHECK_EQ(RESP0(&r), 0x00ffff00, "enquiry ACMD41: OCR, not powered up");
    int64_t t0 = r.now;
    advance_to(&r, t0 + SD_OCR_POWER_DELAY_NS - 1);
    acmd(&r, 41, 0, F_RESP);
    CHECK_EQ(RESP0(&r), 0x00ffff00, "still busy 1 ns before 0.5 ms");
    advance_to(&r, t0 + SD_OCR_POWER_DELAY_NS);
    acmd(&r, 41, 0, F_RESP);
    CHECK_EQ(RESP0(&r), 0x80ffff00, "powered up at 0.5 ms (1 MiB card: no CCS)");
    acmd(&r, 41, 0x40ff8000, F_RESP);
    st = acmd(&r, 41, 0x40ff8000, F_RESP);
    CHECK(st & PL181_STATUS_CMDTIMEOUT, "ACMD41 outside the idle state is illegal");

    st = cmd(&r, 2, 0, F_LONG);
    uint32_t cid0 = RESP0(&r), cid1 = rd(&r, PL181_RESPONSE1);
    uint32_t cid3 = rd(&r, PL181_RESPONSE3);
    CHECK(st & PL181_STATUS_CMDRESPEND, "CMD2 answers");
    CHECK(cid0 == 0xaa585951 && cid1 == 0x454d5521, "CID: MID 0xaa, OID \"XY\", PNM \"QEMU!\"");
    CHECK_EQ(cid3 & 1, 0, "response3 bit 0 cleared by the controller");
    cmd(&r, 3, 0, F_RESP);
    CHECK_EQ(RESP0(&r), 0x45670500, "CMD3: RCA 0x4567, R6 status in identification state");
    r.rca = 0x4567;
    cmd(&r, 9, 0x45670000, F_LONG);
    uint32_t csd0 = RESP0(&r), csd1 = rd(&r, PL181_RESPONSE1), csd2 = rd(&r, PL181_RESPONSE2);
    CHECK(csd0 == 0x00260032 && (csd1 >> 16 & 0xf) == 9,
          "CSD v1: TAAC 0x26, 25 MHz, READ_BL_LEN 9");
    uint32_t c_size = ((csd1 & 0x3ff) << 2) | (csd2 >> 30);
    uint32_t c_mult = (csd2 >> 15) & 7;
    CHECK_EQ((uint64_t)(c_size + 1) << (c_mult + 2 + 9), 1 * MiB, "CSD capacity is 1 MiB");
    st = cmd(&r, 13, 0x12340000, F_RESP);
    CHECK(st & PL181_STATUS_CMDTIMEOUT, "CMD13 to another RCA: no response");
    CHECK_EQ(card_state(&r), SD_STATE_STANDBY, "standby after CMD3");
    cmd(&r, 7, 0x45670000, F_RESP);
    CHECK_EQ(card_state(&r), SD_STATE_TRANSFER, "CMD7 selects: transfer state");

    st = cmd(&r, 5, 0, F_RESP);
    CHECK(st & PL181_STATUS_CMDTIMEOUT, "unsupported CMD5: timeout");
    cmd(&r, 13, 0x45670000, F_RESP);
    CHECK_EQ(RESP0(&r), SD_ILLEGAL_COMMAND | (SD_STATE_TRANSFER << 9) | SD_READY_FOR_DATA,
             "next status shows ILLEGAL_COMMAND");
    cmd(&r, 13, 0x45670000, F_RESP);
    CHECK_EQ(RESP0(&r), 0x900, "and it is cleared after one report");

    /* SCR through the FIFO */
    data_setup(&r, 8, DCTRL_READ(3));
    acmd(&r, 51, 0, F_RESP);
    CHECK_EQ(RESP0(&r), 0x920, "ACMD51 R1 has APP_CMD");
    uint8_t scr[8];
    CHECK_EQ(pio_read(&r, scr, 8, 0), 8, "SCR: 8 bytes");
    CHECK(scr[0] == 0x02 && scr[1] == 0x25 && scr[2] == 0 && scr[7] == 0,
          "SCR: spec 2.00, 1/4-bit bus");
    st = rd(&r, PL181_STATUS);
    CHECK((st & (PL181_STATUS_DATAEND | PL181_STATUS_DATABLOCKEND)) ==
          (PL181_STATUS_DATAEND | PL181_STATUS_DATABLOCKEND) &&
          !(st & PL181_STATUS_RXACTIVE) && !(rd(&r, PL181_DATACTRL) & PL181_DATA_ENABLE),
          "after the data: DATAEND, data path idle");
    wr(&r, PL181_CLEAR, 0x7ff);
    acmd(&r, 6, 2, F_RESP);
    data_setup(&r, 64, DCTRL_READ(6));
    acmd(&r, 13, 0, F_RESP);
    uint8_t ssr[64];
    CHECK(pio_read(&r, ssr, 64, 0) == 64 && ssr[0] == 0x80, "ACMD6 sets a 4-bit bus in SD status");

    /* Interrupt lines: status & mask0 / mask1 */
    wr(&r, PL181_MASK0, PL181_STATUS_CMDRESPEND);
    wr(&r, PL181_MASK1, PL181_STATUS_RXDATAAVLBL);
    CHECK(!r.irq[0] && !r.irq[1], "IRQs low with nothing pending");
    cmd_nowait(&r, 13, 0x45670000, F_RESP);
    CHECK(r.irq[0] && !r.irq[1], "CMDRESPEND raises irq0 (SIC 22)");
    wr(&r, PL181_CLEAR, PL181_STATUS_CMDRESPEND);
    CHECK(!r.irq[0], "Clear lowers it");
    data_setup(&r, 512, DCTRL_READ(9));
    cmd(&r, 17, 0, F_RESP);
    CHECK(r.irq[1] && (rd(&r, PL181_STATUS) & PL181_STATUS_RXFIFOFULL),
          "RX data raises irq1 (SIC 1); 16 words in the FIFO");
    uint8_t blk[512];
    pio_read(&r, blk, 512, 0);
    CHECK(!r.irq[1], "irq1 low once the FIFO is drained");
    wr(&r, PL181_MASK0, 0);
    wr(&r, PL181_MASK1, 0);

    /* Empty slot (no -sd): QEMU's empty sd-bus. */
    Rig e;
    rig_open(&e, NULL, NULL);
    CHECK(cmd(&e, 8, 0x1aa, F_RESP) & PL181_STATUS_CMDTIMEOUT, "no card: commands time out");
    CHECK(cmd(&e, 0, 0, 0) & PL181_STATUS_CMDSENT, "no card: CMDSENT without response");
    rig_close(&e);

    pl181_reset(r.mmc);
    CHECK(rd(&r, PL181_POWER) == 0 && rd(&r, PL181_STATUS) == 0 && rd(&r, PL181_CLOCK) == 0xc6,
          "reset clears the registers but Clock (as QEMU)");
    rig_close(&r);
}

static void test_data(void)
{
    char path[PATH_MAX];
    Rig r;
    uint8_t buf[3 * 512], chk[1024];
    uint32_t st;

    img_path(path, "data.img");
    make_image(path, 1 * MiB, 1 * MiB);
    if (rig_open(&r, path, NULL) < 0 || card_init(&r) < 0) {
        CHECK(0, "card init");
        return;
    }
    CHECK(1, "init sequence CMD0/CMD8/ACMD41/CMD2/CMD3/CMD7");
    cmd(&r, 16, 512, F_RESP);

    /* single block read */
    data_setup(&r, 512, DCTRL_READ(9));
    st = cmd(&r, 17, 5 * 512, F_RESP);
    CHECK(st & PL181_STATUS_RXDATAAVLBL, "CMD17: data available at once (no latency)");
    CHECK_EQ(RESP0(&r), 0x900, "CMD17 R1: transfer state, ready");
    CHECK_EQ(pio_read(&r, buf, 512, 0), 512, "512 bytes through the FIFO");
    CHECK(matches_pat(buf, 5 * 512, 512), "block 5 matches the image");
    CHECK_EQ(card_state(&r), SD_STATE_TRANSFER, "back to transfer after the block");
    CHECK_EQ(timerlist_next_expiry(&r.vt), INT64_MAX, "no timers used without the latency model");

    /* byte addressing on a standard capacity card */
    data_setup(&r, 512, DCTRL_READ(9));
    cmd(&r, 17, 1000, F_RESP);
    CHECK(pio_read(&r, buf, 512, 0) == 512 && matches_pat(buf, 1000, 512),
          "SDSC: the argument is a byte address");

    /* single block write */
    for (int i = 0; i < 512; i++)
        buf[i] = (uint8_t)(i ^ 0x5a);
    data_setup(&r, 512, DCTRL_WRITE(9));
    st = cmd(&r, 24, 7 * 512, F_RESP);
    CHECK(st & PL181_STATUS_TXFIFOEMPTY && st & PL181_STATUS_TXFIFOHALFEMPTY,
          "CMD24: TX FIFO empty and half empty");
    CHECK_EQ(pio_write(&r, buf, 512, 0), 512, "512 bytes pushed");
    st = rd(&r, PL181_STATUS);
    CHECK(st & PL181_STATUS_DATAEND && st & PL181_STATUS_DATABLOCKEND, "write: DATAEND");
    CHECK(file_read(path, 7 * 512, chk, 512) == 0 && !memcmp(chk, buf, 512),
          "written block is in the file immediately");
    wr(&r, PL181_CLEAR, 0x7ff);

    /* multiple block read + STOP_TRANSMISSION */
    data_setup(&r, 3 * 512, DCTRL_READ(9));
    cmd(&r, 18, 10 * 512, F_RESP);
    CHECK_EQ(pio_read(&r, buf, 3 * 512, 0), 3 * 512, "CMD18: 3 blocks");
    CHECK(matches_pat(buf, 10 * 512, 3 * 512), "blocks 10-12 match");
    CHECK_EQ(card_state(&r), SD_STATE_SENDINGDATA, "still sending until CMD12");
    st = cmd(&r, 12, 0, F_RESP);
    CHECK(st & PL181_STATUS_CMDRESPEND, "CMD12 answers");
    CHECK_EQ(card_state(&r), SD_STATE_TRANSFER, "CMD12 ends the read");

    /* multiple block write */
    for (int i = 0; i < 1024; i++)
        buf[i] = (uint8_t)(255 - i);
    data_setup(&r, 1024, DCTRL_WRITE(9));
    cmd(&r, 25, 20 * 512, F_RESP);
    CHECK_EQ(pio_write(&r, buf, 1024, 0), 1024, "CMD25: 2 blocks pushed");
    CHECK_EQ(card_state(&r), SD_STATE_RECEIVINGDATA, "receiving until CMD12");
    cmd(&r, 12, 0, F_RESP);
    CHECK_EQ(card_state(&r), SD_STATE_TRANSFER, "CMD12 ends the write");
    CHECK(file_read(path, 20 * 512, chk, 1024) == 0 && !memcmp(chk, buf, 1024),
          "both blocks are in the file");
    CHECK(file_read(path, 22 * 512, chk, 512) == 0 && matches_pat(chk, 22 * 512, 512),
          "the next block is untouched");

    /* out of range */
    data_setup(&r, 512, DCTRL_READ(9));
    st = cmd(&r, 17, 1 * MiB, F_RESP);
    CHECK(st & PL181_STATUS_CMDRESPEND && !(st & PL181_STATUS_RXDATAAVLBL),
          "CMD17 past the end: response, no data");
    CHECK_EQ(RESP0(&r), SD_ADDRESS_ERROR | 0x900, "R1 has ADDRESS_ERROR");
    CHECK_EQ(card_state(&r), SD_STATE_TRANSFER, "card stays in transfer state");
    cmd(&r, 13, (uint32_t)r.rca << 16, F_RESP);
    CHECK_EQ(RESP0(&r), 0x900, "ADDRESS_ERROR is cleared once reported");
    st = cmd(&r, 25, 1 * MiB - 511, F_RESP);
    CHECK_EQ(RESP0(&r), SD_ADDRESS_ERROR | 0x900, "CMD25 ending past the card: ADDRESS_ERROR");
    data_setup(&r, 0, 0);
    data_setup(&r, 1024, DCTRL_READ(9));
    cmd(&r, 18, 1 * MiB - 512, F_RESP);
    uint32_t got = pio_read(&r, buf, 1024, 0);
    CHECK(got == 1024 && matches_pat(buf, 1 * MiB - 512, 512) && buf[512] == 0 && buf[1023] == 0,
          "CMD18 running off the end: last block, then zeros");
    cmd(&r, 12, 0, F_RESP);
    CHECK_EQ(RESP0(&r), SD_ADDRESS_ERROR | (SD_STATE_SENDINGDATA << 9) | SD_READY_FOR_DATA,
             "and CMD12's R1 reports ADDRESS_ERROR");
    cmd(&r, 32, 0, F_RESP);
    cmd(&r, 33, 2 * MiB, F_RESP);
    cmd(&r, 38, 0, F_RESP);
    CHECK(RESP0(&r) & SD_OUT_OF_RANGE, "erase past the end: OUT_OF_RANGE");

    /* erase inside the card writes 0xff */
    cmd(&r, 32, 30 * 512, F_RESP);
    cmd(&r, 33, 31 * 512, F_RESP);
    cmd(&r, 38, 0, F_RESP);
    CHECK(file_read(path, 30 * 512, chk, 1024) == 0 && chk[0] == 0xff && chk[1023] == 0xff &&
          file_read(path, 32 * 512, chk, 1) == 0 && chk[0] == pat(32 * 512),
          "CMD32/33/38 erase blocks 30-31 to 0xff");

    /* short block length */
    cmd(&r, 16, 8, F_RESP);
    data_setup(&r, 8, DCTRL_READ(3));
    cmd(&r, 17, 100, F_RESP);
    CHECK(pio_read(&r, buf, 8, 0) == 8 && matches_pat(buf, 100, 8), "CMD16 8: 8-byte reads");
    cmd(&r, 16, 1024, F_RESP);
    CHECK(RESP0(&r) & SD_BLOCK_LEN_ERROR, "CMD16 above 512: BLOCK_LEN_ERROR");
    cmd(&r, 16, 512, F_RESP);
    rig_close(&r);

    /* A write acknowledged to the guest survives the process being killed. */
    img_path(path, "kill.img");
    make_image(path, 1 * MiB, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        Rig k;
        uint8_t b[512];
        memset(b, 0x3c, sizeof b);
        if (rig_open(&k, path, NULL) < 0 || card_init(&k) < 0)
            _exit(1);
        data_setup(&k, 512, DCTRL_WRITE(9));
        cmd(&k, 24, 9 * 512, F_RESP);
        pio_write(&k, b, 512, 0);
        if (!(rd(&k, PL181_STATUS) & PL181_STATUS_DATAEND))
            _exit(2);
        raise(SIGKILL);
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && file_read(path, 9 * 512, chk, 512) == 0 &&
          chk[0] == 0x3c && chk[511] == 0x3c,
          "a completed write survives SIGKILL (no close, no flush)");
}

static void test_sdhc_and_readonly(void)
{
    char path[PATH_MAX], msg[BLOCKDEV_MSG_LEN];
    Rig r;
    uint8_t buf[512];

    /* 4 GiB sparse image: SDHC, block addressing. */
    img_path(path, "hc.img");
    make_image(path, 4ULL << 30, 0);
    int fd = open(path, O_RDWR);
    for (int i = 0; i < 512; i++)
        buf[i] = pat(i);
    if (fd < 0 || pwrite(fd, buf, 512, (off_t)(3ULL << 30)) != 512) {
        CHECK(0, "sparse 4 GiB image");
        return;
    }
    close(fd);
    if (rig_open(&r, path, NULL) < 0 || card_init(&r) < 0) {
        CHECK(0, "SDHC init");
        return;
    }
    cmd(&r, 0, 0, 0);
    r.rca = 0;
    acmd(&r, 41, 0x40ff8000, F_RESP);
    CHECK_EQ(RESP0(&r), 0xc0ffff00, "OCR: powered up, CCS (high capacity)");
    cmd(&r, 2, 0, F_LONG);
    cmd(&r, 3, 0, F_RESP);
    r.rca = (uint16_t)(RESP0(&r) >> 16);
    cmd(&r, 9, (uint32_t)r.rca << 16, F_LONG);
    uint32_t csd0 = RESP0(&r), csd1 = rd(&r, PL181_RESPONSE1), csd2 = rd(&r, PL181_RESPONSE2);
    uint32_t c_size = ((csd1 & 0x3f) << 16) | (csd2 >> 16);
    CHECK(csd0 >> 24 == 0x40 && (uint64_t)(c_size + 1) * 512 * 1024 == 4ULL << 30,
          "CSD v2.0 with 4 GiB capacity");
    CHECK_EQ(r.rca, 0x4567, "CMD0 reset the RCA");
    cmd(&r, 7, (uint32_t)r.rca << 16, F_RESP);
    data_setup(&r, 512, DCTRL_READ(9));
    cmd(&r, 17, (uint32_t)((3ULL << 30) / 512), F_RESP);
    CHECK(pio_read(&r, buf, 512, 0) == 512 && matches_pat(buf, 0, 512),
          "SDHC: the argument is a block number");
    CHECK(cmd(&r, 28, 0, F_RESP) & PL181_STATUS_CMDTIMEOUT, "SDHC: class 6 (CMD28) illegal");
    rig_close(&r);

    /* Read-only image: writes answer WP_VIOLATION, nothing changes. */
    img_path(path, "rocard.img");
    make_image(path, 1 * MiB, 1 * MiB);
    memset(&r, 0, sizeof r);
    bus_init(&r.bus, 1 * MiB);
    timerlist_init(&r.vt, rig_now, &r);
    blockdev_open(&r.bd, path, true, msg, sizeof msg);
    r.card = sdcard_create(r.bd, &r.vt, msg, sizeof msg);
    r.mmc = pl181_create(&r.bus, MMCI_BASE, &r.vt, irq_line(rig_irq, &r, 0),
                         irq_line(rig_irq, &r, 1), r.card);
    CHECK(r.card && sdcard_is_read_only(r.card) && card_init(&r) == 0, "read-only card inits");
    memset(buf, 0, sizeof buf);
    data_setup(&r, 512, DCTRL_WRITE(9));
    cmd(&r, 24, 0, F_RESP);
    CHECK(RESP0(&r) & SD_WP_VIOLATION, "CMD24 to a read-only image: WP_VIOLATION");
    pio_write(&r, buf, 512, 0);
    cmd(&r, 12, 0, F_RESP);
    CHECK(RESP0(&r) & SD_WP_VIOLATION, "the data phase keeps reporting WP_VIOLATION");
    CHECK(file_read(path, 0, buf, 512) == 0 && matches_pat(buf, 0, 512), "image unchanged");
    rig_close(&r);
}

static void test_latency(void)
{
    char path[PATH_MAX];
    Rig r;
    uint8_t buf[1024];
    const Pl181Latency lat = { .cmd_ns = 20000, .block_ns = 100000 };
    uint32_t st;

    img_path(path, "lat.img");
    make_image(path, 1 * MiB, 1 * MiB);
    if (rig_open(&r, path, &lat) < 0) {
        CHECK(0, "rig");
        return;
    }
    /* Commands complete cmd_ns after the Command write. */
    int64_t t0 = r.now;
    st = cmd_nowait(&r, 8, 0x1aa, F_RESP);
    CHECK((st & PL181_STATUS_CMDACTIVE) && !(st & PL181_STATUS_CMDRESPEND),
          "latency: CMDACTIVE, no response yet");
    advance_to(&r, t0 + lat.cmd_ns - 1);
    CHECK(!(rd(&r, PL181_STATUS) & PL181_STATUS_CMDRESPEND), "not 1 ns early");
    advance_to(&r, t0 + lat.cmd_ns);
    st = rd(&r, PL181_STATUS);
    CHECK((st & PL181_STATUS_CMDRESPEND) && !(st & PL181_STATUS_CMDACTIVE) &&
          RESP0(&r) == 0x1aa, "response exactly cmd_ns later");
    wr(&r, PL181_CLEAR, 0x7ff);

    /* The rest of the init, waiting for each command. */
    static const struct { unsigned idx; uint32_t arg, fl; } seq[] = {
        { 55, 0, F_RESP }, { 41, 0x00ff8000, F_RESP }, { 2, 0, F_LONG }, { 3, 0, F_RESP },
    };
    for (unsigned i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        cmd_nowait(&r, seq[i].idx, seq[i].arg, seq[i].fl);
        advance(&r, lat.cmd_ns);
        wr(&r, PL181_CLEAR, 0x7ff);
    }
    r.rca = (uint16_t)(RESP0(&r) >> 16);
    cmd_nowait(&r, 7, (uint32_t)r.rca << 16, F_RESP);
    advance(&r, lat.cmd_ns);
    CHECK(r.rca == 0x4567 && (rd(&r, PL181_STATUS) & PL181_STATUS_CMDRESPEND),
          "init sequence with command latency");
    wr(&r, PL181_CLEAR, 0x7ff);

    /* Read: the first block arrives block_ns after the command completes. */
    data_setup(&r, 1024, DCTRL_READ(9));
    t0 = r.now;
    cmd_nowait(&r, 18, 40 * 512, F_RESP);
    advance_to(&r, t0 + lat.cmd_ns);
    int64_t t_cmd = r.now;
    advance_to(&r, t_cmd + lat.block_ns - 1);
    st = rd(&r, PL181_STATUS);
    CHECK((st & PL181_STATUS_CMDRESPEND) && !(st & PL181_STATUS_RXDATAAVLBL) &&
          rd(&r, PL181_DATACNT) == 1024, "no data before cmd + block_ns");
    advance_to(&r, t_cmd + lat.block_ns);
    CHECK(rd(&r, PL181_STATUS) & PL181_STATUS_RXDATAAVLBL, "data at cmd + block_ns");
    CHECK_EQ(pio_read(&r, buf, 512, 0), 512, "first block readable at once");
    CHECK(!(rd(&r, PL181_STATUS) & PL181_STATUS_RXDATAAVLBL) && rd(&r, PL181_DATACNT) == 512,
          "second block not there before 2 x block_ns");
    advance_to(&r, t_cmd + 2 * lat.block_ns);
    CHECK_EQ(pio_read(&r, buf + 512, 512, 0), 512, "second block at 2 x block_ns");
    CHECK(matches_pat(buf, 40 * 512, 1024), "latency read data matches the image");
    CHECK(rd(&r, PL181_STATUS) & PL181_STATUS_DATAEND, "DATAEND after the last byte");
    cmd_nowait(&r, 12, 0, F_RESP);
    advance(&r, lat.cmd_ns);
    wr(&r, PL181_CLEAR, 0x7ff);

    /* Write: the FIFO drains into the card at 512 bytes per block_ns. */
    for (int i = 0; i < 1024; i++)
        buf[i] = (uint8_t)(i * 3);
    data_setup(&r, 1024, DCTRL_WRITE(9));
    t0 = r.now;
    cmd_nowait(&r, 25, 50 * 512, F_RESP);
    pio_write(&r, buf, 64, 0);
    CHECK(rd(&r, PL181_STATUS) & PL181_STATUS_TXFIFOFULL,
          "write: FIFO fills while the command runs");
    advance_to(&r, t0 + lat.cmd_ns + lat.block_ns - 1);
    CHECK_EQ(rd(&r, PL181_DATACNT), 1024, "nothing reaches the card before cmd + block_ns");
    advance_to(&r, t0 + lat.cmd_ns + lat.block_ns);
    CHECK_EQ(rd(&r, PL181_DATACNT), 1024 - 64, "the FIFO drains at cmd + block_ns");
    uint32_t put = 64 + pio_write(&r, buf + 64, 1024 - 64, 1000);
    int64_t took = r.now - t0;
    CHECK(put == 1024 && took >= lat.cmd_ns + 2 * lat.block_ns &&
          took < lat.cmd_ns + 2 * lat.block_ns + 1000,
          "the second block is taken at cmd + 2 x block_ns (%lld ns)", (long long)took);
    CHECK(rd(&r, PL181_STATUS) & PL181_STATUS_DATAEND, "DATAEND once the last byte is in");
    cmd_nowait(&r, 12, 0, F_RESP);
    advance(&r, lat.cmd_ns);
    uint8_t chk[1024];
    CHECK(file_read(path, 50 * 512, chk, 1024) == 0 && !memcmp(chk, buf, 1024),
          "latency write data in the file");
    rig_close(&r);

    /* All-zero latency is QEMU's instant completion. */
    Pl181Latency off = { 0, 0 };
    rig_open(&r, path, &off);
    card_init(&r);
    data_setup(&r, 512, DCTRL_READ(9));
    st = cmd(&r, 17, 0, F_RESP);
    CHECK((st & PL181_STATUS_RXDATAAVLBL) && timerlist_next_expiry(&r.vt) == INT64_MAX,
          "zero latency: instant, no timers");
    rig_close(&r);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/test_sd.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_blockdev();
    test_card_sizes();
    test_init_and_registers();
    test_data();
    test_sdhc_and_readonly();
    test_latency();

    if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
        printf("# could not remove %s\n", tmpdir);
    return tap_done();
}
