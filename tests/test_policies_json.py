"""`-align-policy help=json`: the policies and parameters emu-arm lists for
programs (python/driftlab/sweep/spec.py reads it) are exactly what its parser
accepts. Every listed policy runs with its defaults written out; every
parameter's bounds pass the parser and a value just outside them gets a
one-line error; booleans and choices take exactly the listed spellings; the
listing agrees with the text of `-align-policy help`. Relations between
parameters (threshold's target-us below max-advance-us) are not in the
listing: the policy checks them when it starts, with a one-line error of
its own.

The accepting runs are dry runs (dry-run=on) at shift 0 on a short guest: a
bound such as target-us=-1e9 must not make the test wait."""
import json
import math
import re
import subprocess

import pytest

from test_policies import EMU, GUEST, MACHINE, PLUGIN_DIR, skip_reason

pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))

PLUGIN = PLUGIN_DIR / "example_plugin.so"
SHORT = "scale=1"            # cpu.elf's shortest run, a few ms


def plugin_args():
    return ["-align-policy-plugin", str(PLUGIN)] if PLUGIN.exists() else []


def listing(text=False):
    r = subprocess.run([str(EMU)] + plugin_args()
                       + ["-align-policy", "help" if text else "help=json"],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout if text else json.loads(r.stdout)


DOC = listing() if skip_reason() is None else {"policies": [], "runtime_params": []}
POLICIES = {p["name"]: p for p in DOC["policies"]}
RUNTIME = {d["name"]: d for d in DOC["runtime_params"]}


def run(spec, *extra, shift=0):
    cmd = ([str(EMU)] + MACHINE + plugin_args() + ["-icount", f"shift={shift}",
           "-align-policy", spec, "-align-report", "-kernel", str(GUEST), "-append", SHORT]
           + list(extra))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def reported_params(r):
    """{name: text} from the report's "align: policy NAME (k=v,...)" line."""
    m = re.search(r"^align: policy (\S+) \((.*?)\)", r.stderr, re.M)
    assert m, r.stderr
    return {} if m.group(2) == "no parameters" else dict(
        kv.split("=", 1) for kv in m.group(2).split(","))


def as_number(d, text):
    """A parameter's value as the parser reads it: durations in ns."""
    if d["type"] != "time":
        return float(text)
    m = re.fullmatch(r"(-?\d+)([a-z]*)", text)
    assert m, text
    return int(m.group(1)) * d["units"][m.group(2) or d["unit"]]


def assert_taken(d, given, got):
    """The emulator's canonical text `got` is what `given` parses to."""
    if d["type"] == "bool":
        assert got == ("on" if given.lower() in d["true"] else "off"), (given, got)
    elif d["type"] == "enum":
        assert got == given
    else:
        assert as_number(d, got) == as_number(d, given), (given, got)


def one_line_error(r, *needles):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 1 and len(lines) == 1, (r.returncode, r.stderr)
    assert lines[0].startswith("emu-arm: -align-policy: "), r.stderr
    for n in needles:
        assert n in lines[0], (n, r.stderr)


def test_listing_is_the_documented_json():
    assert DOC["format"] == "driftlab-align-policies" and DOC["version"] == 1
    assert {"none", "start-only", "per-tb", "pid", "adaptive-shift"} <= set(POLICIES)
    if PLUGIN.exists():
        pred = POLICIES["predictive"]
        assert pred["plugin"] and pred["origin"] == str(PLUGIN)
    assert not POLICIES["pid"]["plugin"] and POLICIES["pid"]["origin"] == "built-in"
    assert set(RUNTIME) == {"dry-run", "catch-up", "catch-up-limit", "speed"}
    for d in [*RUNTIME.values(), *(d for p in POLICIES.values() for d in p["params"])]:
        assert d["type"] in ("int", "float", "bool", "time", "enum"), d
        assert isinstance(d["default"], str) and d["help"], d
        if d["type"] in ("int", "float", "time"):
            assert d["min"] <= d["max"] and d["integer"] == (d["type"] != "float"), d
        if d["type"] == "time":
            assert d["unit"] == "us" and d["units"] == {"ns": 1, "us": 1000, "ms": 10 ** 6,
                                                          "s": 10 ** 9}, d


def test_json_and_text_help_agree():
    text = listing(text=True)
    blocks = re.split(r"^\n", text, flags=re.M)
    for p in POLICIES.values():
        block = next((b for b in blocks if re.match(rf"\s+{re.escape(p['name'])}\s", b)), None)
        assert block is not None, p["name"]
        assert p["description"] in block.splitlines()[0]
        assert ("[plugin " in block) == p["plugin"]
        for d in p["params"]:
            assert re.search(rf"^\s+{re.escape(d['name'])}={re.escape(d['default'])}\s+"
                             rf"{d['type']}\s+{re.escape(d['help'])}$", block, re.M), d
        if not p["params"]:
            assert "(no parameters)" in block
    for d in RUNTIME.values():
        assert re.search(rf"^\s+{re.escape(d['name'])}={re.escape(d['default'])}\s+"
                         rf"{d['type']}\s+{re.escape(d['help'])}$", text, re.M), d


def test_icount_shift_bounds():
    top = DOC["icount_shift"]["max"]
    assert DOC["icount_shift"]["min"] == 0 and top >= 0
    r = run("none", shift=top)
    assert r.returncode == 0, r.stderr
    for bad in (top + 1, -1):
        r = run("none", shift=bad)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1, r.stderr
        assert f"shift must be 0..{top}" in lines[0]


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_runs_with_its_defaults_written_out(name):
    p = POLICIES[name]
    spelled = ",".join([name] + [f"{d['name']}={d['default']}"
                                 for d in p["params"] + list(RUNTIME.values())])
    implicit, explicit = run(name), run(spelled)
    assert implicit.returncode == 0, implicit.stderr
    assert explicit.returncode == 0, explicit.stderr
    got = reported_params(explicit)
    assert got == reported_params(implicit)
    assert list(got) == [d["name"] for d in p["params"]]
    for d in p["params"]:
        assert_taken(d, d["default"], got[d["name"]])


def bound_texts(d):
    """(accepted, refused) values at and just outside d's bounds."""
    lo, hi = d["min"], d["max"]
    if d["type"] == "time":      # bounds in us; in ns the values are exact integers
        lo_ns, hi_ns = math.ceil(lo * 1000), math.floor(hi * 1000)
        return [f"{lo_ns}ns", f"{hi_ns}ns"], [f"{lo_ns - 1}ns", f"{hi_ns + 1}ns"]
    if d["type"] == "int":
        return [str(int(lo)), str(int(hi))], [str(int(lo) - 1), str(int(hi) + 1)]
    step = lambda x: max(abs(x) * 1e-9, 1e-12)          # noqa: E731
    return [repr(lo), repr(hi)], [repr(lo - step(lo)), repr(hi + step(hi))]


def refused_by_the_parser(r, param):
    return re.search(rf"{re.escape(param)} must be (on or off|(a|an) \w+ in \[)", r.stderr)


POLICY_PARAMS = [(p, d["name"]) for p in sorted(POLICIES) for d in POLICIES[p]["params"]]


@pytest.mark.parametrize("policy,param", POLICY_PARAMS)
def test_policy_parameter_bounds_are_enforced(policy, param):
    d = next(x for x in POLICIES[policy]["params"] if x["name"] == param)
    if d["type"] == "bool":
        ok = d["true"] + d["false"] + [s.upper() for s in d["true"]]
        bad = ["maybe", "2", ""]
    else:
        ok, bad = bound_texts(d)
    others = [x["name"] for x in POLICIES[policy]["params"] if x["name"] != param]
    for v in ok:
        r = run(f"{policy},{param}={v},dry-run=on")
        if r.returncode != 0 and not refused_by_the_parser(r, param):
            # The parser took it; the policy's start refused it next to
            # another parameter's default (e.g. target-us below max-advance-us).
            one_line_error(r, param)
            assert any(o in r.stderr for o in others), r.stderr
            continue
        assert r.returncode == 0, (v, r.stderr)
        assert_taken(d, v, reported_params(r)[param])
    for v in bad:
        one_line_error(run(f"{policy},{param}={v}"), f"{param} must be", f"'{v}'")


@pytest.mark.parametrize("param", sorted(RUNTIME))
def test_runtime_parameter_bounds_are_enforced(param, tmp_path):
    """The runtime's parameters, read back from the record's runtime_params."""
    h5py = pytest.importorskip("h5py")
    d = RUNTIME[param]
    if d["type"] == "enum":
        ok, bad = d["values"], ["never", d["values"][0].upper()]
    elif d["type"] == "bool":
        ok, bad = d["true"] + d["false"], ["maybe"]
    else:
        ok, bad = bound_texts(d)
    for i, v in enumerate(ok):
        rec = tmp_path / f"{i}.h5"
        extra = "" if param == "dry-run" else ",dry-run=on"
        r = run(f"none,{param}={v}{extra}", "-record", str(rec))
        assert r.returncode == 0, (v, r.stderr)
        with h5py.File(rec, "r") as f:
            rt = f.attrs["runtime_params"]
        got = dict(kv.split("=", 1) for kv in (rt.decode() if isinstance(rt, bytes) else rt)
                   .split(","))[param]
        assert_taken(d, v, got)
    for v in bad:
        one_line_error(run(f"none,{param}={v}"), f"{param} must be", f"'{v}'")
