"""QEMU 7.2 as a backend of the sweep harness: `emulators = ["emu-arm",
"qemu"]` in a spec, what it expands to and its errors; console stamps and
`info jit` parsing; a small sweep on a bare-metal guest and on the short
Linux guest that writes records for both emulators with drift series, which
merge, report and the tables hold side by side; and drift measured from
console stamps agreeing with emu-arm's own monitor on the same run.

Needs build/emu-arm, the guests (scons) and Debian's qemu-system-arm. No
wall-clock figure is asserted beyond loose bounds on the console's
resolution."""
import shutil
import subprocess
import textwrap

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import console  # noqa: E402
from driftlab.sweep import spec as sp  # noqa: E402
import sweep_testutil as tu  # noqa: E402
from driftlab.tools.files import read_csv  # noqa: E402

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

EMU = ROOT / "build" / "emu-arm"
CLOCK_ELF = ROOT / "build" / "guests" / "clock-print.elf"
QEMU = shutil.which("qemu-system-arm")
needs_run = pytest.mark.skipif(not (EMU.exists() and CLOCK_ELF.exists() and QEMU),
                               reason="needs build/emu-arm, the guests (scons) and "
                                      "qemu-system-arm")


def parse(text, name="q.toml"):
    return sp.parse_spec(name, text=text, check_files=False, policies=None)


BASE = textwrap.dedent("""\
    name = "q"
    output = "results/q.h5"
    time_limit = "60s"
    repetitions = 2
    shifts = [3, 6]
    align = ["on", "off"]
    emulators = ["emu-arm", "qemu"]

    [workloads.clock]
    elf = "build/guests/clock-print.elf"
    append = ["lines=5", "lines=6"]

    [workloads.lx]
    linux = "stress"
    secs = 1

    [policies.none]
    [policies.per-tb]
    max-advance-us = [1000, 3000]
    """)


# ---- the spec ---------------------------------------------------------------

def test_qemu_jobs_one_per_workload_shift_align_rep():
    jobs = sp.expand(parse(BASE))
    q = [j for j in jobs if j.emulator == "qemu"]
    e = [j for j in jobs if j.emulator == "emu-arm"]
    # (2 appends + 1 Linux) x 2 shifts x 2 aligns x 2 reps; emu-arm: x 3 policy variants
    assert len(q) == 3 * 2 * 2 * 2
    assert len(e) == 3 * 3 * 2 * 2 * 2
    assert {j.policy for j in q} == {"qemu-align", "qemu-none"}
    assert all(j.policy == ("qemu-align" if j.align else "qemu-none") for j in q)
    assert len({j.id for j in jobs}) == len(jobs)
    for j in q:
        a = j.argv
        assert a[0] == QEMU or a[0] == "qemu-system-arm" or a[0].endswith("qemu-system-arm")
        ic = a[a.index("-icount") + 1]
        linux = j.workload == "lx"
        if j.align:     # QEMU's start-only: only with sleep=on
            assert ic == f"shift={j.shift},align=on,sleep=on"
        else:
            assert ic == (f"shift={j.shift},sleep=off" if linux else f"shift={j.shift},align=off")
        # emu-arm's own options are not QEMU's; the runner adds the monitor
        for opt in ("-record", "-align-policy", "-roi-begin", "-roi-end", "-stats", "-monitor"):
            assert opt not in a
        if linux:
            assert j.region == ["driftlab: begin ", "driftlab: done"]
            assert "-initrd" in a and "-dtb" in a and "-no-reboot" in a
        else:
            assert j.region is None
    # the same guest and shifts as emu-arm's jobs
    assert {(j.elf, j.append, j.shift) for j in q} == {(j.elf, j.append, j.shift) for j in e}
    lx = next(j for j in e if j.workload == "lx")
    assert lx.region == ["driftlab: begin ", "driftlab: done"]


