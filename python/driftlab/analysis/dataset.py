"""Packing a merged results file into a small dataset under datasets/.

    python3 -m driftlab.analysis.dataset pack results/align-2014.h5            # -> datasets/repro-HOST-DATE/
    python3 -m driftlab.analysis.dataset pack RESULTS.h5 --name NAME --max-samples 5000

The packed results.h5 keeps the merged layout (python/driftlab/sweep/merge.py), so
`./driftlab report datasets/NAME` reads it like the original:
  - root attributes, /provenance and /summary are copied unchanged (/summary
    holds every run's exact summary numbers, final lag and CPU time included);
  - each /runs/<id> keeps of its attributes and its summary's only what
    driftlab-analyze reads per run (RUN_KEPT, SUMMARY_KEPT: every value is
    also a column of /summary), and of /sweep its identity (job id,
    workload, policy label, params, repetition, instruction count); per-object
    metadata, not data, is most of a packed file's size; /console and
    /monitor (the raw stamps and polls a QEMU run's series was made from) are
    dropped; its /drift
    series is kept whole up to --max-samples, else thinned to an even stride
    plus the samples of the minimum and the maximum (so |drift| max is exact,
    and quantiles are those of a uniform subsample); guest_ns is dropped (it
    is host_ns + drift_ns); /drift carries `decimated_from` (original length)
    and `stride`; the schema's units and descriptions of the series, the same
    for every run, are attributes of /runs (`drift_ns.units`, ...);
  - /policy event tables are dropped unless --keep-events (their sizes are in
    each run's summary: events_recorded ...), and so is summary/policy (the
    policy's own statistics: the policy.* columns of /summary);
  - datasets are gzip-compressed (with shuffle), in HDF5's compact 1.10+
    file format (libver="latest"; h5py and HDF5 >= 1.10 read it).
A README.md with the provenance and the commands is written next to it.
"""
import argparse
import datetime
import json
import os
import pathlib
import socket
import sys

from ..tools.files import sha256_file

from . import ROOT

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

DEFAULT_MAX_SAMPLES = 5000


SWEEP_KEPT = ("job_id", "workload", "policy_label", "params", "rep", "instructions", "emulator",
              "drift_source")
# A run's own attributes and summary attributes: only what driftlab-analyze
# reads per run (analysis/dl_h5.c); every value is also a column of /summary.
RUN_KEPT = ("policy", "emulator", "policy_params", "workload", "workload_args", "shift",
            "icount_options", "policy_origin", "dry_run", "tb_chain", "complete", "schema_version")
