"""Sweep specs: TOML in, a checked Spec and its list of jobs out.

A spec (see experiments/*.toml and docs/cluster.md):

    name = "smoke"                      # optional, default: the file's stem
    output = "results/smoke.h5"         # merged results; per-job files go in results/smoke/
    time_limit = "2m"                   # per run: seconds, "90s", "5m", "1h30m", "HH:MM:SS"
    repetitions = 2                     # default 1
    shifts = [0, 6]                     # -icount shift=N; "auto" (align off only): shift=auto
    align = ["on"]                      # -icount align=on|off (default ["on"])
    emu = "build/emu-arm"               # optional; --emu on the command line wins
    emu_args = ["-rtc-base", "0"]       # optional, appended to every emu-arm run
    emulators = ["emu-arm", "qemu"]     # optional, default ["emu-arm"]
    qemu = "qemu-system-arm"            # optional: QEMU's binary (a path or a name on PATH)
    qemu_args = []                      # optional, appended to every QEMU run

    [workloads.cpu]                     # label = table name
    elf = "build/guests/cpu.elf"
    append = ["scale=4", "scale=8"]     # string or list of strings (a grid axis)

    [workloads.linux-fio-sd]            # the Linux guest (scons linux-guest) ...
    linux = ["fio-sd"]                  # ... running these /init workloads in order
    secs = 5                            # seconds each (guest time)
    fio = "randrw"                      # optional fio --rw, bs, size
    sd_mib = 16                         # an SD card of this size (fio-sd needs one)
    shifts = [6]                        # optional, any workload: instead of the spec's shifts
    policies = ["none", "qemu-align", "qemu-none"]  # optional: only these labels run on it

    [policies.per-tb]                   # label = table name = policy name ...
    max-advance-us = [1000, 3000]       # ... every other key is a parameter: value or list

    [policies.pid-gains]
    policy = "pid"                      # ... unless `policy` names it
    kp = [0.3, 0.6]

    [slurm]                             # optional defaults for --backend slurm
    partition = "short"
    account = "proj"
    time = "00:10:00"
    throttle = 8
    extra = ["--mem=512M"]

With "qemu" in `emulators`, QEMU 7.2 runs beside emu-arm on the same
workloads, shifts and repetitions. QEMU has one alignment of its own
(align=on: start-only with its 3 ms threshold, which QEMU allows only with
sleep=on), so the [policies] grid does not apply to it: each workload x
append x shift x align x rep gets one QEMU job, labelled with the policy
`qemu-align` (align = "on") or `qemu-none` (align = "off", QEMU unaligned,
the baseline of qemu-align as `none` is emu-arm's). emu-arm's policy labels
must not take those names. A QEMU job's drift is measured from outside (the
runner's console stamps and `info jit` over the monitor socket: see
python/driftlab/sweep/console.py and docs/hdf5-schema.md).

Relative paths are relative to the repository root. Errors are SpecError,
whose text is "FILE:LINE: key 'a.b.c': what is wrong".
"""
import dataclasses
import hashlib
import itertools
import json
import math
import pathlib
import re
import subprocess
import tomllib

from ..tools import linux_guest
from ..tools.machine_args import machine_args

from . import PYTHON, ROOT

DEFAULT_EMU = "build/emu-arm"
DEFAULT_QEMU = "qemu-system-arm"
# shifts = [..., "auto"]: QEMU's -icount shift=auto (QEMU jobs only: emu-arm's
# adaptive shift is its policy adaptive-shift, and it records only at a fixed
# shift); a job's shift and the tables' shift column hold -1 for it.
AUTO_SHIFT = -1
EMULATORS = ("emu-arm", "qemu")
# The QEMU jobs' policy labels (QEMU's own alignment on, and QEMU unaligned).
QEMU_POLICY = {True: "qemu-align", False: "qemu-none"}
# emu-arm options with no QEMU equivalent: left out of a QEMU job's command
# line (the region of interest is applied by the runner to the console).
EMU_ONLY_OPTS = {"-roi-begin": 1, "-roi-end": 1, "-rtc-base": 1, "-record-rate": 1,
                 "-tb-chain": 1, "-stats": 0, "-quiet": 0}

TOP_KEYS = {"name", "description", "output", "time_limit", "repetitions", "shifts", "align",
            "emu", "emu_args", "plugins", "workloads", "policies", "slurm",
            "emulators", "qemu", "qemu_args"}
# `shifts` and `policies` narrow the grid for one workload: its own shifts
# instead of the top-level list, and only the policy labels listed (QEMU's
# jobs by their labels, qemu-align and qemu-none).
FILTER_KEYS = {"shifts", "policies"}
WORKLOAD_KEYS = {"elf", "append", "emu_args"} | FILTER_KEYS
LINUX_KEYS = {"linux", "secs", "fio", "bs", "size", "sd_mib", "emu_args"} | FILTER_KEYS
SLURM_KEYS = {"partition", "account", "time", "throttle", "extra"}
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class SpecError(Exception):
    def __init__(self, path, line, key, msg):
        self.path, self.line, self.key, self.msg = path, line, key, msg
        where = f"{path}:{line}" if line else str(path)
        what = f"key '{key}': " if key else ""
        super().__init__(f"{where}: {what}{msg}")


# ---- where is a key? -------------------------------------------------------

def _split_dotted(s):
    """'a."b.c".d' -> ['a', 'b.c', 'd'] (TOML dotted key, bare or quoted parts)."""
    parts, cur, i, s = [], "", 0, s.strip()
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = s.index(c, i + 1) if c in s[i + 1:] else len(s)
            cur += s[i + 1:j]
            i = j + 1
        elif c == ".":
            parts.append(cur.strip())
            cur = ""
            i += 1
        else:
            cur += c
            i += 1
    parts.append(cur.strip())
    return parts


