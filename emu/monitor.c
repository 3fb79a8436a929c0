/*
 * The monitor's transport and its hand-over to the vCPU thread (see
 * monitor.h). One line is in flight at a time, as with QEMU's readline: the
 * thread queues it, kicks the vCPU and waits for the reply, then prints the
 * next prompt.
 */
#include "monitor.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4095      /* QEMU's readline buffer; longer input is cut */
#define WAIT_SLICE_NS 100000000  /* how often waits re-check their exit conditions */

static const char banner[] = "emu-arm " "monitor (QEMU 7.2 HMP syntax) - type 'help' for more information\n";
static const char prompt[] = "(qemu) ";

struct Monitor {
    MonitorSpec spec;
    MonitorHooks hooks;
    MonitorTarget target;       /* hooks.target with stop/cont/quit/running added */

    pthread_t thread;
    bool thread_started;
    int listen_fd, in_fd, out_fd;
    int wake[2];                /* destroy wakes the thread's poll() */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* The line in flight: written by the monitor thread before `pending`,
     * read and answered by the vCPU thread, which sets `done`. */
    char line[LINE_MAX_BYTES + 1];
    MonBuf reply;
    bool queued, done;
    atomic_bool pending;
    bool vcpu_done, shutdown;

    atomic_bool quit;           /* set by the vCPU thread, read by both */
    /* Owned by the vCPU thread. */
    bool stopped;
    bool prelaunch;             /* -S: stopped since the start, never continued */
};

/* ---- -monitor's value --------------------------------------------------- */

static int spec_err(char *err, size_t n, const char *msg, const char *s)
{
    snprintf(err, n, "-monitor: %s '%s' (expected none, stdio or unix:PATH,server,nowait)", msg, s);
    return -1;
}

int monitor_parse_spec(const char *s, MonitorSpec *out, char *err, size_t n)
{
    *out = (MonitorSpec){ .kind = MONITOR_NONE };
    if (!strcmp(s, "none"))
        return 0;
    if (!strcmp(s, "stdio")) {
        out->kind = MONITOR_STDIO;
        return 0;
    }
    if (strncmp(s, "unix:", 5))
        return spec_err(err, n, "unsupported backend", s);
    const char *p = s + 5;
    size_t plen = strcspn(p, ",");
    if (plen == 0)
        return spec_err(err, n, "unix: needs a path in", s);
    if (plen >= sizeof out->path)
        return spec_err(err, n, "socket path too long in", s);
    memcpy(out->path, p, plen);
    out->path[plen] = 0;
    bool server = false;
    out->wait = true;            /* QEMU's default for a server */
    char opts[256];
    snprintf(opts, sizeof opts, "%s", p + plen);
    for (char *save = NULL, *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "server") || !strcmp(tok, "server=on"))
            server = true;
        else if (!strcmp(tok, "nowait") || !strcmp(tok, "wait=off"))
            out->wait = false;
        else if (!strcmp(tok, "wait") || !strcmp(tok, "wait=on"))
            out->wait = true;
        else if (!strcmp(tok, "server=off"))
            server = false;
        else
            return spec_err(err, n, "unknown unix socket option in", s);
    }
    if (!server)
        return spec_err(err, n, "only a listening socket (server) is supported, not", s);
    out->kind = MONITOR_UNIX;
    return 0;
}

/* ---- output --------------------------------------------------------------- */

static void write_all(Monitor *m, const char *s, size_t n)
{
    while (n > 0 && m->out_fd >= 0) {
        ssize_t w = m->spec.kind == MONITOR_UNIX ? send(m->out_fd, s, n, MSG_NOSIGNAL)
                                                 : write(m->out_fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;          /* the reader went away; input will tell us too */
        s += w;
        n -= (size_t)w;
    }
}

/* The monitor writes "\r\n" line ends, as QEMU's does on every backend. */
static void write_text(Monitor *m, const char *s, size_t n)
{
    char buf[512];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 2 > sizeof buf) {
            write_all(m, buf, k);
            k = 0;
        }
        if (s[i] == '\n')
            buf[k++] = '\r';
        buf[k++] = s[i];
    }
    write_all(m, buf, k);
}

/* ---- the vCPU side ------------------------------------------------------- */

static void on_stop_cmd(void *opaque)
{
    Monitor *m = opaque;
    if (m->stopped)
        return;
    m->stopped = true;
    if (m->hooks.on_stop)
        m->hooks.on_stop(m->hooks.opaque);
}

static void on_cont_cmd(void *opaque)
{
    Monitor *m = opaque;
    if (!m->stopped)
        return;
    m->stopped = false;
    m->prelaunch = false;
    if (m->hooks.on_cont)
        m->hooks.on_cont(m->hooks.opaque);
}

static void on_quit_cmd(void *opaque)
{
    Monitor *m = opaque;
    atomic_store(&m->quit, true);
}

static bool is_running(void *opaque)
{
    Monitor *m = opaque;
    return !m->stopped;
}

