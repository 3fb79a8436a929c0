/*
 * ARM Versatile system registers, as QEMU 7.2's hw/misc/arm_sysctl.c.
 * Note that QEMU does not implement the 100Hz counter (SYS_100HZ, 0x24):
 * it reads as 0. SYS_24MHZ (0x5c) is muldiv64(virtual ns, 24000000, 1e9).
 */
#include "hw/arm_sysctl.h"
#include "hw/devutil.h"

#define LOCK_VALUE 0xa05f

#define BOARD_ID_PB926 0x100
#define BOARD_ID_EB 0x140
#define BOARD_ID_PBA8 0x178
#define BOARD_ID_PBX 0x182
#define BOARD_ID_VEXPRESS 0x190

/* SYS_CFGCTRL functions and sites (VExpress only). */
#define SYS_CFG_OSC 1
#define SYS_CFG_VOLT 2
#define SYS_CFG_MUXFPGA 7
#define SYS_CFG_SHUTDOWN 8
#define SYS_CFG_REBOOT 9
#define SYS_CFG_DVIMODE 11
#define SYS_CFG_SITE_MB 0
#define SYS_CFG_SITE_DB1 1

static int board_id(const ArmSysctl *s)
{
    return (s->cfg.sys_id >> 16) & 0xfff;
}

void arm_sysctl_reset(ArmSysctl *s)
{
    s->leds = 0;
    s->lockval = 0;
    s->cfgdata1 = 0;
    s->cfgdata2 = 0;
    s->flags = 0;
    s->resetlevel = 0;
    s->mb_clock[0] = 50000000;
    s->mb_clock[1] = 23750000;
    s->mb_clock[2] = 24000000;
    s->mb_clock[3] = 24000000;
    s->mb_clock[4] = 24000000;
    s->mb_clock[5] = 24000000;
    s->sys_clcd = board_id(s) == BOARD_ID_VEXPRESS ? 0 : 0x1f00;
}

static void request(const ArmSysctl *s, void (*fn)(void *))
{
    if (fn)
        fn(s->cfg.request_opaque);
}

static uint64_t sysctl_read(ArmSysctl *s, uint32_t offset)
{
    switch (offset) {
    case 0x00: /* ID */
        return s->cfg.sys_id;
    case 0x04: /* SW */
        return 0;
    case 0x08: /* LED */
        return s->leds;
    case 0x20: /* LOCK */
        return s->lockval;
    case 0x0c: case 0x10: case 0x14: case 0x18: case 0x1c: /* OSC0-4 */
    case 0x24: /* 100HZ: not implemented by QEMU 7.2 */
        return 0;
    case 0x28: /* CFGDATA1 */
        return s->cfgdata1;
    case 0x2c: /* CFGDATA2 */
        return s->cfgdata2;
    case 0x30: /* FLAGS */
        return s->flags;
    case 0x38: /* NVFLAGS */
        return s->nvflags;
    case 0x40: /* RESETCTL */
        if (board_id(s) == BOARD_ID_VEXPRESS)
            return 0;
        return s->resetlevel;
    case 0x44: /* PCICTL */
        return 1;
    case 0x48: /* MCI */
        return s->sys_mci;
    case 0x4c: /* FLASH */
        return 0;
    case 0x50: /* CLCD */
        return s->sys_clcd;
    case 0x54: /* CLCDSER */
    case 0x58: /* BOOTCS */
        return 0;
    case 0x5c: { /* 24MHz */
        uint64_t ns = (uint64_t)timerlist_now(s->vt);
        return (uint64_t)((unsigned __int128)ns * 24000000u / 1000000000u);
    }
    case 0x60: /* MISC */
        return 0;
    case 0x84: /* PROCID0 */
        return s->cfg.proc_id;
    case 0x88: /* PROCID1 */
        return 0xff000000;
    case 0x64: case 0x68: case 0x6c: /* DMAPSR0-2 */
    case 0x70: /* IOSEL */
    case 0x74: /* PLDCTL */
    case 0x80: /* BUSID */
    case 0x8c: case 0x90: case 0x94: case 0x98: case 0x9c: /* OSCRESET0-4 */
    case 0xc0: case 0xc4: case 0xc8: case 0xcc: case 0xd0: /* SYS_TEST_OSC */
        return 0;
    case 0xa0: /* SYS_CFGDATA */
        return board_id(s) == BOARD_ID_VEXPRESS ? s->sys_cfgdata : 0;
    case 0xa4: /* SYS_CFGCTRL */
        return board_id(s) == BOARD_ID_VEXPRESS ? s->sys_cfgctrl : 0;
    case 0xa8: /* SYS_CFGSTAT */
        return board_id(s) == BOARD_ID_VEXPRESS ? s->sys_cfgstat : 0;
    default:
        return 0;
    }
}

