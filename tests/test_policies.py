"""Every alignment policy on the CPU-bound guest (build/guests/cpu.elf).

A policy may only decide when the emulator sleeps: the guest's UART output
and its final instruction count must be the same under every policy and with
alignment off. The exception is adaptive-shift, which (like QEMU's
shift=auto) changes the guest's clock rate on purpose, so the guest's timer
readings and the instructions spent reading them differ; for it the
computed checksums must still match.

The shift is chosen so that the engine runs the guest at least 3x faster
than real time (measured), so that aligning means sleeping.

Environment: EMU (default build/emu-arm), as tests/guestrun.py."""
import math
import os
import pathlib
import re
import subprocess
import time

import pytest
from driftlab.tools.machine_args import machine_args

from driftlab.paths import ROOT
EMU = pathlib.Path(os.environ.get("EMU", str(ROOT / "build" / "emu-arm")))
GUEST = ROOT / "build" / "guests" / "cpu.elf"
PLUGIN_DIR = pathlib.Path(os.environ.get("DRIFTLAB_PLUGIN_DIR",
                                          str(ROOT / "build" / "policies")))
MACHINE = machine_args()
POLICIES = ["none", "start-only", "per-tb", "per-exit", "threshold", "pid", "hybrid",
            "adaptive-shift"]
TIMEOUT = float(os.environ.get("EMU_TIMEOUT", "300"))


def skip_reason():
    """None when emu-arm can run these tests, else why not."""
    if not EMU.exists():
        return f"{EMU} does not exist yet (build it with scons)"
    if not GUEST.exists():
        return f"{GUEST} does not exist yet (scons builds the guests)"
    r = subprocess.run([str(EMU), "-align-policy", "help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    if r.returncode != 0 or "start-only" not in r.stdout:
        return f"{EMU} has no -align-policy option yet (emu/align is not wired into cli.c)"
    return None


pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))


def emu(args, timeout=TIMEOUT, append=None, guest=GUEST):
    cmd = [str(EMU)] + MACHINE + ["-kernel", str(guest)] + list(args)
    if append:
        cmd += ["-append", append]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
    r.wall = time.perf_counter() - t0
    r.cmd = cmd
    return r


def instructions(stderr):
    m = re.search(rb"icount: (\d+) instructions", stderr)
    assert m, "-stats printed no instruction count:\n" + stderr.decode(errors="replace")
    return int(m.group(1))


_shift = None


def sustained_shift(margin=3.0):
    """Lowest shift at which the guest's virtual time is >= margin x the
    engine's wall time without alignment (so aligned runs sleep)."""
    global _shift
    if _shift is None:
        r = emu(["-icount", "shift=0,sleep=off", "-stats"])
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        ns_per_insn = r.wall * 1e9 / instructions(r.stderr)
        shift = 0
        while (1 << shift) < margin * ns_per_insn and shift < 8:
            shift += 1
        _shift = max(shift, 2)
    return _shift


_baseline = None


def baseline():
    """UART output, exit status and instruction count with alignment off."""
    global _baseline
    if _baseline is None:
        r = emu(["-icount", f"shift={sustained_shift()}", "-stats"])
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        _baseline = (r.stdout, r.returncode, instructions(r.stderr))
    return _baseline


def checksums(out):
    return re.findall(rb"checksum=[0-9a-f]+", out)


