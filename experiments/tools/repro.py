"""The reproduction: run the seed's comparison as a sweep, analyse it, and set
our figures beside the 2014 review's (datasets/seed-2014.csv).

Every number printed comes from the sweep's merged results through the
analysis tool's tables (build/report/NAME/tables/*.csv); the per-operation
costs used in the explanations (a host clock read, a TB) are derived from the
same runs' counters."""
import csv
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SD_IMAGE = ROOT / "build" / "repro-sd.img"
SD_BYTES = 16 << 20
LAG_BOUND_MS = 10.0


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def make_sd_image():
    if not SD_IMAGE.exists() or SD_IMAGE.stat().st_size != SD_BYTES:
        SD_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        with open(SD_IMAGE, "wb") as f:
            f.truncate(SD_BYTES)


def run_sweep(spec, jobs):
    """Runs (or resumes) the sweep and merges it; returns the merged file."""
    make_sd_image()
    cmd = [str(ROOT / "driftlab"), "--no-setup", "sweep", str(spec), "-j", str(jobs)]
    print("+ " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
    r = subprocess.run(cmd, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"driftlab: the reproduction sweep failed (status {r.returncode}); "
                         f"rerun `./driftlab repro` to resume it")
    import tomllib
    out = tomllib.loads(pathlib.Path(spec).read_text())["output"]
    return ROOT / out


def per_op_costs(results, workload):
    """Median ns per host clock read (per-tb's extra CPU over none, divided by
    its reads) and per executed TB (none's CPU over its TBs), same shift and
    repetition, from the runs' own counters."""
    import h5py
    with h5py.File(results, "r") as f:
        s = f["summary"][()]
    names = s.dtype.names

    def get(r, k):
        v = r[k]
        return v.decode() if isinstance(v, bytes) else v

    rows = [r for r in s if get(r, "workload") == workload]
    base = {(int(get(r, "shift")), int(get(r, "rep"))): r for r in rows
            if get(r, "policy_label") == "none"}
    read_ns, tb_ns = [], []
    for r in rows:
        key = (int(get(r, "shift")), int(get(r, "rep")))
        b = base.get(key)
        if b is None:
            continue
        if get(r, "policy_label") == "per-tb" and "host_clock_reads" in names and r["host_clock_reads"] > 0:
            read_ns.append((r["vcpu_cpu_ns"] - b["vcpu_cpu_ns"]) / r["host_clock_reads"])
        if get(r, "policy_label") == "none" and "tbs" in names and r["tbs"] > 0:
            tb_ns.append(r["vcpu_cpu_ns"] / r["tbs"])
    med = lambda xs: statistics.median(xs) if xs else None
    return med(read_ns), med(tb_ns)


def seed_split(results, shift, cpu_wl, out, seed=None):
    """The seed's 13% and 3% beside the parts of our overhead they correspond
    to. Both were bookkeeping: the seed's guests barely kept up with real
    time, so its policies hardly slept; what a policy costs while sleeping
    (pacing) is another part, measured here separately."""
    sys.path.insert(0, str(ROOT))
    from analysis import split
    rows = split.split(results)
    w = lambda s="": print(s, file=out)

    def row(wl, label):
        for r in rows:
            if r["workload"] == wl and r["policy_label"] == label and r["shift"] == shift:
                return r
        return None

    def book(r):
        if not r or r["bookkeeping"] is None:
            return "n/a"
        ci = "" if r["bookkeeping_ci"] is None else f" +-{100 * r['bookkeeping_ci']:.1f}"
        return f"{100 * r['bookkeeping']:+.1f}%{ci} ({r['clock_reads_per_minsn']:.0f} reads/Minsn)"

    def real(r):
        if not r:
            return "n/a"
        tot = "n/a" if r["total_overhead"] is None else f"{100 * r['total_overhead']:+.0f}%"
        return (f"total {tot}, pacing {split.fmt(r['pacing_ms_per_s'], '.1f')} ms/s, |drift| p99 "
                f"{split.fmt(r['abs_drift_p99_us'], '.0f')} us, slope "
                f"{split.fmt(r['drift_slope_ppm'], '+.1f')} ppm")
    q21 = "cpu-qemu21" if any(r["workload"] == "cpu-qemu21" for r in rows) else cpu_wl
    w(f"\nThe seed's overheads are bookkeeping (its guests barely kept up with real time, so it "
      f"hardly slept). Ours split at shift {shift} (bookkeeping = dry run vs none, same guest "
      f"and chaining, mean +-95% interval; the real runs' total, pacing and drift beside):")
    first = (seed or {}).get("per-tb-overhead", {}).get("value", "13")
    merged = (seed or {}).get("start-only-overhead", {}).get("value", "3")
    lines = [
        (f"seed {first}%: first algorithm, a clock read per return to the loop",
         f"per-exit under qemu-2.1 chaining: {book(row(q21, 'per-exit-dry'))}",
         real(row(q21, "per-exit"))),
        ("", f"per-exit under modern chaining: {book(row(cpu_wl, 'per-exit-dry'))}",
         real(row(cpu_wl, "per-exit"))),
        ("", f"per-tb, every TB (not the seed's): {book(row(cpu_wl, 'per-tb-dry'))}",
         real(row(cpu_wl, "per-tb"))),
        (f"seed {merged}%: the merged algorithm (start-only)",
         f"start-only: {book(row(cpu_wl, 'start-only-dry'))}", real(row(cpu_wl, "start-only"))),
    ]
    for seed_txt, ours, rest in lines:
        w(f"  {seed_txt:<66}  {ours}")
        w(f"  {'':<66}    real runs: {rest}")
    return rows


def compare(results, tables, seed_csv=ROOT / "datasets" / "seed-2014.csv", out=sys.stdout):
    """Prints the table of our figures beside the seed's, and what agrees,
    what differs and why. Returns a dict of the figures used."""
    seed = {r["key"]: r for r in read_csv(seed_csv)}
    configs = read_csv(pathlib.Path(tables) / "configs.csv")
    alignable = read_csv(pathlib.Path(tables) / "alignable.csv")
    wls = {w["workload"]: w for w in read_csv(pathlib.Path(tables) / "workloads.csv")}
    cpu_wl = "cpu" if "cpu" in wls else sorted(wls)[0]
    io_wl = "io" if "io" in wls else None

    def cfg(wl, policy, shift):
        for c in configs:
            if c["workload"] == wl and c["policy_label"] == policy and int(c["shift"]) == shift:
                return c
        return None

    def lowest(wl, policy):
        for a in alignable:
            if a["workload"] == wl and a["policy_label"] == policy:
                return int(a["lowest_alignable_shift"]) if a["lowest_alignable_shift"] else None
        return None

    shifts = sorted({int(c["shift"]) for c in configs if c["workload"] == cpu_wl})
    # Compare where both seed algorithms hold the guest within the bound, as
    # the seed's figures were measured on a guest that aligned.
    both = [lowest(cpu_wl, p) for p in ("start-only", "per-tb")]
    focus = max(both) if None not in both else int(wls[cpu_wl]["focus_shift"])
    so, pt = cfg(cpu_wl, "start-only", focus), cfg(cpu_wl, "per-tb", focus)

    def pct(c):
        v = num(c and c["overhead"])
        return None if v is None else 100 * v

    def ci(c):
        lo, hi = num(c and c["overhead_lo"]), num(c and c["overhead_hi"])
        return f" [{100 * lo:+.0f}..{100 * hi:+.0f}]" if lo is not None and hi is not None else ""

    def ms(c, key, sign=1):
        v = num(c and c[key])
        return None if v is None else sign * v / 1e6

    fig = {
        "per_tb_overhead": pct(pt), "start_only_overhead": pct(so),
        "per_tb_p99_ms": ms(pt, "abs_drift_p99_ns"),
        "start_only_lag_ms": ms(so, "final_lag_median_ns"),
        "start_only_p50_ms": ms(so, "drift_p50_ns"),
        "lowest_cpu": lowest(cpu_wl, "start-only"),
        "lowest_io": lowest(io_wl, "start-only") if io_wl else None,
    }
    f = lambda v, spec="{:.1f}": "n/a" if v is None else spec.format(v)
    none_within = f"none of shifts {shifts[0]}-{shifts[-1]}"
    w = lambda s="": print(s, file=out)
    w(f"\nThe seed's figures beside ours (CPU workload '{cpu_wl}' at shift {focus}, the lowest "
      f"shift at which start-only and per-tb both keep |final lag| <= {LAG_BOUND_MS:g} ms; medians over "
      f"repetitions, [95% bootstrap interval]):\n")
    rows = [
        ("overhead, host clock read after every TB (per-tb)",
         f"{seed['per-tb-overhead']['value']} %", f"{f(fig['per_tb_overhead'], '{:.0f}')} %{ci(pt)}"),
        ("overhead, clock read only on loop entry (start-only)",
         f"{seed['start-only-overhead']['value']} %", f"{f(fig['start_only_overhead'], '{:.0f}')} %{ci(so)}"),
        ("per-tb drift, |guest - host| p99", f"+-{seed['per-tb-drift']['value']} ms",
         f"{f(fig['per_tb_p99_ms'], '{:.2f}')} ms"),
        ("start-only: guest behind host (final lag)", f"~{seed['start-only-lag']['value']} ms",
         f"{f(fig['start_only_lag_ms'], '{:.2f}')} ms (drift p50 {f(fig['start_only_p50_ms'], '{:+.2f}')} ms)"),
        ("lowest alignable shift, CPU workload (start-only)", seed["lowest-shift"]["value"],
         f(fig["lowest_cpu"], "{}") if fig["lowest_cpu"] is not None else none_within),
        ("lowest alignable shift, IO workload (start-only)", "(IO aligned worse)",
         f(fig["lowest_io"], "{}") if fig["lowest_io"] is not None else none_within),
    ]
    width = max(len(r[0]) for r in rows) + 2
    w(f"{'':<{width}}{'seed (2014)':<22}driftlab")
    for name, s_val, o_val in rows:
        w(f"{name:<{width}}{s_val:<22}{o_val}")

    w("\nPer policy at that shift (overhead vs none; |drift| p99; final lag):")
    for pol in sorted({c["policy_label"] for c in configs if c["workload"] == cpu_wl}):
        c = cfg(cpu_wl, pol, focus)
        if c:
            w(f"  {pol:<16}{f(pct(c), '{:+.0f}'):>6} %   {f(ms(c, 'abs_drift_p99_ns'), '{:.3f}'):>9} ms"
              f"   {f(ms(c, 'final_lag_median_ns'), '{:+.3f}'):>9} ms")

    split_rows = seed_split(results, focus, cpu_wl, out, seed)
    fig["split"] = split_rows

    # Why: the costs behind the overheads, from the runs themselves.
    read_ns, tb_ns = per_op_costs(results, cpu_wl)
    w("\nWhere we agree and where we differ, and why:")
    po, sov = fig["per_tb_overhead"], fig["start_only_overhead"]
    if po is not None and sov is not None:
        ratio = po / sov if sov > 0 else float("inf")
        verdict = "agrees" if po > 2 * max(sov, 0) else "differs"
        w(f"- Reading the host clock after every TB costs {po:.0f}% against start-only's "
          f"{sov:.0f}% ({ratio:.1f}x; the seed: 13% vs 3%, 4.3x): the ordering {verdict}.")
    if read_ns and tb_ns:
        w(f"  Here a host clock read (with its sync point) costs about {read_ns:.0f} ns against "
          f"TBs of about {tb_ns:.0f} ns of emulation, so per-tb adds roughly "
          f"{100 * read_ns / tb_ns:.0f}% per TB. The seed's 13% means a clock read cost about an "
          f"eighth of an average TB of QEMU's there; our interpreted TBs are short and cheap "
          f"next to a clock read, so the same algorithm costs far more.")
    none = cfg(cpu_wl, "none", focus)
    speed = num(none and none["guest_host_ratio"])
    if sov is not None and sov > 3:
        w(f"- start-only costs more than the seed's 3%: unaligned, this guest runs "
          f"{f(speed, '{:.1f}')}x faster than real time at shift {focus}, so an aligned run "
          f"spends most of its time asleep, and on this 2-core VM every wake-up costs tens of "
          f"microseconds of vCPU time (system call, cold caches); `none`, the baseline, never "
          f"sleeps. The seed's i5 ran its guest barely faster than real time.")
    elif sov is not None:
        w(f"- start-only costs {sov:.0f}%, within the seed's 3%.")
    lag = fig["start_only_lag_ms"]
    if lag is not None and lag > 0:
        w(f"- start-only leaves the guest {lag:.2f} ms behind at the end (seed: ~5 ms behind): "
          f"the direction agrees. It never speeds a late guest up and re-measures only when the "
          f"execution loop is entered (every 10 ms tick here), so nanosleep's oversleep "
          f"accumulates as lag.")
    elif lag is not None:
        w(f"- start-only ends with the guest {-lag:.2f} ms ahead (seed: ~5 ms behind): this "
          f"differs. It sleeps only once its estimate of the advance passes 3 ms, so the guest "
          f"saw-tooths between 0 and +3 ms ahead, and here re-measuring at every 10 ms tick "
          f"keeps oversleep from piling up into lag; the seed's guest, slower relative to its "
          f"host, fell behind instead.")
    if fig["lowest_cpu"] is not None:
        w(f"- The lowest alignable shift is {fig['lowest_cpu']} here against 6 on the seed's i5: "
          f"emu-arm's interpreter runs this guest at a rate that keeps up with "
          f"2^{fig['lowest_cpu']} ns per instruction.")
    if io_wl:
        cio = [c for c in configs if c["workload"] == io_wl and c["policy_label"] == "start-only"]
        ccpu = [c for c in configs if c["workload"] == cpu_wl and c["policy_label"] == "start-only"]
        p99 = lambda cs: statistics.median([num(c["abs_drift_p99_ns"]) / 1e6 for c in cs]) if cs else None
        li, lc = fig["lowest_io"], fig["lowest_cpu"]
        worse = (li is None and lc is not None) or (li is not None and lc is not None and li > lc) \
            or (p99(cio) or 0) > (p99(ccpu) or 0)
        others = sorted({a["policy_label"] for a in alignable if a["workload"] == io_wl
                         and a["lowest_alignable_shift"] and a["policy_label"] != "start-only"})
        w(f"- IO aligns {'worse' if worse else 'no worse'} than CPU (seed: IO slower and worse): "
          f"start-only's median |drift| p99 over shifts is {f(p99(cio), '{:.2f}')} ms for IO against "
          f"{f(p99(ccpu), '{:.2f}')} ms for CPU. Every device access leaves its TB through the "
          f"last-IO path, so the IO guest runs at a fraction of the CPU guest's MIPS; and it arms "
          f"no timer, so the execution loop is re-entered only when the budget runs out (every "
          f"~2 s of guest time), which is the only time start-only looks at the host clock: in "
          f"between it sleeps for guest time as if no host time had passed, and falls behind."
          + (f" Policies that read the host clock as they go ({', '.join(others)}) do align the "
             f"IO guest." if others else ""))
    return fig
