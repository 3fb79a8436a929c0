"""I/O benchmark: the CPU and I/O workload guests on emu-arm (both -icount-io
modes) and on QEMU 7.2, side by side.

For every workload and emulator it reports guest MIPS (instructions / (median
wall time - median start-up time), as bench.py does), and for emu-arm the
figures of its -stats lines: translation blocks executed per second, device
accesses (exits to a device model) per second, loop exits per second, and
the share of executed TBs that took the last-I/O path (io-recompiles / TBs
executed; 0 in index mode, which needs no retranslation). QEMU has no such
counters; its figures (marked ~) come from one extra `-d nochain,exec` run
of a short configuration of the same workload: TBs, cpu_io_recompile and
"Stopped execution of TB chain" lines per guest instruction, scaled by the
full run's instructions per second. Its device accesses stay n/a.

Every run gets a fresh copy of the same SD image (-drive if=sd,...), so all
emulators see the same data; the guest output of each configuration is
compared against QEMU's and a mismatch is flagged in the table.

    run(root, reps)   # ./driftlab bench io
"""
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from ..paths import ROOT
from . import bench  # exit_guest, timed, qemu_env, ICOUNT
from .machine_args import machine_args

IMAGE_SIZE = 8 << 20

# (name, kind, guest, -append, short -append for QEMU's TB log): the full
# runs take roughly 0.5-2 s on QEMU; the short ones log ~0.1-0.3 M TBs
WORKLOADS = [
    ("stress-cpu", "cpu", "stress-cpu",
     "cpu=2 iters=2000000 vm=1 vm_bytes=256k vm_loops=16 tick_us=1000",
     "cpu=2 iters=20000 vm=1 vm_bytes=256k vm_loops=1 tick_us=1000"),
    ("fio-seq-write", "io", "fio-rw", "mode=seq rw=write bs=64k size=2m span=8m verify=0",
     "mode=seq rw=write bs=64k size=128k span=8m verify=0"),
    ("fio-rand-mix-irq", "io", "fio-rw",
     "mode=rand rw=mix bs=4k size=2m span=8m irq=1 prefill=0 verify=0",
     "mode=rand rw=mix bs=4k size=128k span=8m irq=1 prefill=0 verify=0"),
    ("mixed", "cpu+io", "mixed", "rounds=32 burst=20000 ios=8 span=4m irq=1 tick_us=1000",
     "rounds=4 burst=20000 ios=8 span=4m irq=1 tick_us=1000"),
]

STATS_RE = {
    "insns": re.compile(rb"icount: (\d+) instructions"),
    "tbs": re.compile(rb"tbs: (\d+) executed"),
    "dev": re.compile(rb"io: (\d+) device accesses"),
    "iorc": re.compile(rb"io: \d+ device accesses, (\d+) io-recompiles"),
    "loop": re.compile(rb"io: \d+ device accesses, \d+ io-recompiles, (\d+) loop exits"),
}


def parse_stats(stderr):
    """emu-arm -stats figures from its stderr: dict of ints."""
    out = {}
    for k, rx in STATS_RE.items():
        m = rx.search(stderr)
        if not m:
            raise RuntimeError(f"emu-arm -stats printed no '{k}' figure:\n"
                               + stderr.decode(errors="replace")[-800:])
        out[k] = int(m.group(1))
    return out


def make_image(path):
    """The shared SD image: deterministic non-zero bytes."""
    import random
    path.write_bytes(random.Random(20240611).randbytes(IMAGE_SIZE))


def emu_argv(root, elf, append, img, mode):
    return ([str(root / "build" / "emu-arm")] + machine_args() + bench.ICOUNT
            + ["-icount-io", mode, "-stats", "-kernel", str(elf), "-append", append,
               "-drive", f"if=sd,file={img},format=raw"])


