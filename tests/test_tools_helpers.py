"""The helpers shared by the sweep, the analysis, the tools and the tests
(experiments/tools): the machine's argument list, a file's SHA-256, a CSV
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


def test_import_roots_are_named_once():
    """driftlab.paths names the import roots; pytest's pythonpath, the paper's
    SCons environment and the children's PYTHONPATH follow it, and no
    library module changes sys.path."""
    import re
    import subprocess
    import tomllib
    from driftlab import paths
    root = paths.ROOT
    dirs = [d.relative_to(root).as_posix() or "." for d in paths.import_dirs()]
    assert dirs == ["python", "experiments", "experiments/tools", "."]
    pytest_path = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]["pythonpath"]
    assert pytest_path[:len(dirs)] == dirs
    scons = (root / "paper" / "SConscript").read_text()
    assert "('python', 'experiments', 'experiments/tools')] + [root]" in scons
    env = paths.child_env({"PYTHONPATH": "/elsewhere"}, EXTRA="1")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(d) for d in paths.import_dirs()] + \
        ["/elsewhere"] and env["EXTRA"] == "1"
    # a child with only the package on its path imports the rest through it
    r = subprocess.run([paths.PYTHON, "-c", "import driftlab.sweep, driftlab.analysis, driftlab.tools.machine_args"],
                       env=paths.child_env({}), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    libraries = [p for d in ("python", "experiments", "analysis") for p in (root / d).rglob("*.py")]
    offenders = [str(p.relative_to(root)) for p in libraries
                 if re.search(r"sys\.path\.(insert|append)|sys\.path\[", p.read_text())
                 and "__main__" not in p.read_text().split("sys.path")[0][-200:]
                 # cli.py is the front door
                 and p.name != "cli.py"]
    assert offenders == []
