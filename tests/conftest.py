"""pytest configuration shared by the driftlab tests."""
import os
import pathlib
import sys
import time

import pytest

TESTS_DIR = pathlib.Path(__file__).resolve().parent
# helper modules (guestrun, fuzz/, and experiments/tools' machine_args and
# files, shared with the sweep) are imported by plain name
for p in (TESTS_DIR, TESTS_DIR / "fuzz", TESTS_DIR.parent / "experiments" / "tools"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def pytest_collection_modifyitems(items):
    """Tests that boot the Linux guest run last: `./driftlab test` builds it
    in the background meanwhile (the first build takes minutes)."""
    items.sort(key=lambda item: "guest" in getattr(item, "fixturenames", ()))


def _wait_for_background_build():
    """None, or the failure text of the build `./driftlab test` started."""
    status = os.environ.get("DRIFTLAB_LINUX_GUEST_STATUS")
    if not status:
        return None
    status = pathlib.Path(status)
    deadline = time.monotonic() + 45 * 60
    while not status.exists():
        if time.monotonic() > deadline:
            return "the Linux guest's background build did not finish in 45 min"
        time.sleep(1)
    if status.read_text().strip() != "0":
        log = status.with_name("linux-guest.log")
        tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
        return "scons linux-guest failed:\n" + "\n".join(tail)
    return None


@pytest.fixture(scope="session")
def guest():
    """The Linux guest's directory (build/linux), built once per session."""
    sys.path.insert(0, str(TESTS_DIR.parent / "experiments" / "tools"))
    import linux_guest
    failed = _wait_for_background_build()
    if failed:
        pytest.fail(failed)
    try:
        return linux_guest.ensure_built()
    except RuntimeError as e:
        pytest.fail(str(e))
