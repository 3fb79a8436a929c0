"""`report` and `plot-drift` (python/driftlab/analysis/report.py): tables from driftlab-analyze,
non-empty PNG and PDF figures from gnuplot, on a synthetic merged file, on the
committed datasets/ (nothing rerun), on per-run records and on runs inside a
merged file. Through ./driftlab once the lead's CLI has the subcommands."""
import subprocess

import pytest

from driftlab.paths import ROOT

np = pytest.importorskip("numpy")
h5py = pytest.importorskip("h5py")

import analysis_testutil as testutil  # noqa: E402
from driftlab.analysis import synth  # noqa: E402

pytestmark = pytest.mark.skipif(not testutil.have("gnuplot"),
                                reason="gnuplot is missing (apt-get install gnuplot-nox)")

SPEC = """
name = "small"
output = "small.h5"
time_limit = 60
repetitions = 2
shifts = [5, 6, 7]

[workloads.stress-cpu]
elf = "build/guests/stress-cpu.elf"

[workloads.fio-rw]
elf = "build/guests/fio-rw.elf"

[policies.none]

[policies.per-tb]
max-advance-us = 3000

[policies.start-only]
max-advance-us = 3000

[policies.threshold]
max-advance-us = [150, 1000]
"""


def model(job):
    class J:
        pass
    j = J()
    j.__dict__.update(workload=job.workload, label=job.label, policy=job.policy,
                      params_str=job.params_str, shift=job.shift, rep=job.rep)
    return synth.model_run(j, samples=120)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return testutil.env_with(testutil.analyze_binary(tmp_path_factory.mktemp("bin")))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    return synth.build_merged(SPEC, d / "small.h5", model, workdir=d)


def py(env, *args, cwd=ROOT):
    return subprocess.run([testutil.PY, "-m", "driftlab.analysis.report"] + [str(a) for a in args],
                          cwd=str(cwd), env=env, capture_output=True, text=True)


def test_report_tables_and_figures(env, merged, tmp_path):
    out = tmp_path / "rep"
    r = py(env, "report", merged, "-o", out)
    assert r.returncode == 0, r.stderr
    tables = out / "tables"
    for name in ("runs.csv", "configs.csv", "alignable.csv", "overhead.tex", "drift.tex",
                 "alignable.tex", "macros.tex", "figures.tex", "provenance.tex",
                 "seed-compare.tex", "seed.tex"):
        assert (tables / name).stat().st_size > 0, name
    figs = out / "figures"
    for kind in ("drift", "overhead", "p99", "rate"):
        for wl in ("stress-cpu", "fio-rw"):
            assert testutil.is_png(figs / f"{kind}-{wl}.png"), f"{kind}-{wl}.png"
            assert testutil.is_pdf(figs / f"{kind}-{wl}.pdf"), f"{kind}-{wl}.pdf"
            assert f"{kind}-{wl}.pdf" in (tables / "figures.tex").read_text()
            assert (figs / "data" / f"{kind}-{wl}.gp").is_file()
    # it says where everything is
    assert str(figs / "drift-stress-cpu.png") in r.stdout and str(tables) in r.stdout
    # labelled axes with units
    gp = (figs / "data" / "overhead-fio-rw.gp").read_text()
    assert "(%)" in gp and "shift" in gp and "yerrorlines" in gp
    assert "(ms)" in (figs / "data" / "drift-fio-rw.gp").read_text()
    # two threshold variants are told apart by their parameters
    assert "threshold(max-advance-us=150)" in (tables / "overhead.tex").read_text()


def test_report_options(env, merged, tmp_path):
    r = py(env, "report", merged, "-o", tmp_path / "one", "--workload", "fio-rw", "--shift", "7")
    assert r.returncode == 0, r.stderr
    assert testutil.is_png(tmp_path / "one" / "figures" / "drift-fio-rw.png")
    assert not (tmp_path / "one" / "figures" / "drift-stress-cpu.png").exists()
    assert "shift 7" in (tmp_path / "one" / "figures" / "data" / "drift-fio-rw.gp").read_text()
    r = py(env, "report", merged, "-o", tmp_path / "bad", "--workload", "nope")
    assert r.returncode == 1 and "no workload 'nope'" in r.stderr


