"""SD card bad input through the real emu-arm binary: bad images are refused
with a one-line error and exit status 1, an unwritable image is attached
read-only with a warning, a guest that addresses beyond the card gets the
card's error status (and prints it) instead of crashing the host, and a
SIGTERM in the middle of a long write run leaves every write the guest saw
acknowledged in the image.

The guest is experiments/guests/fio-rw (build/guests/fio-rw.elf, `scons`).
"""
import os
import pathlib
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time

import pytest

import guestrun
from driftlab.tools.files import sha256_file
from driftlab.tools.machine_args import machine_args

BASE = machine_args() + ["-icount", "shift=0,sleep=off"]
FIO = guestrun.GUEST_DIR / "fio-rw.elf"
CARD_BLOCKS = 2048          # the 1 MiB images below
M32 = 0xffffffff


def sd_pattern(lba, seed):
    """The 512 bytes fio-rw writes to block lba (common/workload.c)."""
    words = [lba & M32, seed & M32, ~lba & M32]
    x = ((lba * 0x9e3779b1) & M32) ^ ((seed * 0x85ebca77) & M32)
    for _ in range(125):
        x = (x * 1664525 + 1013904223) & M32
        words.append(x)
    return struct.pack("<128I", *words)


@pytest.fixture(scope="module", autouse=True)
def need_binaries():
    msg = guestrun.emu_missing_message()
    if msg:
        pytest.fail(msg, pytrace=False)
    if not FIO.exists():
        pytest.fail(f"{FIO} not built: run `scons` first", pytrace=False)


def emu(args, timeout=60, prefix=()):
    return subprocess.run(list(prefix) + [str(guestrun.emu_path())] + BASE + args,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def qemu(args, timeout=60):
    return subprocess.run([guestrun.qemu_path()] + BASE + args, capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env=guestrun.RUN_ENV)


def fio(append, img, how="-sd"):
    sd = ["-sd", str(img)] if how == "-sd" else ["-drive", f"if=sd,file={img},format=raw"]
    return ["-kernel", str(FIO), "-append", append] + sd


def assert_one_line_error(r, *needles):
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("emu-arm: "), err
    for n in needles:
        assert n in lines[0], (n, err)
    assert r.stdout == b"", r.stdout


def image(path, size=CARD_BLOCKS * 512, fill=b"\0"):
    path.write_bytes(fill * size)
    return path


# ---------------------------------------------------------------- bad images

@pytest.mark.parametrize("how", ["-sd", "-drive"])
def test_missing_image(tmp_path, how):
    nope = tmp_path / "nope.img"
    assert_one_line_error(emu(fio("size=8k", nope, how)), str(nope),
                          "No such file or directory")


@pytest.mark.parametrize("size", [1000, 512 * 2048 + 100])
def test_image_size_not_a_multiple_of_512(tmp_path, size):
    img = tmp_path / "odd.img"
    img.write_bytes(b"\0" * size)
    assert_one_line_error(emu(fio("size=8k", img)), "not a multiple of 512")
    assert img.stat().st_size == size


def test_image_size_not_a_power_of_two(tmp_path):
    img = image(tmp_path / "three.img", 3 << 20)
    assert_one_line_error(emu(fio("size=8k", img)), "Invalid SD card size", "power of 2")


def test_image_is_a_directory(tmp_path):
    assert_one_line_error(emu(fio("size=8k", tmp_path)), str(tmp_path))


# ---------------------------------------------------------- unwritable image

def _as_other_user():
    """(argv prefix, reason): how to run emu-arm so that a 0444 file is not
    writable. Non-root: as we are. Root: as nobody through setpriv/runuser."""
    if os.geteuid() != 0:
        return [], None
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], None
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"], None
    return None, "running as root without setpriv or runuser to drop privileges"


