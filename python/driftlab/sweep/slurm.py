"""--backend slurm: an sbatch job array over the manifest and a merge job that
depends on it (afterok), and `status` for a submitted sweep.

Everything the tasks need is named by absolute path in the scripts written to
RESULTS_DIR/slurm/ (which must be on a filesystem the compute nodes share):
the interpreter, the package's import root (PYTHONPATH), the manifest and
the results directory (--chdir). Nothing depends on the submitting shell's
working directory or environment.

Array task i (plus the script's offset argument) runs job i of the manifest
and exits non-zero if it fails, so the merge job's afterok dependency is never
satisfied after a failure and --kill-on-invalid-dep cancels it.
"""
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import time

from ..paths import pythonpath

from . import ROOT
from . import manifest as mf
from .spec import parse_duration, slurm_time

DEFAULT_THROTTLE = 32
TEMPLATES = ROOT / "experiments" / "slurm"
FAILED_STATES = {"FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "CANCELLED", "BOOT_FAIL",
                 "DEADLINE", "PREEMPTED"}
ACTIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
                 "RESIZING", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "REQUEUE_HOLD",
                 "REQUEUE_FED"}


# sweep options a resubmission must repeat (the spec's [slurm] table is reread)
CLI_OPTS = ("partition", "account", "time", "throttle", "extra", "python")


class SlurmError(RuntimeError):
    pass


def resubmit_command(manifest, sub):
    """The ./driftlab command that submits again, with the options the last
    submission had, every job without a complete result (and a new merge job)."""
    o = (sub or {}).get("opts", {})
    argv = ["./driftlab", "sweep", manifest["spec_path"], "--backend", "slurm",
            "--output", manifest["output"]]
    for k in ("partition", "account", "time", "throttle", "python"):
        if o.get(k):
            argv += [f"--{k}", str(o[k])]
    argv += [f"--sbatch-arg={a}" for a in o.get("extra") or []]
    if manifest.get("emu"):
        argv += ["--emu", manifest["emu"]]
    return " ".join(shlex.quote(a) for a in argv)


