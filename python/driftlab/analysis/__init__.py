"""driftlab analysis in Python: tables, figures and the paper's generated
inputs. The statistics themselves come from the C tool in analysis/
(build/analysis/driftlab-analyze; analysis/README.md).

    report.py    `./driftlab report` and `./driftlab plot-drift`
    split.py     the overhead split of `./driftlab repro`
    synth.py     synthetic records and merged files (tests, placeholder data)
    dataset.py   pack a merged results file into datasets/
    paper.py     what `scons paper` runs
"""
from ..paths import ROOT  # noqa: F401  (the analysis's modules import it from here)