def test_help_lists_every_policy_with_defaults():
    r = subprocess.run([str(EMU), "-align-policy", "help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0
    for p in POLICIES:
        assert re.search(rf"^\s+{re.escape(p)}\s", r.stdout, re.M), p
    for default in ("max-advance-us=3000", "kp=0.6", "period-us=200", "spin-us=60",
                    "vm-period-us=100000"):
        assert default in r.stdout


@pytest.mark.parametrize("spec,words", [
    ("bogus", ["unknown policy 'bogus'", "start-only", "hybrid"]),
    ("pid,kq=1", ["unknown parameter 'kq'", "kp"]),
    ("pid,kp=abc", ["kp must be a number"]),
    ("threshold,period-us=0", ["period-us must be a duration"]),
    ("threshold,catch-up=never", ["catch-up must be warn, bounded or forgive"]),
])
def test_bad_policy_is_a_one_line_error(spec, words):
    r = emu(["-icount", "shift=4", "-align-policy", spec], timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 1
    assert len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err


def test_align_policy_needs_icount():
    r = emu(["-align-policy", "pid"], timeout=60)
    assert r.returncode == 1 and "-icount" in r.stderr.decode()


@pytest.mark.parametrize("policy", POLICIES)
def test_policy_keeps_guest_behaviour(policy):
    out, status, insns = baseline()
    shift = sustained_shift()
    r = emu(["-icount", f"shift={shift}", "-align-policy", policy, "-stats", "-align-report"])
    assert r.returncode == status, r.stderr.decode(errors="replace")
    report = r.stderr.decode(errors="replace")
    assert f"align: policy {policy} " in report
    if policy == "adaptive-shift":
        assert checksums(r.stdout) == checksums(out) and len(checksums(out)) >= 4
    else:
        assert r.stdout == out
        assert instructions(r.stderr) == insns


def test_align_on_means_start_only():
    out, status, insns = baseline()
    r = emu(["-icount", f"shift={sustained_shift()},align=on", "-stats", "-align-report"])
    assert r.returncode == status
    assert "align: policy start-only (max-advance-us=3000,qemu-unwind=on)" in r.stderr.decode()
    assert r.stdout == out and instructions(r.stderr) == insns


def test_report_has_the_clock_lines():
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", "threshold",
             "-align-report"])
    err = r.stderr.decode()
    for line in ("Host - Guest clock", "Max guest delay", "Max guest advance", "|drift| p99",
                 "vCPU thread CPU time", "host clock reads", "MIPS"):
        assert line in err, err
    reads = int(re.search(r"host clock reads (\d+)", err).group(1))
    assert reads > 0


def test_per_tb_reads_the_clock_once_per_tb():
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", "per-tb",
             "-align-report"], append="scale=2")
    err = r.stderr.decode()
    reads = int(re.search(r"host clock reads (\d+)", err).group(1))
    calls = int(re.search(r"(\d+) align calls", err).group(1))
    tbs = int(re.search(r"instructions in (\d+) TBs", err).group(1))
    # every perform_align call reads once; the CPU's TB count also includes
    # the TB executions rewound for exact device accesses (no align call)
    assert reads == calls, err
    assert abs(tbs - calls) <= max(1000, tbs // 1000), err


def test_plugin_runs_and_keeps_guest_behaviour():
    so = PLUGIN_DIR / "example_plugin.so"
    if not so.exists():
        pytest.skip(f"{so} not built")
    out, status, insns = baseline()
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy-plugin", str(so),
             "-align-policy", "predictive,max-advance-us=200", "-stats", "-align-report"])
    assert r.returncode == status, r.stderr.decode(errors="replace")
    assert r.stdout == out and instructions(r.stderr) == insns
    assert "[" + str(so) + "]" in r.stderr.decode()
    h = subprocess.run([str(EMU), "-align-policy-plugin", str(so), "-align-policy", "help"],
                       capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "predictive" in h.stdout


def test_wrong_abi_plugin_is_refused():
    so = PLUGIN_DIR / "wrong_abi_plugin.so"
    if not so.exists():
        pytest.skip(f"{so} not built")
    r = emu(["-icount", "shift=4", "-align-policy-plugin", str(so)], timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 1 and len(err.strip().splitlines()) == 1
    assert "ABI version" in err


@pytest.mark.parametrize("spec", [
    "threshold,max-advance-us=180,target-us=-180,period-us=10,max-period-us=5000",
    "threshold,catch-up=bounded,catch-up-limit=1ms,speed=0.5",
])
def test_threshold_variants_keep_guest_behaviour(spec):
    """Skipped checks (max-period-us), catch-up and speed only move sleeps:
    same output, same instruction count; fewer reads than periodic."""
    out, status, insns = baseline()
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", spec, "-stats",
             "-align-report"])
    assert r.returncode == status, r.stderr.decode(errors="replace")
    assert r.stdout == out and instructions(r.stderr) == insns
    err = r.stderr.decode()
    reads = int(re.search(r"host clock reads (\d+)", err).group(1))
    guest_s = float(re.search(r"guest ([0-9.]+) s", err).group(1))
    if "max-period-us" in spec:   # a fixed 10 us period would read 1e5 times per guest second
        assert 0 < reads < 0.5 * guest_s * 1e5, err


