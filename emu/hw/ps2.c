/* PS/2 keyboard and mouse with QEMU 7.2's protocol behaviour (see ps2.h). */
#include "hw/ps2.h"

#define KBD_CMD_SET_LEDS        0xed
#define KBD_CMD_ECHO            0xee
#define KBD_CMD_SCANCODE        0xf0
#define KBD_CMD_GET_ID          0xf2
#define KBD_CMD_SET_RATE        0xf3
#define KBD_CMD_ENABLE          0xf4
#define KBD_CMD_RESET_DISABLE   0xf5
#define KBD_CMD_RESET_ENABLE    0xf6
#define KBD_CMD_SET_TYPEMATIC   0xfa
#define KBD_CMD_SET_MAKE_BREAK  0xfc
#define KBD_CMD_RESET           0xff

#define KBD_REPLY_POR           0xaa
#define KBD_REPLY_ID            0xab
#define KBD_REPLY_ACK           0xfa
#define KBD_REPLY_RESEND        0xfe

#define AUX_SET_SCALE11         0xe6
#define AUX_SET_SCALE21         0xe7
#define AUX_SET_RES             0xe8
#define AUX_GET_SCALE           0xe9
#define AUX_SET_STREAM          0xea
#define AUX_POLL                0xeb
#define AUX_RESET_WRAP          0xec
#define AUX_SET_WRAP            0xee
#define AUX_SET_REMOTE          0xf0
#define AUX_GET_TYPE            0xf2
#define AUX_SET_SAMPLE          0xf3
#define AUX_ENABLE_DEV          0xf4
#define AUX_DISABLE_DEV         0xf5
#define AUX_SET_DEFAULT         0xf6
#define AUX_RESET               0xff
#define AUX_ACK                 0xfa

#define MOUSE_STATUS_REMOTE     0x40
#define MOUSE_STATUS_ENABLED    0x20
#define MOUSE_STATUS_SCALE21    0x10

#define RING_MASK (PS2_BUFFER_SIZE - 1)

static void queue_reset(Ps2Queue *q)
{
    q->rptr = q->wptr = q->count = 0;
    q->cwptr = -1;
}

static void push_noirq(Ps2Port *p, uint8_t b)
{
    Ps2Queue *q = &p->queue;
    if (q->count >= PS2_QUEUE_SIZE)
        return;
    q->data[q->wptr] = b;
    q->wptr = (q->wptr + 1) & RING_MASK;
    q->count++;
}

/* Queues all n bytes and raises the IRQ, or drops them all if they do not
 * fit in the 16-byte queue. */
static void push(Ps2Port *p, int n, const uint8_t *b)
{
    if (PS2_QUEUE_SIZE - p->queue.count < n)
        return;
    for (int i = 0; i < n; i++)
        push_noirq(p, b[i]);
    irq_set(&p->irq, 1);
}

static void push1(Ps2Port *p, uint8_t b)
{
    push(p, 1, &b);
}

/* A command reply goes in front of the queued events, ahead of the read
 * pointer, and is not limited by the queue size. */
static void reply(Ps2Port *p, int n, const uint8_t *b)
{
    Ps2Queue *q = &p->queue;
    q->rptr = (q->rptr - n) & RING_MASK;
    q->cwptr = q->rptr;
    for (int i = 0; i < n; i++) {
        q->data[q->cwptr] = b[i];
        q->cwptr = (q->cwptr + 1) & RING_MASK;
        q->count++;
    }
    irq_set(&p->irq, 1);
}

static void reply1(Ps2Port *p, uint8_t b)
{
    reply(p, 1, &b);
}

/* A new command cancels what is left of the previous command's reply. */
static void drop_pending_reply(Ps2Port *p)
{
    Ps2Queue *q = &p->queue;
    if (q->cwptr == -1)
        return;
    q->count -= (q->cwptr - q->rptr) & RING_MASK;
    q->rptr = q->cwptr;
    q->cwptr = -1;
}

uint8_t ps2_read_data(Ps2Port *p)
{
    Ps2Queue *q = &p->queue;
    if (q->count == 0)
        return q->data[(q->rptr - 1) & RING_MASK];
    uint8_t val = q->data[q->rptr];
    q->rptr = (q->rptr + 1) & RING_MASK;
    q->count--;
    if (q->rptr == q->cwptr)
        q->cwptr = -1;
    /* Pulse low so that an edge is seen when more bytes are waiting. */
    irq_set(&p->irq, 0);
    if (q->count)
        irq_set(&p->irq, 1);
    return val;
}

static void port_reset(Ps2Port *p)
{
    p->write_cmd = -1;
    queue_reset(&p->queue);
    irq_set(&p->irq, 0);
}

/* ---- keyboard ---- */

static void kbd_protocol_reset(Ps2Kbd *s)
{
    s->scan_enabled = 1;
    s->scancode_set = 2;
    queue_reset(&s->port.queue);
    s->ledstate = 0;
}

