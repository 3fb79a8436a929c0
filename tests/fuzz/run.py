#!/usr/bin/env python3
"""Run the random-instruction fuzzer on demand: QEMU (oracle) vs emu-arm.

    tests/fuzz/run.py --seeds 1-50 --isa thumb
    tests/fuzz/run.py --seeds 1,7,100-120 --isa both --count 200 -v 3
    tests/fuzz/run.py --seeds 1-5 --isa arm --qemu-only      # oracle self-check

For every seed it generates build/fuzz/ISA-sSEED.S (tests/fuzz/gen.py),
assembles it with tests/fuzz/runtime.S, runs the ELF on both emulators and
prints a per-sequence verdict summary; with -v N it prints the full report
(source lines, differing fields, both dumps) of the first N differing
sequences of each ELF.  --qemu-only runs QEMU twice and checks that the two
runs are identical and complete.  Exit status 0 iff everything matched.
EMU selects the emulator binary (default build/emu-arm).
"""
import argparse
import pathlib
import sys
import time

# an entry point of its own (pytest has pyproject.toml's pythonpath): the
# package (driftlab.tools.machine_args, ...) and the tests' helpers (guestrun)
_ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(_ROOT / d) for d in ("python", "tests")]
import fuzzlib  # noqa: E402
import guestrun  # noqa: E402


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def ranges(idxs):
    """[1,2,3,7] -> '1-3,7'"""
    out, start, prev = [], None, None
    for i in sorted(idxs):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = i
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1-10", help="e.g. 1-50 or 1,4,9-12")
    ap.add_argument("--isa", choices=["arm", "thumb", "vfp", "both", "all"], default="both",
                    help="both: arm and thumb; all: arm, thumb and vfp")
    ap.add_argument("--count", type=int, default=fuzzlib.DEFAULT_COUNT,
                    help="sequences per ELF (default %(default)s)")
    ap.add_argument("-v", "--verbose", type=int, default=1, metavar="N",
                    help="full reports for the first N differing sequences per ELF")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    ap.add_argument("--qemu-only", action="store_true",
                    help="no emu-arm: run QEMU twice and compare it with itself")
    args = ap.parse_args(argv)

    isas = {"both": ["arm", "thumb"], "all": ["arm", "thumb", "vfp"]}.get(args.isa, [args.isa])
    jobs = [(isa, seed, args.count) for isa in isas for seed in parse_seeds(args.seeds)]
    if not args.qemu_only:
        msg = guestrun.emu_missing_message()
        if msg:
            print("error: " + msg, file=sys.stderr)
            return 2

    t0 = time.monotonic()
    built = fuzzlib.build_many(jobs, args.jobs)
    t_build = time.monotonic() - t0
    elfs = [built[j][0] for j in jobs]
    t0 = time.monotonic()
    ref = fuzzlib.run_many(guestrun.run_qemu, elfs, args.jobs)
    t_qemu = time.monotonic() - t0
    t0 = time.monotonic()
    other = fuzzlib.run_many(guestrun.run_qemu if args.qemu_only else guestrun.run_emu,
                             elfs, args.jobs)
    t_other = time.monotonic() - t0
    other_name = "qemu (2nd run)" if args.qemu_only else "emu-arm"

    total = {"ok": 0, "DIFF": 0, "MISSING": 0}
    bad_elfs = 0
    for job, elf in zip(jobs, elfs):
        isa, seed, count = job
        seqs = built[job][1]
        problem = fuzzlib.qemu_ok(ref[elf], count)
        if problem:
            print(f"{isa:5s} seed {seed:5d}: REFERENCE BROKEN: {problem}")
            bad_elfs += 1
            continue
        verdicts, notes = fuzzlib.compare_outputs(ref[elf].stdout, other[elf].stdout)
        counts = {k: sum(1 for v in verdicts.values() if v == k) for k in total}
        for k in total:
            total[k] += counts[k]
        bad = sorted(i for i, v in verdicts.items() if v != "ok")
        rc_note = ""
        if ref[elf].returncode != other[elf].returncode or other[elf].timed_out:
            rc_note = f" exit qemu={ref[elf].returncode} {other_name}={other[elf].describe()}"
            notes.append(rc_note)
        status = "ok  " if not bad and not notes else "FAIL"
        if status == "FAIL":
            bad_elfs += 1
        line = (f"{isa:5s} seed {seed:5d}: {status} {counts['ok']:4d} ok, {counts['DIFF']:4d} differ, "
                f"{counts['MISSING']:4d} missing")
        if bad:
            line += f"  [seqs {ranges(bad)[:70]}]"
        print(line)
        for n in notes:
            print("      " + n)
        for idx in bad[:args.verbose]:
            print(fuzzlib.sequence_report(seqs, idx, ref[elf].stdout, other[elf].stdout, isa, seed))
            print()
    print(f"summary: {len(elfs)} ELFs, {sum(total.values())} sequences: {total['ok']} ok, "
          f"{total['DIFF']} differ, {total['MISSING']} missing; {bad_elfs} ELFs failed "
          f"(build {t_build:.1f}s, qemu {t_qemu:.1f}s, {other_name} {t_other:.1f}s)")
    return 0 if bad_elfs == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
