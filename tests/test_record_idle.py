"""While the guest idles waiting for its next timer, the record's drift
samples let its clock run with the host's, as QEMU's virtual clock does while
idle under sleep=on, instead of standing still until the wake-up moves it on
in one step. Otherwise every idle period would show as lag that grows to the
length of the wait and vanishes at the wake-up.

The guest (experiments/guests/idle) sleeps in WFI for 100 ms periods; its
100 ms of idleness per period would read as up to 100 ms of drift."""
import pytest

from test_policies import ROOT, emu, skip_reason

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))

IDLE = ROOT / "build" / "guests" / "idle.elf"
PERIOD_MS = 100


@pytest.mark.parametrize("icount,policy", [
    ("shift=3,sleep=on", []),                                      # QEMU's own idle pacing
    ("shift=3,sleep=off", ["-align-policy", "start-only"]),        # the policy's idle pacing
], ids=["sleep-on", "sleep-off-policy"])
def test_idle_waits_are_not_drift(tmp_path, icount, policy):
    rec = tmp_path / "idle.h5"
    r = emu(["-icount", icount, "-record", str(rec)] + policy, guest=IDLE,
            append=f"period_us={PERIOD_MS * 1000} ticks=8")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert b"idle ok" in r.stdout
    with h5py.File(rec) as f:
        host = f["drift/host_ns"][:]
        drift = f["drift/drift_ns"][:]
        guest = f["drift/guest_ns"][:]
    # the run idled for most of its ~0.8 s: many samples fall inside waits ...
    assert host[-1] > 6 * PERIOD_MS * 1_000_000 and len(drift) > 300
    # ... and none of them reads as the wait's length (a frozen guest clock
    # would reach -PERIOD_MS ms before each wake-up)
    assert np.abs(drift).max() < 0.3 * PERIOD_MS * 1_000_000, np.abs(drift).max()
    # the guest clock still never runs past its next timer: it only advances
    assert np.all(np.diff(guest) >= 0)
