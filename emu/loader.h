/*
 * Guest image loading as QEMU's -kernel does it: an ELF is placed by its
 * program headers and entered at its entry point; anything else is a raw
 * Linux-style image placed at 0x10000 behind QEMU's four-instruction boot
 * stub at address 0 (r0=0, r1=board id, r2=ATAG list) and ATAGs at 0x100.
 */
#ifndef EMU_LOADER_H
#define EMU_LOADER_H
#include <stdint.h>
#include "hw/bus.h"

#define LOADER_RAW_ADDR  0x00010000u
#define LOADER_ATAG_ADDR 0x00000100u
#define VERSATILEPB_BOARD_ID 0x183u

typedef struct LoadedImage {
    uint32_t entry;         /* bit 0 set: start in Thumb state */
    uint32_t low, high;     /* guest physical range that was written */
    int is_elf;
} LoadedImage;

/* Loads `path` into bus RAM. On failure prints one line naming the path and
 * the reason to stderr and returns -1. */
int loader_load(Bus *bus, const char *path, const char *cmdline, LoadedImage *out);
#endif
