/*
 * ARM Versatile/PB PCI host bridge ("versatile_pci" in QEMU 7.2,
 * hw/pci-host/versatile.c) with nothing plugged in: the bus holds only the
 * bridge's own PCI function (Xilinx 0x10ee:0x0300, class 0x0b40, slot 11),
 * which answers configuration cycles; every other device/function/bus reads
 * all-ones and ignores writes.
 *
 * Regions, as QEMU's sysbus MMIO 0..6 on versatilepb:
 *   controller registers   0x10001000, 4 KiB  (IMAP0-2, SELFID, FLAGS,
 *                                              SMAP0-2; word access only)
 *   self-config window     0x41000000, 16 MiB (same decoding as below)
 *   config window          0x42000000, 16 MiB (bits 23:16 bus, 15:8 devfn,
 *                                              7:0 register)
 *   I/O window             0x43000000, 16 MiB
 *   memory windows 0..2    0x44000000 (192 MiB), 0x50000000 and
 *                          0x60000000 (256 MiB each)
 *
 * How the windows are represented: QEMU aliases them onto PCI I/O and
 * memory spaces that stay empty (no device, so no BAR is ever mapped), and
 * an access there falls through to QEMU's unassigned-memory handler, which
 * versatilepb makes read 0 and drop writes. Here each window is one bus
 * region whose handlers do exactly that, so the address map names them and
 * they read 0 whatever emu-arm's policy for unmapped addresses. (QEMU maps
 * its whole 4 GiB I/O container at 0x43000000, which also makes the empty
 * space above 0x70000000 "PCI I/O"; being empty it behaves as unassigned
 * memory, so that tail is left to the bus's unmapped-address policy.)
 * The IMAP registers move the windows within the PCI spaces, which has no
 * visible effect on an empty bus. The four interrupt outputs (SIC 27..30)
 * are never raised: there is no device to raise them.
 */
#ifndef EMU_HW_VERSATILE_PCI_H
#define EMU_HW_VERSATILE_PCI_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define VPCI_CONFIG_SIZE 256
#define VPCI_HOST_DEVFN  (11 << 3)      /* slot 11, function 0 */

typedef struct VersatilePci {
    uint32_t imap[3];
    uint32_t smap[3];
    uint32_t selfid;
    uint32_t flags;
    IrqLine irq[4];
    /* The host bridge function's configuration space and QEMU's masks for
     * it: wmask bits are writable, w1cmask bits clear when written as 1. */
    uint8_t config[VPCI_CONFIG_SIZE];
    uint8_t wmask[VPCI_CONFIG_SIZE];
    uint8_t w1cmask[VPCI_CONFIG_SIZE];
} VersatilePci;

typedef struct VersatilePciMap {
    uint32_t regs, self_config, config, io;
    uint32_t mem[3];
} VersatilePciMap;

/* QEMU 7.2's versatilepb addresses. */
extern const VersatilePciMap versatile_pci_vpb_map;

/* Registers the seven regions and applies the device reset. 0 or -1. */
int versatile_pci_init(VersatilePci *s, Bus *bus, const VersatilePciMap *map,
                       const IrqLine irq[4]);
/* QEMU's system reset: controller registers zero, command register and
 * the bridge function's other resettable bits cleared. */
void versatile_pci_reset(VersatilePci *s);

/* Configuration cycle at a window offset (bus/devfn/register). */
uint32_t versatile_pci_config_read(void *opaque, uint32_t offset, unsigned size);
void versatile_pci_config_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
