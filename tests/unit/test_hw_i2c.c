/* Versatile I2C (bit-banged SB_CONTROL) with a DS1338 at 0x68, against QEMU
 * 7.2: register reads, a full rtc-ds1307-style transaction reading the 8
 * time/control registers as BCD from the RTC clock, NVRAM and control
 * register writes, pointer wrap re-latching the time, NACK from an absent
 * address, setting the time, and the I2C bus rules (repeated START keeps
 * the selected slave; general call). */
#include "hw/ds1338.h"
#include "hw/versatile_i2c.h"
#include "tap.h"

#define BASE_2026 1767225600LL      /* 2026-01-01T00:00:00Z, a Thursday */
#define NS 1000000000LL

static int64_t rtc_now_ns, host_now_ns;
static int64_t fake_rtc(void *o) { (void)o; return rtc_now_ns; }
static int64_t fake_host(void *o) { (void)o; return host_now_ns; }

static VersatileI2C i2c;

static void sb(uint32_t bits, int high)
{
    versatile_i2c_write(&i2c, high ? 0x0 : 0x4, bits, 4);
}
static int sda(void) { return (versatile_i2c_read(&i2c, 0, 4) >> 1) & 1; }

static void start(void) { sb(2, 1); sb(1, 1); sb(2, 0); sb(1, 0); }
static void stop(void) { sb(2, 0); sb(1, 1); sb(2, 1); }

static int write_byte(uint32_t v)
{
    for (int i = 7; i >= 0; i--) {
        sb(2, (v >> i) & 1);
        sb(1, 1);
        sb(1, 0);
    }
    sb(2, 1);
    sb(1, 1);
    int nack = sda();
    sb(1, 0);
    return nack;
}

static uint8_t read_byte(int nack)
{
    uint8_t v = 0;
    sb(2, 1);
    for (int i = 0; i < 8; i++) {
        sb(1, 1);
        v = (uint8_t)(v << 1 | sda());
        sb(1, 0);
    }
    sb(2, nack);
    sb(1, 1);
    sb(1, 0);
    sb(2, 1);
    return v;
}

static int read_regs(uint8_t reg, uint8_t *buf, int n)
{
    start();
    int nacks = write_byte(0x68 << 1) + write_byte(reg);
    start();                            /* repeated START */
    nacks += write_byte(0x68 << 1 | 1);
    for (int i = 0; i < n; i++)
        buf[i] = read_byte(i == n - 1);
    stop();
    return nacks;
}

static int write_regs(uint8_t reg, const uint8_t *buf, int n)
{
    start();
    int nacks = write_byte(0x68 << 1) + write_byte(reg);
    for (int i = 0; i < n; i++)
        nacks += write_byte(buf[i]);
    stop();
    return nacks;
}

static void check_regs(const uint8_t *got, const uint8_t *want, int n, const char *what)
{
    int same = 1;
    for (int i = 0; i < n; i++)
        same &= got[i] == want[i];
    CHECK(same, "%s", what);
    if (!same) {
        printf("#   got");
        for (int i = 0; i < n; i++)
            printf(" %02x", got[i]);
        printf("\n");
    }
}

