#include "semihost.h"
#include "arm/cpu.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITEC = 0x03, SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_READC = 0x07, SYS_ISERROR = 0x08,
    SYS_ISTTY = 0x09, SYS_SEEK = 0x0a, SYS_FLEN = 0x0c, SYS_CLOCK = 0x10,
    SYS_TIME = 0x11, SYS_ERRNO = 0x13, SYS_GET_CMDLINE = 0x15,
    SYS_HEAPINFO = 0x16, SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20,
    SYS_ELAPSED = 0x30, SYS_TICKFREQ = 0x31,
};
#define ADP_Stopped_ApplicationExit 0x20026u

/* Handles a guest may open: the console, and the feature file that tells
 * newlib SYS_EXIT_EXTENDED is available. */
enum { FD_CONSOLE_IN = 1, FD_CONSOLE_OUT = 2, FD_FEATURES = 3 };
static const uint8_t features[] = { 'S', 'H', 'F', 'B', 0x01 };

static uint32_t arg(struct ArmCPU *cpu, uint32_t block, int i, bool *ok)
{
    uint32_t v = 0;
    if (arm_cpu_rw_debug(cpu, block + 4 * i, &v, 4, false) < 0)
        *ok = false;
    return v;
}

static int read_guest_string(struct ArmCPU *cpu, uint32_t addr, char *buf, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (arm_cpu_rw_debug(cpu, addr + (uint32_t)i, &buf[i], 1, false) < 0)
            return -1;
        if (!buf[i])
            return (int)i;
    }
    buf[max - 1] = 0;
    return (int)max - 1;
}

static void do_exit(Semihost *sh, int code)
{
    sh->exited = true;
    sh->exit_code = code;
    if (sh->on_exit)
        sh->on_exit(sh->on_exit_opaque);
}

static uint32_t write_console(Semihost *sh, struct ArmCPU *cpu, uint32_t addr, uint32_t len)
{
    char buf[256];
    uint32_t done = 0;
    while (done < len) {
        uint32_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (arm_cpu_rw_debug(cpu, addr + done, buf, n, false) < 0)
            break;
        fwrite(buf, 1, n, sh->console);
        done += n;
    }
    fflush(sh->console);
    return len - done;   /* bytes NOT written, as the ABI says */
}

