"""The human monitor (-monitor unix:PATH,server,nowait and -monitor stdio),
driven through its Unix socket as a script that polls QEMU would drive it.

QEMU 7.2 runs next to emu-arm in the format tests: the same regular
expressions must parse `info jit` and `info registers` from both.
"""
import os
import random
import re
import socket
import subprocess
import threading
import time

import pytest

import guestrun
from driftlab.tools.machine_args import machine_args

from driftlab.paths import ROOT
STRESS = guestrun.GUEST_DIR / "stress-cpu.elf"
LONG_RUN = "cpu=2 iters=200000000 vm=1"          # minutes: every test ends it with quit

# What a script written against QEMU 7.2 matches (QEMU's dump_drift_info).
JIT_RE = re.compile(r"Host - Guest clock\s+(-?\d+) ms\r?\n"
                    r"Max guest delay\s+(NA|-?\d+ ms)\r?\n"
                    r"Max guest advance\s+(NA|-?\d+ ms)\r?\n")
# QEMU's arm_cpu_dump_state for an arm926, as `info registers` prints it.
REGS_RE = re.compile(r"\r\nCPU#0\r\n"
                     + r"(?:R\d\d=[0-9a-f]{8} ){3}R\d\d=[0-9a-f]{8}\r\n" * 4
                     + r"PSR=[0-9a-f]{8} [N-][Z-][C-][V-] [AT] (?:usr|fiq|irq|svc|abt|und|sys)32\r\n"
                     + r"FPSCR: [0-9a-f]{8}\r\n")
PROMPT = b"(qemu) "

EMULATORS = ["emu-arm", "qemu"]


def binary(which):
    return str(guestrun.emu_path()) if which == "emu-arm" else guestrun.qemu_path()


def variants():
    """emu-arm builds to run the robustness tests on."""
    out = [guestrun.emu_path()]
    asan = ROOT / "build/asan/emu-arm"
    if asan.exists() and "EMU" not in os.environ:
        out.append(asan)
    return out


@pytest.fixture(autouse=True)
def need_binaries():
    if not STRESS.exists():
        pytest.skip(f"{STRESS} not built (scons)")
    msg = guestrun.emu_missing_message()
    if msg:
        pytest.skip(msg)


class Monitor:
    """A client of the monitor socket: cmd() sends a line and returns the
    reply up to the next prompt, with QEMU's \\r\\n kept."""

    def __init__(self, path, proc, timeout=20.0):
        self.proc = proc
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"no monitor at {path} (exit {proc.poll()})")
                time.sleep(0.05)
        self.banner = self.read_prompt()

    def read_prompt(self, timeout=30.0):
        buf = b""
        self.sock.settimeout(timeout)
        while not buf.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(buf)
            buf += chunk
        return buf[:-len(PROMPT)].decode("utf-8", "replace")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.read_prompt()

    def quit(self):
        """quit: the monitor closes and the process ends with status 0."""
        self.sock.sendall(b"quit\n")
        self.sock.settimeout(30)
        while self.sock.recv(65536):
            pass
        self.sock.close()
        return self.proc.wait(timeout=30)


def start(which, tmp_path, icount, kernel_args=LONG_RUN, exe=None, extra=()):
    sock = tmp_path / f"{which}.sock"
    argv = [str(exe) if exe else binary(which), *machine_args(),
            "-kernel", str(STRESS), "-append", kernel_args, "-icount", icount,
            "-monitor", f"unix:{sock},server,nowait", *extra]
    out = open(tmp_path / f"{which}.out", "wb")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            env=guestrun.RUN_ENV)
    out.close()
    try:
        return proc, Monitor(sock, proc)
    except Exception:
        proc.kill()
        proc.wait()
        raise


