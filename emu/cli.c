#include "config.h"
#include "hw/versatilepb.h"
#include "log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


void cli_usage(FILE *f)
{
    fputs(
"usage: emu-arm -kernel IMAGE [options]\n"
"A versatilepb (ARM926EJ-S) system emulator with QEMU-compatible options.\n"
"\n"
"  -M versatilepb        machine (the only one; also -machine)\n"
"  -m SIZE               guest RAM, e.g. 128M, 256M, 1G (default 128M; plain\n"
"                        numbers are MiB)\n"
"  -kernel IMAGE         ELF (loaded by program headers) or raw image such as a\n"
"                        Linux zImage (at 0x10000 behind QEMU's Linux boot stub)\n"
"  -initrd FILE          initial ramdisk, placed halfway into RAM as QEMU does\n"
"  -dtb FILE             device tree blob, edited as QEMU edits it (memory node,\n"
"                        /chosen bootargs and initrd range) and placed after the\n"
"                        initrd; without it the kernel gets ATAGs at 0x100\n"
"  -append ARGS          kernel command line; also the semihosting command line\n"
"  -semihosting          enable ARM semihosting (also -semihosting-config enable=on)\n"
"  -nographic            accepted; there is no display, serial 0 is stdio\n"
"  -serial stdio|null|file:PATH   next serial port's backend (up to 4)\n"
"  -icount shift=N|auto[,align=on|off][,sleep=on|off]\n"
"                        count instructions: 2^N ns of virtual time each\n"
"  -icount-io recompile|index\n"
"                        how a device access gets an exact count: QEMU's\n"
"                        single-instruction retranslation (default), or the op's\n"
"                        index in its TB (cheaper; identical results)\n"
"  -d exec,cpu,in_asm,int,nochain\n"
"                        log TBs executed, CPU state, guest code, exceptions\n"
"  -D FILE               write the log to FILE instead of stderr\n"
"  -sd IMAGE             attach a raw SD card image (size a power of 2) to the next\n"
"                        PL181 slot (MMCI0, then MMCI1); also -drive if=sd,file=IMAGE,format=raw\n"
"  -snapshot             guest writes to SD images are kept in memory and dropped\n"
"                        at exit; the image files are only read\n"
"  -sd-latency CMD_NS,BLOCK_NS\n"
"                        SD commands and 512-byte blocks take this much virtual\n"
"                        time (default 0,0: instant, as in QEMU)\n"
"  -rtc base=utc|localtime|DATE[,clock=vm|host|rt]\n"
"                        RTC start (DATE: 2026-01-01T00:00:00 or 2026-01-01, UTC)\n"
"                        and the clock it follows; clock=vm makes a run\n"
"                        deterministic (default base=utc, clock=vm; QEMU's\n"
"                        default clock is host)\n"
"  -rtc-base SECONDS     the same as -rtc base=@SECONDS,clock=vm\n"
"  -unmapped-abort       unmapped physical addresses raise external aborts, as\n"
"                        on hardware (default: they read 0 and ignore writes, as\n"
"                        on QEMU's versatilepb)\n"
"  -unmapped-reads-zero  the default, kept for old command lines\n"
"  -no-reboot            a guest reset ends the run with status 0, as in QEMU;\n"
"                        without it the guest restarts from its images\n"
"  -roi-begin PREFIX, -roi-end PREFIX\n"
"                        region of interest: the policy, the drift monitor and\n"
"                        the record start at the first serial-0 line that starts\n"
"                        with the begin prefix and stop at the first later line\n"
"                        that starts with the end prefix; before and after, the\n"
"                        guest runs unaligned (the Linux guest's /init prints\n"
"                        'driftlab: begin ...' and 'driftlab: done')\n"
"  -stats                print execution statistics to stderr at exit\n"
"  -quiet                no progress or informational output\n"
"  -monitor stdio|unix:PATH,server,nowait|none\n"
"                        QEMU's human monitor on stdin/stdout (serial 0 must then\n"
"                        go elsewhere) or on a listening Unix socket (without\n"
"                        nowait the run waits for a client). Commands: info jit\n"
"                        (QEMU's Host - Guest clock, Max guest delay/advance\n"
"                        lines), info registers, info status, stop, cont, quit,\n"
"                        help; see docs/monitor.md\n"
"  -S                    do not start the guest until the monitor's 'cont'\n"
"  -display none         accepted for QEMU compatibility\n"
"  -version, -h/-help/--help\n",
    f);
    fputs(align_cli_usage, f);
    fputs(
"\n"
"Exit status: the guest's semihosting exit code; 1 on a usage or image error.\n",
    f);
}

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "emu-arm: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int parse_size(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned long long mul = 1ULL << 20;
    if (*end) {
        switch (end[0]) {
        case 'k': case 'K': mul = 1ULL << 10; break;
        case 'M': case 'm': mul = 1ULL << 20; break;
        case 'G': case 'g': mul = 1ULL << 30; break;
        default: return -1;
        }
        if (end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))
            return -1;
    }
    unsigned long long bytes = v * mul;
    /* The board maps devices from 0x10000000; RAM must stay below them. */
    if (v == 0 || bytes > 0x10000000ULL || bytes / mul != v)
        return -1;
    *out = (uint32_t)bytes;
    return 0;
}

