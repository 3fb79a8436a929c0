/*
 * A small ARMv5TE / Thumb-1 disassembler for `-d in_asm`, in the style of
 * the capstone output QEMU 7.2 prints (UAL mnemonics, sb/sl/fp/ip register
 * names, immediates above 9 in hex, branch targets absolute). Encodings it
 * does not know print as ".word"/".short".
 */
#include <stdarg.h>
#include <stdio.h>
#include "arm/disas.h"

static const char *const regn[16] = {
    "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
    "r8", "sb", "sl", "fp", "ip", "sp", "lr", "pc",
};
static const char *const condn[16] = {
    "eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc",
    "hi", "ls", "ge", "lt", "gt", "le", "", "",
};
static const char *const dpn[16] = {
    "and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc",
    "tst", "teq", "cmp", "cmn", "orr", "mov", "bic", "mvn",
};
static const char *const shn[4] = { "lsl", "lsr", "asr", "ror" };

static uint32_t ror32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v >> s) | (v << (32 - s)) : v;
}

typedef struct Out {
    char *p, *end;
} Out;

static void put(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p, (size_t)(o->end - o->p), fmt, ap);
    va_end(ap);
    if (n > 0)
        o->p += (n < o->end - o->p) ? n : (o->end - o->p - 1);
}

static void imm(Out *o, int64_t v)
{
    if (v < 0)
        put(o, v > -10 ? "#-%lld" : "#-0x%llx", (long long)-v);
    else
        put(o, v < 10 ? "#%lld" : "#0x%llx", (long long)v);
}

static void mnem(Out *o, const char *m, const char *sfx, unsigned cond)
{
    char b[24];
    snprintf(b, sizeof b, "%s%s%s", m, sfx, condn[cond & 15]);
    put(o, "%-8s ", b);
}

static void reglist(Out *o, unsigned list)
{
    put(o, "{");
    bool first = true;
    for (int i = 0; i < 16; i++)
        if (list & (1u << i)) {
            put(o, "%s%s", first ? "" : ", ", regn[i]);
            first = false;
        }
    put(o, "}");
}

static void shift_op(Out *o, uint32_t insn)
{
    unsigned rm = insn & 15, type = (insn >> 5) & 3;
    put(o, "%s", regn[rm]);
    if (insn & 0x10) {
        put(o, ", %s %s", shn[type], regn[(insn >> 8) & 15]);
        return;
    }
    unsigned sh = (insn >> 7) & 31;
    if (type == 0 && sh == 0)
        return;
    if (type == 3 && sh == 0) {
        put(o, ", rrx");
        return;
    }
    if ((type == 1 || type == 2) && sh == 0)
        sh = 32;
    put(o, ", %s #%u", shn[type], sh);     /* capstone: decimal here */
}


/* ---- VFPv2 (cp10/cp11) ---- */

/* capstone puts the condition before the type suffix: vmovgt.f32 */
static void vmnem(Out *o, const char *m, const char *sfx, unsigned cond)
{
    char b[32];
    snprintf(b, sizeof b, "%s%s%s", m, condn[cond & 15], sfx);
    put(o, "%-8s ", b);
}

static void vreg(Out *o, bool dbl, uint32_t insn, unsigned vpos, unsigned xpos)
{
    unsigned v = (insn >> vpos) & 15, x = (insn >> xpos) & 1;
    if (dbl)
        put(o, "d%u", (x << 4) | v);
    else
        put(o, "s%u", (v << 1) | x);
}

static const char *vfp_sysreg_name(unsigned reg)
{
    switch (reg) {
    case 0: return "fpsid";
    case 1: return "fpscr";
    case 6: return "mvfr1";
    case 7: return "mvfr0";
    case 8: return "fpexc";
    case 9: return "fpinst";
    case 10: return "fpinst2";
    default: return NULL;
    }
}

