"""The run record of a measurement from outside (console.py), in the schema
emu-arm's own recorder writes (docs/hdf5-schema.md):

- write_qemu_record(): a whole record for a QEMU run: root attributes with
  emulator = "qemu" and QEMU's version, /drift from the console stamps
  (source "console"; from `info jit` when the guest prints no clock), /console,
  /monitor and a /summary computed from /drift;
- add_console(): the same /console group in an emu-arm record, beside its
  1 kHz monitor's /drift, so both emulators are measured on the same footing.
"""
import os
import platform
import shlex
import subprocess

from ..tools.files import sha256_file

from .console import CLOCK_NAMES, drift_series

_versions = {}


def qemu_version(binary):
    """First line of `BINARY --version` (cached per binary)."""
    if binary not in _versions:
        try:
            p = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20)
            _versions[binary] = (p.stdout.splitlines() or ["unknown"])[0].strip()
        except (OSError, subprocess.TimeoutExpired) as e:
            _versions[binary] = f"unknown ({e})"
    return _versions[binary]


def _host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _series(f, name, cols, attrs):
    import numpy as np
    g = f.create_group(name)
    for k, v in attrs.items():
        g.attrs[k] = v
    for cname, (data, dtype, units, desc) in cols.items():
        d = g.create_dataset(cname, data=np.asarray(data, dtype=dtype), maxshape=(None,),
                             chunks=(4096,))
        d.attrs["units"] = units
        d.attrs["description"] = desc
    return g


def console_group(f, reader, name="console"):
    """/console: every clock stamp the console gave, and the drift series
    computed from them (the stamps inside the region of interest, if any)."""
    st = reader.stamps
    g = _series(f, name, {
        "host_ns": ([s[0] for s in st], "<i8", "ns",
                    "host monotonic time the line arrived, since the emulator was started"),
        "clock": ([s[1] for s in st], "<i1", "",
                  "which guest clock the line printed: "
                  + ", ".join(f"{k} {v}" for k, v in CLOCK_NAMES.items())),
        "guest_value": ([s[2] for s in st], "<i8", "ns or ticks",
                        "the guest's clock as printed (ctr24: 24 MHz ticks, else ns)"),
        "line": ([s[3] for s in st], "<i8", "", "console line number (0-based)"),
    }, {"lines": reader.lines,
        "region_begin_host_ns": reader.region_host_ns[0] if reader.region_host_ns[0] is not None
        else -1,
        "region_end_host_ns": reader.region_host_ns[1] if reader.region_host_ns[1] is not None
        else -1})
    s = drift_series(reader.in_region())
    if s is not None:
        clock, hs, gs, ds, h0 = s
        g.attrs["drift_clock"] = CLOCK_NAMES[clock]
        g.attrs["drift_origin_host_ns"] = h0
        import numpy as np
        for cname, data in (("drift_host_ns", hs), ("drift_guest_ns", gs), ("drift_ns", ds)):
            g.create_dataset(cname, data=np.asarray(data, dtype="<i8"))
    return s


def _monitor_group(f, poller):
    sm = poller.samples
    na = -1
    return _series(f, "monitor", {
        "host_ns": ([s[0] for s in sm], "<i8", "ns", "host time of the poll's answer, since "
                    "QEMU was started"),
        "lag_ns": ([s[1] * 1_000_000 for s in sm], "<i8", "ns",
                   "QEMU's 'Host - Guest clock' (whole ms): > 0, the guest is behind"),
        "max_delay_ns": ([na if s[2] is None else s[2] * 1_000_000 for s in sm], "<i8", "ns",
                         "QEMU's 'Max guest delay' (whole ms; -1: NA, align=off)"),
        "max_advance_ns": ([na if s[3] is None else s[3] * 1_000_000 for s in sm], "<i8", "ns",
                           "QEMU's 'Max guest advance' (whole ms; -1: NA, align=off)"),
    }, {"source": "info jit", "poll_period_s": poller.period_s, "resolution_ns": 1_000_000})


def _summary(f, host, guest, drift, extra):
    import numpy as np
    s = f.create_group("summary")
    d = np.asarray(drift, dtype=float)
    h = np.asarray(host, dtype=float)
    a = s.attrs
    a["samples"] = len(d)
    if len(d):
        a["drift_mean_ns"] = float(d.mean())
        a["drift_sd_ns"] = float(d.std(ddof=1)) if len(d) > 1 else 0.0
        a["drift_rms_ns"] = float(np.sqrt((d ** 2).mean()))
        a["drift_min_ns"] = int(d.min())
        a["drift_max_ns"] = int(d.max())
        a["drift_p50_ns"] = float(np.percentile(d, 50))
        a["drift_p99_ns"] = float(np.percentile(d, 99))
        a["abs_drift_p50_ns"] = float(np.percentile(abs(d), 50))
        a["abs_drift_p99_ns"] = float(np.percentile(abs(d), 99))
        a["abs_drift_max_ns"] = int(abs(d).max())
        a["max_advance_ns"] = int(max(d.max(), 0))
        a["max_delay_ns"] = int(max(-d.min(), 0))
        a["final_lag_ns"] = int(-d[-1])
        a["host_elapsed_ns"] = int(host[-1])
        a["guest_elapsed_ns"] = int(guest[-1])
        slope = np.polyfit(h, d, 1)[0] * 1e6 if len(d) > 1 and np.ptp(h) > 0 else 0.0
        a["drift_slope_ppm"] = float(slope)
    for k, v in extra.items():
        a[k] = v
    return s


# Below this many console stamps inside the region, the polled info jit
# series (10 per second) is used instead.
MIN_CONSOLE_SAMPLES = 10


