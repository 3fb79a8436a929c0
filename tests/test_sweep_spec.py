"""Sweep specs: parsing, expansion into jobs, and errors that name the key and
its line. No guest runs here: emulators are only asked for their policy
listing (-align-policy help=json)."""
import os
import textwrap

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import spec as sp  # noqa: E402
from sweep_testutil import run_cli  # noqa: E402

EMU = ROOT / "build" / "emu-arm"
# Policies, their parameters and the largest shift are checked against what
# the emulator lists (-align-policy help=json): without a build those checks
# are skipped, and so are the tests of their errors.
NEEDS_EMU = pytest.mark.skipif(not EMU.is_file(), reason=f"{EMU} is not built: the "
                               "spec's policies are checked against its own listing")


def needs_emu(*case):
    return pytest.param(*case, marks=NEEDS_EMU)

GOOD = textwrap.dedent("""\
    # a comment
    name = "demo"
    output = "results/demo.h5"
    time_limit = "2m"
    repetitions = 2
    shifts = [0, 6]

    [workloads.cpu]
    elf = "build/guests/cpu.elf"
    append = "scale=4"

    [workloads.cm]
    elf = "build/guests/coremark-like.elf"
    append = [
        "iterations=100",
        "iterations=200",
    ]

    [policies.none]

    [policies.per-tb]
    max-advance-us = [1000, 3000]

    [policies.pid-soft]
    policy = "pid"
    kp = [0.3, 0.6]
    windup = false
    """)


# GOOD up to its policies: error cases add their own tables after it
BASE = GOOD[:GOOD.index("[policies.none]")] + "[policies.none]\n"


def parse(text, name="spec.toml", **kw):
    kw.setdefault("check_files", False)
    return sp.parse_spec(name, text=text, **kw)


def error(text, **kw):
    with pytest.raises(sp.SpecError) as ei:
        parse(text, **kw)
    return ei.value


def line_of(text, needle):
    for n, l in enumerate(text.splitlines(), 1):
        if needle in l:
            return n
    raise AssertionError(needle)