static bool is_prelaunch(void *opaque)
{
    Monitor *m = opaque;
    return m->prelaunch;
}

/* The machine's own commands, called with the machine's opaque. */
static void fwd_drift(void *opaque, MonitorDrift *d)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    t->drift(t->opaque, d);
}

static void fwd_jit_stats(void *opaque, MonBuf *out)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    t->jit_stats(t->opaque, out);
}

static void fwd_registers(void *opaque, MonBuf *out)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    t->registers(t->opaque, out);
}

static int fwd_set_speed(void *opaque, double r, MonBuf *out)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    return t->set_speed(t->opaque, r, out);
}

static int fwd_set_policy(void *opaque, const char *spec, MonBuf *out)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    return t->set_policy(t->opaque, spec, out);
}

static void fwd_align_info(void *opaque, MonBuf *out)
{
    const MonitorTarget *t = &((Monitor *)opaque)->hooks.target;
    t->align_info(t->opaque, out);
}

bool monitor_pending(Monitor *m)
{
    return atomic_load_explicit(&m->pending, memory_order_relaxed);
}

bool monitor_quit_requested(Monitor *m) { return atomic_load(&m->quit); }
bool monitor_stopped(Monitor *m) { return m->stopped; }

static struct timespec deadline_in(int64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = (int64_t)ts.tv_nsec + ns;
    ts.tv_sec += (time_t)(t / 1000000000LL);
    ts.tv_nsec = (long)(t % 1000000000LL);
    return ts;
}

void monitor_service(Monitor *m)
{
    pthread_mutex_lock(&m->lock);
    for (;;) {
        if (m->queued && !m->done) {
            /* The monitor thread does not touch line or reply until done. */
            pthread_mutex_unlock(&m->lock);
            monbuf_clear(&m->reply);
            monitor_cmd_exec(&m->target, m->line, &m->reply);
            pthread_mutex_lock(&m->lock);
            m->done = true;
            atomic_store_explicit(&m->pending, false, memory_order_relaxed);
            pthread_cond_broadcast(&m->cond);
            continue;
        }
        if (!m->stopped || atomic_load(&m->quit) || m->vcpu_done)
            break;
        if (m->hooks.interrupted && m->hooks.interrupted(m->hooks.opaque))
            break;
        struct timespec ts = deadline_in(WAIT_SLICE_NS);
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
    }
    pthread_mutex_unlock(&m->lock);
}

void monitor_vcpu_done(Monitor *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->vcpu_done = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

/* ---- the monitor thread ------------------------------------------------- */

/* Hands one line to the vCPU and waits for its reply. False once the run is
 * over (nothing more will be answered). */
static bool run_line(Monitor *m, const char *line)
{
    pthread_mutex_lock(&m->lock);
    if (m->vcpu_done || m->shutdown) {
        pthread_mutex_unlock(&m->lock);
        return false;
    }
    snprintf(m->line, sizeof m->line, "%s", line);
    m->queued = true;
    m->done = false;
    atomic_store_explicit(&m->pending, true, memory_order_relaxed);
    pthread_cond_broadcast(&m->cond);       /* a stopped vCPU waits on it */
    pthread_mutex_unlock(&m->lock);
    if (m->hooks.kick)
        m->hooks.kick(m->hooks.opaque);

    pthread_mutex_lock(&m->lock);
    while (!m->done && !m->vcpu_done && !m->shutdown) {
        struct timespec ts = deadline_in(WAIT_SLICE_NS);
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
    }
    bool answered = m->done;
    m->queued = false;
    atomic_store_explicit(&m->pending, false, memory_order_relaxed);
    pthread_mutex_unlock(&m->lock);
    if (!answered)
        return false;
    write_text(m, m->reply.s ? m->reply.s : "", m->reply.len);
    return true;
}

/* Waits for fd to be readable or for destroy. False on destroy. */
static bool wait_readable(Monitor *m, int fd)
{
    for (;;) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = m->wake[0], .events = POLLIN } };
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || p[1].revents)
            return false;
        if (p[0].revents)
            return true;
    }
}

/* Reads lines from the current client until it closes. False when the
 * monitor is being destroyed or the run is over. */
