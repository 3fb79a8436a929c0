"""The Linux guest of the seed's experiment: where it is, how both emulators
boot it, and how to read what its /init prints.

`scons linux-guest` builds it into build/linux/ (experiments/linux-guest/).
Both emulators get the same command line:

    BINARY -M versatilepb -m 128M -nographic (machine_args.py, no semihosting)
           -kernel zImage -dtb DTB -initrd initramfs.cpio.gz
           -append "console=ttyAMA0 rootfstype=ramfs driftlab.run=... driftlab.secs=N"
           -no-reboot -icount shift=N,sleep=off
           -rtc base=2026-01-01T00:00:00,clock=vm [-drive if=sd,file=IMG,format=raw]
"""
import os
import pathlib
import re
import subprocess

from .machine_args import machine_args

from ..paths import ROOT
GUEST_DIR = ROOT / "build" / "linux"
FILES = ("zImage", "versatile-pb.dtb", "versatile-pb-sd.dtb", "initramfs.cpio.gz")
RTC = "base=2026-01-01T00:00:00,clock=vm"
WORKLOADS = ("stress", "fio-tmpfs", "fio-sd", "idle")

# QEMU's own diagnostics that it prints on stdout among the guest's bytes,
# e.g. "vpb_sic_write: Bad register offset 0x2c": not guest output.
QEMU_DIAG = re.compile(rb"^[a-z0-9_]+: Bad register offset 0x[0-9a-f]+\r?\n", re.M)

MARK = re.compile(r"^driftlab: (begin|end) (\S+) mono_ns=(\d+)(?: status=(\d+))?\r?$", re.M)


def missing(guest_dir=GUEST_DIR):
    """Names of the guest files that are not built yet."""
    return [f for f in FILES if not (pathlib.Path(guest_dir) / f).exists()]


def ensure_built(guest_dir=GUEST_DIR):
    """Builds the guest with scons if any file is missing; returns its dir.
    Raises RuntimeError with the build's last lines when that fails."""
    if missing(guest_dir):
        p = subprocess.run(["scons", "-Q", "linux-guest"], cwd=ROOT, capture_output=True,
                           text=True)
        if p.returncode or missing(guest_dir):
            tail = "\n".join((p.stdout + p.stderr).splitlines()[-15:])
            raise RuntimeError("scons linux-guest failed:\n" + tail)
    return pathlib.Path(guest_dir)


def append_line(run=("stress",), secs=5, extra=()):
    words = ["console=ttyAMA0", "rootfstype=ramfs",
             "driftlab.run=" + ",".join(run), f"driftlab.secs={secs}"]
    return " ".join(words + list(extra))


# The guest marks its region of interest on the console (see /init): the
# emulator starts the policy, the drift monitor and the record at the first
# workload's begin line and stops them at "driftlab: done".
ROI_ARGS = ["-roi-begin", "driftlab: begin ", "-roi-end", "driftlab: done"]


def linux_args(sd=None, guest_dir=GUEST_DIR):
    """The sweep's per-workload arguments besides -kernel and -append: the
    device tree, the initrd, QEMU's reboot and RTC settings, the region of
    interest, and an SD card kept read-only on disk (-snapshot)."""
    g = pathlib.Path(guest_dir)
    args = ["-dtb", str(g / ("versatile-pb-sd.dtb" if sd else "versatile-pb.dtb")),
            "-initrd", str(g / "initramfs.cpio.gz"), "-no-reboot", "-rtc", RTC] + ROI_ARGS
    if sd:
        args += ["-drive", f"if=sd,file={sd},format=raw", "-snapshot"]
    return args


def argv(binary, shift=3, run=("stress",), secs=5, sd=None, sd_dtb=None,
         icount_extra="", guest_dir=GUEST_DIR, append_extra=()):
    """The command line for either emulator. `sd` attaches a raw card image
    to MMCI0; `sd_dtb` chooses the device tree (default: the SD one when a
    card is attached, since QEMU never reports the card to the stock tree)."""
    g = pathlib.Path(guest_dir)
    if sd_dtb is None:
        sd_dtb = sd is not None
    dtb = g / ("versatile-pb-sd.dtb" if sd_dtb else "versatile-pb.dtb")
    cmd = [str(binary)] + machine_args(semihosting=False) + [
        "-kernel", str(g / "zImage"), "-dtb", str(dtb),
        "-initrd", str(g / "initramfs.cpio.gz"),
        "-append", append_line(run, secs, append_extra),
        "-no-reboot",
        "-icount", f"shift={shift},sleep=off" + icount_extra,
        "-rtc", RTC]
    if sd is not None:
        cmd += ["-drive", f"if=sd,file={sd},format=raw"]
    return cmd


def qemu_env():
    return dict(os.environ, QEMU_AUDIO_DRV="none")


def guest_output(stdout: bytes) -> bytes:
    """The serial bytes with QEMU's own diagnostics removed."""
    return QEMU_DIAG.sub(b"", stdout)


def marks(text: str):
    """[(workload, begin_ns, end_ns, status)] from /init's lines."""
    out, open_ = [], {}
    for kind, name, ns, status in MARK.findall(text):
        if kind == "begin":
            open_[name] = int(ns)
        elif name in open_:
            out.append((name, open_.pop(name), int(ns), int(status or 0)))
    return out


def make_sd_image(path, mib=16):
    """A zero-filled raw card image (a power of two, as the SD model needs)."""
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    return path
