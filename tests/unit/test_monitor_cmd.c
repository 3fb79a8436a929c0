/* The monitor's command language (emu/monitor_cmd.c) and -monitor's value
 * (monitor_parse_spec), against a fake machine. */
#include <stdlib.h>
#include <string.h>
#include "monitor.h"
#include "monitor_cmd.h"
#include "tap.h"

typedef struct Fake {
    MonitorDrift drift;
    int stops, conts, quits, regs;
    bool running, prelaunch;
    int policies;               /* set_policy calls */
    char spec[2048];            /* the last spec it got */
    bool refuse;                /* set_policy fails */
} Fake;

static void f_drift(void *o, MonitorDrift *d) { *d = ((Fake *)o)->drift; }
static void f_regs(void *o, MonBuf *out) { ((Fake *)o)->regs++; monbuf_printf(out, "R00=00000000\n"); }
static void f_stop(void *o) { ((Fake *)o)->stops++; ((Fake *)o)->running = false; }
static void f_cont(void *o) { ((Fake *)o)->conts++; ((Fake *)o)->running = true; }
static void f_quit(void *o) { ((Fake *)o)->quits++; }
static bool f_running(void *o) { return ((Fake *)o)->running; }

static bool f_prelaunch(void *o) { return ((Fake *)o)->prelaunch; }

static int f_set_policy(void *o, const char *spec, MonBuf *out)
{
    Fake *f = o;
    f->policies++;
    snprintf(f->spec, sizeof f->spec, "%s", spec);
    if (f->refuse) {
        monbuf_printf(out, "align policy: unknown policy '%s'\n", spec);
        return -1;
    }
    monbuf_printf(out, "align policy: now %s\n", spec);
    return 0;
}

static Fake fake;
static MonitorTarget target = {
    .opaque = &fake, .drift = f_drift, .registers = f_regs, .stop = f_stop, .cont = f_cont,
    .quit = f_quit, .running = f_running, .prelaunch = f_prelaunch, .set_policy = f_set_policy,
};
static MonBuf out;

static const char *run(const char *line)
{
    monbuf_clear(&out);
    monitor_cmd_exec(&target, line, &out);
    return out.s ? out.s : "";
}

static void test_control(void)
{
    fake = (Fake){ .running = true };
    CHECK(!strcmp(run("stop"), ""), "stop prints nothing");
    CHECK_EQ(fake.stops, 1, "stop reached the target");
    CHECK(!strcmp(run("info status"), "VM status: paused\n"), "info status while stopped");
    CHECK(!strcmp(run("  c  "), ""), "c is cont's alias, blanks around it are ignored");
    CHECK_EQ(fake.conts, 1, "cont reached the target");
    CHECK(!strcmp(run("info status"), "VM status: running\n"), "info status while running");
    fake.running = false;
    fake.prelaunch = true;
    CHECK(!strcmp(run("info status"), "VM status: paused (prelaunch)\n"), "-S: QEMU's prelaunch");
    fake.running = true;
    fake.prelaunch = false;
    run("s");
    CHECK_EQ(fake.stops, 2, "s is stop's alias");
    run("q");
    CHECK_EQ(fake.quits, 1, "q is quit's alias");
    CHECK(!strcmp(run(""), "") && !strcmp(run("   \t"), ""), "an empty line does nothing");
}

static void test_errors(void)
{
    fake = (Fake){ .running = true };
    CHECK(!strcmp(run("foo"), "unknown command: 'foo'\n"), "unknown command");
    CHECK(!strcmp(run("foo bar"), "unknown command: 'foo'\n"), "only the name is quoted");
    CHECK(!strcmp(run("info foo"), "unknown command: 'info foo'\n"), "unknown info");
    CHECK(!strcmp(run("stop 3"), "stop|s: extraneous characters at the end of line\n"
                                 "Try \"help stop\" for more information\n"),
          "extra argument, QEMU's two lines");
    CHECK_EQ(fake.stops, 0, "a rejected stop does not stop");
    CHECK(!strcmp(run("quit now"), "quit|q: extraneous characters at the end of line\n"
                                   "Try \"help quit\" for more information\n"), "quit with args");
    CHECK_EQ(fake.quits, 0, "a rejected quit does not quit");
    CHECK(!strcmp(run("info registers x"), "invalid char 'x' in expression\n"
                                           "Try \"help info registers\" for more information\n"),
          "bad vcpu");
    CHECK(!strcmp(run("info registers -z"), "registers: unsupported option -z\n"
                                            "Try \"help info registers\" for more information\n"),
          "bad option");
    CHECK(!strcmp(run("info registers 3"), "CPU#3 not available\n"), "missing vcpu");
    CHECK(!strcmp(run("help nosuch"), "unknown command: 'nosuch'\n"), "help of unknown");
    CHECK(!strcmp(run("help info nosuch"), "unknown command: 'info nosuch'\n"), "help info unknown");
    CHECK(strstr(run("align speed -2"), "align speed: expected one positive ratio") != NULL,
          "align speed checks its argument");
    CHECK(strstr(run("align speed"), "Try \"help align speed\"") != NULL, "align speed without R");
}