def test_report_on_committed_datasets(env, tmp_path):
    ds = sorted(p.parent for p in (ROOT / "datasets").glob("*/results.h5"))
    assert ds, "datasets/ has no results.h5"
    r = py(env, "report", ROOT / "datasets", "-o", tmp_path / "all")
    assert r.returncode == 0, r.stderr
    for d in ds:
        assert testutil.is_pdf(tmp_path / "all" / d.name / "figures" /
                               next((tmp_path / "all" / d.name / "figures").glob("drift-*.pdf")))
    assert not list((ROOT / "datasets").rglob("*.png"))      # nothing written next to the data


def test_pack_dataset(env, merged, tmp_path):
    """python/driftlab/analysis/dataset.py pack: thinned series keep their extremes, summaries stay
    exact, and the packed dataset reports like the original."""
    r = subprocess.run([testutil.PY, "-m", "driftlab.analysis.dataset", "pack", str(merged), "--name",
                        "repro-test-2026-01-01", "--datasets", str(tmp_path), "--max-samples", "50"],
                       cwd=str(ROOT), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = tmp_path / "repro-test-2026-01-01"
    assert "./driftlab report datasets/repro-test-2026-01-01" in (d / "README.md").read_text()
    with h5py.File(merged) as a, h5py.File(d / "results.h5") as b:
        assert (a["summary"][()] == b["summary"][()]).all()
        for rid in list(a["runs"])[:10]:
            full, thin = a["runs"][rid]["drift/drift_ns"][:], b["runs"][rid]["drift/drift_ns"][:]
            assert len(thin) <= 50 and thin.max() == full.max() and thin.min() == full.min()
            assert b["runs"][rid]["drift"].attrs["decimated_from"] == len(full)
    r = py(env, "report", d, "-o", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    assert testutil.is_pdf(tmp_path / "rep" / "figures" / "rate-fio-rw.pdf")


def test_plot_drift_record_and_merged_run(env, merged, tmp_path):
    h = np.arange(200, dtype=np.int64) * 2_000_000
    rec = synth.write_record(tmp_path / "run.h5", {"policy": "per-tb", "shift": 6}, h,
                             (5e5 * np.sin(h / 3e7)).astype(np.int64))
    part = synth.write_record(tmp_path / "killed.h5.partial", {"policy": "pid", "shift": 6}, h,
                              (h // 1000), complete=False)
    with h5py.File(merged) as f:
        jid = sorted(f["runs"])[0]
    r = py(env, "plot-drift", rec, part, f"{merged}:/runs/{jid}", "-o", tmp_path / "d.png")
    assert r.returncode == 0, r.stderr
    assert testutil.is_png(tmp_path / "d.png") and "d.png" in r.stdout
    r = py(env, "plot-drift", rec, "-o", tmp_path / "d.pdf", cwd=tmp_path)
    assert r.returncode == 0 and testutil.is_pdf(tmp_path / "d.pdf")
    # the short form FILE.h5:ID, and the default output name in the current directory
    r = subprocess.run([testutil.PY, "-c", "import sys; "
                        "from driftlab.analysis.report import main; sys.exit(main(sys.argv[1:]))",
                        "plot-drift", f"{merged}:{jid}"],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert testutil.is_png(tmp_path / "drift.png")


def test_plot_drift_errors(env, merged, tmp_path):
    r = py(env, "plot-drift", merged, "-o", tmp_path / "x.png")
    assert r.returncode == 1 and "merged results file" in r.stderr and "/runs/" in r.stderr
    r = py(env, "plot-drift", tmp_path / "none.h5", "-o", tmp_path / "x.png")
    assert r.returncode == 1 and "no such file" in r.stderr
    r = py(env, "plot-drift", f"{merged}:/runs/nope", "-o", tmp_path / "x.png")
    assert r.returncode == 1 and "has no /runs/nope" in r.stderr
    r = py(env, "plot-drift", merged, "-o", tmp_path / "x.jpg")
    assert r.returncode == 1 and "unknown figure format" in r.stderr


def _driftlab_has(cmd):
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", cmd, "--help"],
                       capture_output=True, text=True)
    return r.returncode == 0


def test_through_driftlab(env, merged, tmp_path):
    if not (_driftlab_has("report") and _driftlab_has("plot-drift")):
        pytest.skip("./driftlab has no report/plot-drift subcommand yet (lead's integration)")
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "report", str(merged), "-o",
                        str(tmp_path / "r")], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert testutil.is_pdf(tmp_path / "r" / "figures" / "overhead-stress-cpu.pdf")
    with h5py.File(merged) as f:
        jid = sorted(f["runs"])[0]
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "plot-drift",
                        f"{merged}:/runs/{jid}", "-o", str(tmp_path / "p.png")],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert testutil.is_png(tmp_path / "p.png")
