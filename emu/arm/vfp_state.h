/* The VFPv2 unit's registers and the accessors the CPU and vfp.c share. */
#ifndef EMU_ARM_VFP_STATE_H
#define EMU_ARM_VFP_STATE_H
#include <stdint.h>

/* FPEXC.EN */
#define FPEXC_EN (1u << 30)
/* FPSCR bits QEMU keeps as written: NZCV, AHP, DN, FZ, RMode (FZ16 is RES0) */
#define FPSCR_STORED 0xf7c00000u
#define FPSCR_NZCV 0xf0000000u
#define FPSCR_DN (1u << 25)
#define FPSCR_FZ (1u << 24)

typedef struct ArmVFP {
    /* d0-d15; d16-d31 are storage only (s32-s63 are reachable solely by
     * the UNPREDICTABLE VMOV s31,s32 pair form, as in QEMU) */
    uint64_t d[32];
    uint32_t fpscr;          /* FPSCR_STORED bits */
    uint32_t fpscr_flags;    /* cumulative exception flags (FPF_*) */
    uint32_t vec_len, vec_stride;
    uint32_t fpexc, fpinst, fpinst2;
} ArmVFP;

static inline uint32_t vfp_get_s(const ArmVFP *v, unsigned n)
{
    return (uint32_t)(v->d[n >> 1] >> ((n & 1) * 32));
}
static inline void vfp_set_s(ArmVFP *v, unsigned n, uint32_t x)
{
    unsigned sh = (n & 1) * 32;
    v->d[n >> 1] = (v->d[n >> 1] & ~(0xffffffffull << sh)) | ((uint64_t)x << sh);
}
/* The guest-visible FPSCR. */
static inline uint32_t vfp_get_fpscr(const ArmVFP *v)
{
    return v->fpscr | (v->vec_len << 16) | (v->vec_stride << 20) | v->fpscr_flags;
}
#endif