static void test_help(void)
{
    const char *h = run("help");
    CHECK(strstr(h, "cont|c  -- resume emulation\n") != NULL, "help lists cont as QEMU does");
    CHECK(strstr(h, "stop|s  -- stop emulation\n") != NULL, "help lists stop");
    CHECK(strstr(h, "quit|q  -- quit the emulator\n") != NULL, "help lists quit");
    CHECK(strstr(h, "info [subcommand] -- show various information about the system state\n") != NULL,
          "help lists info");
    CHECK(!strcmp(run("help stop"), "stop|s  -- stop emulation\n"), "help of one command");
    CHECK(!strcmp(run("? c"), "cont|c  -- resume emulation\n"), "? and an alias");
    CHECK(!strcmp(run("help info jit"), "info jit  -- show dynamic compiler info\n"), "help info jit");
    const char *i = run("info");
    CHECK(strstr(i, "info jit  -- show dynamic compiler info\n") != NULL &&
          strstr(i, "info registers [-a|vcpu] -- show the cpu registers") != NULL,
          "info alone lists the info commands");
    CHECK(!strcmp(run("help info"), i) || strstr(run("help info"), "info jit  --") != NULL,
          "help info lists them too");
}

static void test_info_jit(void)
{
    fake = (Fake){ .running = true };
    fake.drift = (MonitorDrift){ .icount = true, .align = true, .host_minus_guest_ns = -1999999,
                                 .max_delay_ns = 5300000, .max_advance_ns = 2999999 };
    CHECK(!strcmp(run("info jit"), "Host - Guest clock  -1 ms\nMax guest delay     5 ms\n"
                                   "Max guest advance   2 ms\n"),
          "the three lines, ms truncated towards zero as QEMU's integer division");
    fake.drift.align = false;
    CHECK(!strcmp(run("info jit"), "Host - Guest clock  -1 ms\nMax guest delay     NA\n"
                                   "Max guest advance   NA\n"), "without alignment: NA");
    fake.drift.icount = false;
    CHECK(!strcmp(run("info jit"), ""), "without -icount QEMU prints no clock line");
    CHECK(strstr(run("info jit now"), "jit: extraneous characters") != NULL, "info jit takes nothing");
}

static void test_registers(void)
{
    fake = (Fake){ .running = true };
    CHECK(!strcmp(run("info registers"), "\nCPU#0\nR00=00000000\n"), "header then the dump");
    CHECK(!strcmp(run("info registers -a"), "\nCPU#0\nR00=00000000\n"), "-a: the one CPU");
    CHECK(!strcmp(run("info registers 0"), "\nCPU#0\nR00=00000000\n"), "vcpu 0");
    CHECK_EQ(fake.regs, 3, "three dumps");
}

static void test_unavailable(void)
{
    /* A target without the optional callbacks: the commands say so. */
    MonitorTarget bare = { 0 };
    monbuf_clear(&out);
    monitor_cmd_exec(&bare, "info align", &out);
    CHECK(strstr(out.s, "not available yet") != NULL, "info align without a provider");
    monbuf_clear(&out);
    monitor_cmd_exec(&bare, "align policy pid", &out);
    CHECK(strstr(out.s, "not available yet") != NULL, "align policy without a provider");
    monbuf_clear(&out);
    monitor_cmd_exec(&bare, "info registers", &out);
    CHECK(!strcmp(out.s, "No CPU available\n"), "no CPU");
}

/* `align policy SPEC`: the word goes to the machine as typed; the machine's
 * refusal is its one error line, without QEMU's help hint (the syntax was
 * right); a missing or extra word is a syntax error with the hint. */