int main(void)
{
    Bus bus;
    TimerList tl;
    if (bus_init(&bus, 0x1000) < 0)
        return 1;
    timerlist_init(&tl, fake_rtc, NULL);
    rtc_now_ns = 0;
    host_now_ns = 5 * NS;
    CHECK_EQ(versatile_i2c_init(&i2c, &bus, 0x10002000), 0, "registered");
    Ds1338 rtc;
    Ds1338Clock clk = { .rtc = &tl, .start_seconds = BASE_2026,
                        .host_now_ns = fake_host };
    ds1338_init(&rtc, &clk);
    CHECK_EQ(i2c_attach(&i2c.bus, &rtc.i2c), 0, "DS1338 attached");

    CHECK_EQ(versatile_i2c_read(&i2c, 0, 4), 0, "SB_CONTROL reads 0 at start");
    CHECK_EQ(versatile_i2c_read(&i2c, 8, 4), 0xffffffffu, "bad offset reads -1");
    CHECK_EQ(versatile_i2c_read(&i2c, 1, 1), 0xff, "so does a byte inside the register");
    sb(3, 1);
    CHECK_EQ(versatile_i2c_read(&i2c, 0, 4), 3, "SCL and SDA high, idle");

    uint8_t t[8];
    CHECK_EQ(read_regs(0, t, 8), 0, "every byte acknowledged");
    static const uint8_t t0[8] = { 0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x26, 0x00 };
    check_regs(t, t0, 8, "2026-01-01 00:00:00, Thursday (day 5), control 0");

    rtc_now_ns = 3723 * NS + NS / 2;    /* 01:02:03.5 */
    read_regs(0, t, 8);
    static const uint8_t t1[8] = { 0x03, 0x02, 0x01, 0x05, 0x01, 0x01, 0x26, 0x00 };
    check_regs(t, t1, 8, "the RTC clock drives the time registers (BCD)");
    rtc_now_ns += 60LL * 86400 * NS;
    read_regs(4, t, 3);
    static const uint8_t t2[3] = { 0x02, 0x03, 0x26 };
    check_regs(t, t2, 3, "60 days later: 2 March, pointer set to register 4");

    static const uint8_t nv[4] = { 0xff, 0x12, 0x34, 0x56 };
    CHECK_EQ(write_regs(7, nv, 4), 0, "control and NVRAM writes acknowledged");
    read_regs(7, t, 4);
    static const uint8_t nv_back[4] = { 0x93, 0x12, 0x34, 0x56 };
    check_regs(t, nv_back, 4, "control keeps 0xb3 bits and cannot set OSF; NVRAM holds data");
    rtc.nvram[7] = 0x20;
    static const uint8_t osf_clear = 0x00;
    write_regs(7, &osf_clear, 1);
    CHECK_EQ(rtc.nvram[7], 0, "OSF can be cleared");

    read_regs(0x3f, t, 3);
    static const uint8_t wrap[3] = { 0x00, 0x03, 0x02 };
    check_regs(t, wrap, 3, "the pointer wraps past 0x3f to the re-latched seconds");

    /* Set 2030-06-15 12:34:56, day 2. The offset is taken against the host
     * clock (QEMU's qemu_timedate_diff), so it reads back as written only
     * while the host clock has advanced as much as the RTC clock. */
    host_now_ns = rtc_now_ns + 5 * NS;
    static const uint8_t set[7] = { 0x56, 0x34, 0x12, 0x02, 0x15, 0x06, 0x30 };
    write_regs(0, set, 7);
    read_regs(0, t, 7);
    /* The day of week is stored as an offset from the weekday of the date
     * current when register 3 is written (Monday 2 March 2026: offset 0),
     * so after the date becomes Saturday 15 June 2030 it reads 7. */
    static const uint8_t set_back[7] = { 0x56, 0x34, 0x12, 0x07, 0x15, 0x06, 0x30 };
    check_regs(t, set_back, 7, "time reads back as set (host and RTC clocks in step)");
    rtc_now_ns += 10 * NS;
    read_regs(0, t, 1);
    CHECK_EQ(t[0], 0x06, "the set time runs on with the RTC clock");
    host_now_ns += 100 * NS;
    read_regs(0, t, 2);
    CHECK_EQ(t[0], 0x06, "reads do not depend on the host clock");
    static const uint8_t zero_sec = 0x00;
    write_regs(0, &zero_sec, 1);
    read_regs(0, t, 2);
    CHECK(t[0] == 0x30 && t[1] == 0x33,
          "12:35:00 written with the host clock 90 s ahead reads back 90 s early "
          "(QEMU quirk): %02x:%02x",
          t[1], t[0]);

    start();
    CHECK_EQ(write_byte(0x50 << 1), 1, "no slave at 0x50: NACK");
    stop();
    CHECK(!i2c_bus_busy(&i2c.bus), "bus released after the NACK");
    CHECK_EQ(versatile_i2c_read(&i2c, 0, 4), 3, "lines back high");

    /* Repeated START to another address keeps talking to the DS1338. */
    start();
    write_byte(0x68 << 1);
    write_byte(0x08);
    start();
    CHECK_EQ(write_byte(0x50 << 1 | 1), 0, "repeated START keeps the selected slave");
    CHECK_EQ(read_byte(1), 0x12, "and reads it");
    stop();
    /* General call: the DS1338 takes writes, reads give 0xff. */
    start();
    CHECK_EQ(write_byte(0x00), 0, "general call acknowledged");
    CHECK_EQ(write_byte(0x09), 0, "pointer byte taken by every slave");
    start();
    write_byte(0x01);
    CHECK_EQ(read_byte(1), 0xff, "reads during a general call give 0xff");
    stop();

    ds1338_reset(&rtc);
    CHECK_EQ(rtc.nvram[8], 0, "reset clears NVRAM");
    rtc_now_ns = 0;
    read_regs(0, t, 7);
    check_regs(t, t0, 7, "and the time follows the RTC clock again");
    bus_free(&bus);
    return tap_done();
}
