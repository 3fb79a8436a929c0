/* PL061 GPIO against QEMU 7.2's model: PrimeCell IDs, reset values,
 * GPIODATA address masking, what inputs read with the default pull-ups,
 * the output lines, and level/edge/both-edge interrupt logic. */
#include "hw/pl061.h"
#include "tap.h"

static int irq_level, out_level[8], out_calls;
static void on_irq(void *o, int n, int level) { (void)o; (void)n; irq_level = level; }
static void on_out(void *o, int n, int level) { (void)o; out_level[n] = level; out_calls++; }

static uint32_t rd(PL061 *s, uint32_t off) { return pl061_read(s, off, 4); }
static void wr(PL061 *s, uint32_t off, uint32_t v) { pl061_write(s, off, v, 4); }

static void test_ids_and_reset(PL061 *s)
{
    static const uint8_t id[12] = { 0, 0, 0, 0, 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 12; i++)
        CHECK_EQ(rd(s, 0xfd0 + 4 * (uint32_t)i), id[i], "ID word at 0x%03x", 0xfd0 + 4 * i);
    CHECK_EQ(pl061_read(s, 0xfe1, 1), 0x61, "byte read inside PERIPHID0 gives its value");
    static const uint32_t regs[] = { 0x3fc, 0x400, 0x404, 0x408, 0x40c, 0x410, 0x414, 0x418, 0x420 };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
        CHECK_EQ(rd(s, regs[i]), 0, "register 0x%03x is 0 after reset", regs[i]);
    CHECK_EQ(rd(s, 0x510), 0, "Luminary pull-up register is not there");
    CHECK_EQ(rd(s, 0x424), 0, "unknown offset reads 0");
    CHECK_EQ(s->cr, 0xff, "AFSEL commit mask open");
}

static void test_data_masking(PL061 *s)
{
    wr(s, 0x400, 0xf0);
    wr(s, 0x3fc, 0xff);
    CHECK_EQ(rd(s, 0x3fc), 0xf0, "only output bits take a write");
    wr(s, 0x30 << 2, 0x00);
    CHECK_EQ(rd(s, 0x3fc), 0xc0, "address bits 9..2 select the bits written");
    CHECK_EQ(rd(s, 0x80 << 2), 0x80, "and the bits read");
    CHECK_EQ(rd(s, 0x0f << 2), 0x00, "input bits read 0 despite the pull-ups");
    CHECK_EQ(rd(s, 0), 0, "offset 0 masks everything");
    wr(s, 0x400, 0x1ff);
    CHECK_EQ(rd(s, 0x400), 0xff, "DIR keeps 8 bits");
    wr(s, 0x420, 0xa5);
    CHECK_EQ(rd(s, 0x420), 0xa5, "AFSEL written through the open commit mask");
    wr(s, 0x420, 0);
    wr(s, 0x3fc, 0);
    wr(s, 0x400, 0);
    CHECK_EQ(rd(s, 0x3fc), 0, "a former output keeps the level it was given");
}

static void test_outputs(PL061 *s)
{
    for (int i = 0; i < 8; i++)
        CHECK_EQ(out_level[i], 1, "reset drives pulled-up line %d high", i);
    wr(s, 0x400, 0x01);                 /* line 0 output, data 0 */
    CHECK_EQ(out_level[0], 0, "an output drives its data bit");
    wr(s, 0x1 << 2, 1);
    CHECK_EQ(out_level[0], 1, "data write reaches the line");
    wr(s, 0x1 << 2, 0);
    int calls = out_calls;
    wr(s, 0x400, 0x00);
    CHECK_EQ(out_level[0], 1, "back to an input: the pull-up wins");
    CHECK_EQ(out_calls, calls + 1, "only the changed line is updated");
}

