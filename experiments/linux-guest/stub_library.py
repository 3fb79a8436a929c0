#!/usr/bin/python3
"""Writes the assembly and version script of a stand-in for a shared library.

Debian's armel fio links the network and RDMA storage engines (librbd,
librados, libgfapi, libnbd, libibverbs, librdmacm), whose libraries pull in
Ceph, Gluster, GnuTLS and ICU: two thirds of the guest's userland. The
workloads use only fio's psync and libaio engines, yet the kernel has to
unpack every byte of the initramfs, and under QEMU's `align=on` (which needs
sleep=on) that unpacking is paced to real time: at shift 6 it was 80 s of
each aligned boot. The stand-in exports the same dynamic symbols under the
same versions and soname, so the dynamic linker (fio is linked with
BIND_NOW) resolves everything; its functions return -1 and its objects are
zero-filled of the original size. It needs nothing, so the real library's own
dependencies leave the image.

usage: stub_library.py READELF_DYNSYMS_OUTPUT OUT.s OUT.map
(the input is `readelf --dyn-syms -W LIB`)"""
import re
import sys


def parse(text):
    syms = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].endswith(":") or not f[0][:-1].isdigit():
            continue
        _, _value, size, typ, bind, _vis, ndx, name = f[:8]
        if ndx in ("UND", "ABS") or bind not in ("GLOBAL", "WEAK"):
            continue
        if typ not in ("FUNC", "OBJECT", "NOTYPE", "GNU_IFUNC"):
            continue
        m = re.match(r"^([^@]+)(@@?)?(.*)$", name)
        base, at, ver = m.group(1), m.group(2) or "", m.group(3)
        size = int(size, 0) if size.startswith("0x") else int(size)
        syms.append((base, at, ver, "OBJECT" if typ == "OBJECT" else "FUNC", size, bind))
    # A name listed both bare and with a default version is one symbol.
    versioned = {b for b, at, v, *_ in syms if at == "@@"}
    seen, out = set(), []
    for s in syms:
        key = s[:3]
        if key in seen or (not s[1] and s[0] in versioned):
            continue
        seen.add(key)
        out.append(s)
    return out


def main():
    text = open(sys.argv[1]).read()
    syms = parse(text)
    asm = [".syntax unified", ".arm", ".text", ".p2align 2"]
    versions = {}
    for i, (base, at, ver, typ, size, bind) in enumerate(syms):
        default = at != "@"
        if ver:
            versions.setdefault(ver, [])
        name = base if default else f"driftlab_stub_v{i}"
        directive = ".weak" if bind == "WEAK" else ".globl"
        if typ == "OBJECT":
            asm += [".data", ".p2align 3", f"{directive} {name}", f".type {name}, %object",
                    f".size {name}, {max(size, 1)}", f"{name}:", f"\t.zero {max(size, 1)}", ".text"]
        else:
            # A body of its own: aliases of one body lose versions in the link.
            asm += [f"{directive} {name}", f".type {name}, %function", f"{name}:",
                    "\tmvn r0, #0", "\tbx lr"]
        if not default:
            asm.append(f".symver {name}, {base}@{ver}")
        elif ver:
            versions[ver].append(base)
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(asm) + "\n")
    with open(sys.argv[3], "w") as f:
        if versions:
            for i, (ver, names) in enumerate(versions.items()):
                body = "".join(f"  {n};\n" for n in sorted(set(names)))
                hide = " local:\n  driftlab_stub_v*;\n" if i == 0 else ""
                f.write(f"{ver} {{\n global:\n{body}{hide}}};\n")
        else:
            f.write("{ global: *; };\n")


if __name__ == "__main__":
    main()
