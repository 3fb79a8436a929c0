/*
 * VFPv2 execution for the ARM926EJ-S, as QEMU 7.2's arm926 has it (FPSID
 * 0x41011090, 16 double registers, short vectors). Decoding lives in
 * translate_vfp.inc; the op handlers (vfp_ops.inc) call these with the operands
 * the decoder stored in the ArmOp.
 */
#ifndef EMU_ARM_VFP_H
#define EMU_ARM_VFP_H
#include "arm/cpu_state.h"

#define ARM926_FPSID 0x41011090u

/* VFP system register numbers (VMRS/VMSR reg field) */
enum { VFP_FPSID = 0, VFP_FPSCR = 1, VFP_MVFR1 = 6, VFP_MVFR0 = 7, VFP_FPEXC = 8,
       VFP_FPINST = 9, VFP_FPINST2 = 10 };

/* Data-processing kinds: ArmOp.sub of the 3-operand ops ... */
enum { VDP_MLA, VDP_MLS, VDP_NMLS, VDP_NMLA, VDP_MUL, VDP_NMUL, VDP_ADD, VDP_SUB, VDP_DIV };
/* ... and of the 2-operand ones */
enum { VDP_MOV, VDP_ABS, VDP_NEG, VDP_SQRT };
/* Conversions (ArmOp.sub of op_vfp_cvt) */
enum {
    VCVT_F32_F64, VCVT_F64_F32,              /* dst_src */
    VCVT_S32_F32, VCVT_U32_F32, VCVT_S32_F64, VCVT_U32_F64,   /* FPSCR rounding */
    VCVTZ_S32_F32, VCVTZ_U32_F32, VCVTZ_S32_F64, VCVTZ_U32_F64, /* round to zero */
    VCVT_F32_S32, VCVT_F32_U32, VCVT_F64_S32, VCVT_F64_U32,
};

/* Register-number arithmetic of a short vector: the ArmOp.aux of a
 * data-processing op is len | delta_d << 8 | delta_m << 16 (len 0:
 * scalar), fixed at translation from the TB's VECLEN/VECSTRIDE. */
void vfp_dp3_single(ArmCPU *cpu, const ArmOp *op);
void vfp_dp3_double(ArmCPU *cpu, const ArmOp *op);
void vfp_dp2_single(ArmCPU *cpu, const ArmOp *op);
void vfp_dp2_double(ArmCPU *cpu, const ArmOp *op);
/* VCMP/VCMPE: sub bit 0 = E (signalling), bit 1 = compare with +0,
 * bit 2 = double; rd = Vd, rm = Vm. Sets FPSCR.NZCV. */
void vfp_compare(ArmCPU *cpu, const ArmOp *op);
/* sub = VCVT*; rd = destination, rm = source register number */
void vfp_convert(ArmCPU *cpu, const ArmOp *op);

uint32_t vfp_sysreg_read(ArmCPU *cpu, unsigned reg);
/* FPSCR and FPEXC writes also refresh the TB flags (the caller ends the
 * TB, as QEMU does). */
void vfp_sysreg_write(ArmCPU *cpu, unsigned reg, uint32_t v);

/* VLDR/VSTR: sub bit 0 = load, bit 1 = double; rd = Vd; address =
 * R[rn] + imm, or imm alone when rn == 16 (PC-relative, folded). */
void vfp_load_store(ArmCPU *cpu, const ArmOp *op);
/* VLDM/VSTM: sub bit 0 = load, 1 = double, 2 = writeback, 3 = decrement
 * before; rd = first register, aux = imm8 (words, FLDMX/FSTMX odd). */
void vfp_load_store_multiple(ArmCPU *cpu, const ArmOp *op);

void vfp_reset(ArmCPU *cpu);

#endif
