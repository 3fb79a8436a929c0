/* hw-probe-b: reads back, over UART0, every register value the versatilepb
 * CLCD (PL110), CFI flash, SMC91C111 Ethernet and PCI host bridge give when
 * poked the way Linux's pl111, physmap/CFI, smc91x and (absent) PCI drivers
 * do, plus their interrupts. emu-arm must print the same bytes as QEMU 7.2.
 * Exits 0 when done (the values are judged by the diff, not here). */
#include "rt.h"

#define REG16(a) (*(volatile uint16_t *)(uintptr_t)(a))
#define REG8(a)  (*(volatile uint8_t *)(uintptr_t)(a))

#define SYS_CLCD    (SYSREG_BASE + 0x50)
#define SIC_BASE    0x10003000u
#define SIC_STATUS  (SIC_BASE + 0x00)
#define SIC_RAW     (SIC_BASE + 0x04)
#define SIC_ENSET   (SIC_BASE + 0x08)
#define SIC_ENCLR   (SIC_BASE + 0x0c)

#define CLCD        0x10120000u
#define FLASH       0x34000000u
#define ETH         0x10010000u
#define PCI_REGS    0x10001000u
#define PCI_SELF    0x41000000u
#define PCI_CFG     0x42000000u
#define PCI_HOST    (11u << 11)     /* slot 11, function 0 */

static void w32(const char *what, uint32_t a)
{
    rt_printf("%s[%08x]=%08x\n", what, a, REG32(a));
}

/* ---------------- PL110 CLCD ---------------- */
static void probe_clcd(void)
{
    rt_printf("== clcd\n");
    for (uint32_t o = 0xfe0; o < 0x1000; o += 4)
        w32("clcd.id", CLCD + o);
    for (uint32_t o = 0; o < 0x40; o += 4)
        w32("clcd.reset", CLCD + o);
    w32("clcd.cursor", CLCD + 0xc00);
    w32("clcd.pal0", CLCD + 0x200);

    /* What pl111_versatile / the DRM driver program for a 640x480 panel. */
    REG32(SYS_CLCD) = 0x1e02;
    w32("sys.clcd", SYS_CLCD);
    REG32(CLCD + 0x00) = 0x3f1f3f9c;
    REG32(CLCD + 0x04) = 0x090b61df;
    REG32(CLCD + 0x08) = 0x067f1800;
    REG32(CLCD + 0x0c) = 0x00000000;
    REG32(CLCD + 0x10) = 0x00200000;
    REG32(CLCD + 0x14) = 0x00300000;
    for (uint32_t i = 0; i < 4; i++)
        REG32(CLCD + 0x200 + 4 * i) = 0x7fff0000u + i * 0x1111u;
    REG32(CLCD + 0x18) = 0x0000082b;        /* control: EN, 16bpp, TFT... no PWR */
    for (uint32_t o = 0; o < 0x40; o += 4)
        w32("clcd.set", CLCD + o);
    for (uint32_t i = 0; i < 4; i++)
        w32("clcd.pal", CLCD + 0x200 + 4 * i);
    rt_printf("clcd.b[1]=%02x h[6]=%04x b[0x19]=%02x idb=%02x\n", REG8(CLCD + 1),
              REG16(CLCD + 6), REG8(CLCD + 0x19), REG8(CLCD + 0xfe1));

    /* Power on with vertical-compare and next-base interrupts unmasked:
     * the first vblank comes 1/60 s of virtual time later on VIC 16. */
    REG32(CLCD + 0x1c) = 0x0c;
    REG32(CLCD + 0x18) = 0x00000a2b;
    uint32_t t0 = rt_counter24(), polls = 0;
    while (!(REG32(VIC_RAWINTR) & (1u << 16)) && polls < 2000000)
        polls++;
    uint32_t t1 = rt_counter24();
    rt_printf("clcd.vblank polls=%u dt24=%u ris=%08x mis=%08x vic=%08x\n", polls, t1 - t0,
              REG32(CLCD + 0x20), REG32(CLCD + 0x24), REG32(VIC_RAWINTR) & (1u << 16));
    REG32(CLCD + 0x28) = 0x04;
    rt_printf("clcd.icr4 ris=%08x vic=%08x\n", REG32(CLCD + 0x20),
              REG32(VIC_RAWINTR) & (1u << 16));
    REG32(CLCD + 0x28) = 0x1f;
    rt_printf("clcd.icr ris=%08x vic=%08x\n", REG32(CLCD + 0x20),
              REG32(VIC_RAWINTR) & (1u << 16));
    /* Second period, from the re-armed timer. */
    polls = 0;
    t0 = rt_counter24();
    while (!(REG32(CLCD + 0x20) & 8) && polls < 2000000)
        polls++;
    rt_printf("clcd.vblank2 polls=%u dt24=%u\n", polls, rt_counter24() - t0);
    REG32(CLCD + 0x1c) = 0;
    rt_printf("clcd.masked vic=%08x mis=%08x\n", REG32(VIC_RAWINTR) & (1u << 16),
              REG32(CLCD + 0x24));
    REG32(CLCD + 0x18) = 0;                 /* off: no more vblanks */
    REG32(CLCD + 0x28) = 0xff;
    for (volatile int i = 0; i < 100000; i++)
        ;
    rt_printf("clcd.off ris=%08x\n", REG32(CLCD + 0x20));
}

