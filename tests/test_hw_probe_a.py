"""Differential test for the versatilepb devices of batch A (PL061 GPIO x4,
PL050 KMI + PS/2 keyboard/mouse, Versatile I2C + DS1338, PL041 AACI +
LM4549, PL080 DMA): experiments/guests/hw-probe-a pokes them the way the
Linux drivers do and prints every value it reads; emu-arm must print the
same bytes and exit with the same code as QEMU 7.2.

Both run with a virtual-clock RTC at the same instant, so the DS1338 time
the guest reads over bit-banged I2C is deterministic:
QEMU `-rtc base=2026-01-01T00:00:00,clock=vm`, emu-arm `-rtc-base 1767225600`.
shift=2 makes the guest's 1.5 s sleep (skipped idle time) land on a known
instruction count.
"""
import subprocess
import time

import pytest

import guestrun
from driftlab.tools.machine_args import machine_args

BASE = machine_args() + ["-icount", "shift=2,sleep=off"]
QEMU_RTC = ["-rtc", "base=2026-01-01T00:00:00,clock=vm"]
EMU_RTC = ["-rtc-base", "1767225600"]
VARIANTS = [f"{isa}-{opt}" for isa in ("arm", "thumb") for opt in ("O0", "O2", "Os")]


def elf(variant):
    return guestrun.VARIANT_DIR / f"hw-probe-a-{variant}.elf"


def run(argv, timeout):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, env=guestrun.RUN_ENV, cwd=guestrun.REPO)
        return guestrun.RunResult(argv, p.stdout, p.stderr, p.returncode, False,
                                  time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return guestrun.RunResult(argv, e.stdout or b"", e.stderr or b"", -1, True,
                                  time.monotonic() - t0)


@pytest.fixture(scope="module", autouse=True)
def need_binaries():
    msg = guestrun.emu_missing_message()
    if msg:
        pytest.fail(msg, pytrace=False)
    missing = [str(elf(v)) for v in VARIANTS if not elf(v).exists()]
    if missing:
        pytest.fail(f"not built (run `scons`): {', '.join(missing)}", pytrace=False)


@pytest.fixture(scope="module")
def qemu_arm_o2():
    return run([guestrun.qemu_path()] + BASE + QEMU_RTC + ["-kernel", str(elf("arm-O2"))],
               guestrun.QEMU_TIMEOUT)


def test_qemu_reference(qemu_arm_o2):
    """The oracle's answers that Linux depends on, so a broken guest cannot
    make the comparison vacuous."""
    r = qemu_arm_o2
    assert r.returncode == 0, r.describe()
    out = r.stdout.decode()
    assert out.endswith("hw-probe-a: done\n")
    for ids in ("gpio0 id: 00 00 00 00 61 10 04 00 0d f0 05 b1",
                "kmi0 id: 50 10 04 00 0d f0 05 b1",
                "aaci id: 41 10 04 29 0d f0 05 b1",
                "dma id: 80 10 04 0a 0d f0 05 b1"):
        assert ids in out
    # atkbd: GET ID -> ACK, 0xab 0x83; reset -> ACK, BAT OK
    # (each byte is printed with the status read just before it, whose
    # parity bit is that of the previous byte)
    assert "kbd f2: sic=00000008 ir=3 -> fa/50 ab/50 83/54 | stat=44 again=83" in out
    assert "kbd ff: sic=00000008 ir=3 -> fa/54 aa/50 | stat=40 again=aa" in out
    # psmouse: reset -> ACK, 0xaa, ID 0; IntelliMouse knock -> ID 3,
    # Explorer knock -> ID 4
    assert "mouse ff: sic=00000010 ir=3 -> fa/50 aa/50 00/50 |" in out
    assert "mouse f2: sic=00000010 ir=3 -> fa/50 00/50 |" in out
    assert "mouse f2: sic=00000010 ir=3 -> fa/50 03/50 |" in out
    assert "mouse f2: sic=00000010 ir=3 -> fa/50 04/50 |" in out
    # DS1338 at 2026-01-01 00:00:00 (a Thursday), then 1.5 s later
    assert "ds1338 time acks=000: 00 00 00 05 01 01 26 00\n" in out
    assert "ds1338 time +1.5s acks=000: 01 00 00 05 01 01 26 00 pl031=6955b901\n" in out
    assert "dma->uart0\n" in out
    # code written by DMA over code that already ran is what runs next
    assert "dma code: 42 then 7\n" in out


@pytest.mark.parametrize("variant", VARIANTS)
def test_matches_qemu(variant, qemu_arm_o2):
    ref = qemu_arm_o2 if variant == "arm-O2" else run(
        [guestrun.qemu_path()] + BASE + QEMU_RTC + ["-kernel", str(elf(variant))],
        guestrun.QEMU_TIMEOUT)
    assert ref.returncode == 0 and not ref.timed_out, ref.describe()
    got = run([str(guestrun.emu_path())] + BASE + EMU_RTC + ["-kernel", str(elf(variant))],
              guestrun.emu_timeout())
    problems = guestrun.compare(ref, got, f"hw-probe-a-{variant}")
    assert not problems, problems
