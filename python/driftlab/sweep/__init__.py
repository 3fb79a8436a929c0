"""driftlab sweeps: a TOML grid of emu-arm runs, run locally or on SLURM, merged
into one HDF5 results file.

    spec.py     parse and check a sweep spec; expand it into jobs
    manifest.py the job list as JSON next to the results; job state on disk
    runner.py   run one job: temp record, annotate, atomic rename, failure record
    local.py    --backend local: process pool, progress, Ctrl-C, resume
    slurm.py    --backend slurm: sbatch array + merge job, status
    merge.py    per-job files -> one results file with /runs, /summary, provenance
    cli.py      the `sweep`, `merge` and `status` subcommands (and the SLURM task)

See docs/cluster.md.
"""
import os

from ..paths import PYTHON, ROOT  # noqa: F401  (the sweep's modules import them from here)

# Runs are written once and renamed into place, and readers never share a file
# with a writer, so HDF5's file locks add nothing -- and fail on some shared
# filesystems. Off for this process and the emulators it starts, unless set.
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
