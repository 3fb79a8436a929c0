/*
 * Watches the guest's console for marker lines, so that the emulator can act
 * on what the guest prints without the guest doing anything QEMU would not
 * see: the region of interest of a run starts and ends at lines the guest
 * prints anyway (the Linux guest's "driftlab: begin ..." and "driftlab:
 * done"). Lines are matched by prefix, at the newline that ends them.
 */
#ifndef EMU_CONSOLE_WATCH_H
#define EMU_CONSOLE_WATCH_H
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_WATCH_LINE 256   /* longer lines are matched on this prefix */
#define CONSOLE_WATCH_MAX 4

/* which: index of the prefix that matched; line: the line, NUL-terminated,
 * without its newline (and without a trailing '\r'). */
typedef void ConsoleWatchFn(void *opaque, int which, const char *line);

typedef struct ConsoleWatch {
    const char *prefix[CONSOLE_WATCH_MAX];
    int n_prefix;
    ConsoleWatchFn *fn;
    void *opaque;
    size_t len;
    char line[CONSOLE_WATCH_LINE + 1];
} ConsoleWatch;

void console_watch_init(ConsoleWatch *w, ConsoleWatchFn *fn, void *opaque);
/* Adds a prefix; returns its index, or -1 when full. The string must
 * outlive the watch. */
int console_watch_add(ConsoleWatch *w, const char *prefix);
/* Feeds guest output (a CharDevTap). */
void console_watch_feed(void *watch, const uint8_t *buf, size_t len);
#endif
