/*
 * An I2C bus with QEMU 7.2's transaction rules (hw/i2c/core.c): a START
 * picks the slaves answering the address (all of them for the general call
 * address 0, which then only takes writes), a repeated START without STOP
 * keeps the slaves already selected, and STOP sends every one a FINISH.
 */
#ifndef EMU_HW_I2C_H
#define EMU_HW_I2C_H
#include <stdbool.h>
#include <stdint.h>

typedef enum I2CEvent {
    I2C_START_RECV,
    I2C_START_SEND,
    I2C_FINISH,
    I2C_NACK,
} I2CEvent;

typedef struct I2CSlave {
    uint8_t address;                /* 7-bit */
    void *opaque;
    /* Any may be NULL. event and send return 0 to ACK. */
    int (*event)(void *opaque, I2CEvent event);
    uint8_t (*recv)(void *opaque);
    int (*send)(void *opaque, uint8_t data);
} I2CSlave;

#define I2C_MAX_SLAVES 8

typedef struct I2CBus {
    I2CSlave *slaves[I2C_MAX_SLAVES];
    int n_slaves;
    bool selected[I2C_MAX_SLAVES];  /* QEMU's current_devs */
    bool broadcast;
} I2CBus;

void i2c_bus_init(I2CBus *bus);
/* 0, or -1 with a message on stderr when the bus is full. */
int i2c_attach(I2CBus *bus, I2CSlave *slave);
bool i2c_bus_busy(const I2CBus *bus);

/* 0 when a slave acknowledged its address, nonzero (NACK) otherwise. */
int i2c_start_transfer(I2CBus *bus, uint8_t address, bool is_recv);
void i2c_end_transfer(I2CBus *bus);
/* 0 if every selected slave took the byte. */
int i2c_send(I2CBus *bus, uint8_t data);
/* A byte from the (first) selected slave; 0xff with none or on broadcast. */
uint8_t i2c_recv(I2CBus *bus);
/* The master NACKed the last byte read. */
void i2c_nack(I2CBus *bus);
#endif
