/* Character backends for -serial stdio|file:PATH|null. */
#include "hw/chardev.h"
#include "hostclock.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLL_INTERVAL_NS 1000000
#define FLUSH_DELAY_NS 10000000

static CharDev *chardev_new(CharDevKind kind, int in_fd, int out_fd)
{
    CharDev *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = kind;
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->last_poll_ns = INT64_MIN / 2;
    return c;
}

/* QEMU's stdio chardev terminal setup (echo off, raw input, ISIG kept). */
static void stdio_make_raw(CharDev *c)
{
    struct termios tty;
    if (!isatty(0) || tcgetattr(0, &c->saved_tty) != 0)
        return;
    tty = c->saved_tty;
    tty.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP
                               | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    tty.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &tty) == 0)
        c->tty_raw = true;
}

CharDev *chardev_open(const char *spec, const char **err)
{
    CharDev *c = NULL;
    if (err)
        *err = NULL;
    if (!spec || !strcmp(spec, "none"))
        return NULL;
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        c = chardev_new(CHARDEV_STDIO, STDIN_FILENO, STDOUT_FILENO);
        if (c)
            stdio_make_raw(c);
    } else if (!strcmp(spec, "null")) {
        c = chardev_new(CHARDEV_NULL, -1, -1);
    } else if (!strncmp(spec, "file:", 5)) {
        int fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (err)
                *err = strerror(errno);
            return NULL;
        }
        c = chardev_new(CHARDEV_FILE, -1, fd);
        if (c)
            c->close_out = true;
        else
            close(fd);
    } else {
        if (err)
            *err = "unsupported serial backend (want stdio, file:PATH, null or none)";
        return NULL;
    }
    if (!c && err)
        *err = "out of memory";
    return c;
}

CharDev *chardev_open_fds(int in_fd, int out_fd)
{
    return chardev_new(CHARDEV_FD, in_fd, out_fd);
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = { fd, POLLOUT, 0 };
            poll(&pfd, 1, 100);
        } else {
            return;     /* EPIPE, disk full...: drop, as QEMU would */
        }
    }
}

void chardev_flush(CharDev *c)
{
    if (!c || c->olen == 0)
        return;
    size_t n = c->olen;
    c->olen = 0;
    write_all(c->out_fd, c->obuf, n);
}

void chardev_set_tap(CharDev *c, CharDevTap *fn, void *opaque)
{
    if (c) {
        c->tap = fn;
        c->tap_opaque = opaque;
    }
}

void chardev_write(CharDev *c, const uint8_t *buf, size_t len)
{
    if (c && c->tap)
        c->tap(c->tap_opaque, buf, len);
    if (!c || c->out_fd < 0)
        return;
    bool newline = false;
    if (c->olen == 0)
        c->obuf_since_ns = host_monotonic_ns();
    else if (host_monotonic_ns() - c->obuf_since_ns >= FLUSH_DELAY_NS)
        newline = true;
    while (len > 0) {
        size_t room = CHARDEV_OBUF - c->olen;
        size_t n = len < room ? len : room;
        memcpy(c->obuf + c->olen, buf, n);
        if (memchr(buf, '\n', n))
            newline = true;
        c->olen += n;
        buf += n;
        len -= n;
        if (c->olen == CHARDEV_OBUF)
            chardev_flush(c);
    }
    if (newline)
        chardev_flush(c);
}

void chardev_restore_tty(CharDev *c)
{
    if (c && c->tty_raw)
        tcsetattr(0, TCSANOW, &c->saved_tty);
}

void chardev_close(CharDev *c)
{
    if (!c)
        return;
    chardev_flush(c);
    chardev_restore_tty(c);
    if (c->close_out)
        close(c->out_fd);
    free(c);
}

bool chardev_input_ready(CharDev *c, bool force)
{
    if (!c)
        return false;
    if (c->ipos < c->ilen)
        return true;
    if (c->in_fd < 0 || c->in_eof)
        return false;
    int64_t now = host_monotonic_ns();
    if (!force && now - c->last_poll_ns < POLL_INTERVAL_NS)
        return false;
    /* The guest is waiting for input: show it any pending prompt first. */
    chardev_flush(c);
    struct pollfd pfd = { c->in_fd, POLLIN, 0 };
    int r = poll(&pfd, 1, 0);
    if (r <= 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
        c->last_poll_ns = now;
        return false;
    }
    ssize_t n = read(c->in_fd, c->ibuf, sizeof(c->ibuf));
    if (n > 0) {
        c->ipos = 0;
        c->ilen = (size_t)n;
        return true;
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN))
        c->in_eof = true;
    c->last_poll_ns = now;
    return false;
}

int chardev_read_byte(CharDev *c)
{
    if (!chardev_input_ready(c, false))
        return -1;
    return c->ibuf[c->ipos++];
}

int chardev_input_fd(const CharDev *c)
{
    return (c && !c->in_eof) ? c->in_fd : -1;
}
