/*
 * ARM / Thumb-1 decoder: guest instructions -> pre-decoded ops.
 *
 * TB boundaries follow QEMU 7.2's target/arm/translate.c for an ARMv5TE
 * (arm926) core: branches and PC writes end a TB, so do CPSR/SPSR writes,
 * exception-generating and undefined instructions, WFI and the hint
 * instructions, CP15 writes that are not NOPs, VMSR to FPSCR/FPEXC; ARM
 * TBs never cross a 1 KiB page, Thumb TBs stop at the page end; at most 512
 * instructions, or the count requested in cflags. Thumb BL/BLX prefix+suffix pairs are one
 * instruction unless the prefix is the last halfword of the page.
 */
#include <stdio.h>
#include <string.h>
#include "arm/cp15.h"
#include "arm/exceptions.h"
#include "arm/exec.h"
#include "arm/mem.h"
#include "arm/psr.h"
#include "arm/translate.h"

/* The flag updates (four adjacent 32-bit stores) must stay plain stores:
 * the SLP vectoriser turns them into shuffles that cost more. */
#pragma GCC optimize("no-tree-slp-vectorize")

#include "arm/ops.inc"
#include "arm/vfp_ops.inc"

typedef struct DC {
    ArmCPU *cpu;
    TB *tb;
    ArmOp *ops;
    uint32_t n_ops;
    uint32_t pc, pc_next, page_start;
    uint16_t idx;
    bool thumb, user, io_ok, end;
    bool io_index;          /* ARM_IO_INDEX: memory ops check io_stop */
    uint32_t cond;
} DC;

static ArmOp *emit(DC *dc, ArmOpFn fn)
{
    ArmOp *op = &dc->ops[dc->n_ops++];
    memset(op, 0, sizeof(*op));
    op->fn = fn;
    op->pc = dc->pc;
    op->idx = dc->idx;
    op->len = (uint8_t)(dc->pc_next - dc->pc);
    op->cond = (uint8_t)dc->cond;
    op->xflags = (dc->thumb ? OPX_THUMB : 0) | (dc->io_ok ? OPX_IO_OK : 0);
    return op;
}

#define SEL(name) (dc->cond == 14 ? (name) : (name##_cc))
/* A handler defined with DEF_MEM_OP: the I/O mode picks the variant. */
#define MEM_SEL(name) (dc->io_index ? SEL(name##_io_index) : SEL(name))

static bool same_page(const DC *dc, uint32_t dest)
{
    if (dc->tb->cflags & CF_NO_GOTO_TB)
        return false;
    return ((dc->tb->pc ^ dest) & PAGE_MASK) == 0;
}

static void gen_undef(DC *dc)
{
    emit(dc, SEL(op_undef));
    dc->end = true;
}

/* ---------------- shared emitters ---------------- */

/* Data processing. kind K_IMM: imm/carry given; K_REG: rm; K_SHI: rm,
 * type, amount (normalised); K_SHR: rm, type, rs. */
static void gen_dp(DC *dc, unsigned opc, bool s, unsigned rd, unsigned rn, unsigned kind,
                   uint32_t imm, uint32_t imm_c, unsigned rm, unsigned shtype, unsigned sh,
                   unsigned rs)
{
    bool uses_rn = !(opc == 13 || opc == 15);
    bool writes = !(opc >= 8 && opc <= 11);
    /* normalise shift-by-immediate */
    if (kind == K_SHI) {
        if (shtype == SH_LSL && sh == 0) {
            kind = K_REG;
        } else if ((shtype == SH_LSR || shtype == SH_ASR) && sh == 0) {
            sh = 32;
        } else if (shtype == SH_ROR && sh == 0) {
            shtype = SH_RRX;
        }
    }
    bool pc_involved = (writes && rd == 15) || (uses_rn && rn == 15) ||
                       (kind != K_IMM && rm == 15) || (kind == K_SHR && rs == 15);
    if (pc_involved) {
        if (writes && rd == 15 && s && (opc == 2 || opc == 13) && dc->user) {
            gen_undef(dc);   /* ALUExceptionReturn from User: QEMU UNDEFs */
            return;
        }
        ArmOp *op = emit(dc, SEL(dp_generic));
        op->sub = (uint8_t)(opc | (s ? 16 : 0) | (kind << 5));
        op->rd = (uint8_t)rd;
        op->rn = (uint8_t)(uses_rn ? rn : 0);
        op->rm = (uint8_t)rm;
        op->rs = (uint8_t)rs;
        op->imm = imm;
        op->aux = kind == K_IMM ? imm_c : ((shtype << 8) | sh);
        if (writes && rd == 15)
            dc->end = true;
        return;
    }
    unsigned fkind = kind;
    if (kind == K_SHI && shtype != SH_RRX)
        fkind = K_LSL + shtype;      /* shift-type specialised handler */
    ArmOp *op = emit(dc, dp_table[opc][fkind][s][dc->cond != 14]);
    op->rd = (uint8_t)rd;
    op->rn = (uint8_t)(uses_rn ? rn : 0);
    op->rm = (uint8_t)rm;
    op->rs = (uint8_t)rs;
    op->imm = imm;
    if (kind == K_IMM)
        op->aux = imm_c;
    else if (kind == K_SHI) {
        op->sub = (uint8_t)shtype;
        op->aux = sh;
    } else if (kind == K_SHR) {
        op->sub = (uint8_t)shtype;
    }
}

