/* Minimal TAP-style assertions for the C unit tests: "ok N - what" lines and
 * a non-zero exit status if anything failed. */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...) do {                                         \
        tap_n++;                                                      \
        if (cond) {                                                   \
            printf("ok %d - ", tap_n);                                \
        } else {                                                      \
            tap_failed++;                                             \
            printf("not ok %d - (%s:%d: %s) ", tap_n, __FILE__, __LINE__, #cond); \
        }                                                             \
        printf(__VA_ARGS__);                                          \
        putchar('\n');                                                \
    } while (0)

#define CHECK_EQ(a, b, ...) do {                                      \
        long long tap_a = (long long)(a), tap_b = (long long)(b);     \
        CHECK(tap_a == tap_b, __VA_ARGS__);                           \
        if (tap_a != tap_b)                                           \
            printf("#   got %lld, expected %lld\n", tap_a, tap_b);    \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
