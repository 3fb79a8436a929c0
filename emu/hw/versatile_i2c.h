/*
 * The Versatile/PB serial bus interface (SB_CONTROL, "arm_sbcon_i2c" in
 * QEMU 7.2's hw/i2c/versatile_i2c.c): software drives SCL (bit 0) and SDA
 * (bit 1) through a set register at 0x0 and a clear register at 0x4, and
 * reads back SCL as driven and SDA as the bus sees it at 0x0. The lines
 * feed a bit-banged I2C master; slaves attach to `bus`. No reset handler.
 */
#ifndef EMU_HW_VERSATILE_I2C_H
#define EMU_HW_VERSATILE_I2C_H
#include <stdint.h>
#include "hw/bitbang_i2c.h"
#include "hw/bus.h"
#include "hw/i2c.h"

#define VERSATILE_I2C_SIZE 0x1000

typedef struct VersatileI2C {
    I2CBus bus;
    BitbangI2C bitbang;
    uint32_t out;           /* lines as software drives them */
    int in;                 /* SDA as last sampled */
} VersatileI2C;

/* Registers the region with an empty bus. 0 or -1. */
int versatile_i2c_init(VersatileI2C *s, Bus *bus, uint32_t base);

uint32_t versatile_i2c_read(void *opaque, uint32_t offset, unsigned size);
void versatile_i2c_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
