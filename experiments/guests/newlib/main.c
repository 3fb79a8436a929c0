/* newlib: exercises newlib's stdio (printf with integers, strings, %x and
 * soft-float %f/%e/%g), string.h, strtol, sprintf, qsort, libm (sqrt, sin,
 * exp, ...) and malloc/free.  Output goes through _write -> PL011 UART0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failures;

#define CHECK(cond)                                                    \
    do {                                                               \
        if (!(cond)) {                                                 \
            printf("CHECK FAILED line %d: %s\n", __LINE__, #cond);     \
            failures++;                                                \
        }                                                              \
    } while (0)

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_printf(void)
{
    printf("ints: %d %i %u %ld %lld\n", -42, 17, 4000000000u, -123456789L, -9007199254740993LL);
    printf("hex: %x %X %08x %#x %lx\n", 0xdeadbeefu, 0xcafeu, 0x1234u, 255u, 0xfeedfaceUL);
    printf("pad: [%5d] [%-5d] [%05d] [%+d] [% d]\n", 42, 42, 42, 42, 42);
    printf("str: [%s] [%10s] [%-10s] [%.3s] %c%c\n", "hello", "right", "left", "truncate", 'o', 'k');
    printf("float: %f %.2f %10.4f %e %g %g\n", 3.14159265358979, -2.5, 1.0 / 3.0, 6.02214076e23,
           0.0001234, 1e20);
    printf("special: %f %f %.0f %.1f\n", 0.0, -0.0, 2.5, 0.05);
}

static void test_strings(void)
{
    char buf[128];
    const char *s = "The quick brown fox";
    CHECK(strlen(s) == 19);
    CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("same", "same") == 0);
    CHECK(strncmp("prefix-one", "prefix-two", 7) == 0);
    memset(buf, 'x', sizeof buf);
    memcpy(buf, s, strlen(s) + 1);
    CHECK(strcmp(buf, s) == 0 && buf[20] == 'x');
    memmove(buf + 4, buf, 10);
    buf[14] = '\0';
    printf("memmove: [%s]\n", buf);
    CHECK(strchr(s, 'q') == s + 4 && strrchr(s, 'o') == s + 17 && strstr(s, "brown") == s + 10);
    char *end;
    long v = strtol("  -12345xyz", &end, 10);
    CHECK(v == -12345 && *end == 'x');
    CHECK(strtol("0x7fff", NULL, 16) == 0x7fff && strtol("777", NULL, 8) == 511);
    CHECK(strtoul("4294967295", NULL, 10) == 4294967295UL);
    int n = sprintf(buf, "%s-%d-%04x-%.3f", "id", 99, 0xab, 1.5);
    printf("sprintf: %d [%s]\n", n, buf);
    CHECK(strcmp(buf, "id-99-00ab-1.500") == 0);
    volatile size_t cap = 8; /* runtime size: truncation is the point */
    int full = snprintf(buf, cap, "%s", s);
    CHECK(full == 19 && strcmp(buf, "The qui") == 0);
    double d = strtod("2.718281828", NULL);
    printf("strtod: %.9f atoi: %d\n", d, atoi("-77"));
}

static void test_qsort(void)
{
    int a[64];
    uint32_t x = 2463534242u;
    for (int i = 0; i < 64; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        a[i] = (int)(x % 1000) - 500;
    }
    qsort(a, 64, sizeof a[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < 64; i++)
        sorted &= a[i - 1] <= a[i];
    CHECK(sorted);
    printf("qsort ints: %d %d %d ... %d\n", a[0], a[1], a[2], a[63]);
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date"};
    qsort(words, 6, sizeof words[0], cmp_str);
    printf("qsort strs:");
    for (int i = 0; i < 6; i++)
        printf(" %s", words[i]);
    printf("\n");
}

static void test_math(void)
{
    double r2 = sqrt(2.0);
    printf("sqrt(2)=%.12f sin(1)=%.12f cos(0.5)=%.12f\n", r2, sin(1.0), cos(0.5));
    printf("exp(1)=%.12f log(10)=%.12f pow(2,0.5)=%.12f atan2(1,2)=%.12f\n", exp(1.0), log(10.0),
           pow(2.0, 0.5), atan2(1.0, 2.0));
    printf("floor/ceil/fabs/fmod: %.1f %.1f %.3f %.3f\n", floor(-2.5), ceil(-2.5), fabs(-7.25),
           fmod(10.5, 3.0));
    float f = 1.0f;
    for (int i = 0; i < 20; i++)
        f = f * 1.1f + 0.25f;
    printf("float loop: %.6f sqrtf: %.6f\n", (double)f, (double)sqrtf(f));
    CHECK(fabs(r2 * r2 - 2.0) < 1e-12);
    CHECK(fabs(sin(1.0) * sin(1.0) + cos(1.0) * cos(1.0) - 1.0) < 1e-12);
    double acc = 0;
    for (int i = 1; i <= 200; i++)
        acc += 1.0 / ((double)i * i);
    printf("basel(200)=%.10f pi^2/6=%.10f\n", acc, M_PI * M_PI / 6.0);
}

static void test_malloc(void)
{
    enum { N = 40 };
    char *blocks[N];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        size_t sz = 16 + (size_t)(i * 37 % 500);
        blocks[i] = malloc(sz);
        CHECK(blocks[i] != NULL);
        memset(blocks[i], i, sz);
        total += sz;
    }
    for (int i = 0; i < N; i += 2) {
        free(blocks[i]);
        blocks[i] = NULL;
    }
    for (int i = 0; i < N; i += 2) {
        blocks[i] = calloc(1, 64);
        CHECK(blocks[i] && blocks[i][0] == 0 && blocks[i][63] == 0);
    }
    int ok = 1;
    for (int i = 1; i < N; i += 2)
        ok &= blocks[i][0] == (char)i;
    CHECK(ok);
    char *big = realloc(blocks[1], 100000);
    CHECK(big != NULL && big[0] == 1);
    blocks[1] = big;
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    printf("malloc: %d blocks, %u bytes, ok=%d\n", N, (unsigned)total, ok);
}

int main(void)
{
    printf("newlib guest\n");
    test_printf();
    test_strings();
    test_qsort();
    test_math();
    test_malloc();
    printf("newlib %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