def stopped_proc(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def instructions(mon):
    m = re.search(r"instructions\s+(\d+)", mon.cmd("info jit"))
    assert m, "emu-arm's info jit has an instructions line"
    return int(m.group(1))


def host_minus_guest(mon):
    m = JIT_RE.search(mon.cmd("info jit"))
    assert m
    return int(m.group(1))


@pytest.mark.parametrize("which", EMULATORS)
@pytest.mark.parametrize("align", [True, False])
def test_info_jit_parses_with_qemus_regex(tmp_path, which, align):
    icount = "shift=4,align=on" if align else "shift=4"
    proc, mon = start(which, tmp_path, icount)
    try:
        assert "monitor" in mon.banner
        time.sleep(0.5)
        text = mon.cmd("info jit")
        m = JIT_RE.search(text)
        assert m, f"{which}: info jit does not match QEMU's format:\n{text}"
        if align:
            assert m.group(2).endswith(" ms") and m.group(3).endswith(" ms"), text
            assert int(m.group(2).split()[0]) >= 0 and int(m.group(3).split()[0]) >= 0
        else:
            assert m.group(2) == "NA" and m.group(3) == "NA", text
        assert text.count("\r\n") == text.count("\n"), "every line ends with \\r\\n"
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


@pytest.mark.parametrize("which", EMULATORS)
def test_info_registers_has_qemus_layout(tmp_path, which):
    proc, mon = start(which, tmp_path, "shift=4")
    try:
        time.sleep(0.3)
        text = mon.cmd("info registers")
        assert REGS_RE.search(text), f"{which}:\n{text!r}"
        if which == "emu-arm":
            # While stopped, the state does not move.
            mon.cmd("stop")
            a, b = mon.cmd("info registers"), mon.cmd("info registers")
            assert a == b and REGS_RE.search(a)
            mon.cmd("cont")
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


@pytest.mark.parametrize("exe", variants(), ids=lambda p: p.parent.name)
@pytest.mark.parametrize("icount", ["shift=4,align=on", "shift=4,sleep=off", "shift=auto"])
def test_stop_and_cont(tmp_path, icount, exe):
    proc, mon = start("emu-arm", tmp_path, icount, exe=exe)
    try:
        time.sleep(0.3)
        assert mon.cmd("info status").strip() == "VM status: running"
        before = instructions(mon)
        assert mon.cmd("stop") == ""
        assert mon.cmd("info status").strip() == "VM status: paused"
        frozen = instructions(mon)
        hg = host_minus_guest(mon)
        time.sleep(1.0)
        assert instructions(mon) == frozen, "the guest ran while stopped"
        assert frozen >= before
        # QEMU stops its host-side clock too: a 1 s stop does not show as
        # 1 s of guest lateness (loose bound, the reads are ms apart).
        assert abs(host_minus_guest(mon) - hg) < 500, "stopped time counted as drift"
        assert mon.cmd("stop") == "", "stop when stopped is harmless"
        assert mon.cmd("cont") == ""
        time.sleep(0.5)
        assert instructions(mon) > frozen, "cont did not resume the guest"
        assert mon.cmd("cont") == "", "cont when running is harmless"
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


def test_quit_while_stopped_ends_the_run(tmp_path):
    proc, mon = start("emu-arm", tmp_path, "shift=4,align=on")
    try:
        mon.cmd("stop")
        assert mon.quit() == 0
        assert not (tmp_path / "emu-arm.sock").exists(), "the socket is removed at exit"
    finally:
        stopped_proc(proc)


BAD = [
    ("foo", "unknown command: 'foo'\r\n"),
    ("info foo", "unknown command: 'info foo'\r\n"),
    ("stop 3", "stop|s: extraneous characters at the end of line\r\n"
               "Try \"help stop\" for more information\r\n"),
    ("info registers 7", "CPU#7 not available\r\n"),
    ("help nosuch", "unknown command: 'nosuch'\r\n"),
]


@pytest.mark.parametrize("which", EMULATORS)
def test_bad_commands_get_qemus_errors(tmp_path, which):
    proc, mon = start(which, tmp_path, "shift=4")
    try:
        for line, want in BAD:
            got = mon.cmd(line)
            # QEMU echoes what it reads (with terminal escapes); the reply
            # is what follows the echo.
            assert got.endswith(want), f"{which}: {line!r} -> {got!r}"
        assert "VM status: running" in mon.cmd("info status")
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


def align_info(mon):
    """`info align` as a dict: one `name value` line each, the name without
    blanks (docs/monitor.md)."""
    text = mon.cmd("info align")
    assert text.endswith("\r\n") and text.count("\r\n") == text.count("\n"), text
    out = {}
    for line in text.splitlines():
        name, value = line.split(None, 1)
        assert len(name) <= 19 and line[19] == " " and name not in out, line
        out[name] = value
    return out


def documented_align_lines():
    """The names docs/monitor.md's `info align` table lists, in order."""
    doc = (ROOT / "docs/monitor.md").read_text()
    part = doc[doc.index("### `info align`"):]
    part = part[:part.index("\n### ", 1)]
    return re.findall(r"^\| `(\w+)` \|", part, re.M)


def number(v):
    assert re.fullmatch(r"-?\d+", v), v
    return int(v)


@pytest.mark.parametrize("exe", variants(), ids=lambda p: p.parent.name)
def test_align_policy_errors_change_nothing(tmp_path, exe):
    """A bad spec gets one error line (the words of -align-policy's parser),
    the guest keeps running and the policy stays what it was."""
    # threshold paces in small steps (start-only may sleep for seconds at
    # first, and commands wait for the vCPU)
    proc, mon = start("emu-arm", tmp_path, "shift=4", exe=exe, extra=["-align-policy", "threshold"])
    try:
        time.sleep(0.3)
        for spec, want in [
                ("nosuch", "align policy: unknown policy 'nosuch' (valid: none, start-only"),
                ("per-tb,bogus=1", "align policy: per-tb: unknown parameter 'bogus' "
                                   "(parameters: max-advance-us)"),
                ("per-tb,max-advance-us=abc", "align policy: per-tb: max-advance-us must be a "
                                              "duration in"),
                ("threshold,target-us=500,max-advance-us=100",
                 "align policy: threshold: target-us (500) must be below max-advance-us (100)"),
                ("per-tb,speed=0", "align policy: per-tb: speed must be"),
        ]:
            reply = mon.cmd(f"align policy {spec}")
            assert reply.startswith(want) and reply.count("\r\n") == 1, (spec, reply)
            assert reply.endswith("\r\n")
        before = instructions(mon)
        time.sleep(0.2)
        assert proc.poll() is None and instructions(mon) > before, "the guest stopped"
        info = align_info(mon)
        assert info["policy"] == "threshold" and info["policy_changes"] == "0", info
        assert "expected one positive ratio" in mon.cmd("align speed fast")
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


SWITCH_ARGS = "cpu=2 iters=600000 vm=1 tick_us=1000"     # ~2.6 s of guest time at shift 5


def switch_run(tmp_path, name, switch):
    """stress-cpu, aligned by threshold with sleep=off (the guest's results
    are instructions only); with `switch`, per-tb takes over after 0.8 s."""
    rec = tmp_path / f"{name}.h5"
    argv = [str(guestrun.emu_path()), "-M", "versatilepb", "-m", "128M", "-nographic",
            "-semihosting", "-kernel", str(STRESS), "-append", SWITCH_ARGS,
            "-icount", "shift=5,sleep=off", "-rtc", "clock=vm", "-stats",
            "-align-policy", "threshold", "-record", str(rec)]
    sock = tmp_path / f"{name}.sock"
    if switch:
        argv += ["-monitor", f"unix:{sock},server,nowait"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    info = None
    try:
        if switch:
            mon = Monitor(sock, proc)
            time.sleep(0.8)
            reply = mon.cmd("align policy per-tb,max-advance-us=2000")
            assert reply == ("align policy: now per-tb,max-advance-us=2000 (dry-run=off,"
                             "catch-up=warn,catch-up-limit=100000,speed=1)\r\n"), reply
            info = align_info(mon)
            mon.sock.close()
        out, err = proc.communicate(timeout=120)
    finally:
        stopped_proc(proc)
    assert proc.returncode == 0, err.decode()[-2000:]
    stats = [re.sub(rb", \d+ io-recompiles, \d+ loop exits", b"", l) for l in err.splitlines()
             if l.startswith((b"icount:", b"io:"))]
    return out, stats, info, rec


def test_align_policy_switches_the_running_policy_and_is_recorded(tmp_path):
    """`align policy per-tb,max-advance-us=2000` on a running aligned guest:
    `info align` shows per-tb, the record has the change with its time, and
    the guest's output is byte for byte that of a run without the switch
    (alignment never changes guest results under icount)."""
    h5py = pytest.importorskip("h5py")
    base_out, base_stats, _, _ = switch_run(tmp_path, "plain", False)
    out, stats, info, rec = switch_run(tmp_path, "switched", True)
    assert info["policy"] == "per-tb" and info["policy_params"] == "max-advance-us=2000", info
    assert info["policy_changes"] == "1" and info["aligning"] == "yes", info
    assert b"status=ok" in out
    assert out == base_out, "the switch changed the guest's output"
    assert stats == base_stats and len(stats) == 2
    with h5py.File(rec, "r") as f:
        kinds = f["policy/kind"][:]
        assert (kinds == 8).sum() == 1, "one POLICY event"
        at = f["policy/host_ns"][:][kinds == 8][0]
        assert f["policy/value"][:][kinds == 8].tolist() == [1]
        # 0.8 s after the monitor came up, which is a little after the start
        assert 0.5e9 < at < f["drift/host_ns"][-1], at
        ch = f["policy_changes"]
        assert ch["policy"].asstr()[:].tolist() == ["threshold", "per-tb"]
        assert ch["policy_params"].asstr()[1] == "max-advance-us=2000"
        assert ch["host_ns"][:].tolist() == [0, at]
        assert 0 < ch["guest_ns"][1] and 0 < ch["icount"][1]
        assert f.attrs["policy"] == "threshold", "the root attribute keeps the first policy"
        assert f["summary"].attrs["policy_changes"] == 1
        assert "late_checks" in f["summary/policy"].attrs, "the final policy's own statistics"


def test_align_policy_needs_an_alignment_runtime(tmp_path):
    """Without -align-policy (or align=on) there is no runtime to switch:
    one error line. `-align-policy none` runs unaligned and can be switched
    to a policy and back."""
    proc, mon = start("emu-arm", tmp_path, "shift=4")
    try:
        reply = mon.cmd("align policy per-tb")
        assert reply.startswith("align policy: no alignment runtime") and reply.count("\n") == 1
        info = align_info(mon)
        assert info["policy"] == "none" and info["speed"] == "NA" and info["sleeps"] == "NA"
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)
    proc, mon = start("emu-arm", tmp_path, "shift=6", extra=["-align-policy", "none"])
    try:
        assert align_info(mon)["aligning"] == "no"
        assert "Max guest delay     NA" in mon.cmd("info jit")
        assert mon.cmd("align policy per-tb").startswith("align policy: now per-tb,")
        time.sleep(0.3)
        info = align_info(mon)
        assert info["aligning"] == "yes" and number(info["align_calls"]) > 0, info
        assert re.search(r"Max guest delay\s+\d+ ms", mon.cmd("info jit"))
        assert mon.cmd("align policy none").startswith("align policy: now none (")
        assert align_info(mon)["aligning"] == "no"
        assert "none" in mon.cmd("align policy help") and "per-tb" in mon.cmd("align policy help")
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


@pytest.mark.parametrize("how", ["-S", "stop"])
def test_align_policy_while_stopped_does_not_count_the_stop(tmp_path, how):
    """A policy switched to while the VM is stopped (at -S, or after `stop`)
    starts its clock then; at `cont` it skips the rest of the stop, not the
    whole of it. At shift=7 the guest would run ahead of real time, so
    per-tb paces it: had its clock skipped the whole 1.5 s stop, it would
    see the guest 1 s ahead (the part of the stop before the switch) and
    hold it back that long."""
    proc, mon = start("emu-arm", tmp_path, "shift=7",
                      extra=["-align-policy", "threshold"] + (["-S"] if how == "-S" else []))
    try:
        if how == "stop":
            time.sleep(0.3)
            mon.cmd("stop")
        time.sleep(1.0)
        assert mon.cmd("align policy per-tb").startswith("align policy: now per-tb")
        time.sleep(0.5)
        mon.cmd("cont")
        time.sleep(1.0)
        hg = host_minus_guest(mon)
        advance = number(align_info(mon)["schedule_advance_ns"])
        assert hg < 500 and abs(advance) < 300_000_000, (hg, advance)
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


@pytest.mark.parametrize("exe", variants(), ids=lambda p: p.parent.name)
@pytest.mark.parametrize("record", [False, True], ids=["loop-entries", "record"])
def test_info_align_lists_drift_quantiles_and_counters(tmp_path, exe, record):
    """Every line of `info align` is documented, in the documented order, and
    the figures are numbers: drift quantiles from the loop entries, or from
    the 1 kHz drift monitor when the run records."""
    extra = ["-align-policy", "per-tb", "-record", str(tmp_path / "r.h5")] if record else []
    proc, mon = start("emu-arm", tmp_path, "shift=6" if record else "shift=6,align=on",
                      exe=exe, extra=extra)
    try:
        time.sleep(1.0)
        info = align_info(mon)
        assert list(info) == documented_align_lines()
        assert info["drift_source"] == ("monitor-1000Hz" if record else "loop-entries"), info
        n = number(info["drift_samples"])
        assert n >= (100 if record else 1), info         # 1 kHz, loose: a busy host
        p50, p99, top = (number(info[k]) for k in
                         ("abs_drift_p50_ns", "abs_drift_p99_ns", "abs_drift_max_ns"))
        assert 0 <= p50 <= p99 <= top, info
        number(info["drift_p50_ns"])
        for k in ("host_clock_reads", "align_calls", "sleeps", "sleep_requested_ns",
                  "sleep_actual_ns", "wake_late_ns", "spins", "pacing_cpu_ns", "policy_code_ns",
                  "clock_reads_ns", "forgiven_ns", "catch_up_owed_ns", "catch_up_limit_ns"):
            assert number(info[k]) >= 0, (k, info)
        assert number(info["host_clock_reads"]) > 0 and number(info["align_calls"]) > 0
        assert info["catch_up"] == "warn" and info["speed"] == "1" and info["late_for_ns"] == "NA"
        assert number(info["sleep_actual_ns"]) >= number(info["sleep_requested_ns"]) // 2
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


def test_align_speed_takes_effect_and_is_recorded(tmp_path):
    """At 2x real time the guest gains about a second on the host each
    second (loose bound), and the record holds the change as an event."""
    h5py = pytest.importorskip("h5py")
    rec = tmp_path / "run.h5"
    proc, mon = start("emu-arm", tmp_path, "shift=6",
                      extra=["-align-policy", "threshold", "-record", str(rec)])
    try:
        time.sleep(0.5)
        assert "now runs at 2 x real time" in mon.cmd("align speed 2")
        before = host_minus_guest(mon)
        time.sleep(1.5)
        gained = before - host_minus_guest(mon)
        assert 500 <= gained <= 2500, gained
        assert mon.quit() == 0
        with h5py.File(rec, "r") as f:
            ev = f["policy"]
            kinds = ev["kind"][:]
            assert 7 in kinds, "no SPEED event"
            assert ev["value"][:][kinds == 7].tolist() == [2000000]
    finally:
        stopped_proc(proc)


def test_align_speed_without_a_policy_is_an_error(tmp_path):
    proc, mon = start("emu-arm", tmp_path, "shift=4")
    try:
        assert "no alignment policy" in mon.cmd("align speed 2")
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


def garbage_lines(rng, n):
    alphabet = b"infojtregsaplcqhu?/- \t0123456789x|,=\x1b[A\x08\x7f"
    for _ in range(n):
        k = rng.choice([0, 1, 3, 10, 80, 300, 5000])
        line = bytes(rng.choice(alphabet) if rng.random() < 0.7 else rng.randrange(256)
                     for _ in range(k)).replace(b"\n", b" ")
        first = line.replace(b"\r", b"").replace(b"\0", b"").split()[:1]
        if first and first[0].split(b"/")[0] in (b"q", b"quit"):
            continue            # a well-formed quit would end the run
        yield line


@pytest.mark.parametrize("exe", variants(), ids=lambda p: p.parent.name)
def test_random_garbage_does_not_crash(tmp_path, exe):
    proc, mon = start("emu-arm", tmp_path, "shift=4,align=on", exe=exe)
    try:
        rng = random.Random(20261206)
        for line in garbage_lines(rng, 300):
            mon.sock.sendall(line + b"\n")
            mon.read_prompt()
        # Raw bytes without line structure, in odd chunks.
        blob = bytes(rng.randrange(256) for _ in range(20000)).replace(b"\n", b" ")
        # one line, longer than the 4095-byte line buffer
        for i in range(0, len(blob), 777):
            mon.sock.sendall(blob[i:i + 777])
        mon.sock.sendall(b"\n")
        mon.read_prompt()
        assert proc.poll() is None, "the emulator died"
        mon.cmd("cont")         # a random line may have been a stop
        assert "VM status: running" in mon.cmd("info status")
        assert JIT_RE.search(mon.cmd("info jit"))
        # A second client after the first hangs up gets a fresh monitor.
        mon.sock.close()
        mon2 = Monitor(tmp_path / "emu-arm.sock", proc)
        assert "VM status: running" in mon2.cmd("info status")
        assert mon2.quit() == 0
    finally:
        stopped_proc(proc)


DET_ARGS = "cpu=2 iters=3000000 vm=1 tick_us=1000"


def det_run(tmp_path, name, monitor):
    argv = [str(guestrun.emu_path()), *machine_args(), "-kernel", str(STRESS),
            "-append", DET_ARGS, "-icount", "shift=5,sleep=off", "-rtc", "clock=vm", "-stats"]
    sock = tmp_path / f"{name}.sock"
    if monitor:
        argv += ["-monitor", f"unix:{sock},server,nowait"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    sent = []
    if monitor:
        def hammer():
            try:
                mon = Monitor(sock, proc)
                while proc.poll() is None:
                    for line in ("info registers", "stop", "info jit", "cont", "info status"):
                        mon.cmd(line)
                        sent.append(line)
            except (EOFError, OSError, AssertionError):
                pass            # the run ended under us
        t = threading.Thread(target=hammer, daemon=True)
        t.start()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    # Guest-visible: instructions, virtual time, device accesses. Host-side
    # statistics are not: a kick ends a TB chain early, which may cut TBs
    # differently, and a kick that lands just after an io-recompile was
    # requested drops its cflags, so the access is recompiled once more
    # before it is made (QEMU's cpu_exec does the same on an exit request).
    stats = [re.sub(rb", \d+ io-recompiles, \d+ loop exits", b"", l) for l in err.splitlines()
             if l.startswith((b"icount:", b"io:"))]
    return out, stats, len(sent)


def test_guest_results_identical_with_a_busy_monitor(tmp_path):
    """Commands kick the vCPU out of its TB loop and stop it for a while; the
    guest must see exactly the same run (sleep=off: virtual time is only
    instructions)."""
    base_out, base_stats, _ = det_run(tmp_path, "plain", False)
    mon_out, mon_stats, n = det_run(tmp_path, "mon", True)
    assert n > 20, f"only {n} commands reached the monitor during the run"
    assert mon_out == base_out
    assert mon_stats == base_stats and len(base_stats) == 2


def test_monitor_on_stdio():
    argv = [str(guestrun.emu_path()), *machine_args(), "-kernel", str(STRESS),
            "-append", LONG_RUN, "-icount", "shift=4", "-serial", "null", "-monitor", "stdio"]
    r = subprocess.run(argv, input=b"info status\ninfo jit\nnosuch\nquit\n", capture_output=True,
                       timeout=60)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert out.startswith("emu-arm monitor") and "(qemu) VM status: running\r\n" in out
    assert JIT_RE.search(out) and "unknown command: 'nosuch'\r\n" in out


@pytest.mark.parametrize("args,msg", [
    (["-monitor", "bogus"], "unsupported backend"),
    (["-monitor", "unix:/tmp/driftlab-no-such.sock"], "server"),
    (["-monitor", "stdio"], "serial 0 uses stdio too"),
    (["-S"], "give -monitor"),
    (["-monitor", "unix:/nonexistent-dir/x.sock,server,nowait"], "cannot listen"),
])
def test_bad_monitor_options(args, msg):
    argv = [str(guestrun.emu_path()), "-kernel", str(STRESS), "-semihosting", *args]
    r = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
    err = r.stderr.decode()
    assert r.returncode == 1 and err.count("\n") == 1 and msg in err, err


def test_help_documents_the_monitor():
    r = subprocess.run([str(guestrun.emu_path()), "-help"], capture_output=True, timeout=30)
    assert b"-monitor stdio|unix:PATH,server,nowait|none" in r.stdout
    assert (ROOT / "docs/monitor.md").exists()


def test_stop_is_not_lateness_to_catch_up(tmp_path):
    """At shift=7 the guest would run far ahead of real time, so start-only
    paces it. A 1.5 s stop must not look like 1.5 s of lateness to the
    policy: if it did, the policy would let the guest run unpaced until it
    had made the time up, and Host - Guest would fall towards -1500 ms."""
    proc, mon = start("emu-arm", tmp_path, "shift=7,align=on")
    try:
        time.sleep(0.5)
        mon.cmd("stop")
        time.sleep(1.5)
        mon.cmd("cont")
        time.sleep(1.0)
        hg = host_minus_guest(mon)
        assert hg > -500, f"the guest ran {-hg} ms ahead after the stop"
        assert mon.quit() == 0
    finally:
        stopped_proc(proc)


def test_a_client_that_never_reads_does_not_hang_the_exit(tmp_path):
    """Replies pile up in a socket nobody reads until the monitor thread
    blocks in send(); SIGTERM must still end the run."""
    proc, mon = start("emu-arm", tmp_path, "shift=4")
    try:
        mon.sock.setblocking(False)
        stuck = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not stuck:
            try:
                mon.sock.send(b"help\n" * 100)
            except BlockingIOError:
                time.sleep(0.2)     # still full after a while: the thread is stuck in send()
                try:
                    mon.sock.send(b"help\n")
                except BlockingIOError:
                    stuck = True
        assert stuck, "the monitor kept reading: its replies never filled the socket"
        proc.send_signal(15)
        assert proc.wait(timeout=20) == 128 + 15
    finally:
        mon.sock.close()
        stopped_proc(proc)


def test_start_stopped_registers_identical_to_qemu(tmp_path):
    """-S: both stop before the first instruction, where the reset state is
    the same on both, so `info registers` must match QEMU byte for byte."""
    regs = {}
    for which in EMULATORS:
        proc, mon = start(which, tmp_path, "shift=4", extra=["-S"])
        try:
            assert mon.cmd("info status").endswith("VM status: paused (prelaunch)\r\n")
            text = mon.cmd("info registers")
            regs[which] = text[text.index("\r\nCPU#0\r\n"):]
            assert REGS_RE.fullmatch(regs[which]), text
            m = JIT_RE.search(mon.cmd("info jit"))
            assert m and m.group(1) == "0", "no guest time passes before cont"
            if which == "emu-arm":
                time.sleep(0.5)
                assert instructions(mon) == 0
                mon.cmd("cont")
                assert mon.cmd("info status").endswith("VM status: running\r\n")
                time.sleep(0.3)
                assert instructions(mon) > 0
            assert mon.quit() == 0
        finally:
            stopped_proc(proc)
    assert regs["emu-arm"] == regs["qemu"]


def test_quit_finishes_the_record(tmp_path):
    """quit ends the run the way the guest's own exit does: the HDF5 record
    is complete, with exit code 0, and the policy's counters are in it."""
    h5py = pytest.importorskip("h5py")
    rec = tmp_path / "run.h5"
    proc, mon = start("emu-arm", tmp_path, "shift=6",
                      extra=["-align-policy", "per-tb", "-record", str(rec)])
    try:
        time.sleep(0.3)
        mon.cmd("stop")
        assert "policy              per-tb" in mon.cmd("info align")
        mon.cmd("cont")
        time.sleep(0.3)
        assert mon.quit() == 0
        with h5py.File(rec, "r") as f:
            assert f.attrs["complete"] == 1
            assert f["summary"].attrs["exit_code"] == 0
            assert len(f["drift"]) > 0
    finally:
        stopped_proc(proc)


def test_without_icount_the_virtual_clock_stops_too(tmp_path):
    """Without -icount the virtual clock is host time, but QEMU's does not run
    while stopped. The timer guest busy-waits for 1000 ticks of a 1 kHz SP804
    timer (1 s of virtual time) and prints the 24 MHz counter's elapsed
    count; a 2 s stop in the middle must not be in it (loose: < 2.5 s)."""
    sock = tmp_path / "rt.sock"
    argv = [str(guestrun.emu_path()), *machine_args(),
            "-kernel", str(guestrun.GUEST_DIR / "timer.elf"),
            "-append", "ticks=1000", "-monitor", f"unix:{sock},server,nowait", "-S"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        mon = Monitor(sock, proc)
        mon.cmd("cont")
        time.sleep(0.3)
        mon.cmd("stop")
        time.sleep(2.0)
        mon.cmd("cont")
        out, err = proc.communicate(timeout=60)
        # Not the guest's own verdict: its bounds are tight for host time,
        # which a loaded host stretches without -icount.
        m = re.search(rb"elapsed24=(\d+)", out)
        assert m, out
        assert int(m.group(1)) < 2.5 * 24_000_000, f"the stop counted: {out!r}"
    finally:
        stopped_proc(proc)
