/* coremark-like: a CoreMark-flavoured benchmark kernel written for driftlab
 * (not the EEMBC code).  Each iteration runs linked-list operations, matrix
 * operations and a numeric-token state machine, folding everything into a
 * CRC-16.  "-append iterations=N" sets the iteration count; the default runs
 * roughly 70 M instructions at -O2 in ARM state.  Prints the iteration
 * count, the final CRC and 24 MHz counter ticks. */
#include "rt.h"

/* ----------------------------------------------------------------- CRC-16 */
static uint16_t crc16_byte(uint8_t b, uint16_t crc)
{
    crc ^= (uint16_t)b << 8;
    for (int i = 0; i < 8; i++)
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u16(uint16_t v, uint16_t crc)
{
    return crc16_byte((uint8_t)(v >> 8), crc16_byte((uint8_t)v, crc));
}

static uint16_t crc16_u32(uint32_t v, uint16_t crc)
{
    return crc16_u16((uint16_t)(v >> 16), crc16_u16((uint16_t)v, crc));
}

/* ------------------------------------------------------------ linked list */
#define LIST_N 48

struct node {
    struct node *next;
    int16_t data;
    int16_t idx;
};

static struct node pool[LIST_N];

static struct node *list_build(uint32_t seed)
{
    struct node *head = NULL;
    for (int i = LIST_N - 1; i >= 0; i--) {
        seed = seed * 1103515245u + 12345u;
        pool[i].data = (int16_t)((seed >> 16) & 0x7fff);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *head)
{
    struct node *prev = NULL;
    while (head) {
        struct node *n = head->next;
        head->next = prev;
        prev = head;
        head = n;
    }
    return prev;
}

static struct node *list_find(struct node *head, int16_t data)
{
    while (head && head->data != data)
        head = head->next;
    return head;
}

static int cmp_data(const struct node *a, const struct node *b) { return a->data - b->data; }
static int cmp_idx(const struct node *a, const struct node *b) { return a->idx - b->idx; }

/* bottom-up merge sort of a singly linked list */
static struct node *list_sort(struct node *list, int (*cmp)(const struct node *, const struct node *))
{
    for (int insize = 1;; insize *= 2) {
        struct node *p = list, *tail = NULL;
        list = NULL;
        int merges = 0;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p;
                    p = p->next;
                    psize--;
                } else {
                    e = q;
                    q = q->next;
                    qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1)
            return list;
    }
}

static uint16_t bench_list(uint32_t iter, uint16_t crc)
{
    struct node *head = list_build(iter * 7919u + 1);
    int16_t probe = pool[(iter * 13) % LIST_N].data;
    struct node *f = list_find(head, probe);
    crc = crc16_u16((uint16_t)(f ? f->idx : -1), crc);
    head = list_reverse(head);
    head = list_sort(head, cmp_data);
    for (struct node *n = head; n; n = n->next)
        crc = crc16_u16((uint16_t)n->data, crc);
    head = list_sort(head, cmp_idx);
    crc = crc16_u16((uint16_t)head->idx, crc);
    f = list_find(head, (int16_t)-1);
    crc = crc16_u16(f ? 1 : 0, crc);
    return crc;
}

/* ---------------------------------------------------------------- matrix */
#define MAT_N 12

static int16_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N];
static int32_t mc[MAT_N][MAT_N];

static void mat_init(uint32_t seed)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            seed = seed * 1664525u + 1013904223u;
            ma[i][j] = (int16_t)((seed >> 20) - 2048);
            mb[i][j] = (int16_t)(((seed >> 8) & 0xff) - 128);
        }
}

static uint16_t bench_matrix(uint32_t iter, uint16_t crc)
{
    mat_init(iter + 0x5eed);
    int16_t k = (int16_t)(iter & 0x3f) + 1;
    for (int i = 0; i < MAT_N; i++) /* add constant */
        for (int j = 0; j < MAT_N; j++)
            ma[i][j] = (int16_t)(ma[i][j] + k);
    for (int i = 0; i < MAT_N; i++) /* multiply by constant */
        for (int j = 0; j < MAT_N; j++)
            mc[i][j] = (int32_t)ma[i][j] * k;
    int32_t sum = 0;
    for (int i = 0; i < MAT_N; i++) { /* matrix x vector */
        int32_t acc = 0;
        for (int j = 0; j < MAT_N; j++)
            acc += (int32_t)ma[i][j] * mb[j][0];
        sum += acc;
    }
    crc = crc16_u32((uint32_t)sum, crc);
    for (int i = 0; i < MAT_N; i++) /* matrix x matrix */
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int x = 0; x < MAT_N; x++)
                acc += (int32_t)ma[i][x] * mb[x][j];
            mc[i][j] = acc;
        }
    uint32_t bits = 0;
    for (int i = 0; i < MAT_N; i++) /* bit extraction */
        for (int j = 0; j < MAT_N; j++)
            bits += ((uint32_t)mc[i][j] >> 2) & 0xf;
    crc = crc16_u32(bits, crc);
    crc = crc16_u32((uint32_t)mc[MAT_N - 1][MAT_N - 1], crc);
    return crc;
}

