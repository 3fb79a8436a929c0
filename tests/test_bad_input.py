"""Bad input gets a one-line error and exit status 1; guest faults stay guest
faults (the guest's own handler runs, as on QEMU), never a host crash."""
import os
import pathlib
import subprocess

import pytest
from driftlab.tools.machine_args import machine_args

from driftlab.paths import ROOT
EMU = pathlib.Path(os.environ.get("EMU", ROOT / "build" / "emu-arm"))
ICOUNT = ["-icount", "shift=0,sleep=off"]
BASE = machine_args() + ICOUNT


def emu(args, timeout=30):
    assert EMU.exists(), f"{EMU} not built"
    return subprocess.run([str(EMU)] + args, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def qemu(args, timeout=30):
    return subprocess.run(["qemu-system-arm"] + args, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=dict(os.environ, QEMU_AUDIO_DRV="none"))


def assert_one_line_error(r, *needles):
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("emu-arm: "), err
    for n in needles:
        assert n in lines[0], (n, err)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("bad")


def build_guest(tmp, name, asm):
    src, elf = tmp / f"{name}.S", tmp / f"{name}.elf"
    src.write_text(asm)
    subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-mcpu=arm926ej-s", "-Ttext=0x10000",
                    "-o", str(elf), str(src)], check=True)
    return elf


EXIT_OK = """
    .global _start
_start:
    ldr r1, =0x20026
    mov r0, #0x18
    svc 0x123456
"""


@pytest.mark.parametrize("args,needle", [
    (["-bogus"], "unknown option '-bogus'"),
    (["-icount", "shift=11"], "shift must be 0..10"),
    (["-icount", "shift=x"], "shift must be 0..10"),
    (["-icount", "shift=2,align=on,sleep=off"], "align=on and sleep=off"),
    (["-icount", "shift=auto,align=on"], "shift=auto and align=on"),
    (["-icount", "shift=2,align=maybe"], "align must be on or off"),
    (["-icount", "shift=2,bogus=1"], "unknown option 'bogus'"),
    (["-m", "lots"], "invalid RAM size"),
    (["-m", "0"], "invalid RAM size"),
    (["-M", "virt"], "unsupported machine"),
    (["-d", "exec,nonsense"], "unknown log item 'nonsense'"),
    (["-serial", "tcp:1234"], "unsupported backend"),
    (["-kernel"], "needs a value"),
])
def test_bad_cli(args, needle, tmp):
    elf = build_guest(tmp, "exit", EXIT_OK)
    full = ["-kernel", str(elf)] + args if args != ["-kernel"] else args
    assert_one_line_error(emu(full), needle)


def test_no_kernel():
    assert_one_line_error(emu(machine_args()), "no -kernel")


def test_help_and_version():
    r = emu(["-help"])
    assert r.returncode == 0 and b"-icount shift=N|auto" in r.stdout
    r = emu(["-version"])
    assert r.returncode == 0 and b"emu-arm version" in r.stdout


def test_missing_image(tmp):
    assert_one_line_error(emu(BASE + ["-kernel", str(tmp / "nope.elf")]), "nope.elf")


def test_truncated_elf(tmp):
    elf = build_guest(tmp, "exit", EXIT_OK)
    cut = tmp / "truncated.elf"
    cut.write_bytes(elf.read_bytes()[:40])
    assert_one_line_error(emu(BASE + ["-kernel", str(cut)]), "truncated")


def test_garbage_elf(tmp):
    junk = tmp / "junk.elf"
    junk.write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    assert_one_line_error(emu(BASE + ["-kernel", str(junk)]), "junk.elf")


def test_elf_for_another_architecture(tmp):
    host_elf = pathlib.Path("/bin/true").resolve()
    assert_one_line_error(emu(BASE + ["-kernel", str(host_elf)]), "ELF")


def test_image_larger_than_ram(tmp):
    big = tmp / "big.bin"
    big.write_bytes(b"\0" * (3 << 20))
    assert_one_line_error(emu(machine_args(ram="2M") + ICOUNT + ["-kernel", str(big)]),
                          "larger than guest RAM")


# Guest faults: handlers print a letter through semihosting SYS_WRITEC and
# exit with a code that names the exception.
FAULTS = """
    .global _start
_start:                       @ vectors that still work once copied to 0
    ldr pc, v_reset
    ldr pc, v_undef
    ldr pc, v_swi
    ldr pc, v_pabt
    ldr pc, v_dabt
    ldr pc, v_hang
    ldr pc, v_hang
    ldr pc, v_hang
v_reset: .word reset
v_undef: .word undef
v_swi:   .word swi
v_pabt:  .word pabt
v_dabt:  .word dabt
v_hang:  .word hang
    .word hang, hang
hang: b hang
reset:
    mov r0, #0
    adr r1, _start
    mov r2, #64
1:  ldr r3, [r1], #4          @ copy the vectors to address 0
    str r3, [r0], #4
    subs r2, r2, #4
    bne 1b
    ldr sp, =0x100000
    {body}
undef:  mov r2, #'U'; mov r3, #3; b report
swi:    mov r2, #'S'; mov r3, #5; b report
pabt:   mov r2, #'P'; mov r3, #6; b report
dabt:   mov r2, #'D'; mov r3, #4; b report
report:
    ldr r1, =ch
    strb r2, [r1]
    mov r0, #3                @ SYS_WRITEC
    svc 0x123456
    ldr r1, =blk
    str r3, [r1, #4]
    mov r0, #0x20             @ SYS_EXIT_EXTENDED
    svc 0x123456
    .data
ch: .word 0
blk: .word 0x20026, 0
"""


@pytest.mark.parametrize("name,body,code,qemu_same", [
    ("undef", ".word 0xe7f000f0", 3, True),          # permanently undefined
    ("cp-undef", "mcr p7, 0, r0, c1, c2, 3", 3, True),   # no such coprocessor
    # Unmapped physical memory: real hardware answers with an external abort
    # (-unmapped-abort); QEMU 7.2, and emu-arm by default, read zeros and
    # execute them (docs/qemu-differences.md).
    ("dabt", "ldr r0, =0x20000000\n    ldr r1, [r0]", 4, False),
    ("pabt", "ldr r0, =0x20000000\n    bx r0", 6, False),
])
def test_guest_faults(tmp, name, body, code, qemu_same):
    elf = build_guest(tmp, name, FAULTS.replace("{body}", body))
    e = emu(BASE + ["-kernel", str(elf)] + ([] if qemu_same else ["-unmapped-abort"]))
    assert (e.returncode, e.stdout) == (code, b""), e.stderr.decode()
    assert e.stderr.decode().strip()[-1:] == {3: "U", 4: "D", 6: "P"}[code]
    if qemu_same:
        q = qemu(BASE + ["-kernel", str(elf)])
        assert (q.returncode, q.stdout, q.stderr.strip()[-1:]) == \
            (e.returncode, e.stdout, e.stderr.strip()[-1:])