def test_unwritable_image_is_attached_read_only():
    prefix, reason = _as_other_user()
    if prefix is None:
        pytest.skip(reason)
    # a directory every user can enter (pytest's tmp_path is private to us)
    d = pathlib.Path(tempfile.mkdtemp(prefix="sd-ro-"))
    try:
        os.chmod(d, 0o755)
        img = image(d / "ro.img", fill=b"\xa5")
        os.chmod(img, 0o444)
        probe = emu(["-version"], prefix=prefix) if prefix else None
        if probe is not None and probe.returncode != 0:
            pytest.skip(f"cannot run {guestrun.emu_path()} as an unprivileged user: "
                        f"{probe.stderr.decode()[-200:]}")
        before = img.read_bytes()

        # writes: the card answers WP_VIOLATION, the guest prints it
        w = emu(fio("rw=write size=8k", img), prefix=prefix)
        err = [line for line in w.stderr.decode().splitlines() if line.strip()]
        assert len(err) == 1 and err[0].startswith("emu-arm: warning: "), err
        assert "read-only" in err[0], err
        out = w.stdout.decode()
        assert w.returncode == 1, (w.returncode, out)
        assert "sd error: ECARD cmd=25" in out and "WP_VIOLATION" in out, out
        assert out.splitlines()[-1].startswith("result workload=fio-rw "), out
        assert "status=error" in out.splitlines()[-1], out

        # reads work
        r = emu(fio("rw=read prefill=0 size=16k", img), prefix=prefix)
        assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
        assert "status=ok" in r.stdout.decode().splitlines()[-1]
        assert img.read_bytes() == before
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("irq", ["0", "1"])
def test_no_card(irq):
    """An empty slot answers nothing: the driver reports ENOCARD, as on QEMU."""
    args = ["-kernel", str(FIO), "-append", f"irq={irq}"]
    r = emu(args)
    assert r.returncode == 1 and not r.stderr.strip(), (r.returncode, r.stderr.decode())
    assert b"sd error: ENOCARD" in r.stdout, r.stdout
    assert b"status=error err=ENOCARD" in r.stdout.splitlines()[-1], r.stdout
    q = qemu(args)
    assert (q.returncode, q.stdout) == (r.returncode, r.stdout)


# --------------------------------------------------------- beyond the card

@pytest.mark.parametrize("append,cmd,flag", [
    # (span given: by default fio-rw keeps its region on the card)
    # the first I/O fits, the second starts at block 2048: CMD25's R1
    ("rw=write start=2040 size=8k span=8k", 25, "ADDRESS_ERROR"),
    # a single-block read far beyond the end, interrupt-driven
    ("rw=read prefill=0 multi=0 start=100000 size=4k irq=1", 17, "ADDRESS_ERROR"),
    # a multi-block read that starts inside and runs off the end: the card
    # reports it in STOP_TRANSMISSION's R1
    ("rw=read prefill=0 start=2044 bs=4k size=4k span=4k", 12, "ADDRESS_ERROR"),
    ("rw=write start=2044 bs=4k size=4k span=4k irq=1", 12, "ADDRESS_ERROR"),
    # the highest block a 32-bit SDSC byte address reaches (0xfffffe00)
    ("rw=read prefill=0 multi=0 start=8388607 size=512 bs=512", 17, "ADDRESS_ERROR"),
])
def test_beyond_the_card(tmp_path, append, cmd, flag):
    img = image(tmp_path / "card.img")
    before = img.read_bytes()
    r = emu(fio(append, img))
    out = r.stdout.decode()
    assert r.returncode == 1, (r.returncode, out, r.stderr.decode())
    assert not r.stderr.strip(), r.stderr.decode()          # no host-side complaint
    sd_err = [line for line in out.splitlines() if line.startswith("sd error: ")]
    assert len(sd_err) == 1 and f"cmd={cmd} " in sd_err[0] and flag in sd_err[0], out
    last = out.splitlines()[-1]
    assert last.startswith("result workload=fio-rw ") and "status=error" in last, out
    if "rw=read" in append:
        assert img.read_bytes() == before
    # and QEMU says the same
    img2 = image(tmp_path / "card2.img")
    q = qemu(fio(append, img2, "-drive"))
    assert (q.returncode, q.stdout) == (r.returncode, r.stdout)
    assert img2.read_bytes() == img.read_bytes()