/* ---------------- CFI flash ---------------- */
static void fcmd(uint32_t off, uint32_t cmd)
{
    REG32(FLASH + off) = cmd;
}

static void probe_flash(void)
{
    rt_printf("== flash\n");
    w32("flash.array", FLASH);
    w32("flash.array", FLASH + 0x3fffffc);
    /* Linux's cfi_probe: reset (AMD then Intel), query at 0x55 words. */
    fcmd(0, 0x00f000f0);
    fcmd(0, 0x00ff00ff);
    fcmd(0x55 * 4, 0x00980098);
    for (uint32_t i = 0; i < 0x44; i++) {
        uint32_t v = REG32(FLASH + 4 * i);
        rt_printf("%02x%c", v & 0xff, (i & 15) == 15 ? '\n' : ' ');
        if (v >> 8)
            rt_printf("[hi %08x]", v);
    }
    rt_printf("\nflash.q h=%04x b=%02x b1=%02x w40=%08x\n", REG16(FLASH + 0x40),
              REG8(FLASH + 0x44), REG8(FLASH + 0x45), REG32(FLASH + 0x100 + 0x40));
    /* Query mode is left only by 0xff: a read-ID command is ignored. */
    fcmd(0, 0x90);
    rt_printf("flash.q-after-90 %08x\n", REG32(FLASH + 0x40));
    fcmd(0, 0xff);
    w32("flash.array", FLASH + 0x40);
    fcmd(0, 0x90);
    for (uint32_t i = 0; i < 4; i++)
        w32("flash.id", FLASH + 4 * i);
    rt_printf("flash.id h=%04x b=%02x blk=%08x\n", REG16(FLASH), REG8(FLASH),
              REG32(FLASH + 0x40000 + 8));
    fcmd(0, 0x70);
    rt_printf("flash.status w=%08x h=%04x b=%02x\n", REG32(FLASH), REG16(FLASH + 2),
              REG8(FLASH + 1));

    /* Program words, halfwords and bytes; the read-back is in array mode. */
    fcmd(0x100, 0x40);
    fcmd(0x100, 0x12345678);
    w32("flash.prog-status", FLASH + 0x100);
    fcmd(0x104, 0x10);
    REG16(FLASH + 0x104) = 0xbeef;
    fcmd(0x104, 0x40);
    REG8(FLASH + 0x107) = 0x5a;
    fcmd(0, 0xff);
    w32("flash.prog", FLASH + 0x100);
    w32("flash.prog", FLASH + 0x104);
    rt_printf("flash.prog h=%04x b=%02x\n", REG16(FLASH + 0x102), REG8(FLASH + 0x107));

    /* Write to buffer: 0xe8, count-1, data words, confirm. */
    fcmd(0x200, 0xe8);
    w32("flash.wb-status", FLASH + 0x200);
    fcmd(0x200, 3);
    for (uint32_t i = 0; i < 4; i++)
        REG32(FLASH + 0x200 + 4 * i) = 0xa0a0a0a0u + i;
    fcmd(0x200, 0xd0);
    w32("flash.wb-status", FLASH + 0x200);
    fcmd(0, 0xff);
    for (uint32_t i = 0; i < 5; i++)
        w32("flash.wb", FLASH + 0x200 + 4 * i);

    /* Block erase of the second sector, then the first. */
    fcmd(0x40000, 0x20);
    fcmd(0x40000, 0xd0);
    w32("flash.erase-status", FLASH + 0x40000);
    fcmd(0, 0xff);
    w32("flash.erased", FLASH + 0x40000);
    w32("flash.erased", FLASH + 0x7fffc);
    w32("flash.not-erased", FLASH + 0x80000);
    w32("flash.kept", FLASH + 0x100);
    fcmd(0x123, 0x20);
    fcmd(0x123, 0xd0);
    fcmd(0, 0xff);
    w32("flash.erased0", FLASH + 0x100);
    /* Erase that is not confirmed: a bad second cycle. */
    fcmd(0x80000, 0x20);
    fcmd(0x80000, 0x12);
    w32("flash.bad-confirm", FLASH + 0x80000);

    /* Lock bits: set, clear, and an unknown sub-command. */
    fcmd(0, 0x60);
    w32("flash.lock-status", FLASH);
    fcmd(0, 0x01);
    w32("flash.lock-set", FLASH);
    fcmd(0, 0x60);
    fcmd(0, 0xd0);
    w32("flash.lock-clr", FLASH);
    fcmd(0, 0x60);
    fcmd(0, 0x77);
    w32("flash.lock-bad", FLASH);

    /* Clear status, an unknown command, then status mode again. */
    fcmd(0, 0x50);
    w32("flash.after-50", FLASH);
    fcmd(0, 0x70);
    w32("flash.cleared-status", FLASH);
    fcmd(0, 0x33);
    w32("flash.after-unknown", FLASH);
    fcmd(0, 0x70);
    w32("flash.status", FLASH);
    fcmd(0, 0xff);
}

