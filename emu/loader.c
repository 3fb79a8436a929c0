#include "loader.h"
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *path, const char *why)
{
    fprintf(stderr, "emu-arm: cannot load kernel '%s': %s\n", path, why);
    return -1;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return fail(path, "not a regular file");
    }
    long n = ftell(f);
    rewind(f);
    if (n < 0) {
        fclose(f);
        return fail(path, "not a regular file");
    }
    *data = malloc(n ? (size_t)n : 1);
    if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        free(*data);
        fclose(f);
        return fail(path, "read error");
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

/* ATAG_CORE, ATAG_MEM, ATAG_CMDLINE (if any), ATAG_NONE: what a Linux kernel
 * booted by QEMU finds at 0x100. */
static void write_atags(Bus *bus, const char *cmdline)
{
    uint32_t p = LOADER_ATAG_ADDR;
    put32(bus, p, 5); put32(bus, p + 4, 0x54410001);
    put32(bus, p + 8, 1); put32(bus, p + 12, 0x1000); put32(bus, p + 16, 0);
    p += 20;
    put32(bus, p, 4); put32(bus, p + 4, 0x54410002);
    put32(bus, p + 8, bus->ram_size); put32(bus, p + 12, 0);
    p += 16;
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

static int load_raw(Bus *bus, const char *path, const uint8_t *d, size_t len,
                    const char *cmdline, LoadedImage *out)
{
    if (len == 0)
        return fail(path, "empty image");
    if (!fits(bus, LOADER_RAW_ADDR, len))
        return fail(path, "image is larger than guest RAM (try a larger -m)");
    memcpy(bus->ram + LOADER_RAW_ADDR, d, len);
    static const uint32_t stub[] = {
        0xe3a00000,   /* mov r0, #0 */
        0xe59f1004,   /* ldr r1, [pc, #4] */
        0xe59f2004,   /* ldr r2, [pc, #4] */
        0xe59ff004,   /* ldr pc, [pc, #4] */
        VERSATILEPB_BOARD_ID, LOADER_ATAG_ADDR, LOADER_RAW_ADDR,
    };
    for (unsigned i = 0; i < sizeof stub / sizeof stub[0]; i++)
        put32(bus, 4 * i, stub[i]);
    write_atags(bus, cmdline);
    out->entry = 0;
    out->low = 0;
    out->high = LOADER_RAW_ADDR + (uint32_t)len;
    out->is_elf = 0;
    return 0;
}

int loader_load(Bus *bus, const char *path, const char *cmdline, LoadedImage *out)
{
    uint8_t *d;
    size_t len;
    if (read_file(path, &d, &len) < 0)
        return -1;
    int r;
    if (len >= 4 && memcmp(d, ELFMAG, SELFMAG) == 0)
        r = load_elf(bus, path, d, len, out);
    else
        r = load_raw(bus, path, d, len, cmdline, out);
    free(d);
    return r;
}