/* --------------------------------------------------------- state machine */
enum state { S_START, S_SIGN, S_INT, S_DOT, S_FRAC, S_EXP, S_EXPSIGN, S_SCI, S_BAD, S_COUNT };

static const char *const tokens[] = {
    "5012", "-190", "+3.25", "0.5e3", "1e-7", "abc", "12x", "-.5", "7.", "+", "3.14159",
    "6.02e+23", "--1", "42", "0", "9e", "1.5E9", "x1", "-0.000", "100000",
};
#define NTOK (sizeof(tokens) / sizeof(tokens[0]))

static char text[512];
static uint32_t text_len;

static void text_build(void)
{
    uint32_t n = 0;
    for (uint32_t t = 0; t < 3 * NTOK; t++) {
        const char *s = tokens[(t * 7) % NTOK];
        while (*s && n < sizeof(text) - 2)
            text[n++] = *s++;
        text[n++] = ',';
    }
    text[n] = '\0';
    text_len = n;
}

static enum state step(enum state s, char c)
{
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case S_START:
        return digit ? S_INT : (c == '+' || c == '-') ? S_SIGN : c == '.' ? S_DOT : S_BAD;
    case S_SIGN:
        return digit ? S_INT : c == '.' ? S_DOT : S_BAD;
    case S_INT:
        return digit ? S_INT : c == '.' ? S_DOT : (c == 'e' || c == 'E') ? S_EXP : S_BAD;
    case S_DOT:
        return digit ? S_FRAC : S_BAD;
    case S_FRAC:
        return digit ? S_FRAC : (c == 'e' || c == 'E') ? S_EXP : S_BAD;
    case S_EXP:
        return digit ? S_SCI : (c == '+' || c == '-') ? S_EXPSIGN : S_BAD;
    case S_EXPSIGN:
    case S_SCI:
        return digit ? S_SCI : S_BAD;
    default:
        return S_BAD;
    }
}

static uint16_t bench_state(uint32_t iter, uint16_t crc)
{
    uint32_t final_count[S_COUNT] = {0}, transitions = 0;
    /* corrupt one character per iteration, as CoreMark does */
    uint32_t pos = (iter * 31u) % text_len;
    char saved = text[pos];
    if (text[pos] != ',')
        text[pos] = (char)('0' + (iter % 10));
    enum state s = S_START;
    for (uint32_t i = 0; i < text_len; i++) {
        char c = text[i];
        if (c == ',') {
            final_count[s]++;
            s = S_START;
            continue;
        }
        enum state n = step(s, c);
        transitions += n != s;
        s = n;
    }
    text[pos] = saved;
    for (int i = 0; i < S_COUNT; i++)
        crc = crc16_u32(final_count[i], crc);
    return crc16_u32(transitions, crc);
}

int main(void)
{
    uint32_t iterations = rt_arg_u32("iterations", 1200);
    text_build();
    rt_printf("coremark-like: iterations=%u\n", iterations);
    uint32_t t0 = rt_counter24();
    uint16_t crc = 0, crc_list = 0, crc_mat = 0, crc_state = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        crc_list = bench_list(it, crc_list);
        crc_mat = bench_matrix(it, crc_mat);
        crc_state = bench_state(it, crc_state);
    }
    crc = crc16_u16(crc_list, crc16_u16(crc_mat, crc16_u16(crc_state, 0)));
    uint32_t t1 = rt_counter24();
    rt_printf("crc list=%04x matrix=%04x state=%04x final=%04x\n", crc_list, crc_mat, crc_state, crc);
    rt_printf("ticks24=%u\n", t1 - t0);
    /* instructions ~= ticks24 * 1000 / 24 under -icount shift=0 */
    rt_printf("coremark-like: done\n");
    return 0;
}