/* Single load/store. size 0 byte,1 half,2 word,3 dual. Offset either imm
 * (signed magnitude: u selects add) or register rm with shift. */
static void gen_ldst(DC *dc, bool load, unsigned size, bool sign, bool p, bool u, bool w,
                     bool t, unsigned rn, unsigned rd, bool reg, uint32_t imm, unsigned rm,
                     unsigned shtype, unsigned sh)
{
    if (reg && shtype == SH_LSL && sh == 0)
        ; /* plain */
    else if (reg) {
        if ((shtype == SH_LSR || shtype == SH_ASR) && sh == 0)
            sh = 32;
        else if (shtype == SH_ROR && sh == 0)
            shtype = SH_RRX;
    }
    bool wb = !p || w;
    /* QEMU's disas_set_da_iss(): ISS only without writeback, never for r15,
     * LDRD/STRD, LDRT & co.; kept from bit 16 up (IL, ISV, SAS, SSE, SRT). */
    uint16_t iss = 0;
    if (p && !w && !t && rd != 15 && size != 3)
        iss = (uint16_t)(((dc->pc_next - dc->pc == 2) ? 0 : (1u << 9)) | (1u << 8) |
                         (size << 6) | ((sign ? 1u : 0u) << 5) | rd);
    bool fast = !t && rd != 15 && rn != 15 && !(reg && rm == 15) && size != 3;
    ArmOpFn fn = NULL;
    uint32_t sofs = u ? imm : (uint32_t)-imm;
    if (fast) {
        if (!reg && p && !w) {
            if (load) {
                if (size == 2) fn = MEM_SEL(ldr_ri);
                else if (size == 0) fn = sign ? MEM_SEL(ldrsb_ri) : MEM_SEL(ldrb_ri);
                else fn = sign ? MEM_SEL(ldrsh_ri) : MEM_SEL(ldrh_ri);
            } else {
                if (size == 2) fn = MEM_SEL(str_ri);
                else if (size == 0) fn = MEM_SEL(strb_ri);
                else fn = MEM_SEL(strh_ri);
            }
        } else if (reg && p && !w && u && shtype == SH_LSL && sh < 32) {
            if (load) {
                if (size == 2) fn = MEM_SEL(ldr_rr);
                else if (size == 0) fn = sign ? MEM_SEL(ldrsb_rr) : MEM_SEL(ldrb_rr);
                else fn = sign ? MEM_SEL(ldrsh_rr) : MEM_SEL(ldrh_rr);
            } else {
                if (size == 2) fn = MEM_SEL(str_rr);
                else if (size == 0) fn = MEM_SEL(strb_rr);
                else fn = MEM_SEL(strh_rr);
            }
        } else if (!reg && !p && !w && !sign && (size == 2 || size == 0)) {
            if (load) fn = size == 2 ? MEM_SEL(ldr_post) : MEM_SEL(ldrb_post);
            else fn = size == 2 ? MEM_SEL(str_post) : MEM_SEL(strb_post);
        } else if (!reg && p && w && !sign && (size == 2 || size == 0)) {
            if (load) fn = size == 2 ? MEM_SEL(ldr_prew) : MEM_SEL(ldrb_prew);
            else fn = size == 2 ? MEM_SEL(str_prew) : MEM_SEL(strb_prew);
        }
    } else if (!t && load && rn == 15 && rd != 15 && !reg && p && !w && size == 2) {
        ArmOp *op = emit(dc, MEM_SEL(ldr_abs));
        uint32_t base = (dc->pc + (dc->thumb ? 4 : 8)) & ~3u;
        op->rd = (uint8_t)rd;
        op->imm = base + sofs;
        op->iss = iss;
        return;
    }
    if (fn) {
        ArmOp *op = emit(dc, fn);
        op->rd = (uint8_t)rd;
        op->rn = (uint8_t)rn;
        op->rm = (uint8_t)rm;
        op->imm = reg ? 0 : sofs;
        op->aux = reg ? sh : 0;
        op->iss = iss;
        return;
    }
    ArmOp *op = emit(dc, MEM_SEL(ldst_generic));
    op->sub = (uint8_t)((load ? LS_L : 0) | (p ? LS_P : 0) | (u ? LS_U : 0) | (w ? LS_W : 0) |
                        (t ? LS_T : 0) | (reg ? LS_REG : 0) | (sign ? LS_SIGN : 0));
    op->rd = (uint8_t)rd;
    op->rn = (uint8_t)rn;
    op->rm = (uint8_t)rm;
    op->imm = imm;
    op->aux = (size << 16) | (shtype << 8) | sh;
    op->iss = iss;
    if ((load && (rd == 15 || (size == 3 && rd + 1 == 15))) || (wb && rn == 15))
        dc->end = true;
}

