/* Bit-banged I2C decoding with QEMU 7.2's state machine (see bitbang_i2c.h). */
#include "hw/bitbang_i2c.h"

static void enter_stop(BitbangI2C *i2c)
{
    if (i2c->current_addr >= 0)
        i2c_end_transfer(i2c->bus);
    i2c->current_addr = -1;
    i2c->state = BITBANG_STOPPED;
}

/* The slave drives `level`; the line reads low if either side pulls it. */
static int slave_drives(BitbangI2C *i2c, int level)
{
    i2c->device_out = level;
    return level & i2c->last_data;
}

static int unchanged(BitbangI2C *i2c)
{
    return slave_drives(i2c, i2c->device_out);
}

static int set_sda(BitbangI2C *i2c, int level)
{
    if (level == i2c->last_data)
        return unchanged(i2c);
    i2c->last_data = level;
    if (i2c->last_clock == 0)
        return unchanged(i2c);
    if (level == 0) {
        i2c->state = BITBANG_SENDING_BIT7;      /* START (or repeated START) */
        i2c->current_addr = -1;
    } else {
        enter_stop(i2c);
    }
    return slave_drives(i2c, 1);
}

/* The 9th clock of a byte the master sent: address or data. */
static int ack_clock(BitbangI2C *i2c)
{
    int ret;
    if (i2c->current_addr < 0) {
        i2c->current_addr = i2c->buffer;
        ret = i2c_start_transfer(i2c->bus, (uint8_t)(i2c->current_addr >> 1),
                                 i2c->current_addr & 1);
    } else {
        ret = i2c_send(i2c->bus, i2c->buffer);
    }
    if (ret) {
        /* No such slave, or it refused the byte: the transfer ends. */
        enter_stop(i2c);
        return slave_drives(i2c, 1);
    }
    i2c->state = (i2c->current_addr & 1) ? BITBANG_RECEIVING_BIT7 : BITBANG_SENDING_BIT7;
    return slave_drives(i2c, 0);
}

static int scl_rising(BitbangI2C *i2c, int data)
{
    switch (i2c->state) {
    case BITBANG_STOPPED:
    case BITBANG_SENT_NACK:
        return slave_drives(i2c, 1);
    case BITBANG_WAITING_FOR_ACK:
        return ack_clock(i2c);
    case BITBANG_SENDING_ACK:
        /* The master's ACK bit after a byte it read. */
        i2c->state = BITBANG_RECEIVING_BIT7;
        if (data != 0) {
            i2c->state = BITBANG_SENT_NACK;
            i2c_nack(i2c->bus);
        }
        return slave_drives(i2c, 1);
    default:
        break;
    }
    if (i2c->state < BITBANG_WAITING_FOR_ACK) {
        i2c->buffer = (uint8_t)(i2c->buffer << 1 | data);
        i2c->state++;
        return slave_drives(i2c, 1);
    }
    /* RECEIVING_BIT7..BIT0: shift the slave's byte out MSB first. */
    if (i2c->state == BITBANG_RECEIVING_BIT7)
        i2c->buffer = i2c_recv(i2c->bus);
    int bit = i2c->buffer >> 7;
    i2c->state++;
    i2c->buffer = (uint8_t)(i2c->buffer << 1);
    return slave_drives(i2c, bit);
}

int bitbang_i2c_set(BitbangI2C *i2c, BitbangI2CLine line, int level)
{
    if (line == BITBANG_I2C_SDA)
        return set_sda(i2c, level);
    int data = i2c->last_data;
    if (i2c->last_clock == level)
        return unchanged(i2c);
    i2c->last_clock = level;
    if (level == 0)
        return slave_drives(i2c, 1);    /* the slave lets go of SDA */
    return scl_rising(i2c, data);
}

void bitbang_i2c_init(BitbangI2C *i2c, I2CBus *bus)
{
    /* current_addr starts at 0, not -1, as in QEMU: a STOP before the first
     * START still sends the (empty) bus a FINISH. */
    *i2c = (BitbangI2C){ .bus = bus, .last_data = 1, .last_clock = 1, .device_out = 1 };
}
