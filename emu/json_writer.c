/* A small streaming JSON writer (see json_writer.h). */
#include "json_writer.h"
#include <math.h>
#include <stdlib.h>

void json_init(JsonWriter *w, FILE *f)
{
    *w = (JsonWriter){ .f = f };
}

/* Before any value: the comma after the previous item of the container and
 * the new item's own line, unless the value completes a member's key. */
static void begin_value(JsonWriter *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    fputs(w->has_items[w->depth - 1] ? ",\n" : "\n", w->f);
    w->has_items[w->depth - 1] = true;
    fprintf(w->f, "%*s", 2 * w->depth, "");
}

static void open_container(JsonWriter *w, char c)
{
    begin_value(w);
    /* Nesting this deep is a bug in the caller, not bad input. */
    if (w->depth == JSON_MAX_DEPTH)
        abort();
    fputc(c, w->f);
    w->has_items[w->depth++] = false;
}

static void close_container(JsonWriter *w, char c)
{
    if (w->depth == 0)
        abort();
    if (w->has_items[--w->depth])
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    fputc(c, w->f);
}

void json_object_begin(JsonWriter *w) { open_container(w, '{'); }
void json_object_end(JsonWriter *w) { close_container(w, '}'); }
void json_array_begin(JsonWriter *w) { open_container(w, '['); }
void json_array_end(JsonWriter *w) { close_container(w, ']'); }

static void write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);        /* UTF-8 passes through unchanged */
    }
    fputc('"', f);
}

void json_key(JsonWriter *w, const char *key)
{
    begin_value(w);
    write_string(w->f, key);
    fputs(": ", w->f);
    w->after_key = true;
}

void json_string(JsonWriter *w, const char *s)
{
    begin_value(w);
    if (s)
        write_string(w->f, s);
    else
        fputs("null", w->f);
}

void json_number(JsonWriter *w, double x)
{
    begin_value(w);
    if (!isfinite(x)) {
        fputs("null", w->f);
        return;
    }
    /* %.15g is exact for the decimal constants of the parameter tables
     * (1e-06, not 9.9999999999999995e-07); 17 digits for anything else. */
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, sizeof buf, "%.17g", x);
    fputs(buf, w->f);
}

void json_int(JsonWriter *w, long long x)
{
    begin_value(w);
    fprintf(w->f, "%lld", x);
}

void json_bool(JsonWriter *w, bool b)
{
    begin_value(w);
    fputs(b ? "true" : "false", w->f);
}

void json_finish(JsonWriter *w)
{
    fputc('\n', w->f);
}