static bool serve_client(Monitor *m)
{
    char line[LINE_MAX_BYTES + 1];
    size_t len = 0;
    write_text(m, banner, sizeof banner - 1);
    write_all(m, prompt, sizeof prompt - 1);
    for (;;) {
        if (!wait_readable(m, m->in_fd))
            return false;
        char buf[1024];
        ssize_t r = read(m->in_fd, buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return true;           /* the client went away */
        for (ssize_t i = 0; i < r; i++) {
            char c = buf[i];
            if (c == '\r' || c == 0)
                continue;          /* "\r\n" is one line end; NULs cannot be in a C string */
            if (c != '\n') {
                if (len < LINE_MAX_BYTES)
                    line[len++] = c;
                continue;
            }
            line[len] = 0;
            len = 0;
            if (!run_line(m, line))
                return false;
            if (atomic_load(&m->quit))
                return false;      /* QEMU closes the monitor on quit */
            write_all(m, prompt, sizeof prompt - 1);
        }
    }
}

static void *monitor_thread(void *opaque)
{
    Monitor *m = opaque;
    if (m->spec.kind == MONITOR_STDIO) {
        serve_client(m);
        return NULL;
    }
    for (;;) {
        if (m->in_fd < 0) {
            if (!wait_readable(m, m->listen_fd))
                return NULL;
            int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            pthread_mutex_lock(&m->lock);
            m->in_fd = m->out_fd = fd;
            pthread_mutex_unlock(&m->lock);
        }
        bool more = serve_client(m);
        pthread_mutex_lock(&m->lock);
        close(m->in_fd);
        m->in_fd = m->out_fd = -1;
        pthread_mutex_unlock(&m->lock);
        if (!more)
            return NULL;
    }
}

/* ---- life cycle ------------------------------------------------------------ */

static int open_listener(Monitor *m, char *err, size_t n)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, m->spec.path, sizeof sa.sun_path);   /* both 108, NUL-terminated */
    struct stat st;
    /* A stale socket from an earlier run is replaced, as QEMU does; any
     * other file is left alone. */
    if (lstat(m->spec.path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(m->spec.path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
        snprintf(err, n, "-monitor: cannot listen on '%s': %s", m->spec.path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    m->listen_fd = fd;
    return 0;
}

Monitor *monitor_create(const MonitorSpec *spec, const MonitorHooks *hooks, bool start_stopped,
                        char *err, size_t n)
{
    Monitor *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, n, "-monitor: out of memory");
        return NULL;
    }
    m->spec = *spec;
    m->hooks = *hooks;
    m->stopped = m->prelaunch = start_stopped;
    /* stop/cont/quit/status act on the monitor's own state; the others are
     * the machine's, reached through adapters that pass its opaque. */
    const MonitorTarget *t = &hooks->target;
    m->target = (MonitorTarget){
        .opaque = m,
        .drift = t->drift ? fwd_drift : NULL,
        .jit_stats = t->jit_stats ? fwd_jit_stats : NULL,
        .registers = t->registers ? fwd_registers : NULL,
        .align_info = t->align_info ? fwd_align_info : NULL,
        .set_speed = t->set_speed ? fwd_set_speed : NULL,
        .set_policy = t->set_policy ? fwd_set_policy : NULL,
        .stop = on_stop_cmd,
        .cont = on_cont_cmd,
        .quit = on_quit_cmd,
        .running = is_running,
        .prelaunch = is_prelaunch,
    };
    m->listen_fd = m->in_fd = m->out_fd = -1;
    m->wake[0] = m->wake[1] = -1;
    atomic_init(&m->pending, false);
    atomic_init(&m->quit, false);
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    if (pipe2(m->wake, O_CLOEXEC) < 0) {
        snprintf(err, n, "-monitor: %s", strerror(errno));
        monitor_destroy(m);
        return NULL;
    }
    if (spec->kind == MONITOR_STDIO) {
        m->in_fd = STDIN_FILENO;
        m->out_fd = STDOUT_FILENO;
    } else if (open_listener(m, err, n) < 0) {
        monitor_destroy(m);
        return NULL;
    }
    if (spec->kind == MONITOR_UNIX && spec->wait) {
        /* server without nowait: QEMU waits for the first client before
         * the guest starts. */
        int fd = accept(m->listen_fd, NULL, NULL);
        if (fd < 0) {
            snprintf(err, n, "-monitor: accept on '%s': %s", spec->path, strerror(errno));
            monitor_destroy(m);
            return NULL;
        }
        m->in_fd = m->out_fd = fd;
    }
    if (pthread_create(&m->thread, NULL, monitor_thread, m) != 0) {
        snprintf(err, n, "-monitor: cannot start its thread");
        monitor_destroy(m);
        return NULL;
    }
    m->thread_started = true;
    return m;
}

void monitor_destroy(Monitor *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->shutdown = true;
    m->vcpu_done = true;
    pthread_cond_broadcast(&m->cond);
    /* A client that stopped reading would keep the thread in send():
     * shutting the connection down makes it return. */
    if (m->spec.kind == MONITOR_UNIX && m->in_fd >= 0)
        shutdown(m->in_fd, SHUT_RDWR);
    pthread_mutex_unlock(&m->lock);
    if (m->wake[1] >= 0) {
        ssize_t w = write(m->wake[1], "x", 1);
        (void)w;
    }
    if (m->thread_started)
        pthread_join(m->thread, NULL);
    if (m->spec.kind == MONITOR_UNIX) {
        if (m->in_fd >= 0)
            close(m->in_fd);
        if (m->listen_fd >= 0) {
            close(m->listen_fd);
            unlink(m->spec.path);
        }
    }
    for (int i = 0; i < 2; i++)
        if (m->wake[i] >= 0)
            close(m->wake[i]);
    monbuf_free(&m->reply);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
}
