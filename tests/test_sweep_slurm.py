"""A sweep through a real single-node SLURM (tests/slurm/up.sh), end to end,
against the same spec run with --backend local: the same jobs, the same
guest-visible results (UART output, final instruction count); then a failed
task, its report, and its resubmission.

SLURM comes from Debian's packages, installed by up.sh if missing. The test is
skipped only when SLURM cannot be had on this machine at all (up.sh exit 77:
no apt/dpkg, or packages missing and not root); if the daemons do not come up,
it fails with their logs. DRIFTLAB_SLURM=skip skips it on purpose."""
import json
import os
import pathlib
import subprocess
import tempfile

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import manifest as mf  # noqa: E402
import sweep_testutil as tu  # noqa: E402

h5py = pytest.importorskip("h5py")
GUESTS = ROOT / "build" / "guests"
UP = ROOT / "tests" / "slurm" / "up.sh"
DOWN = ROOT / "tests" / "slurm" / "down.sh"


@pytest.fixture(scope="module")
def cluster():
    if os.environ.get("DRIFTLAB_SLURM") == "skip":
        pytest.skip("DRIFTLAB_SLURM=skip")
    d = pathlib.Path(tempfile.mkdtemp(prefix="driftlab-slurm-"))
    r = subprocess.run(["bash", str(UP), str(d)], capture_output=True, text=True, timeout=600,
                       stdin=subprocess.DEVNULL)
    if r.returncode == 77:
        reason = (r.stderr.strip().splitlines() or ["SLURM unavailable"])[-1]
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    if r.returncode != 0:
        subprocess.run(["bash", str(DOWN), str(d)], timeout=120)
        pytest.fail(f"tests/slurm/up.sh failed (status {r.returncode}):\n{r.stdout}\n{r.stderr}",
                    pytrace=False)
    env = {"SLURM_CONF": str(d / "slurm.conf")}
    try:
        yield env
    finally:
        subprocess.run(["bash", str(DOWN), str(d)], timeout=120)


@pytest.fixture(scope="module")
def emu():
    path, why = tu.choose_emu()
    print(f"\nsweep tests use {path} ({why})")
    return path


def guest_results(results):
    """{job id: (UART bytes, final instruction count, exit code)} from the per-run files."""
    out = {}
    for j in mf.jobs_of(mf.load(results)):
        with h5py.File(j.record) as f:
            a = f["sweep"].attrs
            out[j.id] = (bytes(f["sweep"]["stdout"][()]), int(a["instructions"]),
                         int(a["exit_code"]))
    return out


@pytest.mark.skipif(not (GUESTS / "cpu.elf").exists(), reason="guests not built (scons)")
def test_slurm_sweep_matches_local(tmp_path, cluster, emu):
    spec = tmp_path / "e2e.toml"
    tu.write_spec(spec, name="e2e", output=tmp_path / "slurm.h5", emu=emu,
                  workloads={"cpu": (GUESTS / "cpu.elf", "scale=2"),
                             "cm": (GUESTS / "coremark-like.elf", "iterations=60")},
                  policies={"none": {}, "per-tb": {"max-advance-us": 3000}},
                  shifts=[0, 1], time_limit="60s")
    r = tu.run_cli("sweep", spec, "--backend", "slurm", "--wait", "--poll", "0.3",
                   "--throttle", "4", "--sbatch-arg=--comment=driftlab-test",
                   env=cluster, timeout=300)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n" + _task_logs(tmp_path / "slurm")
    assert "8 submitted" in r.stderr and "merge job" in r.stderr, r.stderr
    assert "done 8" in r.stderr, r.stderr
    sres = tmp_path / "slurm"
    script = (sres / "slurm" / "array.sbatch").read_text()
    assert "#SBATCH --comment=driftlab-test" in script
    assert f"--chdir={sres}" in script and "/usr/bin/python3 -m driftlab.sweep task" in script
    assert len(list((sres / "slurm" / "logs").glob("task-*_*.out"))) == 8
    assert list((sres / "slurm" / "logs").glob("merge-*.out"))
    sub = json.loads((sres / "slurm" / "submissions.json").read_text())[-1]
    assert sub["arrays"][0]["argv"][2] == "--array=0-7%4"
    assert sub["merge_argv"][2] == f"--dependency=afterok:{sub['array_job_ids'][0]}"
    assert (tmp_path / "slurm.h5").exists(), "the merge job wrote the results file"

    st = tu.run_cli("status", sres, env=cluster)
    assert st.returncode == 0 and "done 8" in st.stdout, st.stdout
    assert "(present)" in st.stdout

    r = tu.run_cli("sweep", spec, "--output", tmp_path / "local.h5", "-j", "2", check=True)
    lres = tmp_path / "local"
    sj = mf.jobs_of(mf.load(sres))
    lj = mf.jobs_of(mf.load(lres))
    assert [(j.id, j.key) for j in sj] == [(j.id, j.key) for j in lj], "same jobs"
    assert [j.argv[:-1] for j in sj] == [j.argv[:-1] for j in lj], "same commands"
    a, b = guest_results(sres), guest_results(lres)
    assert a.keys() == b.keys()
    for jid in a:
        assert a[jid] == b[jid], f"{jid}: slurm {a[jid]!r} vs local {b[jid]!r}"
        assert a[jid][1] > 0 and a[jid][2] == 0 and a[jid][0]
    with h5py.File(tmp_path / "slurm.h5") as fs, h5py.File(tmp_path / "local.h5") as fl:
        assert sorted(fs["runs"]) == sorted(fl["runs"])
        ss, sl = fs["summary"][()], fl["summary"][()]
        key = lambda r: r["job_id"]  # noqa: E731
        for x, y in zip(sorted(ss, key=key), sorted(sl, key=key)):
            for c in ("job_id", "workload", "policy", "params", "shift", "rep", "instructions"):
                assert x[c] == y[c], c
        assert fs["provenance"].attrs["backend"] == "slurm"
        assert fs["provenance"].attrs["spec_text"] == spec.read_text()


