/*
 * VFPv2 execution: data processing with FPSCR short vectors, compares,
 * conversions, system registers and loads/stores, following what QEMU 7.2
 * does for its arm926 (target/arm/translate-vfp.c, vfp_helper.c).
 */
#include <string.h>
#include "arm/mem.h"
#include "arm/vfp.h"
#include "arm/vfp_float.h"

#define SIGN32 0x80000000u
#define SIGN64 0x8000000000000000ull

static FpStatus status_of(const ArmCPU *cpu)
{
    uint32_t fpscr = cpu->vfp.fpscr;
    FpStatus st = { (int)((fpscr >> 22) & 3), (fpscr & FPSCR_FZ) != 0,
                    (fpscr & FPSCR_DN) != 0, 0 };
    return st;
}

static inline void commit(ArmCPU *cpu, const FpStatus *st)
{
    cpu->vfp.fpscr_flags |= st->flags;
}

static inline uint64_t get_d(const ArmCPU *cpu, unsigned n) { return cpu->vfp.d[n]; }
static inline void set_d(ArmCPU *cpu, unsigned n, uint64_t v) { cpu->vfp.d[n] = v; }

/* Next register of a short vector: wraps inside its bank of 8 singles or
 * 4 doubles. */
static inline unsigned next_s(unsigned r, unsigned delta) { return ((r + delta) & 7) | (r & ~7u); }
static inline unsigned next_d(unsigned r, unsigned delta) { return ((r + delta) & 3) | (r & ~3u); }

/* ---- data processing ---- */

static uint32_t dp3_s(unsigned kind, uint32_t d, uint32_t n, uint32_t m, FpStatus *st)
{
    /* The multiply-accumulate forms round the product, negate as a bit
     * flip (NaNs included) and add with Vd first: that order decides which
     * NaN propagates. */
    switch (kind) {
    case VDP_MLA: return f32_add(d, f32_mul(n, m, st), st);
    case VDP_MLS: return f32_add(d, f32_mul(n, m, st) ^ SIGN32, st);
    case VDP_NMLS: { uint32_t p = f32_mul(n, m, st); return f32_add(d ^ SIGN32, p, st); }
    case VDP_NMLA: { uint32_t p = f32_mul(n, m, st) ^ SIGN32; return f32_add(d ^ SIGN32, p, st); }
    case VDP_MUL: return f32_mul(n, m, st);
    case VDP_NMUL: return f32_mul(n, m, st) ^ SIGN32;
    case VDP_ADD: return f32_add(n, m, st);
    case VDP_SUB: return f32_sub(n, m, st);
    default: return f32_div(n, m, st);
    }
}

static uint64_t dp3_d(unsigned kind, uint64_t d, uint64_t n, uint64_t m, FpStatus *st)
{
    switch (kind) {
    case VDP_MLA: return f64_add(d, f64_mul(n, m, st), st);
    case VDP_MLS: return f64_add(d, f64_mul(n, m, st) ^ SIGN64, st);
    case VDP_NMLS: { uint64_t p = f64_mul(n, m, st); return f64_add(d ^ SIGN64, p, st); }
    case VDP_NMLA: { uint64_t p = f64_mul(n, m, st) ^ SIGN64; return f64_add(d ^ SIGN64, p, st); }
    case VDP_MUL: return f64_mul(n, m, st);
    case VDP_NMUL: return f64_mul(n, m, st) ^ SIGN64;
    case VDP_ADD: return f64_add(n, m, st);
    case VDP_SUB: return f64_sub(n, m, st);
    default: return f64_div(n, m, st);
    }
}

/* Element by element; every element reads its operands after the
 * previous one was written (as QEMU's unrolled loop does). */
void vfp_dp3_single(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    unsigned len = op->aux & 0xff, dd = (op->aux >> 8) & 0xff, dm = (op->aux >> 16) & 0xff;
    unsigned vd = op->rd, vn = op->rn, vm = op->rm;
    for (;;) {
        uint32_t r = dp3_s(op->sub, vfp_get_s(&cpu->vfp, vd), vfp_get_s(&cpu->vfp, vn),
                           vfp_get_s(&cpu->vfp, vm), &st);
        vfp_set_s(&cpu->vfp, vd, r);
        if (len-- == 0)
            break;
        vd = next_s(vd, dd);
        vn = next_s(vn, dd);
        vm = next_s(vm, dm);
    }
    commit(cpu, &st);
}

void vfp_dp3_double(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    unsigned len = op->aux & 0xff, dd = (op->aux >> 8) & 0xff, dm = (op->aux >> 16) & 0xff;
    unsigned vd = op->rd, vn = op->rn, vm = op->rm;
    for (;;) {
        set_d(cpu, vd, dp3_d(op->sub, get_d(cpu, vd), get_d(cpu, vn), get_d(cpu, vm), &st));
        if (len-- == 0)
            break;
        vd = next_d(vd, dd);
        vn = next_d(vn, dd);
        vm = next_d(vm, dm);
    }
    commit(cpu, &st);
}

