"""Linux workloads in sweep specs: what they expand to, and errors that name
the key and its line. No emulator runs here (tests/test_linux_guest.py boots
the guest; tests/test_linux_roi.py runs it under the harness)."""
import textwrap

import pytest

from driftlab.paths import ROOT

from driftlab.sweep import spec as sp  # noqa: E402

SPEC = textwrap.dedent("""\
    name = "lx"
    output = "results/lx.h5"
    time_limit = "5m"
    shifts = [6]

    [workloads.st]
    linux = "stress"
    secs = 3

    [workloads.sd]
    linux = ["fio-tmpfs", "fio-sd"]
    secs = 2
    fio = "randread"
    bs = "8k"
    sd_mib = 16

    [policies.none]
    """)


def parse(text):
    return sp.parse_spec("lx.toml", text=text, check_files=False, policies=None)


def test_linux_workloads_expand_to_qemus_boot_line():
    s = parse(SPEC)
    jobs = {j.workload: j for j in sp.expand(s)}
    st, sd = jobs["st"].argv, jobs["sd"].argv
    g = ROOT / "build" / "linux"
    for a in (st, sd):
        assert a[a.index("-kernel") + 1] == str(g / "zImage")
        assert a[a.index("-initrd") + 1] == str(g / "initramfs.cpio.gz")
        assert "-no-reboot" in a and a[a.index("-rtc") + 1] == "base=2026-01-01T00:00:00,clock=vm"
        assert a[a.index("-roi-begin") + 1] == "driftlab: begin "
        assert a[a.index("-roi-end") + 1] == "driftlab: done"
    assert st[st.index("-dtb") + 1] == str(g / "versatile-pb.dtb")
    assert st[st.index("-append") + 1] == \
        "console=ttyAMA0 rootfstype=ramfs driftlab.run=stress driftlab.secs=3"
    assert sd[sd.index("-dtb") + 1] == str(g / "versatile-pb-sd.dtb")
    assert sd[sd.index("-append") + 1] == ("console=ttyAMA0 rootfstype=ramfs "
                                           "driftlab.run=fio-tmpfs,fio-sd driftlab.secs=2 "
                                           "driftlab.fio=randread driftlab.bs=8k")
    assert sd[sd.index("-drive") + 1] == f"if=sd,file={g / 'sd-16M.img'},format=raw"
    assert "-snapshot" in sd       # the card on disk stays as it is


@pytest.mark.parametrize("replace,key,words", [
    ('linux = "stress"', "workloads.st.linux", "unknown Linux workload 'strss'"),
    ("secs = 3", "workloads.st.secs", "at least 1"),
    ("sd_mib = 16", "workloads.sd.sd_mib", "power of two"),
    ('bs = "8k"', "workloads.sd.bs", "must be a word"),
    ("secs = 3", "workloads.st.elf", "unknown key for a Linux workload"),
])
def test_bad_linux_workloads_name_file_line_and_key(replace, key, words):
    new = {'linux = "stress"': 'linux = "strss"', "secs = 3": "secs = 0",
           "sd_mib = 16": "sd_mib = 12", 'bs = "8k"': 'bs = "8k;rm"'}[replace]
    if key.endswith(".elf"):
        new = 'secs = 3\nelf = "x.elf"'
    text = SPEC.replace(replace, new, 1)
    with pytest.raises(sp.SpecError) as e:
        parse(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1)
                if l.startswith(key.split(".")[-1] + " ="))
    assert str(e.value).startswith(f"lx.toml:{line}: key '{key}': "), str(e.value)
    assert words in str(e.value)


def test_fio_sd_without_a_card_is_refused():
    with pytest.raises(sp.SpecError) as e:
        parse(SPEC.replace("sd_mib = 16\n", ""))
    assert "fio-sd needs an SD card" in str(e.value)
