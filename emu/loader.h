/*
 * Guest image loading as QEMU 7.2's -kernel, -initrd and -dtb do it: an ELF
 * is placed by its program headers and entered at its entry point; anything
 * else is a raw Linux-style image placed at 0x10000 behind QEMU's
 * four-instruction boot stub at address 0 (r0=0, r1=board id, r2=ATAG list
 * at 0x100, or the DTB). The initrd goes halfway into RAM, the DTB after it,
 * edited as QEMU edits it (memory node, bootargs, initrd range).
 */
#ifndef EMU_LOADER_H
#define EMU_LOADER_H
#include <stdint.h>
#include "hw/bus.h"

#define LOADER_RAW_ADDR  0x00010000u
#define LOADER_ATAG_ADDR 0x00000100u
#define VERSATILEPB_BOARD_ID 0x183u

#define LOADER_PAGE_SIZE 0x400u          /* ARMv5's 1 KiB pages, as QEMU uses */

typedef struct LoaderArgs {
    const char *kernel;     /* required */
    const char *cmdline;    /* -append, or NULL */
    const char *initrd;     /* -initrd, or NULL */
    const char *dtb;        /* -dtb, or NULL */
} LoaderArgs;

typedef struct LoadedImage {
    uint32_t entry;         /* bit 0 set: start in Thumb state */
    uint32_t low, high;     /* guest physical range the kernel was written to */
    int is_elf;
    uint32_t initrd_start, initrd_size;
    uint32_t dtb_addr;      /* 0: none (or at 0 below an ELF image) */
} LoadedImage;

/* Loads the images into bus RAM. On failure prints one line naming the file
 * and the reason to stderr and returns -1. */
int loader_load(Bus *bus, const LoaderArgs *args, LoadedImage *out);
#endif
