"""Where driftlab lives: the repository root, the interpreter its tools run
under, and the directories its Python code is imported from.

The Python code sits in four import roots: this package (python/), the sweep
(experiments/sweep, imported as `sweep`), the tools shared by the sweep, the
analysis and the front door (experiments/tools: machine_args, files, ...),
and the repository itself (`analysis`). The entry points put them on the path
once (./driftlab via driftlab.cli, pyproject.toml's pytest `pythonpath`); the
processes they start get them through PYTHONPATH (child_env)."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Debian's interpreter is the one that sees python3-h5py, -numpy, -pandas; a
# python3 earlier on PATH (a virtualenv, a conda) may not.
PYTHON = "/usr/bin/python3"


def import_dirs(root=ROOT):
    """The import roots of a checkout at `root`, in search order."""
    root = pathlib.Path(root)
    return [root / "python", root / "experiments", root / "experiments" / "tools", root]


def pythonpath(root=ROOT, keep=None):
    """A PYTHONPATH value with the import roots first, then `keep` (an
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
