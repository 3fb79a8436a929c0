/* PL011 UART registers, FIFO, flags and interrupts, and the chardev
 * backends (pipes stand in for stdin/stdout). */
#include "hw/chardev.h"
#include "hw/pl011.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int n_tests, n_fail;
#define CHECK_EQ(got, want, ...) do {                                       \
        unsigned long long g_ = (got), w_ = (want);                         \
        n_tests++;                                                          \
        if (g_ != w_) n_fail++;                                             \
        printf("%sok %d - ", g_ == w_ ? "" : "not ", n_tests);              \
        printf(__VA_ARGS__);                                                \
        if (g_ != w_) printf(" # got 0x%llx, want 0x%llx", g_, w_);         \
        printf("\n");                                                       \
    } while (0)

typedef struct Line { int level; } Line;
static void line_set(void *opaque, int n, int level)
{
    (void)n;
    ((Line *)opaque)->level = level;
}

#define BASE 0x101f1000u
#define DR 0x00
#define RSR 0x04
#define FR 0x18
#define LCRH 0x2c
#define CR 0x30
#define IFLS 0x34
#define IMSC 0x38
#define RIS 0x3c
#define MIS 0x40
#define ICR 0x44

static Bus bus;
static void settle(void)
{
    struct timespec ts = { 0, 2000000 };
    nanosleep(&ts, NULL);
}
static uint32_t rd(uint32_t off)
{
    const MmioRegion *r = bus_find(&bus, BASE);
    return r->read(r->opaque, off, 4);
}
static void wr(uint32_t off, uint32_t v)
{
    const MmioRegion *r = bus_find(&bus, BASE);
    r->write(r->opaque, off, v, 4);
}

static void test_pl011(void)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out)) {
        perror("pipe");
        return;
    }
    CharDev *chr = chardev_open_fds(in[0], out[1]);
    PL011 u;
    Line irq = {0};
    bus_init(&bus, 0x1000);
    pl011_init(&u, &bus, BASE, irq_line(line_set, &irq, 0), chr);

    static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    int id_ok = 1;
    for (int i = 0; i < 8; i++)
        id_ok &= rd(0xfe0 + 4 * (uint32_t)i) == id[i];
    CHECK_EQ(id_ok, 1, "PL011 PeriphID/PCellID (ARM variant)");
    CHECK_EQ(rd(CR), 0x300, "UARTCR at creation");
    CHECK_EQ(rd(IFLS), 0x12, "UARTIFLS at creation");
    CHECK_EQ(rd(RIS) | rd(IMSC), 0, "no interrupts at creation");

    /* TX: goes to the backend, raises TXRIS. */
    wr(DR, 'H');
    wr(DR, 'i');
    CHECK_EQ(rd(RIS), 0x20, "TX sets the TX raw interrupt");
    CHECK_EQ(irq.level, 0, "masked");
    wr(IMSC, 0x20);
    CHECK_EQ(irq.level * 2 + (rd(MIS) == 0x20), 3, "IMSC unmasks TX: line high, MIS");
    wr(ICR, 0x20);
    CHECK_EQ(irq.level, 0, "ICR clears it");
    wr(IMSC, 0);
    chardev_flush(chr);
    char buf[16] = {0};
    ssize_t n = read(out[0], buf, sizeof(buf));
    CHECK_EQ(n == 2 && !memcmp(buf, "Hi", 2), 1, "bytes reach the backend");
    wr(DR, '\n');
    n = read(out[0], buf, sizeof(buf));
    CHECK_EQ(n == 1 && buf[0] == '\n', 1, "a newline flushes by itself");

    /* RX, FIFOs disabled: one-byte holding register. */
    CHECK_EQ(rd(FR), 0x90, "FR idle: TXFE | RXFE");
    if (write(in[1], "xyz", 3) != 3)
        perror("write");
    settle();   /* input polls are rate-limited to one per ms when idle */
    wr(IMSC, 0x10);
    CHECK_EQ(rd(FR), 0x40 | 0x80, "FR read fetches input: RXFF (no FIFO), RXFE clear");
    CHECK_EQ(irq.level * 2 + ((rd(RIS) & 0x10) != 0), 3, "RX interrupt");
    CHECK_EQ(rd(DR), 'x', "DR returns the byte");
    CHECK_EQ(rd(FR), 0x40 | 0x80, "next byte fetched on the next FR read");
    CHECK_EQ(rd(DR), 'y', "second byte");
    CHECK_EQ(pl011_poll_input(&u, true), 1, "explicit poll delivers the third");
    CHECK_EQ(pl011_can_receive(&u), 0, "no room without FIFOs");
    CHECK_EQ(rd(DR), 'z', "third byte");
    CHECK_EQ(rd(FR), 0x90, "empty again");
    CHECK_EQ(irq.level + (rd(RIS) & 0x10), 0, "RX interrupt drops when drained");
    CHECK_EQ(rd(DR), 0, "DR with an empty FIFO returns the next slot's stale content (QEMU)");

    /* FIFOs enabled: 16 entries. */
    wr(LCRH, 0x70);
    for (uint32_t i = 0; i < 16; i++)
        pl011_receive(&u, 'a' + i);
    wr(LCRH, 0x60);
    CHECK_EQ(rd(FR), 0xc0, "toggling FEN empties the FIFO but leaves FR stale (QEMU)");
    wr(LCRH, 0x70);
    CHECK_EQ(pl011_can_receive(&u), 1, "FIFO has room again");
    char msg[18];
    for (int i = 0; i < 17; i++)
        msg[i] = (char)('A' + i);
    if (write(in[1], msg, 17) != 17)
        perror("write");
    pl011_poll_input(&u, true);
    CHECK_EQ(rd(FR), 0x40 | 0x80, "16 bytes fill the FIFO: RXFF");
    CHECK_EQ(rd(DR), 'A', "FIFO order");
    CHECK_EQ(rd(FR), 0x80, "not full after one read");
    int ok_order = 1;
    for (int i = 1; i < 16; i++)
        ok_order &= rd(DR) == (uint32_t)('A' + i);
    CHECK_EQ(ok_order, 1, "the other 15 in order");
    CHECK_EQ(rd(FR), 0x80, "17th byte arrives on the FR poll");
    CHECK_EQ(rd(DR), 'Q', "17th byte");

    /* Break: 0x400 in the FIFO, RSR gets BE. */
    pl011_receive(&u, 0x400);
    CHECK_EQ(rd(DR), 0x400, "break reads as 0x400");
    CHECK_EQ(rd(RSR), 4, "RSR = BE");
    wr(RSR, 0);
    CHECK_EQ(rd(RSR), 0, "ECR write clears RSR");

    wr(0x24, 3); wr(0x28, 5); wr(0x20, 7); wr(0x48, 1);
    CHECK_EQ(rd(0x24) * 0x1000 + rd(0x28) * 0x100 + rd(0x20) * 0x10 + rd(0x48),
             0x3571, "IBRD, FBRD, ILPR, DMACR store");
    CHECK_EQ(bus_find(&bus, BASE)->read(&u, 0xfe4, 1), 0x10, "byte read of PeriphID1");

    chardev_close(chr);
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
    bus_free(&bus);
}

