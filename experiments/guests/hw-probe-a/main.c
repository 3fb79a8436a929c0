/* hw-probe-a: pokes the versatilepb devices of batch A the way Linux drivers
 * do and prints every value read, so that emu-arm and QEMU 7.2 can be
 * compared byte for byte:
 *   - PrimeCell ID registers of PL061 x4, PL050 x2, PL041, PL080 (the AMBA
 *     bus reads these for every DT node at boot);
 *   - PL061 GPIO reset values, GPIODATA address masking, level and edge
 *     interrupts (and their path to the VIC);
 *   - PL050 KMI + PS/2 keyboard and mouse command replies, as atkbd and
 *     psmouse send them, the empty-queue re-read, queue overflow, and the
 *     interrupt through the SIC;
 *   - Versatile I2C bit-banging: a DS1338 read of its 8 time/control
 *     registers, an NVRAM write/read-back and a NACK from an absent address;
 *   - PL041 AACI reset state, codec register reads/writes through slots 1/2
 *     and the transmit FIFO status;
 *   - PL080 memory-to-memory transfers (plain, mixed widths, linked list,
 *     and one into the UART), with the TC interrupt status.
 * Run with -rtc base=...,clock=vm so that the DS1338 time is deterministic. */
#include "rt.h"

#define SIC_RAWSTAT   0x10003004u
#define SIC_ENSET     0x10003008u
#define SIC_ENCLR     0x1000300cu

static void line(const char *name, uint32_t v)
{
    rt_printf("%s=%08x\n", name, v);
}

static void print_ids(const char *name, uint32_t base, uint32_t from)
{
    rt_printf("%s id:", name);
    for (uint32_t off = from; off < 0x1000; off += 4)
        rt_printf(" %02x", REG32(base + off));
    rt_printf("\n");
}

/* ------------------------------------------------------------- PL061 GPIO */
#define GPIO(n)       (0x101e4000u + 0x1000u * (n))
#define GPIODIR       0x400
#define GPIOIS        0x404
#define GPIOIBE       0x408
#define GPIOIEV       0x40c
#define GPIOIE        0x410
#define GPIORIS       0x414
#define GPIOMIS       0x418
#define GPIOIC        0x41c
#define GPIOAFSEL     0x420

static void gpio_regs(const char *tag, uint32_t b)
{
    rt_printf("%s: data=%02x dir=%02x is=%02x ibe=%02x iev=%02x ie=%02x ris=%02x mis=%02x "
              "afsel=%02x vic=%08x\n", tag, REG32(b + 0x3fc), REG32(b + GPIODIR),
              REG32(b + GPIOIS), REG32(b + GPIOIBE), REG32(b + GPIOIEV), REG32(b + GPIOIE),
              REG32(b + GPIORIS), REG32(b + GPIOMIS), REG32(b + GPIOAFSEL), REG32(VIC_RAWINTR));
}

