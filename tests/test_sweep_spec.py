"""Sweep specs: parsing, expansion into jobs, and errors that name the key and
its line. No emulator runs here."""
import pathlib
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))

from sweep import spec as sp  # noqa: E402
from sweep.testutil import run_cli  # noqa: E402

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
    s = parse(GOOD, emu="experiments/sweep/fake_emu.py")
    j = sp.expand(s)[0]
    assert j.argv[:2] == ["/usr/bin/python3", str(ROOT / "experiments/sweep/fake_emu.py")]


@pytest.mark.parametrize("text,needle,key,words", [
    ('\n[policies.per-tb]\nmax-advance-us = [1000, 3000]\nmax-advanse-us = 5\n', "max-advanse",
     "policies.per-tb.max-advanse-us", "has no parameter"),
    ('\n[policies.per-tb]\nmax-advance-us = [1000, "x"]\n', "max-advance-us",
     "policies.per-tb.max-advance-us", "integer"),
    ('\n[policies.per-tb]\nmax-advance-us = -5\n', "max-advance-us",
     "policies.per-tb.max-advance-us", "out of range"),
    ('\n[policies.pid]\nkp = 1000.0\n', "kp = 1000", "policies.pid.kp", "out of range"),
    ('\n[policies.pid]\nwindup = 3\n', "windup", "policies.pid.windup", "boolean"),
    ('\n[policies.fastest]\n', "[policies.fastest]", "policies.fastest", "unknown policy"),
    ('\n[policies.x]\npolicy = "nonesuch"\n', 'policy = "nonesuch"', "policies.x.policy",
     "unknown policy"),
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
    ('shifts = [0, 6]', 'shifts = [0, 11]', "shifts", "0..10"),
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


def test_plugin_policies():
    plug = "build/sync-policies/example_plugin.so"
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
