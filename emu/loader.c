#include "loader.h"
#include <elf.h>
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail_what(const char *what, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_what(const char *what, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "emu-arm: cannot load %s '%s': ", what, path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int fail(const char *path, const char *why)
{
    return fail_what("kernel", path, "%s", why);
}

/* Reads a whole file; `extra` zeroed bytes are allocated after it. */
static int read_file(const char *what, const char *path, size_t extra,
                     uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail_what(what, path, "%s", strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return fail_what(what, path, "not a regular file");
    }
    long n = ftell(f);
    rewind(f);
    if (n < 0) {
        fclose(f);
        return fail_what(what, path, "not a regular file");
    }
    *data = calloc(1, (size_t)n + extra + 1);
    if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        free(*data);
        fclose(f);
        return fail_what(what, path, "read error");
    }
    fclose(f);
    *len = (size_t)n;
    return 0;
}

static int fits(const Bus *bus, uint64_t addr, uint64_t len)
{
    return addr + len <= bus->ram_size;
}

static int load_elf(Bus *bus, const char *path, const uint8_t *d, size_t len,
                    LoadedImage *out)
{
    if (len < sizeof(Elf32_Ehdr))
        return fail(path, "truncated ELF header");
    if (d[EI_CLASS] != ELFCLASS32 || d[EI_DATA] != ELFDATA2LSB)
        return fail(path, "not a 32-bit little-endian ELF");
    Elf32_Ehdr eh;
    memcpy(&eh, d, sizeof eh);
    if (eh.e_machine != EM_ARM)
        return fail(path, "ELF is not for ARM");
    if (eh.e_type != ET_EXEC)
        return fail(path, "ELF is not an executable");
    if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0 ||
        (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len)
        return fail(path, "truncated or malformed program headers");
    out->low = UINT32_MAX;
    out->high = 0;
    int loaded = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf32_Phdr ph;
        memcpy(&ph, d + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || (uint64_t)ph.p_offset + ph.p_filesz > len)
            return fail(path, "truncated segment");
        if (!fits(bus, ph.p_paddr, ph.p_memsz))
            return fail(path, "segment does not fit in guest RAM (try a larger -m)");
        memcpy(bus->ram + ph.p_paddr, d + ph.p_offset, ph.p_filesz);
        memset(bus->ram + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        if (ph.p_paddr < out->low)
            out->low = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > out->high)
            out->high = ph.p_paddr + ph.p_memsz;
        loaded++;
    }
    if (!loaded)
        return fail(path, "ELF has no loadable segment");
    out->entry = eh.e_entry;
    out->is_elf = 1;
    return 0;
}

static void put32(Bus *bus, uint32_t addr, uint32_t v)
{
    memcpy(bus->ram + addr, &v, 4);   /* host and guest are little-endian */
}

/* ATAG_CORE, ATAG_MEM, ATAG_INITRD2 and ATAG_CMDLINE (when there is one),
 * ATAG_NONE: what a Linux kernel booted by QEMU without a DTB finds at 0x100. */
static void write_atags(Bus *bus, const char *cmdline, uint32_t initrd_start,
                        uint32_t initrd_size)
{
    uint32_t p = LOADER_ATAG_ADDR;
    put32(bus, p, 5); put32(bus, p + 4, 0x54410001);
    put32(bus, p + 8, 1); put32(bus, p + 12, 0x1000); put32(bus, p + 16, 0);
    p += 20;
    put32(bus, p, 4); put32(bus, p + 4, 0x54410002);
    put32(bus, p + 8, bus->ram_size); put32(bus, p + 12, 0);
    p += 16;
    if (initrd_size) {
        put32(bus, p, 4); put32(bus, p + 4, 0x54420005);
        put32(bus, p + 8, initrd_start); put32(bus, p + 12, initrd_size);
        p += 16;
    }
    if (cmdline && *cmdline) {
        size_t n = strlen(cmdline) + 1;
        if (n > 1024)
            n = 1024;
        uint32_t words = (uint32_t)((n + 3) / 4);
        put32(bus, p, 2 + words); put32(bus, p + 4, 0x54410009);
        memset(bus->ram + p + 8, 0, words * 4);
        memcpy(bus->ram + p + 8, cmdline, n - 1);
        p += 8 + words * 4;
    }
    put32(bus, p, 0); put32(bus, p + 4, 0);
}

/* The initrd goes halfway into RAM (at most 128 MiB in), and never below
 * the end of the kernel image, on a page boundary: QEMU's rule, so that the
 * decompressing kernel does not overwrite it. */
static uint32_t initrd_address(const Bus *bus, uint32_t image_high)
{
    uint64_t a = bus->ram_size / 2;
    if (a > 128u << 20)
        a = 128u << 20;
    if (a < image_high)
        a = image_high;
    return (uint32_t)((a + LOADER_PAGE_SIZE - 1) & ~(uint64_t)(LOADER_PAGE_SIZE - 1));
}

