"""Synthetic run records and merged results files.

Used by the tests (files with known answers) and to make the placeholder
dataset datasets/synthetic/ until a real `./driftlab repro` run is committed.
Nothing here is a measurement.

A per-run record follows docs/hdf5-schema.md (root attributes, /drift,
/policy, /summary). A merged file is made by the sweep's own code: a spec is
expanded into jobs (python/driftlab/sweep/spec.py), each job gets a record with
the /sweep annotations the runner adds, and python/driftlab/sweep/merge.py merges
them, so the layout is exactly what `./driftlab merge` writes.

    python3 -m driftlab.analysis.synth dataset datasets/synthetic     # placeholder, packed + README
    python3 -m driftlab.analysis.synth placeholder OUT.h5            # the same, unpacked
    python3 -m driftlab.analysis.synth record run.h5 [--policy per-tb --shift 6 ...]
"""
import argparse
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile

from . import ROOT

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

# as emu/record/recorder.c writes the /policy group's `kinds` attribute
KINDS = "0=ENTRY,1=CHECK,2=SLEEP,3=SPIN,4=LATE,5=SHIFT,6=FORGIVE,7=SPEED,8=POLICY"


def _sweep():
    # imported when first needed: the sweep pulls in the tools and h5py
    from ..sweep import manifest, merge, spec
    return spec, manifest, merge


def drift_summary_tool():
    """The C program that computes a record's drift statistics
    (stats/drift_summary.c): $DRIFTLAB_DRIFT_SUMMARY, else the normal build's."""
    exe = pathlib.Path(os.environ.get("DRIFTLAB_DRIFT_SUMMARY")
                       or ROOT / "build" / "stats" / "drift-summary")
    if not exe.is_file():
        raise FileNotFoundError(f"{exe} is missing: build it with `scons`")
    return exe


def drift_summary(host_ns, drift_ns):
    """The drift attributes of /summary (samples, drift_*_ns, abs_drift_*_ns,
    max_advance_ns, ...) exactly as the recorder computes them for these
    samples: the emulator's own statistics (stats/), run by drift-summary,
    so that nothing here has statistics of its own."""
    import numpy as np
    pairs = np.stack([np.asarray(host_ns, dtype=np.int64),
                      np.asarray(drift_ns, dtype=np.int64)], axis=1)
    r = subprocess.run([str(drift_summary_tool())], input=np.ascontiguousarray(pairs).tobytes(),
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode().strip() or f"drift-summary: exit {r.returncode}")
    return json.loads(r.stdout)


