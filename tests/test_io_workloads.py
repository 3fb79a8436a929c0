"""The workload guests (stress-cpu, fio-rw, timer-jitter, idle, mixed) under
QEMU 7.2 and under emu-arm with the same options and an SD card: the UART
output (virtual-time figures included), the exit status and the bytes of
the SD image afterwards must all be identical, for emu-arm in both
`-icount-io recompile` (the default) and `-icount-io index` modes.

The test makes one SD image (1 MiB of seeded pseudo-random bytes, so that
reads of blocks nobody wrote return something) and gives every run a fresh
copy of it. Parameters are small: the whole file takes a few seconds.

Guests: experiments/guests/{stress-cpu,fio-rw,timer-jitter,idle,mixed},
built by `scons` into build/guests/NAME.elf (ARM, -O2).
"""
import concurrent.futures
import os
import random
import re
import shutil
import struct
import subprocess
import time

import pytest

import guestrun

IMAGE_SIZE = 1 << 20
IMAGE_SEED = 20240611

# id -> (guest, -append, expected exit status)
CASES = {
    "stress-cpu": ("stress-cpu", "cpu=2 iters=20000 vm=1 vm_bytes=16k vm_loops=2 tick_us=200",
                   0),
    "stress-cpu-sp804": ("stress-cpu",
                         "cpu=3 iters=5000 vm=2 vm_bytes=8k vm_keep=1 clock=sp804", 0),
    "fio-seq-write": ("fio-rw", "mode=seq rw=write bs=4k size=64k start=16 seed=5", 0),
    "fio-rand-mix-irq": ("fio-rw", "mode=rand rw=mix bs=2k size=64k span=128k irq=1 seed=7",
                         0),
    "fio-rand-read-single-sp804": ("fio-rw", "mode=rand rw=read bs=1k size=32k span=64k "
                                   "multi=0 clock=sp804 seed=3", 0),
    "fio-write-single-irq-ack": ("fio-rw", "mode=seq rw=write bs=512 size=16k multi=0 irq=1 "
                                 "ack=1 start=100", 0),
    # 80 blocks per I/O: more than one 16-bit DataLength phase per command
    "fio-big-blocks": ("fio-rw", "mode=seq rw=mix rwmix=25 bs=40k size=160k span=80k seed=9",
                       0),
    # the same with interrupts: back-to-back data phases without a Status poll
    "fio-big-blocks-irq": ("fio-rw", "mode=rand rw=mix bs=36k size=144k span=144k irq=1 "
                           "seed=11", 0),
    # runs off the end of the card: the guest reports the card's ADDRESS_ERROR
    "fio-beyond-card": ("fio-rw", "start=2040 size=8k span=8k", 1),
    "fio-bad-param": ("fio-rw", "bs=4k bogus=1", 2),
    "timer-jitter": ("timer-jitter", "samples=30 crit=7 work=5", 0),
    "timer-jitter-sp804": ("timer-jitter", "samples=20 period_us=250 clock=sp804", 0),
    "idle-period": ("idle", "ticks=10 period_us=500", 0),
    "mixed-irq-tick": ("mixed", "rounds=6 burst=5000 ios=3 irq=1 tick_us=250", 0),
    "mixed-seq-poll": ("mixed", "rounds=4 burst=3000 ios=4 mode=seq multi=0 bs=1k", 0),
}
CASE_IDS = list(CASES)
EMU_MODES = ["recompile", "index"]

M32 = 0xffffffff


def sd_pattern(lba, seed):
    """The 512 bytes fio-rw/mixed write to block lba (common/workload.c)."""
    words = [lba & M32, seed & M32, ~lba & M32]
    x = ((lba * 0x9e3779b1) & M32) ^ ((seed * 0x85ebca77) & M32)
    for _ in range(125):
        x = (x * 1664525 + 1013904223) & M32
        words.append(x)
    return struct.pack("<128I", *words)


def elf_for(guest):
    return guestrun.GUEST_DIR / f"{guest}.elf"