def _run(argv, check=True, timeout=60):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise SlurmError(f"{argv[0]} not found: is this a SLURM submit host? "
                         "(the SLURM client commands must be on PATH)")
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{argv[0]} did not answer in {timeout} s")
    if check and r.returncode != 0:
        raise SlurmError(f"{' '.join(shlex.quote(a) for a in argv)} failed "
                         f"(status {r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    return r


def ranges(indices):
    """[0,1,2,5,7,8] -> '0-2,5,7-8'"""
    out, idx = [], sorted(indices)
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        out.append(str(idx[i]) if i == j else f"{idx[i]}-{idx[j]}")
        i = j + 1
    return ",".join(out)


def max_array_size():
    try:
        r = _run(["scontrol", "show", "config"], check=False, timeout=20)
        m = re.search(r"^MaxArraySize\s*=\s*(\d+)", r.stdout, re.M)
        if m:
            return int(m.group(1))
    except SlurmError:
        pass
    return 1001


def sbatch_options(manifest, opts):
    """#SBATCH options common to the array and the merge job."""
    sl = manifest.get("slurm", {})
    out = []
    part = opts.get("partition") or sl.get("partition")
    acct = opts.get("account") or sl.get("account")
    if part:
        out.append(f"--partition={part}")
    if acct:
        out.append(f"--account={acct}")
    return out


def task_time(manifest, opts):
    t = opts.get("time") or manifest.get("slurm", {}).get("time")
    if t:
        secs = parse_duration(t)
        if secs is None:
            raise SlurmError(f"--time {t!r} is not a duration (e.g. 00:10:00, 10m)")
        return slurm_time(secs)
    # the run's own limit, plus room for start-up and the HDF5 bookkeeping
    return slurm_time(manifest["time_limit_s"] * 1.25 + 60)


def write_scripts(manifest, opts):
    d = pathlib.Path(manifest["results_dir"])
    sd = d / "slurm"
    (sd / "logs").mkdir(parents=True, exist_ok=True)
    python = opts.get("python") or manifest["python"]
    extra = list(manifest.get("slurm", {}).get("extra", [])) + list(opts.get("extra") or [])
    common = sbatch_options(manifest, opts)
    subst = {"NAME": manifest["name"], "RESULTS": str(d), "SLURMDIR": str(sd),
             "OUTPUT": manifest["output"], "PYTHONPATH": pythonpath(manifest["root"]), "PYTHON": python,
             "TIME": task_time(manifest, opts)}
    for k in ("RESULTS", "OUTPUT", "PYTHONPATH", "PYTHON"):
        # used unquoted in #SBATCH lines and the shell: keep to plain path characters
        if not re.fullmatch(r"[A-Za-z0-9_@%+=:,./~-]+", subst[k]):
            raise SlurmError(f"path {subst[k]!r} has characters (white space, quotes, $...) that "
                             "the job scripts cannot carry; move it or choose another --output")

    def fill(template, options):
        text = (TEMPLATES / template).read_text()
        text = text.replace("@SBATCH_OPTIONS@\n", "".join(f"#SBATCH {o}\n" for o in options))
        for k, v in subst.items():
            text = text.replace(f"@{k}@", v)
        return text
    array = fill("array.sbatch.in", common + extra)
    merge = fill("merge.sbatch.in", common)
    (sd / "array.sbatch").write_text(array)
    (sd / "merge.sbatch").write_text(merge)
    os.chmod(sd / "array.sbatch", 0o755)
    os.chmod(sd / "merge.sbatch", 0o755)
    return sd / "array.sbatch", sd / "merge.sbatch"


def _submissions_path(results_dir):
    return pathlib.Path(results_dir) / "slurm" / "submissions.json"


def load_submissions(results_dir):
    p = _submissions_path(results_dir)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return []


def _save_submissions(results_dir, subs):
    p = _submissions_path(results_dir)
    tmp = p.with_name(p.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(subs, indent=1) + "\n")
    os.replace(tmp, p)


def queue_states(job_ids):
    """{'123_4': ('RUNNING', reason, node), '124': ('PENDING', 'Dependency', '')}
    for jobs the controller still knows (squeue -t all), or None if squeue fails."""
    if not job_ids:
        return {}
    out = {}
    r = _run(["squeue", "-h", "-r", "-t", "all", "-j", ",".join(job_ids),
              "-o", "%i|%T|%r|%N"], check=False)
    if r.returncode != 0:
        if "Invalid job id" not in r.stderr:
            return None
        for jid in job_ids:    # some ids are purged already: ask one by one
            r1 = _run(["squeue", "-h", "-r", "-t", "all", "-j", jid, "-o", "%i|%T|%r|%N"],
                      check=False)
            if r1.returncode == 0:
                out.update(_parse_squeue(r1.stdout))
        return out
    out.update(_parse_squeue(r.stdout))
    return out


def _parse_squeue(text):
    out = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) >= 3:
            out[parts[0]] = (parts[1], parts[2], parts[3] if len(parts) > 3 else "")
    return out


def sacct_states(job_ids):
    """{'123_4': ('FAILED', '1:0', node)} from accounting (the last attempt of
    each task), or None if sacct is unavailable (e.g. no accounting storage)."""
    if not job_ids or not shutil.which("sacct"):
        return None
    r = _run(["sacct", "-n", "-P", "-X", "-j", ",".join(job_ids), "-o",
              "JobID,State,ExitCode,NodeList"], check=False)
    if r.returncode != 0:
        return None
    out = {}
    for line in r.stdout.splitlines():
        p = line.split("|")
        if len(p) >= 3:
            out[p[0]] = (p[1].split()[0], p[2], p[3] if len(p) > 3 else "")
    return out


def active_jobs(results_dir):
    subs = load_submissions(results_dir)
    ids = [i for s in subs for i in s["array_job_ids"] + [s["merge_job_id"]]]
    st = queue_states(ids)
    if not st:
        return []
    return sorted({k for k, (state, *_) in st.items() if state in ACTIVE_STATES})