def _strip_strings(line):
    """The line with string contents blanked and any comment removed."""
    out, i, q = [], 0, None
    while i < len(line):
        c = line[i]
        if q:
            if c == "\\" and q == '"':
                i += 2
                continue
            if c == q:
                q = None
                out.append(c)
            else:
                out.append("_")
        elif c in "\"'":
            q = c
            out.append(c)
        elif c == "#":
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def key_lines(text):
    """{('a', 'b', 'c'): line} for every table header and key in TOML text.

    Written here, not taken from a library: tomllib gives no positions, and
    tomlkit (python3-tomlkit), which keeps the text's layout, still records no
    line for a key (only its parse errors have one); rebuilding lines from its
    rendered fragments would be longer than this and tied to its internals.
    The spec is parsed by tomllib first, so this only ever reads valid TOML."""
    lines = {}
    table = ()
    depth = 0            # open [ / { of a multi-line value
    ml = None            # open multi-line string delimiter
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw
        if ml:
            if ml in line:
                line = line[line.index(ml) + 3:]
                ml = None
            else:
                continue
        if depth > 0:
            s = _strip_strings(line)
            depth += s.count("[") + s.count("{") - s.count("]") - s.count("}")
            continue
        st = line.strip()
        if not st or st.startswith("#"):
            continue
        m = re.match(r"^\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", st)
        if m:
            table = tuple(_split_dotted(m.group(1)))
            lines.setdefault(table, n)
            continue
        m = re.match(r'^((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*=(.*)$', st)
        if not m:
            continue
        key = table + tuple(_split_dotted(m.group(1)))
        lines.setdefault(key, n)
        value = m.group(2)
        for delim in ('"""', "'''"):
            if value.strip().startswith(delim) and value.count(delim) == 1:
                ml = delim
        if not ml:
            s = _strip_strings(value)
            depth = s.count("[") + s.count("{") - s.count("]") - s.count("}")
            depth = max(depth, 0)
    return lines


# ---- the policies emu-arm knows --------------------------------------------
# The binary is the truth: `EMU -align-policy help=json` lists its policies
# (and those of the plugins it is given), each parameter's type, default and
# bounds, and the icount shifts -icount accepts (docs/policies.md).

# QEMU 7.2's own limit on -icount shift (MAX_ICOUNT_SHIFT, softmmu/icount.c),
# for QEMU's jobs; emu-arm's comes from its listing.
QEMU_MAX_SHIFT = 10


class CatalogueError(Exception):
    """The emulator could not list its policies; the text is one line."""


@dataclasses.dataclass
class Catalogue:
    """What one emulator binary (with some plugins loaded) accepts."""
    policies: dict     # {policy name: {param name: the listing's PARAM dict}}, runtime's included
    origin: dict       # {policy name: "built-in" or the plugin path}
    max_shift: int


_catalogues = {}


def _mtime(p):
    try:
        return pathlib.Path(p).stat().st_mtime_ns
    except OSError:
        return None


def policy_catalogue(emu, plugins=()):
    """The Catalogue of `emu -align-policy-plugin P... -align-policy help=json`,
    asked once per binary (path and mtime) and plugin set in a process."""
    key = (str(emu), _mtime(emu), tuple((str(p), _mtime(p)) for p in plugins))
    if key not in _catalogues:
        _catalogues[key] = _ask_catalogue(emu, plugins)
    got = _catalogues[key]
    if isinstance(got, CatalogueError):
        raise got
    return got


