"""The `driftlab-py` entry point: the same commands as ./driftlab, for an
installed package (`pip install -e .`) run from the repository."""
import pathlib
import sys


def main(argv=None):
    root = pathlib.Path(__file__).resolve().parents[2]
    tools = root / "experiments" / "tools"
    if not (tools / "driftlab.py").is_file():
        print(f"driftlab: {root} is not a driftlab checkout (experiments/tools/driftlab.py "
              "is missing)", file=sys.stderr)
        return 1
    import importlib.util
    sys.path.insert(0, str(tools))
    # experiments/tools/driftlab.py shares this package's name: load it by path
    spec = importlib.util.spec_from_file_location("driftlab_front", tools / "driftlab.py")
    front = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(front)
    return front.main(argv)
