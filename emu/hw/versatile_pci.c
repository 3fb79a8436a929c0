/* Versatile PCI host bridge on an empty bus, QEMU 7.2's semantics. */
#include "hw/versatile_pci.h"
#include <string.h>

#define REG_IMAP0   0x00
#define REG_IMAP2   0x08
#define REG_SELFID  0x0c
#define REG_FLAGS   0x10
#define REG_SMAP0   0x14
#define REG_SMAP2   0x1c

#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define PCI_STATUS           0x06
#define PCI_CLASS_PROG       0x09
#define PCI_CLASS_DEVICE     0x0a
#define PCI_CACHE_LINE_SIZE  0x0c
#define PCI_LATENCY_TIMER    0x0d
#define PCI_SUBSYSTEM_VENDOR 0x2c
#define PCI_SUBSYSTEM_ID     0x2e
#define PCI_INTERRUPT_LINE   0x3c
#define PCI_HEADER_SIZE      0x40

#define WINDOW_16M  0x01000000u

const VersatilePciMap versatile_pci_vpb_map = {
    .regs = 0x10001000, .self_config = 0x41000000, .config = 0x42000000,
    .io = 0x43000000, .mem = { 0x44000000, 0x50000000, 0x60000000 },
};

/* Window sizes of the versatile (not realview) variant. */
static const uint32_t mem_window_size[3] = { 0x0c000000, 0x10000000, 0x10000000 };

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* What QEMU's PCI core and the bridge's realize put in config space. */
static void init_host_function(VersatilePci *s)
{
    memset(s->config, 0, sizeof s->config);
    put16(s->config + PCI_VENDOR_ID, 0x10ee);           /* Xilinx */
    put16(s->config + PCI_DEVICE_ID, 0x0300);           /* XC2VP30 */
    put16(s->config + PCI_CLASS_DEVICE, 0x0b40);        /* co-processor */
    put16(s->config + PCI_SUBSYSTEM_VENDOR, 0x1af4);    /* QEMU's default */
    put16(s->config + PCI_SUBSYSTEM_ID, 0x1100);
    put16(s->config + PCI_STATUS, 0x0220);              /* 66 MHz, DEVSEL medium */
    s->config[PCI_LATENCY_TIMER] = 0x10;

    memset(s->wmask, 0, sizeof s->wmask);
    s->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    s->wmask[PCI_INTERRUPT_LINE] = 0xff;
    put16(s->wmask + PCI_COMMAND, 0x0507);  /* IO, MEM, MASTER, SERR, INTx disable */
    memset(s->wmask + PCI_HEADER_SIZE, 0xff, VPCI_CONFIG_SIZE - PCI_HEADER_SIZE);

    memset(s->w1cmask, 0, sizeof s->w1cmask);
    put16(s->w1cmask + PCI_STATUS, 0xf900); /* the error bits */
}

void versatile_pci_reset(VersatilePci *s)
{
    memset(s->imap, 0, sizeof s->imap);
    memset(s->smap, 0, sizeof s->smap);
    s->selfid = 0;
    s->flags = 0;
    /* QEMU's PCI device reset: writable/W1C command and status bits,
     * the interrupt line and the cache line size go back to 0. */
    for (int i = 0; i < 2; i++) {
        s->config[PCI_COMMAND + i] &= (uint8_t)~(s->wmask[PCI_COMMAND + i] |
                                                 s->w1cmask[PCI_COMMAND + i]);
        s->config[PCI_STATUS + i] &= (uint8_t)~(s->wmask[PCI_STATUS + i] |
                                                s->w1cmask[PCI_STATUS + i]);
    }
    s->config[PCI_INTERRUPT_LINE] &= (uint8_t)~s->wmask[PCI_INTERRUPT_LINE];
    s->config[PCI_CACHE_LINE_SIZE] = 0;
}

static bool is_host_function(uint32_t offset)
{
    return ((offset >> 16) & 0xff) == 0 && ((offset >> 8) & 0xff) == VPCI_HOST_DEVFN;
}

uint32_t versatile_pci_config_read(void *opaque, uint32_t offset, unsigned size)
{
    VersatilePci *s = opaque;
    uint32_t reg = offset & 0xff, v = 0;
    if (!is_host_function(offset))
        return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    /* An access running past the end of config space is cut short. */
    for (unsigned i = 0; i < size && reg + i < VPCI_CONFIG_SIZE; i++)
        v |= (uint32_t)s->config[reg + i] << (8 * i);
    return v;
}

void versatile_pci_config_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    VersatilePci *s = opaque;
    uint32_t reg = offset & 0xff;
    /* QEMU also watches INTERRUPT_LINE writes to guess a kernel's IRQ
     * swizzling; with no device on the bus no interrupt is ever routed,
     * so that guess has nothing to act on and is not kept. */
    if (!is_host_function(offset))
        return;
    for (unsigned i = 0; i < size && reg + i < VPCI_CONFIG_SIZE; i++) {
        uint8_t b = (uint8_t)(value >> (8 * i));
        uint8_t *c = &s->config[reg + i];
        *c = (uint8_t)((*c & ~s->wmask[reg + i]) | (b & s->wmask[reg + i]));
        *c &= (uint8_t)~(b & s->w1cmask[reg + i]);
    }
}

/* Word accesses only: QEMU rejects others, which versatilepb turns into
 * reads of 0 and ignored writes. */
static uint32_t regs_read(void *opaque, uint32_t offset, unsigned size)
{
    VersatilePci *s = opaque;
    if (size != 4 || (offset & 3))
        return 0;
    if (offset <= REG_IMAP2)
        return s->imap[offset >> 2];
    if (offset == REG_SELFID)
        return s->selfid;
    if (offset == REG_FLAGS)
        return s->flags;
    if (offset >= REG_SMAP0 && offset <= REG_SMAP2)
        return s->smap[(offset - REG_SMAP0) >> 2];
    return 0;
}

static void regs_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    VersatilePci *s = opaque;
    if (size != 4 || (offset & 3))
        return;
    if (offset <= REG_IMAP2)
        s->imap[offset >> 2] = value;
    else if (offset == REG_SELFID)
        s->selfid = value;
    else if (offset == REG_FLAGS)
        s->flags = value;
    else if (offset >= REG_SMAP0 && offset <= REG_SMAP2)
        s->smap[(offset - REG_SMAP0) >> 2] = value;
}

/* An empty PCI space: nothing answers, versatilepb reads 0. */
static uint32_t window_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void window_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)value;
    (void)size;
}

int versatile_pci_init(VersatilePci *s, Bus *bus, const VersatilePciMap *map,
                       const IrqLine irq[4])
{
    static const char *const mem_name[3] = { "pci-mem0", "pci-mem1", "pci-mem2" };
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 4; i++)
        s->irq[i] = irq[i];
    init_host_function(s);
    versatile_pci_reset(s);

    if (bus_register(bus, map->regs, 0x1000, regs_read, regs_write, s, "pci-regs") < 0 ||
        bus_register(bus, map->self_config, WINDOW_16M, versatile_pci_config_read,
                     versatile_pci_config_write, s, "pci-selfconfig") < 0 ||
        bus_register(bus, map->config, WINDOW_16M, versatile_pci_config_read,
                     versatile_pci_config_write, s, "pci-config") < 0 ||
        bus_register(bus, map->io, WINDOW_16M, window_read, window_write, s, "pci-io") < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (bus_register(bus, map->mem[i], mem_window_size[i], window_read, window_write,
                         s, mem_name[i]) < 0)
            return -1;
    return 0;
}
