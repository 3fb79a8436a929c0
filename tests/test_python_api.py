"""docs/python.md's examples, run as written against a small sweep: the
package (python/driftlab) reads a merged sweep into pandas, a run's drift
series into numpy with units, and a single run's record."""
import os
import re
import subprocess
import textwrap

import pytest

from driftlab.paths import ROOT
pytest.importorskip("pandas")
pytest.importorskip("h5py")

SPEC = textwrap.dedent("""\
    name = "pyapi"
    output = "{out}"
    time_limit = "1m"
    repetitions = 2
    shifts = [3]

    [workloads.cpu]
    elf = "build/guests/cpu.elf"

    [policies.none]

    [policies.start-only]
    """)


def blocks():
    text = (ROOT / "docs" / "python.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("pyapi")
    spec = d / "pyapi.toml"
    spec.write_text(SPEC.format(out=d / "results.h5"))
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "sweep", str(spec), "-j", "2"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    # the record example runs build/emu-arm by its repository path
    (d / "build").symlink_to(ROOT / "build")
    return d


def test_docs_examples_run(workdir):
    code = "\n".join(blocks())
    assert code.count("driftlab.load(") >= 2
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    r = subprocess.run(["/usr/bin/python3", "-c", code], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "<driftlab.Results results.h5: 4 runs>" in r.stdout
    assert "start-only costs" in r.stdout and "monitor-1kHz" in r.stdout


def test_bad_paths_are_one_clear_error(tmp_path):
    import driftlab
    with pytest.raises(FileNotFoundError, match="no such results file"):
        driftlab.load(tmp_path / "nope.h5")
    with pytest.raises(FileNotFoundError, match="results.h5: no such results file"):
        driftlab.load(tmp_path)


def test_entry_point_is_the_front_door():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    r = subprocess.run(["/usr/bin/python3", "-c", "import sys, driftlab.cli; "
                        "sys.exit(driftlab.cli.main(['--help']))"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "repro" in r.stdout and "sweep" in r.stdout
