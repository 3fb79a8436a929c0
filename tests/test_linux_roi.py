"""The Linux guest under alignment: the boot runs at full speed with no policy,
the region of interest (from /init's first "driftlab: begin" line to
"driftlab: done") runs under the policy, and what the guest prints is still
byte for byte what QEMU 7.2 prints without any alignment (-icount sleep=off).
The record covers the region only and says where it began."""
import concurrent.futures
import subprocess

import h5py
import pytest

from guestrun import emu_path, qemu_path

from driftlab.tools import linux_guest as lg  # noqa: E402
from driftlab.sweep import spec as sp  # noqa: E402

SHIFT, SECS, RUN = 6, 1, ("stress",)
# Every built-in policy that keeps the guest's clock rate (adaptive-shift
# changes the shift, so timer-dependent output differs by design), plus the
# seed's two algorithms under QEMU 2.1's chaining and a dry run.
POLICIES = ["none", "start-only", "per-tb", "per-exit", "threshold", "pid", "hybrid",
            "per-exit,dry-run=on"]


@pytest.fixture(scope="module")
def qemu_log(guest):
    p = subprocess.run(lg.argv(qemu_path(), SHIFT, RUN, SECS), stdin=subprocess.DEVNULL,
                       capture_output=True, env=lg.qemu_env(), timeout=300)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    return lg.guest_output(p.stdout)


def emu_run(policy, record, extra=()):
    cmd = (lg.argv(emu_path(), SHIFT, RUN, SECS) + lg.ROI_ARGS
           + ["-align-policy", policy, "-record", str(record)] + list(extra))
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def emu_runs(guest, tmp_path_factory):
    d = tmp_path_factory.mktemp("roi")
    jobs = [(p, d / f"{i}.h5", ["-tb-chain", "qemu-2.1"] if p.startswith("per-exit") else [])
            for i, p in enumerate(POLICIES)]
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        out = list(ex.map(lambda j: emu_run(*j), jobs))
    return {p: (r, rec) for (p, rec, _), r in zip(jobs, out)}


@pytest.mark.parametrize("policy", POLICIES)
def test_policy_in_region_keeps_the_guest_identical_to_qemu(policy, emu_runs, qemu_log):
    r, _ = emu_runs[policy]
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    assert r.stdout == qemu_log, "the guest saw something different under " + policy


@pytest.mark.parametrize("policy", POLICIES)
def test_record_covers_the_region_only(policy, emu_runs, qemu_log):
    r, rec = emu_runs[policy]
    assert r.returncode == 0
    (w, b, e, st), = lg.marks(qemu_log.decode())
    with h5py.File(rec) as f:
        s = f["summary"].attrs
        assert s["region"] == 1
        begin, end = int(s["region_begin_icount"]), int(s["region_end_icount"])
        # The region starts at the begin line and ends at "driftlab: done":
        # it holds the workload's guest second and little else.
        assert s["instructions"] == end - begin
        guest_s = s["guest_elapsed_ns"] / 1e9
        assert (e - b) / 1e9 <= guest_s < (e - b) / 1e9 + 2, (guest_s, b, e)
        assert begin << SHIFT >= b - 10**9 and begin > 0
        assert 0 < s["region_begin_host_ns"]
        if policy != "none" and "dry-run" not in policy:
            assert s["host_clock_reads"] > 0
            # The region was paced: host time kept up with its guest time.
            assert s["host_elapsed_ns"] >= 0.8 * s["guest_elapsed_ns"]


def test_region_never_begins_is_an_error(guest, tmp_path):
    cmd = (lg.argv(emu_path(), SHIFT, RUN, SECS)
           + ["-roi-begin", "no such line", "-roi-end", "driftlab: done",
              "-align-policy", "none", "-record", str(tmp_path / "r.h5")])
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    assert p.returncode == 1
    assert "region of interest never began" in p.stderr.decode()


def test_linux_sweep_spec_runs_with_the_region(guest, tmp_path):
    """The harness's Linux workload gives the same command line as above."""
    text = (f'output = "{tmp_path}/x.h5"\ntime_limit = "5m"\nshifts = [{SHIFT}]\n'
            f'[workloads.st]\nlinux = "stress"\nsecs = {SECS}\n[policies.threshold]\n')
    job, = sp.expand(sp.parse_spec(tmp_path / "x.toml", text=text, policies=None))
    assert job.argv[job.argv.index("-icount") + 1] == f"shift={SHIFT},sleep=off"
    for a in lg.ROI_ARGS:
        assert a in job.argv
