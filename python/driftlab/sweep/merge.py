"""Merging a sweep's per-job files into one results file.

OUTPUT.h5
    /runs/<job-id>        each run's record, copied whole (drift series, events,
                          summary, attributes) plus its /sweep annotations
    /summary              compound dataset, one row per run (see COLUMNS, then
                          every numeric value found in the runs' summary groups)
    /provenance           attributes: spec text and path, git commit, hosts,
                          emulator, times; dataset manifest_json
Root attributes: name, n_runs, git_commit, host (quick look without /provenance).
"""
import errno
import hashlib
import json
import os
import pathlib
import secrets
import socket

from ..tools.files import sha256_file

from . import manifest as mf

# fixed columns: (name, kind) with kind 's' (string), 'i' (int64), 'f' (float64), 'b' (bool)
COLUMNS = [("job_id", "s"), ("index", "i"), ("workload", "s"), ("append", "s"),
           ("policy", "s"), ("policy_label", "s"), ("params", "s"), ("shift", "i"),
           ("align", "b"), ("rep", "i"), ("exit_code", "i"), ("wall_s", "f"),
           ("instructions", "i"), ("virtual_ns", "i"), ("host", "s"),
           # which emulator, and how its drift was measured: "monitor-1kHz"
           # (emu-arm's own), "console" or "monitor-info-jit" (QEMU, from outside)
           ("emulator", "s"), ("emulator_version", "s"), ("drift_source", "s"),
           ("cpu_user_s", "f"), ("cpu_sys_s", "f")]

# where a run's own summary may live in emu-arm's record
SUMMARY_GROUPS = ("summary", "run/summary", "stats")


class MergeError(RuntimeError):
    pass


def _scalars(group, prefix=""):
    """Numeric scalars (attributes and 0-d/1-element datasets) of a summary
    group, nested groups flattened with '.'."""
    import h5py
    import numpy as np
    out = {}
    for k, v in group.attrs.items():
        if isinstance(v, (bool, np.bool_)):
            out[prefix + k] = float(bool(v))
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out[prefix + k] = float(v)
        elif isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iufb":
            out[prefix + k] = float(v.reshape(-1)[0])
    for k, item in group.items():
        if isinstance(item, h5py.Group):
            out.update(_scalars(item, f"{prefix}{k}."))
        elif isinstance(item, h5py.Dataset) and item.dtype.kind in "iufb" and item.size == 1:
            out[prefix + k] = float(item[()].reshape(-1)[0]) if item.shape else float(item[()])
        elif isinstance(item, h5py.Dataset) and item.dtype.names and item.shape in ((), (1,)):
            row = item[()] if item.shape == () else item[0]
            for name in item.dtype.names:
                if item.dtype[name].kind in "iufb":
                    out[f"{prefix}{k}.{name}"] = float(row[name])
    return out


def run_summary(f):
    """The run's summary numbers, from the first summary group present."""
    for g in SUMMARY_GROUPS:
        if g in f:
            return _scalars(f[g])
    return {}


def _free_kib(d):
    try:
        st = os.statvfs(d)
        return st.f_bavail * st.f_frsize // 1024
    except OSError:
        return -1


