"""`./driftlab repro --quick` (what CI runs of the reproduction) prints the
table of our figures beside the seed's, the reasons, and non-empty PNG and PDF
figures. Figures are checked for existence and size only: the numbers depend
on the machine."""
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_repro_quick():
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "repro", "--quick"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    assert "seed (2014)" in out and "driftlab" in out
    for row in ("per-tb", "start-only", "lowest alignable shift, CPU workload",
                "lowest alignable shift, IO workload"):
        assert row in out, row
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