void semihost_call(void *opaque, struct ArmCPU *cpu)
{
    Semihost *sh = opaque;
    uint32_t op = arm_cpu_get_reg(cpu, 0);
    uint32_t a = arm_cpu_get_reg(cpu, 1);
    bool ok = true;
    uint32_t ret = 0;
    int64_t vns = icount_vclock_ns(sh->ic);

    switch (op) {
    case SYS_OPEN: {
        char name[256];
        uint32_t p = arg(cpu, a, 0, &ok), mode = arg(cpu, a, 1, &ok);
        if (!ok || read_guest_string(cpu, p, name, sizeof name) < 0) {
            ret = (uint32_t)-1;
            sh->last_errno = EFAULT;
        } else if (!strcmp(name, ":tt")) {
            ret = mode < 4 ? FD_CONSOLE_IN : FD_CONSOLE_OUT;
        } else if (!strcmp(name, ":semihosting-features") && mode < 4) {
            ret = FD_FEATURES;
        } else {
            /* Guests get no access to host files: runs stay hermetic. */
            ret = (uint32_t)-1;
            sh->last_errno = EACCES;
        }
        break;
    }
    case SYS_CLOSE:
        ret = 0;
        break;
    case SYS_WRITEC: {
        char c;
        if (arm_cpu_rw_debug(cpu, a, &c, 1, false) == 0) {
            fputc(c, sh->console);
            fflush(sh->console);
        }
        return;   /* r0 is preserved */
    }
    case SYS_WRITE0: {
        char c;
        for (uint32_t p = a; arm_cpu_rw_debug(cpu, p, &c, 1, false) == 0 && c; p++)
            fputc(c, sh->console);
        fflush(sh->console);
        return;
    }
    case SYS_WRITE: {
        uint32_t fd = arg(cpu, a, 0, &ok), p = arg(cpu, a, 1, &ok), n = arg(cpu, a, 2, &ok);
        ret = ok && fd == FD_CONSOLE_OUT ? write_console(sh, cpu, p, n) : n;
        break;
    }
    case SYS_READ: {
        uint32_t fd = arg(cpu, a, 0, &ok), p = arg(cpu, a, 1, &ok), n = arg(cpu, a, 2, &ok);
        ret = n;
        if (ok && fd == FD_FEATURES) {
            uint32_t k = n < sizeof features ? n : (uint32_t)sizeof features;
            if (arm_cpu_rw_debug(cpu, p, (void *)features, k, true) == 0)
                ret = n - k;
        } else if (ok && fd == FD_CONSOLE_IN && n) {
            char buf[256];
            ssize_t got = read(0, buf, n < sizeof buf ? n : sizeof buf);
            if (got > 0 && arm_cpu_rw_debug(cpu, p, buf, (uint32_t)got, true) == 0)
                ret = n - (uint32_t)got;
        }
        break;
    }
    case SYS_READC: {
        unsigned char c;
        ret = read(0, &c, 1) == 1 ? c : (uint32_t)-1;
        break;
    }
    case SYS_ISERROR:
        ret = (int32_t)arg(cpu, a, 0, &ok) < 0;
        break;
    case SYS_ISTTY:
        ret = arg(cpu, a, 0, &ok) == FD_CONSOLE_IN || arg(cpu, a, 0, &ok) == FD_CONSOLE_OUT;
        break;
    case SYS_SEEK:
        ret = 0;
        break;
    case SYS_FLEN:
        ret = arg(cpu, a, 0, &ok) == FD_FEATURES ? sizeof features : (uint32_t)-1;
        break;
    case SYS_CLOCK:
        ret = (uint32_t)(vns / 10000000);
        break;
    case SYS_TIME:
        ret = (uint32_t)(sh->time_base_s + vns / 1000000000);
        break;
    case SYS_ERRNO:
        ret = (uint32_t)sh->last_errno;
        break;
    case SYS_GET_CMDLINE: {
        uint32_t p = arg(cpu, a, 0, &ok), size = arg(cpu, a, 1, &ok);
        size_t n = strlen(sh->cmdline) + 1;
        if (!ok || n > size ||
            arm_cpu_rw_debug(cpu, p, (void *)sh->cmdline, (uint32_t)n, true) < 0) {
            ret = (uint32_t)-1;
            sh->last_errno = EIO;
            break;
        }
        uint32_t len = (uint32_t)n - 1;
        arm_cpu_rw_debug(cpu, a + 4, &len, 4, true);
        ret = 0;
        break;
    }
    case SYS_HEAPINFO: {
        /* Let the guest's own linker script decide: report "unknown". */
        uint32_t block = arg(cpu, a, 0, &ok);
        uint32_t zero[4] = { 0, 0, 0, 0 };
        if (ok)
            arm_cpu_rw_debug(cpu, block, zero, sizeof zero, true);
        ret = 0;
        break;
    }
    case SYS_EXIT:
        /* AArch32 passes the reason itself, with no room for a status. */
        do_exit(sh, a == ADP_Stopped_ApplicationExit ? 0 : 1);
        return;
    case SYS_EXIT_EXTENDED: {
        uint32_t reason = arg(cpu, a, 0, &ok), code = arg(cpu, a, 1, &ok);
        do_exit(sh, !ok ? 1 : reason == ADP_Stopped_ApplicationExit ? (int)(code & 0xff) : 1);
        return;
    }
    case SYS_ELAPSED: {
        uint64_t t = (uint64_t)vns;
        uint32_t w[2] = { (uint32_t)t, (uint32_t)(t >> 32) };
        ret = arm_cpu_rw_debug(cpu, a, w, sizeof w, true) == 0 ? 0 : (uint32_t)-1;
        break;
    }
    case SYS_TICKFREQ:
        ret = 1000000000u;
        break;
    default:
        fprintf(stderr, "emu-arm: unsupported semihosting call 0x%x\n", op);
        ret = (uint32_t)-1;
        sh->last_errno = ENOSYS;
        break;
    }
    if (!ok) {
        ret = (uint32_t)-1;
        sh->last_errno = EFAULT;
    }
    arm_cpu_set_reg(cpu, 0, ret);
}
