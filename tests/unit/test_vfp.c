/*
 * VFPv2 unit tests: the softfloat layer (emu/arm/vfp_float.c) on edge
 * values whose results and FPSCR flags QEMU 7.2 defines for an ARM core,
 * and small guest programs on the CPU (gating by FPEXC.EN, user-mode
 * rules, short vectors including QEMU's double-precision 2-operand loop,
 * FLDMX/FSTMX, the TB flags in `-d exec`, exact instruction counts,
 * encodings this core must UNDEF, alignment faults). The guest programs give
 * identical `-d exec,cpu,int` logs under QEMU 7.2.
 * The random differential fuzzer (tests/fuzz, --isa vfp) checks the same
 * instructions against QEMU itself on many more values.
 */
#include <stdlib.h>
#include <string.h>
#include "arm/cpu.h"
#include "arm/vfp_float.h"
#include "hw/bus.h"
#include "icount.h"
#include "log.h"
#include "tap.h"
#include "cpu_env.h"

#define F32_ONE 0x3f800000u
#define F32_INF 0x7f800000u
#define F32_DNAN 0x7fc00000u
#define F32_MAX 0x7f7fffffu
#define F32_MIN_NORMAL 0x00800000u
#define F64_ONE 0x3ff0000000000000ull
#define F64_DNAN 0x7ff8000000000000ull

static FpStatus st(int rmode, bool fz, bool dn)
{
    FpStatus s = { rmode, fz, dn, 0 };
    return s;
}

/* ---------------- softfloat ---------------- */

static void test_rounding_modes(void)
{
    /* 1 + 2^-24 is exactly half an ulp of 1.0: ties to even (down) */
    const uint32_t half_ulp = 0x33800000u, quarter_ulp = 0x33000000u;
    static const struct { int mode; uint32_t tie, quarter, neg_quarter; } t[4] = {
        { FPR_NEAREST, 0x3f800000u, 0x3f800000u, 0xbf800000u },
        { FPR_PLUS_INF, 0x3f800001u, 0x3f800001u, 0xbf800000u },
        { FPR_MINUS_INF, 0x3f800000u, 0x3f800000u, 0xbf800001u },
        { FPR_ZERO, 0x3f800000u, 0x3f800000u, 0xbf800000u },
    };
    for (int i = 0; i < 4; i++) {
        FpStatus s = st(t[i].mode, false, false);
        CHECK_EQ(f32_add(F32_ONE, half_ulp, &s), t[i].tie, "rmode %d: 1 + half ulp", t[i].mode);
        CHECK_EQ(f32_add(F32_ONE, quarter_ulp, &s), t[i].quarter, "rmode %d: 1 + quarter ulp",
                 t[i].mode);
        CHECK_EQ(f32_sub(0xbf800000u, quarter_ulp, &s), t[i].neg_quarter,
                 "rmode %d: -1 - quarter ulp", t[i].mode);
        CHECK_EQ(s.flags, FPF_IXC, "rmode %d: only IXC", t[i].mode);
    }
    FpStatus s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_add(0x3f800001u, half_ulp, &s), 0x3f800002u, "RN: odd tie rounds up to even");
    /* x - x is +0, except -0 when rounding towards minus infinity */
    CHECK_EQ(f32_sub(0x40490fdbu, 0x40490fdbu, &s), 0, "RN: x - x = +0");
    s = st(FPR_MINUS_INF, false, false);
    CHECK_EQ(f32_sub(0x40490fdbu, 0x40490fdbu, &s), 0x80000000u, "RM: x - x = -0");
    CHECK_EQ(f64_add(0x8000000000000000ull, 0, &s), 0x8000000000000000ull, "RM: -0 + +0 = -0");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_add(0x8000000000000000ull, 0, &s), 0, "RN: -0 + +0 = +0");
    CHECK_EQ(f64_mul(0x3fd5555555555555ull, 0x4008000000000000ull, &s), F64_ONE,
             "RN: (1/3) * 3 rounds to 1.0");
    CHECK_EQ(s.flags, FPF_IXC, "RN: (1/3) * 3 inexact");
}