def submit(manifest, jobs, opts, stream=None):
    """Submits the unfinished jobs and the merge job; returns the submission
    record."""
    stream = stream or sys.stderr
    d = manifest["results_dir"]
    if not shutil.which("sbatch"):
        raise SlurmError("sbatch not found: run this on a SLURM submit host")
    if not opts.get("force"):
        act = active_jobs(d)
        if act:
            raise SlurmError(f"jobs of an earlier submission of this sweep are still queued or "
                             f"running ({', '.join(act[:6])}{' ...' if len(act) > 6 else ''}); "
                             f"wait for them (./driftlab status {d}), scancel them, or pass --force")
    # verify: a run file damaged since it was written is submitted again
    todo = [j for j in jobs if mf.job_state(j, verify=True) != "done"]
    for j in todo:
        mf.failure_path(j).unlink(missing_ok=True)
    array_sh, merge_sh = write_scripts(manifest, opts)
    throttle = int(opts.get("throttle") or manifest.get("slurm", {}).get("throttle")
                   or DEFAULT_THROTTLE)
    arrays = []
    if todo:
        maxa = max_array_size()
        groups = {}
        for j in todo:
            groups.setdefault(j.index // maxa * maxa, []).append(j.index)
        for offset, idx in sorted(groups.items()):
            spec = ranges([i - offset for i in idx]) + f"%{throttle}"
            argv = ["sbatch", "--parsable", f"--array={spec}", str(array_sh), str(offset)]
            r = _run(argv)
            jid = r.stdout.strip().split(";")[0]
            arrays.append({"job_id": jid, "offset": offset, "indices": idx, "argv": argv})
    dep = ["--dependency=afterok:" + ":".join(a["job_id"] for a in arrays),
           "--kill-on-invalid-dep=yes"] if arrays else []
    margv = ["sbatch", "--parsable"] + dep + [str(merge_sh)]
    merge_id = _run(margv).stdout.strip().split(";")[0]
    sub = {"submitted": mf.now_iso(), "array_job_ids": [a["job_id"] for a in arrays],
           "arrays": arrays, "merge_job_id": merge_id, "merge_argv": margv,
           "n_jobs": len(jobs), "n_submitted": len(todo),
           "opts": {k: opts.get(k) for k in CLI_OPTS if opts.get(k)}}
    subs = load_submissions(d)
    subs.append(sub)
    _save_submissions(d, subs)
    skipped = len(jobs) - len(todo)
    print(f"sweep {manifest['name']}: {len(jobs)} jobs, {skipped} already done, "
          f"{len(todo)} submitted", file=stream)
    for a in arrays:
        print(f"  array job {a['job_id']}: {len(a['indices'])} tasks (--array="
              f"{ranges([i - a['offset'] for i in a['indices']])}%{throttle}, offset {a['offset']})",
              file=stream)
    print(f"  merge job {merge_id}" + (f" (afterok:{':'.join(sub['array_job_ids'])})"
                                       if arrays else "") + f" -> {manifest['output']}", file=stream)
    print(f"  task logs: {d}/slurm/logs/task-<array job>_<task>.out\n"
          f"  progress:  ./driftlab status {d}", file=stream, flush=True)
    return sub


def wait(manifest, sub, poll=5.0, stream=None, interval=30.0):
    """Polls squeue until the submission's jobs have left the queue."""
    stream = stream or sys.stderr
    ids = sub["array_job_ids"] + [sub["merge_job_id"]]
    jobs = mf.jobs_of(manifest)
    last = 0.0
    t0 = time.monotonic()
    while True:
        st = queue_states(ids)
        if st is None:
            raise SlurmError("squeue failed while waiting")
        active = [k for k, (s, *_) in st.items() if s in ACTIVE_STATES]
        if not active:
            return
        now = time.monotonic()
        if now - last >= interval:
            done = sum(1 for j in jobs if mf.record_ok(j)[0])
            print(f"sweep: waiting: {done}/{len(jobs)} runs done, {len(active)} SLURM job(s) "
                  f"queued or running, {int(now - t0)}s", file=stream, flush=True)
            last = now
        time.sleep(poll)


def _task_of(sub, index):
    for a in sub.get("arrays", []):
        if index in a["indices"]:
            return f"{a['job_id']}_{index - a['offset']}"
    return None


def status(results_dir, stream=None):
    """Prints the state of a sweep (either backend). Returns 0 if every job is
    done (and, for SLURM, the merged file exists), else 1."""
    stream = stream or sys.stdout
    m = mf.load(results_dir)
    jobs = mf.jobs_of(m)
    d = m["results_dir"]
    states = {j.index: mf.job_state(j) for j in jobs}
    subs = load_submissions(d) if m.get("backend") == "slurm" else []
    sub = subs[-1] if subs else None
    q = {}
    acct = None
    queue_note = ""
    if sub:
        ids = sub["array_job_ids"] + [sub["merge_job_id"]]
        try:
            q = queue_states(ids)
            if q is None:
                queue_note = " (squeue failed: queue state unknown)"
                q = {}
            acct = sacct_states(ids)
        except SlurmError as e:
            queue_note = f" ({e})"
    from .local import is_locked
    local_running = not sub and is_locked(d)
    counts = {}
    lost, failed = [], []
    for j in jobs:
        s = states[j.index]
        task = _task_of(sub, j.index) if sub else None
        qs = q.get(task, (None, None))[0] if task else None
        if s != "done" and qs in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
            s = qs.lower()
        elif s == "partial":
            s = "running" if local_running else "interrupted"
        elif s == "missing" and local_running:
            s = "waiting"
        if s in ("missing", "interrupted", "bad") and task:
            qs2, _, node = q.get(task) or (acct or {}).get(task) or (None, None, "")
            if qs2 in FAILED_STATES:
                s = "failed"
                failed.append((j, task, f"SLURM state {qs2}" + (f" on {node}" if node else "")
                               + (" (a half-written file is left: it is redone on resubmission)"
                                  if mf.partials(j) else "")))
            elif qs2 is None or qs2 == "COMPLETED":
                lost.append((j, task))
        elif s == "failed":
            rec = mf.read_failure(j) or {}
            failed.append((j, task, rec.get("message", "failed") + _tail_hint(rec)))
        counts[s] = counts.get(s, 0) + 1
    order = ["done", "running", "waiting", "pending", "failed", "missing", "interrupted", "bad", "completing",
             "configuring"]
    print(f"sweep {m['name']} ({d}): {len(jobs)} jobs, backend {m.get('backend', '?')}"
          + (" (a local sweep is running)" if local_running else ""), file=stream)
    print("  " + ", ".join(f"{k} {counts[k]}" for k in order if k in counts), file=stream)
    if sub:
        print(f"  last submission {sub['submitted']}: array job(s) "
              f"{', '.join(sub['array_job_ids']) or '-'}, merge job {sub['merge_job_id']}"
              + queue_note, file=stream)
        mq = q.get(sub["merge_job_id"])
        if mq:
            print(f"  merge job: {mq[0]}" + (f" ({mq[1]})" if mq[1] and mq[1] != "None" else ""),
                  file=stream)
    if failed:
        print(f"  failed ({len(failed)}):", file=stream)
        for j, task, why in failed[:30]:
            log = f"  [log {d}/slurm/logs/task-{task}.out]" if task else ""
            print(f"    {j.index} {j.id}: {why}{log}", file=stream)
        if len(failed) > 30:
            print(f"    ... {len(failed) - 30} more", file=stream)
    if lost:
        print(f"  no result and no longer queued ({len(lost)}): "
              + ", ".join(f"{j.index} ({t})" for j, t in lost[:10])
              + (" ..." if len(lost) > 10 else "")
              + f"; see {d}/slurm/logs/", file=stream)
    def queued(j):
        task = _task_of(sub, j.index) if sub else None
        return task is not None and q.get(task, (None,))[0] in ACTIVE_STATES
    # not done and not waiting in the queue: what a resubmission would run
    redo = [j.index for j in jobs if states[j.index] != "done" and not queued(j)]
    out = pathlib.Path(m["output"])
    merged = out.exists()
    print(f"  merged results: {out}" + (" (present)" if merged else " (not yet)"), file=stream)
    if redo and not local_running:
        if sub:
            busy = sum(1 for j in jobs if queued(j))
            when = (f" once the {busy} job(s) still queued or running have finished (until "
                    "then a resubmission is refused)" if busy else "")
            print(f"  to resubmit exactly the {len(redo)} unfinished job(s) "
                  f"({ranges(redo)}; finished ones are kept){when}, on the submit host:\n"
                  f"    {resubmit_command(m, sub)}", file=stream)
        else:
            print(f"  to rerun the {len(redo)} unfinished job(s) (finished ones are kept):\n"
                  f"    ./driftlab sweep {shlex.quote(m['spec_path'])} --backend "
                  f"{m.get('backend', 'local')} --output {shlex.quote(m['output'])}", file=stream)
        if sub:
            maxa = max_array_size()
            groups = {}
            for i in redo:
                groups.setdefault(i // maxa * maxa, []).append(i - i // maxa * maxa)
            deps = []
            print("  or by hand:", file=stream)
            for n, (off, idx) in enumerate(sorted(groups.items())):
                print(f"    j{n}=$(sbatch --parsable --array={ranges(idx)} "
                      f"{d}/slurm/array.sbatch {off})", file=stream)
                deps.append(f"$j{n}")
            print(f"    sbatch --dependency=afterok:{':'.join(deps)} --kill-on-invalid-dep=yes "
                  f"{d}/slurm/merge.sbatch", file=stream)
    all_done = all(s == "done" for s in states.values())
    if all_done and not merged:
        print(f"  all runs done; merge them: ./driftlab merge {d}", file=stream)
    stream.flush()
    return 0 if all_done and (merged or not sub) else 1


def _tail_hint(rec):
    tail = (rec.get("stderr_tail") or "").strip().splitlines()
    return f" -- stderr: {tail[-1][:160]}" if tail else ""