def test_expand_counts_order_and_commands():
    s = parse(GOOD)
    assert s.name == "demo" and s.time_limit_s == 120 and s.repetitions == 2
    assert s.output == str(ROOT / "results" / "demo.h5")
    assert s.results_dir == str(ROOT / "results" / "demo")
    jobs = sp.expand(s)
    # workloads: cpu (1 append) + cm (2 appends) = 3; policy settings: 1 + 2 + 2 = 5
    assert len(jobs) == 3 * 5 * 2 * 2
    assert [j.index for j in jobs] == list(range(len(jobs)))
    assert len({j.id for j in jobs}) == len(jobs)
    assert len({j.key for j in jobs}) == len(jobs)
    # repetition outermost: the first half is rep 0
    assert {j.rep for j in jobs[:len(jobs) // 2]} == {0}
    j = next(j for j in jobs if j.label == "pid-soft" and j.shift == 6 and j.workload == "cm"
             and j.append == "iterations=200" and j.params["kp"] == 0.6 and j.rep == 1)
    assert j.id == "cm@iterations=200+pid-soft@kp=0.6,windup=off+s6+r1"
    assert j.policy == "pid" and j.params_str == "kp=0.6,windup=off"
    rec = str(ROOT / "results" / "demo" / "runs" / (j.id + ".h5"))
    assert j.record == rec
    assert j.argv == [str(ROOT / "build" / "emu-arm"), "-M", "versatilepb", "-m", "128M",
                      "-nographic", "-semihosting", "-icount", "shift=6,align=on",
                      "-align-policy", "pid,kp=0.6,windup=off",
                      "-kernel", str(ROOT / "build" / "guests" / "coremark-like.elf"),
                      "-append", "iterations=200", "-stats", "-record", rec]
    n = next(j for j in jobs if j.label == "none")
    assert "-align-policy" in n.argv and n.argv[n.argv.index("-align-policy") + 1] == "none"
    assert n.id == "cpu+none+s0+r0"


def test_ids_and_keys_are_stable_and_independent_of_output():
    a = sp.expand(parse(GOOD))
    b = sp.expand(parse(GOOD, output="/elsewhere/x.h5"))
    assert [j.id for j in a] == [j.id for j in b]
    assert [j.key for j in a] == [j.key for j in b]
    assert b[0].record.startswith("/elsewhere/x/runs/")


def test_align_axis_and_defaults():
    s = parse(GOOD.replace("shifts = [0, 6]", 'shifts = 3\nalign = ["on", "off"]')
              .replace("repetitions = 2", ""))
    jobs = sp.expand(s)
    assert {j.align for j in jobs} == {True, False}
    assert {j.shift for j in jobs} == {3} and {j.rep for j in jobs} == {0}
    off = next(j for j in jobs if not j.align)
    assert "shift=3,align=off" in off.argv and off.id.endswith("+s3-noalign+r0")


def test_emu_override_and_python_stand_in():
    s = parse(GOOD, emu="tests/fake_emu.py")
    j = sp.expand(s)[0]
    assert j.argv[:2] == ["/usr/bin/python3", str(ROOT / "tests/fake_emu.py")]


@pytest.mark.parametrize("text,needle,key,words", [
    needs_emu('\n[policies.per-tb]\nmax-advance-us = [1000, 3000]\nmax-advanse-us = 5\n',
              "max-advanse", "policies.per-tb.max-advanse-us", "has no parameter"),
    needs_emu('\n[policies.per-tb]\nmax-advance-us = [1000, "x"]\n', "max-advance-us",
              "policies.per-tb.max-advance-us", "integer"),
    needs_emu('\n[policies.per-tb]\nmax-advance-us = -5\n', "max-advance-us",
              "policies.per-tb.max-advance-us", "out of range"),
    needs_emu('\n[policies.per-tb]\nmax-advance-us = "2000s"\n', "max-advance-us",
              "policies.per-tb.max-advance-us", "out of range"),
    needs_emu('\n[policies.per-tb]\nmax-advance-us = "2 ms"\n', "max-advance-us",
              "policies.per-tb.max-advance-us", "a duration with ns/us/ms/s"),
    needs_emu('\n[policies.pid]\nkp = 1000.0\n', "kp = 1000", "policies.pid.kp", "out of range"),
    needs_emu('\n[policies.pid]\nwindup = 3\n', "windup", "policies.pid.windup", "boolean"),
    needs_emu('\n[policies.pid]\ncatch-up = "later"\n', "catch-up", "policies.pid.catch-up",
              "one of warn, bounded, forgive"),
    needs_emu('\n[policies.fastest]\n', "[policies.fastest]", "policies.fastest",
              "unknown policy"),
    needs_emu('\n[policies.x]\npolicy = "nonesuch"\n', 'policy = "nonesuch"',
              "policies.x.policy", "unknown policy"),
    ('\n[policies.per-tb]\nmax-advance-us = []\n', "max-advance-us = []",
     "policies.per-tb.max-advance-us", "empty"),
    ('\n[workloads.io]\nelf = "build/guests/cpu.elf"\nargs = "x"\n', "args =",
     "workloads.io.args", "unknown key"),
    ('\n[workloads.io]\nappend = "x=1"\n', "[workloads.io]", "workloads.io", "'elf'"),
    ('\n[workloads.io]\nelf = "build/guests/cpu.elf"\nappend = 3\n', "append = 3",
     "workloads.io.append", "string"),
    ('\n[slurm]\nthrottle = 0\n', "throttle", "slurm.throttle", ">= 1"),
    ('\n[slurm]\nqueue = "x"\n', "queue", "slurm.queue", "unknown key"),
])
def test_errors_name_the_key_and_its_line(text, needle, key, words):
    full = BASE + text
    e = error(full)
    assert e.key == key, str(e)
    assert e.line == line_of(full, needle), str(e)
    assert words in str(e), str(e)
    assert str(e).startswith(f"spec.toml:{e.line}: key '{key}': ")


@pytest.mark.parametrize("old,new,key,words", [
    ('time_limit = "2m"', 'time_limit = "soon"', "time_limit", "duration"),
    needs_emu('shifts = [0, 6]', 'shifts = [0, 11]', "shifts", "0..10"),
    ('shifts = [0, 6]', 'shifts = [6, 6]', "shifts", "twice"),
    ('repetitions = 2', 'repetitions = 0', "repetitions", ">= 1"),
    ('output = "results/demo.h5"', 'output = "results/demo"', "output", ".h5"),
    ('name = "demo"', 'name = "a b"', "name", "name"),
    ('# a comment', 'bogus = 1', "bogus", "unknown key"),
])
def test_top_level_errors(old, new, key, words):
    full = GOOD.replace(old, new)
    e = error(full)
    assert e.key == key and e.line == line_of(full, new) and words in str(e), str(e)


def test_missing_required_key_and_missing_elf():
    full = GOOD.replace('time_limit = "2m"\n', "")
    e = error(full)
    assert "missing required key 'time_limit'" in str(e)
    full = GOOD.replace("build/guests/cpu.elf", "build/guests/nonesuch.elf")
    e = error(full, check_files=True)
    assert e.key == "workloads.cpu.elf" and e.line == line_of(full, "nonesuch")
    assert "does not exist" in str(e)
    # dry runs only warn
    s = parse(full, check_files=False)
    assert any("nonesuch" in w for w in s.warnings)


def test_toml_syntax_error_has_line():
    full = GOOD + '\n[policies.threshold]\nperiod-us = = 3\n'
    e = error(full)
    assert e.line == line_of(full, "= = 3") and "TOML syntax error" in str(e)


def test_key_lines_handles_quotes_dotted_keys_and_multiline_values():
    text = textwrap.dedent('''\
        a = 1
        "b.c" = 2
        d.e = """
        x = 1
        """
        f = [
          { g = 1 },
        ]
        [t."u v".w]   # comment
        k = 'v'
        [[arr]]
        z = 1
        ''')
    kl = sp.key_lines(text)
    assert kl[("a",)] == 1 and kl[("b.c",)] == 2 and kl[("d", "e")] == 3
    assert ("x",) not in kl and ("g",) not in kl and kl[("f",)] == 6
    assert kl[("t", "u v", "w")] == 9 and kl[("t", "u v", "w", "k")] == 10
    assert kl[("arr", "z")] == 12


@pytest.mark.parametrize("v,secs", [(90, 90), (1.5, 1.5), ("90s", 90), ("5m", 300),
                                    ("1h30m", 5400), ("00:10:00", 600), ("10:30", 630),
                                    ("1-00:00:00", 86400), ("250ms", 0.25), ("2", 2)])
def test_durations(v, secs):
    assert sp.parse_duration(v) == pytest.approx(secs)


@pytest.mark.parametrize("v", ["", "soon", 0, -3, True, "5 parsecs"])
def test_bad_durations(v):
    assert sp.parse_duration(v) is None


def test_slurm_time():
    assert sp.slurm_time(59) == "00:01:00"
    assert sp.slurm_time(3601) == "01:01:00"
    assert sp.slurm_time(86400 + 60) == "1-00:01:00"


def test_repo_specs_parse():
    """Every experiments/*.toml is a valid spec."""
    specs = sorted((ROOT / "experiments").glob("*.toml"))
    assert specs, "no sweep spec in experiments/"
    for p in specs:
        s = sp.parse_spec(p, check_files=False)
        assert sp.expand(s)


@NEEDS_EMU
def test_plugin_policies():
    plug = "build/policies/example_plugin.so"
    text = BASE + '\n[policies.predictive]\nalpha = [0.1, 0.3]\n'
    e = error(text)
    assert e.key == "policies.predictive" and "unknown policy 'predictive'" in str(e)
    assert "example_plugin.so: add it to plugins" in str(e)
    s = parse(text.replace("shifts = [0, 6]", f'shifts = [0, 6]\nplugins = ["{plug}"]'))
    j = [j for j in sp.expand(s) if j.label == "predictive"][0]
    i = j.argv.index("-align-policy-plugin")
    assert j.argv[i + 1] == str(ROOT / plug)
    assert j.argv[i + 2:i + 4] == ["-align-policy", "predictive,alpha=0.1"]
    e = error(text.replace("shifts = [0, 6]", f'shifts = [0, 6]\nplugins = ["{plug}"]')
              .replace("alpha = [0.1, 0.3]", "alpha = 2.0"))
    assert e.key == "policies.predictive.alpha" and "out of range" in str(e)


def test_dry_run_cli(tmp_path):
    p = tmp_path / "demo.toml"
    p.write_text(GOOD.replace('"results/demo.h5"', f'"{tmp_path}/out.h5"'))
    r = run_cli("sweep", p, "--dry-run", check=True)
    lines = [l for l in r.stdout.splitlines() if not l.startswith("#")]
    assert len(lines) == 60
    idx, jid, cmd = lines[0].split("\t")
    assert idx == "0" and "-record" in cmd and jid in cmd
    assert not (tmp_path / "out").exists(), "a dry run writes nothing"
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD + "\n[policies.per-tb]\n")
    r = run_cli("sweep", bad, "--dry-run")
    assert r.returncode == 2 and "bad.toml:" in r.stderr and "TOML syntax error" in r.stderr


# Every key of a spec, each with a wrong type, an empty grid, a zero or a
# missing file where that applies: the error names FILE:LINE and the key.
MIN = ('name = "m"\noutput = "results/m.h5"\ntime_limit = 60\nshifts = [0]\n')
CPU = '[workloads.cpu]\nelf = "build/guests/cpu.elf"\n'
NONE = '[policies.none]\n'


@pytest.mark.parametrize("text,needle,key,words", [
    # top level
    (GOOD.replace('name = "demo"', 'name = 3'), "name = 3", "name", "must be a name"),
    (GOOD.replace('# a comment', 'description = 5'), "description = 5", "description",
     "must be a string"),
    (GOOD.replace('output = "results/demo.h5"', 'output = 5'), "output = 5", "output",
     "must be a path"),
    (GOOD.replace('time_limit = "2m"', 'time_limit = 0'), "time_limit = 0", "time_limit",
     "not a positive duration"),
    (GOOD.replace('time_limit = "2m"', 'time_limit = "0s"'), 'time_limit = "0s"', "time_limit",
     "not a positive duration"),
    (GOOD.replace('time_limit = "2m"', 'time_limit = [60]'), "time_limit = [60]", "time_limit",
     "must be a duration"),
    (GOOD.replace('repetitions = 2', 'repetitions = "2"'), 'repetitions = "2"', "repetitions",
     "integer >= 1"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = []'), "shifts = []", "shifts", "must not be empty"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = "0"'), 'shifts = "0"', "shifts",
     "must be a list of icount shifts"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nalign = []'), "align = []", "align",
     "once each"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nalign = ["maybe"]'), "align = [", "align",
     "values must be"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nemu = 5'), "emu = 5", "emu",
     "must be a path to the emulator"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nemu_args = "-rtc-base 0"'), "emu_args =",
     "emu_args", "must be a list of strings"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nemu_args = ["-icount", "shift=1"]'),
     "emu_args =", "emu_args", "must not set -icount"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nplugins = "x.so"'), "plugins =",
     "plugins", "must be a list of policy plugin paths"),
    (GOOD.replace('shifts = [0, 6]', 'shifts = [0, 6]\nslurm = "short"'), "slurm =", "slurm",
     "must be a table"),
    # workloads
    (MIN + "workloads = 3\n" + NONE, "workloads = 3", "workloads", "must be a table"),
    (MIN + "workloads = {}\n" + NONE, "workloads = {}", "workloads",
     "at least one workload"),
    (MIN + "workloads.cpu = 3\n" + NONE, "workloads.cpu = 3", "workloads.cpu",
     "must be a table"),
    (MIN + CPU.replace('"build/guests/cpu.elf"', "3") + NONE, "elf = 3", "workloads.cpu.elf",
     "must be a path to a guest ELF"),
    (MIN + CPU + 'append = []\n' + NONE, "append = []", "workloads.cpu.append",
     "non-empty list"),
    (MIN + CPU + 'append = ["a=1", 2]\n' + NONE, "append = [", "workloads.cpu.append",
     "string"),
    (MIN + CPU + 'emu_args = "-sd x.img"\n' + NONE, "emu_args =", "workloads.cpu.emu_args",
     "must be a list of strings"),
    (MIN + CPU + 'image = "x"\n' + NONE, "image =", "workloads.cpu.image", "unknown key"),
    # policies
    (MIN + "policies = 3\n" + CPU, "policies = 3", "policies", "must be a table"),
    (MIN + "policies = {}\n" + CPU, "policies = {}", "policies", "at least one policy"),
    (MIN + "policies.none = 3\n" + CPU, "policies.none = 3", "policies.none", "must be a table"),
    (MIN + CPU + "[policies.x]\npolicy = 3\n", "policy = 3", "policies.x.policy",
     "not a policy name"),
    (MIN + CPU + "[policies.per-tb]\nmax-advance-us = [1000, [2]]\n", "max-advance-us",
     "policies.per-tb.max-advance-us", "values must be numbers"),
    needs_emu(MIN + CPU + "[policies.per-tb]\nmax-advance-us = 1.5\n", "max-advance-us",
              "policies.per-tb.max-advance-us", "integer"),
    (MIN + CPU + "[policies.per-tb]\nmax-advance-us = []\n", "max-advance-us",
     "policies.per-tb.max-advance-us", "empty"),
    # slurm
    (MIN + CPU + NONE + "[slurm]\npartition = 3\n", "partition", "slurm.partition",
     "must be a string"),
    (MIN + CPU + NONE + "[slurm]\naccount = [\"a\"]\n", "account", "slurm.account",
     "must be a string"),
    (MIN + CPU + NONE + "[slurm]\ntime = 0\n", "time = 0", "slurm.time", "not a duration"),
    (MIN + CPU + NONE + "[slurm]\ntime = \"later\"\n", "time =", "slurm.time", "not a duration"),
    (MIN + CPU + NONE + "[slurm]\nthrottle = \"4\"\n", "throttle", "slurm.throttle", ">= 1"),
    (MIN + CPU + NONE + "[slurm]\nextra = \"--mem=1G\"\n", "extra", "slurm.extra",
     "list of sbatch options"),
])
def test_every_key_wrong_type_or_empty(text, needle, key, words):
    e = error(text)
    assert e.key == key, str(e)
    assert e.line == line_of(text, needle), str(e)
    assert words in str(e), str(e)
    assert str(e).startswith(f"spec.toml:{e.line}: key '{key}': "), str(e)


