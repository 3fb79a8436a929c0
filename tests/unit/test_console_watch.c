/* The console watcher: marker lines found by prefix at their newline, split
 * across writes, with CRLF endings, overlong lines, and through a chardev
 * whose output is discarded (-serial null still sees the guest's bytes). */
#include "console_watch.h"
#include "hw/chardev.h"
#include "tap.h"
#include <string.h>

typedef struct Seen {
    int n, which[8];
    char line[8][CONSOLE_WATCH_LINE + 1];
} Seen;

static void on_match(void *opaque, int which, const char *line)
{
    Seen *s = opaque;
    if (s->n < 8) {
        s->which[s->n] = which;
        strcpy(s->line[s->n], line);
    }
    s->n++;
}

static void feed(ConsoleWatch *w, const char *text)
{
    console_watch_feed(w, (const uint8_t *)text, strlen(text));
}

int main(void)
{
    Seen s = {0};
    ConsoleWatch w;
    console_watch_init(&w, on_match, &s);
    CHECK_EQ(console_watch_add(&w, "driftlab: begin "), 0, "first prefix is 0");
    CHECK_EQ(console_watch_add(&w, "driftlab: done"), 1, "second prefix is 1");

    feed(&w, "[    0.1] booting\ndriftlab: beg");
    CHECK_EQ(s.n, 0, "no match before the line ends");
    feed(&w, "in stress mono_ns=5\r\nnoise driftlab: begin x\n");
    CHECK_EQ(s.n, 1, "a line split across writes matches once; mid-line text does not");
    CHECK_EQ(s.which[0], 0, "matched the begin prefix");
    CHECK(!strcmp(s.line[0], "driftlab: begin stress mono_ns=5"), "CR and LF stripped: '%s'", s.line[0]);

    char big[600];
    memset(big, 'x', sizeof big);
    memcpy(big, "driftlab: done", 14);
    console_watch_feed(&w, (const uint8_t *)big, sizeof big);
    feed(&w, "\n");
    CHECK_EQ(s.n, 2, "an overlong line still matches on its start");
    CHECK_EQ(s.which[1], 1, "... the done prefix");
    CHECK_EQ(strlen(s.line[1]), CONSOLE_WATCH_LINE, "... cut to the line buffer");

    CharDev *c = chardev_open("null", NULL);
    CHECK(c != NULL, "a null chardev");
    chardev_set_tap(c, console_watch_feed, &w);
    chardev_write(c, (const uint8_t *)"driftlab: done\n", 15);
    CHECK_EQ(s.n, 3, "the tap sees output that the backend discards");
    chardev_close(c);
    return tap_done();
}
