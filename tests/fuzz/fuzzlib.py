"""Shared code for the instruction fuzzer: build fuzz ELFs, run them, parse
and compare the per-sequence register/memory dumps.

Used by tests/test_fuzz_diff.py and tests/fuzz/run.py.
"""
import concurrent.futures
import os
import pathlib
import subprocess

from driftlab.paths import ROOT as REPO

FUZZ_SRC = pathlib.Path(__file__).resolve().parent
FUZZ_BUILD = REPO / "build" / "fuzz"

import gen  # noqa: E402  (beside this file: pytest's pythonpath, or run.py's own directory)
import guestrun  # noqa: E402

CROSS_CC = os.environ.get("GUEST_CROSS", "arm-none-eabi-") + "gcc"
DEFAULT_COUNT = 200


def elf_name(isa, seed, count=DEFAULT_COUNT):
    return f"{isa}-s{seed}" + ("" if count == DEFAULT_COUNT else f"-n{count}")


def build_elf(isa, seed, count=DEFAULT_COUNT, outdir=FUZZ_BUILD):
    """Generate build/fuzz/NAME.S and assemble+link it to NAME.elf.

    Re-assembles only when the generated text, runtime.S or fuzz.ld changed.
    Returns (elf path, list of gen.Gen sequences)."""
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    seqs = gen.generate(seed, count, isa)
    text = gen.render(seqs, isa, seed)
    name = elf_name(isa, seed, count)
    src, elf = outdir / (name + ".S"), outdir / (name + ".elf")
    runtime, ldscript = FUZZ_SRC / "runtime.S", FUZZ_SRC / "fuzz.ld"
    stale = (not elf.exists() or not src.exists() or src.read_text() != text
             or elf.stat().st_mtime < max(runtime.stat().st_mtime, ldscript.stat().st_mtime,
                                          src.stat().st_mtime))
    if stale:
        if not src.exists() or src.read_text() != text:
            src.write_text(text)
        tmp = elf.with_suffix(".elf.tmp")
        cmd = [CROSS_CC, "-mcpu=arm926ej-s", "-nostdlib", "-T", str(ldscript),
               "-Wl,--no-warn-rwx-segments", "-Wl,--build-id=none",
               str(runtime), str(src), "-o", str(tmp)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        # GAS flags some UNPREDICTABLE forms with warnings: only the v7
        # deprecation of sp in Thumb CMP/MOV (fine on v5) is expected.
        unexpected = [ln for ln in r.stderr.splitlines()
                      if "Assembler messages" not in ln and "use of r13 is deprecated" not in ln]
        if r.returncode != 0 or unexpected:
            raise RuntimeError(f"assembling {src} failed:\n" + "\n".join(unexpected)[-3000:])
        os.replace(tmp, elf)
    return elf, seqs


def build_many(jobs, workers=None):
    """jobs: list of (isa, seed[, count]) -> dict job -> (elf, seqs)."""
    workers = workers or os.cpu_count() or 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return dict(zip(jobs, ex.map(lambda j: build_elf(*j), jobs)))


def run_many(fn, elfs, workers=None):
    workers = workers or os.cpu_count() or 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return dict(zip(elfs, ex.map(fn, elfs)))


# ------------------------------------------------------------------ parsing
def parse_output(data: bytes):
    """Split a fuzz ELF's UART output into (blocks, trailer).

    blocks: dict sequence-index -> block text ("seq NNNN" line first).
    trailer: "END" on a complete run, else whatever came after the last
    block (e.g. an EXCEPTION report)."""
    text = data.decode("latin-1")
    blocks = {}
    cur_idx, cur = None, []
    trailer = []
    for line in text.split("\n"):
        if line.startswith("seq "):
            if cur_idx is not None:
                blocks[cur_idx] = "\n".join(cur)
            try:
                cur_idx = int(line[4:].strip(), 16)
            except ValueError:
                cur_idx = -1
            cur = [line]
        elif line.startswith("END") or line.startswith("EXCEPTION"):
            trailer.append(line)
        elif cur_idx is not None:
            cur.append(line)
    if cur_idx is not None:
        blocks[cur_idx] = "\n".join(cur).rstrip("\n")
    return blocks, "\n".join(trailer)


def fields(block):
    """'name=value' tokens of a block -> ordered dict like {'r0': .., 'fiq.r8': ..}."""
    out = {}
    for line in block.split("\n")[1:]:
        prefix = ""
        for tok in line.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                key = f"{prefix}.{k}" if prefix else k
                if prefix == "m":
                    key = f"mem[{SCRATCH_HEX(k)}]"
                out[key] = v
            else:
                prefix = tok
    return out


def SCRATCH_HEX(off):  # noqa: N802
    try:
        return "0x%08x" % (gen.SCRATCH + int(off, 16))
    except ValueError:
        return off


def psr_text(v):
    try:
        x = int(v, 16)
    except ValueError:
        return v
    flags = "".join(c if x & (1 << b) else "-" for c, b in
                    (("N", 31), ("Z", 30), ("C", 29), ("V", 28), ("Q", 27)))
    return "%s %s%s%s mode=%02x" % (flags, "I" if x & 0x80 else "-", "F" if x & 0x40 else "-",
                                    "T" if x & 0x20 else "-", x & 0x1f)


def explain_block_diff(ref_block, got_block):
    rf, gf = fields(ref_block), fields(got_block)
    lines = []
    for k in list(rf) + [k for k in gf if k not in rf]:
        a, b = rf.get(k, "<missing>"), gf.get(k, "<missing>")
        if a != b:
            extra = ""
            if k.endswith("psr"):
                extra = f"   [{psr_text(a)}  vs  {psr_text(b)}]"
            lines.append(f"  {k:12s} qemu={a:10s} emu-arm={b}{extra}")
    return "\n".join(lines)


def compare_outputs(ref: bytes, got: bytes):
    """Per-sequence verdicts: (verdicts dict idx -> 'ok'|'DIFF'|'MISSING', notes)."""
    rb, rt = parse_output(ref)
    gb, gt = parse_output(got)
    verdicts = {}
    for idx, block in rb.items():
        if idx not in gb:
            verdicts[idx] = "MISSING"
        elif gb[idx] != block:
            verdicts[idx] = "DIFF"
        else:
            verdicts[idx] = "ok"
    notes = []
    extra = sorted(set(gb) - set(rb))
    if extra:
        notes.append(f"emu-arm printed unexpected sequence blocks {extra[:10]}")
    if rt != gt:
        notes.append(f"trailer differs: qemu={rt!r} emu-arm={gt!r}")
    return verdicts, notes


def sequence_report(seqs, idx, ref: bytes, got: bytes, isa, seed):
    """Readable report for one sequence: source, differing fields, both dumps."""
    rb, _ = parse_output(ref)
    gb, gt = parse_output(got)
    g = seqs[idx]
    out = [f"--- sequence {idx} of {isa} seed {seed} "
           f"(tests/fuzz/gen.py --seed {seed} --isa {isa}; build/fuzz/{elf_name(isa, seed)}.S)",
           f"roles: pointers={sorted(g.ptrs + [13])} index={g.idxs} data={g.data}",
           "initial: " + " ".join("r%d=%08x" % (r, g.init_vals[r]) for r in range(15))
           + " flags=%08x" % g.flags,
           "source:"]
    out += ["  " + line for line in g.source()]
    if idx in gb:
        out.append("differing fields:")
        out.append(explain_block_diff(rb[idx], gb[idx]))
        out.append("qemu dump:\n" + rb[idx])
        out.append("emu-arm dump:\n" + gb[idx])
    else:
        out.append("emu-arm produced no dump for this sequence; its output ended with:")
        out.append(got.decode("latin-1")[-600:] or "<nothing>")
        if gt:
            out.append("trailer: " + gt)
    return "\n".join(out)


def qemu_ok(result, count):
    """'' if a QEMU reference run looks complete, else why not."""
    blocks, trailer = parse_output(result.stdout)
    if result.timed_out or result.returncode != 0:
        return f"qemu failed: {result.describe()}\n{result.stdout[-500:]!r}"
    if trailer != "END" or sorted(blocks) != list(range(count)):
        return f"qemu output incomplete: {len(blocks)} blocks, trailer {trailer!r}"
    return ""


def run_elf(which, elf):
    if which == "qemu":
        return guestrun.run_qemu(elf)
    return guestrun.run_emu(elf)