def _ask_catalogue(emu, plugins):
    argv = [str(emu)] + [a for p in plugins for a in ("-align-policy-plugin", str(p))]
    try:
        r = subprocess.run(argv + ["-align-policy", "help=json"], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return CatalogueError(f"{emu} could not list its policies: {e}")
    if r.returncode != 0:
        why = next((l for l in r.stderr.splitlines() if l.strip()), f"exit status {r.returncode}")
        return CatalogueError(f"{emu} could not list its policies: {why.strip()}")
    try:
        doc = json.loads(r.stdout)
        if doc.get("format") != "driftlab-align-policies" or doc.get("version") != 1:
            raise ValueError("not a version 1 driftlab-align-policies document")
        runtime = {d["name"]: d for d in doc["runtime_params"]}
        policies, origin = {}, {}
        for p in doc["policies"]:
            policies[p["name"]] = {**{d["name"]: d for d in p["params"]}, **runtime}
            origin[p["name"]] = p["origin"]
        return Catalogue(policies, origin, int(doc["icount_shift"]["max"]))
    except (ValueError, KeyError, TypeError) as e:
        return CatalogueError(f"{emu} -align-policy help=json gave no policy listing "
                              f"(an emulator older than it?): {str(e).splitlines()[0]}")


def plugins_beside(emu):
    """{policy name: plugin path} of the plugins built with `emu` (in
    <its directory>/policies/), for a hint when a spec names one of
    their policies without loading it. Plugins that do not load are left out."""
    out = {}
    for so in sorted(pathlib.Path(emu).parent.glob("policies/*.so")):
        try:
            cat = policy_catalogue(emu, [str(so)])
        except CatalogueError:
            continue
        out.update({n: o for n, o in cat.origin.items() if o == str(so)})
    return out


# ---- the spec --------------------------------------------------------------

@dataclasses.dataclass
class Workload:
    label: str
    elf: str           # absolute
    elf_given: str     # as written in the spec
    appends: list      # of str; [""] = no -append
    emu_args: list = dataclasses.field(default_factory=list)  # e.g. ["-sd", "disk.img", "-snapshot"]
    # The Linux guest runs with sleep=off: an idle guest's clock jumps to its
    # next timer as on QEMU, and the policy waits for the host, so the guest
    # sees exactly what it sees without alignment.
    linux: bool = False
    shifts: list = None    # None: the spec's shifts
    only: list = None      # None: every policy label (and QEMU's)


@dataclasses.dataclass
class PolicyGrid:
    label: str
    policy: str
    grid: list         # [(param, [values...])] in spec order


@dataclasses.dataclass
class Spec:
    path: str
    text: str
    name: str
    description: str
    output: str        # merged results file, absolute
    results_dir: str   # per-job files, manifest, logs; absolute
    time_limit_s: float
    repetitions: int
    shifts: list
    aligns: list       # of bool
    emu: str           # absolute
    emu_args: list
    plugins: list      # policy plugin .so paths, absolute
    workloads: list
    policies: list
    slurm: dict
    warnings: list
    emulators: list = dataclasses.field(default_factory=lambda: ["emu-arm"])
    qemu: str = DEFAULT_QEMU
    qemu_args: list = dataclasses.field(default_factory=list)


def parse_duration(v):
    """Seconds from 90, 90.5, "90s", "5m", "1h30m", "2d", "MM:SS", "HH:MM:SS",
    "D-HH:MM:SS"; None if it is not a duration."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if v > 0 else None
    if not isinstance(v, str):
        return None
    s = v.strip()
    m = re.fullmatch(r"(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?", s)
    if m:
        d = int(m.group(1) or 0)
        if m.group(4) is not None:
            h, mi, se = int(m.group(2)), int(m.group(3)), int(m.group(4))
        else:
            h, mi, se = 0, int(m.group(2)), int(m.group(3))
        t = d * 86400 + h * 3600 + mi * 60 + se
        return float(t) if t > 0 else None
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)", s)
    if parts and re.fullmatch(r"(?:\s*\d+(?:\.\d+)?\s*(?:ms|d|h|m|s))+\s*", s):
        mul = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
        t = sum(float(n) * mul[u] for n, u in parts)
        return t if t > 0 else None
    try:
        t = float(s)
        return t if t > 0 else None
    except ValueError:
        return None


def slurm_time(seconds):
    """SLURM --time text (D-HH:MM:SS) for a number of seconds, rounded up to a minute."""
    minutes = max(1, math.ceil(seconds / 60))
    d, rem = divmod(minutes, 1440)
    h, m = divmod(rem, 60)
    return f"{d}-{h:02d}:{m:02d}:00" if d else f"{h:02d}:{m:02d}:00"


def resolve(p, base=None):
    p = pathlib.Path(p).expanduser()
    if not p.is_absolute():
        p = pathlib.Path(base or ROOT) / p
    return str(pathlib.Path(str(p)).resolve())


class _Checker:
    def __init__(self, path, text):
        self.path, self.text = path, text
        self.lines = key_lines(text)

    def line(self, key):
        """The line of `key`, else of its nearest enclosing table; a key that
        is not in the file at all (a missing top-level key) gets line 1."""
        k = tuple(key)
        while k:
            if k in self.lines:
                return self.lines[k]
            k = k[:-1]
        return 1 if key else None

    def fail(self, key, msg):
        key = tuple(key)
        raise SpecError(self.path, self.line(key), ".".join(key) if key else None, msg)


def _fmt_value(v):
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        r = repr(v)
        return r[:-2] if r.endswith(".0") else r
    return str(v)


def parse_spec(path, text=None, emu=None, output=None, check_files=True, policies="auto"):
    """Reads and checks a spec; raises SpecError. `emu`/`output` override the
    spec's. `policies`: "auto" checks policies, parameters and shifts against
    what the emulator lists (policy_catalogue); a Catalogue, against that;
    None skips those checks. Without check_files, a missing emulator is a
    warning and its policies go unchecked."""
    path = str(path)
    if text is None:
        try:
            text = pathlib.Path(path).read_text()
        except OSError as e:
            raise SpecError(path, None, None, f"cannot read the spec: {e.strerror}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if line is None and "end of document" in msg:
            line = len(text.splitlines())
        raise SpecError(path, line, None, f"TOML syntax error: {msg}")
    c = _Checker(path, text)

    for k in data:
        if k not in TOP_KEYS:
            c.fail([k], f"unknown key (expected one of: {', '.join(sorted(TOP_KEYS))})")

    def need(key, types, what):
        if key not in data:
            c.fail([key], f"missing required key '{key}' ({what})")
        v = data[key]
        if not isinstance(v, types) or isinstance(v, bool):
            c.fail([key], f"must be {what}, not {type(v).__name__} {v!r}")
        return v

    name = data.get("name", pathlib.Path(path).stem)
    if not isinstance(name, str) or not LABEL_RE.match(name):
        c.fail(["name"], f"must be a name of letters, digits, '_', '.', '-', not {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        c.fail(["description"], "must be a string")

    if output is None:
        out = need("output", str, "a path to the merged results file, e.g. \"results/NAME.h5\"")
        if not out.endswith(".h5"):
            c.fail(["output"], f"must end in .h5 (the merged results file), not {out!r}")
        output = resolve(out)
    else:
        output = resolve(output, pathlib.Path.cwd())
    results_dir = output[:-3] if output.endswith(".h5") else output + ".d"

    tl = need("time_limit", (int, float, str), "a duration (seconds, \"90s\", \"5m\", \"1h\")")
    time_limit = parse_duration(tl)
    if time_limit is None:
        c.fail(["time_limit"], f"is not a positive duration: {tl!r} (e.g. 120, \"90s\", \"5m\", \"1h30m\")")

    reps = data.get("repetitions", 1)
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        c.fail(["repetitions"], f"must be an integer >= 1, not {reps!r}")

    shifts = need("shifts", (list, int), "a list of icount shifts (integers from 0, or \"auto\")")
    if isinstance(shifts, int):
        shifts = [shifts]
    if not shifts:
        c.fail(["shifts"], "must not be empty")
    for s in shifts:        # the upper bound once the emulators are known
        if s == "auto":
            continue
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            c.fail(["shifts"], f"each shift must be an integer from 0 or \"auto\", not {s!r}")
    shifts = [AUTO_SHIFT if s == "auto" else s for s in shifts]
    if len(set(shifts)) != len(shifts):
        c.fail(["shifts"], "lists a shift twice")

    align = data.get("align", ["on"])
    if not isinstance(align, list):
        align = [align]
    aligns = []
    for a in align:
        if a in (True, "on"):
            aligns.append(True)
        elif a in (False, "off"):
            aligns.append(False)
        else:
            c.fail(["align"], f"values must be \"on\", \"off\", true or false, not {a!r}")
    if not aligns or len(set(aligns)) != len(aligns):
        c.fail(["align"], "must list \"on\" and/or \"off\" once each")
    if AUTO_SHIFT in shifts and True in aligns:
        c.fail(["shifts"], "shift \"auto\" cannot be aligned (QEMU and emu-arm refuse "
               "shift=auto with align=on): use align = [\"off\"], or a spec of its own")

    warnings = []
    if emu is None:
        e = data.get("emu", DEFAULT_EMU)
        if not isinstance(e, str) or not e:
            c.fail(["emu"], "must be a path to the emulator")
        emu = resolve(e)
        if "emu" in data and not pathlib.Path(emu).is_file():
            msg = f"emulator {emu} does not exist (./driftlab build, or --emu PATH)"
            if check_files:
                c.fail(["emu"], msg)
            warnings.append(f"{path}:{c.line(['emu'])}: {msg}")
    else:
        emu = resolve(emu, pathlib.Path.cwd())
    emu_args = data.get("emu_args", [])
    if not isinstance(emu_args, list) or not all(isinstance(a, str) for a in emu_args):
        c.fail(["emu_args"], "must be a list of strings")
    for a in emu_args:
        if a in ("-record", "-icount", "-align-policy", "-align-policy-plugin", "-kernel",
                 "-append"):
            c.fail(["emu_args"], f"must not set {a} (the sweep sets it)")

    plugins = data.get("plugins", [])
    if not isinstance(plugins, list) or not all(isinstance(a, str) and a for a in plugins):
        c.fail(["plugins"], "must be a list of policy plugin paths (.so)")
    plugins = [resolve(x) for x in plugins]
    for x in plugins:
        if not pathlib.Path(x).is_file():
            msg = f"policy plugin {x} does not exist (build it: ./driftlab build)"
            if check_files:
                c.fail(["plugins"], msg)
            warnings.append(f"{path}:{c.line(['plugins'])}: {msg}")
    emulators = data.get("emulators", ["emu-arm"])
    if isinstance(emulators, str):
        emulators = [emulators]
    if not isinstance(emulators, list) or not emulators:
        c.fail(["emulators"], f"must be a non-empty list of emulators ({', '.join(EMULATORS)})")
    for e in emulators:
        if e not in EMULATORS:
            c.fail(["emulators"], f"unknown emulator {e!r} (expected: {', '.join(EMULATORS)})")
    if len(set(emulators)) != len(emulators):
        c.fail(["emulators"], "lists an emulator twice")
    qemu = data.get("qemu", DEFAULT_QEMU)
    if not isinstance(qemu, str) or not qemu:
        c.fail(["qemu"], "must be QEMU's binary, a path or a name on PATH")
    if "/" in qemu:
        qemu = resolve(qemu)
    elif "qemu" in emulators:
        import shutil
        found = shutil.which(qemu)
        if found is None:
            msg = f"QEMU binary '{qemu}' is not on PATH (apt-get install qemu-system-arm)"
            if check_files:
                c.fail(["qemu"] if "qemu" in data else ["emulators"], msg)
            warnings.append(f"{path}:{c.line(['emulators'])}: {msg}")
    if "qemu" in data and "qemu" not in emulators:
        c.fail(["qemu"], "is set but emulators does not list \"qemu\"")
    qemu_args = data.get("qemu_args", [])
    if not isinstance(qemu_args, list) or not all(isinstance(a, str) for a in qemu_args):
        c.fail(["qemu_args"], "must be a list of strings")
    for a in qemu_args:
        if a in ("-icount", "-kernel", "-append", "-monitor", "-serial", "-qmp"):
            c.fail(["qemu_args"], f"must not set {a} (the sweep sets it)")
    if "qemu_args" in data and "qemu" not in emulators:
        c.fail(["qemu_args"], "is set but emulators does not list \"qemu\"")

    if AUTO_SHIFT in shifts and "qemu" not in emulators:
        c.fail(["shifts"], "shift \"auto\" is QEMU's (add \"qemu\" to emulators); emu-arm's "
               "adaptive shift is the policy adaptive-shift")

    catalogue = policies if isinstance(policies, Catalogue) else None
    no_catalogue = None     # (key, why): an error once the spec itself is checked
    if policies == "auto" and "emu-arm" in emulators:
        catalogue, why_not = _emu_catalogue(emu, plugins)
        if why_not and check_files and not is_stand_in(emu):
            no_catalogue = (["plugins"] if any(x in why_not for x in plugins)
                            else ["emu"] if "emu" in data else [], why_not)
        elif why_not:
            warnings.append(f"{path}: policies and shifts are not checked: {why_not}")
    limits = ([catalogue.max_shift] if catalogue else []) + (
        [QEMU_MAX_SHIFT] if "qemu" in emulators else [])
    max_shift = min(limits) if limits else None
    for s in shifts:
        if max_shift is not None and s > max_shift:
            c.fail(["shifts"], f"each shift must be an integer 0..{max_shift} or \"auto\", "
                   f"not {s!r}")
    # a plugin that is not there yet (a dry run) may define any policy
    missing_plugin = any(not pathlib.Path(x).is_file() for x in plugins)
    wl = need("workloads", dict, "a table of workloads ([workloads.NAME] with elf = ...)")
    if not wl:
        c.fail(["workloads"], "must define at least one workload ([workloads.NAME])")
    workloads = []
    for label, w in wl.items():
        key = ["workloads", label]
        if not LABEL_RE.match(label):
            c.fail(key, "workload names are letters, digits, '_', '.', '-'")
        if not isinstance(w, dict):
            c.fail(key, "must be a table with elf = \"...\" (and optionally append)")
        if "linux" in w:
            if AUTO_SHIFT in shifts:
                c.fail(key + ["linux"], "the Linux guest runs with sleep=off, which shift "
                       "\"auto\" does not allow (QEMU refuses it): remove \"auto\" from shifts")
            workloads.append(_workload_filters(
                c, key, w, _linux_workload(c, key, label, w, check_files, warnings), max_shift))
            continue
        for k in w:
            if k not in WORKLOAD_KEYS:
                c.fail(key + [k], f"unknown key (expected one of: {', '.join(sorted(WORKLOAD_KEYS))})")
        if "elf" not in w:
            c.fail(key, "missing required key 'elf' (the guest ELF, e.g. \"build/guests/cpu.elf\")")
        elf_given = w["elf"]
        if not isinstance(elf_given, str) or not elf_given:
            c.fail(key + ["elf"], "must be a path to a guest ELF")
        elf = resolve(elf_given)
        if not pathlib.Path(elf).is_file():
            msg = f"guest ELF {elf} does not exist (build it: ./driftlab build)"
            if check_files:
                c.fail(key + ["elf"], msg)
            warnings.append(f"{path}:{c.line(key + ['elf'])}: {msg}")
        app = w.get("append", "")
        apps = app if isinstance(app, list) else [app]
        if not apps or not all(isinstance(a, str) for a in apps):
            c.fail(key + ["append"], "must be a string or a non-empty list of strings")
        if len(set(apps)) != len(apps):
            c.fail(key + ["append"], "lists the same arguments twice")
        wargs = w.get("emu_args", [])
        if not isinstance(wargs, list) or not all(isinstance(a, str) for a in wargs):
            c.fail(key + ["emu_args"], "must be a list of strings")
        # Paths after -sd are relative to the repository, like elf.
        wargs = [resolve(a) if i and wargs[i - 1] == "-sd" else a for i, a in enumerate(wargs)]
        workloads.append(_workload_filters(c, key, w, Workload(label, elf, elf_given, apps, wargs),
                                           max_shift))

    if "emu-arm" in emulators:
        pol = need("policies", dict, "a table of policies ([policies.NAME] with its parameters)")
        if not pol:
            c.fail(["policies"], "must define at least one policy ([policies.NAME])")
    else:       # QEMU alone: its only alignment is align=on
        pol = data.get("policies", {})
        if pol:
            c.fail(["policies", next(iter(pol))] if isinstance(pol, dict) else ["policies"],
                   "policies are emu-arm's: add \"emu-arm\" to emulators, or "
                   "remove [policies] (QEMU's only alignment is align = \"on\")")
    grids = []
    for label, p in pol.items():
        key = ["policies", label]
        if not LABEL_RE.match(label):
            c.fail(key, "policy labels are letters, digits, '_', '.', '-'")
        if label in QEMU_POLICY.values():
            c.fail(key, f"'{label}' is the label of QEMU's own jobs (emulators = [..., "
                   "\"qemu\"]): choose another label")
        if not isinstance(p, dict):
            c.fail(key, "must be a table of parameters ([policies.NAME])")
        pname = p.get("policy", label)
        if not isinstance(pname, str) or not re.fullmatch(r"[a-z0-9-]+", pname):
            c.fail(key + (["policy"] if "policy" in p else []), f"is not a policy name: {pname!r}")
        info = None
        if catalogue is not None:
            if pname in catalogue.policies:
                info = catalogue.policies[pname]
            elif not missing_plugin:
                names = [n if o == "built-in" else f"{n} (plugin)"
                         for n, o in catalogue.origin.items()]
                so = plugins_beside(emu).get(pname)
                hint = (f"; '{pname}' is the plugin {pathlib.Path(so).name}: add it to "
                        "plugins = [...]" if so else "")
                c.fail(key + (["policy"] if "policy" in p else []),
                       f"unknown policy '{pname}' (emu-arm has: {', '.join(names)}){hint}")
        grid = []
        for k, v in p.items():
            if k == "policy":
                continue
            vals = v if isinstance(v, list) else [v]
            if not vals:
                c.fail(key + [k], "an empty list gives no runs")
            if info is not None and k not in info:
                c.fail(key + [k], f"policy '{pname}' has no parameter '{k}'"
                       f" (it has: {', '.join(info) or 'none'})")
            for x in vals:
                if isinstance(x, (dict, list)) or not isinstance(x, (int, float, str, bool)):
                    c.fail(key + [k], f"values must be numbers, booleans or strings, not {x!r}")
                if isinstance(x, str) and ("," in x or "=" in x or not x):
                    c.fail(key + [k], f"value {x!r} cannot be passed in -align-policy (no ',', '=')")
                if info is not None:
                    _check_param(c, key + [k], info[k], x)
            if len({_fmt_value(x) for x in vals}) != len(vals):
                c.fail(key + [k], "lists the same value twice")
            grid.append((k, vals))
        grids.append(PolicyGrid(label, pname, grid))

    known = [g.label for g in grids] + (list(QEMU_POLICY.values()) if "qemu" in emulators else [])
    for w in workloads:
        for x in (w.only or []):
            if x not in known:
                c.fail(["workloads", w.label, "policies"], f"'{x}' is not a policy label of this "
                       f"spec (expected some of: {', '.join(known)})")

    sl = data.get("slurm", {})
    if not isinstance(sl, dict):
        c.fail(["slurm"], "must be a table ([slurm])")
    for k, v in sl.items():
        if k not in SLURM_KEYS:
            c.fail(["slurm", k], f"unknown key (expected one of: {', '.join(sorted(SLURM_KEYS))})")
        if k in ("partition", "account") and not isinstance(v, str):
            c.fail(["slurm", k], "must be a string")
        if k == "time" and (parse_duration(v) is None):
            c.fail(["slurm", k], f"is not a duration: {v!r}")
        if k == "throttle" and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            c.fail(["slurm", k], "must be an integer >= 1")
        if k == "extra" and (not isinstance(v, list) or not all(isinstance(a, str) for a in v)):
            c.fail(["slurm", k], "must be a list of sbatch options, e.g. [\"--mem=1G\"]")

    if no_catalogue:        # after the spec's own mistakes, which need no build
        c.fail(*no_catalogue)
    spec = Spec(path=str(pathlib.Path(path).resolve()), text=text, name=name,
                description=description, output=output, results_dir=results_dir,
                time_limit_s=time_limit, repetitions=reps, shifts=list(shifts),
                aligns=aligns, emu=emu, emu_args=list(emu_args), plugins=plugins,
                workloads=workloads,
                policies=grids, slurm=dict(sl), warnings=warnings,
                emulators=list(emulators), qemu=qemu, qemu_args=list(qemu_args))
    # catch id collisions and the like now, with the spec's name on it
    expand(spec)
    return spec


def _linux_workload(c, key, label, w, check_files, warnings):
    """A [workloads.X] table with `linux = [...]`: the Linux guest, booted as
    QEMU boots it, with its region of interest on /init's workload lines."""
    for k in w:
        if k not in LINUX_KEYS:
            c.fail(key + [k], f"unknown key for a Linux workload (expected one of: "
                   f"{', '.join(sorted(LINUX_KEYS))})")
    run = w["linux"]
    run = [run] if isinstance(run, str) else run
    if not isinstance(run, list) or not run or not all(isinstance(x, str) for x in run):
        c.fail(key + ["linux"], "must be a workload name or a non-empty list of them")
    for x in run:
        if x not in linux_guest.WORKLOADS:
            c.fail(key + ["linux"], f"unknown Linux workload '{x}' (expected: "
                   f"{', '.join(linux_guest.WORKLOADS)})")
    secs = w.get("secs", 5)
    if not isinstance(secs, int) or isinstance(secs, bool) or secs < 1:
        c.fail(key + ["secs"], "must be a whole number of seconds, at least 1")
    extra = []
    for k, param in (("fio", "driftlab.fio"), ("bs", "driftlab.bs"), ("size", "driftlab.size")):
        if k in w:
            v = w[k]
            if not isinstance(v, str) or not re.match(r"^[A-Za-z0-9]+$", v):
                c.fail(key + [k], "must be a word such as \"randrw\", \"4k\" or \"8m\"")
            extra.append(f"{param}={v}")
    sd = w.get("sd_mib")
    if sd is not None and (not isinstance(sd, int) or isinstance(sd, bool) or sd < 1
                           or sd & (sd - 1)):
        c.fail(key + ["sd_mib"], "must be a power of two of MiB, e.g. 16")
    if "fio-sd" in run and sd is None:
        c.fail(key + ["linux"], "fio-sd needs an SD card: add sd_mib = 16")
    wargs = w.get("emu_args", [])
    if not isinstance(wargs, list) or not all(isinstance(a, str) for a in wargs):
        c.fail(key + ["emu_args"], "must be a list of strings")

    gdir = linux_guest.GUEST_DIR
    if linux_guest.missing(gdir):
        msg = f"the Linux guest is not built ({gdir}: run scons linux-guest)"
        if check_files:
            c.fail(key + ["linux"], msg)
        warnings.append(f"{c.path}:{c.line(key + ['linux'])}: {msg}")
    img = None
    if sd is not None:
        img = str(gdir / f"sd-{sd}M.img")
        if check_files and not pathlib.Path(img).exists():
            linux_guest.make_sd_image(img, sd)
    args = linux_guest.linux_args(sd=img) + wargs
    return Workload(label, str(gdir / "zImage"), str(gdir / "zImage"),
                    [linux_guest.append_line(run, secs, extra)], args, linux=True)


def _workload_filters(c, key, w, wl, max_shift):
    """Reads a workload's `shifts` and `policies` into wl (labels are checked
    once the policies are known). max_shift: the emulators' limit, or None
    when it is not known."""
    if "shifts" in w:
        sh = w["shifts"]
        sh = [sh] if isinstance(sh, int) and not isinstance(sh, bool) else sh
        top = max_shift if max_shift is not None else math.inf
        if (not isinstance(sh, list) or not sh
                or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= top
                           for x in sh)):
            c.fail(key + ["shifts"], "must be a non-empty list of icount shifts (integers "
                   + (f"0..{max_shift})" if max_shift is not None else "from 0)"))
        if len(set(sh)) != len(sh):
            c.fail(key + ["shifts"], "lists a shift twice")
        wl.shifts = list(sh)
    if "policies" in w:
        only = w["policies"]
        if not isinstance(only, list) or not only or not all(isinstance(x, str) for x in only):
            c.fail(key + ["policies"], "must be a non-empty list of policy labels")
        wl.only = list(only)
    return wl


