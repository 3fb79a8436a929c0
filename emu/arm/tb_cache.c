/*
 * Translation block cache: a fixed arena of TBs (header + ops), a hash
 * keyed by physical PC + flags + cflags, a per-CPU direct-mapped jump cache
 * keyed by virtual PC, per-page TB lists for self-modifying code, and
 * chaining (cached successors, validated by the successor's invalid flag).
 *
 * TBs are never freed individually: invalidation unlinks them, so a TB
 * invalidated while it runs finishes safely; only a flush (at a TB
 * boundary, from the execution loop) reclaims memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arm/disas.h"
#include "arm/exceptions.h"
#include "arm/exec.h"
#include "arm/mem.h"
#include "arm/tb_cache.h"
#include "arm/translate.h"

#define HASH_BITS 15

struct TBCache {
    uint8_t *arena;
    size_t size, used;
    TB *hash[1u << HASH_BITS];
    TB *jc[1u << JC_BITS];
    TB **page_tbs;
    uint32_t n_pages;
};

static inline uint32_t hash_fn(uint32_t phys_pc, uint32_t flags, uint32_t cflags)
{
    uint32_t h = phys_pc * 0x9e3779b1u ^ flags * 0x85ebca6bu ^ cflags * 0xc2b2ae35u;
    return (h ^ (h >> 15)) & ((1u << HASH_BITS) - 1);
}


static const ArmCodeHooks tbc_code_hooks = {
    .flush_jmp_cache = tbc_flush_jmp_cache,
    .page_has_code = tbc_page_has_code,
    .invalidate_phys_range = tbc_invalidate_phys_range,
};

TBCache *tbc_new(ArmCPU *cpu, uint32_t bytes, uint32_t ram_size)
{
    TBCache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    cpu->jmp_cache = c->jc;
    if (bytes < (1u << 20))
        bytes = 1u << 20;
    c->arena = malloc(bytes);
    c->size = bytes;
    c->n_pages = (ram_size + PAGE_SIZE - 1) >> PAGE_BITS;
    c->page_tbs = calloc(c->n_pages ? c->n_pages : 1, sizeof(TB *));
    if (!c->arena || !c->page_tbs) {
        free(c->arena);
        free(c->page_tbs);
        free(c);
        return NULL;
    }
    cpu->code_hooks = &tbc_code_hooks;
    return c;
}

void tbc_free(TBCache *c)
{
    if (!c)
        return;
    free(c->arena);
    free(c->page_tbs);
    free(c);
}

void tbc_flush(ArmCPU *cpu)
{
    TBCache *c = cpu->tbc;
    c->used = 0;
    memset(c->hash, 0, sizeof(c->hash));
    memset(c->jc, 0, sizeof(c->jc));
    memset(c->page_tbs, 0, c->n_pages * sizeof(TB *));
    cpu->cur_tb = NULL;
}

void tbc_flush_jmp_cache(ArmCPU *cpu)
{
    memset(cpu->tbc->jc, 0, sizeof(cpu->tbc->jc));
}

bool tbc_page_has_code(ArmCPU *cpu, uint32_t phys_page)
{
    uint32_t p = phys_page >> PAGE_BITS;
    return p < cpu->tbc->n_pages && cpu->tbc->page_tbs[p] != NULL;
}

static void tb_invalidate(ArmCPU *cpu, TB *tb)
{
    TBCache *c = cpu->tbc;
    uint32_t h = hash_fn(tb->phys_pc, tb->flags, tb->cflags);
    for (TB **pp = &c->hash[h]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    uint32_t j = jc_hash(tb->pc);
    if (c->jc[j] == tb)
        c->jc[j] = NULL;
    tb->invalid = 1;
    tb->cached = 0;
    tb->jmp_dest[0] = tb->jmp_dest[1] = NULL;
    cpu->stats.tbs_invalidated++;
}

bool tbc_invalidate_phys_range(ArmCPU *cpu, uint32_t addr, uint32_t len)
{
    TBCache *c = cpu->tbc;
    uint32_t first = addr >> PAGE_BITS, last = (addr + len - 1) >> PAGE_BITS;
    bool any = false;
    for (uint32_t p = first; p <= last && p < c->n_pages; p++) {
        TB **pp = &c->page_tbs[p];
        while (*pp) {
            TB *tb = *pp;
            uint32_t s = tb->phys_pc, e = tb->phys_pc + tb->size;
            if (!(e <= addr || s >= addr + len)) {
                *pp = tb->page_next;
                tb->page_next = NULL;
                tb_invalidate(cpu, tb);
            } else {
                pp = &tb->page_next;
            }
        }
        if (c->page_tbs[p])
            any = true;
    }
    return any;
}

static FILE *logf_(ArmCPU *cpu) { return cpu->log->f ? cpu->log->f : stderr; }

TB *tb_lookup(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags)
{
    TBCache *c = cpu->tbc;
    uint32_t j = jc_hash(pc);
    TB *tb = c->jc[j];
    if (likely(tb && tb->pc == pc && tb->flags == flags && tb->cflags == cflags))
        return tb;
    int64_t page = arm_get_page_addr_code(cpu, pc);
    if (page < 0)
        return NULL;
    uint32_t phys = (uint32_t)page | (pc & ~PAGE_MASK);
    for (tb = c->hash[hash_fn(phys, flags, cflags)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys && tb->pc == pc && tb->flags == flags && tb->cflags == cflags) {
            c->jc[j] = tb;
            return tb;
        }
    }
    return NULL;
}

static void log_in_asm(ArmCPU *cpu, TB *tb)
{
    FILE *f = logf_(cpu);
    bool thumb = (tb->flags & TBF_THUMB) != 0;
    fprintf(f, "----------------\nIN: \n");
    for (uint32_t i = 0; i + 1 < tb->n_ops; i++) {
        const ArmOp *op = &tb->ops[i];
        uint8_t buf[4] = {0};
        arm_cpu_rw_debug(cpu, op->pc, buf, op->len, false);
        uint32_t insn;
        char dis[96];
        if (thumb && op->len == 2) {
            insn = (uint32_t)buf[0] | (uint32_t)buf[1] << 8;
            arm_disas(dis, sizeof dis, op->pc, insn, true);
            fprintf(f, "0x%08x:  %04x       %s\n", op->pc, insn, dis);
        } else if (thumb) {
            uint32_t a = (uint32_t)buf[0] | (uint32_t)buf[1] << 8;
            uint32_t b = (uint32_t)buf[2] | (uint32_t)buf[3] << 8;
            insn = (a << 16) | b;
            arm_disas(dis, sizeof dis, op->pc, insn, true);
            fprintf(f, "0x%08x:  %04x %04x  %s\n", op->pc, a, b, dis);
        } else {
            insn = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
                   (uint32_t)buf[3] << 24;
            arm_disas(dis, sizeof dis, op->pc, insn, false);
            fprintf(f, "0x%08x:  %08x  %s\n", op->pc, insn, dis);
        }
    }
    fprintf(f, "\n");
}

TB *tb_gen_code(ArmCPU *cpu, uint32_t pc, uint32_t flags, uint32_t cflags)
{
    TBCache *c = cpu->tbc;
    int64_t page = arm_get_page_addr_code(cpu, pc);
    if (page < 0)
        cflags = (cflags & ~CF_COUNT_MASK) | CF_LAST_IO | 1;   /* one-shot TB */
    uint32_t max_insns = cflags & CF_COUNT_MASK;
    if (!max_insns)
        max_insns = TB_MAX_INSNS;
    size_t need = sizeof(TB) + (size_t)(max_insns + 2) * sizeof(ArmOp);
    need = (need + 63) & ~(size_t)63;
    if (c->used + need > c->size) {
        /* QEMU: tb_flush(), then leave cpu_exec with EXCP_INTERRUPT */
        tbc_flush(cpu);
        cpu->stats.cache_flushes++;
        cpu->exception_index = EXCP_INTERRUPT;
        arm_loop_exit(cpu);
    }
    TB *tb = (TB *)(c->arena + c->used);
    memset(tb, 0, sizeof(*tb));
    tb->pc = pc;
    tb->flags = flags;
    tb->cflags = cflags;
    tb->phys_pc = page < 0 ? 0xffffffffu : (uint32_t)page | (pc & ~PAGE_MASK);
    tb->ops = (ArmOp *)(tb + 1);
    arm_translate(cpu, tb);      /* may raise a prefetch abort */
    size_t used = sizeof(TB) + (size_t)tb->n_ops * sizeof(ArmOp);
    c->used += (used + 63) & ~(size_t)63;
    cpu->stats.tbs_translated++;
    if (log_enabled(cpu->log, LOG_IN_ASM))
        log_in_asm(cpu, tb);
    c->jc[jc_hash(pc)] = tb;
    if (page < 0)
        return tb;
    uint32_t h = hash_fn(tb->phys_pc, flags, cflags);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    uint32_t p = (uint32_t)page >> PAGE_BITS;
    if (p < c->n_pages) {
        if (!c->page_tbs[p])
            arm_tlb_protect_code(cpu, (uint32_t)page);
        tb->page_next = c->page_tbs[p];
        c->page_tbs[p] = tb;
    }
    tb->cached = 1;
    return tb;
}

void tb_add_jump(ArmCPU *cpu, TB *tb, int n, TB *next)
{
    if (next->invalid || tb->invalid || tb->jmp_dest[n])
        return;
    tb->jmp_dest[n] = next;
    if (log_enabled(cpu->log, LOG_EXEC))
        fprintf(logf_(cpu), "Linking TBs %p index %d -> %p\n", (void *)tb->ops, n,
                (void *)next->ops);
}