static void probe_gpio(void)
{
    for (uint32_t n = 0; n < 4; n++) {
        char name[] = "gpioN";
        name[4] = (char)('0' + n);
        print_ids(name, GPIO(n), 0xfd0);
        gpio_regs(name, GPIO(n));
    }
    uint32_t b = GPIO(1);
    /* Bad and Luminary-only offsets read zero. */
    rt_printf("gpio1 bad: %x %x %x\n", REG32(b + 0x424), REG32(b + 0x510), REG32(b + 0x520));

    /* GPIODATA: address bits 9..2 mask the access. */
    REG32(b + GPIODIR) = 0xf0;
    REG32(b + 0x3fc) = 0xff;
    rt_printf("data after 0xff to all: %02x\n", REG32(b + 0x3fc));
    REG32(b + (0x30u << 2)) = 0x00;     /* clears bits 4,5 only */
    rt_printf("data masked reads: %02x %02x %02x %02x\n", REG32(b + 0x3fc),
              REG32(b + (0xc0u << 2)), REG32(b + (0x10u << 2)), REG32(b + (0x0fu << 2)));
    REG32(b + 0x3fc) = 0x0f;            /* inputs are not written */
    rt_printf("data inputs untouched: %02x\n", REG32(b + 0x3fc));
    *(volatile uint8_t *)(b + GPIOAFSEL) = 0x5a;
    rt_printf("afsel byte write: %02x\n", REG32(b + GPIOAFSEL));
    gpio_regs("gpio1 out", b);

    /* Level interrupt: line 0 is an input at 0, IEV=0 means active low, so
     * it latches at once and a clear re-latches it. */
    REG32(b + GPIODIR) = 0x00;
    REG32(b + GPIOIS) = 0x01;
    REG32(b + GPIOIE) = 0x01;
    gpio_regs("gpio1 level low", b);
    REG32(b + GPIOIC) = 0x01;
    gpio_regs("gpio1 level after clear", b);
    REG32(b + GPIOIEV) = 0x01;      /* now active high: stays latched until cleared */
    REG32(b + GPIOIC) = 0x01;
    gpio_regs("gpio1 level high", b);

    /* Edges: an output driven high then turned into an input is seen as a
     * rising edge on that input. */
    REG32(b + GPIOIS) = 0x00;
    REG32(b + GPIOIE) = 0x0c;
    REG32(b + GPIOIEV) = 0x04;      /* line 2 rising, line 3 falling */
    REG32(b + GPIODIR) = 0x0c;
    REG32(b + (0x0cu << 2)) = 0x0c;
    gpio_regs("gpio1 outputs high", b);
    REG32(b + GPIODIR) = 0x00;
    gpio_regs("gpio1 rising", b);
    REG32(b + GPIOIC) = 0xff;
    REG32(b + GPIOIBE) = 0x08;      /* line 3 on both edges */
    REG32(b + GPIODIR) = 0x0c;
    REG32(b + (0x0cu << 2)) = 0x00;
    REG32(b + GPIODIR) = 0x00;
    gpio_regs("gpio1 falling", b);
    REG32(b + GPIOIE) = 0;
    REG32(b + GPIOIC) = 0xff;
    REG32(b + GPIOIBE) = 0;
    REG32(b + GPIOIEV) = 0;
    gpio_regs("gpio1 quiet", b);
}

/* -------------------------------------------------------------- PL050 KMI */
#define KMI0          0x10006000u
#define KMI1          0x10007000u
#define KMICR         0x00
#define KMISTAT       0x04
#define KMIDATA       0x08
#define KMICLKDIV     0x0c
#define KMIIR         0x10
#define KMISTAT_RXFULL (1u << 4)

/* Sends one byte and prints every byte the device answered. */
static void kmi_cmd(const char *tag, uint32_t b, uint32_t byte)
{
    while (!(REG32(b + KMISTAT) & (1u << 6)))
        ;
    *(volatile uint8_t *)(b + KMIDATA) = (uint8_t)byte;
    rt_printf("%s %02x: sic=%08x ir=%x ->", tag, byte, REG32(SIC_RAWSTAT), REG32(b + KMIIR));
    int n = 0;
    while ((REG32(b + KMISTAT) & KMISTAT_RXFULL) && n < 40) {
        uint32_t st = REG32(b + KMISTAT);
        rt_printf(" %02x/%02x", REG32(b + KMIDATA), st);
        n++;
    }
    rt_printf(" | stat=%02x again=%02x\n", REG32(b + KMISTAT), REG32(b + KMIDATA));
}