def qemu_argv(elf, append, img, extra=()):
    return (["qemu-system-arm"] + machine_args() + bench.ICOUNT + list(extra)
            + ["-kernel", str(elf), "-append", append,
               "-drive", f"if=sd,file={img},format=raw"])


def fresh(master, work, tag):
    p = work / f"{tag}.img"
    shutil.copyfile(master, p)
    return p


def qemu_exec_counts(root, elf, short, master, work):
    """QEMU's per-instruction rates from one `-d nochain,exec` run of the
    short configuration: every executed TB logs a "Trace" line (nothing is
    chained), every last-I/O retranslation a "cpu_io_recompile" line and
    every exit from a TB chain to the execution loop a "Stopped execution"
    line. The instruction count of the same short run comes from emu-arm
    (the two execute the same instructions). None if anything fails."""
    log = work / "qemu-exec.log"
    try:
        img = fresh(master, work, "qemu-log")
        subprocess.run(qemu_argv(elf, short, img, ["-d", "nochain,exec", "-D", str(log)]),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=bench.qemu_env(), timeout=600)
        tbs = iorc = stops = 0
        with open(log, "rb") as f:
            for line in f:
                if line.startswith(b"Trace "):
                    tbs += 1
                elif line.startswith(b"cpu_io_recompile"):
                    iorc += 1
                elif line.startswith(b"Stopped execution of TB chain"):
                    stops += 1
        img = fresh(master, work, "emu-short")
        _, _, err, _ = bench.timed(emu_argv(root, elf, short, img, "recompile"))
        insns = parse_stats(err)["insns"]
    except (OSError, RuntimeError, subprocess.SubprocessError):
        return None
    finally:
        if log.exists():
            log.unlink()
    if not tbs or not insns:
        return None
    return {"tbs": tbs / insns, "iorc": iorc / insns, "stops": stops / insns,
            "share": iorc / tbs}


def measure(root, name, guest, append, short, reps, master, work):
    elf = root / "build" / "guests" / f"{guest}.elf"
    base = bench.exit_guest(root)
    emu_bin = [str(root / "build" / "emu-arm")] + machine_args() + bench.ICOUNT
    qemu_bin = ["qemu-system-arm"] + machine_args() + bench.ICOUNT
    t = {"recompile": [], "index": [], "qemu": []}
    boot = {"emu": [], "qemu": []}
    stats, outs = {}, {}
    for rep in range(reps):
        boot["emu"].append(bench.timed(emu_bin + ["-kernel", str(base)])[0])
        boot["qemu"].append(bench.timed(qemu_bin + ["-kernel", str(base)])[0])
        for mode in ("recompile", "index"):
            img = fresh(master, work, mode)
            dt, out, err, rc = bench.timed(emu_argv(root, elf, append, img, mode))
            t[mode].append(dt)
            stats[mode] = parse_stats(err)
            outs[mode] = (out, rc, img.read_bytes() if rep == 0 else None)
        img = fresh(master, work, "qemu")
        dt, out, err, rc = bench.timed(qemu_argv(elf, append, img))
        t["qemu"].append(dt)
        outs["qemu"] = (out, rc, img.read_bytes() if rep == 0 else None)
        if rep == 0:
            first = {k: v for k, v in outs.items()}
    eb = statistics.median(boot["emu"])
    qb = statistics.median(boot["qemu"])
    insns = stats["recompile"]["insns"]
    rows = []
    for mode in ("recompile", "index"):
        s = stats[mode]
        sec = max(statistics.median(t[mode]) - eb, 1e-6)
        same = first[mode] == first["qemu"]
        rows.append({"workload": name, "emulator": f"emu-arm {mode}", "insns": s["insns"],
                     "sec": sec, "mips": s["insns"] / sec / 1e6, "tbs_s": s["tbs"] / sec,
                     "dev_s": s["dev"] / sec, "loop_s": s["loop"] / sec,
                     "iorc_share": s["iorc"] / max(s["tbs"], 1), "tbs": s["tbs"],
                     "dev": s["dev"], "same": same,
                     "spread": (min(t[mode]), max(t[mode]))})
    qsec = max(statistics.median(t["qemu"]) - qb, 1e-6)
    q = qemu_exec_counts(root, elf, short, master, work)
    est = (lambda k: None) if q is None else (lambda k: q[k] * insns / qsec)
    rows.append({"workload": name, "emulator": "qemu 7.2", "insns": insns, "sec": qsec,
                 "mips": insns / qsec / 1e6, "tbs_s": est("tbs"), "dev_s": None,
                 "loop_s": est("stops"), "iorc_share": None if q is None else q["share"],
                 "same": True, "estimated": True,
                 "spread": (min(t["qemu"]), max(t["qemu"]))})
    return rows


