"""A guest reset without -no-reboot, against QEMU 7.2 (experiments/guests/reboot).

QEMU handles the reset request in its main loop once the vCPU thread has
stopped; with -icount sleep=off the stopped vCPU counts as idle there, so the
main loop usually warps the virtual clock to the next timer deadline before
qemu_system_reset. It is a race between QEMU's two threads: in about one run
in five the main loop looks first and resets without the warp. emu-arm
models the usual outcome. The guest arms a one-shot SP804 timer, resets, and
prints how far the 24 MHz counter moved across the reset: with the warp at
least the timer's delay, without it a few dozen ticks."""
import re

import pytest

from guestrun import GUEST_DIR, emu_missing_message, run_emu, run_qemu, text_diff

ELF = GUEST_DIR / "reboot.elf"
QEMU_TRIES = 6
LINE = re.compile(rb"second boot, counter24 \+(\d+) since the timer was armed \((\d+) us")


@pytest.fixture(scope="module")
def elf():
    msg = emu_missing_message()
    if msg:
        pytest.skip(msg)
    if not ELF.exists():
        pytest.skip(f"{ELF} is not built (scons)")
    return ELF


def moved(out: bytes):
    m = LINE.search(out)
    assert m, out.decode(errors="replace")
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("us", [5000, 137])
def test_reset_warps_to_the_pending_timer(elf, us):
    """emu-arm's second boot starts at the one-shot's deadline, as QEMU's
    usually does: the counter moved by the delay plus the few instructions
    around the reset, and the same on every run."""
    a, b = run_emu(elf, f"us={us}"), run_emu(elf, f"us={us}")
    assert a.returncode == 0, a.describe() + a.stderr.decode(errors="replace")
    assert a.stdout.count(b"first boot") == 1
    ticks, got_us = moved(a.stdout)
    assert got_us == us
    assert us * 24 <= ticks < us * 24 + 200, ticks
    assert a.stdout == b.stdout


def test_second_boot_matches_qemu(elf):
    """QEMU gets a few runs to take its usual path; the outputs must then be
    the same bytes. A run without the warp shows as a counter move of less
    than the delay; at least one run must have warped."""
    emu = run_emu(elf)
    assert emu.returncode == 0, emu.describe()
    runs = []
    for _ in range(QEMU_TRIES):
        q = run_qemu(elf)
        assert q.returncode == 0, q.describe() + q.stderr.decode(errors="replace")[-2000:]
        runs.append(q)
        ticks, us = moved(q.stdout)
        if ticks >= us * 24:       # QEMU warped: this is the run to match
            assert q.stdout == emu.stdout, text_diff(q.stdout, emu.stdout)
            return
    pytest.fail(f"QEMU never warped at the reset in {QEMU_TRIES} runs:\n"
                + "\n".join(r.stdout.decode(errors="replace") for r in runs))
