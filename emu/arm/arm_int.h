/*
 * ArmCPU internals shared by the CPU (emu/arm) and the TB engine (emu/tcg).
 */
#ifndef EMU_ARM_INT_H
#define EMU_ARM_INT_H
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include "arm/cpu.h"
#include "hw/bus.h"
#include "icount.h"
#include "log.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- QEMU constants we mirror ---- */
#define PAGE_BITS 10                       /* ARMv5: 1 KiB tiny pages */
#define PAGE_SIZE (1u << PAGE_BITS)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define TB_MAX_INSNS 512

#define CF_COUNT_MASK 0x000001ff
#define CF_NO_GOTO_TB 0x00000200
#define CF_LAST_IO 0x00008000
#define CF_MEMI_ONLY 0x00010000
#define CF_USE_ICOUNT 0x00020000
#define CF_NOIRQ 0x00100000
/* QEMU's tcg_cflags carry the cluster index (-1 -> 0xff) in the top byte */
#define CF_CLUSTER 0xff000000u
#define CF_BASE (CF_CLUSTER | CF_USE_ICOUNT)
/* -d nochain (QEMU's CPU_LOG_TB_NOCHAIN): no goto_tb, every TB logged */
/* Without -icount (Icount.realtime) QEMU's TBs lack CF_USE_ICOUNT and device
 * accesses never rewind (can_do_io is always set); instructions are still
 * counted in budget slices by the run loop. */
#define ARM_ICOUNT_CFLAGS(cpu) (CF_CLUSTER | ((cpu)->ic->realtime ? 0u : CF_USE_ICOUNT))
#define ARM_CURR_CFLAGS(cpu) \
    (ARM_ICOUNT_CFLAGS(cpu) | (log_enabled((cpu)->log, LOG_NOCHAIN) ? CF_NO_GOTO_TB : 0u))

#define CPU_INTERRUPT_HARD 0x0002
#define CPU_INTERRUPT_FIQ 0x0010
#define CPU_INTERRUPT_EXITTB 0x0004

/* exception_index values (QEMU's) */
enum {
    EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_PREFETCH_ABORT = 3, EXCP_DATA_ABORT = 4,
    EXCP_IRQ = 5, EXCP_FIQ = 6, EXCP_BKPT = 7, EXCP_SEMIHOST = 16,
    EXCP_INTERRUPT = 0x10000, EXCP_HLT = 0x10001, EXCP_HALTED = 0x10003,
    EXCP_YIELD = 0x10004, EXCP_EXIT_API = 0x10010,
};

/* CPSR bits */
#define CPSR_M 0x1fu
#define CPSR_T (1u << 5)
#define CPSR_F (1u << 6)
#define CPSR_I (1u << 7)
#define CPSR_A (1u << 8)
#define CPSR_AIF (CPSR_A | CPSR_I | CPSR_F)
#define CPSR_IL (1u << 20)
#define CPSR_J (1u << 24)
#define CPSR_Q (1u << 27)
#define CPSR_NZCV 0xf0000000u
#define CPSR_USER (CPSR_NZCV | CPSR_Q)
#define CPSR_EXEC (CPSR_T | CPSR_J | CPSR_IL)
/* aarch32_cpsr_valid_mask() for arm926 (V4T, V5, Jazelle) */
#define CPSR_VALID (CPSR_M | CPSR_AIF | CPSR_IL | CPSR_NZCV | CPSR_T | CPSR_Q | CPSR_J)

#define MODE_USR 0x10
#define MODE_FIQ 0x11
#define MODE_IRQ 0x12
#define MODE_SVC 0x13
#define MODE_ABT 0x17
#define MODE_UND 0x1b
#define MODE_SYS 0x1f

#define SCTLR_M (1u << 0)
#define SCTLR_A (1u << 1)
#define SCTLR_V (1u << 13)
#define SCTLR_RESET 0x00090078u

/* TB flags as QEMU computes them for A32 (cpu_get_tb_cpu_state) */
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

/* ---- software TLB ---- */
#define TLB_BITS 9
#define TLB_SIZE (1u << TLB_BITS)
/* Flag bits live in the page-offset part of a tag; an aligned access
 * address masked with (PAGE_MASK | align) never has them set. */
#define TLB_INVALID (1u << 9)
#define TLB_MMIO (1u << 8)       /* device or unmapped: slow path */
#define TLB_NOTDIRTY (1u << 7)   /* page holds translated code */
#define TLB_FLAGS (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY)

typedef struct ArmTLBEntry {
    uint32_t tag_r, tag_w, tag_x;
    uint32_t paddr;           /* physical page */
    uintptr_t addend;         /* host = addend + vaddr (RAM pages) */
} ArmTLBEntry;

enum { MMU_IDX_USER = 0, MMU_IDX_PRIV = 1, MMU_IDX_N = 2 };
enum { ACC_LOAD = 0, ACC_STORE = 1, ACC_FETCH = 2 };

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

