"""Sweeps under faults: a real multi-node SLURM (tests/slurm/cluster-up.sh:
slurmctld, slurmdbd with MariaDB and three slurmd nodes, each in its own
network namespace on loopback-range addresses) that loses a node mid-sweep,
splits arrays at MaxArraySize and requeues a task; and the local backend with
its driver or an emulator killed -9, a full disk, and damaged run files.

The cluster tests are skipped, with the reason in pytest's summary (-rs), only
when the cluster cannot be had on this machine at all (not root, no network
namespaces, no Debian packages); a cluster that does not come up fails the
test with its logs. DRIFTLAB_CLUSTER=skip skips them on purpose.

No test asserts a wall-clock figure except the issue's own loose bound: the
bring-up and the 24-job sweep with a node lost take at most 3 minutes."""
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import manifest as mf  # noqa: E402
import sweep_testutil as tu  # noqa: E402

h5py = pytest.importorskip("h5py")
GUESTS = ROOT / "build" / "guests"
SLURM = ROOT / "tests" / "slurm"
pytestmark = pytest.mark.skipif(not (GUESTS / "coremark-like.elf").exists(),
                                reason="guests not built (scons)")


# ---- helpers -----------------------------------------------------------------

def wait_for(cond, timeout, what, poll=0.1):
    t0 = time.monotonic()
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def finals(results):
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (pathlib.Path(results) / "runs").glob("*.h5")}


def parts(results):
    return sorted(p.name for p in (pathlib.Path(results) / "runs").glob("*.part-*"))


def jobs_of(results):
    return mf.jobs_of(mf.load(results))


def guest_results(results):
    """{job id: (UART bytes, final instruction count, exit code)} of the per-run files."""
    out = {}
    for j in jobs_of(results):
        with h5py.File(j.record) as f:
            a = f["sweep"].attrs
            out[j.id] = (bytes(f["sweep"]["stdout"][()]), int(a["instructions"]),
                         int(a["exit_code"]))
    return out


def merged_guest_results(path):
    """The same, from a merged results file, plus its /summary's job ids."""
    with h5py.File(path) as f:
        ids = [r["job_id"].decode() for r in f["summary"][()]]
        out = {}
        for jid in f["runs"]:
            g = f["runs"][jid]["sweep"]
            out[jid] = (bytes(g["stdout"][()]), int(g.attrs["instructions"]),
                        int(g.attrs["exit_code"]))
        return out, ids


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def emu():
    path, why = tu.choose_emu()
    print(f"\ncluster fault tests use {path} ({why})")
    return path


# ---- the multi-node cluster ------------------------------------------------------

