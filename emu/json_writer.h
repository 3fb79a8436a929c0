/*
 * A small streaming JSON writer, for the few machine-readable listings the
 * emulator prints (`-align-policy help=json`). It places commas, indents
 * two spaces per level and escapes strings; the caller opens and closes
 * containers in order (at most JSON_MAX_DEPTH deep) and gives each object
 * member its key first.
 */
#ifndef EMU_JSON_WRITER_H
#define EMU_JSON_WRITER_H
#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct JsonWriter {
    FILE *f;
    int depth;
    bool has_items[JSON_MAX_DEPTH];   /* the open container already holds a value */
    bool after_key;                   /* the next value completes "key": */
} JsonWriter;

void json_init(JsonWriter *w, FILE *f);
void json_object_begin(JsonWriter *w);
void json_object_end(JsonWriter *w);
void json_array_begin(JsonWriter *w);
void json_array_end(JsonWriter *w);
/* The key of the next object member. */
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *s);   /* NULL writes null */
/* The shortest text that reads back as x; null when x is not finite
 * (JSON has no infinities or NaN). */
void json_number(JsonWriter *w, double x);
void json_int(JsonWriter *w, long long x);
void json_bool(JsonWriter *w, bool b);
/* Ends the document with a newline. */
void json_finish(JsonWriter *w);
#endif