static void test_overflow_underflow(void)
{
    FpStatus s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_mul(F32_MAX, 0x40000000u, &s), F32_INF, "overflow RN: +inf");
    CHECK_EQ(s.flags, FPF_OFC | FPF_IXC, "overflow: OFC|IXC");
    s = st(FPR_ZERO, false, false);
    CHECK_EQ(f32_mul(F32_MAX, 0x40000000u, &s), F32_MAX, "overflow RZ: largest finite");
    s = st(FPR_MINUS_INF, false, false);
    CHECK_EQ(f32_mul(F32_MAX, 0x40000000u, &s), F32_MAX, "overflow RM, positive: largest finite");
    CHECK_EQ(f32_mul(0xff7fffffu, 0x40000000u, &s), 0xff800000u, "overflow RM, negative: -inf");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_mul(0x7fefffffffffffffull, 0x4000000000000000ull, &s), 0x7ff0000000000000ull,
             "double overflow: +inf");

    /* min_normal * (1 - 2^-24) rounds up to min_normal: tiny *before*
     * rounding, so ARM raises UFC (x86 SSE would not) */
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_mul(F32_MIN_NORMAL, 0x3f7fffffu, &s), F32_MIN_NORMAL,
             "tininess: rounds up to the smallest normal");
    CHECK_EQ(s.flags, FPF_UFC | FPF_IXC, "tininess before rounding: UFC|IXC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_mul(F32_MIN_NORMAL, 0x3f000000u, &s), 0x00400000u, "exact subnormal result");
    CHECK_EQ(s.flags, 0, "exact subnormal: no UFC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_mul(0x00000001u, 0x3f000000u, &s), 0, "half the smallest subnormal: ties to 0");
    CHECK_EQ(s.flags, FPF_UFC | FPF_IXC, "underflow to zero: UFC|IXC");
    s = st(FPR_PLUS_INF, false, false);
    CHECK_EQ(f32_mul(0x00000001u, 0x3f000000u, &s), 1, "RP: rounds up to the smallest subnormal");
}

static void test_flush_to_zero(void)
{
    FpStatus s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_add(0x00000001u, F32_ONE, &s), F32_ONE, "FZ: denormal input is zero");
    CHECK_EQ(s.flags, FPF_IDC, "FZ: input flush raises IDC only");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_mul(F32_MIN_NORMAL, 0x3f000000u, &s), 0, "FZ: tiny result flushed to +0");
    CHECK_EQ(s.flags, FPF_UFC, "FZ: output flush raises UFC, not IXC");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_mul(F32_MIN_NORMAL, 0xbf7fffffu, &s), 0x80000000u,
             "FZ: tiny before rounding is flushed even if it would round to normal");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_to_f64(0x807fffffu, &s), 0x8000000000000000ull, "FZ: f32->f64 of a denormal: -0");
    CHECK_EQ(s.flags, FPF_IDC, "FZ: f32->f64 IDC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_to_f64(0x00000001u, &s), 0x36a0000000000000ull, "f32 denormal widens exactly");
    CHECK_EQ(s.flags, 0, "widening: no flags");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_compare(0x00000001u, 0, false, &s), FPCMP_EQUAL, "FZ: denormal compares equal to 0");
    CHECK_EQ(s.flags, FPF_IDC, "FZ: compare raises IDC");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_add(0x80000001u, 0x80000001u, &s), 0x80000000u, "FZ: -den + -den = -0");
}

static void test_nans(void)
{
    const uint32_t qa = 0x7fc00001u, qb = 0xffc00002u, sa = 0x7f800011u, sb = 0xff800022u;
    FpStatus s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_add(qa, qb, &s), qa, "two quiet NaNs: the first");
    CHECK_EQ(s.flags, 0, "quiet NaNs: no IOC");
    CHECK_EQ(f32_add(qa, sb, &s), 0xffc00022u, "signalling beats quiet, quietened, sign kept");
    CHECK_EQ(s.flags, FPF_IOC, "signalling NaN: IOC");
    CHECK_EQ(f32_mul(sa, sb, &s), 0x7fc00011u, "two signalling NaNs: the first");
    CHECK_EQ(f32_sub(F32_ONE, qb, &s), qb, "NaN second operand of a subtract keeps its sign");
    CHECK_EQ(f32_div(qb, 0, &s), qb, "NaN / 0: the NaN, no DZC");
    CHECK_EQ(s.flags & FPF_DZC, 0, "NaN / 0: no DZC");
    s = st(FPR_NEAREST, false, true);
    CHECK_EQ(f32_add(qa, F32_ONE, &s), F32_DNAN, "DN: default NaN");
    CHECK_EQ(f64_sqrt(0xfff0000000000001ull, &s), F64_DNAN, "DN: sqrt of sNaN is the default NaN");
    CHECK_EQ(s.flags, FPF_IOC, "DN: sNaN still raises IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_sub(F32_INF, F32_INF, &s), F32_DNAN, "inf - inf: default NaN");
    CHECK_EQ(f32_mul(F32_INF, 0x80000000u, &s), F32_DNAN, "inf * -0: default NaN");
    CHECK_EQ(f64_div(0, 0x8000000000000000ull, &s), F64_DNAN, "0 / -0: default NaN");
    CHECK_EQ(s.flags, FPF_IOC, "invalid operations: IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_div(0xbf800000u, 0, &s), 0xff800000u, "-1 / +0 = -inf");
    CHECK_EQ(s.flags, FPF_DZC, "divide by zero: DZC only");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_to_f32(0x7ff123456789abcdull, &s), 0x7fc91a2bu,
             "f64 sNaN -> f32: top payload bits, quietened");
    CHECK_EQ(s.flags, FPF_IOC, "narrowing an sNaN: IOC");
    CHECK_EQ(f32_to_f64(0xffc00001u, &s), 0xfff8000020000000ull, "f32 qNaN -> f64 payload");
}