/* Linux 6.1's cfi_probe on this map (bank width 4, found as one x32 chip):
 * query mode on, QRY check, the query structure, the read-ID attempt (which
 * QEMU leaves in query mode), query mode off, then the Intel extended table
 * and the AFS partition scan's reads of each block's footer. */
static uint32_t lx_q(uint32_t idx)
{
    return REG32(FLASH + idx * 4) & 0xff;
}

static void probe_flash_linux(void)
{
    rt_printf("== flash (linux cfi_probe)\n");
    REG32(SYSREG_BASE + 0x4c) = 1;          /* versatile flash protection off */
    fcmd(0, 0xf0);
    fcmd(0x55 * 4, 0x98);
    rt_printf("qry=%c%c%c\n", lx_q(0x10), lx_q(0x11), lx_q(0x12));
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 0x2d; i++)
        sum = sum * 31 + lx_q(0x10 + i);
    rt_printf("cfiq sum=%08x regions=%u\n", sum, lx_q(0x10 + 28));
    fcmd(0, 0xf0);
    fcmd(0x555 * 4, 0xaa);
    fcmd(0x2aa * 4, 0x55);
    fcmd(0x555 * 4, 0x90);
    rt_printf("mfr=%04x id=%04x\n", REG32(FLASH) & 0xffff, REG32(FLASH + 4) & 0xffff);
    fcmd(0, 0xf0);
    fcmd(0, 0xff);
    fcmd(0, 0xf0);
    fcmd(0x55 * 4, 0x98);
    rt_printf("pri:");
    for (uint32_t i = 0; i < 16; i++)
        rt_printf(" %02x", lx_q(0x31 + i));
    rt_printf("\n");
    fcmd(0, 0xf0);
    fcmd(0, 0xff);
    uint32_t nz = 0;
    for (uint32_t blk = 0; blk < 256; blk++) {
        uint32_t end = FLASH + (blk + 1) * 0x40000;
        for (uint32_t o = 20; o > 0; o -= 4)
            nz += REG32(end - o) != (blk == 1 ? 0xffffffffu : 0);
    }
    rt_printf("afs footers unexpected=%u\n", nz);
    REG32(SYSREG_BASE + 0x4c) = 0;
}