static void gen_block(DC *dc, bool load, bool b, bool i, bool s, bool w, unsigned rn,
                      unsigned list)
{
    if (s && dc->user) {
        gen_undef(dc);
        return;
    }
    if (load && s && !(list & 0x8000) && w) {
        gen_undef(dc);
        return;
    }
    if (list == 0 || rn == 15) {
        gen_undef(dc);
        return;
    }
    ArmOp *op = emit(dc, MEM_SEL(op_block));
    op->sub = (uint8_t)((b ? BT_B : 0) | (i ? BT_I : 0) | (w ? BT_W : 0) | (s ? BT_S : 0) |
                        (load ? BT_L : 0));
    op->rn = (uint8_t)rn;
    op->aux = list;
    if (load && (list & 0x8000))
        dc->end = true;
}

static void gen_branch(DC *dc, ArmOpFn fn, ArmOpFn fn_cc, uint32_t target, uint32_t link)
{
    if (fn == op_b && dc->cond < 14)
        fn_cc = b_cond_table[dc->cond];
    ArmOp *op = emit(dc, dc->cond == 14 ? fn : fn_cc);
    op->imm = target;
    op->aux = link;
    if (same_page(dc, target))
        op->xflags |= OPX_TARGET_SAME_PAGE;
    dc->end = true;
}

static void gen_misc(DC *dc, unsigned sub, unsigned rd, unsigned rn, unsigned rm, unsigned rs,
                     uint32_t aux)
{
    if ((sub == M_MUL || sub == M_MLA) && rd != 15 && rm != 15 && rs != 15 &&
        (sub == M_MUL || rn != 15)) {
        ArmOp *op = emit(dc, sub == M_MLA ? (aux & 1 ? SEL(op_misc) : SEL(op_mla))
                                         : (aux & 1 ? SEL(op_muls) : SEL(op_mul)));
        if (op->fn == op_misc || op->fn == op_misc_cc)
            op->sub = (uint8_t)sub;
        op->rd = (uint8_t)rd;
        op->rn = (uint8_t)rn;
        op->rm = (uint8_t)rm;
        op->rs = (uint8_t)rs;
        op->aux = aux;
        return;
    }
    ArmOp *op = emit(dc, SEL(op_misc));
    op->sub = (uint8_t)sub;
    op->rd = (uint8_t)rd;
    op->rn = (uint8_t)rn;
    op->rm = (uint8_t)rm;
    op->rs = (uint8_t)rs;
    op->aux = aux;
    if (rd == 15 && sub != M_UMULL && sub != M_UMLAL && sub != M_SMULL && sub != M_SMLAL &&
        sub != M_SMLALXY)
        dc->end = true;
}

static uint32_t msr_mask(const DC *dc, unsigned fields, bool spsr)
{
    uint32_t mask = 0;
    if (fields & 1) mask |= 0xff;
    if (fields & 2) mask |= 0xff00;
    if (fields & 4) mask |= 0xff0000;
    if (fields & 8) mask |= 0xff000000;
    mask &= CPSR_VALID;
    if (!spsr)
        mask &= ~CPSR_EXEC;
    if (dc->user)
        mask &= CPSR_USER;
    return mask;
}

static void gen_msr(DC *dc, bool spsr, unsigned fields, bool imm, uint32_t val, unsigned rm)
{
    if (spsr && dc->user) {
        gen_undef(dc);
        return;
    }
    ArmOp *op = emit(dc, SEL(op_msr));
    op->sub = spsr;
    op->aux = msr_mask(dc, fields, spsr);
    op->rm = (uint8_t)(imm ? 16 : rm);
    op->imm = val;
    dc->end = true;
}

static void gen_swi(DC *dc, uint32_t imm)
{
    ArmCPU *cpu = dc->cpu;
    ArmOp *op = emit(dc, SEL(op_swi));
    op->imm = imm;
    uint32_t semi = dc->thumb ? 0xab : 0x123456;
    if (cpu->cfg.semihosting && imm == semi && (!dc->user || cpu->cfg.semihosting_user))
        op->sub = 1;
    dc->end = true;
}

static void gen_coproc(DC *dc, uint32_t insn)
{
    unsigned cp = (insn >> 8) & 15, opc1 = (insn >> 21) & 7, crn = (insn >> 16) & 15;
    unsigned crm = insn & 15, opc2 = (insn >> 5) & 7, rt = (insn >> 12) & 15;
    bool isread = (insn >> 20) & 1;
    int kind = arm_cp_access_kind(dc->cpu, (int)cp, (int)opc1, (int)crn, (int)crm, (int)opc2,
                                  isread, dc->user);
    uint32_t enc = (cp << 16) | (opc1 << 12) | (crn << 8) | (crm << 4) | opc2;
    ArmOp *op;
    switch (kind) {
    case CP_UNDEF:
        gen_undef(dc);
        return;
    case CP_NOP:
    case CP_WRITE_IGNORE:
        emit(dc, SEL(op_nop));
        return;
    case CP_WFI:
        emit(dc, SEL(op_wfi));
        dc->end = true;
        return;
    case CP_READ:
        op = emit(dc, SEL(op_mrc));
        op->imm = enc;
        op->rd = (uint8_t)rt;
        return;
    default:
        op = emit(dc, SEL(op_mcr));
        op->imm = enc;
        op->rd = (uint8_t)rt;
        dc->end = true;
        return;
    }
}

#include "arm/translate_vfp.inc"

/* ---------------- ARM ---------------- */

