"""pytest configuration shared by the driftlab tests."""
import pathlib
import sys

import pytest

TESTS_DIR = pathlib.Path(__file__).resolve().parent
# helper modules (guestrun, fuzz/) are imported by plain name
for p in (TESTS_DIR, TESTS_DIR / "fuzz"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


@pytest.fixture(scope="session")
def guest():
    """The Linux guest's directory (build/linux), built once per session."""
    sys.path.insert(0, str(TESTS_DIR.parent / "experiments" / "tools"))
    import linux_guest
    try:
        return linux_guest.ensure_built()
    except RuntimeError as e:
        pytest.fail(str(e))
