/* driftlab guest runtime: versatilepb (ARM926EJ-S) bare-metal helpers. */
#ifndef DRIFTLAB_RT_H
#define DRIFTLAB_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- versatile system registers ---- */
#define SYSREG_BASE   0x10000000u
#define SYS_ID        (SYSREG_BASE + 0x00)
#define SYS_100HZ     (SYSREG_BASE + 0x24) /* reads 0 under QEMU 7.2 (unimplemented) */
#define SYS_24MHZ     (SYSREG_BASE + 0x5c) /* floor(virtual_ns * 24 / 1000) */

/* ---- PL011 UART0 ---- */
#define UART0_BASE    0x101f1000u
#define UART_DR       0x000
#define UART_FR       0x018
#define UART_FR_TXFF  (1u << 5)

/* ---- PL190 VIC ---- */
#define VIC_BASE          0x10140000u
#define VIC_IRQSTATUS     (VIC_BASE + 0x000)
#define VIC_RAWINTR       (VIC_BASE + 0x008)
#define VIC_INTSELECT     (VIC_BASE + 0x00c)
#define VIC_INTENABLE     (VIC_BASE + 0x010)
#define VIC_INTENCLEAR    (VIC_BASE + 0x014)
#define VIC_SOFTINT       (VIC_BASE + 0x018)
#define VIC_SOFTINTCLEAR  (VIC_BASE + 0x01c)
#define VIC_VECTADDR      (VIC_BASE + 0x030)
#define VIC_LINE_TIMER01  4

/* ---- SP804 dual timer 0/1 (1 MHz clock on versatilepb) ---- */
#define TIMER0_BASE   0x101e2000u
#define TIMER_LOAD    0x00
#define TIMER_VALUE   0x04
#define TIMER_CTRL    0x08
#define TIMER_INTCLR  0x0c
#define TIMER_RIS     0x10
#define TIMER_MIS     0x14
#define TIMER_BGLOAD  0x18
#define TIMER_CTRL_ONESHOT  (1u << 0)
#define TIMER_CTRL_32BIT    (1u << 1)
#define TIMER_CTRL_INTEN    (1u << 5)
#define TIMER_CTRL_PERIODIC (1u << 6)
#define TIMER_CTRL_ENABLE   (1u << 7)
#define TIMER_CLOCK_HZ      1000000u

/* ---- semihosting ---- */
#define SH_SYS_WRITEC        0x03
#define SH_SYS_WRITE0        0x04
#define SH_SYS_GET_CMDLINE   0x15
#define SH_SYS_EXIT          0x18
#define SH_SYS_EXIT_EXTENDED 0x20
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* implemented in start.S (ARM state; callable from Thumb) */
uint32_t rt_semihost(uint32_t op, uint32_t arg);
void rt_irq_enable(void);
void rt_irq_disable(void);
void rt_wfi(void);
uint32_t rt_get_cpsr(void);

/* rt.c */
void rt_putc(int c);
void rt_puts(const char *s);            /* no newline appended */
void rt_putdec(int32_t v);
void rt_putudec(uint32_t v);
void rt_putu64(uint64_t v);
void rt_puthex(uint32_t v, int digits);
/* tiny formatter: %d %u %x %X %s %c %% ; flags '0', width; 'l' ignored,
 * "ll" for 64-bit %llu/%llx/%lld */
void rt_printf(const char *fmt, ...);
void rt_vprintf(const char *fmt, va_list ap);

void rt_exit(int code) __attribute__((noreturn));  /* SYS_EXIT_EXTENDED */
/* -append string (empty if none); argument parsing helpers */
const char *rt_cmdline(void);
/* value of "key=NUM" in the command line, or dflt when absent */
uint32_t rt_arg_u32(const char *key, uint32_t dflt);

static inline uint32_t rt_counter24(void) { return REG32(SYS_24MHZ); }

/* interrupts */
typedef void (*rt_irq_fn)(void);
void rt_irq_set_handler(unsigned line, rt_irq_fn fn);
void rt_vic_enable(unsigned line);
void rt_vic_disable(unsigned line);
void rt_irq_dispatch(void);             /* called from the ARM IRQ stub */
extern volatile uint32_t rt_spurious_irqs;

/* SP804 TIMER0: periodic interrupt at hz (clock 1 MHz) */
void rt_timer0_start_periodic(uint32_t hz);
void rt_timer0_stop(void);
static inline void rt_timer0_clear(void) { REG32(TIMER0_BASE + TIMER_INTCLR) = 1; }

/* hooks with weak defaults */
void rt_init_hook(void);
void rt_main_return(int code) __attribute__((noreturn));
void rt_unexpected(uint32_t kind, uint32_t lr) __attribute__((noreturn));

#endif