def run_sd(binary, elf, append, img, extra=(), timeout=60.0):
    """One run with the SD card attached; a guestrun.RunResult."""
    argv = guestrun.guest_argv(binary, elf, append) + list(extra) + \
        ["-drive", f"if=sd,file={img},format=raw"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=guestrun.RUN_ENV,
                           cwd=guestrun.REPO)
        return guestrun.RunResult(argv, p.stdout, p.stderr, p.returncode, False,
                                  time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return guestrun.RunResult(argv, e.stdout or b"", e.stderr or b"", -1, True,
                                  time.monotonic() - t0)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("io-workloads")
    (d / "master.img").write_bytes(random.Random(IMAGE_SEED).randbytes(IMAGE_SIZE))
    return d


def _one(workdir, cid, who):
    """(RunResult, image bytes) of case cid on who ('qemu' or an emu mode)."""
    guest, append, _ = CASES[cid]
    img = workdir / f"{cid}.{who}.img"
    shutil.copyfile(workdir / "master.img", img)
    if who == "qemu":
        r = run_sd(guestrun.qemu_path(), elf_for(guest), append, img,
                   timeout=guestrun.QEMU_TIMEOUT)
    else:
        r = run_sd(guestrun.emu_path(), elf_for(guest), append, img,
                   extra=["-icount-io", who], timeout=guestrun.emu_timeout())
    data = img.read_bytes()
    img.unlink()
    return r, data


@pytest.fixture(scope="module")
def runs(workdir):
    """(case id, who) -> (RunResult, image bytes); every run in one pool."""
    missing = sorted({str(elf_for(g)) for g, _, _ in CASES.values()
                      if not elf_for(g).exists()})
    if missing:
        return "not built (run `scons`): " + ", ".join(missing)
    whos = ["qemu"] + ([] if guestrun.emu_missing_message() else EMU_MODES)
    keys = [(cid, who) for cid in CASE_IDS for who in whos]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        return dict(zip(keys, ex.map(lambda k: _one(workdir, *k), keys)))


def _get(runs, cid, who):
    if isinstance(runs, str):
        pytest.fail(runs, pytrace=False)
    if (cid, who) not in runs:
        pytest.fail(guestrun.emu_missing_message() or f"no run for {cid} on {who}",
                    pytrace=False)
    return runs[(cid, who)]


def result_line(stdout):
    lines = stdout.decode("latin-1").splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("cid", CASE_IDS)
def test_qemu_reference(cid, runs):
    """The oracle side alone: the guest does what it should under QEMU."""
    r, _ = _get(runs, cid, "qemu")
    guest, _, rc = CASES[cid]
    out = r.stdout.decode("latin-1")
    assert not r.timed_out, r.describe()
    assert r.returncode == rc, r.describe() + "\n" + out[-2000:]
    last = result_line(r.stdout)
    if guest == "idle":
        assert out.endswith("idle ok\n"), out
    elif rc == 2:
        assert out == ("error: fio-rw: unknown parameter 'bogus'\n"
                       "result workload=fio-rw status=bad-param\n"), out
    else:
        # exactly one machine-readable result line, and it is the last line
        assert last.startswith(f"result workload={guest} "), out[-2000:]
        assert sum(line.startswith("result ") for line in out.splitlines()) == 1, out
        assert ("status=ok" in last) == (rc == 0), last
        fields = dict(kv.split("=", 1) for kv in last.split()[1:])
        assert fields["workload"] == guest
    if cid == "fio-beyond-card":
        assert "ADDRESS_ERROR" in out and "status=error" in last, out


@pytest.mark.parametrize("mode", EMU_MODES)
@pytest.mark.parametrize("cid", CASE_IDS)
def test_emu_matches_qemu(cid, mode, runs):
    ref, ref_img = _get(runs, cid, "qemu")
    got, got_img = _get(runs, cid, mode)
    report = guestrun.compare(ref, got, what=f"{cid} (-icount-io {mode})")
    if report:
        pytest.fail(report, pytrace=False)
    if ref_img != got_img:
        diff = [i // 512 for i in range(0, IMAGE_SIZE, 512)
                if ref_img[i:i + 512] != got_img[i:i + 512]]
        pytest.fail(f"{cid} (-icount-io {mode}): SD image differs from QEMU's in "
                    f"{len(diff)} blocks, first {diff[:8]}", pytrace=False)


@pytest.mark.parametrize("cid", CASE_IDS)
def test_emu_modes_identical(cid, runs):
    """recompile and index modes: same output and image bytes."""
    a, a_img = _get(runs, cid, "recompile")
    b, b_img = _get(runs, cid, "index")
    assert (a.stdout, a.returncode) == (b.stdout, b.returncode), \
        guestrun.text_diff(a.stdout, b.stdout, "recompile", "index")
    assert a_img == b_img


@pytest.mark.parametrize("cid,start,blocks,seed", [
    ("fio-seq-write", 16, 128, 5),
    ("fio-write-single-irq-ack", 100, 32, 1),
    ("fio-big-blocks", 0, 160, 9),
])
def test_written_blocks_hold_the_pattern(cid, start, blocks, seed, runs, workdir):
    """What the guest wrote is on the card, as the documented pattern, and
    the rest of the image is untouched (QEMU's image; the emu-arm ones are
    compared with it above)."""
    r, img = _get(runs, cid, "qemu")
    assert r.returncode == 0, r.describe()
    master = (workdir / "master.img").read_bytes()
    for lba in range(IMAGE_SIZE // 512):
        blk = img[lba * 512:(lba + 1) * 512]
        if start <= lba < start + blocks:
            assert blk == sd_pattern(lba, seed), f"{cid}: block {lba} lacks the pattern"
        else:
            assert blk == master[lba * 512:(lba + 1) * 512], f"{cid}: block {lba} changed"


def test_acked_lines(runs):
    """ack=1 prints one line per completed write, in order."""
    r, _ = _get(runs, "fio-write-single-irq-ack", "qemu")
    acks = re.findall(rb"^acked lba=(\d+) n=(\d+)$", r.stdout, re.M)
    assert [(int(a), int(n)) for a, n in acks] == [(100 + i, 1) for i in range(32)]


def _fields(stdout):
    return dict(kv.split("=", 1) for kv in result_line(stdout).split()[1:])


def test_timer_jitter_wfi_differs_as_documented(workdir):
    """wait=wfi is where the emulators part ways (experiments/guests/README.md):
    QEMU 7.2 with sleep=off wakes a WFI-idle guest only every second period,
    emu-arm every period. Pinned here so that a change on either side shows."""
    if guestrun.emu_missing_message():
        pytest.fail(guestrun.emu_missing_message(), pytrace=False)
    elf = elf_for("timer-jitter")
    if not elf.exists():
        pytest.fail(f"{elf} not built", pytrace=False)
    append = "samples=8 wait=wfi"
    img = workdir / "wfi.img"
    shutil.copyfile(workdir / "master.img", img)
    q = run_sd(guestrun.qemu_path(), elf, append, img)
    e = run_sd(guestrun.emu_path(), elf, append, img)
    assert q.returncode == 0 and e.returncode == 0, (q.describe(), e.describe())
    assert _fields(q.stdout)["mean_us"] == "1998.000", q.stdout
    assert _fields(e.stdout)["mean_us"] == "999.000", e.stdout