static void test_sqrt_div(void)
{
    FpStatus s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_sqrt(0x40000000u, &s), 0x3fb504f3u, "sqrtf(2)");
    CHECK_EQ(f64_sqrt(0x4000000000000000ull, &s), 0x3ff6a09e667f3bcdull, "sqrt(2)");
    CHECK_EQ(s.flags, FPF_IXC, "sqrt(2) inexact");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_sqrt(0x4010000000000000ull, &s), 0x4000000000000000ull, "sqrt(4) = 2 exactly");
    CHECK_EQ(f32_sqrt(0x80000000u, &s), 0x80000000u, "sqrt(-0) = -0");
    CHECK_EQ(f32_sqrt(0x00000002u, &s), 0x1a800000u, "sqrt of a denormal: 2^-148 -> 2^-74");
    CHECK_EQ(s.flags, 0, "exact square roots: no flags");
    CHECK_EQ(f32_sqrt(0xbf800000u, &s), F32_DNAN, "sqrt(-1): default NaN");
    CHECK_EQ(s.flags, FPF_IOC, "sqrt(-1): IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_div(F32_ONE, 0x40400000u, &s), 0x3eaaaaabu, "1/3 single");
    CHECK_EQ(f64_div(F64_ONE, 0x4008000000000000ull, &s), 0x3fd5555555555555ull, "1/3 double");
    s = st(FPR_ZERO, false, false);
    CHECK_EQ(f32_div(F32_ONE, 0x40400000u, &s), 0x3eaaaaaau, "1/3 single, RZ");
}