static int parse_onoff(const char *key, const char *v, bool *out)
{
    if (!strcmp(v, "on")) *out = true;
    else if (!strcmp(v, "off")) *out = false;
    else return err("-icount: %s must be on or off, not '%s'", key, v);
    return 0;
}

static int parse_icount(char *spec, MachineConfig *cfg)
{
    bool have_shift = false, have_sleep = false;
    cfg->icount = true;
    cfg->sleep = true;
    for (char *save = NULL, *tok = strtok_r(spec, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        const char *key = tok, *val = NULL;
        if (eq) {
            *eq = 0;
            val = eq + 1;
        } else if (!have_shift) {
            key = "shift";        /* "-icount 6" is QEMU's short form */
            val = tok;
        }
        if (!val)
            return err("-icount: unknown option '%s'", tok);
        if (!strcmp(key, "shift")) {
            have_shift = true;
            if (!strcmp(val, "auto")) {
                cfg->shift_auto = true;
                continue;
            }
            char *end;
            long s = strtol(val, &end, 10);
            if (*val == 0 || *end || s < 0 || s > ICOUNT_MAX_SHIFT)
                return err("-icount: shift must be 0..%d or auto, not '%s'", ICOUNT_MAX_SHIFT, val);
            cfg->shift = (int)s;
        } else if (!strcmp(key, "align")) {
            if (parse_onoff("align", val, &cfg->align) < 0)
                return -1;
        } else if (!strcmp(key, "sleep")) {
            have_sleep = true;
            if (parse_onoff("sleep", val, &cfg->sleep) < 0)
                return -1;
        } else {
            return err("-icount: unknown option '%s' (expected shift, align, sleep)", key);
        }
    }
    if (!have_shift)
        return err("-icount: shift=N|auto is required");
    if (cfg->align && have_sleep && !cfg->sleep)
        return err("-icount: align=on and sleep=off are incompatible");
    if (cfg->align && cfg->shift_auto)
        return err("-icount: shift=auto and align=on are incompatible");
    return 0;
}

static int parse_log(const char *spec, MachineConfig *cfg)
{
    static const struct { const char *name; unsigned bit; } items[] = {
        { "exec", LOG_EXEC }, { "cpu", LOG_CPU }, { "in_asm", LOG_IN_ASM }, { "int", LOG_INT },
        { "nochain", LOG_NOCHAIN },
    };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned i;
        for (i = 0; i < sizeof items / sizeof items[0]; i++)
            if (!strcmp(tok, items[i].name))
                break;
        if (i == sizeof items / sizeof items[0])
            return err("-d: unknown log item '%s' (expected exec, cpu, in_asm, int, nochain)", tok);
        cfg->log_mask |= items[i].bit;
    }
    return 0;
}

static int parse_serial(const char *v, MachineConfig *cfg)
{
    if (cfg->n_serial == MAX_SERIAL)
        return err("-serial: at most %d serial ports", MAX_SERIAL);
    if (strcmp(v, "stdio") && strcmp(v, "null") && strncmp(v, "file:", 5))
        return err("-serial: unsupported backend '%s' (expected stdio, null, file:PATH)", v);
    if (!strncmp(v, "file:", 5) && !v[5])
        return err("-serial: file: needs a path");
    cfg->serial[cfg->n_serial++] = v;
    return 0;
}

static int add_sd(const char *path, MachineConfig *cfg)
{
    if (cfg->n_sd == 2)
        return err("-sd: versatilepb has two SD slots; '%s' is a third card", path);
    cfg->sd_image[cfg->n_sd++] = path;
    return 0;
}

/* -drive if=sd,file=PATH[,format=raw]: the only drive this board takes. */
static int parse_drive(const char *spec, MachineConfig *cfg)
{
    char buf[1024];
    const char *file = NULL;
    int is_sd = 0;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "if=sd"))
            is_sd = 1;
        else if (!strncmp(tok, "file=", 5) && tok[5])
            file = spec + (tok + 5 - buf);
        else if (strcmp(tok, "format=raw"))
            return err("-drive: unsupported setting '%s' (expected if=sd,file=PATH,format=raw)", tok);
    }
    if (!is_sd || !file)
        return err("-drive: expected if=sd,file=PATH[,format=raw]");
    /* The path runs to the next comma; the config owns the copy for the
     * life of the process. */
    char *path = strndup(file, strcspn(file, ","));
    return path ? add_sd(path, cfg) : -1;
}