/* ---------------- SMC91C111 ---------------- */
static void bank(uint32_t b)
{
    REG16(ETH + 14) = (uint16_t)b;
}

static void eth_regs(const char *what)
{
    rt_printf("%s", what);
    for (uint32_t o = 0; o < 16; o += 2)
        rt_printf(" %04x", REG16(ETH + o));
    rt_printf("\n");
}

static void probe_smc(void)
{
    rt_printf("== smc91c111\n");
    /* smc_probe: bank select signature, bank 0, BASE, revision, MAC. */
    rt_printf("eth.bsr=%04x\n", REG16(ETH + 14));
    bank(0);
    rt_printf("eth.bsr0=%04x w=%08x\n", REG16(ETH + 14), REG32(ETH + 12));
    for (uint32_t b = 0; b < 4; b++) {
        bank(b);
        rt_printf("eth.bank%u", b);
        for (uint32_t o = 0; o < 16; o++)
            rt_printf(" %02x", REG8(ETH + o));
        rt_printf("\n");
    }
    bank(1);
    rt_printf("eth.base=%04x mac=%04x %04x %04x w=%08x\n", REG16(ETH + 2), REG16(ETH + 4),
              REG16(ETH + 6), REG16(ETH + 8), REG32(ETH + 4));
    bank(3);
    rt_printf("eth.rev=%04x\n", REG16(ETH + 10));
    bank(7);
    eth_regs("eth.bank7");
    /* Word write at 0xc only selects the bank (from bits 23:16). */
    REG32(ETH + 12) = 0x0002ffff;
    rt_printf("eth.bsr-after-w=%04x\n", REG16(ETH + 14));

    /* smc_reset: soft reset, config, control (auto release off). */
    bank(0);
    REG16(ETH + 4) = 0x8000;
    REG16(ETH + 4) = 0;
    eth_regs("eth.after-reset b0");
    bank(1);
    REG16(ETH + 0) = 0xb0b1;
    REG16(ETH + 12) = 0x1a13;                   /* EEPROM bits are dropped */
    REG16(ETH + 10) = 0x1234;
    eth_regs("eth.cfg b1");
    bank(3);
    REG16(ETH + 12) = 0xffff;
    eth_regs("eth.b3");

    /* Interrupts reach the CPU through SIC 25 -> VIC 31. */
    REG32(SIC_ENSET) = 1u << 25;
    bank(2);
    REG16(ETH + 0) = 0x40;                      /* MMU reset */
    eth_regs("eth.b2");
    REG8(ETH + 13) = 0x04;                      /* mask: TX_EMPTY */
    rt_printf("eth.irq sic=%08x vic31=%08x\n", REG32(SIC_RAW) & (1u << 25),
              REG32(VIC_RAWINTR) & (1u << 31));
    REG8(ETH + 13) = 0x0a;                      /* TX, ALLOC */
    rt_printf("eth.irq-masked sic=%08x vic31=%08x\n", REG32(SIC_RAW) & (1u << 25),
              REG32(VIC_RAWINTR) & (1u << 31));

    /* smc_hard_start_xmit: allocate, fill the page through the pointer,
     * enqueue; TX enable in bank 0. */
    REG16(ETH + 0) = 0x20;
    rt_printf("eth.alloc arr=%02x int=%02x sic=%08x\n", REG8(ETH + 3), REG8(ETH + 12),
              REG32(SIC_RAW) & (1u << 25));
    uint8_t pkt = REG8(ETH + 3);
    REG8(ETH + 2) = pkt;
    REG16(ETH + 6) = 0x4000;                    /* auto-increment, TX area, from 0 */
    static const uint8_t frame[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        0x88, 0xb5, 'd', 'r', 'i', 'f', 't', 'l', 'a', 'b', '!',
    };
    uint32_t len = sizeof frame;                /* odd */
    REG16(ETH + 8) = 0;                         /* status word */
    REG16(ETH + 8) = (uint16_t)((len & ~1u) + 6);
    for (uint32_t i = 0; i + 1 < len; i += 2)
        REG16(ETH + 8) = (uint16_t)(frame[i] | frame[i + 1] << 8);
    REG16(ETH + 8) = (uint16_t)(frame[len - 1] | 0x2000u);   /* odd byte + control */
    rt_printf("eth.ptr=%04x\n", REG16(ETH + 6));
    /* Read it back: pointer read mode without auto-increment, byte lanes. */
    REG16(ETH + 6) = 0x2000 | 0x0004;
    rt_printf("eth.page %08x %04x %02x%02x\n", REG32(ETH + 8), REG16(ETH + 10), REG8(ETH + 9),
              REG8(ETH + 11));
    REG16(ETH + 6) = 0x6000;
    rt_printf("eth.page-ai");
    for (int i = 0; i < 8; i++)
        rt_printf(" %02x", REG8(ETH + 8));
    rt_printf(" ptr=%04x\n", REG16(ETH + 6));

    bank(0);
    REG16(ETH + 0) = 0x0081;                    /* TXEN, PAD_EN */
    bank(2);
    REG16(ETH + 0) = 0xc0;                      /* enqueue */
    rt_printf("eth.tx int=%02x fifo=%04x sic=%08x\n", REG8(ETH + 12), REG16(ETH + 4),
              REG32(SIC_RAW) & (1u << 25));
    REG16(ETH + 6) = 0x2000;
    rt_printf("eth.tx-status %08x\n", REG32(ETH + 8));
    REG8(ETH + 12) = 0x02;                      /* ack TX: pops the done FIFO */
    rt_printf("eth.tx-ack int=%02x fifo=%04x sic=%08x\n", REG8(ETH + 12), REG16(ETH + 4),
              REG32(SIC_RAW) & (1u << 25));
    REG16(ETH + 0) = 0xa0;                      /* release */
    bank(0);
    rt_printf("eth.mir=%04x\n", REG16(ETH + 8));
    bank(2);

    /* Exhaust the four pages: the fifth allocation waits, then completes
     * when a page is released. */
    for (int i = 0; i < 5; i++) {
        REG16(ETH + 0) = 0x20;
        rt_printf("eth.alloc%d arr=%02x int=%02x\n", i, REG8(ETH + 3), REG8(ETH + 12));
        REG8(ETH + 12) = 0x08;
    }
    bank(0);
    rt_printf("eth.mir-full=%04x\n", REG16(ETH + 8));
    bank(2);
    REG8(ETH + 2) = 2;
    REG16(ETH + 0) = 0xa0;
    rt_printf("eth.late-alloc arr=%02x int=%02x\n", REG8(ETH + 3), REG8(ETH + 12));

    /* Auto-release transmit: nothing lands in the done FIFO. */
    bank(1);
    REG16(ETH + 12) = 0x1a10 | 0x0800;
    bank(2);
    REG8(ETH + 2) = 1;
    REG16(ETH + 6) = 0x4000;
    REG16(ETH + 8) = 0;
    REG16(ETH + 8) = 70;
    REG16(ETH + 0) = 0xc0;
    rt_printf("eth.autorel int=%02x fifo=%04x\n", REG8(ETH + 12), REG16(ETH + 4));
    bank(0);
    rt_printf("eth.mir-autorel=%04x\n", REG16(ETH + 8));
    bank(2);
    REG16(ETH + 0) = 0xe0;                      /* reset TX FIFOs */
    REG16(ETH + 0) = 0x40;                      /* reset MMU */
    REG8(ETH + 12) = 0xff;
    eth_regs("eth.end b2");
    REG8(ETH + 13) = 0;
    REG32(SIC_ENCLR) = 1u << 25;
    bank(0);
    REG16(ETH + 0) = 0;
}

