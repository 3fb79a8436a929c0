/* The versatilepb board's modelled devices, wired as QEMU 7.2 does. */
#include "hw/versatilepb.h"
#include "hostclock.h"
#include "hw/devutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint32_t uart_base[VPB_NUM_SERIAL] = {
    0x101f1000, 0x101f2000, 0x101f3000, 0x10009000
};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * HW_NS_PER_SEC + ts.tv_nsec;
}

static bool is_stdio(const char *spec)
{
    return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"));
}

static int open_serials(VersatilePB *vpb, const VersatilePBConfig *cfg)
{
    bool stdio_used = false;
    for (int i = 0; i < VPB_NUM_SERIAL; i++) {
        if (cfg->serial_chr[i]) {
            vpb->serial[i] = cfg->serial_chr[i];
            continue;
        }
        const char *spec = cfg->serial[i];
        if (is_stdio(spec)) {
            if (stdio_used) {
                fprintf(stderr, "emu-arm: cannot use stdio by multiple "
                        "character devices\n");
                return -1;
            }
            stdio_used = true;
        }
        const char *err = NULL;
        vpb->serial[i] = chardev_open(spec, &err);
        if (err) {
            fprintf(stderr, "emu-arm: -serial %s: %s\n", spec, err);
            return -1;
        }
        vpb->owns_serial[i] = vpb->serial[i] != NULL;
    }
    return 0;
}

static int init_rtc(VersatilePB *vpb, const VersatilePBConfig *cfg)
{
    int64_t base = cfg->rtc_base;
    TimerList *clock;
    int64_t offset = 0, start;

    if (cfg->rtc_clock != VPB_RTC_CLOCK_VM && !cfg->rtimers) {
        fprintf(stderr, "emu-arm: versatilepb: a host RTC clock needs rtimers\n");
        return -1;
    }
    switch (cfg->rtc_clock) {
    case VPB_RTC_CLOCK_HOST:
        /* QEMU_CLOCK_HOST, as the realtime list shifted to wall time: reads
         * base plus elapsed host time (= host time when base is now). */
        clock = cfg->rtimers;
        offset = wall_ns() - timerlist_now(clock);
        start = base;
        break;
    case VPB_RTC_CLOCK_RT:
        clock = cfg->rtimers;
        start = base + timerlist_now(clock) / HW_NS_PER_SEC;
        break;
    case VPB_RTC_CLOCK_VM:
    default:
        clock = cfg->vtimers;
        start = base + timerlist_now(clock) / HW_NS_PER_SEC;
        break;
    }
    return pl031_init(&vpb->rtc, cfg->bus, 0x101e8000, clock, offset,
                      vpb->pic[10], start);
}

/* MMCI0 on SIC 22/1 and MMCI1 on SIC 23/2, as hw/arm/versatilepb.c wires them. */
static int init_mmci(VersatilePB *vpb, const VersatilePBConfig *cfg)
{
    static const uint32_t base[2] = { 0x10005000, 0x1000b000 };
    static const int line[2][2] = { { 22, 1 }, { 23, 2 } };
    for (int i = 0; i < 2; i++) {
        const char *path = cfg->sd_image[i];
        if (path) {
            char msg[BLOCKDEV_MSG_LEN];
            int rc = blockdev_open(&vpb->disk[i], path, cfg->sd_snapshot, msg, sizeof msg);
            if (rc == BLOCKDEV_ERROR) {
                fprintf(stderr, "emu-arm: -sd %s: %s\n", path, msg);
                return -1;
            }
            if (cfg->sd_snapshot) {
                int e = blockdev_snapshot(vpb->disk[i]);
                if (e < 0) {
                    fprintf(stderr, "emu-arm: -sd %s: snapshot overlay: %s\n", path, strerror(-e));
                    return -1;
                }
            }
            if (rc == BLOCKDEV_READ_ONLY)
                fprintf(stderr, "emu-arm: warning: -sd %s: %s\n", path, msg);
            vpb->card[i] = sdcard_create(vpb->disk[i], cfg->vtimers, msg, sizeof msg);
            if (!vpb->card[i]) {
                fprintf(stderr, "emu-arm: -sd %s: %s\n", path, msg);
                return -1;
            }
        }
        vpb->mmci[i] = pl181_create(cfg->bus, base[i], cfg->vtimers, vpb->sic_in[line[i][0]],
                                    vpb->sic_in[line[i][1]], vpb->card[i]);
        if (!vpb->mmci[i])
            return -1;
        pl181_set_latency(vpb->mmci[i], &cfg->sd_latency);
    }
    return 0;
}

