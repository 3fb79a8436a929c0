/*
 * Translation blocks: the pre-decoded ops (ArmOp) a TB is made of and that
 * the op handlers thread through, the TB itself, the TB flags and compile
 * flags (cflags) that key it as in QEMU, and the exit codes a block hands
 * back to the execution loop.
 */
#ifndef EMU_ARM_TB_H
#define EMU_ARM_TB_H
#include <stdint.h>
#include "arm/cpu.h"
#include "log.h"

#define TB_MAX_INSNS 512

/* ---- compile flags (QEMU's cflags) ---- */
#define CF_COUNT_MASK 0x000001ff
#define CF_NO_GOTO_TB 0x00000200
#define CF_LAST_IO 0x00008000
#define CF_MEMI_ONLY 0x00010000
#define CF_USE_ICOUNT 0x00020000
#define CF_NOIRQ 0x00100000
/* QEMU's tcg_cflags carry the cluster index (-1 -> 0xff) in the top byte */
#define CF_CLUSTER 0xff000000u
#define CF_BASE (CF_CLUSTER | CF_USE_ICOUNT)
/* Without -icount (Icount.realtime) QEMU's TBs lack CF_USE_ICOUNT and device
 * accesses never rewind (can_do_io is always set); instructions are still
 * counted in budget slices by the run loop. */
#define ARM_ICOUNT_CFLAGS(cpu) (CF_CLUSTER | ((cpu)->ic->realtime ? 0u : CF_USE_ICOUNT))
/* -d nochain (QEMU's CPU_LOG_TB_NOCHAIN): no goto_tb, every TB logged */
#define ARM_CURR_CFLAGS(cpu) \
    (ARM_ICOUNT_CFLAGS(cpu) | (log_enabled((cpu)->log, LOG_NOCHAIN) ? CF_NO_GOTO_TB : 0u))

/* ---- TB flags as QEMU computes them for A32 (cpu_get_tb_cpu_state) ---- */
#define TBF_MMUIDX_SHIFT 4
#define TBF_ALIGN (1u << 10)
#define TBF_THUMB (1u << 23)
#define TB_CS_BASE 0x400u      /* flags2: NS=1 */
/* QEMU keeps the A32 VFP state VECLEN (bits 0-2), VECSTRIDE (3-4) and
 * VFPEN (7) in flags2 (cs_base); our single flags word carries them in its
 * top byte, which QEMU's flags never use for an ARMv5 core. */
#define TBF_A32_SHIFT 24
#define TBF_VECLEN_SHIFT 24
#define TBF_VECSTRIDE_SHIFT 27
#define TBF_VFPEN (1u << 31)
#define TBF_A32_MASK 0xff000000u
/* The two words QEMU's `-d exec` prints for our flags. */
static inline uint32_t tb_flags_cs_base(uint32_t f)
{
    return TB_CS_BASE | (f & TBF_THUMB) | (f >> TBF_A32_SHIFT);
}
static inline uint32_t tb_flags_qemu(uint32_t f) { return f & ~(TBF_THUMB | TBF_A32_MASK); }
/* Recompute cpu->tb_flags (and the current TLB) after a change to the
 * state they are made of: mode, Thumb, SCTLR.A, the VFP's FPEXC/FPSCR. */
void arm_rebuild_hflags(ArmCPU *cpu);

/* ---- ops ---- */
typedef struct ArmOp ArmOp;
typedef struct TB TB;
typedef uint32_t (*ArmOpFn)(ArmCPU *cpu, const ArmOp *op);

/* One pre-decoded guest instruction (or a TB exit record). */
struct ArmOp {
    ArmOpFn fn;
    uint32_t pc;          /* guest address of the instruction */
    uint32_t imm;         /* immediate / constant operand / target */
    uint32_t aux;         /* second constant (shift amount, list, ...) */
    uint16_t idx;         /* index of the instruction in its TB */
    uint8_t rd, rn, rm, rs;
    uint8_t cond;
    uint8_t sub;          /* handler-specific sub-opcode / flags */
    uint8_t len;          /* 2 or 4 (Thumb BL pair: 4) */
    uint8_t xflags;       /* OPX_* */
    uint16_t iss;         /* QEMU's insn_start word 2 (load/store ISS) >> 16 */
};

#define OPX_NEXT_SAME_PAGE 1  /* pc+len on the TB's first page: goto_tb ok */
#define OPX_TARGET_SAME_PAGE 2
#define OPX_IO_OK 4           /* last insn of a CF_LAST_IO TB */
#define OPX_THUMB 8

/* TB exit codes returned by handlers. */
enum {
    EXIT_GOTO_TB0 = 0,   /* goto_tb slot 0 (cpu->r[15] set) */
    EXIT_GOTO_TB1 = 1,   /* goto_tb slot 1 */
    EXIT_GOTO_PTR = 2,   /* lookup_and_goto_ptr */
    EXIT_LOOP = 3,       /* exit_tb(NULL): back to the loop */
    EXIT_EXC = 4,        /* cpu->exception_index set */
    EXIT_WFI = 5,        /* helper_wfi at TB end */
    EXIT_YIELD = 6,      /* YIELD/WFE hint */
    EXIT_IO_STOP = 7,    /* ARM_IO_INDEX: device access kicked the CPU */
};

struct TB {
    uint32_t pc, phys_pc, flags, cflags;
    uint16_t icount, size;
    uint8_t invalid;
    uint8_t cached;             /* in hash + page list */
    TB *hash_next, *page_next;
    TB *jmp_dest[2];
    ArmOp *ops;
    uint32_t n_ops;
};

/* The store of translated blocks; each CPU has its own. */
typedef struct TBCache TBCache;

/* Per-CPU jump cache (virtual PC -> TB), QEMU's tb_jmp_cache */
#define JC_BITS 12
static inline uint32_t jc_hash(uint32_t pc)
{
    return ((pc >> 1) ^ (pc >> (JC_BITS + 1))) & ((1u << JC_BITS) - 1);
}
#endif