uint32_t arm_sysctl_read(void *opaque, uint32_t offset, unsigned size)
{
    return mmio_truncate(sysctl_read(opaque, offset), size);
}

/* VExpress SYS_CFGCTRL transactions; no daughterboard sensors or clocks are
 * configured on this board, as QEMU's versatilepb sets none. */
static bool cfgctrl_read(ArmSysctl *s, unsigned dcc, unsigned function,
                         unsigned site, unsigned position, unsigned device,
                         uint32_t *val)
{
    if (dcc != 0 || position != 0 ||
        (site != SYS_CFG_SITE_MB && site != SYS_CFG_SITE_DB1))
        return false;
    switch (function) {
    case SYS_CFG_VOLT:
        if (site == SYS_CFG_SITE_MB && device == 0) {
            *val = 3300000;
            return true;
        }
        break;
    case SYS_CFG_OSC:
        if (site == SYS_CFG_SITE_MB && device < 6) {
            *val = s->mb_clock[device];
            return true;
        }
        break;
    }
    return false;
}

static bool cfgctrl_write(ArmSysctl *s, unsigned dcc, unsigned function,
                          unsigned site, unsigned position, unsigned device,
                          uint32_t val)
{
    if (dcc != 0 || position != 0 ||
        (site != SYS_CFG_SITE_MB && site != SYS_CFG_SITE_DB1))
        return false;
    switch (function) {
    case SYS_CFG_OSC:
        if (site == SYS_CFG_SITE_MB && device < 6) {
            s->mb_clock[device] = val;
            return true;
        }
        break;
    case SYS_CFG_MUXFPGA:
        if (site == SYS_CFG_SITE_MB && device == 0)
            return true;
        break;
    case SYS_CFG_SHUTDOWN:
        if (site == SYS_CFG_SITE_MB && device == 0) {
            request(s, s->cfg.shutdown_request);
            return true;
        }
        break;
    case SYS_CFG_REBOOT:
        if (site == SYS_CFG_SITE_MB && device == 0) {
            request(s, s->cfg.reset_request);
            return true;
        }
        break;
    case SYS_CFG_DVIMODE:
        if (site == SYS_CFG_SITE_MB && device == 0)
            return true;
        break;
    }
    return false;
}