/* Returns false for encodings it does not know (printed as .word). */
static bool disas_vfp(Out *o, uint32_t insn, unsigned cond)
{
    bool dbl = (insn >> 8) & 1, l = (insn >> 20) & 1;
    const char *t = dbl ? ".f64" : ".f32";
    unsigned rt = (insn >> 12) & 15, rn = (insn >> 16) & 15;
    if ((insn & 0x0f000010) == 0x0e000000) {             /* data processing */
        unsigned opc1 = ((insn >> 21) & 4) | ((insn >> 20) & 3), op6 = (insn >> 6) & 1;
        static const char *const three[5][2] = {
            { "vmla", "vmls" }, { "vnmls", "vnmla" }, { "vmul", "vnmul" },
            { "vadd", "vsub" }, { "vdiv", NULL },
        };
        if (opc1 < 5) {
            if (!three[opc1][op6])
                return false;
            vmnem(o, three[opc1][op6], t, cond);
            vreg(o, dbl, insn, 12, 22);
            put(o, ", ");
            vreg(o, dbl, insn, 16, 7);
            put(o, ", ");
            vreg(o, dbl, insn, 0, 5);
            return true;
        }
        if (opc1 != 7 || !op6)
            return false;
        unsigned opc2 = rn, b7 = (insn >> 7) & 1;
        static const char *const two[2][2] = { { "vmov", "vabs" }, { "vneg", "vsqrt" } };
        switch (opc2) {
        case 0:
        case 1:
            vmnem(o, two[opc2][b7], t, cond);
            vreg(o, dbl, insn, 12, 22);
            put(o, ", ");
            vreg(o, dbl, insn, 0, 5);
            return true;
        case 4:
        case 5:
            vmnem(o, b7 ? "vcmpe" : "vcmp", t, cond);
            vreg(o, dbl, insn, 12, 22);
            put(o, ", ");
            if (opc2 == 5)
                put(o, "#0");
            else
                vreg(o, dbl, insn, 0, 5);
            return true;
        case 7:
            if (!b7)
                return false;
            vmnem(o, "vcvt", dbl ? ".f32.f64" : ".f64.f32", cond);
            vreg(o, !dbl, insn, 12, 22);
            put(o, ", ");
            vreg(o, dbl, insn, 0, 5);
            return true;
        case 8:
            vmnem(o, "vcvt", dbl ? (b7 ? ".f64.s32" : ".f64.u32") : (b7 ? ".f32.s32" : ".f32.u32"),
                 cond);
            vreg(o, dbl, insn, 12, 22);
            put(o, ", ");
            vreg(o, false, insn, 0, 5);
            return true;
        case 12:
        case 13: {
            char sfx[16];
            snprintf(sfx, sizeof sfx, ".%c32%s", (opc2 & 1) ? 's' : 'u', t);
            vmnem(o, b7 ? "vcvt" : "vcvtr", sfx, cond);
            vreg(o, false, insn, 12, 22);
            put(o, ", ");
            vreg(o, dbl, insn, 0, 5);
            return true;
        }
        default:
            return false;
        }
    }
    if ((insn & 0x0fe00fff) == 0x0ee00a10) {             /* VMRS / VMSR */
        const char *name = vfp_sysreg_name(rn);
        if (!name)
            return false;
        vmnem(o, l ? "vmrs" : "vmsr", "", cond);
        if (l)
            put(o, "%s, %s", (rt == 15 && rn == 1) ? "apsr_nzcv" : regn[rt], name);
        else
            put(o, "%s, %s", name, regn[rt]);
        return true;
    }
    if ((insn & 0x0fe00f7f) == 0x0e000a10) {             /* VMOV core <-> single */
        vmnem(o, "vmov", "", cond);
        if (l) {
            put(o, "%s, ", regn[rt]);
            vreg(o, false, insn, 16, 7);
        } else {
            vreg(o, false, insn, 16, 7);
            put(o, ", %s", regn[rt]);
        }
        return true;
    }
    if ((insn & 0x0fc00f7f) == 0x0e000b10) {             /* VMOV core <-> Dn[x] */
        vmnem(o, "vmov", ".32", cond);
        if (l) {
            put(o, "%s, ", regn[rt]);
            vreg(o, true, insn, 16, 7);
            put(o, "[%u]", (insn >> 21) & 1);
        } else {
            vreg(o, true, insn, 16, 7);
            put(o, "[%u], %s", (insn >> 21) & 1, regn[rt]);
        }
        return true;
    }
    if ((insn & 0x0fe000d0) == 0x0c400010) {             /* VMOV pair */
        vmnem(o, "vmov", "", cond);
        unsigned m = dbl ? (((insn >> 5) & 1) << 4) | (insn & 15) : ((insn & 15) << 1) | ((insn >> 5) & 1);
        char v[16];
        if (dbl)
            snprintf(v, sizeof v, "d%u", m);
        else
            snprintf(v, sizeof v, "s%u, s%u", m, m + 1);
        if (l)
            put(o, "%s, %s, %s", regn[rt], regn[rn], v);
        else
            put(o, "%s, %s, %s", v, regn[rt], regn[rn]);
        return true;
    }
    if ((insn & 0x0e000000) != 0x0c000000)
        return false;
    unsigned p = (insn >> 24) & 1, u = (insn >> 23) & 1, w = (insn >> 21) & 1, imm8 = insn & 0xff;
    if (p && !w) {                                        /* VLDR / VSTR */
        vmnem(o, l ? "vldr" : "vstr", "", cond);
        vreg(o, dbl, insn, 12, 22);
        put(o, ", [%s", regn[rn]);
        if (imm8) {
            put(o, ", ");
            imm(o, u ? (int64_t)imm8 * 4 : -(int64_t)imm8 * 4);
        }
        put(o, "]");
        return true;
    }
    if (p == u)                                           /* neither IA nor DB! */
        return false;
    bool push = rn == 13 && w && (p ? !l : l);
    unsigned first = dbl ? (((insn >> 22) & 1) << 4) | rt : (rt << 1) | ((insn >> 22) & 1);
    unsigned n = dbl ? imm8 >> 1 : imm8;
    bool x = dbl && (imm8 & 1);
    if (push && !x) {
        vmnem(o, l ? "vpop" : "vpush", "", cond);
    } else {
        char m[12];
        snprintf(m, sizeof m, "%s%s%s", x ? (l ? "fldm" : "fstm") : (l ? "vldm" : "vstm"),
                 p ? "db" : "ia", x ? "x" : "");
        vmnem(o, m, "", cond);
        put(o, "%s%s, ", regn[rn], w ? "!" : "");
    }
    put(o, "{");
    for (unsigned i = 0; i < n && i < 32; i++)
        put(o, "%s%c%u", i ? ", " : "", dbl ? 'd' : 's', first + i);
    put(o, "}");
    return true;
}

