"""--backend local: run the manifest's unfinished jobs in a pool of processes.

One emulator process per job (in its own session, so a terminal Ctrl-C reaches
only this process, which then stops them in order), at most -j at once.
Finished jobs (a complete runs/ID.h5) are skipped, so rerunning the same
command resumes an interrupted sweep; temp files and unreadable final files
are removed and their jobs redone.
"""
import fcntl
import os
import pathlib
import signal
import sys
import time

from . import manifest as mf
from . import runner


def fmt_secs(s):
    if s is None:
        return "--"
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class Progress:
    """A bar with an ETA when the stream is a terminal, else a plain line every
    `interval` seconds (and at the end).

    On a terminal, tqdm draws the bar: it fits it to the window, estimates
    the rate from the runs done here (not the skipped ones) and keeps the
    message() lines above it. The plain lines for logs and pipes stay ours,
    since tqdm writes a redrawn bar, \\r-separated, into a file."""

    def __init__(self, total, skipped, stream=None, interval=30.0):
        self.total, self.skipped = total, skipped
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval
        self.t0 = time.monotonic()
        self.last = 0.0 if self.tty else self.t0
        self.ok = self.failed = self.running = 0
        self.bar = None
        if self.tty:
            from tqdm import tqdm
            # smoothing=0: the ETA is the mean time per run so far, as in the log lines
            self.bar = tqdm(total=total, initial=skipped, file=self.stream, unit="run",
                            dynamic_ncols=True, smoothing=0, mininterval=0.2, leave=True)

    def eta(self):
        n = self.ok + self.failed
        left = self.total - self.skipped - n
        if n == 0:
            return None
        return (time.monotonic() - self.t0) / n * left

    def counts(self):
        return (f"{self.failed} failed, " if self.failed else "") + f"{self.running} running"

    def text(self):
        done = self.skipped + self.ok + self.failed
        el = time.monotonic() - self.t0
        return (f"{done}/{self.total} done, {self.counts()}, elapsed {fmt_secs(el)}, "
                f"ETA {fmt_secs(self.eta())}")

    def update(self, force=False):
        now = time.monotonic()
        if self.bar is not None:
            if not force and now - self.last < 0.2:
                return
            self.bar.n = self.skipped + self.ok + self.failed
            self.bar.set_postfix_str(self.counts(), refresh=False)
            self.bar.refresh()
        else:
            if not force and now - self.last < self.interval:
                return
            self.stream.write(f"sweep: {self.text()}\n")
            self.stream.flush()
        self.last = now

    def message(self, text):
        """A line of its own (above the bar on a terminal)."""
        if self.bar is not None:
            self.bar.write(text.rstrip("\n"), file=self.stream)
        else:
            self.stream.write(text.rstrip("\n") + "\n")
            self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.update(force=True)
            self.bar.close()


class LockError(RuntimeError):
    pass


