"""driftlab-analyze (analysis/*.c) on synthetic results files with known answers:
regression slope and quantiles exact, bootstrap interval around the true
overhead, lowest alignable shift, and its errors. Merged files are made by the
sweep's own spec expansion and merge (python/driftlab/analysis/synth.py), so the layout is
what `./driftlab merge` writes."""
import subprocess

import pytest


np = pytest.importorskip("numpy")
pytest.importorskip("h5py")

import analysis_testutil as testutil  # noqa: E402
from driftlab.analysis import synth  # noqa: E402
from driftlab.tools.files import read_csv  # noqa: E402

REPS = 10
TRUE_OVERHEAD = 0.13
SLOPE = 2.5e-4                                  # drift ns per host ns: 250 ppm
# Drift ramps linearly from 0 to -final lag, so a run's median drift is half
# its final lag; alignable means |median drift| <= the bound.
FINAL_LAG_MS = {  # policy label -> shift -> final lag (ms) of every repetition
    "per-tb": {4: 100.0, 5: 24.0, 6: None, 7: 1.6, 8: 0.8},    # None: the exact-slope run
    "threshold": {4: 2.0, 5: 100.0, 6: 1.0, 7: 1.0, 8: 1.0},   # aligned at 4, not at 5
}
SPEC = f"""
name = "known"
output = "known.h5"
time_limit = 60
repetitions = {REPS}
shifts = [4, 5, 6, 7, 8]

[workloads.w]
elf = "build/guests/cpu.elf"

[policies.none]

[policies.per-tb]
max-advance-us = 3000

[policies.threshold]
max-advance-us = 150
"""
N = 101
HOST = np.arange(N, dtype=np.int64) * 1_000_000            # 0 .. 100 ms, 1 ms apart
PERM = np.concatenate([[0], np.random.default_rng(7).permutation(np.arange(1, N))]) * 1000
BASE = 1e9 * (1 + 0.05 * np.random.default_rng(1).standard_normal(REPS))   # none's CPU ns
NOISE = 0.01 * np.random.default_rng(2).standard_normal(REPS)
NOISY = {}   # job id -> drift series with noise (checked against numpy)


