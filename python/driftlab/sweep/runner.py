"""Running one job: the emulator writes its record to runs/ID.h5.part-XXXX; on
success the runner adds a /sweep group (the job, its command, the UART output,
the final instruction count, wall time, host) and renames the file to
runs/ID.h5. Anything else leaves no final file and a failed/ID.json instead.

Both backends use this: the local pool through start()/finish(), a SLURM
array task through run_blocking().

The emulator's stdout comes through a pipe: a ConsoleReader thread copies it
to logs/ID.out and stamps every line on arrival (console.py), for emu-arm
(its record gains /console beside its own monitor's /drift) and for QEMU,
whose record the runner writes itself (console_record.py), with `info jit`
polled on QEMU's monitor socket. The child's rusage (wait4) gives the CPU
time of either.
"""
import ctypes
import errno
import dataclasses
import json
import os
import pathlib
import re
import secrets
import signal
import socket
import shutil
import subprocess
import sys
import tempfile
import time

from . import console
from . import console_record
from . import manifest as mf

STATS_RE = re.compile(rb"icount: (\d+) instructions, virtual time (-?\d+) ns, shift (\d+)")
TAIL_BYTES = 2000


class DiskFull(RuntimeError):
    """The results directory's filesystem is (nearly) full: stop the sweep
    instead of failing every remaining run for the same reason."""


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def disk_full_error(path, e=None):
    """A DiskFull for the filesystem of `path`, with the space left on it."""
    try:
        free = f"{free_bytes(path) // 1024} KiB free"
    except OSError:
        free = "free space unknown"
    why = f" ({e.strerror})" if isinstance(e, OSError) and e.strerror else ""
    return DiskFull(f"no space left for results in {path}{why}, {free}")


def is_no_space(e):
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)


@dataclasses.dataclass
class Result:
    job: object
    status: str          # ok, failed, timeout, interrupted
    message: str
    stderr_tail: str
    wall_s: float

    @property
    def ok(self):
        return self.status == "ok"


def _pdeathsig():
    """In the child: die with the parent (no orphaned emulators after a kill -9)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class RusagePopen(subprocess.Popen):
    """A Popen that keeps the child's resource usage (wait4) when reaping it:
    the CPU time of this one emulator, whatever else runs in the pool."""
    rusage = None

    def _wait4(self, pid, flags):
        got, sts, ru = os.wait4(pid, flags)
        if got == pid:
            self.rusage = ru
        return got, sts

    def _try_wait(self, wait_flags):        # wait()
        try:
            return self._wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0

    def _internal_poll(self, _deadstate=None, **_):     # poll()
        return super()._internal_poll(_deadstate=_deadstate, _waitpid=self._wait4)


# How often `info jit` is asked on QEMU's monitor socket.
MONITOR_PERIOD_S = 0.1


@dataclasses.dataclass
class Running:
    job: object
    proc: subprocess.Popen
    tmp: pathlib.Path
    started: float       # monotonic
    started_wall: str
    deadline: float
    out_path: pathlib.Path
    err_path: pathlib.Path
    reader: object = None        # console.ConsoleReader
    poller: object = None        # console.MonitorPoller (QEMU)
    sock_dir: str = None


def start(job, time_limit_s):
    """Starts the emulator for a job (after clearing what an earlier attempt left)."""
    mf.clear_for_rerun(job)
    final = pathlib.Path(job.record)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.part-{secrets.token_hex(4)}")
    argv = list(job.argv)
    qemu = getattr(job, "emulator", "emu-arm") == "qemu"
    sock_dir = sock = None
    env = None
    if qemu:
        # a short path: a Unix socket's name is limited to 107 bytes
        sock_dir = tempfile.mkdtemp(prefix="dlq-")
        sock = os.path.join(sock_dir, "hmp")
        argv += ["-monitor", f"unix:{sock},server,nowait"]
        env = dict(os.environ, QEMU_AUDIO_DRV="none")
    else:
        i = max(k for k, a in enumerate(argv) if a == "-record")
        argv[i + 1] = str(tmp)
    out_path, err_path = mf.log_paths(job)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out, err = open(out_path, "wb"), open(err_path, "wb")
    except OSError as e:
        if is_no_space(e):
            raise disk_full_error(final.parent, e)
        raise
    with err:
        t0 = time.monotonic_ns()
        try:
            proc = RusagePopen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=err, cwd=str(final.parent), start_new_session=True,
                               preexec_fn=_pdeathsig, env=env)
        except OSError as e:
            # The emulator could not be started (missing, or being rebuilt):
            # that is this job's failure, reported like any other, not the sweep's.
            err.write(f"cannot start {argv[0]}: {e}\n".encode())
            err.flush()
            proc = RusagePopen([sys.executable, "-c", "raise SystemExit(127)"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                               start_new_session=True)
    reader = console.ConsoleReader(proc.stdout.fileno(), out, t0, getattr(job, "region", None))
    reader.start()
    poller = None
    if qemu:
        poller = console.MonitorPoller(sock, t0, MONITOR_PERIOD_S)
        poller.start()
    t = time.monotonic()
    return Running(job, proc, tmp, t, mf.now_iso(), t + time_limit_s, out_path, err_path,
                   reader, poller, sock_dir)


def _stop_watchers(r):
    """After the emulator exited: the console read to its end, the monitor
    poller stopped, the socket directory gone."""
    if r.poller is not None:
        r.poller.stop()
        r.poller.join(timeout=5)
    if r.reader is not None:
        r.reader.join(timeout=10)
        try:
            r.proc.stdout.close()
        except OSError:
            pass
    if r.sock_dir:
        shutil.rmtree(r.sock_dir, ignore_errors=True)


def kill(r, grace=2.0):
    """Ends a running emulator and its process group: TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(r.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            r.proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    r.proc.wait()


def _tail(path, n=TAIL_BYTES):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - n))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _remove_tmp(r):
    for p in r.tmp.parent.glob(r.tmp.name + "*"):
        p.unlink(missing_ok=True)


