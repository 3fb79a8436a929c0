#!/usr/bin/python3
"""Compare two `-d exec,cpu` logs TB by TB (QEMU needs `-d exec,cpu,nochain`).

Each TB is its "Trace" line's guest PC plus the register dump that follows it
(host pointers and TB flag words are emulator-specific and ignored). Prints the
first divergence with context and exits 1, or prints the TB count and exits 0.

usage: trace_diff.py A.log B.log [--limit N]"""
import itertools
import re
import sys

TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\]")
REG = re.compile(r"(R\d\d|PSR)=([0-9a-f]{8})")


def parse(path):
    """Yields (pc, regs) per TB; regs is the dump logged right after its Trace
    line, i.e. the CPU state on entry to the TB."""
    pc, regs = None, {}
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE.match(line)
            if m:
                if pc is not None:
                    yield pc, tuple(sorted(regs.items()))
                pc, regs = int(m.group(1), 16), {}
                continue
            if pc is not None:
                for name, val in REG.findall(line):
                    regs[name] = val
    if pc is not None:
        yield pc, tuple(sorted(regs.items()))


def diff(a_path, b_path, limit=None):
    n = 0
    history = []
    for (a, b) in itertools.zip_longest(parse(a_path), parse(b_path)):
        if a is None or b is None:
            short = a_path if a is None else b_path
            print(f"{short} ends after {n} TBs; the other goes on")
            return 1, n
        if a != b:
            print(f"first divergence at TB #{n}:")
            for pc, _ in history[-5:]:
                print(f"  before: pc={pc:08x}")
            print(f"  {a_path}: pc={a[0]:08x} regs={dict(a[1])}")
            print(f"  {b_path}: pc={b[0]:08x} regs={dict(b[1])}")
            return 1, n
        history.append(a)
        n += 1
        if limit and n >= limit:
            break
    print(f"{n} TBs identical")
    return 0, n


if __name__ == "__main__":
    args = sys.argv[1:]
    limit = None
    if "--limit" in args:
        i = args.index("--limit")
        limit = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    sys.exit(diff(args[0], args[1], limit)[0])
