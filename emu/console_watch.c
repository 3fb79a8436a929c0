#include "console_watch.h"
#include <string.h>

void console_watch_init(ConsoleWatch *w, ConsoleWatchFn *fn, void *opaque)
{
    memset(w, 0, sizeof *w);
    w->fn = fn;
    w->opaque = opaque;
}

int console_watch_add(ConsoleWatch *w, const char *prefix)
{
    if (w->n_prefix == CONSOLE_WATCH_MAX || !prefix || !*prefix)
        return -1;
    w->prefix[w->n_prefix] = prefix;
    return w->n_prefix++;
}

static void end_of_line(ConsoleWatch *w)
{
    if (w->len && w->line[w->len - 1] == '\r')
        w->len--;
    w->line[w->len] = 0;
    for (int i = 0; i < w->n_prefix; i++)
        if (!strncmp(w->line, w->prefix[i], strlen(w->prefix[i]))) {
            w->fn(w->opaque, i, w->line);
            break;
        }
    w->len = 0;
}

void console_watch_feed(void *watch, const uint8_t *buf, size_t len)
{
    ConsoleWatch *w = watch;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            end_of_line(w);
        else if (w->len < CONSOLE_WATCH_LINE)
            w->line[w->len++] = (char)buf[i];
    }
}
