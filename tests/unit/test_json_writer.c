/* The JSON writer: commas and indentation for nested and empty containers,
 * string escapes, numbers that read back exactly, null for what JSON cannot
 * hold. */
#include "json_writer.h"
#include "tap.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Runs fn on a writer over a memory stream; returns the text (free it),
 * also shown as a TAP comment for when a check fails. */
static char *written(void (*fn)(JsonWriter *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    JsonWriter w;
    json_init(&w, f);
    fn(&w);
    json_finish(&w);
    fclose(f);
    printf("# ");
    for (const char *c = buf; *c; c++) {
        putchar(*c);
        if (*c == '\n')
            printf("# ");
    }
    putchar('\n');
    return buf;
}

static void nested(JsonWriter *w)
{
    json_object_begin(w);
    json_key(w, "a");
    json_int(w, -3);
    json_key(w, "list");
    json_array_begin(w);
    json_bool(w, true);
    json_string(w, NULL);
    json_object_begin(w);
    json_object_end(w);
    json_array_end(w);
    json_key(w, "empty");
    json_array_begin(w);
    json_array_end(w);
    json_object_end(w);
}

static void escapes(JsonWriter *w)
{
    json_string(w, "q\"b\\n\nt\tc\x01 del\x7f é");
}

static void numbers(JsonWriter *w)
{
    json_array_begin(w);
    json_number(w, 1e-6);
    json_number(w, 1e12);
    json_number(w, 0.1 + 0.2);
    json_number(w, -170);
    json_number(w, INFINITY);
    json_number(w, NAN);
    json_array_end(w);
}

int main(void)
{
    char *s = written(nested);
    CHECK(!strcmp(s, "{\n  \"a\": -3,\n  \"list\": [\n    true,\n    null,\n    {}\n  ],\n"
                     "  \"empty\": []\n}\n"),
          "nested containers: commas, two-space indent, empty ones closed at once");
    free(s);

    s = written(escapes);
    CHECK(!strcmp(s, "\"q\\\"b\\\\n\\nt\\tc\\u0001 del\\u007f é\"\n"),
          "quote, backslash, newline, tab and control bytes escaped, UTF-8 kept");
    free(s);

    s = written(numbers);
    CHECK(!strcmp(s, "[\n  1e-06,\n  1000000000000,\n  0.30000000000000004,\n  -170,\n"
                     "  null,\n  null\n]\n"),
          "short decimals stay short, others get 17 digits, no inf/nan");
    char *p = strstr(s, "0.3");
    CHECK(p && strtod(p, NULL) == 0.1 + 0.2, "the long form reads back exactly");
    free(s);
    return tap_done();
}
