"""`./driftlab report` and `./driftlab plot-drift`.

report RESULTS [-o DIR]
    RESULTS is a merged results file (./driftlab merge), a dataset directory
    holding results.h5 (datasets/NAME/), or a directory of datasets
    (datasets/: each one is reported into DIR/NAME/). The statistics come
    from build/analysis/driftlab-analyze (C, GSL): CSV and LaTeX tables
    in DIR/tables/. This module only reads the drift series for the drift
    curves (h5py) and draws with gnuplot (PNG via pngcairo, PDF via
    pdfcairo) into DIR/figures/, with the data and gnuplot scripts of each
    figure in DIR/figures/data/ so a figure can be redrawn by hand.

plot-drift RUN.h5 [RUN2.h5 ...] [-o out.png]
    Drift against host time of any runs: per-run records (-record, also a
    killed run's .partial) or runs inside a merged file, named FILE.h5:/runs/ID
    (or FILE.h5:ID). The output format follows the extension (.png, .pdf, .svg).

The lead's ./driftlab registers both with add_report_args / add_plot_drift_args
and calls cmd_report / cmd_plot_drift; `python3 -m driftlab.analysis.report` does the same.
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from ..tools.files import read_csv

from . import ROOT

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

DEFAULT_LAG_BOUND_MS = 10.0
DEFAULT_BOOT = 10000
DEFAULT_SEED = 20140630
DEFAULT_CONF = 0.95
MAX_PLOT_POINTS = 4000

PNG_TERM = "pngcairo size 960,600 noenhanced font 'DejaVu Sans,11'"
PDF_TERM = "pdfcairo size 3.4in,2.9in noenhanced font 'DejaVu Sans,7'"   # a half-page panel
SVG_TERM = "svg size 960,600 noenhanced font 'DejaVu Sans,11'"


class ReportError(RuntimeError):
    pass


# ---- the C tool ------------------------------------------------------------

def analyze_tool():
    """Path of driftlab-analyze: $DRIFTLAB_ANALYZE, else build/analysis/."""
    p = pathlib.Path(os.environ.get("DRIFTLAB_ANALYZE") or
                     ROOT / "build" / "analysis" / "driftlab-analyze")
    if not (p.is_file() and os.access(p, os.X_OK)):
        raise ReportError(f"{p} is missing: build it first (scons, or ./driftlab build)")
    return p


def run_analyze(results, tables_dir, lag_bound_ms=DEFAULT_LAG_BOUND_MS, boot=DEFAULT_BOOT,
                seed=DEFAULT_SEED, conf=DEFAULT_CONF):
    cmd = [str(analyze_tool()), "-o", str(tables_dir), "--lag-bound-ms", repr(float(lag_bound_ms)),
           "--boot", str(int(boot)), "--seed", str(int(seed)), "--conf", repr(float(conf)),
           str(results)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ReportError((r.stderr or r.stdout).strip() or f"driftlab-analyze failed ({r.returncode})")
    return r.stdout.strip()


def num(s):
    try:
        return float(s) if s not in ("", None) else float("nan")
    except ValueError:
        return float("nan")


# ---- inputs ------------------------------------------------------------------

def resolve_results(path):
    """[(name, results.h5)] for a results file, a dataset directory or a
    directory of datasets."""
    p = pathlib.Path(path)
    if p.is_file():
        return [(p.parent.name if p.name == "results.h5" else p.stem, p)]
    if p.is_dir():
        if (p / "results.h5").is_file():
            return [(p.resolve().name, p / "results.h5")]
        found = sorted(d for d in p.iterdir() if (d / "results.h5").is_file())
        if found:
            return [(d.name, d / "results.h5") for d in found]
        raise ReportError(f"{p}: no results.h5 in it or in its subdirectories")
    raise ReportError(f"{p} does not exist")


def safe(s):
    return re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-") or "x"


def tex_escape(s):
    s = str(s)
    out = []
    for c in s:
        if c in "_%&#${}":
            out.append("\\" + c)
        elif c == "\\":
            out.append("\\textbackslash{}")
        elif c == "^":
            out.append("\\^{}")
        elif c == "~":
            out.append("\\~{}")
        else:
            out.append(c)
    return "".join(out)


# ---- gnuplot -----------------------------------------------------------------

def gnuplot(script, cwd):
    exe = shutil.which("gnuplot")
    if not exe:
        raise ReportError("gnuplot is missing: apt-get install gnuplot-nox (scripts/setup.sh)")
    r = subprocess.run([exe, str(script)], cwd=str(cwd), capture_output=True, text=True)
    if r.returncode != 0:
        raise ReportError(f"gnuplot failed on {script}: {r.stderr.strip()}")


def term_for(path):
    ext = pathlib.Path(path).suffix.lower()
    if ext == ".png":
        return PNG_TERM
    if ext == ".pdf":
        return PDF_TERM
    if ext == ".svg":
        return SVG_TERM
    raise ReportError(f"{path}: unknown figure format (use .png, .pdf or .svg)")


def gp_str(s):
    """A gnuplot single-quoted string (the terminals are noenhanced: text is literal)."""
    return "'" + str(s).replace("'", "''") + "'"


def draw(outputs, body, data_dir, name):
    """Writes DATA_DIR/NAME.gp drawing `body` into each output file, runs it."""
    lines = ["# generated by python/driftlab/analysis/report.py; run: gnuplot " + f"{name}.gp", "set encoding utf8"]
    for out in outputs:
        lines += [f"set terminal {term_for(out)}", f"set output {gp_str(os.path.abspath(out))}",
                  body, "unset output"]
    gp = pathlib.Path(data_dir) / f"{name}.gp"
    gp.write_text("\n".join(lines) + "\n")
    gnuplot(gp, data_dir)
    for out in outputs:
        if not (os.path.isfile(out) and os.path.getsize(out) > 0):
            raise ReportError(f"gnuplot wrote nothing to {out}")
    return outputs


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22"]
COMMON = "".join(f"set linetype {i + 1} lc rgb '{c}'\n" for i, c in enumerate(PALETTE)) + \
    "set linetype cycle 10\nset grid lc rgb '#dddddd'\nset border lc rgb '#444444'\n" \
    "set key outside top center horizontal samplen 2 spacing 1.0 width 1\n"


# ---- reading series ----------------------------------------------------------

def decimate(host, drift, limit=MAX_PLOT_POINTS):
    """At most ~limit points, keeping each bucket's min and max (so peaks show)."""
    import numpy as np
    n = len(host)
    if n <= limit:
        return host, drift
    buckets = limit // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    idx = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        seg = drift[a:b]
        i, j = a + int(np.argmin(seg)), a + int(np.argmax(seg))
        idx += sorted({i, j})
    idx = np.array(sorted(set(idx) | {0, n - 1}))
    return host[idx], drift[idx]


