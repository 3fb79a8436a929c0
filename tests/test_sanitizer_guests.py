"""The ASan+UBSan build (build/asan/emu-arm, `scons asan=1`) runs every guest
in ARM and Thumb with small arguments: the output must equal the normal
build's (itself checked against QEMU) and the sanitizers must stay silent."""

import pytest

import guestrun

from driftlab.paths import ROOT
ASAN = ROOT / "build" / "asan" / "emu-arm"
SMALL = {"cpu": "scale=2", "coremark-like": "iterations=100", "timer": "ticks=10",
         "idle": "ticks=10", "newlib": None}
GUESTS = [(g, isa) for g in SMALL for isa in ("arm", "thumb")]


@pytest.mark.parametrize("guest,isa", GUESTS, ids=lambda x: x if isinstance(x, str) else None)
def test_guest_under_sanitizers(guest, isa):
    assert ASAN.exists(), f"{ASAN} not built: run `scons asan=1`"
    elf = guestrun.VARIANT_DIR / f"{guest}-{isa}-O2.elf"
    # ASan's defaults on Linux already detect leaks; the build makes UBSan fatal.
    normal = guestrun.run(guestrun.emu_path(), elf, SMALL[guest], timeout=300)
    checked = guestrun.run(ASAN, elf, SMALL[guest], timeout=300)
    report = checked.stderr.decode(errors="replace")
    assert "Sanitizer" not in report and "runtime error" not in report, report[-3000:]
    assert (checked.returncode, checked.stdout) == (normal.returncode, normal.stdout), \
        guestrun.text_diff(normal.stdout, checked.stdout, "normal", "asan")