typedef struct TBCache TBCache;

/* Per-CPU jump cache (virtual PC -> TB), QEMU's tb_jmp_cache */
#define JC_BITS 12
static inline uint32_t jc_hash(uint32_t pc)
{
    return ((pc >> 1) ^ (pc >> (JC_BITS + 1))) & ((1u << JC_BITS) - 1);
}

/* ---- VFPv2 state ---- */
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

/* ---- the CPU ---- */
struct ArmCPU {
    /* hot state first */
    uint32_t r[16];
    uint32_t NF, ZF, CF, VF;     /* QEMU layout: N=NF[31], Z=(ZF==0), C=CF, V=VF[31] */
    uint32_t QF;
    IcountDecr icount_decr;
    uint32_t tb_flags;
    uint32_t thumb;
    ArmTLBEntry *cur_tlb;
    uint8_t *ram;
    uint32_t ram_size;
    bool io_stop;                /* ARM_IO_INDEX: stop after this insn */
    int chain_left;              /* direct TB-to-TB jumps left before the loop */
    bool ptr_chain;              /* goto_ptr may jump directly (no exec/cpu log) */
    uint32_t curr_cflags;        /* QEMU's curr_cflags(), set on exec entry */
    TB **jmp_cache;              /* tbc's jump cache */
    const TB *cur_tb;

    /* CPSR pieces */
    uint32_t uncached_cpsr;      /* M, J, IL and other bits */
    uint32_t daif;               /* A I F */
    uint32_t spsr;
    uint32_t banked_spsr[8];
    uint32_t banked_r13[8], banked_r14[8];
    uint32_t usr_regs[5], fiq_regs[5];

    /* CP15 */
    struct {
        uint32_t sctlr, ttbr0, ttbr1, ttbcr, dacr;
        uint32_t dfsr, ifsr, dfar, ifar;
        uint32_t fcseidr, contextidr, c9_data, c9_insn;
    } cp15;

    ArmVFP vfp;

    /* exceptions */
    int exception_index;
    uint32_t syndrome, exc_fsr, exc_vaddr;
    int target_el;               /* QEMU's exception.target_el (stale for semihosting) */
    uint32_t interrupt_request;
    bool halted;
    volatile int exit_request;
    volatile int exit_api;
    int64_t cflags_next_tb;      /* -1: none */
    jmp_buf jmp_env;

    ArmTLBEntry tlb[MMU_IDX_N][TLB_SIZE];

    Bus *bus;
    Icount *ic;
    Log *log;
    ArmCPUConfig cfg;
    void (*semihost)(void *opaque, ArmCPU *cpu);
    void *semihost_opaque;
    ArmCPUStats stats;
    TBCache *tbc;
};

/* Entering a block, the same for the execution loop and for the chaining
 * exits: the icount check at TB entry (QEMU's gen_tb_start) charges the
 * block's instructions to the decrementer, then the block becomes the
 * current TB and is counted. False, with nothing changed, when the budget
 * cannot pay for the whole block. */
static inline bool tb_try_enter(ArmCPU *cpu, const TB *tb)
{
    int32_t cnt = (int32_t)cpu->icount_decr.u32 - (int32_t)tb->icount;
    if (unlikely(cnt < 0))
        return false;
    cpu->icount_decr.u16.low = (uint16_t)cnt;
    cpu->cur_tb = tb;
    cpu->stats.tbs_executed++;
    return true;
}
/* Run an entered block from its first op; returns the exit code of the last
 * block that ran (cpu->cur_tb). */
static inline uint32_t tb_run(ArmCPU *cpu, const TB *tb)
{
    return tb->ops[0].fn(cpu, &tb->ops[0]);
}

/* ---- helpers from cpu.c ---- */
uint32_t arm_cpsr_read(const ArmCPU *cpu);
typedef enum { CPSR_WRITE_INSN, CPSR_WRITE_ERET, CPSR_WRITE_RAW } CpsrWriteType;
void arm_cpsr_write(ArmCPU *cpu, uint32_t val, uint32_t mask, CpsrWriteType t);
void arm_switch_mode(ArmCPU *cpu, int mode);
void arm_rebuild_hflags(ArmCPU *cpu);
int arm_bank_number(int mode);
static inline bool arm_is_user(const ArmCPU *cpu) { return (cpu->uncached_cpsr & CPSR_M) == MODE_USR; }
void arm_do_interrupt(ArmCPU *cpu);
bool arm_exec_interrupt(ArmCPU *cpu, uint32_t req);
/* CP15: returns false for an undefined access (checked at translate time). */
enum { CP_UNDEF = 0, CP_NOP, CP_READ, CP_WRITE_END_TB, CP_WFI, CP_WRITE_IGNORE };
int arm_cp_access_kind(const ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2,
                       bool isread, bool user);