static void disas_arm(Out *o, uint32_t pc, uint32_t insn)
{
    unsigned cond = insn >> 28, rn = (insn >> 16) & 15, rd = (insn >> 12) & 15;
    unsigned rs = (insn >> 8) & 15, rm = insn & 15;
    if (cond == 15) {
        if ((insn & 0xfe000000) == 0xfa000000) {
            int32_t off = ((int32_t)(insn << 8) >> 6) | (int32_t)((insn >> 23) & 2);
            mnem(o, "blx", "", 14);
            put(o, "#0x%x", pc + 8 + (uint32_t)off);
            return;
        }
        if ((insn & 0xff70f000) == 0xf550f000) {
            mnem(o, "pld", "", 14);
            put(o, "[%s, ", regn[rn]);
            imm(o, (insn & (1u << 23)) ? (int64_t)(insn & 0xfff) : -(int64_t)(insn & 0xfff));
            put(o, "]");
            return;
        }
        put(o, ".word    0x%08x", insn);
        return;
    }
    switch ((insn >> 25) & 7) {
    case 0:
        if ((insn & 0x0f0000f0) == 0x00000090) {
            static const char *const mn[8] = { "mul", "mla", "umaal", "mls",
                                               "umull", "umlal", "smull", "smlal" };
            unsigned op = (insn >> 21) & 7;
            mnem(o, mn[op], (insn & (1u << 20)) ? "s" : "", cond);
            if (op == 0)
                put(o, "%s, %s, %s", regn[rn], regn[rm], regn[rs]);
            else if (op < 4)
                put(o, "%s, %s, %s, %s", regn[rn], regn[rm], regn[rs], regn[rd]);
            else
                put(o, "%s, %s, %s, %s", regn[rd], regn[rn], regn[rm], regn[rs]);
            return;
        }
        if ((insn & 0x0fb00ff0) == 0x01000090) {
            mnem(o, (insn & (1u << 22)) ? "swpb" : "swp", "", cond);
            put(o, "%s, %s, [%s]", regn[rd], regn[rm], regn[rn]);
            return;
        }
        if ((insn & 0x90) == 0x90) {
            unsigned op2 = (insn >> 5) & 3;
            bool l = (insn >> 20) & 1, p = (insn >> 24) & 1, u = (insn >> 23) & 1;
            bool i = (insn >> 22) & 1, w = (insn >> 21) & 1;
            const char *m = op2 == 1 ? (l ? "ldrh" : "strh")
                          : op2 == 2 ? (l ? "ldrsb" : "ldrd") : (l ? "ldrsh" : "strd");
            mnem(o, m, "", cond);
            if (!l && op2 != 1)
                put(o, "%s, %s, ", regn[rd], regn[(rd + 1) & 15]);
            else
                put(o, "%s, ", regn[rd]);
            uint32_t ofs = ((insn >> 4) & 0xf0) | (insn & 15);
            put(o, "[%s", regn[rn]);
            if (p) {
                if (i) {
                    if (ofs || !u) { put(o, ", "); imm(o, u ? (int64_t)ofs : -(int64_t)ofs); }
                } else {
                    put(o, ", %s%s", u ? "" : "-", regn[rm]);
                }
                put(o, "]%s", w ? "!" : "");
            } else {
                put(o, "], ");
                if (i) imm(o, u ? (int64_t)ofs : -(int64_t)ofs);
                else put(o, "%s%s", u ? "" : "-", regn[rm]);
            }
            return;
        }
        if ((insn & 0x01900000) == 0x01000000) {
            unsigned op1 = (insn >> 21) & 3, op2 = (insn >> 4) & 7;
            if (insn & 0x80) {
                static const char *const xy[4] = { "bb", "tb", "bt", "tt" };
                unsigned x = (insn >> 5) & 1, y = (insn >> 6) & 1;
                switch (op1) {
                case 0: mnem(o, "smla", xy[x | y << 1], cond);
                        put(o, "%s, %s, %s, %s", regn[rn], regn[rm], regn[rs], regn[rd]); return;
                case 1: mnem(o, x ? "smulw" : "smlaw", y ? "t" : "b", cond);
                        if (x) put(o, "%s, %s, %s", regn[rn], regn[rm], regn[rs]);
                        else put(o, "%s, %s, %s, %s", regn[rn], regn[rm], regn[rs], regn[rd]);
                        return;
                case 2: mnem(o, "smlal", xy[x | y << 1], cond);
                        put(o, "%s, %s, %s, %s", regn[rd], regn[rn], regn[rm], regn[rs]); return;
                default: mnem(o, "smul", xy[x | y << 1], cond);
                        put(o, "%s, %s, %s", regn[rn], regn[rm], regn[rs]); return;
                }
            }
            if (op2 == 0 && !(op1 & 1)) {
                mnem(o, "mrs", "", cond);
                put(o, "%s, %s", regn[rd], (op1 & 2) ? "spsr" : "apsr");
                return;
            }
            if (op2 == 0) {
                mnem(o, "msr", "", cond);
                put(o, "%s_%s%s%s%s, %s", (op1 & 2) ? "spsr" : "cpsr", (rn & 1) ? "c" : "",
                    (rn & 2) ? "x" : "", (rn & 4) ? "s" : "", (rn & 8) ? "f" : "", regn[rm]);
                return;
            }
            if (op1 == 1 && op2 >= 1 && op2 <= 3) {
                mnem(o, op2 == 1 ? "bx" : op2 == 2 ? "bxj" : "blx", "", cond);
                put(o, "%s", regn[rm]);
                return;
            }
            if (op1 == 3 && op2 == 1) {
                mnem(o, "clz", "", cond);
                put(o, "%s, %s", regn[rd], regn[rm]);
                return;
            }
            if (op2 == 5) {
                static const char *const q[4] = { "qadd", "qsub", "qdadd", "qdsub" };
                mnem(o, q[op1], "", cond);
                put(o, "%s, %s, %s", regn[rd], regn[rm], regn[rn]);
                return;
            }
            if (op2 == 7 && op1 == 1) {
                mnem(o, "bkpt", "", 14);
                imm(o, ((insn >> 4) & 0xfff0) | (insn & 15));
                return;
            }
            put(o, ".word    0x%08x", insn);
            return;
        }
        /* fall through: data processing, register */
        /* FALLTHRU */
    case 1: {
        if ((insn & 0x0fb0f000) == 0x0320f000) {
            unsigned h = insn & 0xff;
            if (rn == 0 && !(insn & (1u << 22))) {
                mnem(o, h == 3 ? "wfi" : h == 1 ? "yield" : h == 2 ? "wfe" : "nop", "", cond);
                return;
            }
            mnem(o, "msr", "", cond);
            if (!(insn & (1u << 22)) && rn == 8)
                put(o, "apsr_nzcvq, ");
            else
                put(o, "%s_%s%s%s%s, ", (insn & (1u << 22)) ? "spsr" : "cpsr", (rn & 1) ? "c" : "",
                    (rn & 2) ? "x" : "", (rn & 4) ? "s" : "", (rn & 8) ? "f" : "");
            imm(o, ror32(insn & 0xff, ((insn >> 8) & 15) * 2));
            return;
        }
        unsigned opc = (insn >> 21) & 15;
        bool s = (insn >> 20) & 1, isimm = (insn >> 25) & 1;
        bool cmp = opc >= 8 && opc <= 11;
        if (opc == 13 && !isimm && (((insn >> 5) & 3) || ((insn >> 7) & 31) || (insn & 0x10))) {
            /* mov with shift: UAL shift mnemonic */
            unsigned type = (insn >> 5) & 3, sh = (insn >> 7) & 31;
            if (!(insn & 0x10) && type == 3 && sh == 0) {
                mnem(o, "rrx", s ? "s" : "", cond);
                put(o, "%s, %s", regn[rd], regn[rm]);
                return;
            }
            mnem(o, shn[type], s ? "s" : "", cond);
            put(o, "%s, %s, ", regn[rd], regn[rm]);
            if (insn & 0x10) {
                put(o, "%s", regn[rs]);
            } else {
                if ((type == 1 || type == 2) && sh == 0)
                    sh = 32;
                imm(o, sh);
            }
            return;
        }
        mnem(o, dpn[opc], (s && !cmp) ? "s" : "", cond);
        if (cmp)
            put(o, "%s, ", regn[rn]);
        else if (opc == 13 || opc == 15)
            put(o, "%s, ", regn[rd]);
        else
            put(o, "%s, %s, ", regn[rd], regn[rn]);
        if (isimm)
            imm(o, ror32(insn & 0xff, ((insn >> 8) & 15) * 2));
        else
            shift_op(o, insn);
        return;
    }
    case 2:
    case 3: {
        if ((insn & 0x0ff000f0) == 0x07f000f0) {
            mnem(o, "udf", "", 14);
            imm(o, ((insn >> 4) & 0xfff0) | (insn & 15));
            return;
        }
        if (((insn >> 25) & 1) && (insn & 0x10)) {
            put(o, ".word    0x%08x", insn);
            return;
        }
        bool p = (insn >> 24) & 1, u = (insn >> 23) & 1, b = (insn >> 22) & 1;
        bool w = (insn >> 21) & 1, l = (insn >> 20) & 1, reg = (insn >> 25) & 1;
        if (rn == 13 && !reg && !b && (insn & 0xfff) == 4) {
            if (l && !p && u && !w) {           /* ldr rX, [sp], #4 */
                mnem(o, "pop", "", cond);
                put(o, "{%s}", regn[rd]);
                return;
            }
        }
        mnem(o, l ? "ldr" : "str", b ? (!p && w ? "bt" : "b") : (!p && w ? "t" : ""), cond);
        put(o, "%s, [%s", regn[rd], regn[rn]);
        uint32_t ofs = insn & 0xfff;
        if (p) {
            if (!reg) {
                if (ofs || !u) { put(o, ", "); imm(o, u ? (int64_t)ofs : -(int64_t)ofs); }
            } else {
                put(o, ", %s", u ? "" : "-");
                shift_op(o, insn);
            }
            put(o, "]%s", w ? "!" : "");
        } else {
            put(o, "], ");
            if (!reg) imm(o, u ? (int64_t)ofs : -(int64_t)ofs);
            else { put(o, "%s", u ? "" : "-"); shift_op(o, insn); }
        }
        return;
    }
    case 4: {
        bool l = (insn >> 20) & 1, p = (insn >> 24) & 1, u = (insn >> 23) & 1;
        bool w = (insn >> 21) & 1;
        if (rn == 13 && w && !l && p && !u && !(insn & (1u << 22))) {
            mnem(o, "push", "", cond);
            reglist(o, insn & 0xffff);
            return;
        }
        if (rn == 13 && w && l && !p && u && !(insn & (1u << 22))) {
            mnem(o, "pop", "", cond);
            reglist(o, insn & 0xffff);
            return;
        }
        static const char *const am[4] = { "da", "", "db", "ib" };
        mnem(o, l ? "ldm" : "stm", am[(p << 1) | u], cond);
        put(o, "%s%s, ", regn[rn], w ? "!" : "");
        reglist(o, insn & 0xffff);
        if (insn & (1u << 22))
            put(o, " ^");
        return;
    }
    case 5: {
        int32_t off = (int32_t)(insn << 8) >> 6;
        mnem(o, (insn & (1u << 24)) ? "bl" : "b", "", cond);
        put(o, "#0x%x", pc + 8 + (uint32_t)off);
        return;
    }
    case 6:
        if (((insn >> 9) & 7) == 5 && disas_vfp(o, insn, cond))     /* cp10/cp11 */
            return;
        put(o, ".word    0x%08x", insn);
        return;
    default:
        if (!(insn & (1u << 24)) && ((insn >> 9) & 7) == 5 && disas_vfp(o, insn, cond))
            return;
        if (insn & (1u << 24)) {
            mnem(o, "svc", "", cond);
            imm(o, insn & 0xffffff);
            return;
        }
        if (insn & 0x10) {
            mnem(o, (insn & (1u << 20)) ? "mrc" : "mcr", "", cond);
            put(o, "p%u, ", rs);
            imm(o, (insn >> 21) & 7);
            put(o, ", %s, c%u, c%u, ", regn[rd], rn, rm);
            imm(o, (insn >> 5) & 7);
            return;
        }
        put(o, ".word    0x%08x", insn);
        return;
    }
}