static void test_conversions(void)
{
    FpStatus s = st(FPR_NEAREST, false, false);
    const uint32_t p25 = 0x40200000u, m25 = 0xc0200000u;   /* +-2.5 */
    CHECK_EQ(f32_to_i32(p25, FPR_NEAREST, &s), 2, "2.5 RN -> 2 (even)");
    CHECK_EQ(f32_to_i32(m25, FPR_NEAREST, &s), -2, "-2.5 RN -> -2");
    CHECK_EQ(f32_to_i32(p25, FPR_PLUS_INF, &s), 3, "2.5 RP -> 3");
    CHECK_EQ(f32_to_i32(m25, FPR_MINUS_INF, &s), -3, "-2.5 RM -> -3");
    CHECK_EQ(f32_to_i32(m25, FPR_ZERO, &s), -2, "-2.5 RZ -> -2");
    CHECK_EQ(f32_to_i32(0x3f400000u, FPR_NEAREST, &s), 1, "0.75 RN -> 1");
    CHECK_EQ(f32_to_i32(0x3f000000u, FPR_NEAREST, &s), 0, "0.5 RN -> 0 (even)");
    CHECK_EQ(s.flags, FPF_IXC, "fractional conversions: IXC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_to_i32(0x4f000000u, FPR_ZERO, &s), INT32_MAX, "2^31 saturates to INT32_MAX");
    CHECK_EQ(s.flags, FPF_IOC, "saturation: IOC without IXC");
    CHECK_EQ(f32_to_i32(0xcf000000u, FPR_ZERO, &s), INT32_MIN, "-2^31 converts exactly");
    CHECK_EQ(f64_to_i32(0xc1e0000000200000ull, FPR_ZERO, &s), INT32_MIN,
             "-2^31 - 1 saturates to INT32_MIN");
    CHECK_EQ(f64_to_i32(0xc1e0000000100000ull, FPR_ZERO, &s), INT32_MIN,
             "-2^31 - 0.5 RZ -> INT32_MIN");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_to_i32(0x7fc00000u, FPR_ZERO, &s), 0, "NaN -> 0");
    CHECK_EQ(f64_to_u32(0xfff0000000000001ull, FPR_ZERO, &s), 0, "sNaN -> 0 unsigned");
    CHECK_EQ(s.flags, FPF_IOC, "NaN -> int: IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_to_u32(0xbf800000u, FPR_ZERO, &s), 0, "-1.0 -> u32 0");
    CHECK_EQ(s.flags, FPF_IOC, "-1.0 -> u32: IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_to_u32(0xbe99999au, FPR_ZERO, &s), 0, "-0.3 -> u32 0");
    CHECK_EQ(s.flags, FPF_IXC, "-0.3 -> u32: IXC only");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_to_u32(0x41efffffffe00000ull, FPR_NEAREST, &s), UINT32_MAX,
             "2^32 - 0.5 RN rounds to 2^32: saturates");
    CHECK_EQ(f64_to_u32(0x41efffffffe00000ull, FPR_ZERO, &s), UINT32_MAX - 0,
             "2^32 - 0.5 RZ -> 0xffffffff");
    CHECK_EQ(f32_to_u32(0xff800000u, FPR_ZERO, &s), 0, "-inf -> u32 0");
    CHECK_EQ(f32_to_u32(F32_INF, FPR_ZERO, &s), UINT32_MAX, "+inf -> u32 max");
    s = st(FPR_NEAREST, true, false);
    CHECK_EQ(f32_to_i32(0x007fffffu, FPR_PLUS_INF, &s), 0, "FZ: denormal -> 0 even in RP");
    CHECK_EQ(s.flags, FPF_IDC, "FZ: conversion raises IDC");
    s = st(FPR_PLUS_INF, false, false);
    CHECK_EQ(f32_to_i32(0x007fffffu, FPR_PLUS_INF, &s), 1, "denormal RP -> 1");

    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(i32_to_f32(INT32_MAX, &s), 0x4f000000u, "INT32_MAX -> 2^31 (RN)");
    CHECK_EQ(s.flags, FPF_IXC, "int -> float inexact");
    s = st(FPR_ZERO, false, false);
    CHECK_EQ(i32_to_f32(INT32_MAX, &s), 0x4effffffu, "INT32_MAX RZ");
    CHECK_EQ(i32_to_f32(INT32_MIN, &s), 0xcf000000u, "INT32_MIN exactly");
    CHECK_EQ(u32_to_f32(UINT32_MAX, &s), 0x4f7fffffu, "UINT32_MAX RZ");
    CHECK_EQ(i32_to_f64(-3, &s), 0xc008000000000000ull, "-3 -> double");
    CHECK_EQ(u32_to_f64(UINT32_MAX, &s), 0x41efffffffe00000ull, "UINT32_MAX -> double exactly");
    CHECK_EQ(i32_to_f32(0, &s), 0, "0 -> +0");

    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_to_f32(0x3ff0000010000000ull, &s), 0x3f800000u, "narrowing: tie to even");
    CHECK_EQ(f64_to_f32(0x3ff0000030000000ull, &s), 0x3f800002u, "narrowing: odd tie rounds up");
    CHECK_EQ(f64_to_f32(0x47f0000000000000ull, &s), F32_INF, "narrowing overflow");
    CHECK_EQ(f64_to_f32(0x3690000000000000ull, &s), 0, "narrowing: 2^-150 ties to 0");
    CHECK_EQ(s.flags, FPF_IXC | FPF_OFC | FPF_UFC, "narrowing flags");
}

static void test_compare(void)
{
    FpStatus s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f32_compare(0x80000000u, 0, false, &s), FPCMP_EQUAL, "-0 == +0");
    CHECK_EQ(f32_compare(0xff800000u, 0xff7fffffu, false, &s), FPCMP_LESS, "-inf < -max");
    CHECK_EQ(f64_compare(0xc000000000000000ull, 0xbff0000000000000ull, false, &s), FPCMP_LESS,
             "-2 < -1");
    CHECK_EQ(f32_compare(0x00000002u, 0x00000001u, false, &s), FPCMP_GREATER, "denormal order");
    CHECK_EQ(f32_compare(F32_INF, F32_INF, false, &s), FPCMP_EQUAL, "inf == inf");
    CHECK_EQ(s.flags, 0, "ordered compares: no flags");
    CHECK_EQ(f32_compare(0x7fc00000u, F32_ONE, false, &s), FPCMP_UNORDERED, "qNaN: unordered");
    CHECK_EQ(s.flags, 0, "VCMP with a quiet NaN: no IOC");
    CHECK_EQ(f32_compare(0x7fc00000u, F32_ONE, true, &s), FPCMP_UNORDERED, "VCMPE qNaN");
    CHECK_EQ(s.flags, FPF_IOC, "VCMPE with a quiet NaN: IOC");
    s = st(FPR_NEAREST, false, false);
    CHECK_EQ(f64_compare(F64_ONE, 0x7ff0000000000001ull, false, &s), FPCMP_UNORDERED, "sNaN");
    CHECK_EQ(s.flags, FPF_IOC, "VCMP with a signalling NaN: IOC");
}

