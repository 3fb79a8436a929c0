/* Versatile SB_CONTROL bit-banged I2C with QEMU 7.2's semantics. */
#include "hw/versatile_i2c.h"
#include "hw/devutil.h"

#define SB_CONTROL      0x0     /* read: lines; write: set bits */
#define SB_CONTROLCLR   0x4

#define SB_SCL (1u << 0)
#define SB_SDA (1u << 1)

uint32_t versatile_i2c_read(void *opaque, uint32_t offset, unsigned size)
{
    VersatileI2C *s = opaque;
    if (offset == SB_CONTROL)
        return mmio_truncate((s->out & SB_SCL) | (uint32_t)s->in << 1, size);
    return mmio_truncate(0xffffffffu, size);    /* QEMU returns -1 */
}

void versatile_i2c_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    VersatileI2C *s = opaque;
    (void)size;

    if (offset == SB_CONTROL)
        s->out |= value & 3;
    else if (offset == SB_CONTROLCLR)
        s->out &= ~value;
    /* Even a write to a bad offset re-presents the lines, as in QEMU. */
    bitbang_i2c_set(&s->bitbang, BITBANG_I2C_SCL, (s->out & SB_SCL) != 0);
    s->in = bitbang_i2c_set(&s->bitbang, BITBANG_I2C_SDA, (s->out & SB_SDA) != 0);
}

int versatile_i2c_init(VersatileI2C *s, Bus *bus, uint32_t base)
{
    *s = (VersatileI2C){0};
    i2c_bus_init(&s->bus);
    bitbang_i2c_init(&s->bitbang, &s->bus);
    return bus_register(bus, base, VERSATILE_I2C_SIZE, versatile_i2c_read,
                        versatile_i2c_write, s, "versatile-i2c");
}