static void test_chardev(void)
{
    const char *err = "x";
    CHECK_EQ(chardev_open("none", &err) == NULL && err == NULL, 1, "none: no backend, no error");
    CharDev *c = chardev_open("bogus:thing", &err);
    CHECK_EQ(c == NULL && err != NULL, 1, "unknown backend rejected");
    c = chardev_open("null", &err);
    CHECK_EQ(c != NULL && chardev_read_byte(c) < 0, 1, "null: no input");
    chardev_write(c, (const uint8_t *)"dropped", 7);
    chardev_close(c);

    char path[] = "/tmp/test_hw_uart_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    c = chardev_open(spec, &err);
    CHECK_EQ(c != NULL, 1, "file: opens");
    chardev_write(c, (const uint8_t *)"abc", 3);
    chardev_close(c);
    FILE *f = fopen(path, "r");
    char got[8] = {0};
    size_t n = f ? fread(got, 1, sizeof(got), f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    CHECK_EQ(n == 3 && !memcmp(got, "abc", 3), 1, "file: content written at close");

    /* EOF on input is sticky and reported as no data. */
    int p[2];
    if (pipe(p))
        return;
    c = chardev_open_fds(p[0], -1);
    if (write(p[1], "q", 1) != 1)
        perror("write");
    close(p[1]);
    CHECK_EQ(chardev_read_byte(c), 'q', "input byte before EOF");
    CHECK_EQ(chardev_input_ready(c, true), 0, "EOF: nothing more");
    CHECK_EQ(chardev_input_fd(c), -1, "EOF: no fd to wait on");
    chardev_close(c);
    close(p[0]);
}

int main(void)
{
    test_pl011();
    test_chardev();
    printf("%d passed, %d failed\n", n_tests - n_fail, n_fail);
    return n_fail ? 1 : 0;
}