/* QEMU's -rtc base=utc|localtime|DATE,clock=host|rt|vm (driftlab also
 * takes base=@SECONDS). DATE is UTC, as QEMU reads it. */
static int parse_rtc(const char *spec, MachineConfig *cfg)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!strncmp(tok, "base=", 5)) {
            const char *b = tok + 5;
            if (!strcmp(b, "utc")) {
                cfg->rtc_base = -1;
            } else if (!strcmp(b, "localtime")) {
                time_t now = time(NULL);
                struct tm lt;
                localtime_r(&now, &lt);
                cfg->rtc_base = (int64_t)now + lt.tm_gmtoff;
            } else if (b[0] == '@') {
                char *end;
                long long sec = strtoll(b + 1, &end, 10);
                if (!b[1] || *end || sec < 0)
                    return err("-rtc: invalid base '%s' (expected utc, localtime, "
                               "YYYY-MM-DD[THH:MM:SS] or @SECONDS)", b);
                cfg->rtc_base = sec;
            } else {
                struct tm tm = {0};
                const char *end = strptime(b, "%Y-%m-%dT%H:%M:%S", &tm);
                if (!end || *end) {
                    memset(&tm, 0, sizeof tm);
                    end = strptime(b, "%Y-%m-%d", &tm);
                }
                if (!end || *end || tm.tm_year < 70)
                    return err("-rtc: invalid base '%s' (expected utc, localtime, "
                               "YYYY-MM-DD[THH:MM:SS] or @SECONDS)", b);
                cfg->rtc_base = (int64_t)timegm(&tm);
            }
        } else if (!strncmp(tok, "clock=", 6)) {
            const char *c = tok + 6;
            if (!strcmp(c, "vm")) cfg->rtc_clock = VPB_RTC_CLOCK_VM;
            else if (!strcmp(c, "host")) cfg->rtc_clock = VPB_RTC_CLOCK_HOST;
            else if (!strcmp(c, "rt")) cfg->rtc_clock = VPB_RTC_CLOCK_RT;
            else return err("-rtc: clock must be vm, host or rt, not '%s'", c);
        } else if (!strncmp(tok, "driftfix=", 9)) {
            /* QEMU's x86-only RTC option: accepted, nothing to fix here. */
        } else {
            return err("-rtc: unknown setting '%s' (expected base=...,clock=...)", tok);
        }
    }
    return 0;
}

