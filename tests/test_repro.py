"""`./driftlab repro --quick` (what CI runs of the reproduction) prints the
table of our figures beside the seed's, the reasons, and non-empty PNG and PDF
figures. Figures are checked for existence and size only: the numbers depend
on the machine."""
import pathlib
import re
import subprocess

from driftlab.paths import ROOT


def test_repro_quick():
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "repro", "--quick"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    # three columns: the seed's, QEMU 7.2's measured in the same run, ours
    header = next(line for line in out.splitlines() if "seed (2014" in line)
    assert header.index("seed (2014") < header.index("QEMU 7.2 (this run)") < header.index("emu-arm")
    for row in ("overhead, clock read at every return to the loop",
                "overhead, clock read only on loop entry (start-only)",
                "start-only: guest behind host (median; at the end)",
                "lowest alignable shift, CPU workload", "lowest alignable shift, IO workload",
                "IO vs CPU: start-only |drift| p99"):
        assert row in out, row
    # QEMU's column holds measured numbers: its align=on overhead and lag
    so = next(line for line in out.splitlines() if line.startswith("overhead, clock read only"))
    assert re.search(r"align=on [+-][0-9]+ %", so), so
    lag = next(line for line in out.splitlines() if line.startswith("start-only: guest behind"))
    assert len(re.findall(r"[+-][0-9]+\.[0-9]+ ms", lag)) == 4, lag      # QEMU's and ours
    assert "qemu-align" in out and "qemu-none" in out
    assert "Where we agree and where we differ, and why:" in out
    # the seed's overheads named as bookkeeping, beside our split
    assert "The seed's overheads are bookkeeping" in out
    for row in ("per-exit under qemu-2.1 chaining: ", "start-only: ", "real runs: total "):
        assert row in out, row
    book = re.search(r"per-exit under qemu-2.1 chaining: ([+-][0-9.]+)% .*?\(([0-9]+) reads/Minsn\)",
                     out)
    assert book and int(book.group(2)) > 0
    split = ROOT / "build" / "report" / "repro-quick" / "tables" / "split.csv"
    text = split.read_text().splitlines()
    assert text[0].startswith("workload,shift,policy_label,dry_run,n,bookkeeping")
    assert any(",per-exit-dry,1," in line for line in text)
    figures = [pathlib.Path(p) for p in re.findall(r"^  (/\S+\.(?:png|pdf))$", out, re.M)]
    assert {p.suffix for p in figures} == {".png", ".pdf"}
    assert len(figures) >= 8
    for p in figures:
        assert p.is_file() and p.stat().st_size > 1000, p
    assert p.read_bytes()[:4] in (b"%PDF", b"\x89PNG")