def lock_dir(results_dir):
    p = pathlib.Path(results_dir) / ".lock"
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(p), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LockError(f"another sweep is running in {results_dir} (lock {p})")
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def is_locked(results_dir):
    """True while a local sweep runs in results_dir."""
    p = pathlib.Path(results_dir) / ".lock"
    if not p.exists():
        return False
    fd = os.open(str(p), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def indent(text, prefix="    "):
    return "\n".join(prefix + l for l in text.rstrip().splitlines())


def run(manifest, jobs, nproc=None, stream=None, interval=30.0, poll=0.05):
    """Runs what is not done (the caller holds lock_dir()). Returns an exit
    status: 0 all done, 1 some failed, 130 interrupted."""
    stream = stream or sys.stderr
    nproc = max(1, nproc or os.cpu_count() or 1)
    limit = float(manifest["time_limit_s"])
    states = {j.id: mf.job_state(j, verify=True) for j in jobs}
    pending = [j for j in jobs if states[j.id] != "done"]
    skipped = len(jobs) - len(pending)
    redo = [j.id for j in pending if states[j.id] in ("bad", "partial")]
    print(f"sweep {manifest['name']}: {len(jobs)} jobs, {skipped} already done, "
          f"{len(pending)} to run on {min(nproc, max(1, len(pending)))} processes "
          f"(results in {manifest['results_dir']})", file=stream, flush=True)
    known = {pathlib.Path(j.record).name for j in jobs}
    strays = [p.name for p in (pathlib.Path(manifest["results_dir"]) / "runs").glob("*.h5")
              if p.name not in known]
    if strays:
        print(f"sweep: note: {len(strays)} file(s) in runs/ belong to no job of this spec "
              f"(left alone, not merged): {', '.join(strays[:3])}{' ...' if len(strays) > 3 else ''}",
              file=stream, flush=True)
    if redo:
        print(f"sweep: redoing {len(redo)} job(s) left half-written: "
              + ", ".join(redo[:5]) + (" ..." if len(redo) > 5 else ""), file=stream, flush=True)
    prog = Progress(len(jobs), skipped, stream, interval)
    stop = []

    def on_signal(sig, _frame):
        stop.append(sig)
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    running, results = [], []
    queue = list(pending)
    full = None
    try:
        while (queue or running) and not stop and not full:
            try:
                while queue and len(running) < nproc and not stop:
                    running.append(runner.start(queue.pop(0), limit))
            except runner.DiskFull as e:
                full = e
                break
            prog.running = len(running)
            still = []
            for r in running:
                rc = r.proc.poll()
                timed_out = rc is None and time.monotonic() > r.deadline
                if timed_out:
                    runner.kill(r)
                if rc is None and not timed_out:
                    still.append(r)
                    continue
                try:
                    res = runner.finish(r, timed_out=timed_out)
                except runner.DiskFull as e:
                    full = e        # this run left nothing behind; stop the others
                    continue
                results.append(res)
                if res.ok:
                    prog.ok += 1
                else:
                    prog.failed += 1
                    tail = "\n".join(res.stderr_tail.strip().splitlines()[-6:])
                    prog.message(f"sweep: FAILED {res.job.id}: {res.message}"
                                 + (f"\n  stderr (tail):\n{indent(tail)}" if tail else ""))
            running = still
            prog.running = len(running)
            prog.update()
            if running or queue:
                time.sleep(poll)
    finally:
        if stop or running:
            # Ctrl-C / SIGTERM, a full disk (or an error here): stop every
            # emulator; their temp files go, so no half-written final file is left.
            for r in running:
                if r.proc.poll() == 0:      # finished just now: keep it
                    try:
                        if runner.finish(r).ok:
                            prog.ok += 1
                            continue
                    except runner.DiskFull:
                        pass
                    continue
                runner.kill(r)
                runner.finish(r, interrupted=True)
            running = [r for r in running if r.proc.returncode != 0]
        for s, h in old.items():
            signal.signal(s, h)
    prog.running = 0
    prog.close()
    if full:
        complete = sum(1 for j in jobs if mf.job_state(j) == "done")
        raise runner.DiskFull(f"{full}: the sweep stopped with {complete} of {len(jobs)} runs "
                              "complete and no partial file kept; free space (or choose "
                              "another --output) and rerun the same command to resume")
    ok = sum(1 for r in results if r.ok)
    failed = [r for r in results if not r.ok]
    if stop:
        complete = skipped + prog.ok
        print(f"sweep: interrupted (signal {stop[0]}): {complete} of {len(jobs)} jobs complete, "
              f"{len(running)} running job(s) stopped and their partial files removed.\n"
              f"sweep: rerun the same command to resume.", file=stream, flush=True)
        return 130
    timeouts = sum(1 for r in failed if r.status == "timeout")
    print(f"sweep {manifest['name']}: {skipped + ok} succeeded ({skipped} already done), "
          f"{len(failed)} failed" + (f" ({timeouts} over the time limit)" if timeouts else "")
          + f", {len(jobs)} jobs, {fmt_secs(time.monotonic() - prog.t0)}", file=stream, flush=True)
    if failed:
        print("sweep: failed jobs (details in failed/ID.json, logs in logs/):", file=stream)
        for r in failed[:20]:
            print(f"  {r.job.index} {r.job.id}: {r.message}", file=stream)
        if len(failed) > 20:
            print(f"  ... {len(failed) - 20} more (./driftlab status {manifest['results_dir']})",
                  file=stream)
        print("sweep: rerun the same command to retry them (finished jobs are kept).",
              file=stream, flush=True)
        return 1
    return 0