/* smc91x on versatile uses 8/16/32-bit accesses, 32-bit for the writes
 * that must be aligned (bank select, packet number, pointer). */
static void lx_bank(uint32_t b)
{
    REG32(ETH + 12) = b << 16;
}

static void probe_smc_linux(void)
{
    rt_printf("== smc91c111 (linux smc91x)\n");
    rt_printf("bank=%04x", REG16(ETH + 14));
    lx_bank(0);
    rt_printf(" bank0=%04x", REG16(ETH + 14));
    lx_bank(1);
    rt_printf(" base=%04x", REG16(ETH + 2));
    lx_bank(3);
    rt_printf(" rev=%04x", REG16(ETH + 10));
    lx_bank(1);
    rt_printf(" mac=%04x:%04x:%04x\n", REG16(ETH + 4), REG16(ETH + 6), REG16(ETH + 8));
    /* smc_reset */
    lx_bank(2);
    REG8(ETH + 13) = 0;
    lx_bank(0);
    REG16(ETH + 4) = 0x8000;
    lx_bank(1);
    REG16(ETH + 0) = 0x20b1 | 0x1000 | 0x8000;
    lx_bank(0);
    REG16(ETH + 4) = 0;
    REG16(ETH + 0) = 0;
    lx_bank(1);
    uint16_t ctl = REG16(ETH + 12) | 0x0080;
    REG16(ETH + 12) = (uint16_t)(ctl | 0x0800);
    lx_bank(2);
    REG16(ETH + 0) = 0x40;
    rt_printf("after reset: ctl=%04x mmu=%04x int=%04x\n", ctl, REG16(ETH + 0), REG16(ETH + 12));
    /* smc_phy_detect: MII bit-banging reads nothing but zeros on QEMU. */
    lx_bank(3);
    uint32_t id = 0;
    for (int bit = 0; bit < 64; bit++) {
        uint16_t mii = REG16(ETH + 8) & ~0x000du;
        REG16(ETH + 8) = mii | 0x8 | ((bit & 1) ? 1 : 0);
        REG16(ETH + 8) = mii | 0x8 | 0x4;
        id = id << 1 | ((REG16(ETH + 8) >> 1) & 1);
    }
    rt_printf("mii id bits=%08x mgmt=%04x\n", id, REG16(ETH + 8));
    /* smc_enable + one transmit with 32-bit header and data. */
    lx_bank(0);
    REG16(ETH + 0) = 0x0081;
    REG16(ETH + 4) = 0x0300;
    lx_bank(1);
    REG16(ETH + 12) = 0x1a10 | 0x0800 | 0x0080;
    lx_bank(2);
    REG8(ETH + 13) = 0x0e;
    REG16(ETH + 0) = 0x20;
    uint32_t ar = REG8(ETH + 3);
    REG8(ETH + 12) = 0x08;
    REG32(ETH + 0) = ar << 16;                  /* SMC_SET_PN */
    REG32(ETH + 4) = 0x4000u << 16;             /* SMC_SET_PTR */
    REG32(ETH + 8) = 0u | (64u + 6u) << 16;     /* SMC_PUT_PKT_HDR */
    for (uint32_t i = 0; i < 16; i++)
        REG32(ETH + 8) = 0x01000002u + i * 0x04040404u;
    REG16(ETH + 8) = 0;                         /* control: even */
    REG16(ETH + 0) = 0xc0;
    rt_printf("tx: ar=%02x int=%02x fifo=%04x ptr=%04x sic=%08x\n", ar, REG8(ETH + 12),
              REG16(ETH + 4), REG16(ETH + 6), REG32(SIC_RAW) & (1u << 25));
    /* smc_shutdown */
    REG8(ETH + 13) = 0;
    lx_bank(0);
    REG16(ETH + 4) = 0;
    REG16(ETH + 0) = 0;
    lx_bank(1);
    REG16(ETH + 0) = REG16(ETH + 0) & ~0x8000u;
    lx_bank(2);
    rt_printf("shutdown: int=%04x sic=%08x\n", REG16(ETH + 12), REG32(SIC_RAW) & (1u << 25));
}

