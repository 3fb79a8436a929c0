"""`-record run.h5`: the HDF5 schema (docs/hdf5-schema.md) checked with h5py,
and what a run killed with SIGKILL leaves behind: PATH.partial, readable,
with the samples flushed so far, while a file already at PATH is untouched."""
import json
import signal
import subprocess
import time

import pytest
from driftlab.tools.files import sha256_file

from test_policies import EMU, GUEST, MACHINE, emu, skip_reason, sustained_shift

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))

ROOT_ATTRS = {"schema_version", "complete", "policy", "policy_params", "policy_description",
              "policy_origin", "shift", "icount_options", "workload", "workload_args",
              "image_sha256", "host_cpu", "host_kernel", "emulator_version", "git_commit",
              "start_time_utc", "command_line", "monitor_rate_hz", "flush_interval_s",
              "runtime_params", "dry_run", "tb_chain", "host_sched", "host_cpu_affinity"}
SUMMARY_ATTRS = {"samples", "drift_mean_ns", "drift_sd_ns", "drift_min_ns", "drift_max_ns",
                 "drift_p50_ns", "drift_p99_ns", "abs_drift_p99_ns", "drift_rms_ns",
                 "max_advance_ns", "max_delay_ns", "final_lag_ns", "host_elapsed_ns",
                 "guest_elapsed_ns", "instructions", "tbs", "mips", "vcpu_cpu_ns",
                 "vcpu_user_ns", "vcpu_sys_ns", "host_clock_reads", "sleeps",
                 "sleep_requested_ns", "sleep_actual_ns", "spins", "spin_ns", "loop_entries",
                 "align_calls", "policy_code_ns", "policy_timed_calls", "events_recorded",
                 "events_decimated", "events_dropped", "shift_final", "exit_code",
                 "abs_drift_p50_ns", "abs_drift_max_ns", "drift_slope_ppm", "loop_exit_calls",
                 "loop_exits", "sync_stops", "clock_reads_per_s", "clock_reads_per_minsn",
                 "pacing_cpu_ns", "pacing_cpu_per_s", "busy_cpu_ns", "wake_late_ns",
                 "wake_late_max_ns", "dry_waits", "dry_wait_ns", "late_checks", "max_late_ns",
                 "forgiven", "forgiven_ns", "catchup_warnings", "host_stalls", "host_stall_ns",
                 "policy_changes"}