def is_stand_in(emu):
    """A Python stand-in for emu-arm (tests/fake_emu.py): it takes any policy."""
    return emu.endswith(".py")


def _emu_catalogue(emu, plugins):
    """(Catalogue, None) for emu-arm with the spec's plugins that exist, or
    (None, why not)."""
    if is_stand_in(emu):
        return None, f"{emu} is a stand-in, which takes any policy"
    if not pathlib.Path(emu).is_file():
        return None, (f"emulator {emu} does not exist (./driftlab build, or --emu PATH); "
                      "it lists the policies a spec may use")
    try:
        return policy_catalogue(emu, [x for x in plugins if pathlib.Path(x).is_file()]), None
    except CatalogueError as e:
        return None, str(e)


def _check_param(c, key, d, x):
    """x against one PARAM of the emulator's listing (docs/policies.md), as
    the text the job passes (_fmt_value) would be parsed."""
    name, t = d["name"], d["type"]
    if t == "enum":
        if x not in d["values"]:
            c.fail(key, f"'{name}' is one of {', '.join(d['values'])}, not {x!r}")
        return
    if t == "bool":
        v = _fmt_value(x) if isinstance(x, (bool, int)) else x
        v = v.lower() if d.get("ignore_case") and isinstance(v, str) else v
        if v not in d["true"] + d["false"]:
            c.fail(key, f"'{name}' is a boolean (true/false), not {x!r}")
        return
    if t == "time":
        # an integer with a unit, or a bare one in d["unit"]; compared in ns
        # as the emulator compares
        units = "|".join(map(re.escape, d["units"]))
        m = re.fullmatch(rf"(-?\d+)({units})?", x) if isinstance(x, str) else None
        if m:
            ns = int(m.group(1)) * d["units"][m.group(2) or d["unit"]]
        elif isinstance(x, int) and not isinstance(x, bool):
            ns = x * d["units"][d["unit"]]
        else:
            c.fail(key, f"'{name}' is an integer ({d['unit']}) or a duration with "
                   f"{'/'.join(d['units'])}, not {x!r}")
        per_unit = d["units"][d["unit"]]
        if not d["min"] * per_unit <= ns <= d["max"] * per_unit:
            c.fail(key, f"'{name}' = {x!r} is out of range [{_fmt_value(d['min'])}, "
                   f"{_fmt_value(d['max'])}] {d['unit']}")
        return
    if t not in ("int", "float"):
        return      # a type newer than this checker: the emulator checks it when the job starts
    integral = d["integer"]
    if isinstance(x, bool) or isinstance(x, str):
        c.fail(key, f"'{name}' is {'an integer' if integral else 'a number'}, not {x!r}")
    if integral and not isinstance(x, int):
        c.fail(key, f"'{name}' is an integer, not {x!r}")
    if not d["min"] <= x <= d["max"]:
        c.fail(key, f"'{name}' = {x!r} is out of range [{_fmt_value(d['min'])}, "
               f"{_fmt_value(d['max'])}]")