def summary_from_series(host_ns, drift_ns, shift, instructions, vcpu_cpu_ns, **extra):
    """The /summary attributes a recorder would write for these samples: the
    drift statistics from the recorder's own code (drift_summary), the rest
    from the series' last sample and the given counts."""
    import numpy as np
    h = np.asarray(host_ns, dtype=np.int64)
    g = h + np.asarray(drift_ns, dtype=np.int64)
    s = {
        **drift_summary(host_ns, drift_ns),
        "final_lag_ns": int(h[-1] - g[-1]),
        "host_elapsed_ns": int(h[-1]), "guest_elapsed_ns": int(g[-1]),
        "instructions": int(instructions), "tbs": int(instructions // 6),
        "mips": float(instructions) / max(float(h[-1]), 1.0) * 1e3,
        "vcpu_cpu_ns": int(vcpu_cpu_ns), "vcpu_user_ns": int(vcpu_cpu_ns * 0.97),
        "vcpu_sys_ns": int(vcpu_cpu_ns * 0.03),
        "host_clock_reads": 0, "sleeps": 0, "sleep_requested_ns": 0, "sleep_actual_ns": 0,
        "spins": 0, "spin_ns": 0, "loop_entries": 1, "align_calls": 0,
        "policy_code_ns": 0.0, "policy_timed_calls": 0,
        "events_recorded": 0, "events_decimated": 0, "events_dropped": 0,
        "shift_final": int(shift), "exit_code": 0,
    }
    s.update(extra)
    return s


def write_record(path, attrs, host_ns, drift_ns, summary=None, complete=True):
    """A per-run record (docs/hdf5-schema.md). `attrs` overrides the default
    root attributes; `summary` None: computed from the series."""
    import h5py
    import numpy as np
    h = np.asarray(host_ns, dtype=np.int64)
    d = np.asarray(drift_ns, dtype=np.int64)
    if h.shape != d.shape or h.ndim != 1 or h.size < 1:
        raise ValueError("host_ns and drift_ns must be 1-D of equal, non-zero length")
    shift = int(attrs.get("shift", 0))
    base = {
        "schema_version": 1, "complete": 1 if complete else 0, "policy": "none",
        "policy_params": "", "policy_description": "synthetic", "policy_origin": "built-in",
        "shift": shift, "icount_options": f"shift={shift},align=on,sleep=on",
        "workload": "build/guests/cpu.elf", "workload_args": "",
        "image_sha256": "0" * 64, "host_cpu": "synthetic", "host_kernel": "synthetic",
        "emulator_version": "synthetic (python/driftlab/analysis/synth.py)", "git_commit": "unknown",
        "start_time_utc": "2026-01-01T00:00:00Z", "command_line": "python/driftlab/analysis/synth.py",
        "monitor_rate_hz": 1000.0, "flush_interval_s": 0.5,
    }
    base.update(attrs)
    with h5py.File(path, "w") as f:
        for k, v in base.items():
            f.attrs[k] = v
        g = f.create_group("drift")
        for name, v, desc in (("host_ns", h, "host monotonic time since start"),
                              ("guest_ns", h + d, "guest virtual time since start"),
                              ("drift_ns", d, "guest_ns - host_ns")):
            ds = g.create_dataset(name, data=v, maxshape=(None,), chunks=(min(4096, v.size),))
            ds.attrs["units"] = "ns"
            ds.attrs["description"] = desc
        p = f.create_group("policy")
        p.attrs["kinds"] = KINDS
        p.create_dataset("kind", shape=(0,), maxshape=(None,), dtype="<i4", chunks=(4096,))
        for c in ("host_ns", "guest_ns", "view_ns", "req_ns", "act_ns", "value"):
            p.create_dataset(c, shape=(0,), maxshape=(None,), dtype="<i8", chunks=(4096,))
        if complete:
            s = f.create_group("summary")
            summ = summary if summary is not None else summary_from_series(
                h, d, shift, instructions=max(int(h[-1]) // 40, 1), vcpu_cpu_ns=int(h[-1]))
            for k, v in summ.items():
                s.attrs[k] = v
            s.create_group("policy")
    return pathlib.Path(path)


def build_merged(spec_text, output, make_run, workdir=None, extra_root_attrs=None):
    """Expands `spec_text` (a sweep spec) into jobs, writes a record per job with
    make_run(job) -> dict(host_ns, drift_ns, vcpu_cpu_ns, instructions[, summary,
    attrs]) and merges them with the sweep's merge into `output`."""
    import h5py
    spec_mod, mf, merge = _sweep()
    output = pathlib.Path(output).resolve()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        sp = pathlib.Path(tmp) / "spec.toml"
        sp.write_text(spec_text)
        spec = spec_mod.parse_spec(sp, text=spec_text, output=str(pathlib.Path(tmp) / "res.h5"),
                                   check_files=False, policies=None)
        jobs = spec_mod.expand(spec)
        m = mf.build(spec, jobs, "synthetic")
        mf.write(m)
        for job in jobs:
            r = make_run(job)
            attrs = {"policy": job.policy, "policy_params": job.params_str, "shift": job.shift,
                     "workload": job.elf, "workload_args": job.append,
                     "command_line": " ".join(job.argv)}
            attrs.update(r.get("attrs", {}))
            summ = r.get("summary") or summary_from_series(
                r["host_ns"], r["drift_ns"], job.shift, r["instructions"], r["vcpu_cpu_ns"])
            write_record(job.record, attrs, r["host_ns"], r["drift_ns"], summary=summ)
            with h5py.File(job.record, "a") as f:
                a = f.create_group("sweep").attrs
                a["job_id"], a["job_index"], a["job_key"] = job.id, job.index, job.key
                a["workload"], a["elf"], a["append"] = job.workload, job.elf, job.append
                a["policy"], a["policy_label"], a["params"] = job.policy, job.label, job.params_str
                a["shift"], a["align"], a["rep"] = job.shift, job.align, job.rep
                a["argv"] = json.dumps(job.argv)
                a["exit_code"] = 0
                a["wall_s"] = float(summ["host_elapsed_ns"]) / 1e9
                a["started"] = a["finished"] = "2026-01-01T00:00:00+00:00"
                a["host"] = "synthetic"
                a["instructions"] = int(r["instructions"])
                a["virtual_ns"] = int(r["instructions"]) << job.shift
                a["status"] = "ok"
        merge.merge(spec.results_dir, output=str(output))
    if extra_root_attrs:
        with h5py.File(output, "a") as f:
            for k, v in extra_root_attrs.items():
                f.attrs[k] = v
                f["provenance"].attrs[k] = v
    return output


# ---- the placeholder model ---------------------------------------------------
#
# A phenomenological model shaped after the 2014 review's figures, so that the
# pipeline (analysis, report, paper) has something plausible to chew on. The
# emulator needs `ns_per_insn` host ns per guest instruction, times (1 +
# policy overhead); at shift s the guest wants 2^s ns per instruction, so the
# run can be aligned when 2^s exceeds that cost; otherwise the guest falls
# behind at a constant rate. Aligned runs drift with a policy-specific shape.

PLACEHOLDER_SPEC = """\
name = "synthetic"
description = "SYNTHETIC placeholder (python/driftlab/analysis/synth.py model), not measurements"
output = "results/synthetic.h5"
time_limit = "5m"
repetitions = 3
shifts = [4, 5, 6, 7, 8]

[workloads.stress-cpu]
elf = "build/guests/stress-cpu.elf"

[workloads.fio-rw]
elf = "build/guests/fio-rw.elf"

[policies.none]

[policies.per-tb]
max-advance-us = 3000

[policies.start-only]
max-advance-us = 3000

[policies.threshold]
max-advance-us = 150

[policies.pid]
kp = 0.6
ki = 0.1

[policies.hybrid]
max-advance-us = 50
"""

MODEL_WORKLOADS = {
    # host ns per instruction without alignment, instructions, relative noise
    "stress-cpu": dict(ns_per_insn=38.0, insns=12_000_000, noise=0.02),
    "fio-rw": dict(ns_per_insn=58.0, insns=8_000_000, noise=0.04),
}
MODEL_OVERHEAD = {"none": 0.0, "per-tb": 0.13, "start-only": 0.03, "threshold": 0.015,
                  "pid": 0.02, "hybrid": 0.06}
MODEL_IO_EXTRA = 0.02      # the IO guest pays a little more per policy


def _drift_shape(policy, t, rng, io):
    """Drift (ns) of an aligned run at host times t (ns)."""
    import numpy as np
    n = t.size
    wob = 1.6 if io else 1.0
    if policy == "per-tb":          # +-1 ms oscillation
        ph = rng.uniform(0, 1)
        return 1e6 * wob * np.sin(2 * np.pi * (t / 40e6 + ph)) + rng.normal(0, 1e5, n)
    if policy == "start-only":      # ~5 ms behind
        ph = rng.uniform(0, 1)
        saw = ((t / 25e6 + ph) % 1.0) * 2e6 - 1e6
        return -5e6 * wob + saw + rng.normal(0, 2e5, n)
    if policy == "threshold":
        return rng.uniform(-130e3, 150e3, n) * wob
    if policy == "pid":
        return np.clip(rng.normal(0, 60e3 * wob, n), -400e3, 300e3)
    if policy == "hybrid":
        return rng.uniform(-50e3, 50e3, n) * wob
    raise ValueError(policy)


def model_run(job, seed=2014, samples=300):
    import numpy as np
    key = f"{job.workload}|{job.label}|{job.params_str}|{job.shift}|{job.rep}"
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(f"{seed}|{key}".encode())
                                               .digest()[:8], "little"))
    rep_rng = np.random.default_rng(seed * 1000 + job.rep * 31 + job.shift)
    w = MODEL_WORKLOADS[job.workload]
    io = job.workload.startswith("fio")
    ovh = MODEL_OVERHEAD[job.policy] + (MODEL_IO_EXTRA if io and job.policy != "none" else 0)
    host_common = 1 + rep_rng.normal(0, w["noise"])          # shared by a repetition
    busy = w["insns"] * w["ns_per_insn"] * (1 + ovh) * host_common * (1 + rng.normal(0, 0.005))
    guest = w["insns"] << job.shift
    if job.policy == "none" or busy >= guest:                 # not aligned: free running
        host = busy
        t = np.linspace(0, host, samples)
        drift = t * (guest / host - 1) + rng.normal(0, 2e4, samples)
    else:
        host = guest + 2e5
        t = np.linspace(0, host, samples)
        drift = _drift_shape(job.policy, t, rng, io)
    drift[0] = 0
    t = t.astype(np.int64)
    drift = drift.astype(np.int64)
    return {"host_ns": t, "drift_ns": drift, "vcpu_cpu_ns": int(busy),
            "instructions": w["insns"]}


PLACEHOLDER_NOTE = (
    "A stand-in for a real `./driftlab repro` dataset, so that `./driftlab report` and "
    "`scons paper` have input before one is committed. Regenerate with "
    "`python3 -m driftlab.analysis.synth dataset datasets/synthetic` (deterministic but for the "
    "provenance times). The model: each workload costs a fixed number of host ns per "
    "guest instruction, times (1 + the policy's overhead: per-tb 13 %, start-only 3 %, "
    "as in the 2014 review); a run aligns when 2^shift ns exceeds that cost, and then "
    "drifts with a policy-shaped pattern (per-tb +-1 ms, start-only ~5 ms behind, "
    "threshold/pid/hybrid within ~0.1-0.3 ms); the IO workload is slower and aligns worse.")


def make_placeholder(output):
    return build_merged(PLACEHOLDER_SPEC, output, model_run,
                        extra_root_attrs={"synthetic": 1,
                                          "synthetic_note": "placeholder data from the model in "
                                          "python/driftlab/analysis/synth.py; not measurements"})


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m driftlab.analysis.synth", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    ph = sub.add_parser("placeholder", help="the placeholder merged results file")
    ph.add_argument("output")
    ds = sub.add_parser("dataset", help="the placeholder packed as a dataset (python/driftlab/analysis/dataset.py)")
    ds.add_argument("directory")
    rc = sub.add_parser("record", help="one synthetic per-run record")
    rc.add_argument("output")
    rc.add_argument("--policy", default="per-tb")
    rc.add_argument("--params", default="")
    rc.add_argument("--shift", type=int, default=6)
    rc.add_argument("--workload", default="stress-cpu", choices=sorted(MODEL_WORKLOADS))
    rc.add_argument("--rep", type=int, default=0)
    a = p.parse_args(argv)
    if a.cmd == "placeholder":
        print(make_placeholder(a.output))
    elif a.cmd == "dataset":
        from . import dataset
        with tempfile.TemporaryDirectory() as tmp:
            merged = make_placeholder(pathlib.Path(tmp) / "synthetic.h5")
            out = dataset.pack(merged, a.directory, note=PLACEHOLDER_NOTE)
        print(out)
    else:
        class J:
            pass
        j = J()
        j.workload, j.label, j.policy, j.params_str = a.workload, a.policy, a.policy, a.params
        j.shift, j.rep = a.shift, a.rep
        r = model_run(j)
        write_record(a.output, {"policy": a.policy, "policy_params": a.params, "shift": a.shift,
                                "workload": f"build/guests/{a.workload}.elf"},
                     r["host_ns"], r["drift_ns"],
                     summary=summary_from_series(r["host_ns"], r["drift_ns"], a.shift,
                                                 r["instructions"], r["vcpu_cpu_ns"]))
        print(a.output)


if __name__ == "__main__":
    main()
