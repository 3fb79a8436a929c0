"""Local sweeps: resume after Ctrl-C and after a kill -9 (half-written files are
redone, finished runs are not), failures and time limits reported without
aborting, and the merged results file with its provenance.

Runs the real build/emu-arm when it takes -record (else the stand-in
tests/fake_emu.py; the reason is printed). Run lengths are
calibrated on this machine, and no test asserts a wall-clock figure."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import manifest as mf  # noqa: E402
import sweep_testutil as tu  # noqa: E402

h5py = pytest.importorskip("h5py")

GUESTS = ROOT / "build" / "guests"
pytestmark = pytest.mark.skipif(not (GUESTS / "coremark-like.elf").exists(),
                                reason="guests not built (scons)")


@pytest.fixture(scope="module")
def emu():
    path, why = tu.choose_emu()
    print(f"\nsweep tests use {path} ({why})")
    return path


def long_spec(tmp_path, emu, name="resume", reps=4, seconds=0.8):
    """8 runs of ~`seconds` each (2 policies x `reps`), shift 0 (never sleeps)."""
    it = tu.iterations_for(emu, seconds)
    spec = tmp_path / f"{name}.toml"
    tu.write_spec(spec, name=name, output=tmp_path / f"{name}.h5", emu=emu,
                  workloads={"cm": (GUESTS / "coremark-like.elf", f"iterations={it}")},
                  policies={"none": {}, "per-tb": {"max-advance-us": 3000}},
                  shifts=[0], reps=reps, time_limit="120s")
    return spec, tmp_path / name


def finals(results):
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (results / "runs").glob("*.h5")}


def parts(results):
    return sorted(p.name for p in (results / "runs").glob("*.part-*"))


def start_sweep(spec, *args):
    errf = open(spec.with_suffix(".stderr"), "w+")
    p = subprocess.Popen(tu.sweep_cmd("sweep", spec, "-j", "2", "--progress-interval", "0.5",
                                      *args),
                         stdout=subprocess.DEVNULL, stderr=errf, env=tu.sweep_env(),
                         cwd=str(ROOT), stdin=subprocess.DEVNULL)
    return p, errf


def wait_for(cond, timeout, what):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def jobs_of(results):
    return mf.jobs_of(mf.load(results))


def test_resume_after_ctrl_c(tmp_path, emu):
    spec, results = long_spec(tmp_path, emu)
    p, errf = start_sweep(spec, "--no-merge")
    try:
        # interrupt with runs finished, runs in flight and runs not started
        wait_for(lambda: len(finals(results)) >= 2 and parts(results) or p.poll() is not None,
                 90, "two finished runs")
        assert p.poll() is None, "the sweep ended before it could be interrupted"
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=30) == 130
    finally:
        if p.poll() is None:
            p.kill()
    errf.seek(0)
    err = errf.read()
    assert "interrupted" in err and "rerun the same command to resume" in err, err
    assert parts(results) == [], "temp files left after Ctrl-C"
    done = finals(results)
    assert 2 <= len(done) < 8, err
    jobs = jobs_of(results)
    for j in jobs:   # every final file is a complete record: no half-written one
        if pathlib.Path(j.record).name in done:
            assert mf.record_ok(j) == (True, None)
    assert not any(p.exists() for p in (results / "failed").glob("*.json")), \
        "an interrupted run is not a failure"

    r = tu.run_cli("sweep", spec, "-j", "2", check=True)
    assert f"{len(done)} already done, {8 - len(done)} to run" in r.stderr, r.stderr
    after = finals(results)
    assert len(after) == 8
    for name, ident in done.items():
        assert after[name] == ident, f"{name} was run again"
    assert all(mf.record_ok(j)[0] for j in jobs)
    assert "8 succeeded" in r.stderr and "0 failed" in r.stderr
    assert pathlib.Path(tmp_path / "resume.h5").exists(), "merged at the end"

    # a third run has nothing to do
    r = tu.run_cli("sweep", spec, check=True)
    assert "8 already done, 0 to run" in r.stderr
    assert finals(results) == after


def test_resume_after_kill_redoes_half_written_files(tmp_path, emu):
    spec, results = long_spec(tmp_path, emu, name="kill")
    p, errf = start_sweep(spec, "--no-merge")
    try:
        wait_for(lambda: len(finals(results)) >= 1 and len(parts(results)) >= 1
                 or p.poll() is not None, 90, "a finished run and one being written")
        assert p.poll() is None, "the sweep ended before it could be killed"
        p.kill()    # no chance to clean up: temp files stay behind
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    wait_for(lambda: not any(_writers(results)), 10, "the emulators to die with their parent")
    left = parts(results)
    done = finals(results)
    assert left, "expected the killed runs' temp files"
    # and a final file cut short (as a crash in the middle of a copy would leave)
    victim = sorted(done)[0]
    vp = results / "runs" / victim
    data = vp.read_bytes()
    vp.write_bytes(data[:len(data) // 2])
    kept = {k: v for k, v in finals(results).items() if k != victim}

    r = tu.run_cli("sweep", spec, "-j", "2", "--no-merge", check=True)
    assert "half-written" in r.stderr and victim[:-3] in r.stderr, r.stderr
    assert parts(results) == []
    after = finals(results)
    assert len(after) == 8
    for name, ident in kept.items():
        assert after[name] == ident, f"{name} was run again"
    assert all(mf.record_ok(j)[0] for j in jobs_of(results))


def _writers(results):
    """pids of processes whose command line names this results directory."""
    out = []
    for d in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            if str(results).encode() in (d / "cmdline").read_bytes():
                out.append(int(d.name))
        except OSError:
            pass
    return [p for p in out if p != os.getpid()]


def test_failures_and_time_limits_do_not_abort(tmp_path, emu):
    bad_elf = tmp_path / "garbage.elf"
    bad_elf.write_bytes(b"\x7fELF but not really" + bytes(64))
    # Far more than 3 s even on a fast, idle host (the calibration may have
    # run on a busy one): the time limit ends it anyway.
    it_long = tu.iterations_for(emu, 600)
    spec = tmp_path / "fail.toml"
    tu.write_spec(spec, name="fail", output=tmp_path / "fail.h5", emu=emu,
                  workloads={"ok": (GUESTS / "cpu.elf", "scale=1"),
                             "bad": (bad_elf, "x=1"),
                             "slow": (GUESTS / "coremark-like.elf", f"iterations={it_long}")},
                  policies={"none": {}}, shifts=[0], time_limit="3s")
    r = tu.run_cli("sweep", spec, "-j", "2", "--progress-interval", "0.5")
    assert r.returncode == 1, r.stderr
    err = r.stderr
    assert "1 succeeded" in err and "2 failed" in err and "1 over the time limit" in err, err
    assert "FAILED bad+none+s0+r0" in err and "FAILED slow+none+s0+r0" in err
    assert "exceeded the time limit" in err
    assert "stderr (tail)" in err        # the emulator's complaint about the bad image
    # not a terminal: plain progress lines (every 0.5 s here), no bar
    assert "sweep: 1/3 done" in err or "sweep: 2/3 done" in err, err
    assert "\r" not in err and "ETA" in err
    results = tmp_path / "fail"
    assert sorted(finals(results)) == ["ok+none+s0+r0.h5"]
    assert parts(results) == []
    rec = json.loads((results / "failed" / "bad+none+s0+r0.json").read_text())
    assert rec["status"] == "failed" and rec["exit_code"] != 0 and rec["stderr_tail"].strip()
    rec = json.loads((results / "failed" / "slow+none+s0+r0.json").read_text())
    assert rec["status"] == "timeout"
    assert not (tmp_path / "fail.h5").exists(), "no merge while runs are missing"
    st = tu.run_cli("status", results)
    assert st.returncode == 1
    assert "done 1" in st.stdout and "failed 2" in st.stdout, st.stdout
    assert "./driftlab sweep" in st.stdout and "unfinished" in st.stdout


def test_merge_and_provenance(tmp_path, emu):
    spec = tmp_path / "m.toml"
    tu.write_spec(spec, name="m", output=tmp_path / "m.h5", emu=emu,
                  workloads={"cpu": (GUESTS / "cpu.elf", ["scale=1", "scale=2"])},
                  policies={"none": {}, "per-tb": {"max-advance-us": [1000, 3000]}},
                  shifts=[0, 1], time_limit="60s")
    r = tu.run_cli("sweep", spec, "--no-merge", check=True)
    results = tmp_path / "m"
    jobs = jobs_of(results)
    assert len(jobs) == 2 * 3 * 2

    # merging refuses a partial sweep unless asked
    hidden = pathlib.Path(jobs[3].record)
    hidden.rename(hidden.with_suffix(".aside"))
    r = tu.run_cli("merge", results)
    assert r.returncode != 0 and "1 of 12 runs are not complete" in r.stderr, r.stderr
    r = tu.run_cli("merge", results, "--allow-missing", "-o", tmp_path / "partial.h5", check=True)
    with h5py.File(tmp_path / "partial.h5") as f:
        assert len(f["summary"]) == 11
        assert json.loads(f["provenance"].attrs["missing"]) == [jobs[3].id]
    hidden.with_suffix(".aside").rename(hidden)

    r = tu.run_cli("merge", spec, check=True)     # the spec names its results too
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    with h5py.File(tmp_path / "m.h5") as f:
        assert sorted(f["runs"]) == sorted(j.id for j in jobs)
        s = f["summary"][()]
        assert len(s) == len(jobs)
        by_id = {row["job_id"].decode(): row for row in s}
        for j in jobs:
            row = by_id[j.id]
            assert row["workload"].decode() == j.workload
            assert row["policy"].decode() == j.policy
            assert row["params"].decode() == j.params_str
            assert row["shift"] == j.shift and row["rep"] == j.rep and row["exit_code"] == 0
            assert row["instructions"] > 0
            g = f["runs"][j.id]
            with h5py.File(j.record) as src:   # the run's record, copied whole
                assert set(src) <= set(g)
                assert set(src.attrs) <= set(g.attrs)
                for name in src:
                    if isinstance(src[name], h5py.Dataset):
                        assert g[name].shape == src[name].shape
            out = bytes(g["sweep"]["stdout"][()])
            assert out, "UART output kept"
        # the guest sees the same clock under every policy (icount: time = count << shift),
        # so the same arguments and shift give the same instruction count and output
        for app in ("scale=1", "scale=2"):
            for shift in (0, 1):
                rows = [r for r in s if r["append"].decode() == app and r["shift"] == shift]
                assert len(rows) == 3
                assert len({int(r["instructions"]) for r in rows}) == 1, (app, shift, rows)
                assert len({bytes(f["runs"][r["job_id"].decode()]["sweep"]["stdout"][()])
                            for r in rows}) == 1
        # numeric columns from the runs' own summary groups follow the fixed ones
        extra = json.loads(f["summary"].attrs["columns_from_runs"])
        assert extra, "no column taken from the runs' summary groups"
        p = f["provenance"].attrs
        assert p["spec_text"] == spec.read_text()
        assert p["spec_path"] == str(spec)
        assert p["git_commit"] == commit
        assert p["host"] == socket.gethostname()
        assert p["n_runs"] == len(jobs)
        assert json.loads(f["provenance"]["manifest_json"][()])["name"] == "m"
        assert f.attrs["git_commit"] == commit


def test_progress_on_a_terminal_draws_a_bar_and_keeps_messages_above_it():
    """On a terminal the bar (tqdm) counts skipped, done and failed runs and
    reprints itself under each message line."""
    import os
    import pty
    from driftlab.sweep.local import Progress
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w") as tty:
            prog = Progress(3, 1, stream=tty)
            prog.ok, prog.running = 1, 1
            prog.update(force=True)
            prog.failed, prog.running = 1, 0
            prog.message("sweep: FAILED job-2: exit 3")
            prog.close()
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    text = out.decode()
    assert "2/3" in text and "1 running" in text
    assert "3/3" in text and "1 failed, 0 running" in text
    assert "sweep: FAILED job-2: exit 3" in text
    # the bar is drawn again after the message line
    assert text.rindex("3/3") > text.index("sweep: FAILED job-2")