static void disas_thumb(Out *o, uint32_t pc, uint32_t insn, bool is32)
{
    if (is32) {
        if ((insn & 0xf800e800) != 0xf000e800) {
            put(o, ".word    0x%08x", insn);
            return;
        }
        int32_t hi = (int32_t)((insn >> 16) << 21) >> 21;
        int32_t off = (int32_t)((uint32_t)hi << 12) | (int32_t)((insn & 0x7ff) << 1);
        if (insn & 0x1000) {
            mnem(o, "bl", "", 14);
            put(o, "#0x%x", pc + 4 + (uint32_t)off);
        } else {
            mnem(o, "blx", "", 14);
            put(o, "#0x%x", (pc & ~3u) + 4 + (uint32_t)off);
        }
        return;
    }
    unsigned rd = insn & 7, rn3 = (insn >> 3) & 7, r8 = (insn >> 8) & 7;
    switch (insn >> 12) {
    case 0x0:
    case 0x1: {
        unsigned op = (insn >> 11) & 3;
        if (op < 3) {
            unsigned sh = (insn >> 6) & 31;
            if (op == 0 && sh == 0) {
                mnem(o, "movs", "", 14);
                put(o, "%s, %s", regn[rd], regn[rn3]);
                return;
            }
            if (op && sh == 0)
                sh = 32;
            mnem(o, shn[op], "s", 14);
            put(o, "%s, %s, ", regn[rd], regn[rn3]);
            imm(o, sh);
            return;
        }
        mnem(o, (insn & 0x200) ? "subs" : "adds", "", 14);
        put(o, "%s, %s, ", regn[rd], regn[rn3]);
        if (insn & 0x400) imm(o, (insn >> 6) & 7);
        else put(o, "%s", regn[(insn >> 6) & 7]);
        return;
    }
    case 0x2:
    case 0x3: {
        static const char *const m[4] = { "movs", "cmp", "adds", "subs" };
        mnem(o, m[(insn >> 11) & 3], "", 14);
        put(o, "%s, ", regn[r8]);
        imm(o, insn & 0xff);
        return;
    }
    case 0x4:
        if ((insn & 0xfc00) == 0x4000) {
            static const char *const m[16] = {
                "ands", "eors", "lsls", "lsrs", "asrs", "adcs", "sbcs", "rors",
                "tst", "rsbs", "cmp", "cmn", "orrs", "muls", "bics", "mvns",
            };
            unsigned a = (insn >> 6) & 15;
            mnem(o, m[a], "", 14);
            if (a == 9)
                put(o, "%s, %s, #0", regn[rd], regn[rn3]);
            else if (a == 13)
                put(o, "%s, %s, %s", regn[rd], regn[rn3], regn[rd]);
            else if (a >= 2 && a <= 7 && a != 5 && a != 6)
                put(o, "%s, %s", regn[rd], regn[rn3]);
            else
                put(o, "%s, %s", regn[rd], regn[rn3]);
            return;
        }
        if ((insn & 0xfc00) == 0x4400) {
            unsigned h = (insn >> 8) & 3, rdh = (insn & 7) | ((insn >> 4) & 8), rm = (insn >> 3) & 15;
            if (h == 3) {
                mnem(o, (insn & 0x80) ? "blx" : "bx", "", 14);
                put(o, "%s", regn[rm]);
                return;
            }
            mnem(o, h == 0 ? "add" : h == 1 ? "cmp" : "mov", "", 14);
            put(o, "%s, %s", regn[rdh], regn[rm]);
            return;
        }
        mnem(o, "ldr", "", 14);
        put(o, "%s, [pc, ", regn[r8]);
        imm(o, (insn & 0xff) * 4);
        put(o, "]");
        return;
    case 0x5: {
        static const char *const m[8] = { "str", "strh", "strb", "ldrsb",
                                          "ldr", "ldrh", "ldrb", "ldrsh" };
        mnem(o, m[(insn >> 9) & 7], "", 14);
        put(o, "%s, [%s, %s]", regn[rd], regn[rn3], regn[(insn >> 6) & 7]);
        return;
    }
    case 0x6:
    case 0x7:
    case 0x8: {
        bool l = (insn >> 11) & 1;
        unsigned top = insn >> 12;
        unsigned sz = top == 6 ? 4 : top == 7 ? 1 : 2;
        const char *m = sz == 4 ? (l ? "ldr" : "str") : sz == 2 ? (l ? "ldrh" : "strh")
                                                                  : (l ? "ldrb" : "strb");
        mnem(o, m, "", 14);
        unsigned ofs = ((insn >> 6) & 31) * sz;
        put(o, "%s, [%s", regn[rd], regn[rn3]);
        if (ofs) { put(o, ", "); imm(o, ofs); }
        put(o, "]");
        return;
    }
    case 0x9:
        mnem(o, (insn & 0x800) ? "ldr" : "str", "", 14);
        put(o, "%s, [sp", regn[r8]);
        if (insn & 0xff) { put(o, ", "); imm(o, (insn & 0xff) * 4); }
        put(o, "]");
        return;
    case 0xa:
        if (insn & 0x800) {
            mnem(o, "add", "", 14);
            put(o, "%s, sp, ", regn[r8]);
        } else {
            mnem(o, "adr", "", 14);
            put(o, "%s, ", regn[r8]);
        }
        imm(o, (insn & 0xff) * 4);
        return;
    case 0xb:
        if ((insn & 0xff00) == 0xb000) {
            mnem(o, (insn & 0x80) ? "sub" : "add", "", 14);
            put(o, "sp, ");
            imm(o, (insn & 0x7f) * 4);
            return;
        }
        if ((insn & 0xf600) == 0xb400) {
            bool pop = (insn >> 11) & 1;
            unsigned list = insn & 0xff;
            if (insn & 0x100)
                list |= pop ? 0x8000 : 0x4000;
            mnem(o, pop ? "pop" : "push", "", 14);
            reglist(o, list);
            return;
        }
        if ((insn & 0xff00) == 0xbe00) {
            mnem(o, "bkpt", "", 14);
            imm(o, insn & 0xff);
            return;
        }
        if ((insn & 0xff0f) == 0xbf00) {
            unsigned h = (insn >> 4) & 15;
            mnem(o, h == 1 ? "yield" : h == 2 ? "wfe" : h == 3 ? "wfi" : "nop", "", 14);
            return;
        }
        put(o, ".short   0x%04x", insn);
        return;
    case 0xc:
        mnem(o, (insn & 0x800) ? "ldm" : "stm", "", 14);
        put(o, "%s%s, ", regn[r8], ((insn & 0x800) && (insn & (1u << r8))) ? "" : "!");
        reglist(o, insn & 0xff);
        return;
    case 0xd: {
        unsigned c = (insn >> 8) & 15;
        if (c == 15) {
            mnem(o, "svc", "", 14);
            imm(o, insn & 0xff);
            return;
        }
        if (c == 14) {
            mnem(o, "udf", "", 14);
            imm(o, insn & 0xff);
            return;
        }
        int32_t off = (int32_t)(insn << 24) >> 23;
        mnem(o, "b", "", c);
        put(o, "#0x%x", pc + 4 + (uint32_t)off);
        return;
    }
    case 0xe:
        if (insn & 0x800) {
            mnem(o, "blx", "", 14);
            put(o, "lr, ");
            imm(o, (insn & 0x7ff) << 1);
            return;
        } else {
            int32_t off = (int32_t)(insn << 21) >> 20;
            mnem(o, "b", "", 14);
            put(o, "#0x%x", pc + 4 + (uint32_t)off);
        }
        return;
    default:
        mnem(o, "bl", "", 14);
        if (insn & 0x800) {
            put(o, "lr, ");
            imm(o, (insn & 0x7ff) << 1);
        } else {
            put(o, "#0x%x", pc + 4 + ((uint32_t)((int32_t)(insn << 21) >> 21) << 12));
        }
        return;
    }
}

void arm_disas(char *buf, size_t n, uint32_t pc, uint32_t insn, bool thumb)
{
    Out o = { buf, buf + n };
    buf[0] = 0;
    if (thumb)
        disas_thumb(&o, pc, insn, insn > 0xffff);
    else
        disas_arm(&o, pc, insn);
    /* no trailing blanks (mnemonics without operands) */
    while (o.p > buf && o.p[-1] == ' ')
        *--o.p = 0;
}