static void kbd_command(Ps2Kbd *s, uint32_t val)
{
    Ps2Port *p = &s->port;
    switch (val) {
    case 0x00:
        reply1(p, KBD_REPLY_ACK);
        break;
    case 0x05:
        reply1(p, KBD_REPLY_RESEND);
        break;
    case KBD_CMD_GET_ID: {
        /* An MF2 keyboard, untranslated. */
        static const uint8_t id[3] = { KBD_REPLY_ACK, KBD_REPLY_ID, 0x83 };
        reply(p, 3, id);
        break;
    }
    case KBD_CMD_ECHO:
        reply1(p, KBD_CMD_ECHO);
        break;
    case KBD_CMD_ENABLE:
        s->scan_enabled = 1;
        reply1(p, KBD_REPLY_ACK);
        break;
    case KBD_CMD_SCANCODE:
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_RATE:
    case KBD_CMD_SET_MAKE_BREAK:
        p->write_cmd = (int)val;
        reply1(p, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET_DISABLE:
        kbd_protocol_reset(s);
        s->scan_enabled = 0;
        reply1(p, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET_ENABLE:
        kbd_protocol_reset(s);
        s->scan_enabled = 1;
        reply1(p, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET: {
        static const uint8_t por[2] = { KBD_REPLY_ACK, KBD_REPLY_POR };
        kbd_protocol_reset(s);
        reply(p, 2, por);
        break;
    }
    case KBD_CMD_SET_TYPEMATIC:
        reply1(p, KBD_REPLY_ACK);
        break;
    default:
        reply1(p, KBD_REPLY_RESEND);
        break;
    }
}

void ps2_kbd_write(Ps2Kbd *s, uint32_t val)
{
    Ps2Port *p = &s->port;
    drop_pending_reply(p);
    switch (p->write_cmd) {
    case KBD_CMD_SET_MAKE_BREAK:
    case KBD_CMD_SET_RATE:
        reply1(p, KBD_REPLY_ACK);
        break;
    case KBD_CMD_SCANCODE:
        if (val == 0) {
            uint8_t r[2] = { KBD_REPLY_ACK, (uint8_t)s->scancode_set };
            reply(p, 2, r);
        } else if (val <= 3) {
            s->scancode_set = (int)val;
            reply1(p, KBD_REPLY_ACK);
        } else {
            reply1(p, KBD_REPLY_RESEND);
        }
        break;
    case KBD_CMD_SET_LEDS:
        s->ledstate = (int)val;
        reply1(p, KBD_REPLY_ACK);
        break;
    default:
        kbd_command(s, val);
        return;     /* a command may have set write_cmd */
    }
    p->write_cmd = -1;
}

void ps2_kbd_put_keycode(Ps2Kbd *s, uint8_t keycode)
{
    if (s->scan_enabled)
        push1(&s->port, keycode);
}

void ps2_kbd_reset(Ps2Kbd *s)
{
    port_reset(&s->port);
    s->scan_enabled = 1;
    s->scancode_set = 2;
}

void ps2_kbd_init(Ps2Kbd *s, IrqLine irq)
{
    *s = (Ps2Kbd){0};
    s->port.irq = irq;
    ps2_kbd_reset(s);
}

/* ---- mouse ---- */

static int clamp(int v, int lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

/* One movement packet (3 bytes, 4 for the wheel mice); false if the queue
 * has no room for it. */
static bool mouse_send_packet(Ps2Mouse *s)
{
    Ps2Port *p = &s->port;
    int needed = s->type ? 4 : 3;
    if (PS2_QUEUE_SIZE - p->queue.count < needed)
        return false;
    int dx = clamp(s->dx, 127), dy = clamp(s->dy, 127), dz = s->dz, dw = s->dw;
    push_noirq(p, (uint8_t)(0x08 | (dx < 0) << 4 | (dy < 0) << 5 | (s->buttons & 0x07)));
    push_noirq(p, (uint8_t)dx);
    push_noirq(p, (uint8_t)dy);
    if (s->type == 3) {
        dz = clamp(dz, 127);
        push_noirq(p, (uint8_t)dz);
        s->dz -= dz;
        s->dw = 0;
    } else if (s->type == 4) {
        uint8_t b;
        if (dw != 0) {
            /* Horizontal scroll in the low six bits, as Linux's exps/2 reads it. */
            dw = clamp(dw, 31);
            b = (uint8_t)((dw & 0x3f) | 0x40);
            s->dw -= dw;
        } else {
            dz = clamp(dz, 7);
            b = (uint8_t)((dz & 0x0f) | ((s->buttons & 0x18) << 1));
            s->dz -= dz;
        }
        push_noirq(p, b);
    } else {
        s->dz = 0;
        s->dw = 0;
    }
    irq_set(&p->irq, 1);
    s->dx -= dx;
    s->dy -= dy;
    return true;
}

void ps2_mouse_move(Ps2Mouse *s, int dx, int dy, uint8_t buttons)
{
    if (!(s->status & MOUSE_STATUS_ENABLED))
        return;
    s->dx += dx;
    s->dy -= dy;
    s->buttons = buttons;
    if (s->status & MOUSE_STATUS_REMOTE)
        return;
    /* Large motions go out as several packets, while they fit. */
    while (mouse_send_packet(s))
        if (!s->dx && !s->dy && !s->dz && !s->dw)
            break;
}

static void mouse_defaults(Ps2Mouse *s)
{
    s->sample_rate = 100;
    s->resolution = 2;
    s->status = 0;
}

static void mouse_command(Ps2Mouse *s, uint32_t val)
{
    Ps2Port *p = &s->port;
    if (s->wrap) {
        if (val == AUX_RESET_WRAP) {
            s->wrap = 0;
            push1(p, AUX_ACK);
            return;
        }
        if (val != AUX_RESET) {
            push1(p, (uint8_t)val);     /* wrap mode echoes */
            return;
        }
    }
    switch (val) {
    case AUX_SET_SCALE11:
        s->status &= (uint8_t)~MOUSE_STATUS_SCALE21;
        push1(p, AUX_ACK);
        break;
    case AUX_SET_SCALE21:
        s->status |= MOUSE_STATUS_SCALE21;
        push1(p, AUX_ACK);
        break;
    case AUX_SET_STREAM:
        s->status &= (uint8_t)~MOUSE_STATUS_REMOTE;
        push1(p, AUX_ACK);
        break;
    case AUX_SET_WRAP:
        s->wrap = 1;
        push1(p, AUX_ACK);
        break;
    case AUX_SET_REMOTE:
        s->status |= MOUSE_STATUS_REMOTE;
        push1(p, AUX_ACK);
        break;
    case AUX_GET_TYPE: {
        uint8_t r[2] = { AUX_ACK, s->type };
        push(p, 2, r);
        break;
    }
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        p->write_cmd = (int)val;
        push1(p, AUX_ACK);
        break;
    case AUX_GET_SCALE: {
        uint8_t r[4] = { AUX_ACK, s->status, s->resolution, s->sample_rate };
        push(p, 4, r);
        break;
    }
    case AUX_POLL:
        push1(p, AUX_ACK);
        mouse_send_packet(s);
        break;
    case AUX_ENABLE_DEV:
        s->status |= MOUSE_STATUS_ENABLED;
        push1(p, AUX_ACK);
        break;
    case AUX_DISABLE_DEV:
        s->status &= (uint8_t)~MOUSE_STATUS_ENABLED;
        push1(p, AUX_ACK);
        break;
    case AUX_SET_DEFAULT:
        mouse_defaults(s);
        push1(p, AUX_ACK);
        break;
    case AUX_RESET: {
        mouse_defaults(s);
        s->type = 0;
        queue_reset(&p->queue);
        uint8_t r[3] = { AUX_ACK, 0xaa, s->type };
        push(p, 3, r);
        break;
    }
    default:
        break;      /* unknown commands get no answer at all */
    }
}

/* The sample-rate knock sequences 200,100,80 (IntelliMouse) and 200,200,80
 * (Explorer) change the reported type. */
static void mouse_detect(Ps2Mouse *s, uint32_t rate)
{
    switch (s->detect_state) {
    case 1:
        s->detect_state = rate == 100 ? 2 : rate == 200 ? 3 : 0;
        break;
    case 2:
        if (rate == 80)
            s->type = 3;
        s->detect_state = 0;
        break;
    case 3:
        if (rate == 80)
            s->type = 4;
        s->detect_state = 0;
        break;
    default:
        if (rate == 200)
            s->detect_state = 1;
        break;
    }
}

void ps2_mouse_write(Ps2Mouse *s, uint32_t val)
{
    Ps2Port *p = &s->port;
    switch (p->write_cmd) {
    case AUX_SET_SAMPLE:
        s->sample_rate = (uint8_t)val;
        mouse_detect(s, val);
        push1(p, AUX_ACK);
        p->write_cmd = -1;
        break;
    case AUX_SET_RES:
        s->resolution = (uint8_t)val;
        push1(p, AUX_ACK);
        p->write_cmd = -1;
        break;
    default:
        mouse_command(s, val);
        break;
    }
}

void ps2_mouse_reset(Ps2Mouse *s)
{
    port_reset(&s->port);
    s->status = 0;
    s->resolution = 0;
    s->sample_rate = 0;
    s->wrap = 0;
    s->type = 0;
    s->detect_state = 0;
    s->dx = s->dy = s->dz = s->dw = 0;
    s->buttons = 0;
}

void ps2_mouse_init(Ps2Mouse *s, IrqLine irq)
{
    *s = (Ps2Mouse){0};
    s->port.irq = irq;
    ps2_mouse_reset(s);
}
