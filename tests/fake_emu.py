#!/usr/bin/python3
"""A stand-in for build/emu-arm in sweep tests and dry runs: the same command
line, a deterministic "guest" (its UART output and instruction count depend
only on the ELF's bytes and -append, as a CPU-bound guest's do), a run time
proportional to the instruction count, and a plausible -record written
progressively (a kill mid-run leaves a truncated file).

    -append "... fail=N"   exit with status N after printing to stderr
    -append "... hang=1"   never finish (time-limit tests)
Env FAKE_EMU_MIPS: simulated speed (default 60).
"""
import hashlib
import os
import signal
import sys
import time

USAGE = """usage: emu-arm -kernel IMAGE [options]  (driftlab sweep stand-in)
  -M versatilepb -m SIZE -nographic -semihosting
  -icount shift=N[,align=on|off][,sleep=on|off]
  -align-policy NAME[,key=val...]
  -kernel IMAGE  -append ARGS  -record FILE.h5  -stats  -quiet  -rtc-base N
"""


def die(msg, code=1):
    print(f"emu-arm: {msg}", file=sys.stderr)
    sys.exit(code)


def main(argv):
    opts = {"append": ""}
    flags = {"-nographic", "-semihosting", "-stats", "-quiet", "-no-reboot"}
    valued = {"-M", "-machine", "-m", "-icount", "-align-policy", "-kernel", "-append", "-record",
              "-rtc-base", "-serial", "-display", "-monitor", "-icount-io", "-align-policy-plugin",
              "-record-rate"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "-help", "--help"):
            sys.stdout.write(USAGE)
            return 0
        if a in flags:
            opts[a[1:]] = True
            i += 1
        elif a in valued:
            if i + 1 >= len(argv):
                die(f"option {a} needs a value")
            opts[a[1:]] = argv[i + 1]
            i += 2
        else:
            die(f"unknown option '{a}'")
    if "kernel" not in opts:
        die("-kernel IMAGE is required")
    try:
        image = open(opts["kernel"], "rb").read()
    except OSError as e:
        die(f"cannot open '{opts['kernel']}': {e.strerror}")
    if image[:4] != b"\x7fELF" or len(image) < 52 or int.from_bytes(image[18:20], "little") != 40:
        die(f"'{opts['kernel']}' is not an ARM ELF image")
    shift = 0
    for tok in opts.get("icount", "shift=0").split(","):
        k, _, v = tok.partition("=")
        if k == "shift":
            shift = int(v)
    policy = opts.get("align-policy", "none")
    args = dict(t.partition("=")[::2] for t in opts["append"].split() if "=" in t)
    if "fail" in args:
        print("fake guest: self-check failed", flush=True)
        die(f"guest reported an error (fail={args['fail']})", int(args["fail"]))

    h = hashlib.sha256(image + b"\0" + opts["append"].encode()).digest()
    base = os.path.basename(opts["kernel"])
    if "iterations" in args:
        insns = int(72e6 * int(args["iterations"]) / 1200)
    elif "scale" in args:
        insns = int(30e6 * int(args["scale"]) / 16)
    else:
        insns = 20_000_000
    insns += int.from_bytes(h[:2], "little")
    mips = float(os.environ.get("FAKE_EMU_MIPS", "60"))
    duration = insns / (mips * 1e6)
    if args.get("hang") == "1":
        duration = 1e9

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    # the record, laid out as emu/record/recorder.c writes it (docs/hdf5-schema.md):
    # PATH.partial, root attribute complete=0 until the end, then renamed to PATH
    f = None
    if "record" in opts:
        import h5py
        import numpy as np
        tmp = opts["record"] + ".partial"
        f = h5py.File(tmp, "w")
        pname, _, pparams = policy.partition(",")
        for k, v in {"schema_version": 1, "complete": 0, "policy": pname,
                     "policy_params": pparams, "policy_description": "stand-in",
                     "policy_origin": "built-in", "shift": shift,
                     "icount_options": opts.get("icount", ""), "workload": opts["kernel"],
                     "workload_args": opts["append"],
                     "image_sha256": hashlib.sha256(image).hexdigest(),
                     "emulator_version": "fake_emu.py", "git_commit": "unknown",
                     "command_line": " ".join(argv)}.items():
            f.attrs[k] = v
        g = f.create_group("drift")
        cols = {c: g.create_dataset(c, shape=(0,), maxshape=(None,), dtype="<i8", chunks=(256,))
                for c in ("host_ns", "guest_ns", "drift_ns")}
        pg = f.create_group("policy")
        pg.create_dataset("kind", shape=(0,), dtype="<i4")
        for c in ("host_ns", "guest_ns", "view_ns", "req_ns", "act_ns", "value"):
            pg.create_dataset(c, shape=(0,), dtype="<i8")
        f.flush()
    t0 = time.monotonic()
    rng = np.random.default_rng(int.from_bytes(h[:4], "little")) if f else None
    samples = []
    while not stop:
        el = time.monotonic() - t0
        if el >= duration:
            break
        if f is not None:
            host_ns = int(el * 1e9)
            d = int(rng.normal(-3e5 if "start-only" in policy else 0, 2e5))
            samples.append(d)
            n = cols["host_ns"].shape[0]
            for c, v in (("host_ns", host_ns), ("guest_ns", host_ns + d), ("drift_ns", d)):
                cols[c].resize((n + 1,))
                cols[c][n] = v
            f.flush()
        time.sleep(min(0.02, max(0.0, duration - el)))
    if stop:
        if f is not None:
            f.close()
        die("stopped by a signal", 143)
    sys.stdout.write(f"fake guest {base}: args '{opts['append']}'\n"
                     f"checksum {h[4:12].hex()}\n{base.split('.')[0]} ok\n")
    sys.stdout.flush()
    host_ns = int((time.monotonic() - t0) * 1e9)
    if f is not None:
        s = f.create_group("summary")
        a = np.array(samples or [0], dtype=float)
        for k, v in {"samples": len(samples), "drift_mean_ns": float(a.mean()),
                     "drift_sd_ns": float(a.std()), "drift_min_ns": int(a.min()),
                     "drift_max_ns": int(a.max()), "drift_rms_ns": float(np.sqrt((a ** 2).mean())),
                     "abs_drift_p99_ns": float(np.percentile(abs(a), 99)),
                     "host_elapsed_ns": host_ns, "guest_elapsed_ns": insns << shift,
                     "instructions": insns, "mips": insns / max(host_ns, 1) * 1e3,
                     "host_clock_reads": len(samples) * 10, "sleeps": len(samples),
                     "policy_code_ns": float(len(samples) * 900), "exit_code": 0,
                     "shift_final": shift}.items():
            s.attrs[k] = v
        s.create_group("policy")
        f.attrs["complete"] = 1
        f.close()
        os.rename(tmp, opts["record"])
    if opts.get("stats"):
        print(f"icount: {insns} instructions, virtual time {insns << shift} ns, shift {shift}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
