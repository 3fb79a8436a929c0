/*
 * Software IEEE 754 arithmetic for the VFPv2 unit (see vfp_float.h).
 *
 * Every operand is first unpacked into a class, a sign, an unbiased
 * exponent and a 64-bit significand whose leading one sits in bit 63. The
 * operations compute a significand that is exact except for a "sticky"
 * bit 0 (set when anything non-zero was shifted out), which is enough for a
 * correctly rounded result because at least 11 bits separate bit 0 from the
 * rounding position of either format. pack() then rounds exactly the way
 * QEMU's softfloat does for ARM, including where the flags come from:
 * a result that is tiny before rounding is flushed (FZ) or rounded as a
 * subnormal, and UFC is raised for a tiny inexact result.
 */
#include "arm/vfp_float.h"

typedef struct Fmt {
    int frac_bits;      /* stored fraction bits: 23 or 52 */
    int bias;
    int exp_max;        /* all-ones exponent: 255 or 2047 */
} Fmt;

static const Fmt F32 = { 23, 127, 255 };
static const Fmt F64 = { 52, 1023, 2047 };

enum Cls { C_ZERO, C_NORMAL, C_INF, C_QNAN, C_SNAN };

typedef struct Num {
    enum Cls cls;
    bool sign;
    int exp;            /* value = frac * 2^(exp - 63) for C_NORMAL */
    uint64_t frac;      /* NaN: payload with the quiet bit at bit 62 */
} Num;

#define TOP (1ull << 63)
#define QUIET_BIT (1ull << 62)

static inline bool is_nan(enum Cls c) { return c == C_QNAN || c == C_SNAN; }

/* Shift right, keeping a 1 in bit 0 if any 1 was shifted out. */
static inline uint64_t shr_jam(uint64_t v, int n)
{
    if (n <= 0)
        return v;
    if (n >= 64)
        return v != 0;
    return (v >> n) | ((v << (64 - n)) != 0);
}

static Num unpack(const Fmt *f, uint64_t bits, FpStatus *s)
{
    Num n;
    int shift = 63 - f->frac_bits;
    uint64_t frac = bits & ((1ull << f->frac_bits) - 1);
    int e = (int)((bits >> f->frac_bits) & (uint64_t)f->exp_max);
    n.sign = (bits >> (f->frac_bits + (f == &F32 ? 8 : 11))) & 1;
    n.exp = 0;
    n.frac = frac << shift;
    if (e == 0) {
        if (frac == 0) {
            n.cls = C_ZERO;
        } else if (s->fz) {
            s->flags |= FPF_IDC;
            n.cls = C_ZERO;
            n.frac = 0;
        } else {
            int lz = __builtin_clzll(n.frac);
            n.cls = C_NORMAL;
            n.frac <<= lz;
            n.exp = 1 - f->bias - lz;
        }
    } else if (e < f->exp_max) {
        n.cls = C_NORMAL;
        n.exp = e - f->bias;
        n.frac |= TOP;
    } else if (frac == 0) {
        n.cls = C_INF;
    } else {
        n.cls = (n.frac & QUIET_BIT) ? C_QNAN : C_SNAN;
    }
    return n;
}

static inline uint64_t raw(const Fmt *f, bool sign, uint64_t e, uint64_t frac)
{
    return ((uint64_t)sign << (f->frac_bits + (f == &F32 ? 8 : 11))) |
           (e << f->frac_bits) | (frac & ((1ull << f->frac_bits) - 1));
}

/* Increment that rounds the bits under `mask` of frac in mode s->rmode. */
static uint64_t round_inc(const FpStatus *s, bool sign, uint64_t frac, uint64_t mask)
{
    uint64_t half = mask ^ (mask >> 1);
    switch (s->rmode) {
    case FPR_NEAREST:
        /* ties go to the even neighbour: no increment for an exact tie
         * whose kept lsb is 0 */
        return (frac & (mask | (mask + 1))) != half ? half : 0;
    case FPR_PLUS_INF:
        return sign ? 0 : mask;
    case FPR_MINUS_INF:
        return sign ? mask : 0;
    default:
        return 0;
    }
}

