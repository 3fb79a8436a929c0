/*
 * IEEE 754 single/double arithmetic for the VFPv2 unit, bit-exact with the
 * results and FPSCR flags QEMU 7.2's softfloat gives an ARM CPU: tininess
 * detected before rounding, ARM NaN propagation (first signalling NaN,
 * then first quiet NaN, operands in instruction order), default NaN
 * 0x7fc00000 / 0x7ff8000000000000, flush-to-zero of inputs (IDC) and
 * outputs (UFC).
 *
 * Values travel as raw bit patterns (uint32_t / uint64_t). Flags
 * accumulate in FpStatus.flags using the FPSCR bit positions.
 */
#ifndef EMU_ARM_VFP_FLOAT_H
#define EMU_ARM_VFP_FLOAT_H
#include <stdbool.h>
#include <stdint.h>

/* FPSCR cumulative exception flags */
#define FPF_IOC 0x01u   /* invalid operation */
#define FPF_DZC 0x02u   /* division by zero */
#define FPF_OFC 0x04u   /* overflow */
#define FPF_UFC 0x08u   /* underflow (also flushed outputs) */
#define FPF_IXC 0x10u   /* inexact */
#define FPF_IDC 0x80u   /* input denormal flushed */
#define FPF_ALL 0x9fu

/* FPSCR.RMode values */
enum { FPR_NEAREST = 0, FPR_PLUS_INF = 1, FPR_MINUS_INF = 2, FPR_ZERO = 3 };

typedef struct FpStatus {
    int rmode;       /* FPR_* */
    bool fz;         /* flush denormal inputs and outputs to zero */
    bool dn;         /* NaN results are the default NaN */
    uint32_t flags;  /* FPF_* accumulated */
} FpStatus;

/* Relation returned by the compares: maps to VCMP's NZCV. */
enum { FPCMP_LESS = -1, FPCMP_EQUAL = 0, FPCMP_GREATER = 1, FPCMP_UNORDERED = 2 };

uint32_t f32_add(uint32_t a, uint32_t b, FpStatus *s);
uint32_t f32_sub(uint32_t a, uint32_t b, FpStatus *s);
uint32_t f32_mul(uint32_t a, uint32_t b, FpStatus *s);
uint32_t f32_div(uint32_t a, uint32_t b, FpStatus *s);
uint32_t f32_sqrt(uint32_t a, FpStatus *s);
int f32_compare(uint32_t a, uint32_t b, bool signalling, FpStatus *s);

uint64_t f64_add(uint64_t a, uint64_t b, FpStatus *s);
uint64_t f64_sub(uint64_t a, uint64_t b, FpStatus *s);
uint64_t f64_mul(uint64_t a, uint64_t b, FpStatus *s);
uint64_t f64_div(uint64_t a, uint64_t b, FpStatus *s);
uint64_t f64_sqrt(uint64_t a, FpStatus *s);
int f64_compare(uint64_t a, uint64_t b, bool signalling, FpStatus *s);

uint64_t f32_to_f64(uint32_t a, FpStatus *s);
uint32_t f64_to_f32(uint64_t a, FpStatus *s);

/* Integer -> float, rounded with s->rmode. */
uint32_t i32_to_f32(int32_t v, FpStatus *s);
uint32_t u32_to_f32(uint32_t v, FpStatus *s);
uint64_t i32_to_f64(int32_t v, FpStatus *s);
uint64_t u32_to_f64(uint32_t v, FpStatus *s);

/* Float -> integer with rounding mode rmode (FPR_*), saturating with IOC;
 * NaN gives 0 and IOC (the VCVT rule). */
int32_t f32_to_i32(uint32_t a, int rmode, FpStatus *s);
uint32_t f32_to_u32(uint32_t a, int rmode, FpStatus *s);
int32_t f64_to_i32(uint64_t a, int rmode, FpStatus *s);
uint32_t f64_to_u32(uint64_t a, int rmode, FpStatus *s);

#endif