def make_run(job):
    if job.policy == "none":
        cpu = BASE[job.rep]
        # the quantile run: a permutation of 0..100 us; the others run ahead by far
        drift = PERM.copy() if (job.shift, job.rep) == (6, 0) else HOST.copy()
    elif job.label == "per-tb":
        cpu = BASE[job.rep] * (1 + TRUE_OVERHEAD + NOISE[job.rep])
        lag = FINAL_LAG_MS["per-tb"][job.shift]
        if lag is None:
            drift = (HOST * SLOPE).astype(np.int64)            # exactly 250 ns per 1 ms
        elif job.shift == 7 and job.rep == 3:
            rng = np.random.default_rng(3)
            drift = (-lag * 1e6 * HOST / HOST[-1] + rng.normal(0, 3e5, N)).astype(np.int64)
            drift[-1] = int(-lag * 1e6)
            NOISY[job.id] = drift
        else:
            drift = (-lag * 1e6 * HOST / HOST[-1]).astype(np.int64)
    else:
        cpu = BASE[job.rep] * 1.02                              # every ratio exactly 1.02
        lag = FINAL_LAG_MS["threshold"][job.shift]
        drift = (-lag * 1e6 * HOST / HOST[-1]).astype(np.int64)
    return {"host_ns": HOST, "drift_ns": drift, "vcpu_cpu_ns": int(cpu), "instructions": 1000}


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    return testutil.analyze_binary(tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    d = tmp_path_factory.mktemp("known")
    return synth.build_merged(SPEC, d / "known.h5", make_run, workdir=d)


def run_tool(tool, *args, check=True):
    r = subprocess.run([str(tool)] + [str(a) for a in args], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def out(tool, known, tmp_path_factory):
    d = tmp_path_factory.mktemp("out")
    r = run_tool(tool, known, "-o", d)
    assert f"{REPS * 15} runs, 15 configurations" in r.stdout
    return d


def cfg(out, label, shift):
    return next(c for c in read_csv(out / "configs.csv")
                if c["policy_label"] == label and int(c["shift"]) == shift)


def test_quantiles_exact(out):
    r = next(r for r in read_csv(out / "runs.csv")
             if r["policy"] == "none" and r["shift"] == "6" and r["rep"] == "0")
    assert int(r["samples"]) == N
    assert float(r["drift_p50_ns"]) == 50_000
    assert float(r["drift_p99_ns"]) == 99_000
    assert float(r["abs_drift_p99_ns"]) == 99_000
    assert float(r["abs_drift_max_ns"]) == 100_000
    assert float(r["drift_mean_ns"]) == 50_000
    assert float(r["drift_sd_ns"]) == pytest.approx(np.std(PERM, ddof=1), rel=1e-9)


def test_regression_slope_exact(out):
    for r in read_csv(out / "runs.csv"):
        if r["policy_label"] == "per-tb" and r["shift"] == "6":
            assert float(r["drift_rate_ppm"]) == pytest.approx(SLOPE * 1e6, rel=1e-9)
            assert abs(float(r["drift_intercept_ns"])) < 1e-6
            assert float(r["guest_host_ratio"]) == pytest.approx(1 + SLOPE, rel=1e-12)
    assert float(cfg(out, "per-tb", 6)["drift_rate_ppm"]) == pytest.approx(250, rel=1e-9)


def test_noisy_series_match_numpy(out):
    (jid, d), = NOISY.items()
    r = next(r for r in read_csv(out / "runs.csv") if r["job_id"] == jid)
    slope, icpt = np.polyfit(HOST.astype(float), d.astype(float), 1)
    assert float(r["drift_rate_ppm"]) == pytest.approx(slope * 1e6, rel=1e-7)
    assert float(r["drift_intercept_ns"]) == pytest.approx(icpt, rel=1e-6, abs=1e-3)
    for col, q in (("drift_p50_ns", 50), ("drift_p99_ns", 99)):
        assert float(r[col]) == pytest.approx(np.percentile(d, q), rel=1e-12)
    assert float(r["abs_drift_p99_ns"]) == pytest.approx(np.percentile(np.abs(d), 99), rel=1e-12)
    assert float(r["final_lag_ns"]) == pytest.approx(-d[-1])


def test_overhead_paired_with_bootstrap_interval(out):
    c = cfg(out, "per-tb", 6)
    cost = BASE * (1 + TRUE_OVERHEAD + NOISE)
    expected = np.mean(np.floor(cost) / np.floor(BASE) - 1)
    assert int(c["pairs"]) == REPS
    assert float(c["overhead"]) == pytest.approx(expected, rel=1e-9)
    lo, hi = float(c["overhead_lo"]), float(c["overhead_hi"])
    assert lo < float(c["overhead"]) < hi
    assert lo <= TRUE_OVERHEAD <= hi
    assert hi - lo < 0.05
    # a constant ratio: the interval collapses onto it
    t = cfg(out, "threshold", 6)
    assert float(t["overhead"]) == pytest.approx(0.02, abs=1e-8)
    assert float(t["overhead_lo"]) == pytest.approx(0.02, abs=1e-8)
    assert float(t["overhead_hi"]) == pytest.approx(0.02, abs=1e-8)


def test_bootstrap_deterministic_and_seeded(tool, known, out, tmp_path):
    run_tool(tool, known, "-o", tmp_path / "again")
    assert (tmp_path / "again" / "configs.csv").read_text() == (out / "configs.csv").read_text()
    run_tool(tool, known, "-o", tmp_path / "seed", "--seed", "12345")
    a, b = cfg(out, "per-tb", 6), cfg(tmp_path / "seed", "per-tb", 6)
    assert a["overhead"] == b["overhead"]
    assert (a["overhead_lo"], a["overhead_hi"]) != (b["overhead_lo"], b["overhead_hi"])
    assert float(b["overhead_lo"]) <= TRUE_OVERHEAD <= float(b["overhead_hi"])


def lowest(d, label):
    r = next(r for r in read_csv(d / "alignable.csv") if r["policy_label"] == label)
    return int(r["lowest_alignable_shift"]) if r["lowest_alignable_shift"] else None


def test_lowest_alignable_shift(tool, known, out, tmp_path):
    assert lowest(out, "per-tb") == 6          # median 12 ms at shift 5 > the 10 ms bound
    assert lowest(out, "threshold") == 6       # aligned at 4 but not at 5: not "from 4 on"
    assert lowest(out, "none") is None
    run_tool(tool, known, "-o", tmp_path / "b20", "--lag-bound-ms", "20")
    assert lowest(tmp_path / "b20", "per-tb") == 5
    run_tool(tool, known, "-o", tmp_path / "b60", "--lag-bound-ms", "60")
    assert lowest(tmp_path / "b60", "per-tb") == 4
    assert lowest(tmp_path / "b60", "threshold") == 4
    run_tool(tool, known, "-o", tmp_path / "b0", "--lag-bound-ms", "0.1")
    assert lowest(tmp_path / "b0", "per-tb") is None


def test_latex_and_macros(out):
    tex = (out / "overhead.tex").read_text()
    assert "\\begin{tabular}" in tex and "per-tb" in tex and "shift 8" in tex
    m = (out / "macros.tex").read_text()
    assert "\\dlset{lowest/w/per-tb}{6}" in m
    assert "\\dlset{focus-shift/w}{6}" in m
    assert "\\dlset{overhead/w/threshold/6}{2.0}" in m
    assert "\\dlset{rate-ppm/w/per-tb/6}{250.0}" in m
    assert "\\dlset{bound-ms}{10}" in m
    for name in ("drift.tex", "alignable.tex", "workloads.csv"):
        assert (out / name).stat().st_size > 0


def test_record_mode(tool, known, tmp_path):
    rec = synth.write_record(tmp_path / "run.h5", {"policy": "pid", "shift": 5},
                             HOST, (HOST * SLOPE).astype(np.int64))
    import h5py
    with h5py.File(known) as f:
        jid = next(k for k in f["runs"] if k.startswith("w+per-tb") and "+s6+" in k)
    r = run_tool(tool, "--record", "-o", tmp_path / "rec", rec, f"{known}:/runs/{jid}")
    assert "pid shift 5" in r.stdout and "rate 250.00 ppm" in r.stdout
    got = read_csv(tmp_path / "rec" / "runs.csv")
    assert [g["policy"] for g in got] == ["pid", "per-tb"]
    assert float(got[1]["drift_rate_ppm"]) == pytest.approx(250, rel=1e-9)
    # a killed run's .partial (no summary): the final lag comes from the series
    part = synth.write_record(tmp_path / "killed.h5.partial", {"policy": "pid"}, HOST,
                              (HOST * SLOPE).astype(np.int64), complete=False)
    r = run_tool(tool, "--record", "-q", "-o", tmp_path / "part", part)
    got = read_csv(tmp_path / "part" / "runs.csv")
    assert float(got[0]["final_lag_ns"]) == -25_000


def test_errors(tool, tmp_path):
    r = run_tool(tool, tmp_path / "missing.h5", check=False)
    assert r.returncode == 1 and "cannot open" in r.stderr
    (tmp_path / "text.h5").write_text("not hdf5")
    r = run_tool(tool, tmp_path / "text.h5", check=False)
    assert r.returncode == 1 and "not an HDF5 file" in r.stderr
    rec = synth.write_record(tmp_path / "run.h5", {"policy": "pid"}, HOST, HOST // 10)
    r = run_tool(tool, rec, check=False)
    assert r.returncode == 1 and "use --record" in r.stderr
    r = run_tool(tool, "--boot", "1", rec, check=False)
    assert r.returncode == 1 and "--boot" in r.stderr
    r = run_tool(tool, check=False)
    assert r.returncode == 2 and "usage" in r.stderr


def test_synth_summary_is_the_recorders(tmp_path):
    """A synthetic record's drift attributes come from the emulator's own
    statistics (stats/, through drift-summary), not from Python's: exact
    mean, sd (n - 1), extremes and slope, and P^2 quantile estimates near
    numpy's exact ones."""
    import h5py
    drift = PERM - 20_000 + (HOST * SLOPE).astype(np.int64)
    rec = synth.write_record(tmp_path / "run.h5", {"policy": "pid"}, HOST, drift)
    with h5py.File(rec) as f:
        a = dict(f["summary"].attrs)
    d = drift.astype(float)
    assert a["samples"] == N
    assert a["drift_mean_ns"] == pytest.approx(d.mean(), rel=1e-12)
    assert a["drift_sd_ns"] == pytest.approx(d.std(ddof=1), rel=1e-12)
    assert a["drift_rms_ns"] == pytest.approx(np.sqrt((d ** 2).mean()), rel=1e-12)
    assert (a["drift_min_ns"], a["drift_max_ns"]) == (drift.min(), drift.max())
    assert (a["max_advance_ns"], a["max_delay_ns"]) == (drift.max(), -drift.min())
    assert a["abs_drift_max_ns"] == np.abs(drift).max()
    slope = np.polyfit(HOST.astype(float), d, 1)[0]
    assert a["drift_slope_ppm"] == pytest.approx(slope * 1e6, rel=1e-9)
    span = d.max() - d.min()
    for name, v in (("drift_p50_ns", d), ("abs_drift_p50_ns", np.abs(d))):
        assert abs(a[name] - np.percentile(v, 50)) < 0.05 * span, name
    for name, v in (("drift_p99_ns", d), ("abs_drift_p99_ns", np.abs(d))):
        assert abs(a[name] - np.percentile(v, 99)) < 0.05 * span, name
    # integer attributes stay integers, as the recorder writes them
    assert isinstance(a["drift_min_ns"], np.integer) and isinstance(a["samples"], np.integer)


def test_drift_summary_bad_input():
    exe = synth.drift_summary_tool()
    for stdin, args, msg in ((b"", [], "no samples"), (b"\0" * 24, [], "whole number"),
                             (b"\0" * 16, ["x"], "no arguments")):
        r = subprocess.run([str(exe)] + args, input=stdin, capture_output=True)
        assert r.returncode == 1 and r.stdout == b""
        err = r.stderr.decode()
        assert err.count("\n") == 1 and err.startswith("drift-summary: ") and msg in err