static void test_level_interrupts(PL061 *s)
{
    wr(s, 0x404, 0x01);                 /* line 0 level sensitive, IEV 0: active low */
    CHECK_EQ(rd(s, 0x414), 0x01, "a low input latches at once");
    CHECK_EQ(irq_level, 0, "masked");
    wr(s, 0x410, 0x01);
    CHECK_EQ(rd(s, 0x418), 0x01, "MIS follows IE");
    CHECK_EQ(irq_level, 1, "IRQ raised");
    wr(s, 0x41c, 0x01);
    CHECK_EQ(rd(s, 0x414), 0x01, "a clear re-latches a level that is still active");
    wr(s, 0x40c, 0x01);                 /* active high now */
    CHECK_EQ(rd(s, 0x414), 0x01, "a latched bit stays until cleared");
    wr(s, 0x41c, 0x01);
    CHECK_EQ(rd(s, 0x414), 0x00, "cleared while inactive");
    CHECK_EQ(irq_level, 0, "IRQ dropped");
    pl061_set_input(s, 0, 1);
    CHECK_EQ(rd(s, 0x414), 0x01, "driving the input high latches the active-high level");
    CHECK_EQ(irq_level, 1, "IRQ raised");
    pl061_set_input(s, 0, 0);
    wr(s, 0x41c, 0xff);
    wr(s, 0x404, 0);
    wr(s, 0x40c, 0);
    wr(s, 0x410, 0);
}

static void test_edge_interrupts(PL061 *s)
{
    wr(s, 0x410, 0x0c);
    wr(s, 0x40c, 0x04);                 /* line 2 rising, line 3 falling */
    pl061_set_input(s, 2, 1);
    pl061_set_input(s, 3, 1);
    CHECK_EQ(rd(s, 0x414), 0x04, "rising edge on line 2 only");
    CHECK_EQ(irq_level, 1, "IRQ raised");
    CHECK_EQ(rd(s, 0x3fc), 0x0c, "inputs read their driven levels");
    pl061_set_input(s, 2, 0);
    pl061_set_input(s, 3, 0);
    CHECK_EQ(rd(s, 0x414), 0x0c, "falling edge on line 3");
    wr(s, 0x41c, 0x0c);
    CHECK_EQ(irq_level, 0, "cleared");
    wr(s, 0x408, 0x08);                 /* line 3 both edges */
    pl061_set_input(s, 3, 1);
    CHECK_EQ(rd(s, 0x414), 0x08, "both-edges line fires on rising");
    wr(s, 0x41c, 0x08);
    pl061_set_input(s, 3, 0);
    CHECK_EQ(rd(s, 0x414), 0x08, "and on falling");
    wr(s, 0x41c, 0xff);
    pl061_set_input(s, 3, 0);
    CHECK_EQ(rd(s, 0x414), 0x00, "no edge without a change");
    /* An output that becomes an input shows its held level as an edge. */
    wr(s, 0x408, 0);
    wr(s, 0x400, 0x04);
    wr(s, 0x04 << 2, 0x04);
    CHECK_EQ(rd(s, 0x414), 0x00, "outputs do not latch edges");
    wr(s, 0x400, 0x00);
    CHECK_EQ(rd(s, 0x414), 0x04, "turning it into an input is a rising edge");
    pl061_set_input(s, 1, 1);
    wr(s, 0x400, 0x02);
    pl061_set_input(s, 1, 0);
    CHECK_EQ(rd(s, 0x3fc) & 0x02, 0x02, "input changes are ignored on an output");
}

int main(void)
{
    Bus bus;
    if (bus_init(&bus, 0x1000) < 0)
        return 1;
    PL061 s;
    CHECK_EQ(pl061_init(&s, &bus, 0x101e4000, irq_line(on_irq, NULL, 0)), 0, "registered");
    CHECK(bus_find(&bus, 0x101e4ffc) && bus_find(&bus, 0x101e4ffc)->opaque == &s, "mapped");
    for (int i = 0; i < 8; i++)
        s.out[i] = irq_line(on_out, NULL, i);
    pl061_reset(&s);
    test_ids_and_reset(&s);
    test_data_masking(&s);
    test_outputs(&s);
    test_level_interrupts(&s);
    test_edge_interrupts(&s);
    bus_free(&bus);
    return tap_done();
}
