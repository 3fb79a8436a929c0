"""The helpers shared by the sweep, the analysis, the tools and the tests
(driftlab.tools): the machine's argument list, a file's SHA-256, a CSV
table."""
import hashlib
import os

import pytest
from driftlab.tools.files import read_csv, sha256_file
from driftlab.tools.machine_args import machine_args


def test_machine_args():
    assert machine_args() == ["-M", "versatilepb", "-m", "128M", "-nographic", "-semihosting"]
    assert machine_args(ram="64M", semihosting=False) == ["-M", "versatilepb", "-m", "64M",
                                                          "-nographic"]
    a = machine_args()
    a.append("-stats")
    assert "-stats" not in machine_args(), "each call gives a new list"


def test_sha256_file_reads_in_blocks_and_names_unreadable_files(tmp_path):
    data = os.urandom((1 << 20) * 2 + 123)          # three blocks, the last partial
    p = tmp_path / "blob"
    p.write_bytes(data)
    assert sha256_file(p) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "gone")
    assert sha256_file(tmp_path / "gone", unreadable="unavailable") == "unavailable"
    assert sha256_file(tmp_path, unreadable=None) is None        # a directory


def test_read_csv(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('key,value\nalpha,"1,5"\nbeta,"two\nlines"\n')
    assert read_csv(p) == [{"key": "alpha", "value": "1,5"}, {"key": "beta", "value": "two\nlines"}]
    p.write_text("key,value\n")
    assert read_csv(p) == []


def test_import_roots_are_named_once(tmp_path):
    """driftlab.paths names the one import root, python/; pytest's pythonpath,
    the paper's SCons environment and the children's PYTHONPATH follow it,
    the old top-level modules are gone, and no library module changes
    sys.path."""
    import re
    import subprocess
    import tomllib
    from driftlab import paths
    root = paths.ROOT
    dirs = [d.relative_to(root).as_posix() or "." for d in paths.import_dirs()]
    assert dirs == ["python"]
    pytest_path = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]["pythonpath"]
    # the root, then only the tests' own helpers
    assert pytest_path == ["python", "tests", "tests/fuzz"]
    scons = (root / "paper" / "SConscript").read_text()
    assert "penv['ENV']['PYTHONPATH'] = os.path.join(root, 'python')" in scons
    env = paths.child_env({"PYTHONPATH": "/elsewhere"}, EXTRA="1")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(root / "python"), "/elsewhere"] and \
        env["EXTRA"] == "1"
    # a child with only python/ on its path, started away from the checkout,
    # finds every module in the package and none under its old top-level name
    probe = ("import importlib.util, driftlab.sweep.cli, driftlab.analysis.report, "
             "driftlab.tools.machine_args, driftlab.tools.files, driftlab.tools.repro\n"
             "old = ['sweep', 'analysis', 'machine_args', 'files', 'repro', 'linux_guest', 'bench']\n"
             "print(' '.join(m for m in old if importlib.util.find_spec(m)))")
    r = subprocess.run([paths.PYTHON, "-c", probe], env=paths.child_env({}), cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr
    # outside the package, Python is only the tests and the Linux guest's
    # build-time script (run by experiments/linux-guest/build.sh, never imported)
    strays = sorted(p.relative_to(root).as_posix()
                    for d in ("experiments", "analysis", "scripts", "paper", "stats", "policies", "emu")
                    for p in (root / d).rglob("*.py"))
    assert strays == ["experiments/linux-guest/stub_library.py"]
    offenders = [str(p.relative_to(root)) for p in (root / "python").rglob("*.py")
                 if re.search(r"sys\.path\.(insert|append)|sys\.path\[", p.read_text())]
    assert offenders == []