/* Round and encode. */
static uint64_t pack(const Fmt *f, Num n, FpStatus *s)
{
    int shift = 63 - f->frac_bits;
    switch (n.cls) {
    case C_ZERO:
        return raw(f, n.sign, 0, 0);
    case C_INF:
        return raw(f, n.sign, (uint64_t)f->exp_max, 0);
    case C_QNAN:
    case C_SNAN:
        return raw(f, n.sign, (uint64_t)f->exp_max, n.frac >> shift);
    default:
        break;
    }
    uint64_t mask = (1ull << shift) - 1;
    int e = n.exp + f->bias;
    uint64_t frac = n.frac;
    uint32_t flags = 0;
    if (e > 0) {
        if (frac & mask) {
            flags |= FPF_IXC;
            uint64_t sum = frac + round_inc(s, n.sign, frac, mask);
            if (sum < frac) {               /* carried out of bit 63 */
                sum = (sum >> 1) | TOP;
                e++;
            }
            frac = sum & ~mask;
        }
        if (e >= f->exp_max) {
            bool to_max = s->rmode == FPR_ZERO || (s->rmode == FPR_PLUS_INF && n.sign) ||
                          (s->rmode == FPR_MINUS_INF && !n.sign);
            s->flags |= flags | FPF_OFC | FPF_IXC;
            if (to_max)
                return raw(f, n.sign, (uint64_t)f->exp_max - 1, ~0ull);
            return raw(f, n.sign, (uint64_t)f->exp_max, 0);
        }
        s->flags |= flags;
        return raw(f, n.sign, (uint64_t)e, frac >> shift);
    }
    if (s->fz) {
        /* tiny before rounding: flushed, reported as underflow only */
        s->flags |= FPF_UFC;
        return raw(f, n.sign, 0, 0);
    }
    frac = shr_jam(frac, 1 - e);
    if (frac & mask) {
        flags |= FPF_IXC | FPF_UFC;        /* tiny and inexact */
        frac += round_inc(s, n.sign, frac, mask);
        frac &= ~mask;
    }
    s->flags |= flags;
    /* a carry into bit 63 makes it the smallest normal */
    return raw(f, n.sign, frac >> 63, frac >> shift);
}

static Num make_default_nan(const Fmt *f)
{
    Num n = { C_QNAN, false, 0, 1ull << 62 };
    (void)f;
    return n;
}

/* A NaN operand of a one-input operation. */
static Num nan_result(const Fmt *f, Num a, FpStatus *s)
{
    if (a.cls == C_SNAN) {
        s->flags |= FPF_IOC;
        a.frac |= QUIET_BIT;
        a.cls = C_QNAN;
    }
    if (s->dn)
        return make_default_nan(f);
    return a;
}

/* ARM FPProcessNaNs for two operands, at least one a NaN. */
static Num pick_nan(const Fmt *f, Num a, Num b, FpStatus *s)
{
    if (a.cls == C_SNAN || b.cls == C_SNAN)
        s->flags |= FPF_IOC;
    if (s->dn)
        return make_default_nan(f);
    Num r;
    if (a.cls == C_SNAN)
        r = a;
    else if (b.cls == C_SNAN)
        r = b;
    else if (a.cls == C_QNAN)
        r = a;
    else
        r = b;
    r.frac |= QUIET_BIT;
    r.cls = C_QNAN;
    return r;
}

static Num add_sub(const Fmt *f, Num a, Num b, bool subtract, FpStatus *s)
{
    bool bsign = b.sign ^ subtract;
    if (is_nan(a.cls) || is_nan(b.cls))
        return pick_nan(f, a, b, s);
    if (a.cls == C_INF || b.cls == C_INF) {
        if (a.cls == C_INF && b.cls == C_INF && a.sign != bsign) {
            s->flags |= FPF_IOC;
            return make_default_nan(f);
        }
        if (a.cls == C_INF)
            return a;
        b.sign = bsign;
        return b;
    }
    if (a.cls == C_ZERO && b.cls == C_ZERO) {
        if (a.sign != bsign)
            a.sign = s->rmode == FPR_MINUS_INF;
        return a;
    }
    if (b.cls == C_ZERO)
        return a;
    if (a.cls == C_ZERO) {
        b.sign = bsign;
        return b;
    }
    int diff = a.exp - b.exp;
    if (a.sign == bsign) {
        if (diff > 0) {
            b.frac = shr_jam(b.frac, diff);
        } else if (diff < 0) {
            a.frac = shr_jam(a.frac, -diff);
            a.exp = b.exp;
        }
        uint64_t sum = a.frac + b.frac;
        if (sum < a.frac) {
            sum = (sum >> 1) | (sum & 1) | TOP;
            a.exp++;
        }
        a.frac = sum;
        return a;
    }
    /* magnitudes subtract: |a| - |b| with a's sign, flipped if b is larger */
    if (diff > 0) {
        b.frac = shr_jam(b.frac, diff);
        a.frac -= b.frac;
    } else if (diff < 0) {
        a.exp = b.exp;
        a.sign = !a.sign;
        a.frac = b.frac - shr_jam(a.frac, -diff);
    } else if (a.frac >= b.frac) {
        a.frac -= b.frac;
    } else {
        a.frac = b.frac - a.frac;
        a.sign = !a.sign;
    }
    if (a.frac == 0) {
        a.cls = C_ZERO;
        a.sign = s->rmode == FPR_MINUS_INF;
        return a;
    }
    int lz = __builtin_clzll(a.frac);
    a.frac <<= lz;
    a.exp -= lz;
    return a;
}