static void test_align_policy(void)
{
    fake = (Fake){ .running = true };
    CHECK(!strcmp(run("align policy per-tb,max-advance-us=2000"),
                  "align policy: now per-tb,max-advance-us=2000\n") &&
          !strcmp(fake.spec, "per-tb,max-advance-us=2000"), "the spec reaches the machine verbatim");
    CHECK(!strcmp(run("  align   policy   none  "), "align policy: now none\n"),
          "blanks around the words are ignored");
    fake.refuse = true;
    CHECK(!strcmp(run("align policy nosuch"), "align policy: unknown policy 'nosuch'\n"),
          "a refused spec: exactly the machine's one line");
    int calls = fake.policies;
    CHECK(!strcmp(run("align policy"), "align policy: expected NAME[,key=val...] (one word)\n"
                                       "Try \"help align policy\" for more information\n"),
          "no spec: QEMU's two lines");
    CHECK(strstr(run("align policy per-tb threshold"), "(one word)") != NULL,
          "two words are refused");
    char longspec[1100] = "per-tb,";
    memset(longspec + 7, 'x', 1050);
    longspec[1057] = 0;
    char line[1200];
    snprintf(line, sizeof line, "align policy %s", longspec);
    CHECK(strstr(run(line), "longer than 1023 bytes") != NULL, "an over-long spec is refused, not cut");
    CHECK_EQ(fake.policies, calls, "none of those reached the machine");
    CHECK(strstr(run("help align policy"), "as for -align-policy") != NULL,
          "help align policy says what it takes");
}

/* Random lines: whatever they are, the parser answers and does not crash
 * (the sanitizer build checks the memory side). */
static void test_fuzz(void)
{
    static const char alphabet[] = "infojtregsaplcqhu?/- \t0123456789x\x01\x7f\xff|,=";
    srand(12345);
    int bad_end = 0, bad_quit = 0;
    char line[600];
    for (int i = 0; i < 20000; i++) {
        int n = rand() % (int)sizeof line;
        for (int k = 0; k < n; k++)
            line[k] = (rand() % 4) ? alphabet[rand() % (sizeof alphabet - 1)] : (char)(1 + rand() % 255);
        line[n] = 0;
        fake = (Fake){ .running = true };
        run(line);
        /* Every reply is whole lines; only a well-formed quit quits. */
        if (out.len && out.s[out.len - 1] != '\n')
            bad_end++;
        const char *w = line + strspn(line, " \t\n\v\f\r");
        size_t wl = strcspn(w, " \t\n\v\f\r/");
        bool is_quit = (wl == 1 && w[0] == 'q') || (wl == 4 && !strncmp(w, "quit", 4));
        if (fake.quits && !is_quit)
            bad_quit++;
    }
    CHECK_EQ(bad_end, 0, "20000 random lines: every reply ends with a newline");
    CHECK_EQ(bad_quit, 0, "no random line quits unless it is quit");
}

static void test_spec(void)
{
    MonitorSpec s;
    char err[256];
    CHECK(monitor_parse_spec("none", &s, err, sizeof err) == 0 && s.kind == MONITOR_NONE, "none");
    CHECK(monitor_parse_spec("stdio", &s, err, sizeof err) == 0 && s.kind == MONITOR_STDIO, "stdio");
    CHECK(monitor_parse_spec("unix:/tmp/a.sock,server,nowait", &s, err, sizeof err) == 0 &&
          s.kind == MONITOR_UNIX && !strcmp(s.path, "/tmp/a.sock") && !s.wait, "unix,server,nowait");
    CHECK(monitor_parse_spec("unix:/tmp/a.sock,server=on,wait=off", &s, err, sizeof err) == 0 &&
          !s.wait, "the modern spelling");
    CHECK(monitor_parse_spec("unix:/tmp/a.sock,server", &s, err, sizeof err) == 0 && s.wait,
          "server alone waits for a client, as QEMU");
    CHECK(monitor_parse_spec("unix:/tmp/a.sock", &s, err, sizeof err) < 0 &&
          strstr(err, "server") != NULL, "client mode is refused: %s", err);
    CHECK(monitor_parse_spec("unix:", &s, err, sizeof err) < 0, "no path");
    CHECK(monitor_parse_spec("tcp::4444,server", &s, err, sizeof err) < 0 &&
          strstr(err, "unsupported backend") != NULL, "tcp is not supported: %s", err);
    CHECK(monitor_parse_spec("unix:/x,server,bogus", &s, err, sizeof err) < 0, "unknown option");
    char longp[300] = "unix:/";
    memset(longp + 6, 'a', 200);
    longp[206] = 0;
    CHECK(monitor_parse_spec(longp, &s, err, sizeof err) < 0 && strstr(err, "too long") != NULL,
          "a path longer than sun_path");
}

int main(void)
{
    test_control();
    test_errors();
    test_help();
    test_info_jit();
    test_registers();
    test_unavailable();
    test_align_policy();
    test_fuzz();
    test_spec();
    monbuf_free(&out);
    return tap_done();
}
