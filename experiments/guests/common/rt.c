/* driftlab guest runtime: UART, formatter, semihosting, VIC, timer. */
#include "rt.h"

/* ------------------------------------------------------------------ UART */
void rt_putc(int c)
{
    while (REG32(UART0_BASE + UART_FR) & UART_FR_TXFF)
        ;
    REG32(UART0_BASE + UART_DR) = (uint32_t)(unsigned char)c;
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

/* --------------------------------------------------------------- numbers */
static void put_digits(uint64_t v, unsigned base, int width, char pad, int upper)
{
    char buf[24];
    int n = 0;
    const char *digs = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (v <= 0xffffffffu) {             /* 32-bit path avoids 64-bit division */
        uint32_t w = (uint32_t)v;
        do {
            buf[n++] = digs[w % base];
            w /= base;
        } while (w);
    } else {
        do {
            buf[n++] = digs[v % base];
            v /= base;
        } while (v);
    }
    while (width > n) {
        rt_putc(pad);
        width--;
    }
    while (n)
        rt_putc(buf[--n]);
}

void rt_putudec(uint32_t v) { put_digits(v, 10, 0, ' ', 0); }
void rt_putu64(uint64_t v) { put_digits(v, 10, 0, ' ', 0); }
void rt_puthex(uint32_t v, int digits) { put_digits(v, 16, digits, '0', 0); }

void rt_putdec(int32_t v)
{
    if (v < 0) {
        rt_putc('-');
        put_digits((uint32_t)0 - (uint32_t)v, 10, 0, ' ', 0);
    } else {
        put_digits((uint32_t)v, 10, 0, ' ', 0);
    }
}

void rt_vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            rt_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = longs >= 2 ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, int32_t);
            if (v < 0) {
                rt_putc('-');
                if (width)
                    width--;
                put_digits((uint64_t)0 - (uint64_t)v, 10, width, pad, 0);
            } else {
                put_digits((uint64_t)v, 10, width, pad, 0);
            }
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs >= 2 ? va_arg(ap, uint64_t) : (uint64_t)va_arg(ap, uint32_t);
            put_digits(v, *fmt == 'u' ? 10 : 16, width, pad, *fmt == 'X');
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            while (s[len])
                len++;
            while (width-- > len)
                rt_putc(' ');
            rt_puts(s);
            break;
        }
        case 'c':
            rt_putc(va_arg(ap, int));
            break;
        case '%':
            rt_putc('%');
            break;
        case '\0':
            return;
        default:
            rt_putc('%');
            rt_putc(*fmt);
            break;
        }
    }
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}

/* ----------------------------------------------------------- semihosting */
void rt_exit(int code)
{
    static volatile uint32_t block[2];
    block[0] = SH_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    rt_semihost(SH_SYS_EXIT_EXTENDED, (uint32_t)(uintptr_t)block);
    for (;;)
        ;
}

static char cmdline_buf[1024]; /* QEMU prepends the -kernel path */
static int cmdline_done;

const char *rt_cmdline(void)
{
    if (!cmdline_done) {
        static volatile uint32_t block[2];
        block[0] = (uint32_t)(uintptr_t)cmdline_buf;
        block[1] = sizeof(cmdline_buf) - 1;
        if (rt_semihost(SH_SYS_GET_CMDLINE, (uint32_t)(uintptr_t)block) != 0)
            cmdline_buf[0] = '\0';
        cmdline_buf[sizeof(cmdline_buf) - 1] = '\0';
        cmdline_done = 1;
    }
    return cmdline_buf;
}

uint32_t rt_arg_u32(const char *key, uint32_t dflt)
{
    const char *s = rt_cmdline();
    size_t klen = 0;
    while (key[klen])
        klen++;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *tok = s;
        while (*s && *s != ' ')
            s++;
        if ((size_t)(s - tok) > klen && tok[klen] == '=') {
            size_t i;
            for (i = 0; i < klen && tok[i] == key[i]; i++)
                ;
            if (i == klen) {
                uint32_t v = 0;
                const char *p = tok + klen + 1;
                if (*p < '0' || *p > '9')
                    return dflt;
                while (*p >= '0' && *p <= '9')
                    v = v * 10 + (uint32_t)(*p++ - '0');
                return v;
            }
        }
    }
    return dflt;
}

/* ------------------------------------------------------------ interrupts */
static rt_irq_fn irq_handlers[32];
volatile uint32_t rt_spurious_irqs;

void rt_irq_set_handler(unsigned line, rt_irq_fn fn) { irq_handlers[line & 31] = fn; }
void rt_vic_enable(unsigned line) { REG32(VIC_INTENABLE) = 1u << line; }
void rt_vic_disable(unsigned line) { REG32(VIC_INTENCLEAR) = 1u << line; }

void rt_irq_dispatch(void)
{
    uint32_t st = REG32(VIC_IRQSTATUS);
    if (!st) {
        rt_spurious_irqs++;
        return;
    }
    for (unsigned line = 0; line < 32; line++) {
        if (st & (1u << line)) {
            if (irq_handlers[line]) {
                irq_handlers[line]();
            } else {
                rt_vic_disable(line);
                rt_spurious_irqs++;
            }
        }
    }
}

void rt_timer0_start_periodic(uint32_t hz)
{
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
    REG32(TIMER0_BASE + TIMER_LOAD) = TIMER_CLOCK_HZ / hz - 1;
    REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_PERIODIC |
                                      TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
}

void rt_timer0_stop(void)
{
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
}

/* ------------------------------------------------------------ weak hooks */
__attribute__((weak)) void rt_init_hook(void) {}

__attribute__((weak)) void rt_main_return(int code) { rt_exit(code); }

__attribute__((weak)) void rt_unexpected(uint32_t kind, uint32_t lr)
{
    static const char *const names[] = {"?", "undefined", "svc", "prefetch-abort",
                                        "data-abort", "reserved", "irq", "fiq"};
    rt_puts("\n*** unexpected exception: ");
    rt_puts(names[kind & 7]);
    rt_puts(" lr=0x");
    rt_puthex(lr, 8);
    rt_putc('\n');
    rt_exit(100 + (int)kind);
}