uint32_t arm_cp_read(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2);
void arm_cp_write(ArmCPU *cpu, int cp, int opc1, int crn, int crm, int opc2, uint32_t v);
void arm_log_int(ArmCPU *cpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- memory (mem.c) ---- */
void arm_tlb_flush(ArmCPU *cpu);
void arm_tlb_protect_code(ArmCPU *cpu, uint32_t phys_page);
uint32_t arm_ld_slow(ArmCPU *cpu, const ArmOp *op, uint32_t addr, int size, int mmu, bool align);
void arm_st_slow(ArmCPU *cpu, const ArmOp *op, uint32_t addr, uint32_t val, int size, int mmu, bool align);
/* Instruction fetch at translate time: returns 0 and the value, or raises
 * a prefetch abort (longjmp). *is_io set when the page is not RAM. */
uint32_t arm_fetch_code(ArmCPU *cpu, uint32_t vaddr, int size, uint32_t *phys, bool *is_io);
/* Physical page of code at vaddr, or -1 when it is not RAM or does not
 * translate (nothing is raised). */
int64_t arm_get_page_addr_code(ArmCPU *cpu, uint32_t vaddr);
/* Raise a memory fault from op (refunds op and what follows), longjmp. */
void arm_raise_data_abort(ArmCPU *cpu, const ArmOp *op, uint32_t vaddr, uint32_t fsr, bool is_write)
    __attribute__((noreturn));

/* Leave the TB from the middle of op: restore PC and refund the count from
 * op on (QEMU's cpu_restore_state + cpu_loop_exit). */
void arm_loop_exit_restore(ArmCPU *cpu, const ArmOp *op) __attribute__((noreturn));
/* cpu_restore_state(): refund from op on, PC = op, syndrome = op's ISS. */
void arm_restore_state(ArmCPU *cpu, const ArmOp *op);
void arm_loop_exit(ArmCPU *cpu) __attribute__((noreturn));

/* fast memory path */
static inline int arm_mmu_idx(const ArmCPU *cpu) { return arm_is_user(cpu) ? MMU_IDX_USER : MMU_IDX_PRIV; }

#define TLB_IDX(a) (((a) >> PAGE_BITS) & (TLB_SIZE - 1))

static inline uint32_t ld32(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 3))))
        return *(const uint32_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 4, -1, false);
}
static inline uint32_t ld32a(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 3))))
        return *(const uint32_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 4, -1, true);
}
static inline uint32_t ld16(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & (PAGE_MASK | 1))))
        return *(const uint16_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 2, -1, false);
}
static inline uint32_t ld8(ArmCPU *cpu, const ArmOp *op, uint32_t a)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_r == (a & PAGE_MASK)))
        return *(const uint8_t *)(e->addend + a);
    return arm_ld_slow(cpu, op, a, 1, -1, false);
}
static inline void st32(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 3))))
        *(uint32_t *)(e->addend + a) = v;
    else
        arm_st_slow(cpu, op, a, v, 4, -1, false);
}
static inline void st32a(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 3))))
        *(uint32_t *)(e->addend + a) = v;
    else
        arm_st_slow(cpu, op, a, v, 4, -1, true);
}
static inline void st16(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & (PAGE_MASK | 1))))
        *(uint16_t *)(e->addend + a) = (uint16_t)v;
    else
        arm_st_slow(cpu, op, a, v, 2, -1, false);
}
static inline void st8(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v)
{
    const ArmTLBEntry *e = &cpu->cur_tlb[TLB_IDX(a)];
    if (likely(e->tag_w == (a & PAGE_MASK)))
        *(uint8_t *)(e->addend + a) = (uint8_t)v;
    else
        arm_st_slow(cpu, op, a, v, 1, -1, false);
}

/* ---- translation (translate.c) ---- */
/* Decode the TB at tb->pc into tb->ops, which has room for
 * (cflags & CF_COUNT_MASK, or TB_MAX_INSNS) + 2 ops; sets n_ops, icount and
 * size. May raise a prefetch abort (longjmp). */
void arm_translate(ArmCPU *cpu, TB *tb);
/* For in_asm logging. */
void arm_disas(char *buf, size_t n, uint32_t pc, uint32_t insn, bool thumb);

/* ---- TB engine (emu/tcg) ---- */
TBCache *tbc_new(ArmCPU *cpu, uint32_t bytes, uint32_t ram_size);
void tbc_free(TBCache *tbc);
void tbc_flush(ArmCPU *cpu);
/* A write to physical [addr, addr+len) of RAM: invalidate overlapping TBs;
 * returns true while the page still holds code. */
bool tbc_invalidate_phys_range(ArmCPU *cpu, uint32_t addr, uint32_t len);
bool tbc_page_has_code(ArmCPU *cpu, uint32_t phys_page);
void tbc_flush_jmp_cache(ArmCPU *cpu);

#endif
