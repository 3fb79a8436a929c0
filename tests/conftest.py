"""pytest configuration shared by the driftlab tests."""
import pathlib
import sys

TESTS_DIR = pathlib.Path(__file__).resolve().parent
# helper modules (guestrun, fuzz/) are imported by plain name
for p in (TESTS_DIR, TESTS_DIR / "fuzz"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