def test_bench_policies_smoke(capsys):
    """The benchmark runs end to end on a tiny configuration: bookkeeping
    (dry run vs none), real runs, per-exit under each chaining model, and a
    verdict per target. No speed is asserted (the Linux guest's workloads
    are left out: a boot takes seconds)."""
    from driftlab.tools import bench_policies
    if not (ROOT / "build" / "guests" / "timer-jitter.elf").exists():
        pytest.skip("timer-jitter.elf not built")
    res = bench_policies.run(ROOT, shifts=[6], reps=1, names=["cpu"], seconds=0.2,
                             parts=["bookkeeping", "aligned", "per-exit"],
                             only=["threshold", "per-exit"], min_reps=2, max_reps=2)
    out = capsys.readouterr().out
    book, real = res["aligned"][("cpu", 6)]
    assert set(book) == set(real) == {"threshold", "per-exit"}
    for label in book:
        assert book[label]["n"] == 2 and math.isfinite(book[label]["book"])
        assert real[label]["sleeps"] > 0 and real[label]["reads_minsn"] > 0
        for key in ("p50", "p99", "max", "slope", "lag", "pacing", "reads_s"):
            assert key in real[label]
    pe = res["per_exit"]
    assert set(pe) == {"modern", "qemu-2.1", "none"}
    # fewer chained exits: more loop exits, and per-exit reads at each one
    assert pe["modern"]["loop_exits_per_minsn"] < pe["qemu-2.1"]["loop_exits_per_minsn"] \
        < pe["none"]["loop_exits_per_minsn"]
    for chain in pe:
        assert pe[chain]["reads_per_minsn"] == pytest.approx(pe[chain]["loop_exits_per_minsn"],
                                                             rel=0.01)
    assert "targets (best policy" in out


def report_numbers(err):
    def num(pattern):
        m = re.search(pattern, err)
        assert m, f"{pattern!r} not in:\n{err}"
        return int(m.group(1))
    return {"reads": num(r"host clock reads (\d+)"), "sleeps": num(r"sleeps (\d+) \("),
            "spins": num(r"spins (\d+) \("), "exit_calls": num(r"(\d+) loop-exit calls"),
            "loop_exits": num(r"; (\d+) loop exits"), "stats_exits": num(r"(\d+) loop exits\n"),
            "tbs": num(r"instructions in (\d+) TBs")}


def test_per_exit_reads_once_per_loop_exit_under_each_chaining_model():
    """per-exit reads the host clock at every return to the execution loop,
    exactly the CPU's loop-exit count, under each chaining model; fewer
    chained exits mean more reads."""
    out, status, insns = baseline()
    seen = {}
    for chain in ("modern", "qemu-2.1", "none"):
        r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", "per-exit,dry-run=on",
                 "-tb-chain", chain, "-stats", "-align-report"], append="scale=2")
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        n = report_numbers(r.stderr.decode())
        assert n["reads"] == n["exit_calls"] == n["loop_exits"] == n["stats_exits"] > 0, (chain, n)
        assert n["sleeps"] == 0 and n["spins"] == 0, (chain, n)
        seen[chain] = n
    assert seen["modern"]["reads"] < seen["qemu-2.1"]["reads"] < seen["none"]["reads"], seen
    # without chaining every TB returns to the loop
    assert seen["none"]["reads"] >= seen["none"]["tbs"], seen["none"]
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", "per-exit",
             "-tb-chain", "qemu-2.1", "-stats", "-align-report"])
    n = report_numbers(r.stderr.decode())
    assert r.stdout == out and instructions(r.stderr) == insns
    assert n["reads"] == n["loop_exits"] and n["sleeps"] > 0, n


@pytest.mark.parametrize("policy", [p for p in POLICIES if p != "none"])
def test_dry_run_never_waits_and_keeps_guest_behaviour(policy):
    out, status, insns = baseline()
    r = emu(["-icount", f"shift={sustained_shift()}", "-align-policy", f"{policy},dry-run=on",
             "-stats", "-align-report"])
    assert r.returncode == status, r.stderr.decode(errors="replace")
    n = report_numbers(r.stderr.decode())
    assert n["sleeps"] == 0 and n["spins"] == 0, n
    if policy != "adaptive-shift":
        assert r.stdout == out and instructions(r.stderr) == insns
        assert "dry run: no waits" in r.stderr.decode()


def test_bad_tb_chain_is_a_one_line_error():
    r = emu(["-icount", "shift=4", "-tb-chain", "sometimes"], timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 1 and len(err.strip().splitlines()) == 1
    assert "modern, qemu-2.1 or none" in err