static int load_initrd(Bus *bus, const char *path, uint32_t start, uint32_t *size)
{
    uint8_t *d;
    size_t len;
    if (start >= bus->ram_size)
        return fail_what("initrd", path, "no room after the kernel in %u MiB of RAM",
                         bus->ram_size >> 20);
    if (read_file("initrd", path, 0, &d, &len) < 0)
        return -1;
    if (len > bus->ram_size - start) {
        free(d);
        return fail_what("initrd", path, "%zu bytes at 0x%08x do not fit in %u MiB of RAM "
                         "(try a larger -m)", len, start, bus->ram_size >> 20);
    }
    memcpy(bus->ram + start, d, len);
    free(d);
    *size = (uint32_t)len;
    return 0;
}

static int fdt_fail(const char *path, const char *what, int err)
{
    return fail_what("dtb", path, "%s: %s", what, fdt_strerror(err));
}

static uint32_t root_cells(const void *fdt, const char *name)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, 0, name, &len);
    return p && len == 4 ? fdt32_to_cpu(*p) : 0;
}

static int put_cells(uint8_t *buf, uint32_t cells, uint64_t v)
{
    if (cells == 1) {
        fdt32_t x = cpu_to_fdt32((uint32_t)v);
        memcpy(buf, &x, 4);
        return 4;
    }
    fdt64_t x = cpu_to_fdt64(v);
    memcpy(buf, &x, 8);
    return 8;
}

/* The edits QEMU 7.2 makes to a -dtb before the guest sees it, in the same
 * order and through the same libfdt calls, so that the blob is the same byte
 * for byte: every root /memory node is NOPed and one /memory@0 covering all
 * RAM is added, /chosen gets bootargs and the initrd range. */
