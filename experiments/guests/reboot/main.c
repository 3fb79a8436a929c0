/* reboot: resets the board once through the system controller and reports,
 * after the restart, how far the 24 MHz counter moved across the reset.
 *
 * The first boot arms SP804 TIMER0 as a one-shot ("-append us=N", default
 * 5000 us; its interrupt is never enabled at the VIC) and requests the reset.
 * QEMU handles the request in its main loop once the vCPU has stopped; with
 * sleep=off a stopped vCPU counts as idle there, so the virtual clock usually
 * jumps to the timer's deadline before the reset, and the second boot reads
 * the counter at least N us later. A word of RAM outside the image survives
 * the reset (QEMU only copies the images back in) and tells the boots apart. */
#include "rt.h"

#define SYS_LOCK      (SYSREG_BASE + 0x20)
#define SYS_RESETCTL  (SYSREG_BASE + 0x40)
#define SYS_LOCK_KEY  0xa05fu
#define RESET_REQUEST 0x100u

/* 4 MiB into RAM: far above this image, far below the stacks at RAM's end. */
#define STATE ((volatile uint32_t *)(uintptr_t)0x00400000u)
#define STATE_MAGIC 0x5eb0075eu

int main(void)
{
    if (STATE[0] != STATE_MAGIC) {
        uint32_t us = rt_arg_u32("us", 5000);
        STATE[0] = STATE_MAGIC;
        STATE[2] = us;
        REG32(TIMER0_BASE + TIMER_LOAD) = us;
        REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_ONESHOT
                                          | TIMER_CTRL_32BIT | TIMER_CTRL_INTEN;
        STATE[1] = rt_counter24();
        rt_printf("reboot: first boot, timer0 one-shot in %u us, resetting\n", us);
        REG32(SYS_LOCK) = SYS_LOCK_KEY;
        REG32(SYS_RESETCTL) = RESET_REQUEST | 0x5;
        for (;;)
            ;
    }
    uint32_t now = rt_counter24();
    uint32_t ticks = now - STATE[1], us = STATE[2];
    STATE[0] = 0;
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    rt_printf("reboot: second boot, counter24 +%u since the timer was armed (%u us = %u ticks)\n",
              ticks, us, us * 24u);
    return 0;
}
