/*
 * A tiny character backend for the serial ports, after QEMU's -serial:
 *   "stdio" (also "mon:stdio", without a monitor): output to stdout, input
 *            from stdin; a terminal on stdin is put in raw mode (ISIG kept,
 *            as QEMU's signal=on default) and restored by chardev_close();
 *   "file:PATH": output to PATH (created/truncated, as QEMU), no input;
 *   "null": output discarded, no input.
 * ("none" means no backend at all: chardev_open returns NULL without error.)
 *
 * Output is buffered and flushed at each newline, when the buffer fills,
 * at a write made 10 ms (host) or more after the oldest buffered byte, before
 * input is polled, and by chardev_flush(), which only calls write(2) and so
 * may be called from a signal handler. A caller that may sit idle with
 * buffered output (a guest's prompt without newline) should flush when idle.
 * Input is read without blocking (poll() with a zero timeout), only when the
 * device asks for a byte and the internal buffer is empty, and at most once
 * per millisecond of host time while nothing arrives.
 */
#ifndef EMU_HW_CHARDEV_H
#define EMU_HW_CHARDEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

typedef enum CharDevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_FD,         /* caller-provided fds (tests, pipes) */
} CharDevKind;

#define CHARDEV_OBUF 4096
#define CHARDEV_IBUF 4096

/* Sees every byte the guest writes, whatever the backend: the emulator
 * watching its console for markers. */
typedef void CharDevTap(void *opaque, const uint8_t *buf, size_t len);

typedef struct CharDev {
    CharDevKind kind;
    CharDevTap *tap;
    void *tap_opaque;
    int in_fd;              /* -1: no input */
    int out_fd;             /* -1: output discarded */
    bool close_out;         /* we opened out_fd */
    bool in_eof;
    bool tty_raw;           /* we changed the terminal: restore it */
    struct termios saved_tty;
    int64_t last_poll_ns;   /* host monotonic, of the last empty poll */
    int64_t obuf_since_ns;  /* host monotonic, when obuf became non-empty */
    size_t olen;
    size_t ipos, ilen;
    uint8_t obuf[CHARDEV_OBUF];
    uint8_t ibuf[CHARDEV_IBUF];
} CharDev;

/* Parses a -serial spec. NULL with *err set on error; NULL with *err NULL
 * for "none". err may be NULL. */
CharDev *chardev_open(const char *spec, const char **err);
/* A backend on given fds (either may be -1); the fds are not closed. */
CharDev *chardev_open_fds(int in_fd, int out_fd);
/* Flushes, restores the terminal, closes what it opened, frees. NULL ok. */
void chardev_close(CharDev *c);

void chardev_write(CharDev *c, const uint8_t *buf, size_t len);
/* Installs (fn != NULL) or removes the observer of guest output. */
void chardev_set_tap(CharDev *c, CharDevTap *fn, void *opaque);
/* Writes any buffered output now. Async-signal-safe. */
void chardev_flush(CharDev *c);
/* Restores the terminal if chardev_open changed it. Async-signal-safe. */
void chardev_restore_tty(CharDev *c);

/* Next input byte, or -1 when none is available now. */
int chardev_read_byte(CharDev *c);
/* Like chardev_read_byte's check, without consuming; polls the fd
 * (subject to the 1 ms rate limit unless force). */
bool chardev_input_ready(CharDev *c, bool force);
/* The fd to poll() for input while idle, or -1. */
int chardev_input_fd(const CharDev *c);
#endif
