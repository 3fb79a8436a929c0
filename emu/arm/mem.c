/*
 * Guest memory access: a software TLB (virtual page -> host addend, with
 * separate read/write/code tags) in front of one translate function, QEMU's
 * MMIO rules under icount, and the faults an ARMv5 core raises.
 *
 * Pages are 1 KiB (ARMv5 tiny pages, QEMU's TARGET_PAGE_BITS for v5).
 * translate() implements QEMU 7.2's ARMv5 VMSA (FCSE, SCTLR.M, TTBR0/1 +
 * TTBCR.N, sections, coarse/fine tables, 64K/4K/1K pages, DACR domains, AP
 * with SCTLR.S/R) with its fault status codes.
 */
#include <stdio.h>
#include <string.h>
#include "arm/exceptions.h"
#include "arm/exec.h"
#include "arm/mem.h"

/* Short-descriptor fault status values (QEMU's arm_fi_to_sfsc) */
#define FSR_ALIGN 0x1
#define FSR_EXTERNAL 0x8

typedef struct {
    uint32_t paddr;
    int prot;        /* bit0 read, bit1 write, bit2 exec */
    uint32_t fsr;    /* on fault */
} Xlate;

static inline bool page_is_ram(const ArmCPU *cpu, uint32_t ppage);

/* Page-table walk read (QEMU's arm_ldl_ptw): physical, little-endian. A walk
 * into memory that is not RAM fails (external abort on translation table
 * walk), ignore_memory_transaction_failures notwithstanding. */