# ---- jobs ------------------------------------------------------------------

@dataclasses.dataclass
class Job:
    index: int
    id: str
    workload: str
    elf: str
    append: str
    label: str         # policy label in the spec
    policy: str        # policy name for emu-arm
    params: dict       # {param: value} (spec values)
    params_str: str    # "k=v,k=v" as passed to -align-policy
    shift: int
    align: bool
    rep: int
    key: str           # hash of what defines the run (stable across moves of the tree)
    argv: list         # full command line, -record with the final path (emu-arm)
    record: str        # final record path, absolute
    emulator: str = "emu-arm"   # or "qemu": the runner writes the record (runner.py)
    # [begin, end] console texts of the region of interest (-roi-begin/-roi-end),
    # or None: the console drift covers the same span as emu-arm's record
    region: list = None

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d):
        return cls(**d)


def _slug(s):
    s = re.sub(r"\s+", ",", s.strip())
    return re.sub(r"[^A-Za-z0-9._,=-]", "_", s)


def shift_text(shift):
    """-icount's shift= value."""
    return "auto" if shift == AUTO_SHIFT else str(shift)


def _shift_key(shift):
    # a job key's shift: unchanged for numbers, so that old sweeps resume
    return "auto" if shift == AUTO_SHIFT else shift


def make_id(workload, append, multi_append, label, params_str, shift, align, multi_align, rep):
    parts = [workload + (f"@{_slug(append) or 'noargs'}" if multi_append else ""),
             label + (f"@{_slug(params_str)}" if params_str else ""),
             f"s{shift_text(shift)}" + (("-align" if align else "-noalign") if multi_align else ""),
             f"r{rep}"]
    jid = "+".join(parts)
    if len(jid) > 120:
        h = hashlib.sha1(jid.encode()).hexdigest()[:10]
        jid = jid[:100] + "~" + h
    return jid


