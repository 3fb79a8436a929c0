"""Run a bare-metal guest ELF under QEMU (the oracle) or under emu-arm.

Both are started with the same command line:

    BINARY -M versatilepb -m 128M -nographic -semihosting
           -icount shift=0,sleep=off -kernel GUEST.elf [-append ARGS]

stdin is /dev/null, stdout (the PL011 UART0 bytes) and stderr are captured
separately, and the process exit code is the guest's semihosting exit code.
See tests/test_guests_diff.py for what QEMU does with these options.

Environment:
    EMU          emulator under test (default <repo>/build/emu-arm)
    QEMU         reference emulator (default qemu-system-arm)
    EMU_TIMEOUT  seconds per emu-arm run (default 120)
"""
import dataclasses
import difflib
import os
import pathlib
import subprocess
import time

from driftlab.paths import ROOT as REPO
from driftlab.tools.machine_args import machine_args

BUILD = REPO / "build"
GUEST_DIR = BUILD / "guests"
VARIANT_DIR = GUEST_DIR / "variants"

MACHINE_ARGS = machine_args() + ["-icount", "shift=0,sleep=off"]

# QEMU's audio back-ends print noise on stderr on a machine without sound.
RUN_ENV = dict(os.environ, QEMU_AUDIO_DRV="none")

QEMU_TIMEOUT = 60.0


def qemu_path():
    return os.environ.get("QEMU", "qemu-system-arm")


def emu_path():
    return pathlib.Path(os.environ.get("EMU", str(BUILD / "emu-arm")))


def emu_timeout():
    return float(os.environ.get("EMU_TIMEOUT", "120"))


def emu_missing_message():
    """None if the emulator binary is usable, else a message saying why not."""
    p = emu_path()
    if not p.exists():
        return (f"emulator binary {p} does not exist: build it (scons) or point "
                f"EMU=/path/to/emu-arm at it")
    if not os.access(p, os.X_OK):
        return f"emulator binary {p} is not executable"
    return None


@dataclasses.dataclass
class RunResult:
    argv: list
    stdout: bytes
    stderr: bytes
    returncode: int
    timed_out: bool
    seconds: float

    def describe(self):
        what = "TIMEOUT" if self.timed_out else f"exit {self.returncode}"
        return f"{what} after {self.seconds:.2f}s: {' '.join(map(str, self.argv))}"


def guest_argv(binary, elf, append=None):
    argv = [str(binary)] + MACHINE_ARGS + ["-kernel", str(elf)]
    if append:
        argv += ["-append", append]
    return argv


def run(binary, elf, append=None, timeout=QEMU_TIMEOUT):
    """Run one guest; never raises for guest failures or timeouts."""
    argv = guest_argv(binary, elf, append)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=RUN_ENV, cwd=REPO)
        return RunResult(argv, p.stdout, p.stderr, p.returncode, False,
                         time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return RunResult(argv, e.stdout or b"", e.stderr or b"", -1, True,
                         time.monotonic() - t0)


def run_qemu(elf, append=None, timeout=QEMU_TIMEOUT):
    return run(qemu_path(), elf, append, timeout)


def run_emu(elf, append=None, timeout=None):
    """Run under emu-arm; raises FileNotFoundError with a clear message if absent."""
    msg = emu_missing_message()
    if msg:
        raise FileNotFoundError(msg)
    return run(emu_path(), elf, append, emu_timeout() if timeout is None else timeout)


def text_diff(a: bytes, b: bytes, name_a="qemu", name_b="emu-arm", limit=120):
    """Unified diff of two byte strings (decoded leniently), at most `limit` lines."""
    la = a.decode("latin-1").splitlines(keepends=True)
    lb = b.decode("latin-1").splitlines(keepends=True)
    lines = list(difflib.unified_diff(la, lb, name_a, name_b))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)\n"]
    out = "".join(lines)
    if not out and a != b:  # e.g. only a missing final newline or \r differences
        out = f"outputs differ in bytes only: {a[-80:]!r} vs {b[-80:]!r}\n"
    return out


def compare(ref: RunResult, got: RunResult, what="guest"):
    """'' if equal (stdout bytes and exit code), else a readable report."""
    problems = []
    if got.timed_out:
        problems.append(f"emu-arm timed out ({got.describe()})")
    if ref.returncode != got.returncode:
        problems.append(f"exit code: qemu {ref.returncode}, emu-arm {got.returncode}")
    if ref.stdout != got.stdout:
        problems.append("stdout differs:\n" + text_diff(ref.stdout, got.stdout))
    if problems:
        tail = got.stderr.decode("latin-1")[-1500:]
        if tail:
            problems.append("emu-arm stderr (tail):\n" + tail)
        return f"{what}: " + "\n".join(problems)
    return ""
