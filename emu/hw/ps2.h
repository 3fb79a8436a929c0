/*
 * PS/2 keyboard and mouse, as QEMU 7.2's hw/input/ps2.c answers a host
 * controller: the command/response protocol (reset 0xff -> 0xfa 0xaa, get
 * ID, LEDs, scancode set, typematic rate, enable/disable, the mouse's
 * stream/remote/wrap modes, sample-rate knocks that turn it into an
 * IntelliMouse or Explorer), a 16-byte event queue that drops what does not
 * fit, and an IRQ line that is high while bytes wait to be read.
 *
 * The keyboard's command replies are pushed in front of any queued key
 * bytes (QEMU's separate "command queue"), and a new command discards an
 * unread reply to the previous one. emu-arm has no host keyboard or
 * pointer, so key and motion events only come from ps2_kbd_put_keycode /
 * ps2_mouse_move (used by tests). The PL050 never turns on QEMU's i8042
 * scancode translation, so that mode is not modelled: GET ID answers
 * 0xab 0x83 and the scancode-set query returns the raw set number.
 */
#ifndef EMU_HW_PS2_H
#define EMU_HW_PS2_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/irq.h"

#define PS2_BUFFER_SIZE 256     /* ring storage; at most 16 events queued */
#define PS2_QUEUE_SIZE 16

typedef struct Ps2Queue {
    uint8_t data[PS2_BUFFER_SIZE];
    int rptr, wptr, count;
    int cwptr;                  /* end of the pending command reply, or -1 */
} Ps2Queue;

typedef struct Ps2Port {
    Ps2Queue queue;
    int write_cmd;              /* command awaiting its argument byte, or -1 */
    IrqLine irq;
} Ps2Port;

typedef struct Ps2Kbd {
    Ps2Port port;
    int scan_enabled;
    int scancode_set;
    int ledstate;
} Ps2Kbd;

typedef struct Ps2Mouse {
    Ps2Port port;
    uint8_t status;
    uint8_t resolution;
    uint8_t sample_rate;
    uint8_t wrap;
    uint8_t type;               /* 0 PS/2, 3 IntelliMouse, 4 Explorer */
    uint8_t detect_state;
    int dx, dy, dz, dw;
    uint8_t buttons;
} Ps2Mouse;

void ps2_kbd_init(Ps2Kbd *s, IrqLine irq);
void ps2_mouse_init(Ps2Mouse *s, IrqLine irq);
/* QEMU's device reset: empties the queue, lowers the IRQ, back to defaults. */
void ps2_kbd_reset(Ps2Kbd *s);
void ps2_mouse_reset(Ps2Mouse *s);

/* A write from the host controller. QEMU hands the whole register value
 * over, so a value above 0xff matches no command (the keyboard asks for a
 * resend, the mouse ignores it). */
void ps2_kbd_write(Ps2Kbd *s, uint32_t val);
void ps2_mouse_write(Ps2Mouse *s, uint32_t val);
/* The next byte for the controller; with nothing queued, the last byte read
 * again. */
uint8_t ps2_read_data(Ps2Port *p);

/* Host-side input: a raw scancode byte of the current set (ignored while
 * scanning is disabled), and relative motion/buttons then a sync. */
void ps2_kbd_put_keycode(Ps2Kbd *s, uint8_t keycode);
void ps2_mouse_move(Ps2Mouse *s, int dx, int dy, uint8_t buttons);
#endif