def test_emu_arm_jobs_unchanged_by_adding_qemu():
    without = BASE.replace('emulators = ["emu-arm", "qemu"]\n', "")
    a = {j.id: (j.key, j.argv) for j in sp.expand(parse(without))}
    b = {j.id: (j.key, j.argv) for j in sp.expand(parse(BASE)) if j.emulator == "emu-arm"}
    assert a == b      # resuming an old sweep keeps its finished emu-arm runs


def test_qemu_alone_needs_no_policies():
    text = BASE.replace('emulators = ["emu-arm", "qemu"]', 'emulators = ["qemu"]')
    text = text[:text.index("[policies.none]")]
    jobs = sp.expand(parse(text))
    assert jobs and all(j.emulator == "qemu" for j in jobs)


@pytest.mark.parametrize("edit, line, key, msg", [
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["emu-arm", "bochs"]'), 7, "emulators",
     "unknown emulator 'bochs'"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["qemu", "qemu"]'), 7, "emulators",
     "twice"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = []'), 7, "emulators", "non-empty"),
    (("[policies.none]", "[policies.qemu-align]"), 17, "policies.qemu-align",
     "label of QEMU's own jobs"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["emu-arm", "qemu"]\nqemu_args = ["-icount", "x"]'),
     8, "qemu_args", "must not set -icount"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["emu-arm"]\nqemu = "qemu-system-arm"'),
     8, "qemu", "emulators does not list"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["qemu"]'), 17, "policies.none",
     "policies are emu-arm's"),
])
def test_spec_errors_name_file_line_and_key(edit, line, key, msg):
    text = BASE.replace(*edit)
    with pytest.raises(sp.SpecError) as e:
        parse(text)
    assert str(e.value).startswith(f"q.toml:{line}: key '{key}': "), str(e.value)
    assert msg in str(e.value)


