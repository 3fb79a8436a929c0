"""driftlab analysis: statistics (the C tool driftlab-analyze), tables, figures
and the paper's generated inputs.

    analyze.c, dl_h5.c               build/analysis/driftlab-analyze (HDF5; stats/ for GSL)
    report.py                        `./driftlab report` and `./driftlab plot-drift`
    synth.py                         synthetic records and merged files (tests, placeholder data)
    dataset.py                       pack a merged results file into datasets/
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# The helpers the analysis shares with the sweep and the tools
# (experiments/tools/files.py), imported by name.
if str(ROOT / "experiments" / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "experiments" / "tools"))
