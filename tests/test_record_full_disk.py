"""-record on a full disk: one line saying so, exit status 1, no partial file
left for a merge to pick up, and no noise from HDF5's exit handler."""
import os
import subprocess

import pytest

from guestrun import BUILD, emu_path
from driftlab.tools.machine_args import machine_args


@pytest.fixture
def tiny_fs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    d = tmp_path / "tiny"
    d.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (d / "fill").write_bytes(b"\0" * 40 * 1024)
        yield d
    finally:
        subprocess.run(["umount", str(d)])


def test_record_on_a_full_disk(tiny_fs):
    cmd = [str(emu_path())] + machine_args() + [
        "-icount", "shift=0,sleep=off", "-kernel", str(BUILD / "guests" / "coremark-like.elf"),
        "-append", "iterations=300", "-record", str(tiny_fs / "r.h5")]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    err = p.stderr.decode().strip().splitlines()
    assert p.returncode == 1
    assert err == [f"emu-arm: -record: writing '{tiny_fs / 'r.h5'}' failed (the disk is full); "
                   "the partial record was removed"], err
    assert sorted(os.listdir(tiny_fs)) == ["fill"]