def command(spec, elf, append, policy_arg, shift, align, record, workload_args=(), linux=False):
    # a Python stand-in (tests/fake_emu.py) runs under Debian's interpreter
    head = [PYTHON, spec.emu] if is_stand_in(spec.emu) else [spec.emu]
    # Linux: sleep=off always (see Workload.linux); align=off runs no policy.
    icount = (f"shift={shift_text(shift)},sleep=off" if linux
              else f"shift={shift_text(shift)},align={'on' if align else 'off'}")
    if linux and not align:
        policy_arg = "none"
    argv = head + machine_args() + [
        "-icount", icount,
        *[a for so in spec.plugins for a in ("-align-policy-plugin", so)],
        "-align-policy", policy_arg,
        "-kernel", elf]
    if append:
        argv += ["-append", append]
    argv += list(workload_args) + list(spec.emu_args) + ["-stats", "-record", record]
    return argv


def _opt_value(args, opt):
    return next((args[i + 1] for i, a in enumerate(args[:-1]) if a == opt), None)


def region_of(args):
    """[begin, end] texts of -roi-begin/-roi-end in a command line, or None."""
    b, e = _opt_value(args, "-roi-begin"), _opt_value(args, "-roi-end")
    return [b, e or ""] if b is not None else None


def qemu_args_of(args):
    """An emu-arm argument list without the options QEMU does not have."""
    out, i = [], 0
    while i < len(args):
        n = EMU_ONLY_OPTS.get(args[i])
        if n is None:
            out.append(args[i])
            i += 1
        else:
            i += 1 + n
    return out