/* ---------------- CPU ---------------- */

static void env_init(Env *e, unsigned logmask)
{
    env_init_ram(e, 1u << 20, NULL, logmask);
}

static void run(Env *e)
{
    run_rounds(e, 50);
}

static uint32_t S(Env *e, int n)
{
    return (uint32_t)(arm_cpu_get_vfp_d(e->cpu, n >> 1) >> ((n & 1) * 32));
}

/* p_arith @0x1000:
 *   mov r0, #0x40000000 ; vmsr fpexc, r0 ; adr r4, data
 *   vldmia r4, {s0-s3}        @ 1.5, 2.25, -0.0, 3.0
 *   vadd.f32 s4, s0, s1 ; vmul.f32 s5, s0, s1 ; vdiv.f32 s6, s0, s3
 *   vcvt.f64.f32 d4, s0 ; vcvt.s32.f32 s10, s1 (round to zero)
 *   vcmp.f32 s0, s1 ; vmrs APSR_nzcv, fpscr ; movmi r5, #1
 *   vmov r6, s4 ; vmov r7, r8, d4 ; vmrs r9, fpscr ; vstr d4, [r4, #32]
 *   mov r0, #0x18 ; svc 0x123456
 * data: .word 0x3fc00000, 0x40100000, 0x80000000, 0x40400000, 0 x 8 */
static const uint32_t p_arith[] = {
    0xe3a00101, 0xeee80a10, 0xe28f4038, 0xec940a04, 0xee302a20, 0xee602a20, 0xee803a21,
    0xeeb74ac0, 0xeebd5ae0, 0xeeb40a60, 0xeef1fa10, 0x43a05001, 0xee126a10, 0xec587b14,
    0xeef19a10, 0xed844b08, 0xe3a00018, 0xef123456, 0x3fc00000, 0x40100000, 0x80000000,
    0x40400000, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void test_cpu_arith(void)
{
    Env e;
    env_init(&e, 0);
    load(&e, 0x1000, p_arith, sizeof p_arith, 0x1000);
    CHECK_EQ(arm_cpu_get_vfp_sysreg(e.cpu, 0), 0x41011090, "FPSID of QEMU's arm926");
    CHECK_EQ(arm_cpu_get_vfp_sysreg(e.cpu, 8), 0, "FPEXC: VFP disabled at reset");
    run(&e);
    CHECK(e.done, "arith: ran to exit");
    CHECK_EQ(S(&e, 4), 0x40700000, "vadd: 1.5 + 2.25");
    CHECK_EQ(S(&e, 5), 0x40580000, "vmul: 1.5 * 2.25");
    CHECK_EQ(S(&e, 6), 0x3f000000, "vdiv: 1.5 / 3");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 4), 0x3ff8000000000000ull, "vcvt.f64.f32");
    CHECK_EQ(S(&e, 10), 2, "vcvt.s32.f32 rounds to zero");
    CHECK_EQ(R(&e, 5), 1, "vcmp + vmrs APSR_nzcv: 1.5 < 2.25 sets N");
    CHECK_EQ(R(&e, 6), 0x40700000, "vmov core <- single");
    CHECK_EQ(R(&e, 7), 0, "vmov core pair <- double (low)");
    CHECK_EQ(R(&e, 8), 0x3ff80000, "vmov core pair <- double (high)");
    CHECK_EQ(R(&e, 9), 0x80000010, "FPSCR: NZCV of the compare, IXC of the conversion");
    uint32_t mem[2] = { 0, 0 };
    arm_cpu_rw_debug(e.cpu, 0x1048 + 32, mem, 8, false);
    CHECK(mem[0] == 0 && mem[1] == 0x3ff80000, "vstr of a double: low word first");
    CHECK_EQ(icount_raw(&e.ic), 18, "arith: count");
    env_free(&e);
}

/* p_gate @0 (vectors: b reset / b und / b svc_exit / ... / b dabt):
 *   0x20 mov sp, #0x3000 ; vmrs r1, fpsid ; vmrs r2, fpexc
 *   0x2c vadd.f32 s0, s1, s1      @ disabled: UNDEF, handler enables, retried
 *   0x30 mov r3, #7 ; msr cpsr_c, #0x10 (user)
 *   0x38 vmrs r4, fpsid           @ VFPv2: allowed in user mode
 *   0x3c vadd.f32 s2, s1, s1      @ allowed in user mode once enabled
 *   0x40 vmrs r5, fpexc           @ user: UNDEF (skipped by the handler)
 *   0x44 vmrs r6, fpinst          @ user: UNDEF (skipped)
 *   0x48 vmrs r7, fpscr ; svc 0
 * und: add sl, sl, #1 ; mov fp, lr ; mov ip, #0x40000000 ; vmsr fpexc, ip
 *      cmp sl, #1 ; subseq pc, lr, #4 ; movs pc, lr
 * svc_exit: mov r0, #0x18 ; svc 0x123456 */