/* ---------------- PCI host bridge ---------------- */
static void probe_pci(void)
{
    rt_printf("== pci\n");
    for (uint32_t o = 0; o < 0x24; o += 4)
        w32("pci.reg", PCI_REGS + o);
    for (uint32_t o = 0; o < 0x20; o += 4)
        REG32(PCI_REGS + o) = 0x11110000u * (o + 1) + o;
    for (uint32_t o = 0; o < 0x20; o += 4)
        w32("pci.reg", PCI_REGS + o);
    REG8(PCI_REGS + 0x10) = 0x5a;
    rt_printf("pci.reg b=%02x h=%04x flags=%08x\n", REG8(PCI_REGS + 0x0c),
              REG16(PCI_REGS + 0x10), REG32(PCI_REGS + 0x10));

    for (uint32_t o = 0; o < 0x48; o += 4)
        w32("pci.host", PCI_CFG + PCI_HOST + o);
    rt_printf("pci.host h=%04x %04x b=%02x %02x tail=%08x\n", REG16(PCI_CFG + PCI_HOST + 2),
              REG16(PCI_CFG + PCI_HOST + 6), REG8(PCI_CFG + PCI_HOST + 0x0b),
              REG8(PCI_CFG + PCI_HOST + 0x0d), REG32(PCI_CFG + PCI_HOST + 0xfc));
    /* Linux's pci_scan: vendor ID of every slot. QEMU's default (empty)
     * SCSI CD-ROM puts an LSI 53C895A controller in slot 12, which emu-arm
     * does not model: "-append slot12=1" includes it (tests expect that
     * run to differ). */
    uint32_t with_slot12 = rt_arg_u32("slot12", 0);
    for (uint32_t slot = 0; slot < 32; slot++) {
        if (slot == 12 && !with_slot12)
            continue;
        uint32_t v = REG32(PCI_CFG + (slot << 11));
        if (v != 0xffffffffu)
            rt_printf("pci.slot%u=%08x\n", slot, v);
    }
    w32("pci.fn1", PCI_CFG + PCI_HOST + 0x100);
    w32("pci.bus1", PCI_CFG + 0x10000 + PCI_HOST);
    rt_printf("pci.absent h=%04x b=%02x\n", REG16(PCI_CFG + 0x800), REG8(PCI_CFG + 0x803));
    w32("pci.self", PCI_SELF + PCI_HOST);
    w32("pci.self", PCI_SELF + PCI_HOST + 8);

    REG32(PCI_CFG + PCI_HOST + 0x04) = 0xffffffffu;  /* command; W1C status */
    w32("pci.cmd", PCI_CFG + PCI_HOST + 0x04);
    REG32(PCI_CFG + PCI_HOST + 0x0c) = 0xffffffffu;
    w32("pci.cls", PCI_CFG + PCI_HOST + 0x0c);
    REG32(PCI_CFG + PCI_HOST + 0x10) = 0xffffffffu;  /* no BARs */
    w32("pci.bar0", PCI_CFG + PCI_HOST + 0x10);
    REG8(PCI_CFG + PCI_HOST + 0x3c) = 27 + 64;       /* interrupt line */
    REG32(PCI_CFG + PCI_HOST + 0x00) = 0;            /* read-only IDs */
    REG32(PCI_SELF + PCI_HOST + 0x40) = 0xcafef00d;
    REG16(PCI_CFG + PCI_HOST + 0x82) = 0x1234;
    w32("pci.intl", PCI_CFG + PCI_HOST + 0x3c);
    w32("pci.id", PCI_CFG + PCI_HOST + 0x00);
    w32("pci.dev", PCI_CFG + PCI_HOST + 0x40);
    w32("pci.dev", PCI_SELF + PCI_HOST + 0x80);
    REG32(PCI_CFG + 0x800 + 0x04) = 7;               /* absent: ignored */
    REG16(PCI_CFG + PCI_HOST + 0x04) = 0;

    static const uint32_t win[] = {
        0x43000000, 0x43fffffc, 0x44000000, 0x4ffffffc, 0x50000000, 0x5ffffffc,
        0x60000000, 0x6ffffffc,
    };
    for (uint32_t i = 0; i < sizeof win / sizeof win[0]; i++) {
        REG32(win[i]) = 0xdeadbeef;
        w32("pci.win", win[i]);
    }
    rt_printf("pci.win b=%02x h=%04x\n", REG8(0x44000001), REG16(0x50000002));
}

int main(void)
{
    rt_printf("hw-probe-b\n");
    probe_clcd();
    probe_flash();
    probe_flash_linux();
    probe_smc();
    probe_smc_linux();
    probe_pci();
    rt_printf("hw-probe-b: done\n");
    return 0;
}
