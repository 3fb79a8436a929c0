/*
 * SMSC LAN91C111 Ethernet controller as QEMU 7.2 models it
 * (hw/net/smc91c111.c): a 16-byte window of bank-switched byte registers,
 * four 2 KiB packet pages handed out by the MMU, TX / TX-done / RX FIFOs,
 * the interrupt status/mask byte, and the chip identity the Linux smc91x
 * probe checks (bank select high byte 0x33, revision 0x91, the MAC address
 * in bank 1).
 *
 * There is no network backend: a transmitted frame goes to an optional
 * callback (versatilepb passes none, so frames are dropped) and frames
 * arrive only through smc91c111_receive(). Interrupt state and FIFOs behave
 * exactly as if a backend had taken every frame.
 */
#ifndef EMU_HW_SMC91C111_H
#define EMU_HW_SMC91C111_H
#include <stddef.h>
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define SMC91C111_SIZE 16
#define SMC91C111_NUM_PACKETS 4
#define SMC91C111_PAGE_SIZE 2048

typedef void Smc91c111SendFn(void *opaque, const uint8_t *frame, size_t len);

typedef struct Smc91c111 {
    IrqLine irq;
    uint8_t mac[6];
    Smc91c111SendFn *send;
    void *send_opaque;
    uint16_t tcr, rcr, cr, ctr, gpr, ptr, ercv;
    int bank;
    int packet_num;         /* as written by the guest: may be any byte */
    int tx_alloc;           /* allocation result; 0x80 = pending/failed */
    unsigned allocated;     /* bitmask of pages in use */
    int tx_fifo_len, tx_fifo[SMC91C111_NUM_PACKETS];
    int rx_fifo_len, rx_fifo[SMC91C111_NUM_PACKETS];
    int tx_done_len, tx_done[SMC91C111_NUM_PACKETS];
    uint8_t int_level, int_mask;
    /* The pages back to back: QEMU indexes past one page into the next. */
    uint8_t data[SMC91C111_NUM_PACKETS * SMC91C111_PAGE_SIZE];
} Smc91c111;

/* QEMU's first default NIC address, 52:54:00:12:34:56. */
extern const uint8_t smc91c111_default_mac[6];

/* send may be NULL (frames dropped). Applies the device reset. 0 or -1. */
int smc91c111_init(Smc91c111 *s, Bus *bus, uint32_t base, IrqLine irq,
                   const uint8_t mac[6], Smc91c111SendFn *send, void *send_opaque);
/* QEMU's device reset (also what RCR soft reset does). */
void smc91c111_reset(Smc91c111 *s);
/* A frame from the wire (without CRC). Returns len if the chip took it,
 * -1 if dropped (receiver off, no free page, too long). */
int smc91c111_receive(Smc91c111 *s, const uint8_t *frame, size_t len);

uint32_t smc91c111_read(void *opaque, uint32_t offset, unsigned size);
void smc91c111_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
