/* I2C bus transactions with QEMU 7.2's rules (see i2c.h). */
#include "hw/i2c.h"
#include <stdio.h>

#define I2C_BROADCAST 0x00

void i2c_bus_init(I2CBus *bus)
{
    *bus = (I2CBus){0};
}

int i2c_attach(I2CBus *bus, I2CSlave *slave)
{
    if (bus->n_slaves == I2C_MAX_SLAVES) {
        fprintf(stderr, "emu-arm: i2c: too many slaves on one bus\n");
        return -1;
    }
    bus->slaves[bus->n_slaves++] = slave;
    return 0;
}

bool i2c_bus_busy(const I2CBus *bus)
{
    for (int i = 0; i < bus->n_slaves; i++)
        if (bus->selected[i])
            return true;
    return false;
}

static void select_slaves(I2CBus *bus, uint8_t address)
{
    for (int i = 0; i < bus->n_slaves; i++) {
        if (bus->broadcast || bus->slaves[i]->address == address) {
            bus->selected[i] = true;
            if (!bus->broadcast)
                return;
        }
    }
}

int i2c_start_transfer(I2CBus *bus, uint8_t address, bool is_recv)
{
    if (address == I2C_BROADCAST)
        bus->broadcast = true;
    /* A repeated START talks to whoever the transaction already selected. */
    bool scanned = false;
    if (!i2c_bus_busy(bus)) {
        select_slaves(bus, address);
        scanned = true;
    }
    if (!i2c_bus_busy(bus))
        return 1;
    for (int i = 0; i < bus->n_slaves; i++) {
        I2CSlave *s = bus->slaves[i];
        if (!bus->selected[i] || !s->event)
            continue;
        int rv = s->event(s->opaque, is_recv ? I2C_START_RECV : I2C_START_SEND);
        if (rv && !bus->broadcast) {
            if (scanned)
                i2c_end_transfer(bus);
            return rv;
        }
    }
    return 0;
}

void i2c_end_transfer(I2CBus *bus)
{
    for (int i = 0; i < bus->n_slaves; i++) {
        if (!bus->selected[i])
            continue;
        I2CSlave *s = bus->slaves[i];
        if (s->event)
            s->event(s->opaque, I2C_FINISH);
        bus->selected[i] = false;
    }
    bus->broadcast = false;
}

int i2c_send(I2CBus *bus, uint8_t data)
{
    int ret = 0;
    for (int i = 0; i < bus->n_slaves; i++) {
        if (!bus->selected[i])
            continue;
        I2CSlave *s = bus->slaves[i];
        /* Once one slave refuses, the rest are not offered the byte. */
        if (!s->send)
            ret = -1;
        else if (!ret)
            ret = s->send(s->opaque, data);
    }
    return ret ? -1 : 0;
}

uint8_t i2c_recv(I2CBus *bus)
{
    if (bus->broadcast)
        return 0xff;
    for (int i = 0; i < bus->n_slaves; i++) {
        if (bus->selected[i]) {
            I2CSlave *s = bus->slaves[i];
            return s->recv ? s->recv(s->opaque) : 0xff;
        }
    }
    return 0xff;
}

void i2c_nack(I2CBus *bus)
{
    for (int i = 0; i < bus->n_slaves; i++) {
        I2CSlave *s = bus->slaves[i];
        if (bus->selected[i] && s->event)
            s->event(s->opaque, I2C_NACK);
    }
}
