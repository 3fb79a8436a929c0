"""pytest configuration shared by the driftlab tests."""
import os
import pathlib
import time

import pytest

from driftlab.paths import pythonpath

# pyproject.toml's `pythonpath` puts the import root on this process's path;
# the Python processes the tests start (python3 -m driftlab.sweep, driftlab.analysis.report, ...)
# find it through PYTHONPATH.
os.environ["PYTHONPATH"] = pythonpath(keep=os.environ.get("PYTHONPATH"))


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
    from driftlab.tools import linux_guest
    failed = _wait_for_background_build()
    if failed:
        pytest.fail(failed)
    try:
        return linux_guest.ensure_built()
    except RuntimeError as e:
        pytest.fail(str(e))
