"""The seed's own guest, Linux 6.1 with Debian's stress and fio, on emu-arm and
on QEMU 7.2 with the same command line: the whole serial log must be the same
bytes. Its printk timestamps and /init's monotonic-clock stamps are functions
of the instruction count under -icount sleep=off with a virtual-clock RTC, so a
matching log pins emu-arm's count to QEMU's over the boot and the workloads,
interrupts and device IO included.

The guest is built once (scons linux-guest, cached by its inputs) and shared
by every test here. Each pair of runs goes in parallel (one per core)."""
import concurrent.futures
import shutil
import subprocess
import threading

import pytest

from guestrun import emu_path, qemu_path

from driftlab.tools import linux_guest as lg  # noqa: E402
from driftlab.tools.machine_args import machine_args  # noqa: E402

SHIFT = 5          # both emulators boot in well under 10 s of host time here
SECS = 1           # each workload runs one guest second
TIMEOUT = 300


def run(cmd, timeout=TIMEOUT):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       env=lg.qemu_env(), timeout=timeout)
    return p.returncode, lg.guest_output(p.stdout), p.stderr


def both(make_cmd):
    """Runs make_cmd(binary) for QEMU and emu-arm side by side."""
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        q = ex.submit(run, make_cmd(qemu_path()))
        e = ex.submit(run, make_cmd(emu_path()))
        return q.result(), e.result()


def assert_same(q, e):
    (qrc, qout, qerr), (erc, eout, eerr) = q, e
    assert qrc == 0, qerr.decode(errors="replace")[-2000:]
    assert erc == 0, eerr.decode(errors="replace")[-2000:]
    if qout != eout:
        ql, el = qout.decode(errors="replace").splitlines(), eout.decode(errors="replace").splitlines()
        i = next((k for k, (a, b) in enumerate(zip(ql, el)) if a != b), min(len(ql), len(el)))
        pytest.fail(f"logs differ from line {i + 1}:\n  qemu: {ql[i] if i < len(ql) else '<end>'}"
                    f"\n  emu:  {el[i] if i < len(el) else '<end>'}")
    text = eout.decode()
    assert "reboot: Restarting system" in text
    return text


def test_boot_stress_fio_tmpfs_matches_qemu(guest):
    q, e = both(lambda b: lg.argv(b, SHIFT, ("stress", "fio-tmpfs"), SECS))
    text = assert_same(q, e)
    m = lg.marks(text)
    assert [(w, st) for w, _, _, st in m] == [("stress", 0), ("fio-tmpfs", 0)], text[-3000:]
    for w, b, end, _ in m:     # each workload ran its guest second, no less
        assert end - b >= SECS * 10**9, (w, b, end)
    assert "VFP support v0.3: implementor 41 architecture 1 part 10 variant 9 rev 0" in text


# Known divergence (docs/linux-guest.md, "Known divergences"): at shifts 3-5
# the boot reaches fio-sd while the CLCD's 60 Hz vblank timer runs, and QEMU
# skips one vblank interrupt that emu-arm delivers (the guest idles at the same
# instant on both; QEMU wakes one frame later). Shifts 6 and 7 are identical.
SD_SHIFTS = [pytest.param(6, id="shift6"),
             pytest.param(5, id="shift5", marks=pytest.mark.xfail(
                 strict=True, reason="emu-arm delivers a CLCD vblank interrupt that QEMU skips "
                 "(docs/linux-guest.md, Known divergences)"))]


@pytest.mark.parametrize("shift", SD_SHIFTS)
def test_fio_on_sd_card_matches_qemu(guest, tmp_path, shift):
    """fio writes the card: the logs and the card's final bytes must match."""
    imgs = {}

    def cmd(binary):
        img = tmp_path / (pathlib_name(binary) + ".img")
        lg.make_sd_image(img)
        imgs[pathlib_name(binary)] = img
        return lg.argv(binary, shift, ("fio-sd",), SECS, sd=img)
    q, e = both(cmd)
    text = assert_same(q, e)
    assert "mmcblk0" in text
    assert [(w, st) for w, _, _, st in lg.marks(text)] == [("fio-sd", 0)], text[-3000:]
    a, b = (imgs[k].read_bytes() for k in sorted(imgs))
    assert a == b and a.strip(b"\0"), "the SD images differ, or fio wrote nothing"


def test_stock_dtb_sees_no_card_on_either(guest, tmp_path):
    """QEMU never sets the card-detect bit the stock tree relies on, so the
    card stays invisible; emu-arm must agree."""
    def cmd(binary):
        img = lg.make_sd_image(tmp_path / (pathlib_name(binary) + ".img"))
        return lg.argv(binary, SHIFT, ("fio-sd",), SECS, sd=img, sd_dtb=False)
    q, e = both(cmd)
    text = assert_same(q, e)
    assert "mmcblk0:" not in text
    assert "driftlab: no SD card" in text


def test_two_runs_give_the_same_bytes(guest):
    cmd = lg.argv(emu_path(), SHIFT, ("stress",), SECS)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        a, b = ex.map(run, [cmd, cmd])
    assert a[0] == b[0] == 0
    assert a[1] == b[1]


def pathlib_name(binary):
    return "qemu" if "qemu" in str(binary) else "emu"