void arm_sysctl_write(void *opaque, uint32_t offset, uint32_t val, unsigned size)
{
    ArmSysctl *s = opaque;
    (void)size;

    switch (offset) {
    case 0x08: /* LED */
        s->leds = val;
        break;
    case 0x0c: case 0x10: case 0x14: case 0x18: case 0x1c: /* OSC0-4 */
        break;
    case 0x20: /* LOCK */
        s->lockval = (uint16_t)(val == LOCK_VALUE ? val : (val & 0x7fff));
        break;
    case 0x28: /* CFGDATA1 */
        s->cfgdata1 = val;
        break;
    case 0x2c: /* CFGDATA2 */
        s->cfgdata2 = val;
        break;
    case 0x30: /* FLAGSSET */
        s->flags |= val;
        break;
    case 0x34: /* FLAGSCLR */
        s->flags &= ~val;
        break;
    case 0x38: /* NVFLAGSSET */
        s->nvflags |= val;
        break;
    case 0x3c: /* NVFLAGSCLR */
        s->nvflags &= ~val;
        break;
    case 0x40: /* RESETCTL */
        switch (board_id(s)) {
        case BOARD_ID_PB926:
            if (s->lockval == LOCK_VALUE) {
                s->resetlevel = val;
                if (val & 0x100)
                    request(s, s->cfg.reset_request);
            }
            break;
        case BOARD_ID_PBX:
        case BOARD_ID_PBA8:
            if (s->lockval == LOCK_VALUE) {
                s->resetlevel = val;
                if (val & 0x04)
                    request(s, s->cfg.reset_request);
            }
            break;
        default: /* VExpress, EB: RAZ/WI */
            break;
        }
        break;
    case 0x44: /* PCICTL */
    case 0x4c: /* FLASH */
        break;
    case 0x50: /* CLCD */
        switch (board_id(s)) {
        case BOARD_ID_PB926:
            /* Bits 13:8 read-only; bits 1:0 drive the PL110 mux. */
            s->sys_clcd &= 0x3f00;
            s->sys_clcd |= val & ~0x3f00u;
            irq_set(&s->cfg.pl110_mux, (int)(val & 3));
            break;
        case BOARD_ID_EB:
            s->sys_clcd &= 0x3f00;
            s->sys_clcd |= val & ~0x3f00u;
            break;
        case BOARD_ID_PBA8:
        case BOARD_ID_PBX:
            s->sys_clcd &= (1u << 7);
            s->sys_clcd |= val & ~(1u << 7);
            break;
        default:
            break;
        }
        break;
    case 0x54: case 0x64: case 0x68: case 0x6c: case 0x70: case 0x74:
    case 0x80: case 0x84: case 0x88:
    case 0x8c: case 0x90: case 0x94: case 0x98: case 0x9c:
        break;
    case 0xa0: /* SYS_CFGDATA */
        if (board_id(s) == BOARD_ID_VEXPRESS)
            s->sys_cfgdata = val;
        break;
    case 0xa4: /* SYS_CFGCTRL */
        if (board_id(s) != BOARD_ID_VEXPRESS)
            break;
        s->sys_cfgctrl = val & ~((3u << 18) | (1u << 31));
        if (val & (1u << 31)) {
            unsigned dcc = (s->sys_cfgctrl >> 26) & 0xf;
            unsigned function = (s->sys_cfgctrl >> 20) & 0x3f;
            unsigned site = (s->sys_cfgctrl >> 16) & 0x3;
            unsigned position = (s->sys_cfgctrl >> 12) & 0xf;
            unsigned device = s->sys_cfgctrl & 0xfff;
            s->sys_cfgstat = 1;
            if (s->sys_cfgctrl & (1u << 30)) {
                if (!cfgctrl_write(s, dcc, function, site, position, device,
                                   s->sys_cfgdata))
                    s->sys_cfgstat |= 2;
            } else {
                uint32_t v;
                if (!cfgctrl_read(s, dcc, function, site, position, device, &v))
                    s->sys_cfgstat |= 2;
                else
                    s->sys_cfgdata = v;
            }
        }
        s->sys_cfgctrl &= ~(1u << 31);
        break;
    case 0xa8: /* SYS_CFGSTAT */
        if (board_id(s) == BOARD_ID_VEXPRESS)
            s->sys_cfgstat = val & 3;
        break;
    default:
        break;
    }
}

void arm_sysctl_set_gpio(void *opaque, int line, int level)
{
    ArmSysctl *s = opaque;
    switch (line) {
    case ARM_SYSCTL_GPIO_MMC_WPROT: {
        /* Bit 2 on PB926 and EB, bit 1 on later boards. */
        uint32_t bit = 2;
        if (board_id(s) == BOARD_ID_PB926 || board_id(s) == BOARD_ID_EB)
            bit = 4;
        s->sys_mci &= ~bit;
        if (level)
            s->sys_mci |= bit;
        break;
    }
    case ARM_SYSCTL_GPIO_MMC_CARDIN:
        s->sys_mci &= ~1u;
        if (level)
            s->sys_mci |= 1;
        break;
    }
}

int arm_sysctl_init(ArmSysctl *s, Bus *bus, uint32_t base, TimerList *vt,
                    const ArmSysctlConfig *cfg)
{
    *s = (ArmSysctl){0};
    s->vt = vt;
    s->cfg = *cfg;
    arm_sysctl_reset(s);
    return bus_register(bus, base, ARM_SYSCTL_SIZE, arm_sysctl_read,
                        arm_sysctl_write, s, "arm-sysctl");
}
