"""The `sweep`, `merge` and `status` subcommands of ./driftlab, and the entry
point of SLURM tasks (`python3 -m driftlab.sweep task MANIFEST INDEX`).

./driftlab registers them with `sweep.cli.register(subparsers)`; each sets
`fn` to a function of the parsed arguments that returns an exit status.
"""
import argparse
import os
import pathlib
import shlex
import sys

from . import ROOT
from . import manifest as mf
from .spec import SpecError, expand, parse_spec


def _err(msg, status=2):
    print(f"driftlab: {msg}", file=sys.stderr, flush=True)
    return status


def _results_dir(arg):
    """A results directory from a directory, a manifest, a merged file or a spec."""
    if arg is None:
        found = sorted((ROOT / "results").glob("*/manifest.json"),
                       key=lambda p: p.stat().st_mtime)
        if not found:
            raise FileNotFoundError(f"no sweep under {ROOT / 'results'}; name a results directory")
        return found[-1].parent
    p = pathlib.Path(arg)
    if p.name == "manifest.json":
        return p.parent
    if p.suffix == ".toml":
        return pathlib.Path(parse_spec(p, check_files=False, policies=None).results_dir)
    if p.suffix == ".h5" and not p.is_dir():
        return p.with_suffix("")
    return p


def cmd_sweep(args):
    try:
        spec = parse_spec(args.spec, emu=args.emu, output=args.output,
                          check_files=not args.dry_run)
    except SpecError as e:
        return _err(str(e))
    for w in spec.warnings:
        print(f"driftlab: warning: {w}", file=sys.stderr)
    jobs = expand(spec)
    if args.dry_run:
        w = len(spec.workloads)
        print(f"# sweep {spec.name}: {len(jobs)} jobs; results {spec.results_dir}/, merged "
              f"{spec.output}; time limit {spec.time_limit_s:g} s per run")
        try:
            for j in jobs:
                print(f"{j.index}\t{j.id}\t{shlex.join(j.argv)}")
            sys.stdout.flush()
        except BrokenPipeError:     # ... --dry-run | head
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    emu = pathlib.Path(spec.emu)
    if "emu-arm" in spec.emulators and not (emu.is_file() and os.access(emu, os.X_OK if emu.suffix != ".py" else os.R_OK)):
        return _err(f"emulator {emu} is missing or not executable (./driftlab build, or --emu PATH)")
    try:
        import h5py  # noqa: F401  (the runner annotates each record with it)
    except ImportError:
        return _err(f"{sys.executable} has no h5py: use Debian's /usr/bin/python3 with "
                    "python3-h5py installed (scripts/setup.sh)")
    m = mf.build(spec, jobs, args.backend)
    if args.backend == "local":
        from . import local
        from . import runner
        try:
            fd = local.lock_dir(spec.results_dir)
        except local.LockError as e:
            return _err(str(e))
        except OSError as e:
            if runner.is_no_space(e):
                return _err(str(runner.disk_full_error(spec.results_dir, e)), 1)
            raise
        try:
            mf.write(m)
            rc = local.run(m, jobs, nproc=args.jobs, interval=args.progress_interval)
        except runner.DiskFull as e:
            return _err(str(e), 1)
        except OSError as e:
            if runner.is_no_space(e):
                return _err(str(runner.disk_full_error(spec.results_dir, e)) + "; free space "
                            "(or choose another --output) and rerun the same command", 1)
            raise
        finally:
            os.close(fd)
        if rc == 0 and not args.no_merge:
            from . import merge
            try:
                merge.merge(spec.results_dir, stream=sys.stderr)
            except merge.MergeError as e:
                return _err(f"merge: {e}")
        return rc
    from . import slurm
    opts = {"partition": args.partition, "time": args.time, "account": args.account,
            "throttle": args.throttle, "extra": args.sbatch_arg, "python": args.python,
            "force": args.force}
    try:
        active = slurm.active_jobs(spec.results_dir) if not args.force else []
        if active:
            raise slurm.SlurmError(
                f"jobs of an earlier submission of this sweep are still queued or running "
                f"({', '.join(active[:6])}); wait (./driftlab status {spec.results_dir}), "
                "scancel them, or pass --force")
        mf.write(m)
        sub = slurm.submit(m, jobs, opts)
        if args.wait:
            slurm.wait(m, sub, poll=args.poll, interval=args.progress_interval)
            return slurm.status(spec.results_dir, stream=sys.stderr)
    except slurm.SlurmError as e:
        return _err(str(e))
    return 0


def cmd_merge(args):
    from . import merge
    try:
        d = _results_dir(args.results)
        merge.merge(d, output=args.output, allow_missing=args.allow_missing, stream=sys.stderr)
    except (FileNotFoundError, ValueError, merge.MergeError, SpecError) as e:
        return _err(f"merge: {e}")
    return 0


def cmd_status(args):
    from . import slurm
    try:
        d = _results_dir(args.results)
        return slurm.status(d)
    except (FileNotFoundError, ValueError, SpecError) as e:
        return _err(f"status: {e}")


