"""The job manifest (RESULTS_DIR/manifest.json), provenance, and the state of
each job as the files in RESULTS_DIR show it.

RESULTS_DIR/
    manifest.json        the jobs, the spec text, provenance (rewritten by each `sweep`)
    runs/ID.h5           a finished run (emu-arm's record + /sweep annotations)
    runs/ID.h5.sha256    its SHA-256, written just before the rename: damage done
                         to the file afterwards (a bad disk, a partial copy) shows
    runs/ID.h5.part-*    a run being written (or left by an interrupted one)
    failed/ID.json       why the last attempt of a job failed
    logs/ID.out, ID.err  the emulator's stdout (UART) and stderr
    slurm/               sbatch scripts, submissions.json, per-task logs
"""
import datetime
import json
import os
import pathlib
import platform
import socket
import subprocess

from ..tools.files import sha256_file

from . import PYTHON, ROOT
from .spec import Job

FORMAT = "driftlab-sweep-manifest/1"


def git_info(root=ROOT):
    def g(*args):
        try:
            r = subprocess.run(["git", "-C", str(root)] + list(args), capture_output=True,
                               text=True, timeout=20)
            return r.stdout.strip() if r.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired):
            return None
    commit = g("rev-parse", "HEAD")
    status = g("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit or "unknown", "dirty": bool(status) if status is not None else None,
            "describe": g("describe", "--always", "--dirty") or "unknown"}


def host_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": socket.gethostname(), "platform": platform.platform(),
            "cpu": cpu, "cores": os.cpu_count() or 1, "python": platform.python_version()}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def build(spec, jobs, backend):
    return {
        "format": FORMAT,
        "name": spec.name,
        "description": spec.description,
        "spec_path": spec.path,
        "spec_text": spec.text,
        "results_dir": spec.results_dir,
        "output": spec.output,
        "emu": spec.emu,
        "emulators": spec.emulators,
        "qemu": spec.qemu if "qemu" in spec.emulators else "",
        "time_limit_s": spec.time_limit_s,
        "slurm": spec.slurm,
        "root": str(ROOT),
        "python": PYTHON,
        "created": now_iso(),
        "backend": backend,
        "git": git_info(),
        "host": host_info(),
        "jobs": [j.to_json() for j in jobs],
    }


def path_of(results_dir):
    return pathlib.Path(results_dir) / "manifest.json"


def write(manifest):
    d = pathlib.Path(manifest["results_dir"])
    for sub in ("runs", "failed", "logs"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    p = path_of(d)
    tmp = p.with_name(f".manifest.json.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, p)
    return p


def load(results_dir):
    p = path_of(results_dir)
    if not p.is_file():
        raise FileNotFoundError(f"{p} does not exist: not a sweep results directory "
                                "(run ./driftlab sweep SPEC first)")
    m = json.loads(p.read_text())
    if m.get("format") != FORMAT:
        raise ValueError(f"{p}: unknown manifest format {m.get('format')!r}")
    return m


def jobs_of(manifest):
    return [Job.from_json(j) for j in manifest["jobs"]]


# ---- state of a job on disk -----------------------------------------------

def failure_path(job):
    return pathlib.Path(job.record).parent.parent / "failed" / f"{job.id}.json"


def log_paths(job):
    logs = pathlib.Path(job.record).parent.parent / "logs"
    return logs / f"{job.id}.out", logs / f"{job.id}.err"


def partials(job):
    p = pathlib.Path(job.record)
    return sorted(p.parent.glob(p.name + ".part-*"))


def checksum_path(job):
    return pathlib.Path(job.record + ".sha256")


def write_checksum(job, path):
    """Records the SHA-256 of `path` (the run's file, about to become its
    final record) in runs/ID.h5.sha256."""
    c = checksum_path(job)
    tmp = c.with_name(c.name + f".tmp-{os.getpid()}")
    tmp.write_text(sha256_file(path) + "\n")
    os.replace(tmp, c)


def record_ok(job, verify=False):
    """(True, None) if runs/ID.h5 is a complete record of this very job, else
    (False, why). `verify` also compares the file with the checksum written
    when it was finished (reads it whole: for resuming and merging, not for
    status)."""
    p = pathlib.Path(job.record)
    if not p.exists():
        return False, "missing"
    if verify:
        try:
            want = checksum_path(job).read_text().strip()
        except FileNotFoundError:
            want = None        # written before checksums were kept
        except OSError as e:
            return False, f"its checksum file is unreadable ({e.strerror})"
        if want is not None:
            try:
                got = sha256_file(p)
            except OSError as e:
                return False, f"unreadable ({e.strerror})"
            if got != want:
                return False, ("its contents changed since the run finished (SHA-256 differs "
                               "from runs/" + checksum_path(job).name + ")")
    try:
        import h5py
        with h5py.File(p, "r") as f:
            if "complete" in f.attrs and int(f.attrs["complete"]) != 1:
                return False, "the emulator did not mark it complete"
            if "sweep" not in f:
                return False, "no /sweep group (not written by the sweep runner)"
            a = f["sweep"].attrs
            if a.get("status") != "ok":
                return False, f"status {a.get('status')!r}"
            if a.get("job_key") != job.key:
                return False, "written by a different job definition"
    except Exception as e:   # truncated, not HDF5, ...
        return False, f"unreadable ({type(e).__name__}: {e})"
    return True, None


def job_state(job, verify=False):
    """'done', 'failed', 'partial' (a temp file exists), 'bad' (a final file
    that is not a complete record of this job) or 'missing'."""
    ok, why = record_ok(job, verify)
    if ok:
        return "done"
    if why != "missing":
        return "bad"
    if partials(job):
        return "partial"
    if failure_path(job).exists():
        return "failed"
    return "missing"


def read_failure(job):
    try:
        return json.loads(failure_path(job).read_text())
    except (OSError, ValueError):
        return None


def clear_for_rerun(job):
    """Removes what an unfinished attempt left: temp files, a bad final file,
    the failure record. Returns a list of what was removed (for the log)."""
    removed = []
    for p in partials(job):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    p = pathlib.Path(job.record)
    if p.exists() and not record_ok(job, verify=True)[0]:
        p.unlink()
        removed.append(p.name)
    if not p.exists() and checksum_path(job).exists():
        checksum_path(job).unlink()
    failure_path(job).unlink(missing_ok=True)
    return removed