static void decode_arm(DC *dc, uint32_t insn)
{
    unsigned cond = insn >> 28;
    unsigned rn = (insn >> 16) & 15, rd = (insn >> 12) & 15, rs = (insn >> 8) & 15;
    unsigned rm = insn & 15;
    dc->cond = cond == 15 ? 14 : cond;

    if (cond == 15) {
        if ((insn & 0xfe000000) == 0xfa000000) {          /* BLX imm */
            int32_t off = ((int32_t)(insn << 8) >> 6) | (int32_t)((insn >> 23) & 2);
            gen_branch(dc, op_blx_imm, op_blx_imm_cc, dc->pc + 8 + (uint32_t)off,
                       dc->pc + 4);
            return;
        }
        if ((insn & 0xff70f000) == 0xf550f000 ||         /* PLD imm */
            (insn & 0xff70f010) == 0xf750f000) {         /* PLD reg */
            emit(dc, op_nop);
            return;
        }
        gen_undef(dc);
        return;
    }

    switch ((insn >> 25) & 7) {
    case 0:
        if ((insn & 0x90) == 0x90) {
            unsigned op2 = (insn >> 5) & 3;
            if (op2 == 0) {
                if ((insn & 0x0f0000f0) == 0x00000090) {
                    unsigned mop = (insn >> 21) & 7;
                    bool s = (insn >> 20) & 1;
                    switch (mop) {
                    case 0:
                        if (rd != 0) break;
                        gen_misc(dc, M_MUL, rn, 0, rm, rs, s);
                        return;
                    case 1: gen_misc(dc, M_MLA, rn, rd, rm, rs, s); return;
                    case 4: gen_misc(dc, M_UMULL, rn, rd, rm, rs, s); return;
                    case 5: gen_misc(dc, M_UMLAL, rn, rd, rm, rs, s); return;
                    case 6: gen_misc(dc, M_SMULL, rn, rd, rm, rs, s); return;
                    case 7: gen_misc(dc, M_SMLAL, rn, rd, rm, rs, s); return;
                    default: break;
                    }
                    gen_undef(dc);
                    return;
                }
                if ((insn & 0x0fb00ff0) == 0x01000090) {      /* SWP / SWPB */
                    ArmOp *op = emit(dc, MEM_SEL(op_swp));
                    op->sub = (insn >> 22) & 1;
                    op->rd = (uint8_t)rd;
                    op->rn = (uint8_t)rn;
                    op->rm = (uint8_t)rm;
                    if (rd == 15)
                        dc->end = true;
                    return;
                }
                gen_undef(dc);
                return;
            }
            /* extra load/store */
            bool p = (insn >> 24) & 1, u = (insn >> 23) & 1, i = (insn >> 22) & 1;
            bool w = (insn >> 21) & 1, l = (insn >> 20) & 1;
            if (!p && w) {          /* LDRHT etc: v6T2 */
                gen_undef(dc);
                return;
            }
            if (!i && (insn & 0xf00)) {
                gen_undef(dc);
                return;
            }
            uint32_t imm8 = ((insn >> 4) & 0xf0) | (insn & 0xf);
            unsigned size;
            bool sign = false, load = l;
            if (op2 == 1) {
                size = 1;
            } else if (!l) {
                /* LDRD (op2=2) / STRD (op2=3) */
                size = 3;
                load = op2 == 2;
                if (rd & 1) {
                    gen_undef(dc);
                    return;
                }
            } else {
                size = op2 == 2 ? 0 : 1;
                sign = true;
            }
            gen_ldst(dc, load, size, sign, p, u, w, false, rn, rd, !i, imm8, rm, SH_LSL, 0);
            return;
        }
        if ((insn & 0x01900000) == 0x01000000) {
            /* miscellaneous (opcodes 8-11 without S) */
            unsigned op1 = (insn >> 21) & 3, op2 = (insn >> 4) & 7;
            if (insn & 0x80) {
                /* signed multiplies, bit 4 == 0 */
                unsigned x = (insn >> 5) & 1, y = (insn >> 6) & 1;
                switch (op1) {
                case 0: gen_misc(dc, M_SMLAXY, rn, rd, rm, rs, (x << 1) | (y << 2)); return;
                case 1:
                    if (x) {
                        if (rd != 0) break;
                        gen_misc(dc, M_SMULWY, rn, 0, rm, rs, y << 2);
                    } else {
                        gen_misc(dc, M_SMLAWY, rn, rd, rm, rs, y << 2);
                    }
                    return;
                case 2: gen_misc(dc, M_SMLALXY, rn, rd, rm, rs, (x << 1) | (y << 2)); return;
                default:
                    if (rd != 0) break;
                    gen_misc(dc, M_SMULXY, rn, 0, rm, rs, (x << 1) | (y << 2));
                    return;
                }
                gen_undef(dc);
                return;
            }
            switch (op2) {
            case 0:
                if (!(op1 & 1)) {                           /* MRS */
                    if ((insn & 0x000f0fff) != 0x000f0000) break;
                    bool r = op1 & 2;
                    if (r && dc->user) { gen_undef(dc); return; }
                    gen_misc(dc, r ? M_MRS_SPSR : M_MRS_CPSR, rd, 0, 0, 0, 0);
                    return;
                }
                if ((insn & 0x0000fff0) != 0x0000f000) break;   /* MSR reg */
                gen_msr(dc, op1 & 2, rn, false, 0, rm);
                return;
            case 1:
                if (op1 == 1 && (insn & 0x000fff00) == 0x000fff00) {     /* BX */
                    ArmOp *op = emit(dc, SEL(op_bx));
                    op->rm = (uint8_t)rm;
                    dc->end = true;
                    return;
                }
                if (op1 == 3 && (insn & 0x000f0f00) == 0x000f0f00) {     /* CLZ */
                    gen_misc(dc, M_CLZ, rd, 0, rm, 0, 0);
                    return;
                }
                break;
            case 2:
                if (op1 == 1 && (insn & 0x000fff00) == 0x000fff00) {     /* BXJ = BX */
                    ArmOp *op = emit(dc, SEL(op_bx));
                    op->rm = (uint8_t)rm;
                    dc->end = true;
                    return;
                }
                break;
            case 3:
                if (op1 == 1 && (insn & 0x000fff00) == 0x000fff00) {     /* BLX reg */
                    ArmOp *op = emit(dc, SEL(op_bx));
                    op->rm = (uint8_t)rm;
                    op->sub = 1;
                    op->aux = dc->pc + 4;
                    dc->end = true;
                    return;
                }
                break;
            case 5:
                if (insn & 0xf00) break;
                {
                    static const unsigned qop[4] = { M_QADD, M_QSUB, M_QDADD, M_QDSUB };
                    gen_misc(dc, qop[op1], rd, rn, rm, 0, 0);
                }
                return;
            case 7:
                if (op1 == 1) {                                          /* BKPT */
                    ArmOp *op = emit(dc, SEL(op_bkpt));
                    op->imm = ((insn >> 4) & 0xfff0) | (insn & 0xf);
                    dc->end = true;
                    return;
                }
                break;
            default:
                break;
            }
            gen_undef(dc);
            return;
        }
        /* data processing, register operand */
        {
            unsigned opc = (insn >> 21) & 15;
            bool s = (insn >> 20) & 1;
            if (opc >= 8 && opc <= 11 && rd != 0) { gen_undef(dc); return; }
            if ((opc == 13 || opc == 15) && rn != 0) { gen_undef(dc); return; }
            unsigned shtype = (insn >> 5) & 3;
            if (insn & 0x10)
                gen_dp(dc, opc, s, rd, rn, K_SHR, 0, 2, rm, shtype, 0, rs);
            else
                gen_dp(dc, opc, s, rd, rn, K_SHI, 0, 2, rm, shtype, (insn >> 7) & 31, 0);
            return;
        }
    case 1:
        if ((insn & 0x01900000) == 0x01000000) {
            if (!(insn & (1u << 21))) {        /* MOVW/MOVT: v6T2 */
                gen_undef(dc);
                return;
            }
            if ((insn & 0xf000) != 0xf000) {
                gen_undef(dc);
                return;
            }
            bool r = (insn >> 22) & 1;
            if (!r && rn == 0) {
                /* hint space */
                unsigned h = insn & 0xff;
                if (h == 1 || h == 2) {        /* YIELD, WFE */
                    emit(dc, SEL(op_yield));
                    dc->end = true;
                } else if (h == 3) {           /* WFI */
                    emit(dc, SEL(op_wfi));
                    dc->end = true;
                } else {
                    emit(dc, SEL(op_nop));
                }
                return;
            }
            uint32_t imm = ror32(insn & 0xff, ((insn >> 8) & 15) * 2);
            gen_msr(dc, r, rn, true, imm, 0);
            return;
        }
        {
            unsigned opc = (insn >> 21) & 15;
            bool s = (insn >> 20) & 1;
            if (opc >= 8 && opc <= 11 && rd != 0) { gen_undef(dc); return; }
            if ((opc == 13 || opc == 15) && rn != 0) { gen_undef(dc); return; }
            unsigned rot = ((insn >> 8) & 15) * 2;
            uint32_t imm = ror32(insn & 0xff, rot);
            gen_dp(dc, opc, s, rd, rn, K_IMM, imm, rot ? imm >> 31 : 2, 0, 0, 0, 0);
            return;
        }
    case 2:
    case 3: {
        bool reg = (insn >> 25) & 1;
        if (reg && (insn & 0x10)) {            /* media space: v6 */
            gen_undef(dc);
            return;
        }
        bool p = (insn >> 24) & 1, u = (insn >> 23) & 1, b = (insn >> 22) & 1;
        bool w = (insn >> 21) & 1, l = (insn >> 20) & 1;
        bool t = !p && w;
        gen_ldst(dc, l, b ? 0 : 2, false, p, u, t ? false : w, t, rn, rd, reg, insn & 0xfff, rm,
                 (insn >> 5) & 3, (insn >> 7) & 31);
        return;
    }
    case 4:
        gen_block(dc, (insn >> 20) & 1, (insn >> 24) & 1, (insn >> 23) & 1, (insn >> 22) & 1,
                  (insn >> 21) & 1, rn, insn & 0xffff);
        return;
    case 5: {
        int32_t off = (int32_t)(insn << 8) >> 6;
        uint32_t target = dc->pc + 8 + (uint32_t)off;
        if (insn & (1u << 24))
            gen_branch(dc, op_bl, op_bl_cc, target, dc->pc + 4);
        else
            gen_branch(dc, op_b, op_b_cc, target, 0);
        return;
    }
    case 6: {                 /* LDC/STC/MCRR/MRRC: only VFP's */
        unsigned cp = (insn >> 8) & 15;
        if (cp == 10 || cp == 11)
            decode_vfp_mem(dc, insn);
        else
            gen_undef(dc);
        return;
    }
    default:
        if (insn & (1u << 24)) {
            gen_swi(dc, insn & 0xffffff);
            return;
        }
        {
            unsigned cp = (insn >> 8) & 15;
            if (cp == 10 || cp == 11) {
                if (insn & 0x10)
                    decode_vfp_xfer(dc, insn);
                else
                    decode_vfp_dp(dc, insn);
                return;
            }
            if ((insn & 0x10) && (cp == 14 || cp == 15)) {
                gen_coproc(dc, insn);
                return;
            }
        }
        gen_undef(dc);
        return;
    }
}

