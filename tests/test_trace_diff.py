"""`-d exec,cpu` traces of emu-arm and QEMU 7.2 (both with `-d exec,cpu,nochain`) agree
TB by TB: the same guest PCs in the same order with the same register state
on entry to each TB (tests/trace_diff.py does the comparison)."""
import subprocess
import sys

import pytest

import guestrun
import trace_diff

CASES = [("newlib-arm-O2", None), ("newlib-thumb-Os", None), ("timer-arm-O2", "ticks=3"),
         ("cpu-thumb-O0", "scale=1")]


@pytest.mark.parametrize("guest,append", CASES, ids=[c[0] for c in CASES])
def test_trace_matches_qemu(tmp_path, guest, append):
    elf = guestrun.VARIANT_DIR / f"{guest}.elf"
    logs = {}
    for name, binary, items in (("qemu", guestrun.qemu_path(), "exec,cpu,nochain"),
                                ("emu", guestrun.emu_path(), "exec,cpu,nochain")):
        log = tmp_path / f"{name}.log"
        argv = guestrun.guest_argv(binary, elf, append) + ["-d", items, "-D", str(log)]
        subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
                       env=guestrun.RUN_ENV)
        logs[name] = log
    status, n = trace_diff.diff(str(logs["qemu"]), str(logs["emu"]), limit=200000)
    assert status == 0, f"traces diverge after {n} identical TBs"
    assert n > 1000