static Num mul(const Fmt *f, Num a, Num b, FpStatus *s)
{
    bool sign = a.sign ^ b.sign;
    if ((a.cls == C_INF && b.cls == C_ZERO) || (a.cls == C_ZERO && b.cls == C_INF)) {
        s->flags |= FPF_IOC;
        return make_default_nan(f);
    }
    if (is_nan(a.cls) || is_nan(b.cls))
        return pick_nan(f, a, b, s);
    if (a.cls == C_INF || b.cls == C_INF) {
        a.cls = C_INF;
        a.sign = sign;
        return a;
    }
    if (a.cls == C_ZERO || b.cls == C_ZERO) {
        a.cls = C_ZERO;
        a.sign = sign;
        return a;
    }
    unsigned __int128 p = (unsigned __int128)a.frac * b.frac;
    uint64_t hi = (uint64_t)(p >> 64) | ((uint64_t)p != 0);
    a.exp += b.exp + 1;
    if (!(hi & TOP)) {
        hi <<= 1;
        a.exp--;
    }
    a.frac = hi;
    a.sign = sign;
    return a;
}

static Num divide(const Fmt *f, Num a, Num b, FpStatus *s)
{
    bool sign = a.sign ^ b.sign;
    if ((a.cls == C_ZERO && b.cls == C_ZERO) || (a.cls == C_INF && b.cls == C_INF)) {
        s->flags |= FPF_IOC;
        return make_default_nan(f);
    }
    if (is_nan(a.cls) || is_nan(b.cls))
        return pick_nan(f, a, b, s);
    a.sign = sign;
    if (a.cls == C_INF || a.cls == C_ZERO)
        return a;
    if (b.cls == C_INF) {
        a.cls = C_ZERO;
        return a;
    }
    if (b.cls == C_ZERO) {
        s->flags |= FPF_DZC;
        a.cls = C_INF;
        return a;
    }
    /* 128/64-bit division giving a quotient with bit 63 set */
    bool smaller = a.frac < b.frac;
    unsigned __int128 num = (unsigned __int128)a.frac << (smaller ? 64 : 63);
    uint64_t q = (uint64_t)(num / b.frac);
    bool rem = (uint64_t)(num % b.frac) != 0;
    a.frac = q | rem;
    a.exp -= b.exp + smaller;
    return a;
}

static Num square_root(const Fmt *f, Num a, FpStatus *s)
{
    switch (a.cls) {
    case C_QNAN:
    case C_SNAN:
        return nan_result(f, a, s);
    case C_ZERO:
        return a;
    case C_INF:
        if (!a.sign)
            return a;
        s->flags |= FPF_IOC;
        return make_default_nan(f);
    default:
        break;
    }
    if (a.sign) {
        s->flags |= FPF_IOC;
        return make_default_nan(f);
    }
    /* value = frac * 2^(exp-63). Scale frac into a 128-bit integer M in
     * [2^126, 2^128) so that sqrt(M) has exactly 64 bits and the exponent
     * halves evenly; result exponent is floor(exp / 2). */
    bool odd = (a.exp & 1) != 0;
    unsigned __int128 m = (unsigned __int128)a.frac << (odd ? 64 : 63);
    uint64_t root = 0;
    for (int bit = 63; bit >= 0; bit--) {
        uint64_t t = root | (1ull << bit);
        if ((unsigned __int128)t * t <= m)
            root = t;
    }
    bool exact = (unsigned __int128)root * root == m;
    a.frac = root | !exact;
    a.exp = (a.exp - (odd ? 1 : 0)) / 2;
    return a;
}