/* The devices QEMU creates besides the core ones: KMIs, PL080, GPIOs, the
 * I2C bus with its DS1338, and the AACI. Their creation order only matters
 * for the DS1338, which reads the time from the PL031's clock and base. */
static int init_peripherals(VersatilePB *vpb, const VersatilePBConfig *cfg)
{
    Bus *bus = cfg->bus;
    if (pl050_init(&vpb->kmi[0], bus, 0x10006000, vpb->sic_in[3], false) < 0
        || pl050_init(&vpb->kmi[1], bus, 0x10007000, vpb->sic_in[4], true) < 0
        || pl080_init(&vpb->dma, bus, 0x10130000, vpb->pic[17]) < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (pl061_init(&vpb->gpio[i], bus, 0x101e4000 + 0x1000u * (uint32_t)i,
                       vpb->pic[6 + i]) < 0)
            return -1;

    if (versatile_i2c_init(&vpb->i2c, bus, 0x10002000) < 0)
        return -1;
    Ds1338Clock clock = {
        .rtc = vpb->rtc.clock,
        .rtc_offset_ns = vpb->rtc.clock_offset_ns,
        .start_seconds = pl031_get_count(&vpb->rtc),
    };
    ds1338_init(&vpb->i2c_rtc, &clock);
    if (i2c_attach(&vpb->i2c.bus, &vpb->i2c_rtc.i2c) < 0)
        return -1;

    return pl041_init(&vpb->aaci, bus, 0x10004000, vpb->sic_in[24], 512);
}

/* CLCD, Ethernet, PCI bridge and flash, at QEMU's addresses and lines. */
static int init_clcd_eth_pci_flash(VersatilePB *vpb, const VersatilePBConfig *cfg)
{
    Bus *bus = cfg->bus;
    if (pl110_init(&vpb->clcd, bus, 0x10120000, PL110_VERSATILE, cfg->vtimers,
                   vpb->pic[16]) < 0)
        return -1;
    /* QEMU gives -nographic runs one default NIC, which versatilepb makes
     * this chip; without a backend its frames are dropped. */
    if (smc91c111_init(&vpb->eth, bus, 0x10010000, vpb->sic_in[25],
                       smc91c111_default_mac, NULL, NULL) < 0)
        return -1;
    if (versatile_pci_init(&vpb->pci, bus, &versatile_pci_vpb_map, &vpb->sic_in[27]) < 0)
        return -1;
    const PFlashCfi01Config flash = {
        .size = 64u << 20, .sector_len = 256u << 10, .bank_width = 4,
        .id = { 0x0089, 0x0018, 0x0000, 0x0000 },
    };
    return pflash_cfi01_init(&vpb->flash, bus, 0x34000000, &flash);
}

VersatilePB *versatilepb_create(const VersatilePBConfig *cfg)
{
    if (!cfg || !cfg->bus || !cfg->vtimers) {
        fprintf(stderr, "emu-arm: versatilepb: bus and vtimers are required\n");
        return NULL;
    }
    VersatilePB *vpb = calloc(1, sizeof(*vpb));
    if (!vpb) {
        fprintf(stderr, "emu-arm: versatilepb: out of memory\n");
        return NULL;
    }
    Bus *bus = cfg->bus;
    TimerList *vt = cfg->vtimers;

    if (open_serials(vpb, cfg) < 0)
        goto fail;

    ArmSysctlConfig sc = {
        .sys_id = ARM_SYSCTL_VERSATILE_SYS_ID,
        .proc_id = ARM_SYSCTL_VERSATILE_PROC_ID,
        .reset_request = cfg->reset_request,
        .shutdown_request = cfg->shutdown_request,
        .request_opaque = cfg->request_opaque,
        .pl110_mux = irq_line(pl110_set_mux, &vpb->clcd, 0),
    };
    if (arm_sysctl_init(&vpb->sysctl, bus, 0x10000000, vt, &sc) < 0)
        goto fail;

    if (pl190_init(&vpb->vic, bus, 0x10140000, cfg->cpu_irq, cfg->cpu_fiq) < 0)
        goto fail;
    for (int n = 0; n < 32; n++)
        vpb->pic[n] = pl190_input(&vpb->vic, n);

    /* Every SIC output n goes to VIC input n. */
    if (vpb_sic_init(&vpb->sic, bus, 0x10003000, vpb->pic) < 0)
        goto fail;
    for (int n = 0; n < 32; n++)
        vpb->sic_in[n] = vpb_sic_input(&vpb->sic, n);

    /* Same creation order as QEMU: UARTs, then timers, then the RTC. */
    for (int i = 0; i < 3; i++) {
        if (pl011_init(&vpb->uart[i], bus, uart_base[i], vpb->pic[12 + i],
                       vpb->serial[i]) < 0)
            goto fail;
    }
    if (pl011_init(&vpb->uart[3], bus, uart_base[3], vpb->sic_in[6],
                   vpb->serial[3]) < 0)
        goto fail;

    if (sp804_init(&vpb->timer[0], bus, 0x101e2000, vt, vpb->pic[4],
                   SP804_DEFAULT_FREQ, SP804_DEFAULT_FREQ) < 0)
        goto fail;
    if (sp804_init(&vpb->timer[1], bus, 0x101e3000, vt, vpb->pic[5],
                   SP804_DEFAULT_FREQ, SP804_DEFAULT_FREQ) < 0)
        goto fail;

    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            vpb->timer[i].timer[j].timer.rate_limit = cfg->no_icount;

    if (init_rtc(vpb, cfg) < 0)
        goto fail;
    if (init_mmci(vpb, cfg) < 0)
        goto fail;
    if (init_peripherals(vpb, cfg) < 0 || init_clcd_eth_pci_flash(vpb, cfg) < 0)
        goto fail;

    versatilepb_reset(vpb);
    return vpb;

fail:
    versatilepb_destroy(vpb);
    return NULL;
}

void versatilepb_reset(VersatilePB *vpb)
{
    arm_sysctl_reset(&vpb->sysctl);
    pl190_reset(&vpb->vic);
    for (int i = 0; i < 2; i++)
        pl050_reset(&vpb->kmi[i]);
    pl080_reset(&vpb->dma);
    for (int i = 0; i < 2; i++) {
        if (vpb->mmci[i])
            pl181_reset(vpb->mmci[i]);
        if (vpb->card[i])
            sdcard_reset(vpb->card[i]);     /* on the controller's SD bus */
    }
    for (int i = 0; i < 4; i++)
        pl061_reset(&vpb->gpio[i]);
    ds1338_reset(&vpb->i2c_rtc);
    pl041_reset(&vpb->aaci);
    smc91c111_reset(&vpb->eth);
    versatile_pci_reset(&vpb->pci);
    pflash_cfi01_reset(&vpb->flash);
}

void versatilepb_destroy(VersatilePB *vpb)
{
    if (!vpb)
        return;
    /* Timers never armed are not on any list: these are no-ops then. */
    sp804_destroy(&vpb->timer[0]);
    sp804_destroy(&vpb->timer[1]);
    pl031_destroy(&vpb->rtc);
    pl110_destroy(&vpb->clcd);
    pflash_cfi01_destroy(&vpb->flash);
    for (int i = 0; i < 2; i++) {
        if (vpb->mmci[i])
            pl181_destroy(vpb->mmci[i]);
        if (vpb->card[i])
            sdcard_destroy(vpb->card[i]);
        if (vpb->disk[i])
            blockdev_close(vpb->disk[i]);   /* fdatasync: acknowledged writes are durable */
    }
    for (int i = 0; i < VPB_NUM_SERIAL; i++) {
        if (vpb->owns_serial[i])
            chardev_close(vpb->serial[i]);
        else
            chardev_flush(vpb->serial[i]);
    }
    free(vpb);
}

bool versatilepb_poll_input(VersatilePB *vpb, bool force)
{
    bool got = false;
    for (int i = 0; i < VPB_NUM_SERIAL; i++)
        got |= pl011_poll_input(&vpb->uart[i], force);
    return got;
}

int versatilepb_input_fds(const VersatilePB *vpb, int fds[VPB_NUM_SERIAL])
{
    int n = 0;
    for (int i = 0; i < VPB_NUM_SERIAL; i++) {
        int fd = chardev_input_fd(vpb->serial[i]);
        if (fd >= 0)
            fds[n++] = fd;
    }
    return n;
}

void versatilepb_flush(VersatilePB *vpb)
{
    for (int i = 0; i < VPB_NUM_SERIAL; i++)
        chardev_flush(vpb->serial[i]);
}

void versatilepb_restore_tty(VersatilePB *vpb)
{
    for (int i = 0; i < VPB_NUM_SERIAL; i++)
        chardev_restore_tty(vpb->serial[i]);
}

IrqLine versatilepb_vic_irq(VersatilePB *vpb, int n)
{
    return vpb->pic[n];
}

IrqLine versatilepb_sic_irq(VersatilePB *vpb, int n)
{
    return vpb->sic_in[n];
}
