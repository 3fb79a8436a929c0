"""Helpers shared by tests/test_sweep*.py: which emulator to use, specs in a
temporary directory, running the sweep CLI as a user would."""
import functools
import os
import pathlib
import subprocess
import time

from driftlab.paths import PYTHON, ROOT, child_env
from driftlab.tools.machine_args import machine_args

FAKE_EMU = ROOT / "tests" / "fake_emu.py"
REAL_EMU = ROOT / "build" / "emu-arm"
GUESTS = ROOT / "build" / "guests"


@functools.lru_cache(maxsize=None)
def choose_emu():
    """(path, why): the real build/emu-arm when it exists and takes -record and
    -align-policy, else the stand-in. SWEEP_TEST_EMU=fake|real forces one."""
    want = os.environ.get("SWEEP_TEST_EMU", "")
    if want == "fake":
        return str(FAKE_EMU), "SWEEP_TEST_EMU=fake"
    why = None
    if not (REAL_EMU.is_file() and os.access(REAL_EMU, os.X_OK)):
        why = f"{REAL_EMU} is not built"
    else:
        try:
            r = subprocess.run([str(REAL_EMU), "-help"], capture_output=True, text=True,
                               timeout=20, stdin=subprocess.DEVNULL)
            text = r.stdout + r.stderr
            if "-record" not in text or "-align-policy" not in text:
                why = f"{REAL_EMU} -help does not list -record and -align-policy yet"
        except (OSError, subprocess.TimeoutExpired) as e:
            why = f"{REAL_EMU} -help failed: {e}"
    if why is None:
        return str(REAL_EMU), "real emulator"
    if want == "real":
        raise RuntimeError(f"SWEEP_TEST_EMU=real but {why}")
    return str(FAKE_EMU), f"stand-in: {why}"


def is_fake(emu):
    return emu.endswith(".py")


def emu_argv(emu):
    return [PYTHON, emu] if is_fake(emu) else [emu]


@functools.lru_cache(maxsize=None)
def seconds_per_coremark_iteration(emu):
    """Measured once: wall seconds of one coremark-like iteration on this
    emulator with the costliest policy the tests use (per-tb at shift 0), for
    runs long enough to interrupt whatever the host's speed."""
    n = 300
    argv = emu_argv(emu) + machine_args() + [
        "-icount", "shift=0,align=on", "-align-policy", "per-tb",
        "-kernel", str(GUESTS / "coremark-like.elf"), "-append", f"iterations={n}"]
    best = None
    for _ in range(2):
        t0 = time.monotonic()
        subprocess.run(argv, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                       check=True)
        dt = time.monotonic() - t0
        best = dt if best is None else min(best, dt)
    return max(best / n, 1e-6)


def iterations_for(emu, seconds):
    return max(20, int(seconds / seconds_per_coremark_iteration(emu)))


def sweep_env(extra=None):
    return child_env(**(extra or {}))


def sweep_cmd(*args):
    """The CLI as ./driftlab runs it (python3 -m driftlab.sweep is the same code)."""
    return [PYTHON, "-m", "driftlab.sweep"] + [str(a) for a in args]


def run_cli(*args, env=None, timeout=300, check=False):
    r = subprocess.run(sweep_cmd(*args), capture_output=True, text=True, timeout=timeout,
                       env=sweep_env(env), cwd=str(ROOT), stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(sweep_cmd(*args))} -> {r.returncode}\n"
                             f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def toml_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_spec(path, *, name, output, emu, workloads, policies, shifts=(0,), reps=1,
               time_limit="60s", extra=""):
    """workloads: {label: (elf path, append str or list)}; policies: {label:
    {param: value or list}} (a 'policy' key names the policy)."""
    def val(v):
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return toml_str(v)
        return repr(v)
    lines = [f"name = {toml_str(name)}", f"output = {toml_str(output)}",
             f"time_limit = {val(time_limit)}", f"repetitions = {reps}",
             f"shifts = {val(list(shifts))}", f"emu = {toml_str(emu)}", extra, ""]
    for label, (elf, app) in workloads.items():
        lines += [f"[workloads.{label}]", f"elf = {toml_str(elf)}", f"append = {val(app)}", ""]
    for label, params in policies.items():
        lines.append(f"[policies.{label}]")
        lines += [f"{k} = {val(v)}" for k, v in params.items()]
        lines.append("")
    pathlib.Path(path).write_text("\n".join(lines))
    return path