static bool ptw_load(ArmCPU *cpu, uint32_t pa, uint32_t *v)
{
    if (!page_is_ram(cpu, pa & PAGE_MASK))
        return false;
    const uint8_t *p = cpu->ram + pa;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

/* QEMU's ap_to_rw_prot_is_user() for ARMv5 (no APX, no V6K). bit0 R, bit1 W */
static int ap_to_prot(const ArmCPU *cpu, int ap, int domain_prot, bool is_user)
{
    if (domain_prot == 3)
        return 3;
    switch (ap) {
    case 0:
        switch (cpu->cp15.sctlr & ((1u << 8) | (1u << 9))) {
        case 1u << 8: return is_user ? 0 : 1;     /* S */
        case 1u << 9: return 1;                    /* R */
        default: return 0;
        }
    case 1: return is_user ? 0 : 3;
    case 2: return is_user ? 1 : 3;
    default: return 3;
    }
}

/* Short-descriptor fault status (QEMU's arm_fi_to_sfsc) */
enum { FT_TRANSLATION, FT_DOMAIN, FT_PERMISSION, FT_EXT_WALK };
static uint32_t sfsc(int type, int level, int domain)
{
    uint32_t fsc;
    switch (type) {
    case FT_TRANSLATION: fsc = level == 1 ? 0x5 : 0x7; break;
    case FT_DOMAIN: fsc = level == 1 ? 0x9 : 0xb; break;
    case FT_PERMISSION: fsc = level == 1 ? 0xd : 0xf; break;
    default: fsc = level == 1 ? 0xc : 0xe; break;
    }
    return fsc | ((uint32_t)domain << 4);
}

/* QEMU's get_phys_addr_v5(): sections, coarse and fine tables, 64K/4K/1K
 * pages, domains, AP with SCTLR.S/R. */
static bool walk_v5(ArmCPU *cpu, uint32_t va, int acc, bool is_user, Xlate *x)
{
    int level = 1, domain = 0, ap;
    uint32_t n = cpu->cp15.ttbcr & 7, table, desc, pa;
    uint32_t mask = n ? ~(0xffffffffu >> n) : 0;
    if (va & mask)
        table = cpu->cp15.ttbr1 & 0xffffc000u;
    else
        table = cpu->cp15.ttbr0 & ~(0x3fffu >> n);
    table |= (va >> 18) & 0x3ffc;
    if (!ptw_load(cpu, table, &desc)) {
        x->fsr = sfsc(FT_EXT_WALK, level, domain);
        return false;
    }
    unsigned type = desc & 3;
    domain = (desc >> 5) & 15;
    int domain_prot = (cpu->cp15.dacr >> (domain * 2)) & 3;
    if (type == 0) {
        x->fsr = sfsc(FT_TRANSLATION, level, domain);
        return false;
    }
    if (type != 2)
        level = 2;
    if (domain_prot == 0 || domain_prot == 2) {
        x->fsr = sfsc(FT_DOMAIN, level, domain);
        return false;
    }
    if (type == 2) {
        pa = (desc & 0xfff00000u) | (va & 0x000fffffu);
        ap = (desc >> 10) & 3;
    } else {
        if (type == 1)
            table = (desc & 0xfffffc00u) | ((va >> 10) & 0x3fc);
        else
            table = (desc & 0xfffff000u) | ((va >> 8) & 0xffc);
        if (!ptw_load(cpu, table, &desc)) {
            x->fsr = sfsc(FT_EXT_WALK, level, domain);
            return false;
        }
        switch (desc & 3) {
        case 0:
            x->fsr = sfsc(FT_TRANSLATION, level, domain);
            return false;
        case 1:
            pa = (desc & 0xffff0000u) | (va & 0xffff);
            ap = (desc >> (4 + ((va >> 13) & 6))) & 3;
            break;
        case 2:
            pa = (desc & 0xfffff000u) | (va & 0xfff);
            ap = (desc >> (4 + ((va >> 9) & 6))) & 3;
            break;
        default:
            if (type == 1) {    /* extended small page: UNPREDICTABLE on v5 */
                x->fsr = sfsc(FT_TRANSLATION, level, domain);
                return false;
            }
            pa = (desc & 0xfffffc00u) | (va & 0x3ff);
            ap = (desc >> 4) & 3;
            break;
        }
    }
    int prot = ap_to_prot(cpu, ap, domain_prot, is_user);
    if (prot)
        prot |= 4;          /* PAGE_EXEC with any access */
    if (!(prot & (1 << acc))) {
        x->fsr = sfsc(FT_PERMISSION, level, domain);
        return false;
    }
    x->paddr = pa;
    x->prot = prot;
    return true;
}

/* The one translation function (QEMU's get_phys_addr for an ARMv5 VMSA):
 * FCSE, then the flat map when SCTLR.M is clear, else the table walk.
 * Returns false with x->fsr on a fault. */
static bool translate(ArmCPU *cpu, uint32_t vaddr, int acc, int mmu, Xlate *x)
{
    if (vaddr < 0x02000000u)
        vaddr += cpu->cp15.fcseidr;
    if (!(cpu->cp15.sctlr & SCTLR_M)) {
        x->paddr = vaddr;
        x->prot = 7;
        x->fsr = 0;
        return true;
    }
    return walk_v5(cpu, vaddr, acc, mmu == MMU_IDX_USER, x);
}

void arm_tlb_flush(ArmCPU *cpu)
{
    for (int m = 0; m < MMU_IDX_N; m++)
        for (uint32_t i = 0; i < TLB_SIZE; i++) {
            ArmTLBEntry *e = &cpu->tlb[m][i];
            e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
            e->paddr = 0;
            e->addend = 0;
        }
    if (cpu->code_hooks)
        cpu->code_hooks->flush_jmp_cache(cpu);
}

void arm_tlb_protect_code(ArmCPU *cpu, uint32_t phys_page)
{
    for (int m = 0; m < MMU_IDX_N; m++)
        for (uint32_t i = 0; i < TLB_SIZE; i++) {
            ArmTLBEntry *e = &cpu->tlb[m][i];
            if (!(e->tag_w & (TLB_INVALID | TLB_MMIO)) && e->paddr == phys_page)
                e->tag_w |= TLB_NOTDIRTY;
        }
}

static inline bool page_is_ram(const ArmCPU *cpu, uint32_t ppage)
{
    return ppage < cpu->ram_size && cpu->ram_size - ppage >= PAGE_SIZE;
}

/* Fill the entry for vaddr; false with *fsr on a translation fault. */
static bool tlb_fill(ArmCPU *cpu, int mmu, uint32_t vaddr, int acc, uint32_t *fsr)
{
    Xlate x;
    if (!translate(cpu, vaddr, acc, mmu, &x)) {
        *fsr = x.fsr;
        return false;
    }
    uint32_t vpage = vaddr & PAGE_MASK, ppage = x.paddr & PAGE_MASK;
    ArmTLBEntry *e = &cpu->tlb[mmu][TLB_IDX(vaddr)];
    e->paddr = ppage;
    if (page_is_ram(cpu, ppage)) {
        e->addend = (uintptr_t)cpu->ram + ppage - vpage;
        e->tag_r = (x.prot & 1) ? vpage : TLB_INVALID;
        e->tag_x = (x.prot & 4) ? vpage : TLB_INVALID;
        e->tag_w = (x.prot & 2) ? vpage : TLB_INVALID;
        if ((x.prot & 2) && cpu->code_hooks->page_has_code(cpu, ppage))
            e->tag_w |= TLB_NOTDIRTY;
    } else {
        e->addend = 0;
        e->tag_r = (x.prot & 1) ? vpage | TLB_MMIO : TLB_INVALID;
        e->tag_x = (x.prot & 4) ? vpage | TLB_MMIO : TLB_INVALID;
        e->tag_w = (x.prot & 2) ? vpage | TLB_MMIO : TLB_INVALID;
    }
    return true;
}

void arm_raise_data_abort(ArmCPU *cpu, const ArmOp *op, uint32_t vaddr, uint32_t fsr, bool is_write)
{
    uint32_t same_el = arm_is_user(cpu) ? 0 : 1;
    arm_restore_state(cpu, op);
    cpu->exc_fsr = fsr;
    cpu->exc_vaddr = vaddr;
    /* syn_data_abort_no_iss: ExT=0 for a decode error */
    cpu->syndrome = ((0x24 + same_el) << 26) | (1u << 25) | ((uint32_t)is_write << 6) | 0x3f;
    cpu->exception_index = EXCP_DATA_ABORT;
    longjmp(cpu->jmp_env, 1);
}

/* QEMU's cpu_io_recompile(): rewind to op, re-execute it alone. */
static void __attribute__((noreturn)) io_recompile(ArmCPU *cpu, const ArmOp *op)
{
    cpu->stats.io_recompiles++;
    cpu->cflags_next_tb = ARM_CURR_CFLAGS(cpu) | CF_MEMI_ONLY | CF_LAST_IO | 1;
    if (log_enabled(cpu->log, LOG_EXEC))
        fprintf(cpu->log->f ? cpu->log->f : stderr,
                "cpu_io_recompile: rewound execution of TB to %08x\n", op->pc);
    arm_loop_exit_restore(cpu, op);
}

/* A device access from op. Returns the value read. */
static uint32_t io_access(ArmCPU *cpu, const ArmOp *op, uint32_t paddr, uint32_t vaddr,
                          uint32_t val, int size, bool is_write)
{
    bool io_ok = (op->xflags & OPX_IO_OK) || cpu->ic->realtime;
    if (!io_ok && cpu->cfg.io_mode == ARM_IO_RECOMPILE)
        io_recompile(cpu, op);
    const MmioRegion *r = bus_find(cpu->bus, paddr);
    cpu->stats.io_accesses++;
    if (!r) {
        if (cpu->cfg.bus_error_abort)
            arm_raise_data_abort(cpu, op, vaddr, FSR_EXTERNAL, is_write);
        return 0;   /* versatilepb: unassigned memory reads 0, ignores writes */
    }
    if (is_write ? !r->write : !r->read)
        return 0;
    uint32_t refund = 0;
    if (!io_ok) {
        /* ARM_IO_INDEX: make the count exact for the device. */
        refund = (uint32_t)(cpu->cur_tb->icount - 1 - op->idx);
        cpu->icount_decr.u16.low += (uint16_t)refund;
    }
    uint32_t ret = 0;
    if (is_write) {
        /* QEMU's memory core hands a device only the bytes stored: a STRB
         * of 0xffffffe6 writes 0xe6. */
        if (size < 4)
            val &= (1u << (size * 8)) - 1;
        r->write(r->opaque, paddr - r->base, val, (unsigned)size);
    }
    else {
        ret = r->read(r->opaque, paddr - r->base, (unsigned)size);
    }
    if (refund) {
        if (cpu->icount_decr.u16.high)
            cpu->io_stop = true;        /* end the TB after this insn */
        else
            cpu->icount_decr.u16.low -= (uint16_t)refund;
    }
    return ret;
}

static ArmTLBEntry *tlb_entry_for(ArmCPU *cpu, const ArmOp *op, int mmu, uint32_t a, int acc)
{
    ArmTLBEntry *e = &cpu->tlb[mmu][TLB_IDX(a)];
    uint32_t tag = acc == ACC_STORE ? e->tag_w : e->tag_r;
    if ((tag & ~(TLB_MMIO | TLB_NOTDIRTY)) != (a & PAGE_MASK)) {
        uint32_t fsr = 0;
        if (!tlb_fill(cpu, mmu, a, acc, &fsr))
            arm_raise_data_abort(cpu, op, a, fsr, acc == ACC_STORE);
    }
    return e;
}

static uint32_t ld_byte_page(ArmCPU *cpu, const ArmOp *op, int mmu, uint32_t a, int size)
{
    /* 'size' bytes entirely within one page */
    ArmTLBEntry *e = tlb_entry_for(cpu, op, mmu, a, ACC_LOAD);
    if (e->tag_r & TLB_MMIO)
        return io_access(cpu, op, e->paddr | (a & ~PAGE_MASK), a, 0, size, false);
    const uint8_t *p = (const uint8_t *)(e->addend + a);
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

uint32_t arm_ld_slow(ArmCPU *cpu, const ArmOp *op, uint32_t a, int size, int mmu, bool align)
{
    if (mmu < 0)
        mmu = arm_mmu_idx(cpu);
    uint32_t amask = (uint32_t)size - 1;
    if (a & amask) {
        if (align || (cpu->cp15.sctlr & SCTLR_A))
            arm_raise_data_abort(cpu, op, a, FSR_ALIGN, false);
        if (size == 4 && cpu->cfg.unaligned_rotate) {
            uint32_t w = arm_ld_slow(cpu, op, a & ~3u, 4, mmu, false);
            unsigned rot = 8 * (a & 3);
            return (w >> rot) | (w << (32 - rot));
        }
        uint32_t first = PAGE_SIZE - (a & ~PAGE_MASK);
        if (first < (uint32_t)size) {
            /* spans two pages */
            uint32_t lo = ld_byte_page(cpu, op, mmu, a, (int)first);
            uint32_t hi = ld_byte_page(cpu, op, mmu, a + first, size - (int)first);
            return lo | (hi << (8 * first));
        }
        return ld_byte_page(cpu, op, mmu, a, size);
    }
    ArmTLBEntry *e = tlb_entry_for(cpu, op, mmu, a, ACC_LOAD);
    if (e->tag_r & TLB_MMIO)
        return io_access(cpu, op, e->paddr | (a & ~PAGE_MASK), a, 0, size, false);
    const void *p = (const void *)(e->addend + a);
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const uint16_t *)p;
    default: return *(const uint32_t *)p;
    }
}