static uint32_t dp2_s(unsigned kind, uint32_t m, FpStatus *st)
{
    switch (kind) {
    case VDP_MOV: return m;
    case VDP_ABS: return m & ~SIGN32;
    case VDP_NEG: return m ^ SIGN32;
    default: return f32_sqrt(m, st);
    }
}

static uint64_t dp2_d(unsigned kind, uint64_t m, FpStatus *st)
{
    switch (kind) {
    case VDP_MOV: return m;
    case VDP_ABS: return m & ~SIGN64;
    case VDP_NEG: return m ^ SIGN64;
    default: return f64_sqrt(m, st);
    }
}

void vfp_dp2_single(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    unsigned len = op->aux & 0xff, dd = (op->aux >> 8) & 0xff, dm = (op->aux >> 16) & 0xff;
    unsigned vd = op->rd, vm = op->rm;
    for (;;) {
        vfp_set_s(&cpu->vfp, vd, dp2_s(op->sub, vfp_get_s(&cpu->vfp, vm), &st));
        if (len-- == 0)
            break;
        vd = next_s(vd, dd);
        vm = next_s(vm, dm);
    }
    commit(cpu, &st);
}

/* QEMU 7.2's double-precision 2-operand vector loop advances the
 * destination from Vm (and never advances Vm): after the first element,
 * every further element writes op(D[Vm]) to D[Vm + delta_m] (wrapping in
 * the bank). A scalar source is instead copied to all of Vd's elements.
 * Reproduced because guests run on QEMU's behaviour. */
void vfp_dp2_double(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    unsigned len = op->aux & 0xff, dd = (op->aux >> 8) & 0xff, dm = (op->aux >> 16) & 0xff;
    unsigned vd = op->rd, vm = op->rm;
    uint64_t r = dp2_d(op->sub, get_d(cpu, vm), &st);
    set_d(cpu, vd, r);
    while (len-- > 0) {
        if (dm == 0) {
            vd = next_d(vd, dd);
            set_d(cpu, vd, r);
            continue;
        }
        vd = next_d(vm, dm);
        r = dp2_d(op->sub, get_d(cpu, vm), &st);
        set_d(cpu, vd, r);
    }
    commit(cpu, &st);
}

void vfp_compare(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    bool signalling = op->sub & 1, zero = op->sub & 2;
    int rel;
    if (op->sub & 4)
        rel = f64_compare(get_d(cpu, op->rd), zero ? 0 : get_d(cpu, op->rm), signalling, &st);
    else
        rel = f32_compare(vfp_get_s(&cpu->vfp, op->rd), zero ? 0 : vfp_get_s(&cpu->vfp, op->rm),
                          signalling, &st);
    static const uint32_t nzcv[4] = { 0x8, 0x6, 0x2, 0x3 };   /* less, equal, greater, unordered */
    cpu->vfp.fpscr = (cpu->vfp.fpscr & ~FPSCR_NZCV) | (nzcv[rel + 1] << 28);
    commit(cpu, &st);
}

void vfp_convert(ArmCPU *cpu, const ArmOp *op)
{
    FpStatus st = status_of(cpu);
    ArmVFP *v = &cpu->vfp;
    unsigned d = op->rd, m = op->rm;
    switch (op->sub) {
    case VCVT_F32_F64: vfp_set_s(v, d, f64_to_f32(get_d(cpu, m), &st)); break;
    case VCVT_F64_F32: set_d(cpu, d, f32_to_f64(vfp_get_s(v, m), &st)); break;
    case VCVT_S32_F32: vfp_set_s(v, d, (uint32_t)f32_to_i32(vfp_get_s(v, m), st.rmode, &st)); break;
    case VCVT_U32_F32: vfp_set_s(v, d, f32_to_u32(vfp_get_s(v, m), st.rmode, &st)); break;
    case VCVT_S32_F64: vfp_set_s(v, d, (uint32_t)f64_to_i32(get_d(cpu, m), st.rmode, &st)); break;
    case VCVT_U32_F64: vfp_set_s(v, d, f64_to_u32(get_d(cpu, m), st.rmode, &st)); break;
    case VCVTZ_S32_F32: vfp_set_s(v, d, (uint32_t)f32_to_i32(vfp_get_s(v, m), FPR_ZERO, &st)); break;
    case VCVTZ_U32_F32: vfp_set_s(v, d, f32_to_u32(vfp_get_s(v, m), FPR_ZERO, &st)); break;
    case VCVTZ_S32_F64: vfp_set_s(v, d, (uint32_t)f64_to_i32(get_d(cpu, m), FPR_ZERO, &st)); break;
    case VCVTZ_U32_F64: vfp_set_s(v, d, f64_to_u32(get_d(cpu, m), FPR_ZERO, &st)); break;
    case VCVT_F32_S32: vfp_set_s(v, d, i32_to_f32((int32_t)vfp_get_s(v, m), &st)); break;
    case VCVT_F32_U32: vfp_set_s(v, d, u32_to_f32(vfp_get_s(v, m), &st)); break;
    case VCVT_F64_S32: set_d(cpu, d, i32_to_f64((int32_t)vfp_get_s(v, m), &st)); break;
    default: set_d(cpu, d, u32_to_f64(vfp_get_s(v, m), &st)); break;
    }
    commit(cpu, &st);
}