@pytest.mark.parametrize("drop", ["output", "time_limit", "shifts", "workloads", "policies"])
def test_missing_required_keys_name_the_key(drop):
    text = MIN + CPU + NONE
    if drop in ("workloads", "policies"):
        text = text.replace(CPU if drop == "workloads" else NONE, "")
    else:
        text = "\n".join(l for l in text.splitlines() if not l.startswith(drop + " ")) + "\n"
    e = error(text)
    assert e.key == drop and e.line == 1, str(e)
    assert str(e).startswith(f"spec.toml:1: key '{drop}': missing required key"), str(e)


@pytest.mark.parametrize("old,new,needle,key", [
    ('"build/guests/cpu.elf"', '"build/guests/nonesuch.elf"', "nonesuch", "workloads.cpu.elf"),
    ('shifts = [0]', 'shifts = [0]\nemu = "build/no-such-emu"', "no-such-emu", "emu"),
    ('shifts = [0]', 'shifts = [0]\nplugins = ["build/no-such.so"]', "no-such.so", "plugins"),
])
def test_missing_files_name_the_key(old, new, needle, key):
    text = (MIN + CPU + NONE).replace(old, new)
    e = error(text, check_files=True)
    assert e.key == key and e.line == line_of(text, needle), str(e)
    assert "does not exist" in str(e)
    s = parse(text, check_files=False)          # --dry-run: a warning only
    assert any(needle in w for w in s.warnings)


