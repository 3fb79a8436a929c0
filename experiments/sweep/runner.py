"""Running one job: the emulator writes its record to runs/ID.h5.part-XXXX; on
success the runner adds a /sweep group (the job, its command, the UART output,
the final instruction count, wall time, host) and renames the file to
runs/ID.h5. Anything else leaves no final file and a failed/ID.json instead.

Both backends use this: the local pool through start()/finish(), a SLURM
array task through run_blocking().
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
import subprocess
import sys
import time

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


def start(job, time_limit_s):
    """Starts the emulator for a job (after clearing what an earlier attempt left)."""
    mf.clear_for_rerun(job)
    final = pathlib.Path(job.record)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.part-{secrets.token_hex(4)}")
    argv = list(job.argv)
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
    with out, err:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=str(final.parent), start_new_session=True,
                                    preexec_fn=_pdeathsig)
        except OSError as e:
            # The emulator could not be started (missing, or being rebuilt):
            # that is this job's failure, reported like any other, not the sweep's.
            err.write(f"cannot start {argv[0]}: {e}\n".encode())
            err.flush()
            proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(127)"],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True)
    t = time.monotonic()
    return Running(job, proc, tmp, t, mf.now_iso(), t + time_limit_s, out_path, err_path)


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
    if interrupted:
        _remove_tmp(r)
        return Result(r.job, "interrupted", "interrupted", "", wall)
    if timed_out:
        return _fail(r, "timeout", f"exceeded the time limit ({wall:.0f} s)", wall)
    if rc != 0:
        what = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
        return _fail(r, "failed", f"emulator {what}", wall)
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