/* ---- system registers ---- */

uint32_t vfp_sysreg_read(ArmCPU *cpu, unsigned reg)
{
    switch (reg) {
    case VFP_FPSID: return ARM926_FPSID;
    case VFP_FPSCR: return vfp_get_fpscr(&cpu->vfp);
    case VFP_FPEXC: return cpu->vfp.fpexc;
    case VFP_FPINST: return cpu->vfp.fpinst;
    case VFP_FPINST2: return cpu->vfp.fpinst2;
    default: return 0;          /* not decoded: translate.c UNDEFs it */
    }
}

void vfp_sysreg_write(ArmCPU *cpu, unsigned reg, uint32_t v)
{
    switch (reg) {
    case VFP_FPSCR:
        /* trap enables are RAZ/WI; QC does not exist without Neon */
        cpu->vfp.fpscr = v & FPSCR_STORED;
        cpu->vfp.fpscr_flags = v & FPF_ALL;
        cpu->vfp.vec_len = (v >> 16) & 7;
        cpu->vfp.vec_stride = (v >> 20) & 3;
        arm_rebuild_hflags(cpu);
        break;
    case VFP_FPEXC:
        cpu->vfp.fpexc = v & FPEXC_EN;      /* QEMU keeps only EN */
        arm_rebuild_hflags(cpu);
        break;
    case VFP_FPINST:
        cpu->vfp.fpinst = v;
        break;
    case VFP_FPINST2:
        cpu->vfp.fpinst2 = v;
        break;
    default:
        break;                              /* FPSID: writes ignored */
    }
}

void vfp_reset(ArmCPU *cpu)
{
    memset(&cpu->vfp, 0, sizeof(cpu->vfp));
}

/* ---- loads and stores (always alignment-checked, as QEMU's MO_ALIGN) ---- */

static inline uint32_t base_of(ArmCPU *cpu, const ArmOp *op)
{
    return op->rn == 16 ? 0 : cpu->r[op->rn];
}

void vfp_load_store(ArmCPU *cpu, const ArmOp *op)
{
    uint32_t a = base_of(cpu, op) + op->imm;
    bool load = op->sub & 1, dbl = op->sub & 2;
    if (load) {
        if (dbl) {
            uint64_t lo = ld32a(cpu, op, a);
            uint64_t hi = ld32a(cpu, op, a + 4);
            set_d(cpu, op->rd, lo | hi << 32);
        } else {
            vfp_set_s(&cpu->vfp, op->rd, ld32a(cpu, op, a));
        }
    } else if (dbl) {
        uint64_t v = get_d(cpu, op->rd);
        st32a(cpu, op, a, (uint32_t)v);
        st32a(cpu, op, a + 4, (uint32_t)(v >> 32));
    } else {
        st32a(cpu, op, a, vfp_get_s(&cpu->vfp, op->rd));
    }
}

void vfp_load_store_multiple(ArmCPU *cpu, const ArmOp *op)
{
    bool load = op->sub & 1, dbl = op->sub & 2, wb = op->sub & 4, db = op->sub & 8;
    uint32_t imm = op->aux;
    uint32_t a = op->rn == 16 ? op->imm : cpu->r[op->rn];
    if (db)
        a -= imm << 2;
    unsigned n = dbl ? imm >> 1 : imm;
    /* registers are written as each element arrives: a fault part-way
     * leaves the earlier ones loaded, as on QEMU */
    for (unsigned i = 0; i < n; i++) {
        unsigned r = op->rd + i;
        if (dbl) {
            if (load) {
                uint64_t lo = ld32a(cpu, op, a);
                uint64_t hi = ld32a(cpu, op, a + 4);
                set_d(cpu, r, lo | hi << 32);
            } else {
                uint64_t v = get_d(cpu, r);
                st32a(cpu, op, a, (uint32_t)v);
                st32a(cpu, op, a + 4, (uint32_t)(v >> 32));
            }
            a += 8;
        } else {
            if (load)
                vfp_set_s(&cpu->vfp, r, ld32a(cpu, op, a));
            else
                st32a(cpu, op, a, vfp_get_s(&cpu->vfp, r));
            a += 4;
        }
    }
    if (wb) {
        if (db)
            a -= (dbl ? 8u : 4u) * n;
        else if (dbl && (imm & 1))
            a += 4;                         /* FLDMX/FSTMX: one word more */
        cpu->r[op->rn] = a;
    }
}

/* The public accessor (cpu.h) lives with the register it reads. */
uint32_t arm_cpu_get_vfp_sysreg(ArmCPU *cpu, int reg) { return vfp_sysreg_read(cpu, (unsigned)reg); }