# ------------------------------------------- emu-arm's SD latency model

@pytest.mark.parametrize("append", [
    "mode=rand rw=mix bs=4k size=32k span=64k",
    "mode=rand rw=mix bs=36k size=144k span=144k irq=1",
    "rw=write bs=512 multi=0 size=8k irq=1",
])
def test_driver_with_latency_model(tmp_path, append):
    """With -sd-latency (docs/sd-latency.md, emu-arm only) commands and
    blocks take virtual time: the driver must wait for them, by polling or
    by interrupts, and never deadlock in WFI."""
    img = image(tmp_path / "lat.img")
    r = emu(fio(append, img) + ["-sd-latency", "5000,41000"], timeout=60)
    out = r.stdout.decode()
    assert r.returncode == 0, (out[-1500:], r.stderr.decode())
    last = out.splitlines()[-1]
    assert last.startswith("result workload=fio-rw ") and "status=ok" in last, out
    fields = dict(kv.split("=", 1) for kv in last.split()[1:])
    # 41 us per 512-byte block caps the rate at 12.5 MB/s
    assert float(fields["mbps"]) < 12.5, last


# ------------------------------------------------------- SIGTERM mid-write

ACK_RE = re.compile(rb"^acked lba=(\d+) n=(\d+)$", re.M)


@pytest.mark.parametrize("extra", ["bs=4k", "bs=2k multi=0 irq=1"])
def test_sigterm_keeps_acknowledged_writes(tmp_path, extra):
    """Kill emu-arm during a long sequential write run; every block the guest
    printed as acknowledged (it prints after the card reported the write done
    with CMD13) must be in the image with the guest's pattern."""
    seed = 4242
    img = image(tmp_path / "kill.img", 4 << 20)
    append = f"rw=write mode=seq size=1024m span=4m ack=1 verify=0 seed={seed} {extra}"
    argv = [str(guestrun.emu_path())] + BASE + fio(append, img)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = b""
    try:
        deadline = time.monotonic() + 30
        acks = 0
        while acks < 400 and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out += line
            acks += line.startswith(b"acked ")
        assert acks >= 400, f"only {acks} acks before EOF/timeout: {out[-500:]!r}"
        p.send_signal(signal.SIGTERM)
        rest, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out += rest
    # stopped by the signal (emu-arm stops cleanly and exits 128 + SIGTERM),
    # not crashed and not finished
    assert p.returncode == 128 + signal.SIGTERM, (p.returncode, err.decode())
    assert b"result workload=" not in out, "the run finished before the kill"
    # only complete lines count as acknowledged
    complete = out[:out.rfind(b"\n") + 1]
    acked = [(int(a), int(n)) for a, n in ACK_RE.findall(complete)]
    assert len(acked) >= 400
    data = img.read_bytes()
    blocks = sorted({lba + i for lba, n in acked for i in range(n)})
    bad = [b for b in blocks if data[b * 512:(b + 1) * 512] != sd_pattern(b, seed)]
    assert not bad, f"{len(bad)} acknowledged blocks missing from the image, first {bad[:8]}"


def test_snapshot_keeps_image_and_guest_sees_its_writes(tmp_path):
    """-snapshot: the guest reads back what it wrote (fio-rw verifies its
    pattern) while the image file stays byte-for-byte unchanged."""
    import subprocess
    img = tmp_path / "snap.img"
    img.write_bytes(bytes(range(256)) * (4 * 4096))     # 4 MiB, a power of 2
    before = sha256_file(img)
    elf = guestrun.GUEST_DIR / "fio-rw.elf"
    argv = guestrun.guest_argv(guestrun.emu_path(), elf, "mode=rand rw=mix size=64k")
    snap = subprocess.run(argv + ["-sd", str(img), "-snapshot"], capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert snap.returncode == 0, snap.stderr.decode()
    assert b"status=ok" in snap.stdout and b"bad=0" in snap.stdout
    assert sha256_file(img) == before
    real = subprocess.run(argv + ["-sd", str(img)], capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert real.stdout == snap.stdout
    assert sha256_file(img) != before