static void st_page(ArmCPU *cpu, const ArmOp *op, int mmu, uint32_t a, uint32_t v, int size)
{
    ArmTLBEntry *e = tlb_entry_for(cpu, op, mmu, a, ACC_STORE);
    if (e->tag_w & TLB_MMIO) {
        io_access(cpu, op, e->paddr | (a & ~PAGE_MASK), a, v, size, true);
        return;
    }
    uint32_t pa = e->paddr | (a & ~PAGE_MASK);
    if (e->tag_w & TLB_NOTDIRTY) {
        if (!cpu->code_hooks->invalidate_phys_range(cpu, pa, (uint32_t)size))
            e->tag_w &= ~TLB_NOTDIRTY;
    }
    uint8_t *p = (uint8_t *)(e->addend + a);
    if (((uintptr_t)p & ((uintptr_t)size - 1)) == 0) {
        switch (size) {
        case 1: *p = (uint8_t)v; return;
        case 2: *(uint16_t *)p = (uint16_t)v; return;
        default: *(uint32_t *)p = v; return;
        }
    }
    for (int i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void arm_st_slow(ArmCPU *cpu, const ArmOp *op, uint32_t a, uint32_t v, int size, int mmu, bool align)
{
    if (mmu < 0)
        mmu = arm_mmu_idx(cpu);
    uint32_t amask = (uint32_t)size - 1;
    if (a & amask) {
        if (align || (cpu->cp15.sctlr & SCTLR_A))
            arm_raise_data_abort(cpu, op, a, FSR_ALIGN, true);
        uint32_t first = PAGE_SIZE - (a & ~PAGE_MASK);
        if (first < (uint32_t)size) {
            /* QEMU probes both pages before storing anything */
            tlb_entry_for(cpu, op, mmu, a, ACC_STORE);
            tlb_entry_for(cpu, op, mmu, a + first, ACC_STORE);
            st_page(cpu, op, mmu, a, v, (int)first);
            st_page(cpu, op, mmu, a + first, v >> (8 * first), size - (int)first);
            return;
        }
    }
    st_page(cpu, op, mmu, a, v, size);
}

int64_t arm_get_page_addr_code(ArmCPU *cpu, uint32_t vaddr)
{
    int mmu = arm_mmu_idx(cpu);
    ArmTLBEntry *e = &cpu->tlb[mmu][TLB_IDX(vaddr)];
    if ((e->tag_x & ~TLB_MMIO) != (vaddr & PAGE_MASK)) {
        uint32_t fsr = 0;
        if (!tlb_fill(cpu, mmu, vaddr, ACC_FETCH, &fsr))
            return -1;
    }
    if (e->tag_x & TLB_MMIO)
        return -1;
    return e->paddr;
}

static void __attribute__((noreturn)) prefetch_abort(ArmCPU *cpu, uint32_t vaddr, uint32_t fsr)
{
    uint32_t same_el = arm_is_user(cpu) ? 0 : 1;
    cpu->exc_fsr = fsr;
    cpu->exc_vaddr = vaddr;
    cpu->syndrome = ((0x20 + same_el) << 26) | (1u << 25) | 0x3f;
    cpu->exception_index = EXCP_PREFETCH_ABORT;
    cpu->r[15] = vaddr;
    arm_loop_exit(cpu);
}

uint32_t arm_fetch_code(ArmCPU *cpu, uint32_t vaddr, int size, uint32_t *phys, bool *is_io)
{
    int mmu = arm_mmu_idx(cpu);
    ArmTLBEntry *e = &cpu->tlb[mmu][TLB_IDX(vaddr)];
    if ((e->tag_x & ~TLB_MMIO) != (vaddr & PAGE_MASK)) {
        uint32_t fsr = 0;
        if (!tlb_fill(cpu, mmu, vaddr, ACC_FETCH, &fsr))
            prefetch_abort(cpu, vaddr, fsr);
    }
    uint32_t pa = e->paddr | (vaddr & ~PAGE_MASK);
    *phys = pa;
    if (e->tag_x & TLB_MMIO) {
        *is_io = true;
        const MmioRegion *r = bus_find(cpu->bus, pa);
        if (!r && cpu->cfg.bus_error_abort)
            prefetch_abort(cpu, vaddr, FSR_EXTERNAL);
        if (!r || !r->read)
            return 0;
        return r->read(r->opaque, pa - r->base, (unsigned)size);
    }
    *is_io = false;
    const uint8_t *p = (const uint8_t *)(e->addend + vaddr);
    return size == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8
                     : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                       (uint32_t)p[3] << 24;
}

int arm_cpu_rw_debug(ArmCPU *cpu, uint32_t vaddr, void *buf, uint32_t len, bool is_write)
{
    uint8_t *b = buf;
    while (len) {
        uint32_t chunk = PAGE_SIZE - (vaddr & ~PAGE_MASK);
        if (chunk > len)
            chunk = len;
        Xlate x;
        if (!translate(cpu, vaddr, is_write ? ACC_STORE : ACC_LOAD, arm_mmu_idx(cpu), &x))
            return -1;
        uint32_t pa = x.paddr;
        if (!page_is_ram(cpu, pa & PAGE_MASK))
            return -1;
        if (is_write) {
            memcpy(cpu->ram + pa, b, chunk);
            cpu->code_hooks->invalidate_phys_range(cpu, pa, chunk);
        } else {
            memcpy(b, cpu->ram + pa, chunk);
        }
        b += chunk;
        vaddr += chunk;
        len -= chunk;
    }
    return 0;
}

void arm_cpu_ram_written(void *opaque, uint32_t paddr, uint32_t len)
{
    ArmCPU *cpu = opaque;
    if (len)
        cpu->code_hooks->invalidate_phys_range(cpu, paddr, len);
}
