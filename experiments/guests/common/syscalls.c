/* newlib system-call stubs for the `newlib` guest: stdout/stderr go to the
 * PL011 UART (not to semihosting), the heap grows from `end` towards the
 * stacks, and exit ends the run through semihosting SYS_EXIT_EXTENDED.
 * Linked with -nostartfiles, so _init/_fini come from here too. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "rt.h"

#undef errno
extern int errno;

extern char end[];          /* link.ld: first free byte after .bss */
extern char __stack_limit[]; /* link.ld: lowest byte of the stacks */

void _init(void) {}
void _fini(void) {}

/* returning from main runs atexit handlers and flushes stdio */
void rt_main_return(int code) { exit(code); }

void _exit(int code)
{
    rt_exit(code);
}

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    for (int i = 0; i < len; i++)
        rt_putc(buf[i]);
    return len;
}

int _read(int fd, char *buf, int len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0; /* EOF */
}

void *_sbrk(ptrdiff_t incr)
{
    static char *brk = end;
    char *prev = brk;
    if (incr < 0 || (size_t)(__stack_limit - brk) < (size_t)incr) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return prev;
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR; /* character device: line buffered stdout */
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

off_t _lseek(int fd, off_t off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    return 0;
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}