def test_bad_spec_on_the_command_line_is_one_line_like_other_spec_errors(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(BASE.replace('"emu-arm", "qemu"]', '"emu-arm", "kvm"]'))
    r = tu.run_cli("sweep", p, "--dry-run")
    assert r.returncode == 2        # the sweep CLI's status for a bad spec (test_sweep_spec.py)
    assert r.stderr.strip().count("\n") == 0
    assert f"{p}:7: key 'emulators': unknown emulator 'kvm'" in r.stderr


# ---- console stamps and info jit -----------------------------------------------

def test_console_lines_give_guest_clock_pairs():
    assert console.guest_clock(b"ctr24=48624") == (console.CLOCK_CTR24, 48624)
    assert console.guest_clock(b"[   12.345678] Freeing unused kernel memory") == \
        (console.CLOCK_PRINTK, 12_345_678_000)
    assert console.guest_clock(b"driftlab: begin stress mono_ns=1066323000") == \
        (console.CLOCK_MONO, 1_066_323_000)
    assert console.guest_clock(b"hash   checksum=1 ticks24=5") is None     # a delta, not a clock
    assert console.guest_clock(b"driftlab: done") is None


def test_drift_series_one_clock_relative_to_its_first_pair_and_ctr24_wraps():
    top = (1 << 32) - 24_000            # 1 ms before the 32-bit counter wraps
    stamps = [(1_000_000, 0, top, 0),
              (1_500_000, 1, 5_000_000_000, 1),            # printk: another clock, ignored
              (3_000_000, 0, 24_000, 2),                    # 2 ms of guest time later
              (4_000_000, 0, 72_000, 3)]
    clock, host, guest, drift, origin = console.drift_series(stamps)
    assert clock == console.CLOCK_CTR24 and origin == 1_000_000
    assert host == [0, 2_000_000, 3_000_000]
    assert guest == [0, 2_000_000, 4_000_000]
    assert drift == [0, 0, 1_000_000]
    assert console.drift_series(stamps[:1]) is None


def test_info_jit_parsed_as_qemu_prints_it():
    p = console.MonitorPoller("/nonexistent", 0)
    p._parse(5, "info jit\r\nTranslation buffer state:\r\n...\r\n"
                "Host - Guest clock  -1378 ms\r\nMax guest delay     0 ms\r\n"
                "Max guest advance   12 ms\r\n")
    p._parse(6, "Host - Guest clock  4 ms\nMax guest delay     NA\nMax guest advance   NA\n")
    assert p.samples == [(5, -1378, 0, 12), (6, 4, None, None)]


def test_reader_stamps_lines_from_a_pipe_and_finds_the_region(tmp_path):
    import os
    import time
    r, w = os.pipe()
    log = open(tmp_path / "out", "wb")
    t0 = time.monotonic_ns()
    rd = console.ConsoleReader(r, log, t0, ["driftlab: begin ", "driftlab: done"])
    rd.start()
    os.write(w, b"[    0.100000] boot\r\ndriftlab: begin stress mono_ns=2000\n")
    time.sleep(0.05)
    os.write(w, b"driftlab: end stress mono_ns=1000002000 status=0\ndriftlab: do")
    os.write(w, b"ne\nafter mono_ns=5\n")
    os.close(w)
    rd.join(5)
    os.close(r)
    assert (tmp_path / "out").read_bytes().startswith(b"[    0.100000] boot\r\n")
    assert [s[1:] for s in rd.stamps] == [(console.CLOCK_PRINTK, 100_000_000, 0),
                                          (console.CLOCK_MONO, 2000, 1),
                                          (console.CLOCK_MONO, 1_000_002_000, 2),
                                          (console.CLOCK_MONO, 5, 4)]
    assert rd.region_lines == [1, 3]
    inside = rd.in_region()
    assert [s[3] for s in inside] == [1, 2]
    assert inside[1][0] - inside[0][0] >= 40_000_000      # stamped on arrival, not at EOF


# ---- sweeps with both emulators --------------------------------------------------

def _sweep(tmp_path, text, name, jobs=2):
    spec = tmp_path / f"{name}.toml"
    spec.write_text(text)
    r = tu.run_cli("sweep", spec, "-j", str(jobs), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp_path / name, tmp_path / f"{name}.h5"


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    d = tmp_path_factory.mktemp("qbare")
    # shift 3: the guest runs faster than real time, so alignment matters
    text = textwrap.dedent(f"""\
        name = "bare"
        output = "{d / 'bare.h5'}"
        time_limit = "120s"
        shifts = [3]
        align = ["on", "off"]
        emulators = ["emu-arm", "qemu"]
        emu = "{EMU}"
        [workloads.clock]
        elf = "{CLOCK_ELF}"
        append = "lines=30 period_us=5000"
        [policies.none]
        [policies.start-only]
        """)
    return _sweep(d, text, "bare")


@pytest.fixture(scope="module")
def agree(tmp_path_factory):
    """emu-arm alone, one run at a time: a measurement of the console's
    resolution, not of two emulators competing for this host's 2 cores."""
    d = tmp_path_factory.mktemp("qagree")
    text = textwrap.dedent(f"""\
        name = "agree"
        output = "{d / 'agree.h5'}"
        time_limit = "120s"
        shifts = [3]
        align = ["on"]
        emu = "{EMU}"
        [workloads.clock]
        elf = "{CLOCK_ELF}"
        append = "lines=30 period_us=5000"
        [policies.none]
        [policies.start-only]
        """)
    return _sweep(d, text, "agree", jobs=1)


@pytest.fixture(scope="module")
def lx(tmp_path_factory, guest):
    d = tmp_path_factory.mktemp("qlx")
    # Both emulators unaligned at shift 5, sleep=off: seconds (QEMU's
    # align=on on the Linux guest: lx_align).
    text = textwrap.dedent(f"""\
        name = "lx"
        output = "{d / 'lx.h5'}"
        time_limit = "180s"
        shifts = [5]
        align = ["off"]
        emulators = ["emu-arm", "qemu"]
        emu = "{EMU}"
        [workloads.st]
        linux = "stress"
        secs = 1
        [policies.none]
        """)
    return _sweep(d, text, "lx")


@pytest.fixture(scope="module")
def lx_align(tmp_path_factory, guest):
    d = tmp_path_factory.mktemp("qlxalign")
    # QEMU's own alignment on the Linux guest: align=on needs sleep=on, which
    # paces the boot to real time; at shift 1 the guest is slow enough that
    # this costs a few seconds.
    text = textwrap.dedent(f"""\
        name = "lxa"
        output = "{d / 'lxa.h5'}"
        time_limit = "180s"
        shifts = [1]
        align = ["on"]
        emulators = ["qemu"]
        [workloads.st]
        linux = "stress"
        secs = 1
        """)
    return _sweep(d, text, "lxa", jobs=1)


def _runs(results):
    return {p.stem: p for p in sorted((results / "runs").glob("*.h5"))}


@needs_run
def test_bare_metal_sweep_writes_records_for_both(bare):
    results, merged = bare
    runs = _runs(results)
    assert set(runs) == {"clock+qemu-align+s3-align+r0", "clock+qemu-none+s3-noalign+r0",
                         "clock+none+s3-align+r0", "clock+none+s3-noalign+r0",
                         "clock+start-only+s3-align+r0", "clock+start-only+s3-noalign+r0"}
    version = subprocess.run([QEMU, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    for name, p in runs.items():
        with h5py.File(p) as f:
            a, sw = f.attrs, f["sweep"].attrs
            out = bytes(f["sweep/stdout"][:])
            assert b"clock-print ok" in out, name            # the guest's own result
            assert sw["exit_code"] == 0 and sw["wall_s"] > 0
            assert sw["cpu_user_s"] + sw["cpu_sys_s"] > 0      # the child's rusage
            c = f["console"]
            assert len(c["host_ns"]) == 30 and set(c["clock"][:]) == {console.CLOCK_CTR24}
            assert c.attrs["drift_clock"] == "ctr24" and len(c["drift_ns"]) == 30
            if "qemu" in name:
                assert a["emulator"] == "qemu" and sw["emulator"] == "qemu"
                assert a["emulator_version"] == version and version.startswith("QEMU")
                assert f["drift"].attrs["source"] == "console" == sw["drift_source"]
                assert np.array_equal(f["drift/drift_ns"][:], c["drift_ns"][:])
                d = f["drift"]
                assert np.array_equal(d["drift_ns"][:], d["guest_ns"][:] - d["host_ns"][:])
                assert np.all(np.diff(d["guest_ns"][:]) > 0)
                # ~5 ms of guest time between lines (printing adds a few us)
                assert np.all(abs(np.diff(d["guest_ns"][:]) - 5_000_000) < 100_000)
                m = f["monitor"]
                assert len(m["lag_ns"]) >= 1 and m.attrs["source"] == "info jit"
                assert np.all(m["lag_ns"][:] % 1_000_000 == 0)          # whole ms
                if "qemu-align" in name:
                    assert np.all(m["max_delay_ns"][:] >= 0)
                    assert "align=on,sleep=on" in a["icount_options"]
                else:
                    assert np.all(m["max_delay_ns"][:] == -1)           # NA unaligned
                s = f["summary"].attrs
                assert s["samples"] == 30 and s["exit_code"] == 0 and s["vcpu_cpu_ns"] > 0
                assert s["final_lag_ns"] == -d["drift_ns"][-1]
            else:
                assert a["emulator"] == "emu-arm" == sw["emulator"]
                assert f["drift"].attrs["source"] == "monitor-1kHz" == sw["drift_source"]
                assert f.attrs["monitor_rate_hz"] == 1000 and len(f["drift/drift_ns"]) >= 2


@needs_run
def test_console_drift_agrees_with_emu_arms_own_monitor(agree):
    """Same run, two measurements: the console's (host arrival of each
    ctr24= line) and emu-arm's 1 kHz monitor, compared at the guest times
    the lines printed, both relative to the first line. The first line's
    own latency shifts the whole console series by a constant; the rest is
    each line's latency (the guest's print, the pipe, the reader thread)."""
    results, _ = agree
    for name in ("clock+none+s3+r0", "clock+start-only+s3+r0"):
        with h5py.File(results / "runs" / f"{name}.h5") as f:
            mg, md = f["drift/guest_ns"][:], f["drift/drift_ns"][:]
            c = f["console"]
            g_abs = c["guest_value"][:] * 125 // 3     # no region: monitor guest time = virtual time
            cd = c["drift_ns"][:]
            mon = np.interp(g_abs, mg, md) - np.interp(g_abs[0], mg, md)
            diff = cd - mon
            offset = np.median(diff)
            spread = np.abs(diff - offset)
            # the drift moved far more than the console's resolution ...
            assert np.ptp(mon) > 5_000_000, name
            # ... and both measurements follow it: most lines within a
            # millisecond (a fraction of it on an idle host). On a busy
            # 2-core host the first lines can come in one late batch (all
            # stamped when it was read): the offset and a few lines may be
            # off by several ms, a buffered console would be off everywhere.
            assert abs(offset) < 20_000_000, (name, diff)
            assert np.median(spread) < 1_000_000, (name, diff)
            assert np.mean(spread < 2_000_000) >= 2 / 3, (name, diff)


@needs_run
def test_linux_sweep_writes_records_for_both_over_the_region(lx):
    results, merged = lx
    with h5py.File(merged) as f:
        t = f["summary"][()]
        assert sorted(x.decode() if isinstance(x, bytes) else x for x in t["emulator"]) == \
            ["emu-arm", "qemu"]
        for r in t:
            jid = r["job_id"].decode() if isinstance(r["job_id"], bytes) else r["job_id"]
            assert len(f[f"runs/{jid}/drift/drift_ns"]) >= 2
    runs = _runs(results)
    assert set(runs) == {"st+none+s5+r0", "st+qemu-none+s5+r0"}
    ends = {}
    for name, p in runs.items():
        with h5py.File(p) as f:
            out = bytes(f["sweep/stdout"][:])
            assert b"driftlab: done" in out and b"driftlab: end stress" in out
            c = f["console"]
            assert console.CLOCK_PRINTK in set(c["clock"][:])     # the boot's printk times
            # the region: /init's begin and end lines, CLOCK_MONOTONIC
            assert c.attrs["drift_clock"] == "mono_ns" and len(c["drift_ns"]) == 2
            assert c.attrs["region_begin_host_ns"] > 0 and c.attrs["region_end_host_ns"] > 0
            g = c["drift_guest_ns"][-1]
            assert 1_000_000_000 <= g < 1_500_000_000      # secs = 1 of stress, guest time
            ends[name] = g
            if "qemu" in name:
                assert f.attrs["emulator"] == "qemu"
                # two console stamps in the region: QEMU's polled Host - Guest
                # clock inside it is the finer series if it has more samples
                # there (relative to the region's first poll, as the run is
                # unaligned); unaligned, the region may pass between polls
                m = f["monitor"]
                inside = int(((m["host_ns"][:] >= c.attrs["region_begin_host_ns"]) &
                              (m["host_ns"][:] <= c.attrs["region_end_host_ns"])).sum())
                d = f["drift/drift_ns"][:]
                assert f["summary"].attrs["region"] == 1
                if inside > 2:
                    assert f["drift"].attrs["source"] == "monitor-info-jit"
                    assert len(d) == inside and d[0] == 0
                else:
                    assert f["drift"].attrs["source"] == "console" and len(d) == 2
                assert d[-1] > 50_000_000               # sleep=off: far ahead of the host
            else:
                assert f["drift"].attrs["source"] == "monitor-1kHz"
                # emu-arm's monitor over the same region ends where the console
                # does (two stamps: each may be a few ms late on a busy host)
                mg, md = f["drift/guest_ns"][:], f["drift/drift_ns"][:]
                assert abs(np.interp(g, mg, md) - c["drift_ns"][-1]) < 20_000_000
                assert c["drift_ns"][-1] > 100_000_000     # sleep=off: far ahead of the host


@needs_run
def test_merge_report_and_tables_hold_both(bare, tmp_path):
    _, merged = bare
    with h5py.File(merged) as f:
        t = f["summary"][()]
        emus = {r["emulator"].decode() if isinstance(r["emulator"], bytes) else r["emulator"]
                for r in t}
        assert emus == {"emu-arm", "qemu"}
        src = {x.decode() if isinstance(x, bytes) else x for x in t["drift_source"]}
        assert src == {"console", "monitor-1kHz"}
        assert "QEMU emulator version 7.2" in f["provenance"].attrs["qemu_versions"]
    out = tmp_path / "rep"
    r = subprocess.run([str(ROOT / "driftlab"), "--no-setup", "report", str(merged), "-o",
                        str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    cfg = read_csv(out / "tables" / "configs.csv")
    by = {c["policy_label"]: c for c in cfg}
    assert {by[k]["emulator"] for k in ("qemu-align", "qemu-none")} == {"qemu"}
    assert {by[k]["emulator"] for k in ("none", "start-only")} == {"emu-arm"}
    # QEMU's overhead is against QEMU unaligned, not against emu-arm's none
    assert by["qemu-align"]["overhead"] != "" and by["qemu-none"]["overhead"] in ("0", "")
    runs = read_csv(out / "tables" / "runs.csv")
    assert sorted(x["emulator"] for x in runs) == ["emu-arm"] * 4 + ["qemu"] * 2
    split = read_csv(out / "tables" / "split.csv")
    assert {(x["emulator"], x["policy_label"]) for x in split} == {
        ("emu-arm", "none"), ("emu-arm", "start-only"), ("qemu", "qemu-align"),
        ("qemu", "qemu-none")}
    for tex in ("drift.tex", "overhead.tex", "alignable.tex"):
        assert "qemu-align" in (out / "tables" / tex).read_text(), tex
    assert "QEMU" in r.stdout + r.stderr or "qemu" in r.stdout
    assert (out / "figures" / "drift-clock.png").exists()


# ---- shift=auto: QEMU's adaptive shift ---------------------------------------------

AUTO = textwrap.dedent("""\
    name = "q"
    output = "results/q.h5"
    time_limit = "60s"
    shifts = ["auto", 4]
    align = ["off"]
    emulators = ["emu-arm", "qemu"]

    [workloads.clock]
    elf = "build/guests/clock-print.elf"

    [policies.none]
    """)


def test_shift_auto_is_a_qemu_job_with_shift_minus_one():
    jobs = sp.expand(parse(AUTO))
    auto = [j for j in jobs if j.shift == sp.AUTO_SHIFT]
    assert [j.id for j in auto] == ["clock+qemu-none+sauto+r0"]
    a = auto[0].argv
    assert a[a.index("-icount") + 1] == "shift=auto,align=off"
    # emu-arm records only at a fixed shift (its adaptive shift is a policy)
    assert sorted(j.id for j in jobs if j.emulator == "emu-arm") == ["clock+none+s4+r0"]


@pytest.mark.parametrize("edit, line, key, msg", [
    (('align = ["off"]', 'align = ["on", "off"]'), 4, "shifts", "cannot be aligned"),
    (('emulators = ["emu-arm", "qemu"]', 'emulators = ["emu-arm"]'), 4, "shifts",
     "shift \"auto\" is QEMU's"),
    (('elf = "build/guests/clock-print.elf"', 'linux = "stress"'), 9, "workloads.clock.linux",
     "sleep=off"),
    (('shifts = ["auto", 4]', 'shifts = ["Auto", 4]'), 4, "shifts", "or \"auto\""),
])
def test_shift_auto_errors(edit, line, key, msg):
    with pytest.raises(sp.SpecError) as e:
        parse(AUTO.replace(*edit))
    assert str(e.value).startswith(f"q.toml:{line}: key '{key}': "), str(e.value)
    assert msg in str(e.value)


@needs_run
def test_qemu_aligned_linux_run_is_measured_over_the_region(lx_align):
    results, merged = lx_align
    p = results / "runs" / "st+qemu-align+s1+r0.h5"
    with h5py.File(p) as f:
        assert f.attrs["icount_options"] == "shift=1,align=on,sleep=on"
        assert b"driftlab: done" in bytes(f["sweep/stdout"][:])
        # stress prints nothing: the console's two stamps (begin, end) only
        # bound the region, and QEMU's polled Host - Guest clock inside it is
        # the drift series (absolute: align=on controls that difference)
        c = f["console"]
        assert c.attrs["drift_clock"] == "mono_ns" and len(c["drift_ns"]) == 2
        assert 1_000_000_000 <= c["drift_guest_ns"][-1] < 1_500_000_000
        d = f["drift"]
        assert d.attrs["source"] == "monitor-info-jit"
        region = c.attrs["region_end_host_ns"] - c.attrs["region_begin_host_ns"]
        assert len(d["drift_ns"]) >= 5 and 0 <= d["host_ns"][-1] <= region
        assert d.attrs["origin_host_ns"] >= c.attrs["region_begin_host_ns"]
        m = f["monitor"]
        inside = (m["host_ns"][:] >= c.attrs["region_begin_host_ns"]) & \
            (m["host_ns"][:] <= c.attrs["region_end_host_ns"])
        assert list(-d["drift_ns"][:]) == list(m["lag_ns"][:][inside])
        assert len(m["lag_ns"]) >= 5                           # polled through the boot
        assert np.all(m["max_delay_ns"][:] >= 0)               # aligned: not NA
        assert f["summary"].attrs["monitor_max_delay_ns"] == m["max_delay_ns"][-1]
    with h5py.File(merged) as f:
        assert [x.decode() if isinstance(x, bytes) else x for x in f["summary"]["policy"]] == \
            ["qemu-align"]


def test_qemu_record_without_console_clock_falls_back_to_info_jit(tmp_path):
    """A guest that prints no clock: QEMU's drift is its own `info jit`
    lag (whole ms), relative to the first poll, and named as such."""
    import types
    from driftlab.sweep import console_record
    elf = tmp_path / "g.elf"
    elf.write_bytes(b"\x7fELF")
    job = types.SimpleNamespace(argv=["/bin/true", "-icount", "shift=3,align=off", "-kernel",
                                      str(elf)], policy="qemu-none", align=False, shift=3,
                                elf=str(elf), append="", region=None)
    reader = types.SimpleNamespace(stamps=[], lines=3, region_host_ns=[None, None],
                                   in_region=lambda: [])
    poller = types.SimpleNamespace(period_s=0.1, samples=[(10_000_000, 2, None, None),
                                                          (110_000_000, -5, None, None),
                                                          (210_000_000, -9, None, None)])
    ru = types.SimpleNamespace(ru_utime=0.25, ru_stime=0.05)
    out = tmp_path / "r.h5"
    console_record.write_qemu_record(out, job, reader, poller, ru, 0, 0.3, "2026-01-01T00:00:00Z")
    with h5py.File(out) as f:
        assert f.attrs["complete"] == 1 and f.attrs["emulator"] == "qemu"
        d = f["drift"]
        assert d.attrs["source"] == "monitor-info-jit"
        assert list(d["host_ns"][:]) == [0, 100_000_000, 200_000_000]
        assert list(d["drift_ns"][:]) == [0, 7_000_000, 11_000_000]     # lag fell: guest gained
        assert list(d["guest_ns"][:]) == [0, 107_000_000, 211_000_000]
        s = f["summary"].attrs
        assert s["final_lag_ns"] == -11_000_000 and s["samples"] == 3
        assert s["vcpu_cpu_ns"] == s["process_cpu_ns"] == 300_000_000
        assert list(f["monitor/max_delay_ns"][:]) == [-1, -1, -1]
        assert len(f["console/host_ns"]) == 0
