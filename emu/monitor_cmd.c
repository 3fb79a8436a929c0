/*
 * HMP command parsing and the commands themselves. The wording of help lines
 * and errors follows QEMU 7.2 (monitor/hmp.c, hmp-commands*.hx) so that
 * scripts written against QEMU's monitor read ours the same way; the code is
 * our own and only covers the commands emu-arm has.
 */
#include "monitor_cmd.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)
#define MAX_HELP_ARGS 16

/* ---- output buffer ----------------------------------------------------- */

static bool monbuf_reserve(MonBuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void monbuf_append(MonBuf *b, const char *s, size_t n)
{
    if (!monbuf_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void monbuf_printf(MonBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !monbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void monbuf_clear(MonBuf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->s)
        b->s[0] = 0;
}

void monbuf_free(MonBuf *b)
{
    free(b->s);
    *b = (MonBuf){0};
}

/* ---- the command table -------------------------------------------------- */

typedef struct Cmd Cmd;
/* args: the text after the command name, leading blanks skipped. Returns
 * false when the arguments do not parse (an error line was written); the
 * caller then adds QEMU's `Try "help ..."` hint. */
typedef bool CmdFn(const MonitorTarget *t, const Cmd *c, const char *args, MonBuf *out);

struct Cmd {
    const char *name;          /* "cont|c": the name and its aliases */
    const char *params;        /* as shown by help */
    const char *help;
    CmdFn *fn;
    const Cmd *sub;            /* a table of sub-commands (info, align) */
};

static bool skip_blank_end(const char *args) { while (isspace((unsigned char)*args)) args++; return !*args; }

/* QEMU's check for a command that takes no argument. */
static bool no_args(const Cmd *c, const char *args, MonBuf *out)
{
    if (skip_blank_end(args))
        return true;
    monbuf_printf(out, "%s: extraneous characters at the end of line\n", c->name);
    return false;
}

static void not_available(const char *what, MonBuf *out)
{
    monbuf_printf(out, "%s: not available yet in emu-arm\n", what);
}

static bool cmd_stop(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    if (t->stop)
        t->stop(t->opaque);
    else
        not_available("stop", out);
    return true;
}

static bool cmd_cont(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    if (t->cont)
        t->cont(t->opaque);
    else
        not_available("cont", out);
    return true;
}

static bool cmd_quit(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    if (t->quit)
        t->quit(t->opaque);
    else
        not_available("quit", out);
    return true;
}

/* Integer division as QEMU does it (int64_t / SCALE_MS: towards zero). */
static void print_drift(const MonitorDrift *d, MonBuf *out)
{
    if (!d->icount)
        return;
    monbuf_printf(out, "Host - Guest clock  %" PRId64 " ms\n", d->host_minus_guest_ns / NS_PER_MS);
    if (d->align) {
        monbuf_printf(out, "Max guest delay     %" PRId64 " ms\n", d->max_delay_ns / NS_PER_MS);
        monbuf_printf(out, "Max guest advance   %" PRId64 " ms\n", d->max_advance_ns / NS_PER_MS);
    } else {
        monbuf_printf(out, "Max guest delay     NA\n");
        monbuf_printf(out, "Max guest advance   NA\n");
    }
}

static bool info_jit(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    if (t->jit_stats)
        t->jit_stats(t->opaque, out);
    if (t->drift) {
        MonitorDrift d = {0};
        t->drift(t->opaque, &d);
        print_drift(&d, out);
    }
    return true;
}

/* `info registers [-a|vcpu]`: there is one CPU, index 0. */
static bool info_registers(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)c;
    long vcpu = -1;
    while (isspace((unsigned char)*a))
        a++;
    if (a[0] == '-' && a[1] && !isdigit((unsigned char)a[1])) {
        if (a[1] != 'a' || (a[2] && !isspace((unsigned char)a[2]))) {
            monbuf_printf(out, "registers: unsupported option -%c\n", a[1]);
            return false;
        }
        a += 2;
        while (isspace((unsigned char)*a))
            a++;
    }
    if (*a) {
        char *end;
        errno = 0;
        long v = strtol(a, &end, 0);
        if (end == a) {
            monbuf_printf(out, "invalid char '%c' in expression\n", *a);
            return false;
        }
        if (errno || v != (int32_t)v) {
            monbuf_printf(out, "'registers' has failed: integer is for 32-bit values\n");
            return false;
        }
        if (!skip_blank_end(end)) {
            monbuf_printf(out, "registers: extraneous characters at the end of line\n");
            return false;
        }
        vcpu = v;
    }
    if (vcpu > 0 || vcpu < -1) {
        monbuf_printf(out, "CPU#%ld not available\n", vcpu);
        return true;
    }
    if (!t->registers) {
        monbuf_printf(out, "No CPU available\n");
        return true;
    }
    monbuf_printf(out, "\nCPU#0\n");
    t->registers(t->opaque, out);
    return true;
}

static bool info_status(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    bool run = t->running ? t->running(t->opaque) : true;
    bool pre = !run && t->prelaunch && t->prelaunch(t->opaque);
    monbuf_printf(out, "VM status: %s\n", run ? "running" : pre ? "paused (prelaunch)" : "paused");
    return true;
}

static bool info_align(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    if (!no_args(c, a, out))
        return false;
    if (t->align_info)
        t->align_info(t->opaque, out);
    else
        not_available("info align", out);
    return true;
}

/* The next blank-separated word of s into w (at most n-1 bytes); returns the
 * text after it, or NULL at the end of the line. */
static const char *next_word(const char *s, char *w, size_t n)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return NULL;
    size_t k = 0;
    while (*s && !isspace((unsigned char)*s)) {
        if (k + 1 < n)
            w[k++] = *s;
        s++;
    }
    w[k] = 0;
    return s;
}

/* The speed ratio goes to the alignment runtime. */
static bool align_speed(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)c;
    char w[64];
    const char *rest = next_word(a, w, sizeof w);
    char *end;
    double r = rest ? strtod(w, &end) : 0;
    if (!rest || *end || !(r > 0) || r > 1e6 || (rest && !skip_blank_end(rest))) {
        monbuf_printf(out, "align speed: expected one positive ratio (1 = real time), not '%s'\n",
                      rest ? a : "");
        return false;
    }
    if (!t->set_speed) {
        monbuf_printf(out, "align speed: no alignment policy in this run\n");
        return false;
    }
    return t->set_speed(t->opaque, r, out) == 0;
}