static const uint32_t p_gate[] = {
    0xea000006, 0xea000011, 0xea000017, 0xeafffffe, 0xea000017, 0xeafffffe, 0xeafffffe,
    0xeafffffe, 0xe3a0da03, 0xeef01a10, 0xeef82a10, 0xee300aa0, 0xe3a03007, 0xe321f010,
    0xeef04a10, 0xee301aa0, 0xeef85a10, 0xeef96a10, 0xeef17a10, 0xef000000, 0xe28aa001,
    0xe1a0b00e, 0xe3a0c101, 0xeee8ca10, 0xe35a0001, 0x025ef004, 0xe1b0f00e, 0xe3a00018,
    0xef123456, 0xeafffffe,
};

static void test_cpu_gating(void)
{
    Env e;
    env_init(&e, LOG_EXEC);
    load(&e, 0, p_gate, sizeof p_gate, 0);
    arm_cpu_set_vfp_d(e.cpu, 0, 0x3fc0000000000000ull);   /* s1 = 1.5 */
    run(&e);
    fflush(e.log.f);
    CHECK(e.done, "gating: ran to exit");
    CHECK_EQ(R(&e, 1), 0x41011090, "FPSID readable while VFP is disabled");
    CHECK_EQ(R(&e, 2), 0, "FPEXC readable while VFP is disabled");
    CHECK_EQ(R(&e, 10), 3, "three undefined-instruction exceptions");
    CHECK_EQ(R(&e, 11), 0x48, "the last UNDEF was the user-mode FPINST read");
    CHECK_EQ(S(&e, 0), 0x40400000, "the disabled VADD ran after the lazy enable");
    CHECK_EQ(S(&e, 2), 0x40400000, "VADD in user mode");
    CHECK_EQ(R(&e, 4), 0x41011090, "VMRS FPSID from user mode");
    CHECK(R(&e, 5) == 0 && R(&e, 6) == 0, "user FPEXC/FPINST reads did not write");
    CHECK_EQ(arm_cpu_get_vfp_sysreg(e.cpu, 8), 0x40000000, "FPEXC keeps only EN");
    CHECK_EQ(icount_raw(&e.ic), 40, "gating: count (UNDEFs and their vector branches counted)");
    /* TBs translated while VFP was off and after: VFPEN (0x80) in cs_base */
    CHECK(e.logbuf && strstr(e.logbuf, "[00000400/00000020/") != NULL,
          "the VADD's first TB: VFP disabled in the TB flags");
    CHECK(e.logbuf && strstr(e.logbuf, "[00000480/0000002c/") != NULL,
          "retried VADD: a new TB with VFPEN");
    env_free(&e);
}

/* p_vec @0x1000:
 *   mov sp, #0x3000 ; mov r0, #0x40000000 ; vmsr fpexc, r0
 *   mov r0, #0x30000 ; vmsr fpscr, r0        @ LEN=3 (4 elements), STRIDE=1
 *   vadd.f32 s8, s16, s24                    @ vector + vector
 *   vabs.f64 d6, d8                          @ QEMU: d6 = |d8|, d9 = |d8| (x3)
 *   vneg.f32 s28, s0                         @ scalar source: s28..s31 = -s0
 *   vmrs r1, fpscr ; mov r0, #0 ; vmsr fpscr, r0
 *   mov r4, #0x2000 ; fstmiax r4!, {d0-d1}   @ 5 words: r4 += 20
 *   mov r5, r4 ; fldmdbx r5!, {d2-d3}        @ back down by 20
 *   vpush {d0} ; vpop {s30-s31}
 *   mov r0, #0x18 ; svc 0x123456 */
static const uint32_t p_vec[] = {
    0xe3a0da03, 0xe3a00101, 0xeee80a10, 0xe3a00803, 0xeee10a10, 0xee384a0c, 0xeeb06bc8,
    0xeeb1ea40, 0xeef11a10, 0xe3a00000, 0xeee10a10, 0xe3a04a02, 0xeca40b05, 0xe1a05004,
    0xed352b05, 0xed2d0b02, 0xecbdfa02, 0xe3a00018, 0xef123456,
};