static int fdt_edit(void *fdt, const char *path, uint32_t ram_size, const char *cmdline,
                    uint32_t initrd_start, uint32_t initrd_size)
{
    uint32_t acells = root_cells(fdt, "#address-cells");
    uint32_t scells = root_cells(fdt, "#size-cells");
    if (acells < 1 || acells > 2 || scells < 1 || scells > 2)
        return fail_what("dtb", path, "root #address-cells/#size-cells missing or not 1 or 2");

    /* Collect first: a NOPed node can no longer be walked past. */
    int found[32], nfound = 0;
    for (int off = fdt_next_node(fdt, -1, NULL); off >= 0; off = fdt_next_node(fdt, off, NULL)) {
        const char *name = fdt_get_name(fdt, off, NULL);
        if (name && (!strcmp(name, "memory") || !strncmp(name, "memory@", 7)) &&
            fdt_node_depth(fdt, off) == 1 && nfound < 32)
            found[nfound++] = off;
    }
    for (int i = 0; i < nfound; i++) {
        int err = fdt_nop_node(fdt, found[i]);
        if (err < 0)
            return fdt_fail(path, "removing /memory", err);
    }

    int mem = fdt_add_subnode(fdt, 0, "memory@0");
    if (mem < 0)
        return fdt_fail(path, "adding /memory@0", mem);
    int err = fdt_setprop_string(fdt, mem, "device_type", "memory");
    if (err < 0)
        return fdt_fail(path, "setting /memory@0/device_type", err);
    uint8_t reg[16];
    int n = put_cells(reg, acells, 0);
    n += put_cells(reg + n, scells, ram_size);
    if ((err = fdt_setprop(fdt, fdt_path_offset(fdt, "/memory@0"), "reg", reg, n)) < 0)
        return fdt_fail(path, "setting /memory@0/reg", err);

    if (fdt_path_offset(fdt, "/chosen") < 0 && (err = fdt_add_subnode(fdt, 0, "chosen")) < 0)
        return fdt_fail(path, "adding /chosen", err);
    if (cmdline && *cmdline &&
        (err = fdt_setprop_string(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", cmdline)) < 0)
        return fdt_fail(path, "setting /chosen/bootargs", err);
    if (initrd_size) {
        if ((err = fdt_setprop_u32(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-start",
                                   initrd_start)) < 0 ||
            (err = fdt_setprop_u32(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-end",
                                   initrd_start + initrd_size)) < 0)
            return fdt_fail(path, "setting /chosen/linux,initrd-*", err);
    }
    return 0;
}

/* Reads a DTB into a buffer of QEMU's size, (file + 10000) * 2 bytes: the
 * blob's totalsize, and so what the kernel reserves, depends on it. */
static int load_dtb(const char *path, void **fdt, uint32_t *size)
{
    uint8_t *d;
    size_t len;
    if (read_file("dtb", path, 0, &d, &len) < 0)
        return -1;
    if (len > (1u << 24)) {
        free(d);
        return fail_what("dtb", path, "larger than 16 MiB");
    }
    size_t total = (len + 10000) * 2;
    uint8_t *buf = calloc(1, total);
    if (!buf) {
        free(d);
        return fail_what("dtb", path, "out of memory");
    }
    memcpy(buf, d, len);
    free(d);
    int err = len >= sizeof(struct fdt_header) ? fdt_check_header(buf) : -FDT_ERR_TRUNCATED;
    if (!err && fdt_totalsize(buf) > len)
        err = -FDT_ERR_TRUNCATED;
    if (!err)
        err = fdt_open_into(buf, buf, (int)total);
    if (err) {
        free(buf);
        return fdt_fail(path, "not a valid device tree blob", err);
    }
    *fdt = buf;
    *size = (uint32_t)total;
    return 0;
}

static int place_dtb(Bus *bus, const LoaderArgs *a, uint32_t addr, uint32_t limit,
                     uint32_t initrd_start, uint32_t initrd_size)
{
    void *fdt = NULL;
    uint32_t size = 0;
    if (load_dtb(a->dtb, &fdt, &size) < 0)
        return -1;
    int r = fdt_edit(fdt, a->dtb, bus->ram_size, a->cmdline, initrd_start, initrd_size);
    if (r == 0 && (!fits(bus, addr, size) || (limit && addr + size > limit)))
        r = fail_what("dtb", a->dtb, "%u bytes at 0x%08x do not fit in guest RAM "
                      "(try a larger -m)", size, addr);
    if (r == 0)
        memcpy(bus->ram + addr, fdt, size);
    free(fdt);
    return r;
}

/* zImage's magic word at offset 0x24. */
static int is_zimage(const uint8_t *d, size_t len)
{
    uint32_t magic;
    if (len < 0x28)
        return 0;
    memcpy(&magic, d + 0x24, 4);
    return magic == 0x016f2818;
}

static int load_raw(Bus *bus, const LoaderArgs *a, const uint8_t *d, size_t len,
                    LoadedImage *out)
{
    const char *path = a->kernel;
    if (len == 0)
        return fail(path, "empty image");
    if ((a->dtb || a->initrd) && !is_zimage(d, len))
        return fail(path, "not a Linux zImage (no magic 0x016f2818 at offset 0x24), "
                    "but -dtb or -initrd was given");
    if (!fits(bus, LOADER_RAW_ADDR, len))
        return fail(path, "image is larger than guest RAM (try a larger -m)");
    memcpy(bus->ram + LOADER_RAW_ADDR, d, len);
    uint32_t high = LOADER_RAW_ADDR + (uint32_t)len;

    uint32_t initrd_start = initrd_address(bus, high), initrd_size = 0;
    if (a->initrd && load_initrd(bus, a->initrd, initrd_start, &initrd_size) < 0)
        return -1;

    uint32_t argptr = LOADER_ATAG_ADDR;
    if (a->dtb) {
        /* After the initrd, on a 4 KiB boundary: some 32-bit kernels clear
         * the rest of the page the initrd ends in. */
        uint64_t at = ((uint64_t)initrd_start + initrd_size + 0xfff) & ~0xfffull;
        if (at >= bus->ram_size)
            return fail_what("dtb", a->dtb, "no room after the kernel and initrd");
        argptr = (uint32_t)at;
        if (place_dtb(bus, a, argptr, 0, initrd_start, initrd_size) < 0)
            return -1;
    }

    static const uint32_t stub[] = {
        0xe3a00000,   /* mov r0, #0 */
        0xe59f1004,   /* ldr r1, [pc, #4] */
        0xe59f2004,   /* ldr r2, [pc, #4] */
        0xe59ff004,   /* ldr pc, [pc, #4] */
    };
    for (unsigned i = 0; i < sizeof stub / sizeof stub[0]; i++)
        put32(bus, 4 * i, stub[i]);
    put32(bus, 16, VERSATILEPB_BOARD_ID);
    put32(bus, 20, argptr);
    put32(bus, 24, LOADER_RAW_ADDR);
    if (!a->dtb)
        write_atags(bus, a->cmdline, initrd_start, initrd_size);
    out->entry = 0;
    out->low = 0;
    out->high = high;
    out->is_elf = 0;
    out->initrd_start = initrd_size ? initrd_start : 0;
    out->initrd_size = initrd_size;
    out->dtb_addr = a->dtb ? argptr : 0;
    return 0;
}

int loader_load(Bus *bus, const LoaderArgs *a, LoadedImage *out)
{
    uint8_t *d;
    size_t len;
    memset(out, 0, sizeof *out);
    if (read_file("kernel", a->kernel, 0, &d, &len) < 0)
        return -1;
    int r;
    if (len >= 4 && memcmp(d, ELFMAG, SELFMAG) == 0) {
        r = load_elf(bus, a->kernel, d, len, out);
        /* QEMU passes an initrd only to a Linux image, and puts a DTB below
         * an ELF image when it fits there. */
        if (r == 0 && a->initrd)
            fprintf(stderr, "emu-arm: warning: -initrd is ignored for an ELF kernel\n");
        if (r == 0 && a->dtb) {
            if (out->low == 0)
                r = fail_what("dtb", a->dtb, "no room below the ELF image at 0");
            else
                r = place_dtb(bus, a, 0, out->low, 0, 0);
            out->dtb_addr = 0;
        }
    } else {
        r = load_raw(bus, a, d, len, out);
    }
    free(d);
    return r;
}