def test_bad_spec_cli_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MIN + CPU + NONE + "[slurm]\ntime = 0\n")
    r = run_cli("sweep", bad, "--backend", "slurm")
    assert r.returncode == 2 and r.stdout == "", r
    assert r.stderr.strip() == (f"driftlab: {bad}:{line_of(bad.read_text(), 'time = 0')}: "
                                "key 'slurm.time': is not a duration: 0"), r.stderr


FILTERED = textwrap.dedent("""\
    name = "filtered"
    output = "results/filtered.h5"
    time_limit = "1m"
    shifts = [6]
    emulators = ["emu-arm", "qemu"]

    [workloads.scan]
    elf = "build/guests/cpu.elf"
    shifts = [2, 4, 6]
    policies = ["none", "start-only", "qemu-align", "qemu-none"]

    [workloads.rest]
    elf = "build/guests/cpu.elf"
    policies = ["per-tb"]

    [policies.none]

    [policies.start-only]

    [policies.per-tb]
    """)


def test_workload_shifts_and_policies_narrow_the_grid():
    jobs = sp.expand(parse(FILTERED))
    got = sorted((j.workload, j.emulator, j.label, j.shift) for j in jobs)
    want = sorted([("scan", e, l, s) for s in (2, 4, 6) for e, l in
                   (("emu-arm", "none"), ("emu-arm", "start-only"), ("qemu", "qemu-align"),
                    ("qemu", "qemu-none"))] + [("rest", "emu-arm", "per-tb", 6)])
    assert got == want
    # qemu-none runs QEMU unaligned although the spec only aligns
    qn = next(j for j in jobs if j.label == "qemu-none")
    assert "align=on" not in " ".join(qn.argv)


