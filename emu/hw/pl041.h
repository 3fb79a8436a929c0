/*
 * ARM PrimeCell PL041 Advanced Audio CODEC Interface (AACI) with an LM4549
 * behind its AC-link, as QEMU 7.2's hw/audio/pl041.c: the register file
 * 0x00..0x10c (every register reads back what was last written, except
 * where the model updates it), channel 1's transmit FIFO with its
 * compact/non-compact sample packing and status bits, codec register
 * access through slots 1 and 2, and the PrimeCell IDs, whose PERIPHID3
 * encodes the non-compact FIFO depth (512 on versatilepb: 0x29).
 * Receive FIFOs and channels 2..4 are registers only, as in QEMU.
 */
#ifndef EMU_HW_PL041_H
#define EMU_HW_PL041_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "hw/lm4549.h"

#define PL041_SIZE 0x1000
#define PL041_MAX_FIFO_DEPTH 1024
#define PL041_NUM_REGS (0x110 / 4)

typedef struct Pl041Fifo {
    uint32_t level;
    uint32_t data[PL041_MAX_FIFO_DEPTH];    /* 20-bit samples */
} Pl041Fifo;

typedef struct PL041 {
    uint32_t regs[PL041_NUM_REGS];
    uint32_t fifo_depth;        /* non-compact depth: QEMU's nc_fifo_depth */
    Pl041Fifo tx_fifo;          /* channel 1 */
    uint8_t tx_enabled;
    uint8_t tx_compact_mode;
    uint8_t tx_sample_size;
    Lm4549 codec;
    IrqLine irq;
} PL041;

/* fifo_depth: 8, 32, 64, ... 1024 (QEMU accepts 2048 but then overruns its
 * 1024-entry FIFO, so it is refused here). Registers the region and resets.
 * 0 or -1 with a message. */
int pl041_init(PL041 *s, Bus *bus, uint32_t base, IrqLine irq, uint32_t fifo_depth);
/* QEMU's device reset: registers and FIFO; the codec keeps its state. */
void pl041_reset(PL041 *s);

uint32_t pl041_read(void *opaque, uint32_t offset, unsigned size);
void pl041_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
