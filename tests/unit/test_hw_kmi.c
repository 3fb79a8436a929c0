/* PL050 KMI with the PS/2 keyboard and mouse behind it, against QEMU 7.2:
 * IDs and reset values, the replies atkbd and psmouse get to their probe
 * commands, command replies going ahead of queued key bytes, the 16-byte
 * queue limit, the empty-queue re-read, and when the interrupt is raised. */
#include "hw/pl050.h"
#include "tap.h"
#include <string.h>

static int irq_level;
static void on_irq(void *o, int n, int level) { (void)o; (void)n; irq_level = level; }

static uint32_t rd(PL050 *s, uint32_t off) { return pl050_read(s, off, 4); }
static void wr(PL050 *s, uint32_t off, uint32_t v) { pl050_write(s, off, v, 1); }

/* Every byte waiting, as a hex string. */
static const char *drain(PL050 *s)
{
    static char buf[128];
    int n = 0;
    buf[0] = 0;
    while ((rd(s, 0x04) & 0x10) && n < 120)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%02x", n ? " " : "", rd(s, 0x08));
    return buf;
}

#define CHECK_BYTES(s, want, ...) do {                                  \
        const char *got_ = drain(s);                                    \
        CHECK(!strcmp(got_, want), __VA_ARGS__);                        \
        if (strcmp(got_, want))                                         \
            printf("#   got \"%s\", expected \"%s\"\n", got_, want);    \
    } while (0)

static void test_ids_and_reset(PL050 *s)
{
    static const uint8_t id[8] = { 0x50, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 8; i++)
        CHECK_EQ(rd(s, 0xfe0 + 4 * (uint32_t)i), id[i], "ID word %d", i);
    CHECK_EQ(rd(s, 0x00), 0, "KMICR 0");
    CHECK_EQ(rd(s, 0x04), 0x40, "KMISTAT: TX empty only");
    CHECK_EQ(rd(s, 0x08), 0, "KMIDATA 0");
    CHECK_EQ(rd(s, 0x10), 2, "KMIIR: TX interrupt always asserted");
    CHECK_EQ(rd(s, 0x14), 0, "bad offset");
}

static void test_keyboard(PL050 *s)
{
    pl050_write(s, 0x0c, 2, 4);
    CHECK_EQ(rd(s, 0x0c), 2, "KMICLKDIV holds its value");
    pl050_write(s, 0x00, 0x14, 4);      /* enable, RX interrupt */
    CHECK_EQ(irq_level, 0, "quiet");
    wr(s, 0x08, 0xff);
    CHECK_EQ(irq_level, 1, "a reply raises the interrupt at once");
    CHECK_EQ(rd(s, 0x04), 0x50, "RXFULL, parity of the last byte (0) clear");
    CHECK_EQ(rd(s, 0x10), 3, "KMIIR RX bit");
    CHECK_EQ(rd(s, 0x08), 0xfa, "reset: ACK");
    CHECK_EQ(rd(s, 0x04), 0x50, "0xfa has an even number of ones: parity bit clear");
    CHECK_EQ(irq_level, 1, "still a byte waiting");
    CHECK_EQ(rd(s, 0x08), 0xaa, "then BAT OK");
    CHECK_EQ(irq_level, 0, "queue empty: IRQ low");
    CHECK_EQ(rd(s, 0x08), 0xaa, "an empty queue re-reads the last byte");
    CHECK_EQ(rd(s, 0x04), 0x40, "parity of 0xaa is even");

    wr(s, 0x08, 0xf2);
    CHECK_BYTES(s, "fa ab 83", "GET ID: an untranslated MF2 keyboard");
    wr(s, 0x08, 0xed);
    CHECK_BYTES(s, "fa", "SET LEDS acknowledged");
    wr(s, 0x08, 0x07);
    CHECK_BYTES(s, "fa", "LED byte acknowledged");
    CHECK_EQ(s->kbd.ledstate, 7, "LED state kept");
    wr(s, 0x08, 0xf0);
    wr(s, 0x08, 0x00);
    CHECK_BYTES(s, "fa 02", "scancode set query, set 2 after reset (the F0 ACK was dropped)");
    wr(s, 0x08, 0xf0);
    CHECK_BYTES(s, "fa", "F0");
    wr(s, 0x08, 0x03);
    CHECK_BYTES(s, "fa", "set 3 accepted");
    wr(s, 0x08, 0xf0);
    CHECK_BYTES(s, "fa", "F0");
    wr(s, 0x08, 0x04);
    CHECK_BYTES(s, "fe", "set 4 refused");
    wr(s, 0x08, 0xf3);
    wr(s, 0x08, 0x00);
    CHECK_BYTES(s, "fa", "typematic rate");
    wr(s, 0x08, 0xee);
    CHECK_BYTES(s, "ee", "echo");
    wr(s, 0x08, 0x12);
    CHECK_BYTES(s, "fe", "unknown command: resend");
    pl050_write(s, 0x08, 0x1f2, 4);
    CHECK_BYTES(s, "fe", "a wide value matches no command");

    /* Key bytes queue behind command replies. */
    ps2_kbd_put_keycode(&s->kbd, 0x1c);
    ps2_kbd_put_keycode(&s->kbd, 0xf0);
    wr(s, 0x08, 0xf2);
    CHECK_BYTES(s, "fa ab 83 1c f0", "reply goes ahead of the key bytes");
    for (int i = 0; i < 20; i++)
        ps2_kbd_put_keycode(&s->kbd, (uint8_t)i);
    CHECK_EQ(s->kbd.port.queue.count, 16, "the event queue holds 16 bytes");
    wr(s, 0x08, 0xee);
    CHECK_EQ(s->kbd.port.queue.count, 17, "a reply does not count against it");
    CHECK_EQ(rd(s, 0x08), 0xee, "reply first");
    CHECK_EQ(rd(s, 0x08), 0x00, "then the first key byte");
    drain(s);
    wr(s, 0x08, 0xf2);
    wr(s, 0x08, 0xee);
    CHECK_BYTES(s, "ee", "a new command drops the unread reply");
    wr(s, 0x08, 0xf5);
    CHECK_BYTES(s, "fa", "reset and disable");
    ps2_kbd_put_keycode(&s->kbd, 0x1c);
    CHECK_EQ(rd(s, 0x04) & 0x10, 0, "keys ignored while scanning is disabled");
    wr(s, 0x08, 0xf4);
    CHECK_BYTES(s, "fa", "enable");
    ps2_kbd_put_keycode(&s->kbd, 0x1c);
    CHECK_BYTES(s, "1c", "keys flow again");

    pl050_write(s, 0x00, 0x0c, 4);
    CHECK_EQ(irq_level, 1, "TX interrupt enable raises the line by itself");
    pl050_write(s, 0x00, 0x04, 4);
    wr(s, 0x08, 0xee);
    CHECK_EQ(irq_level, 0, "RX interrupt disabled: data waits silently");
    CHECK_EQ(rd(s, 0x04), 0x54, "but RXFULL is set (and the parity of 0x1c, read last)");
    pl050_reset(s);
    CHECK_EQ(rd(s, 0x04) & 0x10, 0, "system reset empties the queue");
    CHECK_EQ(rd(s, 0x00), 0x04, "KMICR survives reset");
}

