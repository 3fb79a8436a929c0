/*
 * ARM Versatile/RealView system registers ("realview_sysctl" in QEMU 7.2,
 * hw/misc/arm_sysctl.c). On versatilepb: base 0x10000000, SYS_ID 0x41007004,
 * PROCID0 0x02000000.
 */
#ifndef EMU_HW_ARM_SYSCTL_H
#define EMU_HW_ARM_SYSCTL_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "timer.h"

#define ARM_SYSCTL_SIZE 0x1000
#define ARM_SYSCTL_VERSATILE_SYS_ID  0x41007004u
#define ARM_SYSCTL_VERSATILE_PROC_ID 0x02000000u
/* GPIO inputs (QEMU's ARM_SYSCTL_GPIO_MMC_*), driven by an MMC controller. */
#define ARM_SYSCTL_GPIO_MMC_WPROT  0
#define ARM_SYSCTL_GPIO_MMC_CARDIN 1

typedef struct ArmSysctlConfig {
    uint32_t sys_id;
    uint32_t proc_id;
    /* The guest asked for a system reset (RESETCTL with the lock open) or,
     * on VExpress only, a shutdown/reboot via SYS_CFGCTRL. Optional. */
    void (*reset_request)(void *opaque);
    void (*shutdown_request)(void *opaque);
    void *request_opaque;
    /* SYS_CLCD bits 1:0 drive the PL110 format mux (unconnected if NULL). */
    IrqLine pl110_mux;
} ArmSysctlConfig;

typedef struct ArmSysctl {
    TimerList *vt;
    ArmSysctlConfig cfg;
    uint32_t leds;
    uint16_t lockval;
    uint32_t cfgdata1, cfgdata2;
    uint32_t flags, nvflags;
    uint32_t resetlevel;
    uint32_t sys_mci;
    uint32_t sys_cfgdata, sys_cfgctrl, sys_cfgstat;
    uint32_t sys_clcd;
    uint32_t mb_clock[6];
} ArmSysctl;

/* Registers the 4 KiB region and applies the device reset. 0 or -1. */
int arm_sysctl_init(ArmSysctl *s, Bus *bus, uint32_t base, TimerList *vt,
                    const ArmSysctlConfig *cfg);
/* QEMU's arm_sysctl_reset (device reset on system reset). */
void arm_sysctl_reset(ArmSysctl *s);
/* GPIO inputs: ARM_SYSCTL_GPIO_MMC_WPROT / _CARDIN. */
void arm_sysctl_set_gpio(void *opaque, int line, int level);

uint32_t arm_sysctl_read(void *opaque, uint32_t offset, unsigned size);
void arm_sysctl_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
