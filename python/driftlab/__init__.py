"""driftlab for notebooks and scripts.

    import driftlab
    res = driftlab.load("results/repro.h5")      # a merged sweep, a dataset dir, or one run
    res.runs                                     # pandas DataFrame, one row per run
    d = res.drift(res.runs.job_id[0])            # that run's drift series
    d.host_ns, d.drift_ns, d.units               # numpy arrays and their units

The command line is `./driftlab` (see `./driftlab --help`); docs/python.md
has more examples. The rest of driftlab's Python code lives in the
subpackages driftlab.sweep, driftlab.analysis and driftlab.tools."""
from .results import Drift, Results, load  # noqa: F401

__all__ = ["load", "Results", "Drift"]