def test_workload_filter_errors_name_key_and_line():
    bad = FILTERED.replace('policies = ["per-tb"]', 'policies = ["per-tbb"]')
    e = error(bad)
    assert f":{line_of(bad, 'per-tbb')}:" in str(e) and "workloads.rest.policies" in str(e)
    assert "'per-tbb' is not a policy label" in str(e)
    bad = FILTERED.replace("shifts = [2, 4, 6]", "shifts = [2, 11]")
    e = error(bad)
    assert f":{line_of(bad, 'shifts = [2, 11]')}:" in str(e) and "integers 0..10" in str(e)
    bad = FILTERED.replace("shifts = [2, 4, 6]", "shifts = [2, 2]")
    assert "lists a shift twice" in str(error(bad))
    # QEMU's labels are only known when QEMU runs
    bad = FILTERED.replace('emulators = ["emu-arm", "qemu"]', 'emulators = ["emu-arm"]')
    assert "'qemu-align' is not a policy label" in str(error(bad))


# An emulator whose listing differs from emu-arm's: the checks follow it.
LISTING = {
    "format": "driftlab-align-policies", "version": 1, "policy_abi_version": 4,
    "icount_shift": {"min": 0, "max": 7},
    "runtime_params": [{"name": "catch-up", "type": "enum", "default": "warn",
                        "values": ["warn", "forgive"], "help": "h"}],
    "policies": [{"name": "only", "description": "d", "origin": "built-in", "plugin": False,
                  "params": [{"name": "n", "type": "int", "default": "2", "min": 1, "max": 5,
                              "integer": True, "help": "h"},
                             {"name": "wait", "type": "time", "default": "3", "min": 0.5,
                              "max": 4, "integer": True, "unit": "us",
                              "units": {"ns": 1, "us": 1000}, "help": "h"}]}],
}