class Cluster:
    def __init__(self, d, bringup_s):
        self.dir = d
        self.run_sh = d / "run"
        self.bringup_s = bringup_s

    def run(self, *argv, timeout=120, check=True):
        """argv on the head node (where sbatch, squeue, sacct talk to the cluster)."""
        r = subprocess.run([str(self.run_sh)] + [str(a) for a in argv], capture_output=True,
                           text=True, timeout=timeout, cwd=str(ROOT), env=tu.sweep_env(),
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError(f"{argv} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def sweep_cmd(self, *args):
        return [str(self.run_sh)] + tu.sweep_cmd(*args)

    def cli(self, *args, timeout=300):
        """python3 -m driftlab.sweep ARGS on the head node, as ./driftlab runs it."""
        return self.run(*tu.sweep_cmd(*args)[0:], timeout=timeout, check=False)

    def node(self, what, name):
        return subprocess.run(["bash", str(SLURM / "node.sh"), str(self.dir), what, name],
                              capture_output=True, text=True, timeout=60)

    def squeue(self, ids):
        r = self.run("squeue", "-h", "-r", "-t", "all", "-j", ",".join(ids), "-o", "%i|%T|%N",
                     check=False)
        return [l.split("|") for l in r.stdout.split()]


@pytest.fixture(scope="module")
def cluster():
    if os.environ.get("DRIFTLAB_CLUSTER") == "skip":
        pytest.skip("DRIFTLAB_CLUSTER=skip")
    d = pathlib.Path(tempfile.mkdtemp(prefix="driftlab-cluster-"))
    t0 = time.monotonic()
    try:
        r = subprocess.run(["bash", str(SLURM / "cluster-up.sh"), str(d), "3"],
                           capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        subprocess.run(["bash", str(SLURM / "cluster-down.sh"), str(d)], timeout=180)
        raise
    bringup = time.monotonic() - t0
    if r.returncode == 77:
        subprocess.run(["bash", str(SLURM / "cluster-down.sh"), str(d)], timeout=180)
        reason = last_line(r.stderr) or "multi-node SLURM unavailable"
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    if r.returncode != 0:
        subprocess.run(["bash", str(SLURM / "cluster-down.sh"), str(d)], timeout=180)
        pytest.fail(f"tests/slurm/cluster-up.sh failed (status {r.returncode}):\n"
                    f"{r.stdout}\n{r.stderr}", pytrace=False)
    print(f"\ncluster up in {bringup:.1f} s: {last_line(r.stderr)}")
    try:
        yield Cluster(d, bringup)
    finally:
        down = subprocess.run(["bash", str(SLURM / "cluster-down.sh"), str(d)],
                              capture_output=True, text=True, timeout=180)
        assert down.returncode == 0, down.stderr
        shutil.rmtree(d / "mysql", ignore_errors=True)    # ~100 MB; the logs stay


def _task_logs(results, n=12):
    out = []
    for p in sorted((pathlib.Path(results) / "slurm" / "logs").glob("*.out"))[:n]:
        out.append(f"---- {p.name}\n{p.read_text()[-1200:]}")
    return "\n".join(out)


def test_node_lost_mid_sweep_then_resubmit(tmp_path, cluster, emu):
    """24 jobs; node2 dies (every process on it killed) while its tasks run.
    The sweep ends with every job done or listed as failed and the command that
    resubmits exactly those; that command completes the sweep, and the merged
    file has the same jobs and guest results as a sweep that never failed."""
    t_start = time.monotonic()
    it = tu.iterations_for(emu, 1.2)
    spec = tmp_path / "lost.toml"
    tu.write_spec(spec, name="lost", output=tmp_path / "lost.h5", emu=emu,
                  workloads={"cm": (GUESTS / "coremark-like.elf",
                                    [f"iterations={it}", f"iterations={it + 7}"])},
                  policies={"none": {}, "per-tb": {"max-advance-us": 3000},
                            "start-only": {"max-advance-us": 3000}},
                  shifts=[0, 1], reps=2, time_limit="120s")
    res = tmp_path / "lost"
    errf = open(tmp_path / "sweep1.err", "w+")
    p = subprocess.Popen(cluster.sweep_cmd("sweep", spec, "--backend", "slurm", "--wait",
                                           "--poll", "0.5", "--progress-interval", "5"),
                         stdout=subprocess.DEVNULL, stderr=errf, cwd=str(ROOT),
                         env=tu.sweep_env(), stdin=subprocess.DEVNULL)
    killed = []
    try:
        subs = wait_for(lambda: mf.path_of(res).exists() and
                        json.loads((res / "slurm" / "submissions.json").read_text())
                        if (res / "slurm" / "submissions.json").exists() else None,
                        60, "the submission")
        ids = subs[-1]["array_job_ids"]
        jobs = jobs_of(res)
        assert len(jobs) == 24

        def on_node2_midrun():
            if p.poll() is not None:
                return "ended"
            rows = [r for r in cluster.squeue(ids) if r[1] == "RUNNING" and r[2] == "node2"]
            mid = []
            for task, _, _ in rows:
                a = next(a for a in subs[-1]["arrays"] if a["job_id"] == task.split("_")[0])
                j = jobs[a["offset"] + int(task.split("_")[1])]
                if mf.partials(j):
                    mid.append((task, j))
            done = len(finals(res))
            return mid if mid and done >= 1 else None
        mid = wait_for(on_node2_midrun, 120, "a task of the sweep half-way on node2", poll=0.2)
        assert mid != "ended", "the sweep ended before node2 could be killed"
        k = cluster.node("kill", "node2")
        assert k.returncode == 0, k.stderr
        killed = [j for _, j in mid]
        rc = p.wait(timeout=170)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    t_sweep = time.monotonic() - t_start
    errf.seek(0)
    err = errf.read()
    print(f"\nbring-up {cluster.bringup_s:.1f} s; 24-job sweep with node2 lost until its "
          f"report {t_sweep:.1f} s; total {cluster.bringup_s + t_sweep:.1f} s")
    assert rc == 1, err + _task_logs(res)

    # every job either done or listed as failed, with the node that took it down
    states = {j.id: mf.job_state(j) for j in jobs}
    done = [j for j in jobs if states[j.id] == "done"]
    lost = [j for j in jobs if states[j.id] != "done"]
    assert {j.id for j in killed} <= {j.id for j in lost}
    assert len(done) + len(lost) == 24 and lost
    m = re.search(r"failed \((\d+)\):\n((?:    .*\n)+)", err)
    assert m, err
    assert int(m.group(1)) == len(lost), err
    for j in lost:
        assert re.search(rf"^    {j.index} {re.escape(j.id)}: SLURM state NODE_FAIL on node2",
                         err, re.M), err
    assert f"done {len(done)}, failed {len(lost)}" in err, err
    # the killed tasks left half-written files: reported, and still there to be redone
    assert any(mf.partials(j) for j in killed)
    assert "half-written file is left" in err
    # accounting: sacct (slurmdbd + MariaDB) recorded the node failure
    def node_fails():
        acct = cluster.run("sacct", "-n", "-P", "-X", "-j", ",".join(ids), "-o",
                           "JobID,State,NodeList").stdout
        return {l.split("|")[0] for l in acct.splitlines() if l.endswith("|NODE_FAIL|node2")}
    # (slurmctld sends records to slurmdbd asynchronously: allow it a moment)
    wait_for(lambda: len(node_fails()) == len(lost), 30, "sacct to show the NODE_FAILs")
    assert not (tmp_path / "lost.h5").exists(), "merged although runs failed"

    # the printed command resubmits exactly the failed jobs, and completes the sweep
    m = re.search(r"to resubmit exactly the (\d+) unfinished job\(s\) \(([-0-9,]+);.*\n"
                  r"    (\./driftlab .*)\n", err)
    assert m and int(m.group(1)) == len(lost), err
    cmd = shlex.split(m.group(3))
    assert cmd[:2] == ["./driftlab", "sweep"] and "--backend" in cmd
    before = finals(res)
    r = cluster.run(*cmd, "--wait", "--poll", "0.5", timeout=300, check=False)
    assert r.returncode == 0, r.stdout + r.stderr + _task_logs(res)
    assert f"{len(done)} already done, {len(lost)} submitted" in r.stderr, r.stderr
    sub = json.loads((res / "slurm" / "submissions.json").read_text())[-1]
    resubmitted = sorted(i for a in sub["arrays"] for i in a["indices"])
    assert resubmitted == sorted(j.index for j in lost)
    for j in killed:     # the half-written file the dead node left was removed first
        a = next(a for a in sub["arrays"] if j.index in a["indices"])
        log = res / "slurm" / "logs" / f"task-{a['job_id']}_{j.index - a['offset']}.out"
        assert "redoing a half-written run" in log.read_text(), log.read_text()
    after = finals(res)
    for name, ident in before.items():
        assert after[name] == ident, f"{name} was run again"
    assert parts(res) == [], "half-written files left"
    assert all(mf.record_ok(j, verify=True)[0] for j in jobs)
    assert (tmp_path / "lost.h5").exists(), "the merge job wrote the results"
    st = cluster.cli("status", res)
    assert st.returncode == 0 and "done 24" in st.stdout, st.stdout

    # the same spec, never failing: same jobs, same guest results
    ref = tu.run_cli("sweep", spec, "--output", tmp_path / "ref.h5", "-j", "2", check=True)
    assert "24 succeeded" in ref.stderr
    a, ids_a = merged_guest_results(tmp_path / "lost.h5")
    b, ids_b = merged_guest_results(tmp_path / "ref.h5")
    assert sorted(ids_a) == sorted(ids_b) == sorted(j.id for j in jobs)
    assert len(ids_a) == len(set(ids_a)) == 24
    assert a == b
    with h5py.File(tmp_path / "lost.h5") as f:
        hosts = set(json.loads(f["provenance"].attrs["run_hosts"]))
        assert hosts <= {"node1", "node2", "node3"} and len(hosts) >= 2, hosts
        assert json.loads(f["provenance"].attrs["missing"]) == []

    # node2 boots again and rejoins (ReturnToService=2) for the next tests
    s = cluster.node("start", "node2")
    assert s.returncode == 0, s.stderr
    wait_for(lambda: "idle" in cluster.run("sinfo", "-h", "-n", "node2", "-o", "%T",
                                           check=False).stdout, 60, "node2 to rejoin")
    assert cluster.bringup_s + t_sweep <= 180, \
        f"bring-up + 24-job sweep with a node lost took {cluster.bringup_s + t_sweep:.0f} s"


def test_max_array_size_splits_40_jobs(tmp_path, cluster, emu):
    """MaxArraySize=16: 40 jobs become arrays of 16, 16 and 8 tasks (indices
    that fit, offsets 0, 16, 32), and the merge job depends on all of them."""
    r = cluster.run("scontrol", "show", "config")
    assert re.search(r"^MaxArraySize\s*=\s*16$", r.stdout, re.M), "cluster-up.sh sets 16"
    spec = tmp_path / "big.toml"
    tu.write_spec(spec, name="big", output=tmp_path / "big.h5", emu=emu,
                  workloads={"cpu": (GUESTS / "cpu.elf", [f"scale={i}" for i in (1, 2)])},
                  policies={"none": {}, "per-tb": {"max-advance-us": [1000, 3000, 5000, 7000]}},
                  shifts=[0, 1, 2, 3], time_limit="60s")
    res = tmp_path / "big"
    r = cluster.cli("sweep", spec, "--backend", "slurm", "--wait", "--poll", "0.5")
    assert r.returncode == 0, r.stderr + _task_logs(res)
    sub = json.loads((res / "slurm" / "submissions.json").read_text())[-1]
    arrays = sub["arrays"]
    assert [a["offset"] for a in arrays] == [0, 16, 32]
    assert [len(a["indices"]) for a in arrays] == [16, 16, 8]
    for a in arrays:
        spec_arg = next(x for x in a["argv"] if x.startswith("--array="))
        hi = max(int(x) for x in re.findall(r"\d+", spec_arg.split("%")[0][len("--array="):]))
        assert hi <= 15, spec_arg                 # every task index fits MaxArraySize
        assert a["argv"][-1] == str(a["offset"])  # the script adds the offset back
    dep = next(x for x in sub["merge_argv"] if x.startswith("--dependency="))
    assert dep == "--dependency=afterok:" + ":".join(a["job_id"] for a in arrays)
    wait_for(lambda: f"{sub['merge_job_id']}|COMPLETED" in cluster.run(
        "sacct", "-n", "-P", "-X", "-j", sub["merge_job_id"], "-o", "JobID,State").stdout,
        30, "sacct to show the merge job COMPLETED")
    with h5py.File(tmp_path / "big.h5") as f:
        assert sorted(f["runs"]) == sorted(j.id for j in jobs_of(res))
        assert len(f["summary"]) == 40


def test_requeued_task_is_counted_once_and_redone(tmp_path, cluster, emu):
    """scontrol requeue of a running task: SLURM stops it half-way and runs it
    again; the sweep has one run for it (from the second attempt), nothing
    half-written, and one row per job in the merged file."""
    it = tu.iterations_for(emu, 4)
    spec = tmp_path / "rq.toml"
    tu.write_spec(spec, name="rq", output=tmp_path / "rq.h5", emu=emu,
                  workloads={"cm": (GUESTS / "coremark-like.elf", f"iterations={it}")},
                  policies={"none": {}}, shifts=[0, 1, 2], time_limit="120s")
    res = tmp_path / "rq"
    errf = open(tmp_path / "rq.err", "w+")
    p = subprocess.Popen(cluster.sweep_cmd("sweep", spec, "--backend", "slurm", "--wait",
                                           "--poll", "0.5", "--sbatch-arg=--requeue"),
                         stdout=subprocess.DEVNULL, stderr=errf, cwd=str(ROOT),
                         env=tu.sweep_env(), stdin=subprocess.DEVNULL)
    try:
        sub_path = res / "slurm" / "submissions.json"
        wait_for(lambda: sub_path.exists(), 60, "the submission")
        sub = json.loads(sub_path.read_text())[-1]
        job = jobs_of(res)[1]
        task = f"{sub['array_job_ids'][0]}_1"
        wait_for(lambda: mf.partials(job) or p.poll() is not None, 90,
                 "task 1 to be half-way", poll=0.05)
        half = mf.partials(job)
        assert p.poll() is None and half, "task 1 finished before the requeue"
        cluster.run("scontrol", "requeue", task)
        rc = p.wait(timeout=240)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    errf.seek(0)
    err = errf.read()
    assert rc == 0, err + _task_logs(res)
    assert "done 3" in err, err
    log = (res / "slurm" / "logs" / f"task-{task}.out").read_text()
    # two attempts in one log: the first stopped half-way by the requeue, then the second
    assert log.count(f"task 1 {job.id} on ") == 2, log
    first, second = log.split("attempt 2 (SLURM requeued this task)")
    assert "DUE TO JOB REQUEUE" in first and "cancelled by signal 15" in first, log
    assert "ok in" in second and "FAILED" not in second, log
    assert not any(p.exists() for p in half), "the first attempt's half-written file is kept"
    with h5py.File(job.record) as f:
        assert f["sweep"].attrs["slurm_restart_count"] == 1
        assert f["sweep"].attrs["slurm_job"] == task
    assert parts(res) == [] and not list((res / "failed").glob("*.json"))
    # accounting keeps both attempts (-D: duplicates), the requeued one first
    want = [f"{task}|REQUEUED", f"{task}|COMPLETED"]
    wait_for(lambda: cluster.run("sacct", "-n", "-P", "-X", "-D", "-j", task, "-o",
                                 "JobID,State").stdout.splitlines() == want,
             30, f"sacct -D to show {want}")
    with h5py.File(tmp_path / "rq.h5") as f:
        ids = [r["job_id"].decode() for r in f["summary"][()]]
        assert sorted(ids) == sorted(j.id for j in jobs_of(res))   # once each
        assert f["runs"][job.id]["sweep"].attrs["slurm_restart_count"] == 1


# ---- the local backend under faults ------------------------------------------------

def _children_running(results):
    """pids of emulators writing into this results directory."""
    out = []
    for d in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if b"-record\0" + str(results).encode() in cmd:
            out.append(int(d.name))
    return out


def test_local_kill_9_of_an_emulator_and_of_the_driver(tmp_path, emu):
    it = tu.iterations_for(emu, 0.8)
    spec = tmp_path / "k.toml"
    tu.write_spec(spec, name="k", output=tmp_path / "k.h5", emu=emu,
                  workloads={"cm": (GUESTS / "coremark-like.elf", f"iterations={it}")},
                  policies={"none": {}, "per-tb": {"max-advance-us": 3000}},
                  shifts=[0], reps=5, time_limit="120s")
    res = tmp_path / "k"
    errf = open(tmp_path / "k.err", "w+")
    p = subprocess.Popen(tu.sweep_cmd("sweep", spec, "-j", "2", "--no-merge"),
                         stdout=subprocess.DEVNULL, stderr=errf, env=tu.sweep_env(),
                         cwd=str(ROOT), stdin=subprocess.DEVNULL)
    try:
        # kill -9 one emulator after a run has finished
        pids = wait_for(lambda: (len(finals(res)) >= 1 and _children_running(res))
                        or p.poll() is not None, 90, "a finished run and a running emulator",
                        poll=0.02)
        assert p.poll() is None, "the sweep ended too early"
        victim_pid = pids[0]
        victim_cmd = pathlib.Path(f"/proc/{victim_pid}/cmdline").read_bytes().split(b"\0")
        os.kill(victim_pid, signal.SIGKILL)
        victim = pathlib.Path(victim_cmd[victim_cmd.index(b"-record") + 1].decode())
        victim_id = victim.name.split(".h5.part-")[0]
        # then kill -9 the driver while other emulators run
        wait_for(lambda: (res / "failed" / f"{victim_id}.json").exists()
                 and _children_running(res) or p.poll() is not None, 60,
                 "the killed run reported and another run going")
        assert p.poll() is None, "the sweep ended too early"
        p.kill()
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    wait_for(lambda: not _children_running(res), 10, "the emulators to die with the driver")
    rec = json.loads((res / "failed" / f"{victim_id}.json").read_text())
    assert rec["message"] == "emulator killed by signal 9", rec
    assert parts(res), "the killed driver's runs left temp files"
    kept = finals(res)
    assert kept and len(kept) < 10
    for j in jobs_of(res):   # every final file there is complete: no half-written one
        if pathlib.Path(j.record).name in kept:
            assert mf.record_ok(j, verify=True) == (True, None)

    r = tu.run_cli("sweep", spec, "-j", "2", check=True)
    assert f"{len(kept)} already done, {10 - len(kept)} to run" in r.stderr, r.stderr
    assert "half-written" in r.stderr, r.stderr
    after = finals(res)
    assert len(after) == 10
    for name, ident in kept.items():
        assert after[name] == ident, f"{name} was run again"
    assert parts(res) == [] and not list((res / "failed").glob("*.json"))
    assert all(mf.record_ok(j, verify=True)[0] for j in jobs_of(res))
    with h5py.File(tmp_path / "k.h5") as f:
        assert len(f["summary"]) == 10


@pytest.fixture
def tmpfs(tmp_path):
    """mount(SIZE_KIB) -> a directory on a tmpfs of that size (root only)."""
    mounted = []

    def mount(kib, name="full"):
        d = tmp_path / name
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(d)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            why = (r.stderr.strip().splitlines() or ["not root"])[0]
            reason = f"cannot mount a tmpfs to fill up ({why})"
            print(f"\nSKIP: {reason}")
            pytest.skip(reason)
        mounted.append(d)
        return d
    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def test_local_full_disk(tmp_path, emu, tmpfs):
    """Results on a tmpfs too small for the sweep: a one-line error, no partial
    or corrupt file kept, nothing merged; with room again, the same command
    resumes. A merge onto a full disk: a one-line error, no output left."""
    spec = tmp_path / "d.toml"
    tu.write_spec(spec, name="d", output=tmp_path / "ref.h5", emu=emu,
                  workloads={"cpu": (GUESTS / "cpu.elf", "scale=1"),
                             "cm": (GUESTS / "coremark-like.elf", "iterations=400")},
                  policies={"none": {}, "per-tb": {"max-advance-us": 3000}}, shifts=[0],
                  time_limit="60s")
    # sizes of the runs, from the same sweep on a roomy disk
    tu.run_cli("sweep", spec, "-j", "1", "--no-merge", check=True)
    first, second = (pathlib.Path(j.record) for j in jobs_of(tmp_path / "ref")[:2])
    assert second.stat().st_size > 3 * 64 * 1024, "the second run's record is too small"
    # room for the first run (and the logs), not for the second
    full = tmpfs((first.stat().st_size + second.stat().st_size // 2) // 1024 + 96)
    out = full / "d.h5"
    r = tu.run_cli("sweep", spec, "-j", "1", "--output", out)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    line = last_line(r.stderr)
    assert line.startswith("driftlab: no space left for results in "), r.stderr
    assert "rerun the same command to resume" in line
    res = full / "d"
    assert parts(res) == [] and not list(res.glob("runs/*.partial"))
    assert sorted(finals(res)) == [first.name]
    for j in jobs_of(res):
        if pathlib.Path(j.record).exists():
            assert mf.record_ok(j, verify=True) == (True, None)
    assert not list((res / "failed").glob("*.json")), "a full disk is not the run's failure"
    assert not out.exists()
    kept = finals(res)

    subprocess.run(["mount", "-o", "remount,size=16m", str(full)], check=True)
    r = tu.run_cli("sweep", spec, "-j", "1", "--output", out, check=True)
    assert "1 already done, 3 to run" in r.stderr, r.stderr
    assert all(finals(res)[k] == v for k, v in kept.items())
    with h5py.File(out) as f:
        assert len(f["summary"]) == 4

    tiny = tmpfs(64, "tiny")
    r = tu.run_cli("merge", res, "-o", tiny / "x.h5")
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert last_line(r.stderr).startswith(f"driftlab: merge: cannot write {tiny / 'x.h5'}: "
                                          "no space left"), r.stderr
    assert list(tiny.iterdir()) == [], "a partial merged file was left"


def test_merge_refuses_damaged_run_files(tmp_path, emu):
    """Truncated, garbage, and bytes changed inside an otherwise valid file:
    merge names the file and refuses it (exit 2, nothing written); with
    --allow-missing it skips each with a warning; rerunning the sweep redoes
    them."""
    spec = tmp_path / "c.toml"
    tu.write_spec(spec, name="c", output=tmp_path / "c.h5", emu=emu,
                  workloads={"cpu": (GUESTS / "cpu.elf", "scale=1")},
                  policies={"none": {}}, shifts=[0, 1, 2, 3], time_limit="60s")
    tu.run_cli("sweep", spec, "--no-merge", check=True)
    res = tmp_path / "c"
    jobs = jobs_of(res)
    p0, p1, p2 = (pathlib.Path(j.record) for j in jobs[:3])
    data = p0.read_bytes()
    p0.write_bytes(data[:len(data) // 3])                          # truncated
    p1.write_bytes(os.urandom(p1.stat().st_size))                  # garbage
    b = bytearray(p2.read_bytes())                                 # damage inside
    mid = len(b) // 2
    b[mid:mid + 64] = bytes(x ^ 0xFF for x in b[mid:mid + 64])
    p2.write_bytes(bytes(b))

    r = tu.run_cli("merge", res)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    line = last_line(r.stderr)
    assert line.startswith(f"driftlab: merge: refusing {p0}: "), r.stderr
    assert "(and 2 more)" in line and "--allow-missing" in line
    assert not (tmp_path / "c.h5").exists()

    r = tu.run_cli("merge", res, "--allow-missing", check=True)
    assert "Traceback" not in r.stderr
    for p in (p0, p1, p2):
        assert f"merge: warning: skipping {p}: " in r.stderr, r.stderr
    assert "contents changed since the run finished" in r.stderr
    with h5py.File(tmp_path / "c.h5") as f:
        assert list(f["runs"]) == [jobs[3].id]
        assert sorted(json.loads(f["provenance"].attrs["skipped_damaged"])) == \
            sorted(j.id for j in jobs[:3])

    r = tu.run_cli("sweep", spec, check=True)
    assert "1 already done, 3 to run" in r.stderr and "half-written" in r.stderr, r.stderr
    with h5py.File(tmp_path / "c.h5") as f:
        assert sorted(f["runs"]) == sorted(j.id for j in jobs)