static void test_mouse(PL050 *s)
{
    pl050_write(s, 0x00, 0x14, 4);
    wr(s, 0x08, 0xff);
    CHECK_BYTES(s, "fa aa 00", "reset: ACK, BAT OK, ID 0");
    wr(s, 0x08, 0xf2);
    CHECK_BYTES(s, "fa 00", "GET ID: plain PS/2 mouse");
    static const uint8_t imps[] = { 0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf2 };
    for (unsigned i = 0; i < sizeof imps; i++)
        wr(s, 0x08, imps[i]);
    CHECK_BYTES(s, "fa fa fa fa fa fa fa 03", "200,100,80 knock: IntelliMouse");
    static const uint8_t imex[] = { 0xf3, 200, 0xf3, 200, 0xf3, 80, 0xf2 };
    for (unsigned i = 0; i < sizeof imex; i++)
        wr(s, 0x08, imex[i]);
    CHECK_BYTES(s, "fa fa fa fa fa fa fa 04", "200,200,80 knock: Explorer");
    wr(s, 0x08, 0xe8);
    wr(s, 0x08, 0x03);
    wr(s, 0x08, 0xe7);
    wr(s, 0x08, 0xe9);
    CHECK_BYTES(s, "fa fa fa fa 10 03 50", "status: scaling 2:1, resolution 3, rate 80");
    wr(s, 0x08, 0xf6);
    wr(s, 0x08, 0xe9);
    CHECK_BYTES(s, "fa fa 00 02 64", "defaults: resolution 2, rate 100");
    wr(s, 0x08, 0x99);
    CHECK_EQ(rd(s, 0x04) & 0x10, 0, "unknown command: no answer");
    wr(s, 0x08, 0xee);
    wr(s, 0x08, 0x42);
    wr(s, 0x08, 0xec);
    CHECK_BYTES(s, "fa 42 fa", "wrap mode echoes until reset-wrap");

    ps2_mouse_move(&s->mouse, 5, -3, 1);
    CHECK_EQ(rd(s, 0x04) & 0x10, 0, "no packets while disabled");
    wr(s, 0x08, 0xf4);
    CHECK_BYTES(s, "fa", "enable");
    ps2_mouse_move(&s->mouse, 5, -3, 1);
    CHECK_BYTES(s, "09 05 03 00", "stream packet: left button, dx 5, dy 3 (Y up), Explorer byte");
    ps2_mouse_move(&s->mouse, -300, 0, 0);
    CHECK_BYTES(s, "18 81 00 00 18 81 00 00 18 d2 00 00", "large motion split into clamped packets");

    for (int i = 0; i < 20; i++)
        wr(s, 0x08, 0xe6);
    CHECK_EQ(s->mouse.port.queue.count, 16, "mouse replies share the 16-byte queue");
    drain(s);
    wr(s, 0x08, 0xf0);
    wr(s, 0x08, 0xeb);
    CHECK_BYTES(s, "fa fa 08 00 00 00", "remote mode: poll answers with a packet");
}

int main(void)
{
    Bus bus;
    if (bus_init(&bus, 0x1000) < 0)
        return 1;
    static PL050 kbd, mouse;
    CHECK_EQ(pl050_init(&kbd, &bus, 0x10006000, irq_line(on_irq, NULL, 0), false), 0, "keyboard");
    test_ids_and_reset(&kbd);
    test_keyboard(&kbd);
    CHECK_EQ(pl050_init(&mouse, &bus, 0x10007000, irq_line(on_irq, NULL, 0), true), 0, "mouse");
    test_ids_and_reset(&mouse);
    test_mouse(&mouse);
    bus_free(&bus);
    return tap_done();
}