def read_series(f, group):
    import numpy as np
    g = f[group] if group not in ("", "/") else f
    if "drift" not in g:
        raise ReportError(f"{f.filename}:{group or '/'} has no drift series (/drift)")
    h = np.asarray(g["drift/host_ns"][:], dtype=np.float64)
    d = np.asarray(g["drift/drift_ns"][:], dtype=np.float64)
    if h.size == 0:
        raise ReportError(f"{f.filename}:{group or '/'}: the drift series is empty")
    return h, d


def write_series(path, host_ns, drift_ns):
    h, d = decimate(host_ns, drift_ns)
    with open(path, "w") as f:
        f.write("# host_s drift_ms\n")
        for x, y in zip(h, d):
            f.write(f"{x / 1e9:.9g} {y / 1e6:.9g}\n")


# ---- the report --------------------------------------------------------------

def _variants_in_order(configs):
    seen, out = set(), []
    for c in configs:
        if c["variant"] not in seen:
            seen.add(c["variant"])
            out.append(c)
    return out


def _drift_figure(h5, runs, configs, wl, shift, fig_dir, data_dir, stem):
    """Drift curves (first repetition of each policy) on workload wl at shift."""
    chosen = {}
    for r in runs:
        if r["workload"] != wl or int(r["shift"]) != shift:
            continue
        key = (r["policy"], r["policy_label"], r["params"])
        if key not in chosen or int(r["rep"]) < int(chosen[key]["rep"]):
            chosen[key] = r
    if not chosen:
        raise ReportError(f"no run of workload {wl!r} at shift {shift}")
    name_of = {(c["policy"], c["policy_label"], c["params"]): c["variant"] for c in configs}
    order = [(c["policy"], c["policy_label"], c["params"]) for c in _variants_in_order(configs)]
    series = []
    for i, key in enumerate(k for k in order if k in chosen):
        r = chosen[key]
        dat = f"{stem}-{i}.dat"
        h, d = read_series(h5, f"/runs/{r['job_id']}")
        write_series(data_dir / dat, h, d)
        label = name_of.get(key, key[1])
        emu = next((c.get("emulator") for c in configs
                    if (c["policy"], c["policy_label"], c["params"]) == key), "")
        if emu == "qemu":       # QEMU's drift: console stamps, far fewer points
            label += " (QEMU 7.2, console)"
        series.append((dat, label, key[0] in ("none", "qemu-none"), d.min(), d.max()))
    # `none` drifts by seconds where the others stay within ms: keep the
    # aligning policies readable and let it leave the frame
    aligned = [x for x in series if not x[2]]
    yr = ""
    if aligned and len(aligned) < len(series):
        lo, hi = min(x[3] for x in aligned), max(x[4] for x in aligned)
        span = max(abs(lo), abs(hi), 1.0)
        if any(max(abs(x[3]), abs(x[4])) > 5 * span for x in series if x[2]):
            pad = 0.15 * (hi - lo or span)
            yr = f"set yrange [{(lo - pad) / 1e6:.6g}:{(hi + pad) / 1e6:.6g}]\n"
            series = [(a, b + " (off scale)" if n else b, n, c, d) for a, b, n, c, d in series]
    plots = [f"'{dat}' using 1:2 with lines lw 1.5 title {gp_str(lab)}"
             for dat, lab, _, _, _ in series]
    body = COMMON + yr + (f"set title {gp_str(f'Drift on {wl}, shift {shift} (first repetition)')}\n"
                     "set xlabel 'host time since start (s)'\n"
                     "set ylabel 'drift = guest - host (ms)'\n"
                     "plot " + ", \\\n     ".join(plots))
    return draw([fig_dir / f"{stem}.png", fig_dir / f"{stem}.pdf"], body, data_dir, stem)