/* Longer than any policy spec: a longer word is refused, not cut. */
#define POLICY_SPEC_MAX 1024

/* The spec is checked by the runtime with -align-policy's own parser; what
 * it refuses is one error line (no help hint: the syntax was right). */
static bool align_policy(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)c;
    char w[POLICY_SPEC_MAX + 1];
    const char *rest = next_word(a, w, sizeof w);
    if (!rest || !skip_blank_end(rest)) {
        monbuf_printf(out, "align policy: expected NAME[,key=val...] (one word)\n");
        return false;
    }
    if (strlen(w) >= POLICY_SPEC_MAX) {
        monbuf_printf(out, "align policy: the specification is longer than %d bytes\n",
                      POLICY_SPEC_MAX - 1);
        return true;
    }
    if (!t->set_policy)
        not_available("align policy", out);
    else
        t->set_policy(t->opaque, w, out);
    return true;
}

static bool cmd_help(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out);
static bool cmd_info_list(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out);
static bool cmd_align_list(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out);

static const Cmd info_cmds[] = {
    { "align", "", "show the alignment policy's clocks and counters (driftlab)", info_align, NULL },
    { "jit", "", "show dynamic compiler info", info_jit, NULL },
    { "registers", "[-a|vcpu]", "show the cpu registers (-a: show register info for all cpus; "
      "vcpu: specific vCPU to query; show the current CPU's registers if no argument is "
      "specified)", info_registers, NULL },
    { "status", "", "show the current VM status (running|paused)", info_status, NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

static const Cmd align_cmds[] = {
    { "policy", "NAME[,key=val...]", "switch the alignment policy between TBs; NAME and its "
      "parameters as for -align-policy (driftlab)", align_policy, NULL },
    { "speed", "R", "set the guest/host speed ratio: the guest runs at R x real time (driftlab)",
      align_speed, NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

static const Cmd top_cmds[] = {
    { "align", "speed|policy ...", "change the alignment at run time (driftlab)",
      cmd_align_list, align_cmds },
    { "cont|c", "", "resume emulation", cmd_cont, NULL },
    { "help|?", "[cmd]", "show the help", cmd_help, NULL },
    { "info", "[subcommand]", "show various information about the system state",
      cmd_info_list, info_cmds },
    { "quit|q", "", "quit the emulator", cmd_quit, NULL },
    { "stop|s", "", "stop emulation", cmd_stop, NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

/* "cont|c" matches "cont" and "c". */
static bool name_matches(const char *word, size_t wlen, const char *names)
{
    for (const char *p = names;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == wlen && !memcmp(p, word, n))
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

static const Cmd *find(const Cmd *table, const char *word, size_t wlen)
{
    for (const Cmd *c = table; c->name; c++)
        if (name_matches(word, wlen, c->name))
            return c;
    return NULL;
}

static void help_line(const char *prefix, const Cmd *c, MonBuf *out)
{
    monbuf_printf(out, "%s%s %s -- %s\n", prefix, c->name, c->params, c->help);
}

static void help_table(const char *prefix, const Cmd *table, MonBuf *out)
{
    for (const Cmd *c = table; c->name; c++)
        help_line(prefix, c, out);
}

static bool cmd_info_list(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)t; (void)c; (void)a;
    help_table("info ", info_cmds, out);
    return true;
}

static bool cmd_align_list(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)t; (void)c; (void)a;
    help_table("align ", align_cmds, out);
    return true;
}

/* `help [cmd [sub]]`, walking sub-tables as QEMU's help_cmd_dump does. */
static bool cmd_help(const MonitorTarget *t, const Cmd *c, const char *a, MonBuf *out)
{
    (void)t; (void)c;
    char words[MAX_HELP_ARGS][64];
    int n = 0;
    for (const char *p = a; n < MAX_HELP_ARGS && (p = next_word(p, words[n], sizeof words[n]));)
        n++;
    const Cmd *table = top_cmds;
    char prefix[160] = "";
    for (int i = 0;; i++) {
        if (i >= n) {
            help_table(prefix, table, out);
            return true;
        }
        const Cmd *hit = find(table, words[i], strlen(words[i]));
        if (!hit) {
            monbuf_printf(out, "unknown command: '");
            for (int k = 0; k <= i; k++)
                monbuf_printf(out, "%s%s", words[k], k == i ? "'\n" : " ");
            return true;
        }
        if (!hit->sub) {
            help_line(prefix, hit, out);
            return true;
        }
        size_t pl = strlen(prefix);
        snprintf(prefix + pl, sizeof prefix - pl, "%s ", words[i]);
        table = hit->sub;
    }
}

/* QEMU ends a command name at a blank or '/' (for x/fmt). */
static size_t name_len(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != '/' && !isspace((unsigned char)p[n]))
        n++;
    return n;
}

void monitor_cmd_exec(const MonitorTarget *t, const char *line, MonBuf *out)
{
    const char *p = line;
    const Cmd *table = top_cmds, *cmd = NULL;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        size_t n = name_len(p);
        if (n == 0) {
            if (!cmd)
                return;             /* an empty line: just a new prompt */
            break;
        }
        const Cmd *hit = find(table, p, n);
        if (!hit) {
            monbuf_printf(out, "unknown command: '%.*s'\n", (int)(p + n - line), line);
            return;
        }
        cmd = hit;
        p += n;
        while (isspace((unsigned char)*p))
            p++;
        if (!cmd->sub || !*p)
            break;
        table = cmd->sub;
    }
    if (!cmd->fn(t, cmd, p, out)) {
        const char *end = p;
        while (end > line && isspace((unsigned char)end[-1]))
            end--;
        const char *start = line;
        while (isspace((unsigned char)*start))
            start++;
        monbuf_printf(out, "Try \"help %.*s\" for more information\n", (int)(end - start), start);
    }
}
