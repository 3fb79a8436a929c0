"""Where driftlab lives: the repository root, the interpreter its tools run
under, and the directories its Python code is imported from.

All of driftlab's Python code is this one package, so python/ is the only
import root: the sweep, the analysis and the tools are driftlab.sweep,
driftlab.analysis and driftlab.tools. ./driftlab and pyproject.toml's pytest
`pythonpath` put python/ on the path; the processes they start (python3 -m
driftlab.sweep, SLURM tasks, the paper build) get it through PYTHONPATH
(child_env)."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Debian's interpreter is the one that sees python3-h5py, -numpy, -pandas; a
# python3 earlier on PATH (a virtualenv, a conda) may not.
PYTHON = "/usr/bin/python3"


def import_dirs(root=ROOT):
    """The import roots of a checkout at `root`: only its python/ (a list, so
    that PYTHONPATH and pytest's `pythonpath` are built the same way)."""
    return [pathlib.Path(root) / "python"]


def pythonpath(root=ROOT, keep=None):
    """A PYTHONPATH value with the import root first, then `keep` (an
    existing PYTHONPATH) without duplicates."""
    parts = [str(d) for d in import_dirs(root)]
    for p in (keep or "").split(os.pathsep):
        if p and p not in parts:
            parts.append(p)
    return os.pathsep.join(parts)


def child_env(base=None, **extra):
    """An environment (default: this process's) in which a child Python
    finds every driftlab module, plus `extra` variables."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = pythonpath(keep=env.get("PYTHONPATH"))
    env.update(extra)
    return env