# ---- bad input: one line on stderr, exit status 1 ---------------------------

def bad(tmp_path, guest, **over):
    g = guest
    files = {"kernel": g / "zImage", "dtb": g / "versatile-pb.dtb",
             "initrd": g / "initramfs.cpio.gz", "m": "128M"}
    files.update(over)
    cmd = [str(emu_path())] + machine_args(ram=files["m"], semihosting=False) + [
        "-kernel", str(files["kernel"]), "-dtb", str(files["dtb"]),
        "-initrd", str(files["initrd"]), "-icount", "shift=5,sleep=off"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    lines = p.stderr.decode().strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1 and lines[0].startswith("emu-arm: "), \
        (p.returncode, p.stderr.decode())
    return lines[0]


def test_missing_dtb(tmp_path, guest):
    assert "dtb" in bad(tmp_path, guest, dtb=tmp_path / "nope.dtb")


def test_malformed_dtb(tmp_path, guest):
    f = tmp_path / "junk.dtb"
    f.write_bytes(b"\xd0\x0d\xfe\xed" + b"\x00" * 60)
    assert "not a valid device tree blob" in bad(tmp_path, guest, dtb=f)
    f.write_bytes(b"hello")
    assert "not a valid device tree blob" in bad(tmp_path, guest, dtb=f)


def test_missing_initrd(tmp_path, guest):
    assert "initrd" in bad(tmp_path, guest, initrd=tmp_path / "nope.cpio.gz")


def test_initrd_that_does_not_fit(tmp_path, guest):
    big = tmp_path / "big.cpio"      # 30 MiB from RAM/2 = 24 MiB passes 48 MiB
    shutil.copy(guest / "initramfs.cpio.gz", big)
    with open(big, "ab") as f:
        f.truncate(30 * 2**20)
    assert "do not fit" in bad(tmp_path, guest, m="48M", initrd=big)


def test_kernel_that_is_not_a_zimage(tmp_path, guest):
    f = tmp_path / "not-a-kernel.bin"
    f.write_bytes(b"\x00" * 4096)
    assert "not a Linux zImage" in bad(tmp_path, guest, kernel=f)


def test_dtb_larger_than_ram_after_initrd(tmp_path, guest):
    big = tmp_path / "big.cpio"
    shutil.copy(guest / "initramfs.cpio.gz", big)
    with open(big, "ab") as f:        # initrd ends within a few KiB of RAM's end
        f.truncate(64 * 2**20 - 4096)
    assert "dtb" in bad(tmp_path, guest, initrd=big)


REBOOT_SHIFT = 5   # two boots to the second /init line take about 12 s here
REBOOT_QEMU_TRIES = 4


def run_until_second_init(cmd, timeout=TIMEOUT):
    """Runs cmd without -no-reboot until /init's first line has appeared twice
    (the guest's `reboot -f` restarted it); returns the guest's bytes."""
    p = subprocess.Popen([a for a in cmd if a != "-no-reboot"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=lg.qemu_env())
    buf, inits = b"", 0
    watchdog = threading.Timer(timeout, p.kill)    # a guest that hangs ends the run
    watchdog.start()
    try:
        for line in p.stdout:
            buf += line
            if b"driftlab: init" in line:
                inits += 1
                if inits == 2:
                    break
    finally:
        watchdog.cancel()
        p.kill()
        p.wait()
    return lg.guest_output(buf)


def test_second_boot_after_reboot_matches_qemu(guest):
    """reboot -f restarts the guest on both; the second boot must be the same
    bytes too. QEMU handles the reset in its main loop, racing its vCPU
    thread: usually the vCPU has stopped first, the main loop then counts the
    machine as idle and warps the virtual clock to the next timer deadline
    before resetting (what emu-arm models); sometimes it resets without the
    warp, and that run's second boot differs by a printk microsecond. So QEMU
    gets a few tries to produce emu-arm's bytes. This cannot tell which path
    a QEMU run took, so it pins the whole second boot, not the warp itself:
    tests/test_reboot.py does that with a guest that measures it."""
    cmd = lambda b: lg.argv(b, REBOOT_SHIFT, ("stress",), SECS)  # noqa: E731
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        qf = ex.submit(run_until_second_init, cmd(qemu_path()))
        ef = ex.submit(run_until_second_init, cmd(emu_path()))
        q, e = qf.result(), ef.result()
    text = e.decode(errors="replace")
    assert text.count("driftlab: init") == 2 and "reboot: Restarting system" in text, text[-3000:]
    assert text.count("Booting Linux on physical CPU") == 2, text[-3000:]
    tries = [q]
    while q != e and len(tries) < REBOOT_QEMU_TRIES:
        q = run_until_second_init(cmd(qemu_path()))
        tries.append(q)
    if q != e:
        ql, el = q.decode(errors="replace").splitlines(), text.splitlines()
        i = next((k for k, (a, b) in enumerate(zip(ql, el)) if a != b), min(len(ql), len(el)))
        pytest.fail(f"{len(tries)} QEMU runs, none identical; the last differs from line "
                    f"{i + 1}:\n  qemu: {ql[i] if i < len(ql) else '<end>'}"
                    f"\n  emu:  {el[i] if i < len(el) else '<end>'}")