def cmd_task(args):
    """One SLURM array task: run job INDEX of the manifest."""
    import socket
    from . import runner
    m = mf.load(pathlib.Path(args.manifest).parent)
    jobs = mf.jobs_of(m)
    if not 0 <= args.index < len(jobs):
        print(f"task: index {args.index} out of range (0..{len(jobs) - 1})", flush=True)
        return 2
    job = jobs[args.index]
    host = socket.gethostname()
    if mf.job_state(job, verify=True) == "done":     # e.g. requeued after it finished
        print(f"task {args.index} {job.id} on {host}: already done", flush=True)
        return 0
    attempt = int(os.environ.get("SLURM_RESTART_COUNT", "0") or 0)
    if attempt:
        print(f"task {args.index} {job.id}: attempt {attempt + 1} (SLURM requeued this task)",
              flush=True)
    left = [p.name for p in mf.partials(job)] + (["its final file (unreadable)"]
                                                 if mf.job_state(job) == "bad" else [])
    if left:
        print(f"task {args.index} {job.id}: redoing a half-written run (removing "
              f"{', '.join(left)})", flush=True)
    print(f"task {args.index} {job.id} on {host}: {shlex.join(job.argv)}", flush=True)
    res = runner.run_blocking(job, float(m["time_limit_s"]))
    if res.ok:
        print(f"task {args.index} {job.id}: ok in {res.wall_s:.1f} s -> {job.record}", flush=True)
        return 0
    print(f"task {args.index} {job.id}: FAILED ({res.status}): {res.message}", flush=True)
    if res.stderr_tail.strip():
        print("emulator stderr (tail):\n" + res.stderr_tail.rstrip(), flush=True)
    return 1


def _exiting(fn):
    """./driftlab ignores what a command returns: exit with it here."""
    def run(args):
        sys.exit(fn(args))
    return run


def register(sub, internal=False):
    """Adds sweep, merge and status to an argparse subparsers object (and the
    SLURM task's entry when `internal`). Each command exits with its status."""
    s = sub.add_parser("sweep", help="run a sweep spec (experiments/NAME.toml) locally or on SLURM",
                       description="Expand a TOML sweep spec into emu-arm runs and run them; "
                       "rerunning resumes (finished runs are kept). See docs/cluster.md.")
    s.add_argument("spec", help="sweep spec, e.g. experiments/smoke.toml")
    s.add_argument("--dry-run", action="store_true", help="print the jobs and their commands only")
    s.add_argument("--backend", choices=["local", "slurm"], default="local")
    s.add_argument("--emu", help="emulator binary (default: the spec's emu, else build/emu-arm)")
    s.add_argument("--output", "-o", help="merged results file (default: the spec's output); "
                   "per-run files go in the same path without .h5")
    s.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="local: runs at once (default: the number of cores, %(default)s)")
    s.add_argument("--no-merge", action="store_true", help="local: do not merge at the end")
    s.add_argument("--progress-interval", type=float, default=30.0, metavar="SECONDS",
                   help="seconds between progress lines when stderr is not a terminal")
    g = s.add_argument_group("SLURM (--backend slurm)")
    g.add_argument("--partition", help="sbatch --partition")
    g.add_argument("--account", help="sbatch --account")
    g.add_argument("--time", help="sbatch --time per array task (default: time_limit x1.25 + 1 min)")
    g.add_argument("--throttle", type=int, help="at most this many tasks at once (%%N; default 32)")
    g.add_argument("--sbatch-arg", action="append", default=[], metavar="FLAG",
                   help="extra sbatch option for the array, repeatable: --sbatch-arg=--mem=1G")
    g.add_argument("--python", help="interpreter on the compute nodes (default /usr/bin/python3)")
    g.add_argument("--wait", action="store_true", help="wait for the array and merge jobs, "
                   "then print the status")
    g.add_argument("--poll", type=float, default=5.0, help="--wait: seconds between squeue polls")
    g.add_argument("--force", action="store_true",
                   help="submit even if jobs of an earlier submission are still queued")
    s.set_defaults(fn=_exiting(cmd_sweep))

    m = sub.add_parser("merge", help="merge a sweep's per-run files into one HDF5 results file")
    m.add_argument("results", help="results directory (or the spec, or its manifest.json)")
    m.add_argument("--output", "-o", help="output file (default: the spec's output)")
    m.add_argument("--allow-missing", action="store_true", help="merge even if runs are missing")
    m.set_defaults(fn=_exiting(cmd_merge))

    st = sub.add_parser("status", help="progress of a sweep: files present, SLURM queue, failures")
    st.add_argument("results", nargs="?", help="results directory or spec (default: the newest "
                    "sweep under results/)")
    st.set_defaults(fn=_exiting(cmd_status))

    if internal:
        t = sub.add_parser("task", help="run job INDEX of a manifest (what a SLURM array task does)")
        t.add_argument("manifest")
        t.add_argument("index", type=int)
        t.set_defaults(fn=_exiting(cmd_task))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m driftlab.sweep", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    register(sub, internal=True)
    args = p.parse_args(argv)
    args.fn(args)
