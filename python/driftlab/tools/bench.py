"""Side-by-side runs of emu-arm and QEMU: guest MIPS, their ratio, peak RSS.

Wall time includes process start-up, which differs a lot between the two
emulators, so each figure subtracts the time of a guest that exits at once."""
import os
import re
import statistics
import subprocess
import time

from .machine_args import machine_args

ICOUNT = ["-icount", "shift=0,sleep=off"]
EXIT_GUEST_SRC = """
    .arm
    .global _start
_start:
    ldr r1, =0x20026
    mov r0, #0x18
    svc 0x123456
"""


def qemu_env():
    return dict(os.environ, QEMU_AUDIO_DRV="none")


def emu_cmd(root, elf, append=None):
    cmd = ([str(root / "build" / "emu-arm")] + machine_args() + ICOUNT
           + ["-kernel", str(elf), "-stats"])
    return cmd + (["-append", append] if append else [])


def qemu_cmd(elf, append=None):
    cmd = ["qemu-system-arm"] + machine_args() + ICOUNT + ["-kernel", str(elf)]
    return cmd + (["-append", append] if append else [])


def timed(cmd, timeout=600):
    """Runs cmd; returns (seconds, stdout, stderr, status). Peak RSS needs its
    own run: see peak_rss_kib()."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, env=qemu_env())
    out, err = p.communicate(timeout=timeout)
    dt = time.perf_counter() - t0
    return dt, out, err, p.returncode


def peak_rss_kib(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=qemu_env())
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_maxrss


def exit_guest(root):
    d = root / "build" / "bench"
    d.mkdir(parents=True, exist_ok=True)
    src, elf = d / "exit.S", d / "exit.elf"
    if not elf.exists():
        src.write_text(EXIT_GUEST_SRC)
        subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-Ttext=0x10000", "-o", str(elf),
                        str(src)], check=True)
    return elf


def instructions(stderr):
    m = re.search(rb"icount: (\d+) instructions", stderr)
    if not m:
        raise RuntimeError("emu-arm -stats printed no instruction count")
    return int(m.group(1))


def measure(root, elf, append, reps):
    """Interleaves emu and QEMU runs; returns dict of medians."""
    base = exit_guest(root)
    emu_t, qemu_t, emu_b, qemu_b = [], [], [], []
    insns = None
    for _ in range(reps):
        for cmd, acc in ((emu_cmd(root, base), emu_b), (qemu_cmd(base), qemu_b)):
            acc.append(timed(cmd)[0])
        dt, out, err, rc = timed(emu_cmd(root, elf, append))
        insns = instructions(err)
        emu_t.append(dt)
        qemu_t.append(timed(qemu_cmd(elf, append))[0])
    e = max(statistics.median(emu_t) - statistics.median(emu_b), 1e-6)
    q = max(statistics.median(qemu_t) - statistics.median(qemu_b), 1e-6)
    return {"insns": insns, "emu_mips": insns / e / 1e6, "qemu_mips": insns / q / 1e6,
            "emu_spread": (min(emu_t), max(emu_t)), "qemu_spread": (min(qemu_t), max(qemu_t))}


def bench_emu(root, reps=3):
    guests = [("cpu", root / "build/guests/cpu.elf", None),
              ("coremark-like", root / "build/guests/coremark-like.elf", None)]
    print(f"bench emu: {reps} interleaved repetitions each, shift=0,sleep=off; "
          "MIPS = instructions / (median wall time - median start-up time)")
    print(f"{'guest':<16}{'instructions':>14}{'emu MIPS':>10}{'QEMU MIPS':>11}{'ratio':>8}"
          f"{'emu RSS MiB':>13}")
    for name, elf, append in guests:
        if not elf.exists():
            print(f"{name:<16} missing {elf}")
            continue
        r = measure(root, elf, append, reps)
        rss = peak_rss_kib(emu_cmd(root, elf, append)) / 1024
        print(f"{name:<16}{r['insns']:>14}{r['emu_mips']:>10.1f}{r['qemu_mips']:>11.1f}"
              f"{r['emu_mips'] / r['qemu_mips']:>8.2f}{rss:>13.1f}", flush=True)
    print("target: ratio >= 0.35; peak RSS <= guest RAM (128 MiB) + 64 MiB")


def side_by_side(root, quick=False):
    elf = root / "build/guests/cpu.elf"
    print("driftlab: interim main job (the seed reproduction arrives with the harness):\n"
          "the CPU guest on emu-arm and on QEMU 7.2, -icount shift=0,sleep=off\n")
    outs = {}
    for name, cmd in (("emu-arm", emu_cmd(root, elf)), ("qemu-system-arm", qemu_cmd(elf))):
        dt, out, err, rc = timed(cmd)
        outs[name] = (out, rc)
        print(f"--- {name} (exit status {rc}, {dt:.2f} s wall) ---")
        print(out.decode(errors="replace"), end="")
    same = outs["emu-arm"] == outs["qemu-system-arm"]
    print(f"\nUART output and exit status identical: {'yes' if same else 'NO'}")
    r = measure(root, elf, None, 1 if quick else 3)
    print(f"guest instructions: {r['insns']}; emu-arm {r['emu_mips']:.1f} MIPS, "
          f"QEMU {r['qemu_mips']:.1f} MIPS, ratio {r['emu_mips'] / r['qemu_mips']:.2f}")
    return same