EVENT_COLS = ["kind", "host_ns", "guest_ns", "view_ns", "req_ns", "act_ns", "value"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def drift_summary(host, drift):
    """stats/'s drift-summary (built beside the emulator) on a series."""
    exe = EMU.parent / "stats" / "drift-summary"
    pairs = np.ascontiguousarray(np.stack([host, drift], axis=1).astype(np.int64))
    r = subprocess.run([str(exe)], input=pairs.tobytes(), capture_output=True, check=True)
    return json.loads(r.stdout)


def test_schema(tmp_path):
    path = tmp_path / "run.h5"
    shift = sustained_shift()
    r = emu(["-icount", f"shift={shift}", "-align-policy", "threshold,max-advance-us=200",
             "-record", str(path), "-stats"], append="scale=16")
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert path.exists() and not (tmp_path / "run.h5.partial").exists()
    with h5py.File(path, "r") as f:
        assert ROOT_ATTRS <= set(f.attrs), ROOT_ATTRS - set(f.attrs)
        assert f.attrs["complete"] == 1 and f.attrs["schema_version"] == 1
        assert text(f.attrs["policy"]) == "threshold"
        assert "max-advance-us=200" in text(f.attrs["policy_params"])
        assert f.attrs["shift"] == shift
        assert text(f.attrs["workload"]) == str(GUEST)
        assert text(f.attrs["workload_args"]) == "scale=16"
        assert text(f.attrs["image_sha256"]) == sha256_file(GUEST)
        assert "-record" in text(f.attrs["command_line"])
        assert text(f.attrs["host_kernel"]).startswith("Linux")
        drift = f["drift"]
        n = drift["drift_ns"].shape[0]
        for name in ("host_ns", "guest_ns", "drift_ns"):
            d = drift[name]
            assert d.dtype == np.int64 and d.shape == (n,) and d.chunks is not None
            assert d.maxshape == (None,)
        host, guest, dr = drift["host_ns"][:], drift["guest_ns"][:], drift["drift_ns"][:]
        assert n > 100
        assert (dr == guest - host).all()
        assert (np.diff(host) >= 0).all() and (np.diff(guest) >= 0).all()
        assert host[0] == 0 and guest[0] == 0
        pol = f["policy"]
        m = pol["kind"].shape[0]
        assert m > 0 and all(pol[c].shape == (m,) for c in EVENT_COLS)
        kinds = pol["kind"][:]
        assert ((kinds >= 0) & (kinds <= 5)).all() and (kinds == 2).any()   # SLEEP events
        sleeps = kinds == 2
        assert (pol["act_ns"][:][sleeps] > 0).all() and (pol["req_ns"][:][sleeps] > 0).all()
        s = f["summary"]
        assert SUMMARY_ATTRS <= set(s.attrs), SUMMARY_ATTRS - set(s.attrs)
        assert s.attrs["samples"] == n
        assert s.attrs["max_advance_ns"] == max(dr.max(), 0)
        assert s.attrs["max_delay_ns"] == max(-dr.min(), 0)
        assert abs(s.attrs["drift_mean_ns"] - dr.mean()) < 1e3
        assert s.attrs["sleeps"] >= sleeps.sum()
        assert s.attrs["vcpu_cpu_ns"] > 0 and s.attrs["mips"] > 0
        assert "checks" in s["policy"].attrs
        # no `align policy`: one policy throughout, no /policy_changes group
        assert s.attrs["policy_changes"] == 0 and "policy_changes" not in f
        # the overhead split and the rates are consistent with the counters
        a = s.attrs
        assert text(f.attrs["tb_chain"]) == "modern" and f.attrs["dry_run"] == 0
        assert "dry-run=off" in text(f.attrs["runtime_params"])
        assert a["abs_drift_max_ns"] == max(a["max_advance_ns"], a["max_delay_ns"])
        assert a["abs_drift_p50_ns"] <= a["abs_drift_p99_ns"] <= a["abs_drift_max_ns"]
        slope = np.polyfit(host / 1e9, dr / 1e3, 1)[0]        # us/s = ppm
        assert abs(a["drift_slope_ppm"] - slope) <= 1e-3 * max(1.0, abs(slope)) + 1e-6
        # the recorder's drift statistics are stats/'s, which python/driftlab/analysis/synth.py
        # runs through drift-summary: the same numbers, bit for bit
        for name, v in drift_summary(host, dr).items():
            assert a[name] == v, name
        assert a["busy_cpu_ns"] == a["vcpu_cpu_ns"] - a["pacing_cpu_ns"]
        assert 0 < a["pacing_cpu_ns"] < a["vcpu_cpu_ns"]
        assert a["clock_reads_per_minsn"] == pytest.approx(
            a["host_clock_reads"] * 1e6 / a["instructions"])
        assert a["clock_reads_per_s"] == pytest.approx(
            a["host_clock_reads"] / (a["host_elapsed_ns"] / 1e9))
        assert a["loop_exits"] > 0 and a["sync_stops"] >= a["align_calls"] > 0
        assert a["wake_late_ns"] >= 0 and a["dry_waits"] == 0
        assert a["host_stall_ns"] <= a["wake_late_ns"] and (a["host_stalls"] > 0) == \
            (a["wake_late_max_ns"] > 1000000)


def test_sigkill_leaves_a_readable_partial_file(tmp_path):
    path = tmp_path / "killed.h5"
    path.write_bytes(b"an earlier record")
    shift = sustained_shift()
    # long enough to be killed midway: ~8 s of guest time, aligned
    scale = max(16, int(16 * 8e9 / (30e6 * (1 << shift))))
    cmd = [str(EMU)] + MACHINE + ["-kernel", str(GUEST), "-append", f"scale={scale}",
                                  "-icount", f"shift={shift}", "-align-policy", "pid",
                                  "-record", str(path)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    time.sleep(2.0)
    assert p.poll() is None, "the run ended before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert path.read_bytes() == b"an earlier record"
    partial = tmp_path / "killed.h5.partial"
    assert partial.exists()
    with h5py.File(partial, "r") as f:
        assert f.attrs["complete"] == 0
        assert text(f.attrs["policy"]) == "pid"
        n = f["drift/drift_ns"].shape[0]
        assert n >= 500 and f["drift/host_ns"].shape == (n,)
        assert f["drift/host_ns"][-1] >= 0.5e9
        assert "summary" not in f


def test_sigterm_finishes_the_record(tmp_path):
    path = tmp_path / "term.h5"
    shift = sustained_shift()
    scale = max(16, int(16 * 8e9 / (30e6 * (1 << shift))))
    cmd = [str(EMU)] + MACHINE + ["-kernel", str(GUEST), "-append", f"scale={scale}",
                                  "-icount", f"shift={shift}", "-align-policy", "threshold",
                                  "-record", str(path)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM
    with h5py.File(path, "r") as f:
        assert f.attrs["complete"] == 1
        assert f["summary"].attrs["exit_code"] == 128 + signal.SIGTERM


def test_record_into_missing_directory_fails(tmp_path):
    r = emu(["-icount", "shift=4", "-record", str(tmp_path / "no" / "x.h5")], timeout=60)
    assert r.returncode == 1
    err = r.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "-record" in err
