/*
 * ARM SP804 dual timer, as QEMU 7.2's hw/timer/arm_timer.c ("sp804"): two
 * arm_timer units on legacy-policy ptimers on the virtual clock, whose
 * interrupts are ORed onto one output line.
 */
#ifndef EMU_HW_SP804_H
#define EMU_HW_SP804_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"
#include "hw/ptimer.h"
#include "timer.h"

#define SP804_SIZE 0x1000
#define SP804_DEFAULT_FREQ 1000000   /* QEMU's freq0/freq1 default: 1 MHz */

#define TIMER_CTRL_ONESHOT  (1 << 0)
#define TIMER_CTRL_32BIT    (1 << 1)
#define TIMER_CTRL_DIV1     (0 << 2)
#define TIMER_CTRL_DIV16    (1 << 2)
#define TIMER_CTRL_DIV256   (2 << 2)
#define TIMER_CTRL_IE       (1 << 5)
#define TIMER_CTRL_PERIODIC (1 << 6)
#define TIMER_CTRL_ENABLE   (1 << 7)

struct SP804;

typedef struct ArmTimer {
    Ptimer timer;
    uint32_t control;
    uint32_t limit;
    int freq;
    int int_level;
    struct SP804 *parent;
    int index;
} ArmTimer;

typedef struct SP804 {
    ArmTimer timer[2];
    int level[2];
    IrqLine irq;
} SP804;

/* freq0/freq1 in Hz (SP804_DEFAULT_FREQ on versatilepb). 0 or -1. */
int sp804_init(SP804 *s, Bus *bus, uint32_t base, TimerList *vt, IrqLine irq,
               uint32_t freq0, uint32_t freq1);
void sp804_destroy(SP804 *s);

uint32_t sp804_read(void *opaque, uint32_t offset, unsigned size);
void sp804_write(void *opaque, uint32_t offset, uint32_t value, unsigned size);
#endif