static void test_cpu_vectors_and_multiple(void)
{
    Env e;
    env_init(&e, LOG_EXEC);
    load(&e, 0x1000, p_vec, sizeof p_vec, 0x1000);
    arm_cpu_set_vfp_d(e.cpu, 0, 0x400000003f800000ull);     /* s0 1.0, s1 2.0 */
    arm_cpu_set_vfp_d(e.cpu, 1, 0xc008000000000000ull);     /* -3.0 */
    arm_cpu_set_vfp_d(e.cpu, 7, 0x1111111111111111ull);
    arm_cpu_set_vfp_d(e.cpu, 8, 0xc00000003f800000ull);     /* s16 1.0, s17 -2.0 */
    arm_cpu_set_vfp_d(e.cpu, 9, 0x4080000040400000ull);     /* s18 3.0, s19 4.0 */
    arm_cpu_set_vfp_d(e.cpu, 12, 0x3e8000003f000000ull);    /* s24 0.5, s25 0.25 */
    arm_cpu_set_vfp_d(e.cpu, 13, 0x41000000bf800000ull);    /* s26 -1.0, s27 8.0 */
    run(&e);
    fflush(e.log.f);
    CHECK(e.done, "vectors: ran to exit");
    CHECK_EQ(S(&e, 8), 0x3fc00000, "vector add element 0: 1 + 0.5");
    CHECK_EQ(S(&e, 9), 0xbfe00000, "vector add element 1: -2 + 0.25");
    CHECK_EQ(S(&e, 10), 0x40000000, "vector add element 2: 3 - 1");
    CHECK_EQ(S(&e, 11), 0x41400000, "vector add element 3: 4 + 8");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 6), 0x400000003f800000ull, "vabs.f64: first element to d6");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 7), 0x1111111111111111ull, "vabs.f64: d7 untouched (QEMU)");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 9), 0x400000003f800000ull, "vabs.f64: d9 = |d8| (QEMU)");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 14), 0xbf800000bf800000ull, "scalar source: s28, s29 = -s0");
    CHECK_EQ(R(&e, 1), 0x00030000, "FPSCR reads LEN back");
    CHECK_EQ(R(&e, 4), 0x2014, "FSTMIAX writeback: 5 words");
    CHECK_EQ(R(&e, 5), 0x2000, "FLDMDBX writeback");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 2), 0x400000003f800000ull, "FLDMDBX loaded d2");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 3), 0xc008000000000000ull, "FLDMDBX loaded d3");
    CHECK_EQ(arm_cpu_get_vfp_d(e.cpu, 15), 0x400000003f800000ull, "vpush d0 / vpop s30-s31");
    CHECK_EQ(R(&e, 13), 0x3000, "vpush/vpop: sp restored");
    CHECK_EQ(icount_raw(&e.ic), 19, "vectors: count");
    /* VMSR FPEXC and FPSCR end their TBs; LEN is TB state (cs_base) */
    CHECK(e.logbuf && strstr(e.logbuf, "[00000480/0000100c/") != NULL,
          "TB after VMSR FPEXC starts at the next insn, VFPEN set");
    CHECK(e.logbuf && strstr(e.logbuf, "[00000483/00001014/") != NULL,
          "TB after VMSR FPSCR carries LEN=3 in cs_base");
    CHECK(e.logbuf && strstr(e.logbuf, "[00000480/0000102c/") != NULL,
          "TB after clearing LEN");
    env_free(&e);
}

/* p_undef @0 (vectors: b reset / b und / ... / b dabt at 0x10):
 *   0x20 mov sp, #0x3000 ; mov r0, #0x40000000 ; vmsr fpexc, r0
 *   0x2c eeb00a00 vmov.f32 s0, #2.0 (VFPv3)   0x30 eef70a10 vmrs r0, mvfr0 (v6K)
 *   0x34 ee700b00 vadd.f64 d16, d0, d0        0x38 eeba0a40 vcvt fixed point (VFPv3)
 *   0x3c eea00a00 vfma.f32 (VFPv4)            0x40 ee800a40 VDIV with bit 6 set
 *   0x44 ec000a00 cp10 LDC space, P=U=W=0     0x48 eeb60a40 VRINTR (v8)
 *   0x4c vmrs r6, fpinst                      @ fine: privileged, enabled
 *   0x50 mov r1, #0x2000 ; add r1, r1, #2
 *   0x58 vldr s0, [r1]                        @ alignment fault even with SCTLR.A clear
 *   0x5c mov r0, #0x18 ; svc 0x123456
 * und: add sl, sl, #1 ; movs pc, lr
 * dabt: mov r9, lr ; subs pc, lr, #4 */