def _region_polls(poller, reader):
    """The info jit polls (host_ns, lag_ms, ...) answered inside the region."""
    if poller is None or not poller.samples:
        return []
    b, e = reader.region_host_ns
    if b is None:
        return []
    return [x for x in poller.samples if x[0] >= b and (e is None or x[0] <= e)]


def write_qemu_record(path, job, reader, poller, rusage, exit_code, wall_s, started_utc):
    """The record of a finished QEMU run at `path`."""
    import h5py
    binary = job.argv[0]
    with h5py.File(path, "w") as f:
        a = f.attrs
        icount = job.argv[job.argv.index("-icount") + 1]
        for k, v in {"schema_version": 1, "complete": 0, "emulator": "qemu",
                     "emulator_version": qemu_version(binary), "emulator_binary": binary,
                     "policy": job.policy, "policy_params": "",
                     "policy_description": ("QEMU's own alignment (-icount align=on: start-only, "
                                            "3 ms threshold)" if job.align
                                            else "QEMU without alignment"),
                     "policy_origin": "qemu", "shift": job.shift, "icount_options": icount,
                     "workload": job.elf, "workload_args": job.append,
                     "image_sha256": sha256_file(job.elf, unreadable="unavailable"),
                     "host_cpu": _host_cpu(),
                     "host_kernel": " ".join(os.uname()), "git_commit": "unknown",
                     "start_time_utc": started_utc, "command_line": shlex.join(job.argv),
                     "monitor_rate_hz": 1.0 / poller.period_s if poller else 0.0,
                     "dry_run": 0, "tb_chain": "qemu"}.items():
            a[k] = v
        s = console_group(f, reader)
        region = 1 if job.region else 0
        jit = _region_polls(poller, reader) if job.region else []
        if s is not None and len(s[1]) < MIN_CONSOLE_SAMPLES and len(jit) > len(s[1]):
            # A workload that prints nothing (stress) leaves two console
            # stamps, its begin and end lines, which only say where the
            # region starts and ends. QEMU's own Host - Guest clock, polled
            # inside the region, is then the finer series.
            hs = [x[0] - jit[0][0] for x in jit]
            # align=on controls the absolute difference, so it is kept; an
            # unaligned run's is relative to the region's start.
            base = 0 if job.align else jit[0][1]
            ds = [-(x[1] - base) * 1_000_000 for x in jit]
            gs = [h + d for h, d in zip(hs, ds)]
            src, origin = "monitor-info-jit", jit[0][0]
            source_desc = ("QEMU's 'info jit' Host - Guest clock inside the region (1 ms "
                           "resolution): the console gave too few stamps there")
        elif s is not None:
            clock, hs, gs, ds, h0 = s
            src, origin = "console", h0
            source_desc = (f"console line stamps (guest clock {CLOCK_NAMES[clock]}); "
                           "coarser than emu-arm's 1 kHz monitor")
        else:
            # no clock on the console: QEMU's own lag, in whole ms
            sm = poller.samples if poller else []
            hs = [x[0] - sm[0][0] for x in sm] if sm else []
            ds = [-(x[1] - sm[0][1]) * 1_000_000 for x in sm] if sm else []
            gs = [h + d for h, d in zip(hs, ds)]
            src, origin = "monitor-info-jit", sm[0][0] if sm else 0
            source_desc = "QEMU's 'info jit' Host - Guest clock (1 ms resolution)"
        _series(f, "drift", {
            "host_ns": (hs, "<i8", "ns", "host monotonic time since the first sample"),
            "guest_ns": (gs, "<i8", "ns", "guest virtual time since the first sample"),
            "drift_ns": (ds, "<i8", "ns", "guest_ns - host_ns"),
        }, {"source": src, "source_description": source_desc, "origin_host_ns": origin})
        if poller is not None:
            _monitor_group(f, poller)
        user_ns = int(rusage.ru_utime * 1e9) if rusage else -1
        sys_ns = int(rusage.ru_stime * 1e9) if rusage else -1
        extra = {"exit_code": exit_code, "region": region,
                 # QEMU's vCPU thread is not visible from outside: the whole
                 # process's CPU time stands in for it (docs/hdf5-schema.md)
                 "vcpu_cpu_ns": user_ns + sys_ns if rusage else -1,
                 "vcpu_user_ns": user_ns, "vcpu_sys_ns": sys_ns,
                 "process_cpu_ns": user_ns + sys_ns if rusage else -1,
                 "wall_ns": int(wall_s * 1e9)}
        if poller is not None and poller.samples:
            last = poller.samples[-1]
            extra["monitor_polls"] = len(poller.samples)
            extra["monitor_lag_ns"] = last[1] * 1_000_000
            if last[2] is not None:
                extra["monitor_max_delay_ns"] = last[2] * 1_000_000
                extra["monitor_max_advance_ns"] = last[3] * 1_000_000
        _summary(f, hs, gs, ds, extra)
        f.create_group("policy").attrs["note"] = "QEMU's alignment is not visible from outside"
        a["complete"] = 1
        f.flush()


def add_console(f, reader):
    """Adds /console to an open emu-arm record, and names /drift's source."""
    if "console" in f:
        del f["console"]
    console_group(f, reader)
    if "drift" in f and "source" not in f["drift"].attrs:
        rate = float(f.attrs.get("monitor_rate_hz", 1000.0))
        f["drift"].attrs["source"] = (f"monitor-{rate / 1000:g}kHz" if rate >= 1000
                                      else f"monitor-{rate:g}Hz")
    if "emulator" not in f.attrs:
        f.attrs["emulator"] = "emu-arm"
