"""docs/new-policy.md works as written: its ```sh blocks run in order, in one
shell, from the repository root, with the scratch directory build/my-policy
moved to a temporary directory (the only change made to them)."""
import os
import re
import subprocess

import pytest

from driftlab.paths import ROOT

import analysis_testutil as testutil  # noqa: E402

DOC = ROOT / "docs" / "new-policy.md"


def blocks():
    return re.findall(r"^```sh\n(.*?)^```", DOC.read_text(), re.S | re.M)


def missing_prerequisites(text):
    """Why the blocks cannot run on this tree yet, or None."""
    emu = ROOT / "build" / "emu-arm"
    if not emu.is_file():
        return "build/emu-arm is not built"
    helptext = subprocess.run([str(emu), "-help"], capture_output=True, text=True).stdout
    for opt in ("-align-policy-plugin", "-record"):
        if opt in text and opt not in helptext:
            return f"build/emu-arm has no {opt} yet"
    if "build/analysis/driftlab-analyze" in text and \
            not (ROOT / "build" / "analysis" / "driftlab-analyze").is_file():
        return "build/analysis/driftlab-analyze is not built (analysis/SConscript not in SConstruct)"
    for sub in re.findall(r"\./driftlab (\S+)", text):
        r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", sub, "--help"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return f"./driftlab has no '{sub}' subcommand yet"
    if not (ROOT / "build" / "guests" / "cpu.elf").is_file():
        return "build/guests/cpu.elf is not built"
    return None


def test_doc_is_one_page_of_runnable_blocks():
    text = DOC.read_text()
    assert len(text.splitlines()) <= 120
    bs = blocks()
    assert len(bs) >= 5
    joined = "\n".join(bs)
    for must in ("policies/template_plugin.c", "gcc ", "-align-policy-plugin", "-record",
                 "./driftlab plot-drift", "./driftlab report", "./driftlab sweep"):
        assert must in joined, must
    assert all("build/my-policy" in b for b in bs), "every block works in the scratch directory"


def test_compile_step_alone(tmp_path):
    """Steps 1-2 (copy the template, build the plugin) need nothing but gcc."""
    script = "set -euo pipefail\n" + "\n".join(blocks()[:2])
    script = script.replace("build/my-policy", str(tmp_path / "my-policy"))
    r = subprocess.run(["bash", "-c", script], cwd=str(ROOT), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    so = tmp_path / "my-policy" / "every_n.so"
    assert so.is_file() and b"driftlab_align_policy" in so.read_bytes()


def test_walkthrough_runs_as_written(tmp_path):
    pytest.importorskip("h5py")
    bs = blocks()
    why = missing_prerequisites("\n".join(bs))
    if why:
        pytest.skip(why)
    if not testutil.have("gnuplot"):
        pytest.skip("gnuplot is missing")
    scratch = tmp_path / "my-policy"
    script = "set -euo pipefail\n" + "\n".join(bs)
    script = script.replace("build/my-policy", str(scratch))
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    r = subprocess.run(["bash", "-c", script], cwd=str(ROOT), env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for name in ("every-n.h5", "per-exit.h5", "threshold.h5", "runs.csv", "compare.h5"):
        assert (scratch / name).is_file(), name
    assert testutil.is_png(scratch / "drift.png")
    figs = scratch / "report" / "figures"
    assert testutil.is_png(figs / "overhead-cpu.png") and testutil.is_pdf(figs / "drift-cpu.pdf")
    configs = (scratch / "report" / "tables" / "configs.csv").read_text()
    assert "every-n" in configs and "per-exit" in configs
    assert "every-n,every=50 shift 6" in r.stdout      # the analysis tool's line for the plugin run