def _short_of_space(r):
    """After a failed run: is the disk the cause? emu-arm says so when its
    record could not be written on a full disk (and removes the partial
    file); otherwise true when less space is free than the run had written
    (it could not have finished), or less than 64 KiB."""
    try:
        if b"(the disk is full)" in r.err_path.read_bytes()[-TAIL_BYTES:]:
            return True
    except OSError:
        pass
    try:
        written = sum(p.stat().st_size for p in r.tmp.parent.glob(r.tmp.name + "*"))
        return free_bytes(r.tmp.parent) < max(written, 64 * 1024)
    except OSError:
        return False


def _fail(r, status, message, wall):
    _stop_watchers(r)
    if status == "failed" and _short_of_space(r):
        _remove_tmp(r)
        raise disk_full_error(r.tmp.parent)
    _remove_tmp(r)
    tail = _tail(r.err_path)
    rec = {"job_id": r.job.id, "index": r.job.index, "status": status, "message": message,
           "exit_code": r.proc.returncode, "wall_s": round(wall, 3),
           "started": r.started_wall, "finished": mf.now_iso(),
           "host": socket.gethostname(), "argv": r.job.argv, "stderr_tail": tail,
           "stdout_log": str(r.out_path), "stderr_log": str(r.err_path)}
    fp = mf.failure_path(r.job)
    fp.parent.mkdir(parents=True, exist_ok=True)
    tmp = fp.with_name(fp.name + f".tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(rec, indent=1) + "\n")
        os.replace(tmp, fp)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if is_no_space(e):
            raise disk_full_error(fp.parent, e)
        raise
    return Result(r.job, status, message, tail, wall)


def finish(r, timed_out=False, interrupted=False):
    """After the emulator has exited (or been killed): the Result, with the
    final file in place on success."""
    wall = time.monotonic() - r.started
    rc = r.proc.returncode
    _stop_watchers(r)
    if interrupted:
        _remove_tmp(r)
        return Result(r.job, "interrupted", "interrupted", "", wall)
    if timed_out:
        return _fail(r, "timeout", f"exceeded the time limit ({wall:.0f} s)", wall)
    if rc != 0:
        what = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
        return _fail(r, "failed", f"emulator {what}", wall)
    if getattr(r.job, "emulator", "emu-arm") == "qemu":
        try:
            console_record.write_qemu_record(r.tmp, r.job, r.reader, r.poller, r.proc.rusage,
                                             rc, wall, r.started_wall)
        except Exception as e:
            if is_no_space(e) or _short_of_space(r):
                _remove_tmp(r)
                raise disk_full_error(r.tmp.parent, e)
            return _fail(r, "failed", f"cannot write QEMU's record ({type(e).__name__}: {e})",
                         wall)
    if not r.tmp.is_file():
        return _fail(r, "failed", f"emulator exited 0 but wrote no record at {r.tmp}", wall)
    # Annotating appends to the record with HDF5, which can crash (not fail)
    # when a write meets a full disk: make sure there is room first.
    try:
        logs = sum(p.stat().st_size for p in (r.out_path, r.err_path) if p.exists())
        if free_bytes(r.tmp.parent) < logs + 64 * 1024:
            _remove_tmp(r)
            raise disk_full_error(r.tmp.parent)
    except OSError:
        pass
    try:
        annotate(r, wall)
        mf.write_checksum(r.job, r.tmp)
    except Exception as e:
        if is_no_space(e) or _short_of_space(r):
            _remove_tmp(r)
            mf.checksum_path(r.job).unlink(missing_ok=True)
            raise disk_full_error(r.tmp.parent, e)
        return _fail(r, "failed", f"the record is not readable HDF5 ({type(e).__name__}: {e})",
                     wall)
    os.replace(r.tmp, r.job.record)
    _fsync_dir(pathlib.Path(r.job.record).parent)
    return Result(r.job, "ok", "ok", "", wall)


def _fsync_dir(d):
    try:
        fd = os.open(str(d), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def annotate(r, wall):
    import h5py
    import numpy as np
    job = r.job
    out = r.out_path.read_bytes() if r.out_path.exists() else b""
    err = r.err_path.read_bytes() if r.err_path.exists() else b""
    m = STATS_RE.findall(err)
    instructions, vclock = (int(m[-1][0]), int(m[-1][1])) if m else (-1, -1)
    with h5py.File(r.tmp, "a") as f:
        if "sweep" in f:
            del f["sweep"]
        g = f.create_group("sweep")
        a = g.attrs
        a["job_id"] = job.id
        a["job_index"] = job.index
        a["job_key"] = job.key
        a["workload"] = job.workload
        a["elf"] = job.elf
        a["append"] = job.append
        a["policy"] = job.policy
        a["policy_label"] = job.label
        a["params"] = job.params_str
        a["shift"] = job.shift
        a["align"] = job.align
        a["rep"] = job.rep
        a["argv"] = json.dumps(job.argv)
        a["exit_code"] = r.proc.returncode
        a["wall_s"] = wall
        a["started"] = r.started_wall
        a["finished"] = mf.now_iso()
        a["host"] = socket.gethostname()
        # under SLURM: which task wrote it, and after how many requeues
        a["slurm_job"] = (f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ['SLURM_ARRAY_TASK_ID']}"
                          if "SLURM_ARRAY_TASK_ID" in os.environ else "")
        a["slurm_restart_count"] = int(os.environ.get("SLURM_RESTART_COUNT", "0") or 0)
        a["instructions"] = instructions
        a["virtual_ns"] = vclock
        a["emulator"] = getattr(job, "emulator", "emu-arm")
        ru = r.proc.rusage if isinstance(r.proc, RusagePopen) else None
        a["cpu_user_s"] = ru.ru_utime if ru else -1.0
        a["cpu_sys_s"] = ru.ru_stime if ru else -1.0
        a["maxrss_kib"] = ru.ru_maxrss if ru else -1
        if a["emulator"] != "qemu" and r.reader is not None:
            console_record.add_console(f, r.reader)
        a["emulator_version"] = str(f.attrs.get("emulator_version", ""))
        a["drift_source"] = str(f["drift"].attrs.get("source", "")) if "drift" in f else ""
        g.create_dataset("stdout", data=np.frombuffer(out, dtype=np.uint8))
        g.create_dataset("stderr_tail", data=np.frombuffer(err[-TAIL_BYTES:], dtype=np.uint8))
        a["status"] = "ok"      # last: a file with status ok is complete
        f.flush()
    fd = os.open(str(r.tmp), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cancelled(sig):
    return (f"cancelled by signal {sig} (scancel, a requeue or node failure, or the SLURM "
            "time limit)")


def run_blocking(job, time_limit_s, poll=0.2):
    """Runs one job to the end (SLURM array task). SIGTERM/SIGINT (scancel, the
    SLURM time limit) kill the emulator and leave no final file."""
    stop = []

    def on_signal(sig, _frame):
        stop.append(sig)
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        r = start(job, time_limit_s)
        while r.proc.poll() is None:
            if stop:
                kill(r)
                return _fail(r, "failed", cancelled(stop[0]), time.monotonic() - r.started)
            if time.monotonic() > r.deadline:
                kill(r)
                return finish(r, timed_out=True)
            time.sleep(poll)
        if stop:    # the signal reached the emulator too: its run is cut short
            return _fail(r, "failed", cancelled(stop[0]), time.monotonic() - r.started)
        return finish(r)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