static int compare(Num a, Num b, bool signalling, FpStatus *s)
{
    if (is_nan(a.cls) || is_nan(b.cls)) {
        if (signalling || a.cls == C_SNAN || b.cls == C_SNAN)
            s->flags |= FPF_IOC;
        return FPCMP_UNORDERED;
    }
    if (a.cls == C_ZERO && b.cls == C_ZERO)
        return FPCMP_EQUAL;
    if (a.cls == C_ZERO)
        return b.sign ? FPCMP_GREATER : FPCMP_LESS;
    if (b.cls == C_ZERO || a.sign != b.sign)
        return a.sign ? FPCMP_LESS : FPCMP_GREATER;
    int mag;   /* |a| vs |b| */
    if (a.cls == C_INF || b.cls == C_INF)
        mag = (a.cls == C_INF) - (b.cls == C_INF);
    else if (a.exp != b.exp)
        mag = a.exp < b.exp ? -1 : 1;
    else
        mag = a.frac < b.frac ? -1 : a.frac > b.frac;
    return a.sign ? -mag : mag;
}

/* Round a normal number to an integer magnitude in mode rmode.
 * Returns the magnitude (saturated to 2^63 when huge); *inexact set when
 * fraction bits were discarded. */
static uint64_t round_to_int(Num a, int rmode, bool *inexact)
{
    *inexact = false;
    if (a.exp < 0) {
        bool one;
        switch (rmode) {
        case FPR_NEAREST: one = a.exp == -1 && a.frac != TOP; break;
        case FPR_PLUS_INF: one = !a.sign; break;
        case FPR_MINUS_INF: one = a.sign; break;
        default: one = false; break;
        }
        *inexact = true;
        return one;
    }
    if (a.exp >= 62)
        return a.exp > 63 ? ~0ull : a.frac >> (63 - a.exp);
    int fbits = 63 - a.exp;
    uint64_t ip = a.frac >> fbits, rem = a.frac & ((1ull << fbits) - 1);
    if (rem == 0)
        return ip;
    *inexact = true;
    uint64_t half = 1ull << (fbits - 1);
    switch (rmode) {
    case FPR_NEAREST:
        if (rem > half || (rem == half && (ip & 1)))
            ip++;
        break;
    case FPR_PLUS_INF:
        if (!a.sign)
            ip++;
        break;
    case FPR_MINUS_INF:
        if (a.sign)
            ip++;
        break;
    default:
        break;
    }
    return ip;
}

static int32_t to_i32(Num a, int rmode, FpStatus *s)
{
    switch (a.cls) {
    case C_ZERO:
        return 0;
    case C_INF:
        s->flags |= FPF_IOC;
        return a.sign ? INT32_MIN : INT32_MAX;
    default:
        break;
    }
    bool inexact;
    uint64_t r = round_to_int(a, rmode, &inexact);
    if (a.sign) {
        if (r > 0x80000000ull) {
            s->flags |= FPF_IOC;        /* replaces the inexact flag */
            return INT32_MIN;
        }
        s->flags |= inexact ? FPF_IXC : 0;
        return (int32_t)(uint32_t)(0u - (uint32_t)r);
    }
    if (r > 0x7fffffffull) {
        s->flags |= FPF_IOC;
        return INT32_MAX;
    }
    s->flags |= inexact ? FPF_IXC : 0;
    return (int32_t)r;
}

static uint32_t to_u32(Num a, int rmode, FpStatus *s)
{
    switch (a.cls) {
    case C_ZERO:
        return 0;
    case C_INF:
        s->flags |= FPF_IOC;
        return a.sign ? 0 : UINT32_MAX;
    default:
        break;
    }
    bool inexact;
    uint64_t r = round_to_int(a, rmode, &inexact);
    if (r == 0) {                       /* rounded to zero: not invalid */
        s->flags |= FPF_IXC;
        return 0;
    }
    if (a.sign) {
        s->flags |= FPF_IOC;
        return 0;
    }
    if (r > 0xffffffffull) {
        s->flags |= FPF_IOC;
        return UINT32_MAX;
    }
    s->flags |= inexact ? FPF_IXC : 0;
    return (uint32_t)r;
}

static Num from_u64(uint64_t v, bool sign)
{
    Num n = { C_ZERO, sign, 0, 0 };
    if (v) {
        int lz = __builtin_clzll(v);
        n.cls = C_NORMAL;
        n.frac = v << lz;
        n.exp = 63 - lz;
    }
    return n;
}

