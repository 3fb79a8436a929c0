/*
 * The software TLB: the guest page size it maps and its entries (a virtual
 * page's read/write/code tags and the host address of a RAM page).
 */
#ifndef EMU_ARM_TLB_H
#define EMU_ARM_TLB_H
#include <stdint.h>

#define PAGE_BITS 10                       /* ARMv5: 1 KiB tiny pages */
#define PAGE_SIZE (1u << PAGE_BITS)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define TLB_BITS 9
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_IDX(a) (((a) >> PAGE_BITS) & (TLB_SIZE - 1))
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
#endif
