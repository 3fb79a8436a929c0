/* cpu: CPU-bound guest.  Three phases (hashing, sorting, matrix multiply),
 * each printing a checksum and the number of 24 MHz counter ticks it took,
 * then a final checksum.  "-append scale=N" multiplies the work (default 16,
 * roughly 30 M instructions at -O2 in ARM state). */
#include "rt.h"

#define BUF_BYTES 8192
#define SORT_N 3000
#define INS_N 600
#define MAT_N 24

static uint8_t buf[BUF_BYTES];
static int32_t arr[SORT_N];
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
static uint32_t crc_table[256];

static uint32_t rng_state;
static int failures;

static uint32_t xorshift32(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n, uint32_t h)
{
    while (n--) {
        h ^= *p++;
        h *= 16777619u;
    }
    return h;
}

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* bitwise variant: lots of shifts and conditional execution */
static uint32_t crc32_bitwise(const uint8_t *p, uint32_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void quicksort(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        if (hi - lo < 12) {             /* small ranges: insertion sort */
            for (int i = lo + 1; i <= hi; i++) {
                int32_t v = a[i];
                int j = i - 1;
                while (j >= lo && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {          /* recurse into the smaller half */
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static void insertion_sort(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint32_t check_sorted(const int32_t *a, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) {
            failures++;
            return 0xdeadbeefu;
        }
        h = (h ^ (uint32_t)a[i]) * 16777619u;
    }
    return h;
}

static uint32_t phase_hash(uint32_t scale)
{
    uint32_t h = 2166136261u, c = 0, cb = 0;
    for (uint32_t r = 0; r < scale; r++) {
        for (uint32_t i = 0; i < BUF_BYTES; i++)
            buf[i] = (uint8_t)xorshift32();
        h = fnv1a(buf, BUF_BYTES, h);
        c = crc32(buf, BUF_BYTES, c);
        cb = crc32_bitwise(buf, BUF_BYTES / 4, cb);
    }
    return h ^ c ^ (cb * 3u);
}

static uint32_t phase_sort(uint32_t scale)
{
    uint32_t sum = 0;
    for (uint32_t r = 0; r < scale; r++) {
        for (int i = 0; i < SORT_N; i++)
            arr[i] = (int32_t)(xorshift32() % 200003u) - 100000;
        quicksort(arr, 0, SORT_N - 1);
        sum = sum * 31u + check_sorted(arr, SORT_N);
        for (int i = 0; i < INS_N; i++)
            arr[i] = (int32_t)xorshift32();
        insertion_sort(arr, INS_N);
        sum = sum * 31u + check_sorted(arr, INS_N);
    }
    return sum;
}

static uint32_t phase_matmul(uint32_t scale)
{
    uint32_t sum = 0;
    for (uint32_t r = 0; r < scale; r++) {
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) {
                mat_a[i][j] = (int32_t)(xorshift32() & 0xffff) - 0x8000;
                mat_b[i][j] = (int32_t)(xorshift32() & 0xfff) - 0x800;
            }
        for (int rep = 0; rep < 3; rep++) {
            for (int i = 0; i < MAT_N; i++)
                for (int j = 0; j < MAT_N; j++) {
                    int32_t acc = 0;
                    for (int k = 0; k < MAT_N; k++)
                        acc += mat_a[i][k] * mat_b[k][j];
                    mat_c[i][j] = acc;
                }
            /* feed back so the repetitions are not redundant */
            for (int i = 0; i < MAT_N; i++)
                for (int j = 0; j < MAT_N; j++)
                    mat_a[i][j] = (mat_c[i][j] >> 11) ^ (int32_t)rep;
        }
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++)
                sum = (sum ^ (uint32_t)mat_c[i][j]) * 0x9e3779b1u + (sum >> 7);
    }
    return sum;
}

int main(void)
{
    uint32_t scale = rt_arg_u32("scale", 16);
    rng_state = 0x12345678u;
    crc32_init();
    /* known-answer self tests: CRC-32 of "123456789" is 0xcbf43926 */
    static const uint8_t kat[] = "123456789";
    if (crc32(kat, 9, 0) != 0xcbf43926u || crc32_bitwise(kat, 9, 0) != 0xcbf43926u) {
        rt_puts("cpu: crc32 self-test FAILED\n");
        failures++;
    }

    rt_printf("cpu: scale=%u\n", scale);
    uint32_t t_start = rt_counter24();
    uint32_t t0 = t_start;

    uint32_t h = phase_hash(scale);
    uint32_t t1 = rt_counter24();
    rt_printf("hash   checksum=%08x ticks24=%u\n", h, t1 - t0);

    uint32_t s = phase_sort(scale);
    uint32_t t2 = rt_counter24();
    rt_printf("sort   checksum=%08x ticks24=%u\n", s, t2 - t1);

    uint32_t m = phase_matmul(scale);
    uint32_t t3 = rt_counter24();
    rt_printf("matmul checksum=%08x ticks24=%u\n", m, t3 - t2);

    uint32_t final = h ^ (s * 0x01000193u) ^ (m * 0x9e3779b1u);
    rt_printf("final  checksum=%08x ticks24=%u\n", final, t3 - t_start);
    rt_printf("cpu: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