def _shift_figure(configs, wl, fig_dir, data_dir, stem, what):
    rows = [c for c in configs if c["workload"] == wl]
    variants = [c["variant"] for c in _variants_in_order(rows)]
    if what == "overhead":
        variants = [v for v in variants
                    if not any(c["policy"] == "none" for c in rows if c["variant"] == v)]
    plots = []
    nv = max(len(variants), 1)
    for i, v in enumerate(variants):
        dat = f"{stem}-{i}.dat"
        pts = sorted((int(c["shift"]), c) for c in rows if c["variant"] == v)
        with open(data_dir / dat, "w") as f:
            if what == "overhead":
                f.write("# shift overhead_pct lo_pct hi_pct\n")
                dx = (i - (nv - 1) / 2) * 0.06       # side by side, not on top of each other
                for s, c in pts:
                    e, lo, hi = num(c["overhead"]), num(c["overhead_lo"]), num(c["overhead_hi"])
                    if e == e:
                        lo, hi = (lo, hi) if lo == lo else (e, e)
                        f.write(f"{s + dx:g} {e * 100:.6g} {lo * 100:.6g} {hi * 100:.6g}\n")
            elif what == "p99":
                f.write("# shift abs_drift_p99_ms\n")
                for s, c in pts:
                    y = num(c["abs_drift_p99_ns"]) / 1e6
                    if y == y and y > 0:
                        f.write(f"{s} {y:.6g}\n")
            else:
                f.write("# shift guest_host_ratio\n")
                for s, c in pts:
                    y = num(c["guest_host_ratio"])
                    if y == y and y > 0:
                        f.write(f"{s} {y:.6g}\n")
        style = "yerrorlines" if what == "overhead" else "linespoints"
        using = "1:2:3:4" if what == "overhead" else "1:2"
        plots.append(f"'{dat}' using {using} with {style} lw 1.5 pt 7 ps 0.8 title {gp_str(v)}")
    shifts = sorted({int(c["shift"]) for c in rows})
    xr = f"set xrange [{shifts[0] - 0.5}:{shifts[-1] + 0.5}]\nset xtics 1\n" if shifts else ""
    if what == "overhead":
        head = (f"set title {gp_str(f'Overhead vs none on {wl} (mean of paired ratios, bootstrap interval)')}\n"
                "set ylabel 'overhead: vCPU CPU time / none - 1 (%)'\n")
    elif what == "p99":
        head = (f"set title {gp_str(f'99th percentile of |drift| on {wl}')}\n"
                "set logscale y\nset ylabel '|drift| p99 (ms)'\n")
    else:
        head = (f"set title {gp_str(f'Guest/host time rate on {wl}')}\n"
                "set logscale y 2\nset ylabel 'guest time / host time'\n"
                "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#888888'\n")
    body = COMMON + xr + head + "set xlabel 'icount shift (2^shift ns of guest time per instruction)'\n"
    body += "plot " + ", \\\n     ".join(plots) if plots else "plot 1/0 notitle"
    return draw([fig_dir / f"{stem}.png", fig_dir / f"{stem}.pdf"], body, data_dir, stem)


