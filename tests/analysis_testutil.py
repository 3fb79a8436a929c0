"""For tests/test_analysis*.py, test_paper.py and test_new_policy_doc.py:
the analysis tool (built by SCons, else compiled here) and synthetic files."""
import os
import pathlib
import shutil
import subprocess

from driftlab.paths import PYTHON as PY, ROOT, child_env
# the tool's own files and the drift statistics it links (stats/, less the
# drift-summary program)
SOURCES = sorted([*(ROOT / "analysis").glob("*.[ch]"),
                  *(s for s in (ROOT / "stats").glob("*.[ch]") if s.stem != "drift_summary")])


def analyze_binary(tmpdir):
    """build/analysis/driftlab-analyze if it is newer than its sources, else a
    fresh build of analysis/*.c into tmpdir with the tree's flags."""
    built = ROOT / "build" / "analysis" / "driftlab-analyze"
    if built.is_file() and all(built.stat().st_mtime >= s.stat().st_mtime for s in SOURCES):
        return built
    out = pathlib.Path(tmpdir) / "driftlab-analyze"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "hdf5", "gsl"], capture_output=True,
                           text=True, check=True).stdout.split()
    cmd = [os.environ.get("CC", "gcc"), "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
           "-O2", "-g", "-I", str(ROOT / "stats"), "-o", str(out)] + [str(s) for s in SOURCES if s.suffix == ".c"] + flags
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out


def env_with(tool):
    return child_env(DRIFTLAB_ANALYZE=str(tool), HDF5_USE_FILE_LOCKING="FALSE")


def have(exe):
    return shutil.which(exe) is not None


def is_png(p):
    b = pathlib.Path(p).read_bytes()
    return len(b) > 1000 and b[:8] == b"\x89PNG\r\n\x1a\n"


def is_pdf(p):
    b = pathlib.Path(p).read_bytes()
    return len(b) > 1000 and b[:5] == b"%PDF-" and b.rstrip().endswith(b"%%EOF")
