/*
 * drift-summary: the drift part of a record's /summary for a series, as the
 * recorder computes it (the online statistics of drift_stats.h), so that
 * Python code that makes records (python/driftlab/analysis/synth.py) needs no statistics of
 * its own.
 *
 *   drift-summary < SERIES
 *
 * SERIES: (host_ns, drift_ns) pairs of native-endian int64, as many as there
 * are samples (at least one). Prints one JSON object, the attribute names of
 * docs/hdf5-schema.md to their values; integers stay integers, and doubles
 * print with 17 significant digits so that they read back bit for bit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift_stats.h"

static int fail(const char *msg)
{
    fprintf(stderr, "drift-summary: %s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return fail("no arguments; the series comes on stdin (int64 host_ns, drift_ns pairs)");
    DriftStats *s = drift_stats_new();
    if (!s)
        return fail("out of memory");
    int64_t pair[2];
    size_t got;
    while ((got = fread(pair, 1, sizeof pair, stdin)) == sizeof pair)
        drift_stats_add(s, pair[0], pair[1]);
    DriftSummary d;
    drift_stats_summary(s, &d);
    drift_stats_free(s);
    if (ferror(stdin))
        return fail("cannot read stdin");
    if (got != 0)
        return fail("stdin is not a whole number of (int64, int64) pairs");
    if (d.n == 0)
        return fail("no samples on stdin");

    DriftSummaryField f[DRIFT_SUMMARY_FIELDS];
    drift_summary_fields(&d, f);
    printf("{");
    for (int i = 0; i < DRIFT_SUMMARY_FIELDS; i++) {
        printf("%s\"%s\": ", i ? ", " : "", f[i].name);
        if (f[i].integer)
            printf("%lld", (long long)f[i].i);
        else
            printf("%.17g", f[i].f);
    }
    printf("}\n");
    return 0;
}