static void probe_kmi(void)
{
    print_ids("kmi0", KMI0, 0xfe0);
    print_ids("kmi1", KMI1, 0xfe0);
    for (int i = 0; i < 2; i++) {
        uint32_t b = i ? KMI1 : KMI0;
        rt_printf("kmi%d reset: cr=%x stat=%x data=%x clkdiv=%x ir=%x\n", i, REG32(b + KMICR),
                  REG32(b + KMISTAT), REG32(b + KMIDATA), REG32(b + KMICLKDIV), REG32(b + KMIIR));
        /* amba-kmi open: clock divider, enable, drain, enable RX interrupt. */
        REG32(b + KMICLKDIV) = 2;
        REG32(b + KMICR) = 0x04;
        REG32(b + KMICR) = 0x14;
    }
    REG32(SIC_ENSET) = (1u << 3) | (1u << 4);

    /* atkbd probe and init. */
    /* Power-on state first (scancode set, mouse status), then the probes. */
    static const uint8_t kbd_cmds[] = { 0xf0, 0x00, 0xf2, 0xff, 0xf5, 0xf2, 0xed, 0x00, 0xf0, 0x00,
                                        0xf0, 0x02, 0xf0, 0x00, 0xf0, 0x07, 0xf3, 0x00,
                                        0xf8, 0xee, 0xfa, 0xf6, 0xf4, 0x05, 0x00 };
    for (unsigned i = 0; i < sizeof kbd_cmds; i++)
        kmi_cmd("kbd", KMI0, kbd_cmds[i]);
    /* An unread reply is dropped by the next command. */
    *(volatile uint8_t *)(KMI0 + KMIDATA) = 0xf2;
    *(volatile uint8_t *)(KMI0 + KMIDATA) = 0xee;
    kmi_cmd("kbd after dropped reply", KMI0, 0xf4);
    /* A 32-bit value matches no command. */
    REG32(KMI0 + KMIDATA) = 0x1f2;
    kmi_cmd("kbd wide", KMI0, 0x00);

    /* psmouse probe: reset, id, IntelliMouse and Explorer knocks, status. */
    static const uint8_t mouse_cmds[] = { 0xe9, 0xf2, 0xff, 0xf2, 0xf3, 0xc8, 0xf3, 0x64, 0xf3, 0x50,
                                          0xf2, 0xf3, 0xc8, 0xf3, 0xc8, 0xf3, 0x50, 0xf2,
                                          0xe8, 0x03, 0xe6, 0xe7, 0xe9, 0xf0, 0xeb, 0xea,
                                          0xf4, 0xe9, 0xee, 0x42, 0xec, 0xf6, 0xe9, 0x99,
                                          0xf5 };
    for (unsigned i = 0; i < sizeof mouse_cmds; i++)
        kmi_cmd("mouse", KMI1, mouse_cmds[i]);
    /* Overflow: 20 one-byte replies, but the queue holds 16. */
    for (int i = 0; i < 20; i++)
        *(volatile uint8_t *)(KMI1 + KMIDATA) = 0xe6;
    kmi_cmd("mouse after 20", KMI1, 0xe6);
    REG32(KMI0 + KMICR) = 0x1c;     /* TX interrupt enable alone raises the line */
    rt_printf("kmi0 txint: sic=%08x vic=%08x\n", REG32(SIC_RAWSTAT), REG32(VIC_RAWINTR));
    REG32(KMI0 + KMICR) = 0x14;
    REG32(SIC_ENCLR) = (1u << 3) | (1u << 4);
    rt_printf("kmi quiet: sic=%08x vic=%08x\n", REG32(SIC_RAWSTAT), REG32(VIC_RAWINTR));
}

/* ------------------------------------------------------- Versatile I2C */
#define SB_CONTROL    0x10002000u
#define SB_CONTROLC   0x10002004u
#define SB_SCL        1u
#define SB_SDA        2u

static uint32_t sda_trace;      /* every SDA sample, folded */

static void sb_set(uint32_t bits, int high)
{
    REG32(high ? SB_CONTROL : SB_CONTROLC) = bits;
    sda_trace = (sda_trace << 1 | sda_trace >> 31) ^ REG32(SB_CONTROL);
}

static void i2c_start(void)
{
    sb_set(SB_SDA, 1);
    sb_set(SB_SCL, 1);
    sb_set(SB_SDA, 0);
    sb_set(SB_SCL, 0);
}

static void i2c_stop(void)
{
    sb_set(SB_SDA, 0);
    sb_set(SB_SCL, 1);
    sb_set(SB_SDA, 1);
}

/* Returns the ACK bit (0 = acknowledged). */
static int i2c_write_byte(uint32_t v)
{
    for (int i = 7; i >= 0; i--) {
        sb_set(SB_SDA, (v >> i) & 1);
        sb_set(SB_SCL, 1);
        sb_set(SB_SCL, 0);
    }
    sb_set(SB_SDA, 1);
    sb_set(SB_SCL, 1);
    int nack = (REG32(SB_CONTROL) & SB_SDA) != 0;
    sb_set(SB_SCL, 0);
    return nack;
}

