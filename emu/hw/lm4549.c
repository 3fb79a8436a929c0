/* LM4549 AC'97 codec registers and output buffer (see lm4549.h). */
#include "hw/lm4549.h"

enum {
    REG_RESET = 0x00,
    REG_POWERDOWN_CTRL_STAT = 0x26,
    REG_EXT_AUDIO_ID = 0x28,
    REG_PCM_FRONT_DAC_RATE = 0x2c,
    REG_VENDOR_ID1 = 0x7c,
    REG_VENDOR_ID2 = 0x7e,
};

/* The registers an AC'97 reset restores, with the LM4549's values. */
static const struct { uint8_t reg; uint16_t val; } reset_values[] = {
    { 0x00, 0x0d50 }, { 0x02, 0x8008 }, { 0x04, 0x8000 }, { 0x06, 0x8000 },
    { 0x0a, 0x0000 }, { 0x0c, 0x8008 }, { 0x0e, 0x8008 }, { 0x10, 0x8808 },
    { 0x12, 0x8808 }, { 0x14, 0x8808 }, { 0x16, 0x8808 }, { 0x18, 0x8808 },
    { 0x1a, 0x0000 }, { 0x1c, 0x8000 }, { 0x20, 0x0000 }, { 0x22, 0x0101 },
    { 0x26, 0x000f }, { 0x28, 0x0001 }, { 0x2a, 0x0000 }, { 0x2c, 0xbb80 },
    { 0x32, 0xbb80 }, { 0x7c, 0x4e53 }, { 0x7e, 0x4331 },
};

static void codec_reset(Lm4549 *s)
{
    for (unsigned i = 0; i < sizeof reset_values / sizeof reset_values[0]; i++)
        s->regfile[reset_values[i].reg] = reset_values[i].val;
}

/* Where QEMU would give the buffer to the host audio layer. */
static void drain_buffer(Lm4549 *s)
{
    s->samples_discarded += s->buffer_level;
    s->buffer_level = 0;
}

uint32_t lm4549_read(Lm4549 *s, uint32_t offset)
{
    return s->regfile[offset & 0x7f];
}

void lm4549_write(Lm4549 *s, uint32_t offset, uint32_t value)
{
    offset &= 0x7f;
    switch (offset) {
    case REG_RESET:
        codec_reset(s);
        break;
    case REG_POWERDOWN_CTRL_STAT:
        /* The low four bits are ready flags, not settable. */
        s->regfile[offset] = (uint16_t)((value & ~0xfu) | (s->regfile[offset] & 0xf));
        break;
    case REG_EXT_AUDIO_ID:
    case REG_VENDOR_ID1:
    case REG_VENDOR_ID2:
        break;      /* read-only */
    default:
        /* A DAC rate change reopens QEMU's audio voice; nothing to do here. */
        s->regfile[offset] = (uint16_t)value;
        break;
    }
}

uint32_t lm4549_write_samples(Lm4549 *s, uint32_t left, uint32_t right)
{
    if (s->buffer_level > LM4549_BUFFER_SIZE - 2)
        return 0;
    /* 20-bit samples kept as 16-bit. */
    s->buffer[s->buffer_level++] = (uint16_t)(left >> 4);
    s->buffer[s->buffer_level++] = (uint16_t)(right >> 4);
    if (s->buffer_level == LM4549_BUFFER_SIZE)
        drain_buffer(s);
    return 1;
}

void lm4549_init(Lm4549 *s)
{
    *s = (Lm4549){0};
    codec_reset(s);
}
