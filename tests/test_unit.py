"""Runs every C unit test program (tests/unit/test_*.c, built by SCons) in the
normal build and, when present, in the sanitizer build (build/asan)."""
import os
import subprocess

import pytest

from driftlab.paths import ROOT
SOURCES = sorted((ROOT / "tests" / "unit").glob("test_*.c"))
VARIANTS = ["build"] + (["build/asan"] if (ROOT / "build/asan/emu-arm").exists() else [])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_c_unit(src, variant):
    exe = ROOT / variant / "tests" / "unit" / src.stem
    assert exe.exists(), f"{exe} not built: run scons first"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env=env)
    failed = [l for l in r.stdout.splitlines() if l.startswith("not ok")]
    assert r.returncode == 0 and not failed, r.stdout[-4000:] + r.stderr[-4000:]
    assert any(l.startswith("ok ") for l in r.stdout.splitlines()), "test asserted nothing"