static uint32_t i2c_read_byte(int nack)
{
    uint32_t v = 0;
    sb_set(SB_SDA, 1);
    for (int i = 0; i < 8; i++) {
        sb_set(SB_SCL, 1);
        v = v << 1 | ((REG32(SB_CONTROL) & SB_SDA) ? 1 : 0);
        sb_set(SB_SCL, 0);
    }
    sb_set(SB_SDA, nack);
    sb_set(SB_SCL, 1);
    sb_set(SB_SCL, 0);
    sb_set(SB_SDA, 1);
    return v;
}

/* rtc-ds1307 style: write the register pointer, repeated START, read n. */
static void ds1338_read(uint32_t reg, uint8_t *buf, int n, int *acks)
{
    i2c_start();
    acks[0] = i2c_write_byte(0x68 << 1);
    acks[1] = i2c_write_byte(reg);
    i2c_start();
    acks[2] = i2c_write_byte(0x68 << 1 | 1);
    for (int i = 0; i < n; i++)
        buf[i] = (uint8_t)i2c_read_byte(i == n - 1);
    i2c_stop();
}

static void probe_i2c(void)
{
    rt_printf("i2c reset: ctl=%x bad=%08x\n", REG32(SB_CONTROL), REG32(SB_CONTROL + 8));
    sb_set(SB_SCL | SB_SDA, 1);
    rt_printf("i2c idle: ctl=%x\n", REG32(SB_CONTROL));

    uint8_t t[8];
    int acks[3];
    ds1338_read(0, t, 8, acks);
    rt_printf("ds1338 time acks=%d%d%d:", acks[0], acks[1], acks[2]);
    for (int i = 0; i < 8; i++)
        rt_printf(" %02x", t[i]);
    rt_printf("\n");

    /* Sleep 1.5 s of virtual time (idle time is skipped under icount with
     * sleep=off), then read again: the DS1338 and the PL031 count together. */
    rt_vic_enable(VIC_LINE_TIMER01);
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
    REG32(TIMER0_BASE + TIMER_LOAD) = 1500000;
    REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_ONESHOT |
                                      TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
    while (!(REG32(TIMER0_BASE + TIMER_RIS) & 1))
        rt_wfi();
    rt_timer0_clear();
    REG32(TIMER0_BASE + TIMER_CTRL) = 0;
    rt_vic_disable(VIC_LINE_TIMER01);
    ds1338_read(0, t, 8, acks);
    rt_printf("ds1338 time +1.5s acks=%d%d%d:", acks[0], acks[1], acks[2]);
    for (int i = 0; i < 8; i++)
        rt_printf(" %02x", t[i]);
    rt_printf(" pl031=%08x\n", REG32(0x101e8000u));

    /* NVRAM at 0x08..0x3f keeps what was written; 0x07 masks bits. */
    i2c_start();
    int a0 = i2c_write_byte(0x68 << 1), a1 = i2c_write_byte(0x07);
    int a2 = i2c_write_byte(0xff), a3 = i2c_write_byte(0x12), a4 = i2c_write_byte(0x34);
    i2c_stop();
    uint8_t nv[4];
    ds1338_read(7, nv, 4, acks);
    rt_printf("ds1338 nvram acks=%d%d%d%d%d/%d%d%d: %02x %02x %02x %02x\n", a0, a1, a2, a3, a4,
              acks[0], acks[1], acks[2], nv[0], nv[1], nv[2], nv[3]);

    /* Reading across the end wraps to 0 and re-latches the time. */
    uint8_t w[3];
    ds1338_read(0x3f, w, 3, acks);
    rt_printf("ds1338 wrap: %02x %02x %02x\n", w[0], w[1], w[2]);

    /* Nobody at 0x50: NACK, and the bus is released. */
    i2c_start();
    int nack = i2c_write_byte(0x50 << 1);
    i2c_stop();
    rt_printf("i2c absent nack=%d ctl=%x trace=%08x\n", nack, REG32(SB_CONTROL), sda_trace);
}

/* ------------------------------------------------------------- PL041 AACI */
#define AACI          0x10004000u
#define AACI_TXCR1    0x04
#define AACI_SR1      0x08
#define AACI_ISR1     0x0c
#define AACI_IE1      0x10
#define AACI_SL1RX    0x50
#define AACI_SL1TX    0x54
#define AACI_SL2RX    0x58
#define AACI_SL2TX    0x5c
#define AACI_SLFR     0x68
#define AACI_INTCLR   0x74
#define AACI_MAINCR   0x78
#define AACI_ALLINTS  0x84
#define AACI_DR1      0x90