def fmt(v, spec, na="n/a"):
    return na if v is None else format(v, spec)


def print_table(rows):
    hdr = (f"{'workload':<18}{'emulator':<19}{'insns':>11}{'run s':>8}{'MIPS':>8}"
           f"{'ratio':>7}{'TBs/s':>10}{'dev/s':>10}{'loopx/s':>10}{'last-IO TBs':>12}"
           f"{'same':>6}")
    print(hdr)
    print("-" * len(hdr))
    qemu_mips = {r["workload"]: r["mips"] for r in rows if r["emulator"].startswith("qemu")}
    for r in rows:
        ratio = r["mips"] / qemu_mips[r["workload"]] if qemu_mips.get(r["workload"]) else None
        share = None if r["iorc_share"] is None else 100 * r["iorc_share"]
        same = "ref" if r["emulator"].startswith("qemu") else ("yes" if r["same"] else "NO")
        tilde = "~" if r.get("estimated") else ""
        print(f"{r['workload']:<18}{r['emulator']:<19}{r['insns']:>11}{r['sec']:>8.3f}"
              f"{r['mips']:>8.1f}{fmt(ratio, '.2f'):>7}"
              f"{fmt(r['tbs_s'], '.3g') if r['tbs_s'] is None else tilde + fmt(r['tbs_s'], '.3g'):>10}"
              f"{fmt(r['dev_s'], '.3g'):>10}"
              f"{fmt(r['loop_s'], '.3g') if r['loop_s'] is None else tilde + fmt(r['loop_s'], '.3g'):>10}"
              f"{fmt(share, '.2f', 'n/a') + ('%' if share is not None else ''):>12}"
              f"{same:>6}", flush=True)


def run(root, reps=3):
    root = pathlib.Path(root)
    reps = max(int(reps), 1)
    missing = [w[2] for w in WORKLOADS
               if not (root / "build" / "guests" / f"{w[2]}.elf").exists()]
    if missing or not (root / "build" / "emu-arm").exists():
        print(f"bench io: build first (scons); missing: {missing or 'build/emu-arm'}")
        return []
    print(f"bench io: {reps} interleaved repetitions each, -icount shift=0,sleep=off, "
          f"fresh {IMAGE_SIZE >> 20} MiB SD image per run\n"
          "MIPS = instructions / (median wall time - median start-up time); TBs/s, dev/s "
          "(device accesses) and loopx/s (execution-loop exits) from emu-arm -stats;\n"
          "last-IO TBs = io-recompiles / TBs executed; QEMU (~): rates per instruction from "
          "a -d nochain,exec log of a short run, scaled by its MIPS;\n"
          "same = guest output, exit status and image bytes equal QEMU's\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-io-") as d:
        work = pathlib.Path(d)
        master = work / "master.img"
        make_image(master)
        for name, kind, guest, append, short in WORKLOADS:
            rows += measure(root, name, guest, append, short, reps, master, work)
    print_table(rows)
    for name, kind, guest, append, short in WORKLOADS:
        print(f"  {name} ({kind}): {guest}.elf -append \"{append}\"")
    return rows


if __name__ == "__main__":
    r = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    run(ROOT, r)