int cli_parse(int argc, char **argv, MachineConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->ram_size = 128u << 20;
    cfg->sleep = true;
    cfg->rtc_base = -1;
    align_config_init(&cfg->session, argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] == '-' && o[1] == '-' && o[2])   /* QEMU accepts --opt too */
            o++;
        if (!strcmp(o, "-h") || !strcmp(o, "-help")) {
            cli_usage(stdout);
            return 1;
        }
        if (!strcmp(o, "-version")) {
            printf("emu-arm version " EMU_VERSION " (driftlab; QEMU 7.2 compatible options)\n");
            return 1;
        }
        if (!strcmp(o, "-semihosting")) { cfg->semihosting = true; continue; }
        if (!strcmp(o, "-nographic")) continue;
        if (!strcmp(o, "-no-reboot")) { cfg->no_reboot = true; continue; }
        if (!strcmp(o, "-S")) { cfg->start_stopped = true; continue; }
        if (!strcmp(o, "-stats")) { cfg->stats = true; continue; }
        if (!strcmp(o, "-quiet")) { cfg->quiet = true; continue; }
        bool align_value;
        if (align_cli_is_option(o, &align_value)) {
            if (align_value && i + 1 >= argc)
                return err("option '%s' needs a value", argv[i]);
            int r = align_cli_option(&cfg->session, o, align_value ? argv[++i] : NULL);
            if (r)
                return r;      /* 1: printed -align-policy help; -1: error printed */
            continue;
        }
        if (!strcmp(o, "-snapshot")) { cfg->snapshot = true; continue; }
        if (!strcmp(o, "-unmapped-reads-zero")) { cfg->unmapped_abort = false; continue; }
        if (!strcmp(o, "-unmapped-abort")) { cfg->unmapped_abort = true; continue; }
        static const char *const with_value[] = {
            "-M", "-machine", "-m", "-kernel", "-append", "-serial", "-icount", "-d", "-D",
            "-semihosting-config", "-display", "-monitor", "-icount-io", "-rtc-base", "-rtc", "-cpu",
            "-initrd", "-dtb", "-roi-begin", "-roi-end",
            "-sd", "-drive", "-sd-latency",
        };
        unsigned k;
        for (k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (!strcmp(o, with_value[k]))
                break;
        if (k == sizeof with_value / sizeof with_value[0])
            return err("unknown option '%s' (see -help)", argv[i]);
        if (i + 1 >= argc)
            return err("option '%s' needs a value", argv[i]);
        char *v = argv[++i];
        if (!strcmp(o, "-M") || !strcmp(o, "-machine")) {
            if (strcmp(v, "versatilepb") && strncmp(v, "versatilepb,", 12))
                return err("unsupported machine '%s' (only versatilepb)", v);
        } else if (!strcmp(o, "-cpu")) {
            if (strcmp(v, "arm926"))
                return err("unsupported cpu '%s' (only arm926)", v);
        } else if (!strcmp(o, "-m")) {
            if (parse_size(v, &cfg->ram_size) < 0)
                return err("-m: invalid RAM size '%s' (1M..256M, e.g. 128M)", v);
        } else if (!strcmp(o, "-kernel")) {
            cfg->kernel = v;
        } else if (!strcmp(o, "-roi-begin") || !strcmp(o, "-roi-end")) {
            if (!*v)
                return err("%s: the line prefix must not be empty", o);
            *(!strcmp(o, "-roi-begin") ? &cfg->roi_begin : &cfg->roi_end) = v;
        } else if (!strcmp(o, "-initrd")) {
            cfg->initrd = v;
        } else if (!strcmp(o, "-dtb")) {
            cfg->dtb = v;
        } else if (!strcmp(o, "-rtc")) {
            if (parse_rtc(v, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-append")) {
            cfg->append = v;
        } else if (!strcmp(o, "-serial")) {
            if (parse_serial(v, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-icount")) {
            /* Tokenise a copy: argv is recorded verbatim in run records. */
            char spec[256];
            snprintf(spec, sizeof spec, "%s", v);
            if (parse_icount(spec, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-d")) {
            if (parse_log(v, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-D")) {
            cfg->log_file = v;
        } else if (!strcmp(o, "-semihosting-config")) {
            if (strncmp(v, "enable=on", 9) && strncmp(v, "enable=off", 10))
                return err("-semihosting-config: only enable=on|off is supported, not '%s'", v);
            cfg->semihosting = !strncmp(v, "enable=on", 9);
        } else if (!strcmp(o, "-monitor")) {
            char e[256];
            if (monitor_parse_spec(v, &cfg->monitor, e, sizeof e) < 0)
                return err("%s", e);
        } else if (!strcmp(o, "-display")) {
            if (strcmp(v, "none"))
                return err("%s: only 'none' is supported, not '%s'", o, v);
        } else if (!strcmp(o, "-icount-io")) {
            if (!strcmp(v, "recompile")) cfg->io_mode = 0;
            else if (!strcmp(v, "index")) cfg->io_mode = 1;
            else return err("-icount-io: expected recompile or index, not '%s'", v);
        } else if (!strcmp(o, "-sd")) {
            if (add_sd(v, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-sd-latency")) {
            char *end;
            long long c = strtoll(v, &end, 10), b = -1;
            if (*end == ',')
                b = strtoll(end + 1, &end, 10);
            if (!*v || *end || c < 0 || b < 0)
                return err("-sd-latency: expected CMD_NS,BLOCK_NS (non-negative integers), not '%s'", v);
            cfg->sd_cmd_ns = c;
            cfg->sd_block_ns = b;
        } else if (!strcmp(o, "-drive")) {
            if (parse_drive(v, cfg) < 0)
                return -1;
        } else if (!strcmp(o, "-rtc-base")) {
            char *end;
            long long b = strtoll(v, &end, 10);
            if (!*v || *end || b < 0)
                return err("-rtc-base: expected seconds since the epoch, not '%s'", v);
            cfg->rtc_base = b;
            cfg->rtc_clock = VPB_RTC_CLOCK_VM;
        }
    }
    if (!cfg->kernel)
        return err("no -kernel image given (see -help)");
    if (!cfg->roi_begin != !cfg->roi_end)
        return err("-roi-begin and -roi-end go together");
    if (cfg->n_serial == 0)
        cfg->serial[cfg->n_serial++] = "stdio";
    if (cfg->start_stopped && cfg->monitor.kind == MONITOR_NONE)
        return err("-S: the guest would wait forever; give -monitor to continue it with 'cont'");
    if (cfg->monitor.kind == MONITOR_STDIO)
        for (int s = 0; s < cfg->n_serial; s++)
            if (!strcmp(cfg->serial[s], "stdio"))
                return err("-monitor stdio: serial %d uses stdio too; give it -serial null or "
                           "-serial file:PATH (QEMU: cannot use stdio by multiple character devices)", s);
    if (align_config_check(&cfg->session) < 0)
        return -1;
    return 0;
}
