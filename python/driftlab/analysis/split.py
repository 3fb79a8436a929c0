"""The overhead of a policy split into the parts that can be measured
separately (issue 9), from a merged sweep (the runs' HDF5 summaries):

  bookkeeping  a dry run (dry-run=on: every read and computation, no wait)
               against `none` of the same workload, shift and repetition:
               vCPU CPU time ratio - 1; mean and 95% interval over the
               repetitions. Only for configurations that are dry runs.
  pacing       CPU time spent in sleeps and spins per second of host time
               (pacing_cpu_per_s), for real runs.
  total        vCPU CPU time against `none`, paired by repetition (median).
  drift        |drift| p50, p99, max; slope (ppm); final lag (medians).
  reads        host clock reads per second and per million instructions.

QEMU's runs (emulator "qemu" in the sweep) are rows of their own: their total
is against QEMU unaligned (`qemu-none`), their CPU time is the process's
(rusage), and their drift comes from console stamps (drift_source), not a
1 kHz monitor.

Written to tables/split.csv by `./driftlab report`, printed by `repro`."""
import csv
import math
import statistics

T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26,
       10: 2.23, 15: 2.13, 20: 2.09, 30: 2.04}

# the unaligned baseline of each emulator
BASELINE = {"emu-arm": "none", "qemu": "qemu-none"}

# (emulator and drift_source last: readers of the older layout keep working)
COLUMNS = ["workload", "shift", "policy_label", "dry_run", "n", "bookkeeping", "bookkeeping_ci",
           "total_overhead", "pacing_ms_per_s", "abs_drift_p50_us", "abs_drift_p99_us",
           "abs_drift_max_us", "drift_slope_ppm", "final_lag_us", "clock_reads_per_s",
           "clock_reads_per_minsn", "loop_exits_per_minsn", "emulator", "drift_source"]


def is_dry(params):
    return any(f"dry-run={v}" in (params or "") for v in ("on", "true", "1", "yes"))


def _t95(df):
    return T95.get(df, T95[max(k for k in T95 if k <= df)] if df > 1 else T95[1])


def rows_of(results):
    """The merged summary table as a list of dicts."""
    import h5py
    with h5py.File(results, "r") as f:
        table = f["summary"][()]
    names = table.dtype.names
    out = []
    for r in table:
        d = {}
        for n in names:
            v = r[n]
            d[n] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
        out.append(d)
    return out


def split(results):
    """[{column: value}] per (workload, shift, policy label)."""
    rows = rows_of(results)
    for r in rows:
        r["emulator"] = r.get("emulator") or "emu-arm"    # files from before the column
    base = {(r["emulator"], r["workload"], int(r["shift"]), int(r["rep"])): r for r in rows
            if r["policy_label"] == BASELINE.get(r["emulator"], "none")}
    groups = {}
    for r in rows:
        groups.setdefault((r["workload"], int(r["shift"]), r["emulator"], r["policy_label"]),
                          []).append(r)

    def med(rs, key, scale=1.0):
        xs = [r[key] for r in rs if key in r and r[key] is not None and not math.isnan(r[key])]
        return statistics.median(xs) * scale if xs else None

    out = []
    for (wl, shift, emu, label), rs in sorted(groups.items()):
        ratios = []
        for r in rs:
            b = base.get((emu, wl, shift, int(r["rep"])))
            if b and b.get("vcpu_cpu_ns", 0) > 0:
                ratios.append(r["vcpu_cpu_ns"] / b["vcpu_cpu_ns"] - 1)
        dry = is_dry(rs[0].get("params"))
        book = ci = None
        if dry and ratios:
            book = statistics.fmean(ratios)
            ci = (_t95(len(ratios) - 1) * statistics.stdev(ratios) / math.sqrt(len(ratios))
                  if len(ratios) > 1 else None)
        exits = [r["loop_exits"] * 1e6 / r["instructions"] for r in rs
                 if r.get("loop_exits", -1) >= 0 and r.get("instructions", 0) > 0]
        out.append({
            "workload": wl, "shift": shift, "emulator": emu, "policy_label": label,
            "drift_source": rs[0].get("drift_source") or "", "dry_run": int(dry),
            "n": len(rs), "bookkeeping": book, "bookkeeping_ci": ci,
            "total_overhead": (statistics.median(ratios)
                               if ratios and label != BASELINE.get(emu, "none") else None),
            "pacing_ms_per_s": None if dry else med(rs, "pacing_cpu_per_s", 1e-6),
            "abs_drift_p50_us": None if dry else med(rs, "abs_drift_p50_ns", 1e-3),
            "abs_drift_p99_us": None if dry else med(rs, "abs_drift_p99_ns", 1e-3),
            "abs_drift_max_us": None if dry else med(rs, "abs_drift_max_ns", 1e-3),
            "drift_slope_ppm": None if dry else med(rs, "drift_slope_ppm"),
            "final_lag_us": None if dry else med(rs, "final_lag_ns", 1e-3),
            "clock_reads_per_s": med(rs, "clock_reads_per_s"),
            "clock_reads_per_minsn": med(rs, "clock_reads_per_minsn"),
            "loop_exits_per_minsn": statistics.median(exits) if exits else None,
        })
    return out


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows, out, workload=None, shift=None):
    sel = [r for r in rows if (workload is None or r["workload"] == workload)
           and (shift is None or r["shift"] == shift)]
    print(f"{'workload':<12}{'shift':>5} {'emulator':<9}{'policy':<16}{'bookkeeping':>16}{'total':>8}"
          f"{'pacing ms/s':>12}{'|d|p50 us':>10}{'|d|p99 us':>10}{'max us':>9}{'slope ppm':>10}"
          f"{'lag us':>9}{'reads/s':>9}{'reads/Minsn':>12}", file=out)
    for r in sel:
        book = ("-" if r["bookkeeping"] is None else
                f"{100 * r['bookkeeping']:+.1f}%" +
                ("" if r["bookkeeping_ci"] is None else f" +-{100 * r['bookkeeping_ci']:.1f}"))
        total = "-" if r["total_overhead"] is None else f"{100 * r['total_overhead']:+.0f}%"
        print(f"{r['workload']:<12}{r['shift']:>5} {r['emulator']:<9}{r['policy_label']:<16}{book:>16}{total:>8}"
              f"{fmt(r['pacing_ms_per_s'], '.2f'):>12}{fmt(r['abs_drift_p50_us'], '.0f'):>10}"
              f"{fmt(r['abs_drift_p99_us'], '.0f'):>10}{fmt(r['abs_drift_max_us'], '.0f'):>9}"
              f"{fmt(r['drift_slope_ppm'], '+.1f'):>10}{fmt(r['final_lag_us'], '+.0f'):>9}"
              f"{fmt(r['clock_reads_per_s'], '.0f'):>9}{fmt(r['clock_reads_per_minsn'], '.1f'):>12}",
              file=out)
