"""Runs are deterministic: with -icount shift=N,sleep=off two runs of a guest
give the same UART bytes, final instruction count, device-access counts and
the same sequence of TBs and interrupts (-d exec,int,nochain, with host
pointers masked); align=on (which sleeps on the host's clock) changes none of
it."""
import re
import subprocess

import pytest

import guestrun
from driftlab.tools.machine_args import machine_args

# Host addresses of translated code (wider than any guest address) differ per run.
HOSTPTR = re.compile(rb"0x[0-9a-f]{9,}")


def run(elf, append, icount, log):
    argv = [str(guestrun.emu_path())] + machine_args() + [
        "-icount", icount, "-kernel", str(elf), "-append", append, "-stats",
        "-d", "exec,int,nochain", "-D", str(log)]
    r = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    stats = [l for l in r.stderr.splitlines() if l.startswith((b"icount:", b"tbs:", b"io:"))]
    # Only the virtual clock and counts are compared: loop exits depend on when
    # the host kicks the vCPU, which align=on may change.
    stats = [re.sub(rb", \d+ loop exits", b"", l) for l in stats]
    return r.stdout, stats, HOSTPTR.sub(b"PTR", log.read_bytes())


@pytest.mark.parametrize("guest,append", [("timer", "ticks=5"), ("timer-jitter", "samples=20"),
                                          ("newlib", "")])
@pytest.mark.parametrize("shift", [0, 5])
def test_two_runs_identical(tmp_path, guest, append, shift):
    elf = guestrun.GUEST_DIR / f"{guest}.elf"
    a = run(elf, append, f"shift={shift},sleep=off", tmp_path / "a.log")
    b = run(elf, append, f"shift={shift},sleep=off", tmp_path / "b.log")
    assert a[0] == b[0], "UART output differs between two runs"
    assert a[1] == b[1], (a[1], b[1])
    assert a[2] == b[2], "TB/interrupt sequence differs between two runs"
    assert len(a[2]) > 10000
    c = run(elf, append, f"shift={shift},align=on", tmp_path / "c.log")
    assert (c[0], c[1]) == (a[0], a[1]), "align=on changed what the guest saw"
    assert c[2] == a[2], "align=on changed the TB/interrupt sequence"


@pytest.mark.parametrize("args", [
    ["-align-policy", "per-tb"],
    ["-align-policy", "threshold,period-us=20", "-record", "REC"],
    ["-align-policy", "per-exit,dry-run=on", "-tb-chain", "qemu-2.1"],
    ["-align-policy", "start-only", "-tb-chain", "none", "-record", "REC"],
    ["-align-policy", "none", "-record", "REC"],
    ["-align-policy", "adaptive-shift,dry-run=on"],
], ids=["per-tb", "threshold-record", "per-exit-qemu21", "start-only-nochain-record",
        "none-record", "adaptive-dry"])
def test_policies_and_recording_keep_the_tb_sequence(tmp_path, args):
    """Sync points are deadlines on the icount timeline that never split a
    TB: no policy, chaining model or recording changes the TBs executed,
    their order, or when an interrupt is taken. (A chaining model only
    changes whether a TB that was looked up but then stopped by the budget
    gets a Trace line, so those pairs are set aside.)"""
    elf = guestrun.GUEST_DIR / "timer-jitter.elf"
    base = run(elf, "samples=20", "shift=5,sleep=off", tmp_path / "a.log")
    args = [str(tmp_path / "r.h5") if a == "REC" else a for a in args]
    argv = [str(guestrun.emu_path())] + machine_args() + [
        "-icount", "shift=5", "-kernel", str(elf), "-append", "samples=20",
        "-stats", "-d", "exec,int,nochain", "-D", str(tmp_path / "b.log")] + args
    r = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    log = executed(HOSTPTR.sub(b"PTR", (tmp_path / "b.log").read_bytes()))
    assert r.stdout == base[0]
    assert log == executed(base[2]), "the TB/interrupt sequence changed"
    assert len(log) > 10000


STOPPED = re.compile(rb"Trace 0: PTR \[[0-9a-f]+/([0-9a-f]+)/[^\n]*\nStopped execution of TB chain "
                     rb"before PTR \[\1\] \n")


def executed(log):
    """The log without TBs that were looked up but not entered."""
    return re.sub(rb"Stopped execution of TB chain before[^\n]*\n", b"", STOPPED.sub(b"", log))