def provenance_macros(results, path):
    """provenance.tex: where the data come from (not statistics)."""
    import h5py
    with h5py.File(results, "r") as f:
        a = dict(f.attrs)
        p = dict(f["provenance"].attrs) if "provenance" in f else {}

    def s(v):
        return v.decode() if isinstance(v, bytes) else str(v)
    host_cpu = ""
    try:
        import json
        host_cpu = json.loads(s(p.get("host_info", "{}"))).get("cpu", "")
    except ValueError:
        pass
    items = {
        "dataset/name": s(a.get("name", pathlib.Path(results).parent.name)),
        "dataset/synthetic": "1" if int(a.get("synthetic", 0) or 0) else "0",
        "dataset/host": s(p.get("host", a.get("host", "unknown"))),
        "dataset/cpu": host_cpu or "unknown",
        "dataset/git": s(p.get("git_describe") or p.get("git_commit") or a.get("git_commit", "unknown"))[:20],
        "dataset/created": s(p.get("created", "unknown"))[:10],
        "dataset/runs": s(a.get("n_runs", "")),
    }
    with open(path, "w") as out:
        out.write("% generated by python/driftlab/analysis/report.py from the results file's provenance\n")
        for k, v in items.items():
            out.write(f"\\dlset{{{k}}}{{{tex_escape(v)}}}\n")
    return path


def seed_macros(seed_csv, path):
    """seed.tex: the 2014 review's published figures (datasets/seed-2014.csv)."""
    rows = read_csv(seed_csv)
    with open(path, "w") as out:
        out.write(f"% generated by python/driftlab/analysis/report.py from {pathlib.Path(seed_csv).name}\n")
        for r in rows:
            out.write(f"\\dlset{{seed/{r['key']}}}{{{tex_escape(r['value'])}}}\n")
    return path