/* ---- public entry points ---- */

#define BINOP(NAME, T, FMT, EXPR)                                       \
    T NAME(T a, T b, FpStatus *s)                                       \
    {                                                                   \
        Num x = unpack(&FMT, a, s), y = unpack(&FMT, b, s);             \
        return (T)pack(&FMT, EXPR, s);                                  \
    }
BINOP(f32_add, uint32_t, F32, add_sub(&F32, x, y, false, s))
BINOP(f32_sub, uint32_t, F32, add_sub(&F32, x, y, true, s))
BINOP(f32_mul, uint32_t, F32, mul(&F32, x, y, s))
BINOP(f32_div, uint32_t, F32, divide(&F32, x, y, s))
BINOP(f64_add, uint64_t, F64, add_sub(&F64, x, y, false, s))
BINOP(f64_sub, uint64_t, F64, add_sub(&F64, x, y, true, s))
BINOP(f64_mul, uint64_t, F64, mul(&F64, x, y, s))
BINOP(f64_div, uint64_t, F64, divide(&F64, x, y, s))

uint32_t f32_sqrt(uint32_t a, FpStatus *s)
{
    return (uint32_t)pack(&F32, square_root(&F32, unpack(&F32, a, s), s), s);
}

uint64_t f64_sqrt(uint64_t a, FpStatus *s)
{
    return pack(&F64, square_root(&F64, unpack(&F64, a, s), s), s);
}

int f32_compare(uint32_t a, uint32_t b, bool signalling, FpStatus *s)
{
    Num x = unpack(&F32, a, s), y = unpack(&F32, b, s);
    return compare(x, y, signalling, s);
}

int f64_compare(uint64_t a, uint64_t b, bool signalling, FpStatus *s)
{
    Num x = unpack(&F64, a, s), y = unpack(&F64, b, s);
    return compare(x, y, signalling, s);
}

uint64_t f32_to_f64(uint32_t a, FpStatus *s)
{
    Num n = unpack(&F32, a, s);
    if (is_nan(n.cls))
        n = nan_result(&F64, n, s);
    return pack(&F64, n, s);
}

uint32_t f64_to_f32(uint64_t a, FpStatus *s)
{
    Num n = unpack(&F64, a, s);
    if (is_nan(n.cls))
        n = nan_result(&F32, n, s);
    return (uint32_t)pack(&F32, n, s);
}

uint32_t i32_to_f32(int32_t v, FpStatus *s)
{
    return (uint32_t)pack(&F32, from_u64(v < 0 ? 0ull - (uint64_t)(int64_t)v : (uint64_t)v, v < 0), s);
}

uint32_t u32_to_f32(uint32_t v, FpStatus *s)
{
    return (uint32_t)pack(&F32, from_u64(v, false), s);
}

uint64_t i32_to_f64(int32_t v, FpStatus *s)
{
    return pack(&F64, from_u64(v < 0 ? 0ull - (uint64_t)(int64_t)v : (uint64_t)v, v < 0), s);
}

uint64_t u32_to_f64(uint32_t v, FpStatus *s)
{
    return pack(&F64, from_u64(v, false), s);
}

/* VCVT to integer: a NaN (checked on the raw bits, before any flushing)
 * converts to 0 with IOC. */
int32_t f32_to_i32(uint32_t a, int rmode, FpStatus *s)
{
    if ((a & 0x7fffffffu) > 0x7f800000u) {
        s->flags |= FPF_IOC;
        return 0;
    }
    return to_i32(unpack(&F32, a, s), rmode, s);
}

uint32_t f32_to_u32(uint32_t a, int rmode, FpStatus *s)
{
    if ((a & 0x7fffffffu) > 0x7f800000u) {
        s->flags |= FPF_IOC;
        return 0;
    }
    return to_u32(unpack(&F32, a, s), rmode, s);
}

int32_t f64_to_i32(uint64_t a, int rmode, FpStatus *s)
{
    if ((a & ~TOP) > 0x7ff0000000000000ull) {
        s->flags |= FPF_IOC;
        return 0;
    }
    return to_i32(unpack(&F64, a, s), rmode, s);
}

uint32_t f64_to_u32(uint64_t a, int rmode, FpStatus *s)
{
    if ((a & ~TOP) > 0x7ff0000000000000ull) {
        s->flags |= FPF_IOC;
        return 0;
    }
    return to_u32(unpack(&F64, a, s), rmode, s);
}