def _full(tmp):
    """After a failed write of tmp: is its filesystem out of space?"""
    try:
        st = os.statvfs(tmp.parent)
        size = tmp.stat().st_size if tmp.exists() else 0
        return st.f_bavail * st.f_frsize < max(64 * 1024, size // 4)
    except OSError:
        return False


def merge(results_dir, output=None, allow_missing=False, stream=None):
    import h5py
    import numpy as np
    m = mf.load(results_dir)
    jobs = mf.jobs_of(m)
    output = pathlib.Path(output or m["output"]).resolve()
    have, missing, corrupt = [], [], []
    for j in jobs:
        ok, why = mf.record_ok(j, verify=True)
        if ok:
            have.append(j)
        elif why == "missing" or not pathlib.Path(j.record).exists():
            missing.append(j)
        else:
            corrupt.append((j, why))
    # A damaged run file is refused by name (never merged): by default the
    # merge stops; with --allow-missing it is left out with a warning.
    if corrupt and not allow_missing:
        j, why = corrupt[0]
        more = f" (and {len(corrupt) - 1} more)" if len(corrupt) > 1 else ""
        raise MergeError(f"refusing {j.record}: {why}{more}; rerun the sweep to redo it, "
                         "or merge without it: --allow-missing")
    for j, why in corrupt:
        if stream:
            print(f"merge: warning: skipping {j.record}: {why}", file=stream, flush=True)
    if missing and not allow_missing:
        names = ", ".join(j.id for j in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise MergeError(f"{len(missing)} of {len(jobs)} runs are not complete ({names}); "
                         "finish the sweep (rerun it) or merge with --allow-missing")
    missing += [j for j, _ in corrupt]
    if not have:
        raise MergeError("no complete run to merge")

    rows, extra = [], {}
    output.parent.mkdir(parents=True, exist_ok=True)
    # The merged file holds a copy of every run. Check for room first: this
    # HDF5 library can crash (not fail) when a write meets a full disk.
    need = int(sum(pathlib.Path(j.record).stat().st_size for j in have) * 1.05) + (1 << 20)
    free = _free_kib(output.parent)
    if 0 <= free < need // 1024:
        raise MergeError(f"cannot write {output}: no space left on its filesystem (needs about "
                         f"{need // 1024} KiB, {free} KiB free); nothing was written")
    tmp = output.with_name(f"{output.name}.part-{secrets.token_hex(4)}")
    try:
        with h5py.File(tmp, "w") as out:
            runs = out.create_group("runs")
            for j in have:
                try:
                    src = h5py.File(j.record, "r")
                except Exception as e:     # replaced or damaged since it was checked
                    raise MergeError(f"refusing {j.record}: unreadable ({type(e).__name__}: {e})")
                try:
                    with src:
                        g = runs.create_group(j.id)
                        for k, v in src.attrs.items():
                            g.attrs[k] = v
                        for name in src:
                            src.copy(src[name], g, name=name)
                        a = src["sweep"].attrs
                        row = {c: a.get(c) for c, _ in COLUMNS if c in a}
                        row.setdefault("emulator", src.attrs.get("emulator", "emu-arm"))
                        row["job_id"], row["index"] = j.id, j.index
                        summ = run_summary(src)
                        for k, v in summ.items():
                            col = k if k not in dict(COLUMNS) else f"run.{k}"
                            row[col] = v
                            extra.setdefault(col, None)
                        rows.append(row)
                except Exception as e:
                    if _full(tmp):
                        raise          # the output side: reported below
                    raise MergeError(f"refusing {j.record}: cannot read it ({type(e).__name__}: {e})")
            dt = []
            str_t = h5py.string_dtype("utf-8")
            kinds = {"s": str_t, "i": np.int64, "f": np.float64, "b": np.bool_}
            for c, k in COLUMNS:
                dt.append((c, kinds[k]))
            for c in extra:
                dt.append((c, np.float64))
            table = np.zeros(len(rows), dtype=dt)
            for i, row in enumerate(rows):
                for c, k in COLUMNS:
                    v = row.get(c)
                    if k == "s":
                        v = "" if v is None else (v.decode() if isinstance(v, bytes) else str(v))
                    elif v is None:
                        # CPU times unknown (runs from before they were kept): -1, as
                        # the runner writes when it has no rusage
                        v = -1.0 if c in ("cpu_user_s", "cpu_sys_s") else \
                            {"i": -1, "f": np.nan, "b": False}[k]
                    table[c][i] = v
                for c in extra:
                    table[c][i] = row.get(c, np.nan)
            ds = out.create_dataset("summary", data=table)
            ds.attrs["columns_from_runs"] = json.dumps(list(extra))
            ds.attrs["note"] = ("one row per run; numeric columns after 'cpu_sys_s' come from "
                                "each run's summary group (NaN where a run lacks one)")

            p = out.create_group("provenance")
            pa = p.attrs
            pa["spec_text"] = m["spec_text"]
            pa["spec_path"] = m["spec_path"]
            pa["spec_sha256"] = hashlib.sha256(m["spec_text"].encode()).hexdigest()
            pa["git_commit"] = m["git"]["commit"]
            pa["git_dirty"] = str(m["git"].get("dirty"))
            pa["git_describe"] = m["git"].get("describe", "")
            pa["host"] = m["host"]["hostname"]
            pa["host_info"] = json.dumps(m["host"])
            pa["run_hosts"] = json.dumps(sorted({str(r.get("host")) for r in rows}))
            pa["merge_host"] = socket.gethostname()
            pa["created"] = m["created"]
            pa["merged"] = mf.now_iso()
            pa["backend"] = m.get("backend", "")
            pa["emu"] = m["emu"]
            pa["emu_sha256"] = sha256_file(m["emu"], unreadable="unavailable")
            pa["emulators"] = json.dumps(m.get("emulators", ["emu-arm"]))
            pa["qemu"] = m.get("qemu", "")
            pa["qemu_versions"] = json.dumps(sorted({str(r.get("emulator_version"))
                                                     for r in rows if r.get("emulator") == "qemu"}))
            pa["time_limit_s"] = m["time_limit_s"]
            pa["n_jobs"] = len(jobs)
            pa["n_runs"] = len(have)
            pa["missing"] = json.dumps([j.id for j in missing])
            pa["skipped_damaged"] = json.dumps({j.id: why for j, why in corrupt})
            p.create_dataset("manifest_json", data=json.dumps(m, indent=1))
            out.attrs["name"] = m["name"]
            out.attrs["n_runs"] = len(have)
            out.attrs["git_commit"] = m["git"]["commit"]
            out.attrs["host"] = m["host"]["hostname"]
        os.replace(tmp, output)
    except MergeError:
        raise
    except Exception as e:
        # Most likely the output's filesystem (full, read-only, gone). A read
        # error inside a run file would also land here: name both candidates.
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT) or _full(tmp):
            raise MergeError(f"cannot write {output}: no space left on its filesystem "
                             f"({_free_kib(output.parent)} KiB free); nothing was written")
        raise MergeError(f"cannot write {output}: {type(e).__name__}: {e}")
    finally:
        tmp.unlink(missing_ok=True)
    if stream:
        print(f"merge: {len(have)} runs -> {output}"
              + (f" ({len(missing)} missing)" if missing else ""), file=stream, flush=True)
    return output
