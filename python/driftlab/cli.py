"""driftlab command line: build, test, reproduce and benchmark.

./driftlab runs this module (python3 -m driftlab.cli); an installed package
(`pip install -e .`) has it as the `driftlab-py` console entry point."""
import argparse
import os
import pathlib
import subprocess
import sys

from .paths import PYTHON, ROOT, pythonpath


def die(msg):
    print(f"driftlab: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    print("+ " + " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    r = subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)
    if r.returncode != 0:
        die(f"command failed with status {r.returncode}: {' '.join(str(c) for c in cmd)}")
    return r


def setup():
    run(["bash", "scripts/setup.sh"])


def build(asan=False):
    jobs = str(os.cpu_count() or 2)
    run(["scons", "-Q", "-j", jobs] + (["asan=1"] if asan else []))


def cmd_build(args):
    if not args.no_setup:
        setup()
    build()
    if args.asan:
        build(asan=True)


def start_linux_guest_build():
    """The Linux guest takes ~6 min the first time on 2 cores (seconds after:
    its kernel is cached by the hash of its inputs), so it builds while the
    sanitizer build and the tests that do not boot it run. A thread writes
    its exit status to build/linux-guest.status; the tests' `guest` fixture
    waits for that file (tests/conftest.py) and they run last."""
    import threading
    out = ROOT / "build" / "linux-guest.log"
    status = ROOT / "build" / "linux-guest.status"
    out.parent.mkdir(parents=True, exist_ok=True)
    status.unlink(missing_ok=True)
    print("+ scons -Q linux-guest (in the background; log in build/linux-guest.log)",
          file=sys.stderr, flush=True)
    log = open(out, "wb")
    proc = subprocess.Popen(["scons", "-Q", "linux-guest"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait():
        rc = proc.wait()
        log.close()
        tmp = status.with_suffix(".tmp")
        tmp.write_text(f"{rc}\n")
        tmp.rename(status)
    threading.Thread(target=wait, daemon=True).start()
    return proc, status


def cmd_test(args):
    if not args.no_setup:
        setup()
    build()
    guest_build, status = start_linux_guest_build()
    os.environ["DRIFTLAB_LINUX_GUEST_STATUS"] = str(status)
    try:
        build(asan=True)
        code = run_pytest(args)
    finally:
        if guest_build.poll() is None:       # e.g. -k chose no test that boots it
            guest_build.terminate()
            guest_build.wait()
    sys.exit(code)


def run_pytest(args):
    # -rs: the summary says why each skipped test was skipped (e.g. no network
    # namespaces for the cluster tests), so a skip never reads as a pass
    pytest = [PYTHON, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"]
    if args.k:
        pytest += ["-k", args.k]
    return subprocess.run(pytest, cwd=ROOT).returncode


def cmd_repro(args):
    if not args.no_setup:
        setup()
    build()
    from .tools import repro
    from .analysis import report
    spec = ROOT / "experiments" / ("repro-quick.toml" if args.quick else "repro.toml")
    if not args.quick:
        from .tools import linux_guest
        if linux_guest.missing():
            print("driftlab: building the Linux guest (scons linux-guest; the first build takes "
                  "about 10 min, later ones seconds)", file=sys.stderr, flush=True)
        try:
            linux_guest.ensure_built()
        except RuntimeError as e:
            raise SystemExit(f"driftlab: {e}")
    results = repro.run_sweep(spec, args.jobs)
    rep = report.report(results, stream=sys.stdout)
    repro.compare(results, pathlib.Path(rep["dir"]) / "tables")
    print("\nFigures (PNG and PDF):")
    for p in rep["figures"]:
        print(f"  {p}")
    print(f"Tables: {pathlib.Path(rep['dir']) / 'tables'}/")


def cmd_bench(args):
    if not args.no_setup:
        setup()
    build()
    from .tools import bench
    if args.what == "emu":
        bench.bench_emu(ROOT, reps=args.reps)
    elif args.what == "io":
        from .tools import bench_io
        bench_io.run(ROOT, reps=args.reps)
    elif args.what == "policies":
        from .tools import bench_policies
        bench_policies.main((["--quick"] if args.quick else []) + ["--reps", str(args.reps)] +
                            (["--shifts", args.shifts] if args.shifts else []) +
                            (["--workloads", args.workloads] if args.workloads else []) +
                            (["--callgrind"] if args.callgrind else []))
    elif args.what == "linux":
        from .tools import bench_linux
        bench_linux.run(ROOT, reps=args.reps)


def main(argv=None):
    # This process imported the package, so it has the import root already;
    # the Python processes it starts (pytest, python3 -m driftlab.sweep,
    # SLURM scripts) get it through PYTHONPATH, even from an editable install.
    if not (ROOT / "SConstruct").is_file():
        die(f"{ROOT} is not a driftlab checkout (no SConstruct): install the package "
            "editable (pip install -e .) from one")
    os.environ["PYTHONPATH"] = pythonpath(keep=os.environ.get("PYTHONPATH"))
    p = argparse.ArgumentParser(prog="driftlab", description=__doc__.split("\n\n")[0])
    p.add_argument("--no-setup", action="store_true",
                   help="do not check/install Debian packages first")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="install missing packages and build everything")
    b.add_argument("--asan", action="store_true", help="also build the ASan+UBSan variant")
    b.set_defaults(fn=cmd_build)
    t = sub.add_parser("test", help="build (normal and sanitizer) and run every test")
    t.add_argument("-k", help="only tests matching this pytest expression")
    t.set_defaults(fn=cmd_test)
    repro_help = ("the main job: the seed's study on its Linux guest (experiments/repro.toml: "
                  "stress, fio on tmpfs and SD, QEMU 7.2 align=on beside emu-arm's policies, "
                  "171 runs, about 8 min on 2 cores plus a one-time 10 min guest build); prints "
                  "the seed's, QEMU's and our figures side by side and draws the figures; "
                  "rerunning resumes")
    r = sub.add_parser("repro", help=repro_help, description=repro_help)
    r.add_argument("--quick", action="store_true",
                   help="experiments/repro-quick.toml: bare-metal guests, 2 shifts, 1 repetition, "
                        "QEMU beside emu-arm (about a minute)")
    r.add_argument("-j", "--jobs", type=int, default=2,
                   help="parallel runs (default 2, one per core of the reference machine; "
                        "runs measure time, so more than the cores would disturb them)")
    r.set_defaults(fn=cmd_repro)
    be = sub.add_parser("bench", help="benchmarks (ratios measured side by side)")
    be.add_argument("what", choices=["emu", "io", "policies", "linux"],
                    help="emu: emu-arm vs QEMU guest MIPS; io: CPU vs IO workloads, "
                    "TB and device-exit rates, last-IO share, both -icount-io modes and QEMU; "
                    "policies: recording cost, bookkeeping (dry run vs none), pacing, drift and "
                    "per-exit under each chaining model, per shift and workload; "
                    "linux: the Linux guest (boot, stress, fio) on emu-arm vs QEMU, guest MIPS")
    be.add_argument("--reps", type=int, default=3, help="interleaved repetitions (default 3)")
    be.add_argument("--quick", action="store_true", help="policies: a small version (~3 min)")
    be.add_argument("--shifts", help="policies: icount shifts (default 4,6)")
    be.add_argument("--workloads", help="policies: cpu,io,linux-stress,linux-fio (default all)")
    be.add_argument("--callgrind", action="store_true",
                    help="policies: also count the recording cost in instructions (valgrind)")
    be.set_defaults(fn=cmd_bench)
    from .sweep import cli as sweep_cli
    sweep_cli.register(sub)      # sweep, merge, status: docs/cluster.md
    from .analysis import report
    report.register(sub, build=build)   # report, plot-drift: driftlab/analysis/report.py
    args = p.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
