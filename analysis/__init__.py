"""driftlab analysis: statistics (the C tool driftlab-analyze), tables, figures
and the paper's generated inputs.

    analyze.c, dl_h5.c               build/analysis/driftlab-analyze (HDF5; stats/ for GSL)
    report.py                        `./driftlab report` and `./driftlab plot-drift`
    synth.py                         synthetic records and merged files (tests, placeholder data)
    dataset.py                       pack a merged results file into datasets/
"""
from driftlab.paths import ROOT  # noqa: F401  (the analysis's modules import it from here)