def _fmt(v, prec=None):
    if v != v:
        return "--"
    a = abs(v)
    if prec is None:
        prec = 3 if a < 1 else 2 if a < 10 else 1 if a < 1000 else 0
    t = f"{v:.{prec}f}"
    return t[1:] if t.startswith("-") and set(t[1:]) <= set("0.") else t


def seed_compare_tex(seed_csv, configs, alignable, workloads, path):
    """seed-compare.tex: the 2014 review's figures next to this dataset's, at
    each workload's focus shift (the numbers come from driftlab-analyze)."""
    seed = {r["key"]: r["value"] for r in read_csv(seed_csv)}

    def cfg(wl, policy):
        for c in configs:
            if c["workload"] == wl["workload"] and c["policy"] == policy \
                    and int(c["shift"]) == int(wl["focus_shift"]):
                return c
        return None

    def low(wl, policy):
        for a in alignable:
            if a["workload"] == wl["workload"] and a["policy"] == policy:
                return a["lowest_alignable_shift"] or "--"
        return "--"

    def ovh(wl, policy):
        c = cfg(wl, policy)
        if not c:
            return "--"
        e, lo, hi = (num(c[k]) * 100 for k in ("overhead", "overhead_lo", "overhead_hi"))
        return f"${_fmt(e, 1)}$" + (f" {{\\scriptsize $[{_fmt(lo, 1)}, {_fmt(hi, 1)}]$}}"
                                    if lo == lo else "")

    def field(wl, policy, key, scale, sign=1):
        c = cfg(wl, policy)
        return _fmt(sign * num(c[key]) / scale) if c else "--"
    rows = [
        ("per-tb overhead (\\%)", f"${seed.get('per-tb-overhead', '?')}$",
         lambda w: ovh(w, "per-tb")),
        ("start-only overhead (\\%)", f"${seed.get('start-only-overhead', '?')}$",
         lambda w: ovh(w, "start-only")),
        ("per-tb: $|$drift$|$ p99 (ms)", f"$\\pm{seed.get('per-tb-drift', '?')}$ (range)",
         lambda w: field(w, "per-tb", "abs_drift_p99_ns", 1e6)),
        ("start-only: guest behind by (ms)", f"$\\approx{seed.get('start-only-lag', '?')}$",
         lambda w: field(w, "start-only", "drift_mean_ns", 1e6, -1)),
        ("lowest alignable shift, per-tb", seed.get("lowest-shift", "?"),
         lambda w: low(w, "per-tb")),
        ("lowest alignable shift, start-only", seed.get("lowest-shift", "?"),
         lambda w: low(w, "start-only")),
    ]
    with open(path, "w") as out:
        out.write("% generated by python/driftlab/analysis/report.py from datasets/seed-2014.csv and "
                  "driftlab-analyze's configs.csv / alignable.csv\n")
        out.write("\\begin{tabular}{l" + "c" * (1 + len(workloads)) + "}\n\\hline\n")
        out.write(" & 2014 review")
        for w in workloads:
            out.write(f" & {tex_escape(w['workload'])}")
        out.write(" \\\\\n & " + tex_escape(f"{seed.get('host-cpu', '')} {seed.get('host-ghz', '')} GHz"))
        for w in workloads:
            out.write(f" & shift {w['focus_shift']}")
        out.write(" \\\\\n\\hline\n")
        for label, ref, fn in rows:
            out.write(f"{label} & {ref}" + "".join(f" & {fn(w)}" for w in workloads) + " \\\\\n")
        out.write("\\hline\n\\end{tabular}\n")
    return path


def figures_tex(path, workloads, captions):
    """figures.tex: one figure per kind, a panel per workload (for the paper)."""
    n = max(len(workloads), 1)
    width = 1.0 if n == 1 else 0.49
    with open(path, "w") as out:
        out.write("% generated by python/driftlab/analysis/report.py\n")
        for kind, cap in captions:
            out.write("\\begin{figure}[tbp]\n\\centering\n")
            for i, w in enumerate(workloads):
                out.write(f"\\includegraphics[width={width}\\linewidth]{{{kind}-{safe(w['workload'])}.pdf}}")
                out.write("\\hfill\n" if i % 2 == 0 and i + 1 < n else "\n")
            out.write(f"\\caption{{{cap}}}\n\\label{{fig:{kind}}}\n\\end{{figure}}\n\n")
    return path