SUMMARY_KEPT = ("vcpu_cpu_ns", "process_cpu_ns", "wall_ns", "final_lag_ns", "host_elapsed_ns",
                "guest_elapsed_ns", "instructions", "samples", "region")


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def thin(n, max_samples, drift):
    """Indices kept of a series of n samples."""
    import numpy as np
    if n <= max_samples:
        return np.arange(n), 1
    stride = -(-n // (max_samples - 3))
    idx = set(range(0, n, stride)) | {n - 1, int(np.argmin(drift)), int(np.argmax(drift))}
    return np.array(sorted(idx)), stride


def _copy_attrs(src, dst, only=None):
    for k, v in src.attrs.items():
        if only is None or k in only:
            dst.attrs[k] = v


def _copy_group(src, dst, comp):
    _copy_attrs(src, dst)
    for name, item in src.items():
        if hasattr(item, "shape"):
            kw = comp if item.size > 16 and item.dtype.kind in "iuf" else {}
            d = dst.create_dataset(name, data=item[()], dtype=item.dtype, **kw)
            _copy_attrs(item, d)
        else:
            _copy_group(item, dst.create_group(name), comp)


def pack(results, out_dir, max_samples=DEFAULT_MAX_SAMPLES, keep_events=False, note=""):
    import h5py
    results = pathlib.Path(results)
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "results.h5"
    tmp = out.with_name("results.h5.part")
    comp = {"compression": "gzip", "compression_opts": 6, "shuffle": True}
    thinned = 0
    with h5py.File(results, "r") as src, h5py.File(tmp, "w", libver="latest") as dst:
        if "summary" not in src or "runs" not in src:
            raise ValueError(f"{results} is not a merged results file (no /summary or /runs)")
        _copy_attrs(src, dst)
        dst.attrs["packed_from"] = str(results)
        dst.attrs["packed_from_sha256"] = sha256_file(results)
        dst.attrs["packed_max_samples"] = max_samples
        dst.attrs["packed_events"] = int(bool(keep_events))
        if "provenance" in src:
            _copy_group(src["provenance"], dst.create_group("provenance"), comp)
        s = dst.create_dataset("summary", data=src["summary"][()], dtype=src["summary"].dtype,
                               **comp)
        _copy_attrs(src["summary"], s)
        runs = dst.create_group("runs")
        # The schema's texts (units, descriptions) are the same for every
        # run: they are stored once on /runs rather than 252 times.
        texts = {}
        for rid, g in src["runs"].items():
            r = runs.create_group(rid)
            _copy_attrs(g, r, RUN_KEPT)
            for name, item in g.items():
                if name == "drift":
                    d = item["drift_ns"][:]
                    idx, stride = thin(d.size, max_samples, d)
                    thinned += stride > 1
                    dg = r.create_group("drift")
                    dg.attrs["decimated_from"] = d.size
                    dg.attrs["stride"] = stride
                    if "source" in item.attrs:      # differs per run: emu-arm vs QEMU
                        dg.attrs["source"] = item.attrs["source"]
                    for col in ("host_ns", "drift_ns"):
                        if col in item:
                            v = item[col][:][idx]
                            dg.create_dataset(col, data=v, **comp)
                            texts.setdefault(col, dict(item[col].attrs))
                    texts.setdefault("drift", dict(item.attrs))
                elif name == "sweep":
                    # Only the run's identity in the sweep: the rest (command,
                    # host, wall time, UART output) repeats the run's own
                    # attributes or /provenance, and per-object metadata is
                    # most of a packed file's size.
                    sg = r.create_group("sweep")
                    for k in SWEEP_KEPT:
                        if k in item.attrs:
                            sg.attrs[k] = item.attrs[k]
                elif name == "policy" and not keep_events:
                    continue   # event counts are in the run's summary
                elif name in ("console", "monitor"):
                    # The raw stamps and polls the drift series of a run was
                    # made from: the series itself is kept, and per-object
                    # metadata is most of a packed file's size.
                    continue
                elif name == "summary":
                    # The policy's own statistics (summary/policy) are the
                    # policy.* columns of /summary already.
                    _copy_attrs(item, r.create_group("summary"), SUMMARY_KEPT)
                else:
                    _copy_group(item, r.create_group(name), comp) if not hasattr(item, "shape") \
                        else r.create_dataset(name, data=item[()], dtype=item.dtype)
        for what, attrs in texts.items():
            for k, v in attrs.items():
                runs.attrs[f"{what}.{k}"] = v
        runs.attrs["drift.guest_ns"] = "dropped: guest_ns = host_ns + drift_ns"
    os.replace(tmp, out)
    write_readme(out_dir, out, results, max_samples, thinned, keep_events, note)
    return out


def write_readme(out_dir, out, results, max_samples, thinned, keep_events, note):
    import h5py
    with h5py.File(out, "r") as f:
        a = dict(f.attrs)
        p = dict(f["provenance"].attrs) if "provenance" in f else {}
        n = len(f["summary"])
    host = json.loads(_s(p.get("host_info", "{}")) or "{}")
    lines = [
        f"# {out_dir.name}",
        "",
        note or "Results of one sweep, packed by `python3 -m driftlab.analysis.dataset pack`.",
        "",
        "| | |", "|---|---|",
        f"| sweep | `{_s(a.get('name', ''))}` ({n} runs) |",
        f"| spec | `{_s(p.get('spec_path', ''))}` (full text in `/provenance` attribute `spec_text`) |",
        f"| git | `{_s(p.get('git_describe', p.get('git_commit', a.get('git_commit', ''))))}` |",
        f"| host | `{_s(p.get('host', a.get('host', '')))}`: {host.get('cpu', '')}, "
        f"{host.get('cores', '')} cores, {host.get('platform', '')} |",
        f"| run hosts | `{_s(p.get('run_hosts', ''))}` |",
        f"| created / merged | {_s(p.get('created', ''))} / {_s(p.get('merged', ''))} |",
        f"| emulator | `{_s(p.get('emu', ''))}` sha256 `{_s(p.get('emu_sha256', ''))[:16]}...` |",
        f"| packed from | `{results}` sha256 `{_s(a.get('packed_from_sha256', ''))[:16]}...` |",
        f"| drift series | at most {max_samples} samples per run ({thinned} runs thinned: even "
        f"stride + min + max; `guest_ns` dropped, = host_ns + drift_ns); `/policy` events "
        f"{'kept' if keep_events else 'dropped'}; `/runs/*/console` and `/monitor` (the raw "
        f"stamps and polls behind a drift series) dropped; a run's own, `summary` and `sweep` "
        f"attributes keep only what `driftlab-analyze` reads (every value is a column of "
        f"`/summary`; hosts and spec are in `/provenance`) |",
        "",
        "Statistics, tables and figures (nothing is rerun):",
        "",
        "```sh",
        f"./driftlab report datasets/{out_dir.name}",
        "```",
        "",
    ]
    if int(a.get("synthetic", 0) or 0):
        lines[2:2] = ["**SYNTHETIC: generated by `python/driftlab/analysis/synth.py` (a model shaped after the "
                      "2014 review's figures) to exercise the pipeline; not measurements.**", ""]
    (out_dir / "README.md").write_text("\n".join(lines))


def default_name(results):
    import h5py
    with h5py.File(results, "r") as f:
        host = _s(f.attrs.get("host", socket.gethostname()))
        created = _s(f["provenance"].attrs.get("created", "")) if "provenance" in f else ""
    date = created[:10] or datetime.date.today().isoformat()
    return f"repro-{host}-{date}"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m driftlab.analysis.dataset", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("pack", help="pack a merged results file into datasets/NAME/")
    k.add_argument("results")
    k.add_argument("--name", help="dataset name (default repro-HOST-DATE from the provenance)")
    k.add_argument("--datasets", default=str(ROOT / "datasets"), help="default %(default)s")
    k.add_argument("--max-samples", type=int, default=DEFAULT_MAX_SAMPLES)
    k.add_argument("--keep-events", action="store_true")
    k.add_argument("--note", default="", help="first paragraph of the README")
    a = p.parse_args(argv)
    name = a.name or default_name(a.results)
    out = pack(a.results, pathlib.Path(a.datasets) / name, a.max_samples, a.keep_events, a.note)
    print(f"dataset: {out} ({out.stat().st_size / 1e6:.2f} MB) and {out.parent / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
