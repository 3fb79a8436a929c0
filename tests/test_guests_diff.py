"""Differential guest tests: every guest variant ELF under emu-arm must give
the same UART bytes and exit code as QEMU 7.2 (the oracle).

Guests are built by SCons into build/guests/variants/NAME-{arm,thumb}-{O0,O2,Os}.elf
(experiments/guests/SConscript).  Each variant runs once with small
`-append` arguments, and the -O2 ones also with their default arguments
(the benchmark configuration).  QEMU results are computed fresh on every run
(QEMU is deterministic with sleep=off and the whole QEMU side takes a few
seconds).  When build/emu-arm (or $EMU) does not exist the emu-arm tests FAIL
with a message saying so; the QEMU-only reference checks still run.

What QEMU 7.2 does with these options (observed on Debian 12's 7.2+dfsg):

* `-nographic` connects serial0 (PL011 UART0 at 0x101f1000) to stdio through
  the monitor mux; the UART bytes reach stdout unmodified ('\\n' stays '\\n',
  no '\\r' added) and QEMU itself prints nothing else on stdout.  stdin must
  not be a terminal (we give it /dev/null).
* `-semihosting` enables the ARM semihosting trap (SVC 0x123456 in ARM state,
  SVC 0xAB in Thumb).  Semihosting console output (SYS_WRITEC/SYS_WRITE0)
  goes to QEMU's stderr, not stdout; the guests here never use it.
* Exit codes: SYS_EXIT (0x18) with r1 = ADP_Stopped_ApplicationExit
  (0x20026) exits 0, any other reason exits 1.  SYS_EXIT_EXTENDED (0x20) with
  r1 -> {0x20026, code} exits with `code` (truncated to 8 bits by the OS);
  with another reason it exits 1.  The guests use SYS_EXIT_EXTENDED.
* SYS_GET_CMDLINE (0x15) returns "<-kernel path as given>" followed by
  " <-append string>" when -append is non-empty, so the guests only look
  for key=value tokens and never print the command line.
* Start-up state for an ELF -kernel: no boot code runs; the first instruction
  executed is the ELF entry point, in ARM state, SVC mode, CPSR=0x400001d3
  (QEMU's reset value: Z set, IRQ/FIQ masked, and bit 8 - the v6 A bit -
  set; MSR cpsr_c/cpsr_f never clear it, so MRS keeps reading it as 1),
  r0-r14 = 0, SCTLR=0x00090078 (MMU/caches off, low vectors),
  MIDR=0x41069265.  The SP804 periodic interval is LOAD ticks (not LOAD+1).
* Virtual time starts at 0 at the entry point; an MMIO read of the 24 MHz
  counter (0x1000005c) by the n-th executed instruction (1-based) returns
  floor(n * 24 / 1000).  The 100 Hz counter (0x10000024) reads 0.
"""
import concurrent.futures
import os

import pytest

import guestrun

GUESTS = ["cpu", "timer", "idle", "newlib", "coremark-like", "clock-print"]
ISAS = ["arm", "thumb"]
OPTS = ["O0", "O2", "Os"]

# small arguments so that the -O0 builds stay quick on an emulator under test
TEST_ARGS = {
    "cpu": "scale=2",
    "timer": "ticks=20",
    "idle": "ticks=30",
    "newlib": None,
    "coremark-like": "iterations=150",
    "clock-print": "lines=3 period_us=1000",
}

# last line every guest prints when it passed its own checks
OK_LINE = {
    "cpu": b"cpu: ok\n",
    "timer": b"timer: ok\n",
    "idle": b"idle ok\n",
    "newlib": b"newlib ok (0 failures)\n",
    "coremark-like": b"coremark-like: done\n",
    "clock-print": b"clock-print ok\n",
}


def _cases():
    cases = []
    for g in GUESTS:
        for isa in ISAS:
            for opt in OPTS:
                name = f"{g}-{isa}-{opt}"
                elf = guestrun.VARIANT_DIR / f"{name}.elf"
                cases.append((name, g, elf, TEST_ARGS[g]))
                if opt == "O2" and TEST_ARGS[g] is not None:
                    cases.append((name + "-default", g, elf, None))
    return cases


CASES = _cases()
CASE_IDS = [c[0] for c in CASES]
CASE_BY_ID = {c[0]: c for c in CASES}
DETERMINISM_IDS = [c[0] for c in CASES if "-O2" in c[0] and not c[0].endswith("-default")]


def _pool_map(fn, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        return dict(zip(items, ex.map(fn, items)))


def _missing_elfs():
    return [str(c[2]) for c in CASES if not c[2].exists()]


@pytest.fixture(scope="module")
def qemu_runs():
    if _missing_elfs():
        return {}
    return _pool_map(lambda cid: guestrun.run_qemu(CASE_BY_ID[cid][2], CASE_BY_ID[cid][3]),
                     CASE_IDS)


@pytest.fixture(scope="module")
def emu_runs():
    """case id -> RunResult, or a string explaining why emu-arm cannot run."""
    msg = guestrun.emu_missing_message()
    if msg:
        return msg
    if _missing_elfs():
        return {}
    return _pool_map(lambda cid: guestrun.run_emu(CASE_BY_ID[cid][2], CASE_BY_ID[cid][3]),
                     CASE_IDS)


def _need_elf(cid):
    elf = CASE_BY_ID[cid][2]
    if not elf.exists():
        pytest.fail(f"{elf} not built: run `scons` (experiments/guests/SConscript) first")


@pytest.mark.parametrize("cid", CASE_IDS)
def test_qemu_reference(cid, qemu_runs):
    """The oracle side alone: the guest passes its own checks under QEMU."""
    _need_elf(cid)
    r = qemu_runs[cid]
    guest = CASE_BY_ID[cid][1]
    assert not r.timed_out, r.describe()
    assert r.returncode == 0, r.describe() + "\n" + r.stdout.decode("latin-1")[-2000:]
    assert r.stdout.endswith(OK_LINE[guest]), r.stdout.decode("latin-1")[-2000:]


@pytest.mark.parametrize("cid", CASE_IDS)
def test_guest_matches_qemu(cid, qemu_runs, emu_runs):
    _need_elf(cid)
    if isinstance(emu_runs, str):
        pytest.fail(emu_runs, pytrace=False)
    report = guestrun.compare(qemu_runs[cid], emu_runs[cid], what=cid)
    if report:
        pytest.fail(report, pytrace=False)


@pytest.mark.parametrize("cid", DETERMINISM_IDS)
def test_emu_deterministic(cid, emu_runs):
    """A second emu-arm run of the same guest gives byte-identical output."""
    _need_elf(cid)
    if isinstance(emu_runs, str):
        pytest.fail(emu_runs, pytrace=False)
    first = emu_runs[cid]
    second = guestrun.run_emu(CASE_BY_ID[cid][2], CASE_BY_ID[cid][3])
    assert (first.returncode, first.timed_out) == (second.returncode, second.timed_out)
    if first.stdout != second.stdout:
        pytest.fail(f"{cid}: emu-arm output differs between two runs:\n"
                    + guestrun.text_diff(first.stdout, second.stdout, "run 1", "run 2"),
                    pytrace=False)