SEED_CSV = ROOT / "datasets" / "seed-2014.csv"


def report(results, outdir=None, workload=None, shift=None, lag_bound_ms=DEFAULT_LAG_BOUND_MS,
           boot=DEFAULT_BOOT, seed=DEFAULT_SEED, conf=DEFAULT_CONF, stream=None,
           seed_csv=SEED_CSV):
    """Tables and figures of one merged results file into outdir; returns
    {'tables': [...], 'figures': [...], 'dir': outdir}."""
    import h5py
    results = pathlib.Path(results)
    outdir = pathlib.Path(outdir or ROOT / "build" / "report" / safe(results.parent.name
                          if results.name == "results.h5" else results.stem))
    tables = outdir / "tables"
    figs = outdir / "figures"
    data = figs / "data"
    for d in (tables, figs, data):
        d.mkdir(parents=True, exist_ok=True)
    msg = run_analyze(results, tables, lag_bound_ms, boot, seed, conf)
    if stream:
        print(msg, file=stream)
    runs = read_csv(tables / "runs.csv")
    configs = read_csv(tables / "configs.csv")
    wls = read_csv(tables / "workloads.csv")
    if workload is not None:
        if workload not in {w["workload"] for w in wls}:
            raise ReportError(f"no workload {workload!r} in {results} (have: "
                              + ", ".join(w["workload"] for w in wls) + ")")
        wls = [w for w in wls if w["workload"] == workload]
    produced = []
    provenance_macros(results, tables / "provenance.tex")
    with h5py.File(results, "r") as h5:
        for w in wls:
            name, tag = w["workload"], safe(w["workload"])
            s = int(shift) if shift is not None else int(w["focus_shift"])
            produced += _drift_figure(h5, runs, [c for c in configs if c["workload"] == name],
                                      name, s, figs, data, f"drift-{tag}")
    for w in wls:
        name, tag = w["workload"], safe(w["workload"])
        produced += _shift_figure(configs, name, figs, data, f"overhead-{tag}", "overhead")
        produced += _shift_figure(configs, name, figs, data, f"p99-{tag}", "p99")
        produced += _shift_figure(configs, name, figs, data, f"rate-{tag}", "rate")
    figures_tex(tables / "figures.tex", wls, [
        ("drift", "Drift (guest minus host clock) against host time, one line per policy, "
                  "first repetition, at each workload's focus shift (the lowest shift at which "
                  "every aligning policy stays within the lag bound; Table~\\ref{tab:alignable})."),
        ("overhead", "Overhead of each policy relative to \\texttt{none} (vCPU thread CPU time, "
                     "paired by repetition) against the icount shift; bars: "
                     "\\dl{conf-pct}\\,\\% bootstrap interval."),
        ("p99", "99th percentile of $|$drift$|$ against the icount shift (log scale)."),
        ("rate", "Guest time over host time at the end of each run against the icount shift; "
                 "1 (dashed) is real time."),
    ])
    from . import split as overhead_split
    parts = overhead_split.split(results)
    overhead_split.write_csv(parts, tables / "split.csv")
    if stream:
        print("report: the overhead split (bookkeeping = dry run vs none; pacing, drift and "
              "clock reads of real runs; tables/split.csv):", file=stream)
        overhead_split.print_table(parts, stream)
    if seed_csv and pathlib.Path(seed_csv).is_file():
        seed_macros(seed_csv, tables / "seed.tex")
        seed_compare_tex(seed_csv, configs, read_csv(tables / "alignable.csv"), wls,
                         tables / "seed-compare.tex")
    tex = sorted(str(p) for p in tables.iterdir() if p.suffix in (".csv", ".tex"))
    if stream:
        print(f"report: tables in {tables}/ ({', '.join(pathlib.Path(t).name for t in tex)})",
              file=stream)
        print(f"report: figures in {figs}/", file=stream)
        for p in produced:
            print(f"  {p}", file=stream)
    return {"dir": outdir, "tables": tex, "figures": [str(p) for p in produced]}


