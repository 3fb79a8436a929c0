"""Building the paper (paper/driftlab.tex) from a dataset: `scons paper` runs

    /usr/bin/python3 -m driftlab.analysis.paper --out build/paper [--dataset datasets/NAME]

1. the dataset: --dataset, else the newest datasets/repro-<host>-<date>/ (by
   the date at the end of its name), else the placeholder datasets/synthetic/ (the paper then
   says so in a box on its first page);
2. driftlab.analysis.report.report() into OUT/gen/: tables and macros from
   driftlab-analyze, figures (PDF) from gnuplot, seed.tex and
   seed-compare.tex from datasets/seed-2014.csv, provenance.tex; then the
   reproduction's three-column table, its explanation and its figures as
   macros (repro-table.tex, repro-why.tex, repro-macros.tex), from the code
   that prints them for `./driftlab repro` (python/driftlab/tools/repro.py);
3. pdflatex (texlive-latex-base is enough) twice, TEXINPUTS pointing at the
   generated files and paper/: OUT/driftlab.pdf.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

from . import ROOT
from . import report as rp

TEX = ROOT / "paper" / "driftlab.tex"


class PaperError(RuntimeError):
    pass


def choose_dataset(datasets=ROOT / "datasets"):
    datasets = pathlib.Path(datasets)
    # repro-<host>-<YYYY-MM-DD>: newest by the date at the end, then by name
    repro = sorted((d for d in datasets.glob("repro-*") if (d / "results.h5").is_file()),
                   key=lambda d: (d.name[-10:], d.name))
    if repro:
        return repro[-1]
    if (datasets / "synthetic" / "results.h5").is_file():
        return datasets / "synthetic"
    raise PaperError(f"no dataset under {datasets} (repro-*/results.h5 or synthetic/results.h5)")


def reproduction_tex(results, tables):
    """The three-column comparison (the seed's, QEMU's, ours) and its
    explanation, from the same code that prints them for `./driftlab repro`."""
    import io
    from ..tools import repro
    fig = repro.compare(results, tables, out=io.StringIO())
    repro.write_tex(fig, tables)


def pdflatex():
    exe = shutil.which("pdflatex")
    if not exe:
        raise PaperError("pdflatex is missing: apt-get install texlive-latex-base "
                         "(the only TeX package the paper needs)")
    return exe


def build(out, dataset=None, tex=TEX, stream=sys.stderr):
    exe = pdflatex()
    out = pathlib.Path(out).resolve()
    ds = pathlib.Path(dataset) if dataset else choose_dataset()
    results = ds / "results.h5" if ds.is_dir() else ds
    gen = out / "gen"
    if gen.exists():
        shutil.rmtree(gen)
    rp.report(results, gen, stream=None)
    reproduction_tex(results, gen / "tables")
    if stream:
        print(f"paper: dataset {results}", file=stream)
    tex = pathlib.Path(tex).resolve()
    env = dict(os.environ)
    env["TEXINPUTS"] = os.pathsep.join([str(gen / "tables"), str(gen / "figures"),
                                        str(tex.parent), ""])
    cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-output-directory={out}", str(tex)]
    log = out / (tex.stem + ".log")
    for _ in range(3):
        r = subprocess.run(cmd, cwd=str(out), env=env, capture_output=True, text=True)
        if r.returncode != 0:
            tail = "\n".join(r.stdout.splitlines()[-25:])
            raise PaperError(f"pdflatex failed (log: {log}):\n{tail}")
        text = log.read_text(errors="replace")
        if "Rerun to get" not in text and "undefined references" not in text:
            break
    pdf = out / (tex.stem + ".pdf")
    missing = [l for l in log.read_text(errors="replace").splitlines() if "dl: missing key" in l]
    if missing:
        raise PaperError("the paper asks for values the dataset lacks:\n" + "\n".join(missing[:20]))
    if stream:
        print(f"paper: {pdf}", file=stream)
    return pdf


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m driftlab.analysis.paper", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "build" / "paper"))
    p.add_argument("--dataset", help="dataset directory or results file (default: newest "
                   "datasets/repro-*, else datasets/synthetic)")
    a = p.parse_args(argv)
    try:
        build(a.out, a.dataset)
    except (PaperError, rp.ReportError) as e:
        print(f"paper: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