@pytest.mark.skipif(not (GUESTS / "cpu.elf").exists(), reason="guests not built (scons)")
def test_slurm_failed_task_report_and_resubmit(tmp_path, cluster, emu):
    elf = tmp_path / "guest.elf"
    elf.write_bytes(b"\x7fELF, but broken" + bytes(64))    # refused by the loader at once
    spec = tmp_path / "f.toml"
    tu.write_spec(spec, name="f", output=tmp_path / "f.h5", emu=emu,
                  workloads={"good": (GUESTS / "cpu.elf", "scale=1"), "broken": (elf, "x=1")},
                  policies={"none": {}}, shifts=[0, 1], time_limit="20s")
    r = tu.run_cli("sweep", spec, "--backend", "slurm", "--wait", "--poll", "0.3",
                   env=cluster, timeout=300)
    res = tmp_path / "f"
    assert r.returncode == 1, r.stderr
    st = tu.run_cli("status", res, env=cluster)
    out = st.stdout
    assert st.returncode == 1
    assert "done 2" in out and "failed 2" in out, out
    assert "broken+none+s0+r0: emulator exit status" in out, out
    assert "task-" in out and "stderr:" in out, out
    assert "DependencyNeverSatisfied" in out or "CANCELLED" in out, out   # merge job
    assert f"./driftlab sweep {spec} --backend slurm" in out
    assert "sbatch --parsable --array=2-3" in out, out
    assert not (tmp_path / "f.h5").exists()
    logs = sorted((res / "slurm" / "logs").glob("task-*_2.out"))
    assert logs and "FAILED" in logs[0].read_text()

    # fix the guest and resubmit: only the two failed jobs run again
    done_before = {p.name: p.stat().st_mtime_ns for p in (res / "runs").glob("*.h5")}
    elf.write_bytes((GUESTS / "cpu.elf").read_bytes())
    r = tu.run_cli("sweep", spec, "--backend", "slurm", "--wait", "--poll", "0.3",
                   env=cluster, timeout=300)
    assert r.returncode == 0, r.stderr + _task_logs(res)
    assert "2 already done, 2 submitted" in r.stderr, r.stderr
    for name, t in done_before.items():
        assert (res / "runs" / name).stat().st_mtime_ns == t
    assert (tmp_path / "f.h5").exists()


def _task_logs(results):
    out = []
    for p in sorted((pathlib.Path(results) / "slurm" / "logs").glob("*.out"))[:10]:
        out.append(f"---- {p.name}\n{p.read_text()[-1500:]}")
    return "\n".join(out)