def qemu_command(spec, elf, append, shift, align, workload_args=(), linux=False):
    """QEMU 7.2 on the same machine, guest and icount shift. align=on is
    QEMU's start-only, which it accepts only with sleep=on; unaligned, the
    Linux guest runs with sleep=off as on emu-arm."""
    sh = shift_text(shift)
    if align:
        icount = f"shift={sh},align=on,sleep=on"
    elif linux:
        icount = f"shift={sh},sleep=off"
    else:
        icount = f"shift={sh},align=off"
    argv = [spec.qemu] + machine_args() + ["-icount", icount, "-kernel", elf]
    if append:
        argv += ["-append", append]
    return argv + qemu_args_of(list(workload_args)) + list(spec.qemu_args)


def _qemu_jobs(spec, jobs, seen, rep, w, app, multi_align):
    # A workload's `policies` names QEMU's jobs by label, so it can ask for
    # QEMU unaligned (its baseline) even where the spec aligns everything.
    aligns = spec.aligns if w.only is None else [a for a in (True, False)
                                                 if QEMU_POLICY[a] in w.only]
    for shift in (w.shifts or spec.shifts):
        for align in aligns:
            label = QEMU_POLICY[align]
            jid = make_id(w.label, app, len(w.appends) > 1, label, "", shift, align,
                          multi_align, rep)
            if jid in seen:
                raise SpecError(spec.path, None, None, f"two runs get the same id '{jid}'; "
                                "rename a workload")
            seen[jid] = True
            record = str(pathlib.Path(spec.results_dir) / "runs" / f"{jid}.h5")
            defining = {"emulator": "qemu", "elf": w.elf_given, "append": app,
                        "policy": label, "shift": _shift_key(shift), "align": align, "rep": rep,
                        "qemu_args": spec.qemu_args}
            key = hashlib.sha256(json.dumps(defining, sort_keys=True).encode()).hexdigest()[:16]
            jobs.append(Job(index=len(jobs), id=jid, workload=w.label, elf=w.elf, append=app,
                            label=label, policy=label, params={}, params_str="", shift=shift,
                            align=align, rep=rep, key=key,
                            argv=qemu_command(spec, w.elf, app, shift, align, w.emu_args,
                                              w.linux),
                            record=record, emulator="qemu", region=region_of(w.emu_args)))