def listing_emu(tmp_path, listing=LISTING):
    """A stand-in binary that prints `listing` for -align-policy help=json
    and counts how often it is asked."""
    emu = tmp_path / "emu"
    emu.write_text("#!/bin/sh\n"
                   f"echo asked >> '{tmp_path}/asked'\n"
                   "[ \"$*\" = '-align-policy help=json' ] || exit 1\n"
                   f"cat <<'EOF'\n{__import__('json').dumps(listing)}\nEOF\n")
    emu.chmod(0o755)
    return emu


def times_asked(tmp_path):
    f = tmp_path / "asked"
    return len(f.read_text().splitlines()) if f.exists() else 0


ONLY = MIN + CPU + "[policies.only]\nn = [1, 5]\nwait = [\"500ns\", 4]\n"


def test_policies_and_shifts_come_from_the_emulators_listing(tmp_path):
    emu = listing_emu(tmp_path)
    jobs = sp.expand(parse(ONLY, emu=str(emu)))
    assert [j.params_str for j in jobs] == ["n=1,wait=500ns", "n=1,wait=4", "n=5,wait=500ns",
                                            "n=5,wait=4"]
    for text, key, words in [
            (ONLY.replace("n = [1, 5]", "n = 6"), "policies.only.n", "out of range [1, 5]"),
            (ONLY.replace('"500ns"', '"499ns"'), "policies.only.wait", "out of range [0.5, 4] us"),
            (ONLY.replace('"500ns"', '"1ms"'), "policies.only.wait", "a duration with ns/us"),
            (ONLY + "catch-up = \"bounded\"\n", "policies.only.catch-up", "one of warn, forgive"),
            (ONLY + "[policies.none]\n", "policies.none", "emu-arm has: only)"),
            (ONLY.replace("shifts = [0]", "shifts = [7, 8]"), "shifts", "integer 0..7")]:
        e = error(text, emu=str(emu))
        assert e.key == key and words in str(e), str(e)
    assert times_asked(tmp_path) == 1, "asked once per binary in a process"
    t = emu.stat().st_mtime_ns + 10 ** 9
    os.utime(emu, ns=(t, t))
    parse(ONLY, emu=str(emu))
    assert times_asked(tmp_path) == 2, "asked again when the binary changed"