static void aaci_state(const char *tag)
{
    rt_printf("aaci %s: sr1=%x isr1=%x slfr=%x maincr=%x allints=%x txcr1=%x sic=%08x\n", tag,
              REG32(AACI + AACI_SR1), REG32(AACI + AACI_ISR1), REG32(AACI + AACI_SLFR),
              REG32(AACI + AACI_MAINCR), REG32(AACI + AACI_ALLINTS), REG32(AACI + AACI_TXCR1),
              REG32(SIC_RAWSTAT));
}

static uint32_t codec_read(uint32_t reg)
{
    REG32(AACI + AACI_SL1TX) = (reg << 12) | (1u << 19);
    uint32_t slfr = REG32(AACI + AACI_SLFR);
    uint32_t v = REG32(AACI + AACI_SL2RX) >> 4;
    rt_printf("codec[%02x]=%04x sl1rx=%x slfr=%x\n", reg, v, REG32(AACI + AACI_SL1RX), slfr);
    return v;
}

static void codec_write(uint32_t reg, uint32_t v)
{
    REG32(AACI + AACI_SL2TX) = v << 4;
    REG32(AACI + AACI_SL1TX) = reg << 12;
}

static void probe_aaci(void)
{
    print_ids("aaci", AACI, 0xfe0);
    rt_printf("aaci periphid3 bytes: %x %x %x\n", *(volatile uint8_t *)(AACI + 0xfec),
              *(volatile uint8_t *)(AACI + 0xfed), REG32(AACI + 0xffd));
    aaci_state("reset");
    REG32(AACI + AACI_MAINCR) = 0x19;   /* enable, slot 1 RX/TX */
    aaci_state("enabled");
    static const uint8_t regs[] = { 0x00, 0x02, 0x18, 0x26, 0x28, 0x2c, 0x7c, 0x7e };
    for (unsigned i = 0; i < sizeof regs; i++)
        codec_read(regs[i]);
    codec_write(0x02, 0x1f1f);
    codec_write(0x26, 0xffff);
    codec_write(0x7c, 0x1234);
    codec_write(0x2c, 0xac44);
    codec_read(0x02);
    codec_read(0x26);
    codec_read(0x7c);
    codec_read(0x2c);
    codec_write(0x00, 0);               /* codec reset */
    codec_read(0x02);
    codec_read(0x2c);

    /* Transmit FIFO (512 deep): 16-bit samples, slots 3 and 4, compact. */
    REG32(AACI + AACI_IE1) = 0x25;
    REG32(AACI + AACI_TXCR1) = 0x18 | (1u << 15);   /* slots 3/4, compact, not yet enabled */
    aaci_state("tx configured");
    for (int i = 0; i < 4; i++)
        REG32(AACI + AACI_DR1) = 0x00010002u * (uint32_t)(i + 1);
    aaci_state("4 words");
    for (int i = 0; i < 200; i++)
        REG32(AACI + AACI_DR1 + 4 * (i & 3)) = (uint32_t)i;
    aaci_state("204 words");
    REG32(AACI + AACI_TXCR1) = 0x19 | (1u << 15);   /* enable: half full drains */
    REG32(AACI + AACI_DR1) = 0x7fff8000u;
    aaci_state("tx enabled");
    REG32(AACI + AACI_INTCLR) = 1u << 5;
    aaci_state("underrun cleared");
    REG32(AACI + AACI_IE1) = 0;
    REG32(AACI + AACI_MAINCR) = 0;      /* disable: resets the interface */
    aaci_state("disabled");
}

/* ------------------------------------------------------------- PL080 DMA */
#define DMAC          0x10130000u
#define DMAC_INTSTAT  0x000
#define DMAC_TCSTAT   0x004
#define DMAC_TCCLR    0x008
#define DMAC_RAWTC    0x014
#define DMAC_ENBLD    0x01c
#define DMAC_CONFIG   0x030
#define DMAC_SYNC     0x034
#define DMAC_CH(n)    (0x100u + 0x20u * (n))
#define CH_SRC        0x00
#define CH_DEST       0x04
#define CH_LLI        0x08
#define CH_CTRL       0x0c
#define CH_CONF       0x10
#define CTRL_SWIDTH(w) ((uint32_t)(w) << 18)
#define CTRL_DWIDTH(w) ((uint32_t)(w) << 21)
#define CTRL_SI       (1u << 26)
#define CTRL_DI       (1u << 27)
#define CTRL_I        (1u << 31)
#define CONF_E        1u
#define CONF_ITC      (1u << 15)

