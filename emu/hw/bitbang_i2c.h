/*
 * A bit-banged I2C master as QEMU 7.2's hw/i2c/bitbang_i2c.c decodes it:
 * SDA falling while SCL is high is a START, SDA rising while SCL is high a
 * STOP, and every SCL rising edge clocks one bit in or out. The slave acts
 * on the whole byte at the 9th (ACK) clock; a received byte is fetched from
 * the slave at the first clock of its 8 data bits.
 */
#ifndef EMU_HW_BITBANG_I2C_H
#define EMU_HW_BITBANG_I2C_H
#include <stdint.h>
#include "hw/i2c.h"

typedef enum BitbangI2CLine { BITBANG_I2C_SDA = 0, BITBANG_I2C_SCL = 1 } BitbangI2CLine;

typedef enum BitbangI2CState {
    BITBANG_STOPPED = 0,
    BITBANG_SENDING_BIT7,       /* ... down to BIT0, then WAITING_FOR_ACK */
    BITBANG_WAITING_FOR_ACK = BITBANG_SENDING_BIT7 + 8,
    BITBANG_RECEIVING_BIT7,     /* ... down to BIT0, then SENDING_ACK */
    BITBANG_SENDING_ACK = BITBANG_RECEIVING_BIT7 + 8,
    BITBANG_SENT_NACK,
} BitbangI2CState;

typedef struct BitbangI2C {
    I2CBus *bus;
    BitbangI2CState state;
    int last_data;
    int last_clock;
    int device_out;             /* what the slave drives on SDA */
    uint8_t buffer;
    int current_addr;           /* address byte of the transaction, or -1 */
} BitbangI2C;

void bitbang_i2c_init(BitbangI2C *i2c, I2CBus *bus);
/* Drive one line (level 0 or 1); returns the resulting SDA level: the
 * master's and the slave's drivers wired-AND. */
int bitbang_i2c_set(BitbangI2C *i2c, BitbangI2CLine line, int level);
#endif