# ---- plot-drift --------------------------------------------------------------

def parse_run_arg(arg):
    """'file.h5' -> (file, '/'); 'file.h5:/runs/ID' or 'file.h5:ID' -> (file, '/runs/ID')."""
    m = re.match(r"^(.*?\.h5(?:\.partial)?(?:\.part-[0-9a-f]+)?):(.+)$", arg)
    if m and not os.path.exists(arg):
        path, grp = m.group(1), m.group(2)
        if not grp.startswith("/"):
            grp = "/runs/" + grp
        return pathlib.Path(path), grp
    return pathlib.Path(arg), "/"


def _label(f, group):
    g = f[group] if group != "/" else f
    a = g.attrs

    def s(v):
        return v.decode() if isinstance(v, bytes) else str(v)
    sw = g["sweep"].attrs if "sweep" in g else {}
    pol = s(sw.get("policy_label", a.get("policy", "?")))
    params = s(sw.get("params", a.get("policy_params", "")))
    lab = pol + (f" ({params})" if params else "")
    if "shift" in a:
        lab += f", shift {int(a['shift'])}"
    if "rep" in sw:
        lab += f", rep {int(sw['rep'])}"
    return lab


def plot_drift(inputs, output="drift.png", title=None, stream=None):
    import h5py
    if not inputs:
        raise ReportError("name at least one run (RUN.h5, or RESULTS.h5:/runs/ID)")
    output = pathlib.Path(output)
    term_for(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plot-drift-") as tmp:
        tmp = pathlib.Path(tmp)
        plots, labels = [], []
        for i, arg in enumerate(inputs):
            path, grp = parse_run_arg(arg)
            if not path.is_file():
                raise ReportError(f"{path}: no such file")
            try:
                f = h5py.File(path, "r")
            except OSError as e:
                raise ReportError(f"{path}: not a readable HDF5 file ({e})")
            with f:
                if grp == "/" and "runs" in f and "drift" not in f:
                    ids = list(f["runs"])[:5]
                    raise ReportError(f"{path} is a merged results file: name one of its runs as "
                                      f"{path}:/runs/ID (e.g. {path}:/runs/{ids[0] if ids else 'ID'})")
                if grp not in f:
                    raise ReportError(f"{path} has no {grp}")
                h, d = read_series(f, grp)
                lab = _label(f, grp)
            labels.append(lab)
            write_series(tmp / f"run{i}.dat", h, d)
            plots.append((f"run{i}.dat", lab, path.name))
        dup = {l for l in labels if labels.count(l) > 1}
        series = [f"'{dat}' using 1:2 with lines lw 1.5 title "
                  f"{gp_str(lab + (f' [{fn}]' if lab in dup else ''))}" for dat, lab, fn in plots]
        t = title or ("Drift of " + (labels[0] if len(labels) == 1 else f"{len(labels)} runs"))
        body = COMMON + (f"set title {gp_str(t)}\nset xlabel 'host time since start (s)'\n"
                         "set ylabel 'drift = guest - host (ms)'\n"
                         "plot " + ", \\\n     ".join(series))
        draw([output.resolve()], body, tmp, "plot-drift")
    if stream:
        print(f"plot-drift: {output}", file=stream)
    return output


# ---- command line --------------------------------------------------------------

def add_report_args(p):
    p.add_argument("results", help="merged results file (./driftlab merge), a dataset "
                   "directory (datasets/NAME/ with results.h5) or datasets/ itself")
    p.add_argument("-o", "--output", help="output directory (default build/report/NAME; "
                   "several datasets: one subdirectory each)")
    p.add_argument("--workload", help="only this workload (default: every one)")
    p.add_argument("--shift", type=int, help="shift of the drift curves (default: each "
                   "workload's focus shift, see tables/workloads.csv)")
    p.add_argument("--lag-bound-ms", type=float, default=DEFAULT_LAG_BOUND_MS,
                   help="a shift is alignable when in every repetition the median drift is within "
                   "this of the host (ms; default %(default)g)")
    p.add_argument("--boot", type=int, default=DEFAULT_BOOT,
                   help="bootstrap resamples (default %(default)d)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed")
    p.add_argument("--conf", type=float, default=DEFAULT_CONF,
                   help="confidence level of the intervals (default %(default)g)")
    return p


def add_plot_drift_args(p):
    p.add_argument("runs", nargs="+", metavar="RUN",
                   help="a run record (-record RUN.h5, or a .partial), or RESULTS.h5:/runs/ID")
    p.add_argument("-o", "--output", default="drift.png",
                   help="output file, .png/.pdf/.svg (default %(default)s)")
    p.add_argument("--title", help="figure title")
    return p


def cmd_report(args):
    """./driftlab report; returns an exit status."""
    try:
        sets = resolve_results(args.results)
        p = pathlib.Path(args.results)
        several = p.is_dir() and not (p / "results.h5").is_file()   # datasets/: one dir each
        for name, res in sets:
            out = args.output
            if several:
                out = pathlib.Path(out or ROOT / "build" / "report") / safe(name)
                print(f"report: {name} ({res})", file=sys.stdout)
            elif out is None:
                out = ROOT / "build" / "report" / safe(name)
            report(res, out, workload=args.workload, shift=args.shift,
                   lag_bound_ms=args.lag_bound_ms, boot=args.boot, seed=args.seed,
                   conf=args.conf, stream=sys.stdout)
    except ReportError as e:
        print(f"driftlab: report: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_plot_drift(args):
    """./driftlab plot-drift; returns an exit status."""
    try:
        plot_drift(args.runs, args.output, title=args.title, stream=sys.stdout)
    except ReportError as e:
        print(f"driftlab: plot-drift: {e}", file=sys.stderr)
        return 1
    return 0


def register(sub, build=None):
    """Adds `report` and `plot-drift` to ./driftlab's subparsers. `build`: a
    callable that builds the tree, called by `report` only when
    driftlab-analyze is missing. Each command exits with its status."""
    def run_report(args):
        try:
            analyze_tool()
        except ReportError:
            if build is None:
                raise
            build()
        sys.exit(cmd_report(args))

    def run_plot(args):
        sys.exit(cmd_plot_drift(args))
    r = sub.add_parser("report", help="statistics, tables (CSV, LaTeX) and figures (PNG, PDF) "
                       "of a merged results file or a dataset",
                       description="Statistics by build/analysis/driftlab-analyze (overhead vs "
                       "none with bootstrap intervals, drift quantiles and rate, lowest alignable "
                       "shift) and gnuplot figures. Nothing is rerun.")
    add_report_args(r).set_defaults(fn=run_report)
    d = sub.add_parser("plot-drift", help="drift against host time of run records",
                       description="Draws drift (guest - host) against host time for run records "
                       "(-record FILE.h5) or runs of a merged file (FILE.h5:/runs/ID).")
    add_plot_drift_args(d).set_defaults(fn=run_plot)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m driftlab.analysis.report", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    add_report_args(sub.add_parser("report", help="tables and figures of a results file"))
    add_plot_drift_args(sub.add_parser("plot-drift", help="drift curves of runs"))
    a = p.parse_args(argv)
    return cmd_report(a) if a.cmd == "report" else cmd_plot_drift(a)


if __name__ == "__main__":
    sys.exit(main())