static uint32_t dma_src[32] __attribute__((aligned(16)));
static uint32_t dma_dst[32] __attribute__((aligned(16)));
static uint32_t dma_lli[2][4] __attribute__((aligned(16)));
static const char dma_text[] __attribute__((aligned(4))) = "dma->uart0\n";

/* The controller reads and writes these arrays behind the compiler's back:
 * plain stores must be done before a transfer starts, and loads must not
 * be hoisted above it. */
static inline void dma_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

static uint32_t checksum(const uint32_t *p, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void dma_state(const char *tag, int ch)
{
    uint32_t c = DMAC + DMAC_CH(ch);
    dma_barrier();
    rt_printf("dma %s: int=%x tc=%x raw=%x en=%x src=%08x dst=%08x lli=%08x ctrl=%08x "
              "conf=%x vic=%08x dst=%08x %08x %08x sum=%08x\n", tag,
              REG32(DMAC + DMAC_INTSTAT), REG32(DMAC + DMAC_TCSTAT), REG32(DMAC + DMAC_RAWTC),
              REG32(DMAC + DMAC_ENBLD), REG32(c + CH_SRC) - (uint32_t)(uintptr_t)dma_src,
              REG32(c + CH_DEST) - (uint32_t)(uintptr_t)dma_dst, REG32(c + CH_LLI),
              REG32(c + CH_CTRL), REG32(c + CH_CONF), REG32(VIC_RAWINTR),
              dma_dst[0], dma_dst[1], dma_dst[9], checksum(dma_dst, 32));
}

static void dma_clear_dst(void)
{
    for (int i = 0; i < 32; i++)
        dma_dst[i] = 0;
    dma_barrier();
}

static void probe_dma(void)
{
    print_ids("dma", DMAC, 0xfe0);
    rt_printf("dma reset: config=%x sync=%x int=%x en=%x soft=%x\n", REG32(DMAC + DMAC_CONFIG),
              REG32(DMAC + DMAC_SYNC), REG32(DMAC + DMAC_INTSTAT), REG32(DMAC + DMAC_ENBLD),
              REG32(DMAC + 0x20));
    for (int i = 0; i < 32; i++)
        dma_src[i] = 0x01020304u * (uint32_t)(i + 1) ^ 0xa5a5a5a5u;
    dma_barrier();

    REG32(DMAC + DMAC_CONFIG) = 1;
    /* 16 words, 32-bit both sides, incrementing, TC interrupt. */
    uint32_t c = DMAC + DMAC_CH(0);
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_src;
    REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
    REG32(c + CH_LLI) = 0;
    REG32(c + CH_CTRL) = 16 | CTRL_SWIDTH(2) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI | CTRL_I;
    REG32(c + CH_CONF) = CONF_E | CONF_ITC;
    dma_state("word copy", 0);
    REG32(DMAC + DMAC_SYNC) = 0;        /* a global write updates the IRQ line */
    dma_state("after sync write", 0);
    REG32(DMAC + DMAC_TCCLR) = 1;
    dma_state("tc cleared", 0);

    /* Mixed widths: bytes read, words written (channel 3). */
    dma_clear_dst();
    c = DMAC + DMAC_CH(3);
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_src + 1;
    REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
    REG32(c + CH_CTRL) = 5 | CTRL_SWIDTH(0) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI;
    REG32(c + CH_CONF) = CONF_E;
    dma_state("bytes to words", 3);
    /* Words read, halfwords written. */
    dma_clear_dst();
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_src;
    REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
    REG32(c + CH_CTRL) = 3 | CTRL_SWIDTH(2) | CTRL_DWIDTH(1) | CTRL_SI | CTRL_DI | CTRL_I;
    REG32(c + CH_CONF) = CONF_E | CONF_ITC;
    dma_state("words to halfwords", 3);

    /* A two-item linked list on channel 1. */
    dma_clear_dst();
    dma_lli[0][0] = (uint32_t)(uintptr_t)&dma_src[20];
    dma_lli[0][1] = (uint32_t)(uintptr_t)&dma_dst[20];
    dma_lli[0][2] = (uint32_t)(uintptr_t)dma_lli[1];
    dma_lli[0][3] = 4 | CTRL_SWIDTH(2) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI;
    dma_lli[1][0] = (uint32_t)(uintptr_t)&dma_src[28];
    dma_lli[1][1] = (uint32_t)(uintptr_t)&dma_dst[28];
    dma_lli[1][2] = 0;
    dma_lli[1][3] = 2 | CTRL_SWIDTH(1) | CTRL_DWIDTH(1) | CTRL_SI | CTRL_DI | CTRL_I;
    dma_barrier();
    c = DMAC + DMAC_CH(1);
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_src;
    REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
    REG32(c + CH_LLI) = (uint32_t)(uintptr_t)dma_lli[0];
    REG32(c + CH_CTRL) = 8 | CTRL_SWIDTH(2) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI;
    REG32(c + CH_CONF) = CONF_E | CONF_ITC;
    dma_state("linked list", 1);

    /* Into a device: bytes to UART0's data register, no destination increment. */
    c = DMAC + DMAC_CH(2);
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_text;
    REG32(c + CH_DEST) = UART0_BASE;
    REG32(c + CH_CTRL) = (sizeof dma_text - 1) | CTRL_SWIDTH(0) | CTRL_DWIDTH(0) | CTRL_SI;
    REG32(c + CH_CONF) = CONF_E;

    /* Code written by DMA is what runs next, even over code that already
     * ran: the emulator must drop its stale translation. */
    static const uint32_t ret42[2] __attribute__((aligned(4))) = { 0xe3a0002au, 0xe12fff1eu };
    static const uint32_t ret7[2] __attribute__((aligned(4))) = { 0xe3a00007u, 0xe12fff1eu };
    uint32_t (*fn)(void) = (uint32_t (*)(void))(uintptr_t)dma_dst;
    uint32_t got[2];
    for (int k = 0; k < 2; k++) {
        c = DMAC + DMAC_CH(5);
        REG32(c + CH_SRC) = (uint32_t)(uintptr_t)(k ? ret7 : ret42);
        REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
        REG32(c + CH_CTRL) = 2 | CTRL_SWIDTH(2) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI;
        REG32(c + CH_CONF) = CONF_E;
        dma_barrier();
        got[k] = fn();
    }
    rt_printf("dma code: %u then %u\n", got[0], got[1]);

    /* A halted channel does not run; the controller disabled defers work. */
    REG32(DMAC + DMAC_TCCLR) = 0xff;
    REG32(DMAC + DMAC_CONFIG) = 0;
    dma_clear_dst();
    c = DMAC + DMAC_CH(4);
    REG32(c + CH_SRC) = (uint32_t)(uintptr_t)dma_src;
    REG32(c + CH_DEST) = (uint32_t)(uintptr_t)dma_dst;
    REG32(c + CH_CTRL) = 2 | CTRL_SWIDTH(2) | CTRL_DWIDTH(2) | CTRL_SI | CTRL_DI | CTRL_I;
    REG32(c + CH_CONF) = CONF_E | CONF_ITC | (1u << 18);
    dma_state("disabled+halted", 4);
    REG32(c + CH_CONF) = CONF_E | CONF_ITC;
    dma_state("disabled", 4);
    REG32(DMAC + DMAC_CONFIG) = 1;
    dma_state("enabled", 4);
    REG32(DMAC + DMAC_TCCLR) = 0xff;
    REG32(DMAC + DMAC_CONFIG) = 0;
    dma_state("quiet", 4);
}

int main(void)
{
    rt_printf("hw-probe-a\n");
    line("vic_raw_start", REG32(VIC_RAWINTR));
    line("sic_raw_start", REG32(SIC_RAWSTAT));
    probe_gpio();
    probe_kmi();
    probe_i2c();
    probe_aaci();
    probe_dma();
    line("vic_raw_end", REG32(VIC_RAWINTR));
    line("sic_raw_end", REG32(SIC_RAWSTAT));
    rt_printf("hw-probe-a: done\n");
    return 0;
}