static const uint32_t p_undef[] = {
    0xea000006, 0xea000016, 0xeafffffe, 0xeafffffe, 0xea000015, 0xeafffffe, 0xeafffffe,
    0xeafffffe, 0xe3a0da03, 0xe3a00101, 0xeee80a10, 0xeeb00a00, 0xeef70a10, 0xee700b00,
    0xeeba0a40, 0xeea00a00, 0xee800a40, 0xec000a00, 0xeeb60a40, 0xeef96a10, 0xe3a01a02,
    0xe2811002, 0xed910a00, 0xe3a00018, 0xef123456, 0xe28aa001, 0xe1b0f00e, 0xe1a0900e,
    0xe25ef004,
};

static void test_cpu_undefined_and_alignment(void)
{
    Env e;
    env_init(&e, 0);
    load(&e, 0, p_undef, sizeof p_undef, 0);
    run(&e);
    CHECK(e.done, "undef: ran to exit");
    CHECK_EQ(R(&e, 10), 8, "encodings beyond VFPv2 / d16+ / reserved: 8 UNDEFs");
    CHECK_EQ(R(&e, 6), 0, "VMRS FPINST in SVC mode is allowed");
    CHECK_EQ(R(&e, 9), 0x60, "misaligned VLDR: data abort, LR_abt = insn + 8");
    CHECK_EQ(arm_cpu_get_cp15(e.cpu, 5, 0, 0, 0), 0x1, "misaligned VLDR: DFSR alignment");
    CHECK_EQ(arm_cpu_get_cp15(e.cpu, 6, 0, 0, 0), 0x2002, "misaligned VLDR: DFAR");
    CHECK_EQ(icount_raw(&e.ic), 44, "undef: count (the aborted VLDR is not counted)");
    env_free(&e);
}

/* p_sysregs @0x1000:
 *   mvn r0, #0 ; vmsr fpexc, r0 ; vmrs r3, fpexc     @ only EN is kept
 *   vmsr fpscr, r0 ; vmrs r1, fpscr                  @ QEMU's stored bits + LEN/STRIDE + flags
 *   vmrs r5, fpinst ; vmsr fpinst, r0 ; vmrs r6, fpinst
 *   mov r0, #0 ; vmsr fpscr, r0 ; vmrs r2, fpscr
 *   mvn r0, #0x40000000 ; vmsr fpexc, r0 ; vmrs r4, fpexc   @ disables VFP
 *   mov r0, #0x18 ; svc 0x123456 */
static const uint32_t p_sysregs[] = {
    0xe3e00000, 0xeee80a10, 0xeef83a10, 0xeee10a10, 0xeef11a10, 0xeef95a10, 0xeee90a10,
    0xeef96a10, 0xe3a00000, 0xeee10a10, 0xeef12a10, 0xe3e00101, 0xeee80a10, 0xeef84a10,
    0xe3a00018, 0xef123456,
};

static void test_cpu_sysregs(void)
{
    Env e;
    env_init(&e, LOG_EXEC);
    load(&e, 0x1000, p_sysregs, sizeof p_sysregs, 0x1000);
    run(&e);
    fflush(e.log.f);
    CHECK(e.done, "sysregs: ran to exit");
    CHECK_EQ(R(&e, 3), 0x40000000, "FPEXC written with all ones reads EN only");
    CHECK_EQ(R(&e, 1), 0xf7f7009f,
             "FPSCR all ones: NZCV AHP DN FZ RMode, LEN 7, STRIDE 3, flags; no QC/FZ16/traps");
    CHECK_EQ(R(&e, 5), 0, "FPINST resets to 0");
    CHECK_EQ(R(&e, 6), 0xffffffff, "FPINST keeps what is written");
    CHECK_EQ(R(&e, 2), 0, "FPSCR cleared");
    CHECK_EQ(R(&e, 4), 0, "FPEXC.EN cleared: FPEXC still readable");
    CHECK_EQ(arm_cpu_get_vfp_sysreg(e.cpu, 1), 0, "FPSCR API view");
    CHECK_EQ(icount_raw(&e.ic), 16, "sysregs: count");
    /* every FPSCR/FPEXC write ends its TB: five TBs, the last with VFP off */
    CHECK(e.logbuf && strstr(e.logbuf, "[0000049f/00001010/") != NULL,
          "LEN 7 / STRIDE 3 / VFPEN in cs_base after the FPSCR write");
    CHECK(e.logbuf && strstr(e.logbuf, "[00000400/00001034/") != NULL,
          "VFPEN clear in the TB after disabling");
    env_free(&e);
}

int main(void)
{
    test_rounding_modes();
    test_overflow_underflow();
    test_flush_to_zero();
    test_nans();
    test_sqrt_div();
    test_conversions();
    test_compare();
    test_cpu_arith();
    test_cpu_gating();
    test_cpu_vectors_and_multiple();
    test_cpu_undefined_and_alignment();
    test_cpu_sysregs();
    return tap_done();
}