def expand(spec):
    """The spec's jobs, repetition outermost so that a partial sweep has whole
    repetitions of the grid."""
    jobs, seen = [], {}
    multi_align = len(spec.aligns) > 1
    emu_arm = "emu-arm" in spec.emulators
    for rep in range(spec.repetitions):
        for w in spec.workloads:
            for app in w.appends:
                if "qemu" in spec.emulators:
                    _qemu_jobs(spec, jobs, seen, rep, w, app, multi_align)
                for pg in (spec.policies if emu_arm else []):
                    if w.only is not None and pg.label not in w.only:
                        continue
                    names = [k for k, _ in pg.grid]
                    for combo in itertools.product(*[v for _, v in pg.grid]):
                        params = dict(zip(names, combo))
                        params_str = ",".join(f"{k}={_fmt_value(v)}" for k, v in params.items())
                        parg = pg.policy + ("," + params_str if params_str else "")
                        for shift in (w.shifts or spec.shifts):
                            if shift == AUTO_SHIFT:
                                continue        # QEMU's only (see AUTO_SHIFT)
                            for align in spec.aligns:
                                jid = make_id(w.label, app, len(w.appends) > 1, pg.label,
                                              params_str, shift, align, multi_align, rep)
                                if jid in seen:
                                    raise SpecError(spec.path, None, None,
                                                    f"two runs get the same id '{jid}'; "
                                                    "rename a workload or policy label")
                                seen[jid] = True
                                record = str(pathlib.Path(spec.results_dir) / "runs" / f"{jid}.h5")
                                defining = {"elf": w.elf_given, "append": app,
                                            "policy": parg, "shift": _shift_key(shift),
                                            "align": align,
                                            "rep": rep, "emu_args": spec.emu_args,
                                            "plugins": [pathlib.Path(x).name
                                                        for x in spec.plugins]}
                                key = hashlib.sha256(json.dumps(defining, sort_keys=True)
                                                     .encode()).hexdigest()[:16]
                                jobs.append(Job(
                                    index=len(jobs), id=jid, workload=w.label, elf=w.elf,
                                    append=app, label=pg.label, policy=pg.policy,
                                    params=params, params_str=params_str, shift=shift,
                                    align=align, rep=rep, key=key,
                                    argv=command(spec, w.elf, app, parg, shift, align, record, w.emu_args,
                                                 w.linux),
                                    record=record, region=region_of(w.emu_args + spec.emu_args)))
    return jobs
