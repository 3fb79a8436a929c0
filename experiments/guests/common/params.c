/* Workload parameters from the semihosting command line: see params.h. */
#include "params.h"

#include <stdarg.h>

#include "rt.h"

#define MAX_PARAMS 32
#define MAX_TEXT 1024

static char text[MAX_TEXT];
static const char *keys[MAX_PARAMS];
static const char *vals[MAX_PARAMS];
static int nparams;
static const char *wname = "guest";

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

void param_fail(const char *fmt, ...)
{
    va_list ap;
    rt_printf("error: %s: ", wname);
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
    rt_putc('\n');
    rt_printf("result workload=%s status=bad-param\n", wname);
    rt_exit(2);
}

void params_init(const char *workload, const char *const *known)
{
    const char *s = rt_cmdline();
    int n = 0, first = 1;

    wname = workload;
    nparams = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        const char *tok = s;
        while (*s && *s != ' ')
            s++;
        if (first) {            /* the -kernel path */
            first = 0;
            continue;
        }
        if (n + (s - tok) + 1 >= MAX_TEXT || nparams == MAX_PARAMS)
            param_fail("command line too long");
        char *copy = text + n;
        for (const char *p = tok; p < s; p++)
            text[n++] = *p;
        text[n++] = '\0';
        char *eq = copy;
        while (*eq && *eq != '=')
            eq++;
        if (!*eq || eq == copy)
            param_fail("expected key=value, got '%s'", copy);
        *eq = '\0';
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            if (streq(*k, copy))
                ok = 1;
        if (!ok)
            param_fail("unknown parameter '%s'", copy);
        for (int i = 0; i < nparams; i++)
            if (streq(keys[i], copy))
                param_fail("parameter '%s' given twice", copy);
        keys[nparams] = copy;
        vals[nparams] = eq + 1;
        nparams++;
    }
}

const char *param_raw(const char *key)
{
    for (int i = 0; i < nparams; i++)
        if (streq(keys[i], key))
            return vals[i];
    return 0;
}

uint32_t param_u32(const char *key, uint32_t dflt)
{
    const char *v = param_raw(key);
    if (!v)
        return dflt;
    uint64_t x = 0;
    const char *p = v;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!*p)
            param_fail("bad number '%s=%s'", key, v);
        for (; *p; p++) {
            int d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if (*p >= 'a' && *p <= 'f')
                d = *p - 'a' + 10;
            else if (*p >= 'A' && *p <= 'F')
                d = *p - 'A' + 10;
            else
                break;
            x = x * 16 + (uint64_t)d;
            if (x > 0xffffffffu)
                param_fail("number too large '%s=%s'", key, v);
        }
    } else {
        if (*p < '0' || *p > '9')
            param_fail("bad number '%s=%s'", key, v);
        for (; *p >= '0' && *p <= '9'; p++) {
            x = x * 10 + (uint64_t)(*p - '0');
            if (x > 0xffffffffu)
                param_fail("number too large '%s=%s'", key, v);
        }
    }
    if (*p == 'k' || *p == 'K') {
        x <<= 10;
        p++;
    } else if (*p == 'm' || *p == 'M') {
        x <<= 20;
        p++;
    }
    if (*p || x > 0xffffffffu)
        param_fail("bad number '%s=%s'", key, v);
    return (uint32_t)x;
}

uint32_t param_u32_range(const char *key, uint32_t dflt, uint32_t lo, uint32_t hi)
{
    uint32_t x = param_u32(key, dflt);
    if (x < lo || x > hi)
        param_fail("%s=%u out of range %u..%u", key, x, lo, hi);
    return x;
}

int param_choice(const char *key, const char *const *choices, int dflt)
{
    const char *v = param_raw(key);
    if (!v)
        return dflt;
    for (int i = 0; choices[i]; i++)
        if (streq(choices[i], v))
            return i;
    param_fail("bad value '%s=%s'", key, v);
}