/* ---------------- Thumb ---------------- */

static void decode_thumb(DC *dc, uint32_t insn, bool is32)
{
    dc->cond = 14;
    if (is32) {
        /* merged BL/BLX prefix + suffix */
        if ((insn & 0xf800e800) != 0xf000e800) {
            gen_undef(dc);
            return;
        }
        int32_t hi = (int32_t)((insn >> 16) << 21) >> 21;     /* simm11 */
        uint32_t lo = insn & 0x7ff;
        int32_t off = (int32_t)((uint32_t)hi << 12) | (int32_t)(lo << 1);
        if (insn & 0x1000) {
            gen_branch(dc, op_bl, op_bl_cc, dc->pc + 4 + (uint32_t)off, (dc->pc + 4) | 1);
        } else {
            if (lo & 1) {
                gen_undef(dc);
                return;
            }
            gen_branch(dc, op_blx_imm, op_blx_imm_cc, (dc->pc & ~3u) + 4 + (uint32_t)off,
                       (dc->pc + 4) | 1);
        }
        return;
    }
    unsigned rd = insn & 7, rn3 = (insn >> 3) & 7, r8 = (insn >> 8) & 7;
    switch (insn >> 12) {
    case 0x0:
    case 0x1: {
        unsigned op = (insn >> 11) & 3;
        if (op < 3) {           /* LSL/LSR/ASR imm */
            gen_dp(dc, 13, true, rd, 0, K_SHI, 0, 2, rn3, op, (insn >> 6) & 31, 0);
            return;
        }
        unsigned rm = (insn >> 6) & 7;
        bool sub = (insn >> 9) & 1;
        if (insn & 0x400)
            gen_dp(dc, sub ? 2 : 4, true, rd, rn3, K_IMM, rm, 2, 0, 0, 0, 0);
        else
            gen_dp(dc, sub ? 2 : 4, true, rd, rn3, K_REG, 0, 2, rm, 0, 0, 0);
        return;
    }
    case 0x2:
    case 0x3: {
        static const unsigned opcs[4] = { 13, 10, 4, 2 };
        gen_dp(dc, opcs[(insn >> 11) & 3], true, r8, r8, K_IMM, insn & 0xff, 2, 0, 0, 0, 0);
        return;
    }
    case 0x4:
        if ((insn & 0x0c00) == 0x0000) {
            /* ALU ops */
            unsigned aop = (insn >> 6) & 15, rm = rn3;
            switch (aop) {
            case 0x0: gen_dp(dc, 0, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0x1: gen_dp(dc, 1, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0x2: gen_dp(dc, 13, true, rd, 0, K_SHR, 0, 2, rd, SH_LSL, 0, rm); return;
            case 0x3: gen_dp(dc, 13, true, rd, 0, K_SHR, 0, 2, rd, SH_LSR, 0, rm); return;
            case 0x4: gen_dp(dc, 13, true, rd, 0, K_SHR, 0, 2, rd, SH_ASR, 0, rm); return;
            case 0x5: gen_dp(dc, 5, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0x6: gen_dp(dc, 6, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0x7: gen_dp(dc, 13, true, rd, 0, K_SHR, 0, 2, rd, SH_ROR, 0, rm); return;
            case 0x8: gen_dp(dc, 8, true, 0, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0x9: gen_dp(dc, 3, true, rd, rn3, K_IMM, 0, 2, 0, 0, 0, 0); return;
            case 0xa: gen_dp(dc, 10, true, 0, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0xb: gen_dp(dc, 11, true, 0, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0xc: gen_dp(dc, 12, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 0xd: gen_misc(dc, M_MUL, rd, 0, rd, rn3, 1); return;
            case 0xe: gen_dp(dc, 14, true, rd, rd, K_REG, 0, 2, rm, 0, 0, 0); return;
            default: gen_dp(dc, 15, true, rd, 0, K_REG, 0, 2, rm, 0, 0, 0); return;
            }
        }
        if ((insn & 0x0c00) == 0x0400) {
            /* hi register ops / BX */
            unsigned hop = (insn >> 8) & 3;
            unsigned rdh = (insn & 7) | ((insn >> 4) & 8), rm = (insn >> 3) & 15;
            switch (hop) {
            case 0: gen_dp(dc, 4, false, rdh, rdh, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 1: gen_dp(dc, 10, true, 0, rdh, K_REG, 0, 2, rm, 0, 0, 0); return;
            case 2: gen_dp(dc, 13, false, rdh, 0, K_REG, 0, 2, rm, 0, 0, 0); return;
            default:
                if (insn & 7) {
                    gen_undef(dc);
                    return;
                }
                {
                    ArmOp *op = emit(dc, op_bx);
                    op->rm = (uint8_t)rm;
                    if (insn & 0x80) {
                        op->sub = 1;
                        op->aux = (dc->pc + 2) | 1;
                    }
                    dc->end = true;
                }
                return;
            }
        }
        /* LDR literal */
        gen_ldst(dc, true, 2, false, true, true, false, false, 15, r8, false, (insn & 0xff) * 4,
                 0, 0, 0);
        return;
    case 0x5: {
        static const struct { bool load; unsigned size; bool sign; } t[8] = {
            { false, 2, false }, { false, 1, false }, { false, 0, false }, { true, 0, true },
            { true, 2, false }, { true, 1, false }, { true, 0, false }, { true, 1, true },
        };
        unsigned o = (insn >> 9) & 7, rm = (insn >> 6) & 7;
        gen_ldst(dc, t[o].load, t[o].size, t[o].sign, true, true, false, false, rn3, rd, true,
                 0, rm, SH_LSL, 0);
        return;
    }
    case 0x6:
    case 0x7: {
        bool b = (insn >> 12) & 1, l = (insn >> 11) & 1;
        uint32_t imm = (insn >> 6) & 31;
        gen_ldst(dc, l, b ? 0 : 2, false, true, true, false, false, rn3, rd, false,
                 b ? imm : imm * 4, 0, 0, 0);
        return;
    }
    case 0x8:
        gen_ldst(dc, (insn >> 11) & 1, 1, false, true, true, false, false, rn3, rd, false,
                 ((insn >> 6) & 31) * 2, 0, 0, 0);
        return;
    case 0x9:
        gen_ldst(dc, (insn >> 11) & 1, 2, false, true, true, false, false, 13, r8, false,
                 (insn & 0xff) * 4, 0, 0, 0);
        return;
    case 0xa:
        if (insn & 0x800)       /* ADD rd, sp, #imm */
            gen_dp(dc, 4, false, r8, 13, K_IMM, (insn & 0xff) * 4, 2, 0, 0, 0, 0);
        else                    /* ADR */
            gen_dp(dc, 13, false, r8, 0, K_IMM, ((dc->pc + 4) & ~3u) + (insn & 0xff) * 4, 2,
                   0, 0, 0, 0);
        return;
    case 0xb:
        if ((insn & 0xff00) == 0xb000) {
            gen_dp(dc, (insn & 0x80) ? 2 : 4, false, 13, 13, K_IMM, (insn & 0x7f) * 4, 2, 0, 0,
                   0, 0);
            return;
        }
        if ((insn & 0xf600) == 0xb400) {
            bool pop = (insn >> 11) & 1;
            unsigned list = insn & 0xff;
            if (insn & 0x100)
                list |= pop ? 0x8000 : 0x4000;
            if (pop)
                gen_block(dc, true, false, true, false, true, 13, list);
            else
                gen_block(dc, false, true, false, false, true, 13, list);
            return;
        }
        if ((insn & 0xff00) == 0xbe00) {
            ArmOp *op = emit(dc, op_bkpt);
            op->imm = insn & 0xff;
            dc->end = true;
            return;
        }
        if ((insn & 0xff0f) == 0xbf00) {
            unsigned h = (insn >> 4) & 15;
            if (h == 1 || h == 2) {
                emit(dc, op_yield);
                dc->end = true;
            } else if (h == 3) {
                emit(dc, op_wfi);
                dc->end = true;
            } else {
                emit(dc, op_nop);
            }
            return;
        }
        gen_undef(dc);
        return;
    case 0xc: {
        bool l = (insn >> 11) & 1;
        unsigned list = insn & 0xff;
        if (l)
            gen_block(dc, true, false, true, false, !(list & (1u << r8)), r8, list);
        else
            gen_block(dc, false, false, true, false, true, r8, list);
        return;
    }
    case 0xd: {
        unsigned c = (insn >> 8) & 15;
        if (c == 14) {
            gen_undef(dc);
            return;
        }
        if (c == 15) {
            gen_swi(dc, insn & 0xff);
            return;
        }
        int32_t off = (int32_t)(insn << 24) >> 23;
        dc->cond = c;
        gen_branch(dc, op_b, op_b_cc, dc->pc + 4 + (uint32_t)off, 0);
        return;
    }
    case 0xe:
        if (insn & 0x800) {     /* BLX suffix */
            ArmOp *op = emit(dc, op_bl_suffix);
            op->imm = (insn & 0x7ff) << 1;
            op->sub = 1;
            op->aux = (dc->pc + 2) | 1;
            dc->end = true;
            return;
        }
        {
            int32_t off = (int32_t)(insn << 21) >> 20;
            gen_branch(dc, op_b, op_b_cc, dc->pc + 4 + (uint32_t)off, 0);
        }
        return;
    default:
        if (insn & 0x800) {     /* BL suffix */
            ArmOp *op = emit(dc, op_bl_suffix);
            op->imm = (insn & 0x7ff) << 1;
            op->aux = (dc->pc + 2) | 1;
            dc->end = true;
            return;
        }
        {                       /* BL prefix, alone at the end of a page */
            int32_t hi = (int32_t)(insn << 21) >> 21;
            ArmOp *op = emit(dc, op_bl_prefix);
            op->imm = dc->pc + 4 + ((uint32_t)hi << 12);
        }
        return;
    }
}

static bool thumb_is_16bit(const DC *dc, uint32_t pc, uint32_t insn)
{
    if ((insn >> 11) < 0x1d)
        return true;
    if ((insn >> 11) == 0x1e && pc - dc->page_start < PAGE_SIZE - 3)
        return false;
    return true;
}

/* Instruction fetch: the first via the TLB (may fault), the rest directly
 * from the same page. */
typedef struct Fetch {
    const uint8_t *host;     /* RAM page, or NULL for a device */
} Fetch;

static uint32_t fetch(DC *dc, Fetch *f, uint32_t pc, int size)
{
    if (f->host) {
        const uint8_t *p = f->host + (pc & ~PAGE_MASK);
        return size == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8
                         : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24;
    }
    uint32_t phys;
    bool io;
    return arm_fetch_code(dc->cpu, pc, size, &phys, &io);
}

void arm_translate(ArmCPU *cpu, TB *tb)
{
    DC dc = {0};
    dc.cpu = cpu;
    dc.tb = tb;
    dc.ops = tb->ops;
    dc.thumb = (tb->flags & TBF_THUMB) != 0;
    dc.user = ((tb->flags >> TBF_MMUIDX_SHIFT) & 15) == 0;
    dc.io_index = cpu->cfg.io_mode == ARM_IO_INDEX;
    dc.page_start = tb->pc & PAGE_MASK;
    dc.pc = tb->pc;

    uint32_t max_insns = tb->cflags & CF_COUNT_MASK;
    if (max_insns == 0)
        max_insns = TB_MAX_INSNS;
    if (!dc.thumb) {
        uint32_t bound = (PAGE_SIZE - (tb->pc & ~PAGE_MASK)) / 4;
        if (bound == 0)
            bound = 1;
        if (max_insns > bound)
            max_insns = bound;
    }

    Fetch f = { NULL };
    uint32_t num = 0;
    for (;;) {
        num++;
        dc.idx = (uint16_t)(num - 1);
        dc.io_ok = num == max_insns && (tb->cflags & CF_LAST_IO);
        uint32_t pc = dc.pc;
        if (!dc.thumb) {
            if (pc & 3) {
                dc.pc_next = (pc + 3) & ~3u;
                dc.cond = 14;
                emit(&dc, op_pc_align);
                dc.end = true;
                break;
            }
            if (num == 1) {
                uint32_t phys;
                bool io;
                uint32_t insn = arm_fetch_code(cpu, pc, 4, &phys, &io);
                if (!io)
                    f.host = cpu->ram + (phys & PAGE_MASK);
                dc.pc_next = pc + 4;
                decode_arm(&dc, insn);
            } else {
                dc.pc_next = pc + 4;
                decode_arm(&dc, fetch(&dc, &f, pc, 4));
            }
        } else {
            uint32_t insn;
            if (num == 1) {
                uint32_t phys;
                bool io;
                insn = arm_fetch_code(cpu, pc, 2, &phys, &io);
                if (!io)
                    f.host = cpu->ram + (phys & PAGE_MASK);
            } else {
                insn = fetch(&dc, &f, pc, 2);
            }
            bool is16 = thumb_is_16bit(&dc, pc, insn);
            if (!is16) {
                insn = (insn << 16) | fetch(&dc, &f, pc + 2, 2);
                dc.pc_next = pc + 4;
            } else {
                dc.pc_next = pc + 2;
            }
            decode_thumb(&dc, insn, !is16);
        }
        dc.pc = dc.pc_next;
        if (dc.end)
            break;
        if (dc.thumb) {
            uint32_t off = dc.pc - dc.page_start;
            if (off >= PAGE_SIZE)
                break;
            if (off >= PAGE_SIZE - 3 && !thumb_is_16bit(&dc, dc.pc, fetch(&dc, &f, dc.pc, 2)))
                break;
        }
        if (num >= max_insns)
            break;
    }
    /* fall-through exit (also the condition-failed path of the last insn) */
    dc.cond = 14;
    dc.io_ok = false;
    dc.pc_next = dc.pc;
    ArmOp *op = emit(&dc, op_exit);
    op->idx = (uint16_t)num;
    op->imm = dc.pc;
    op->sub = same_page(&dc, dc.pc) ? EXIT_GOTO_TB1 : EXIT_GOTO_PTR;
    tb->icount = (uint16_t)num;
    tb->size = (uint16_t)(dc.pc - tb->pc);
    tb->n_ops = dc.n_ops;
}