def test_an_emulator_without_a_listing_is_one_line(tmp_path):
    emu = listing_emu(tmp_path, listing={"format": "something else"})
    e = error(ONLY, emu=str(emu), check_files=True)
    assert e.key is None and "gave no policy listing" in str(e) and "\n" not in str(e)
    bad = tmp_path / "bad-emu"
    bad.write_text("#!/bin/sh\necho 'emu-arm: no such thing' >&2\nexit 1\n")
    bad.chmod(0o755)
    e = error(ONLY, emu=str(bad), check_files=True)
    assert str(e) == f"spec.toml: {bad} could not list its policies: emu-arm: no such thing"


def test_missing_emulator(tmp_path):
    gone = str(tmp_path / "no-emu")
    # with the files checked: one line, after the spec's own mistakes
    e = error(MIN + CPU + NONE, emu=gone, check_files=True)
    assert str(e) == (f"spec.toml: emulator {gone} does not exist (./driftlab build, or --emu "
                      "PATH); it lists the policies a spec may use")
    e = error(MIN + CPU + NONE + "[slurm]\nthrottle = 0\n", emu=gone, check_files=True)
    assert e.key == "slurm.throttle"
    # a dry run: a warning, and policies and shifts go unchecked
    s = parse(MIN + CPU + "[policies.nonesuch]\nx = 1\n", emu=gone)
    assert [j.policy for j in sp.expand(s)] == ["nonesuch"]
    assert s.warnings == [f"spec.toml: policies and shifts are not checked: emulator {gone} "
                          "does not exist (./driftlab build, or --emu PATH); it lists the "
                          "policies a spec may use"]


def test_python_stand_in_takes_any_policy():
    s = parse(MIN + CPU + "[policies.nonesuch]\n", emu="tests/fake_emu.py",
              check_files=True)
    assert any("is a stand-in, which takes any policy" in w for w in s.warnings)
