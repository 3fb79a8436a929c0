"""`driftlab bench linux`: the seed's Linux guest (boot, stress, fio on tmpfs)
on emu-arm and QEMU 7.2 with the same command line, interleaved, and the
ratio of their guest MIPS.

Both execute the same instructions (tests/test_linux_guest.py checks that the
logs are identical), so the count emu-arm reports with -stats is the count
of both. Each figure is instructions / median host wall time; CPU time
(user + sys of the child) is printed beside it because a shared machine
steals wall time from whichever run is unlucky."""
import os
import re
import statistics
import subprocess
import time

from . import linux_guest as lg


def run(root, reps=3, shift=3, secs=5):
    lg.ensure_built()
    emu = str(root / "build" / "emu-arm")
    work = ("stress", "fio-tmpfs")
    qcmd = lg.argv("qemu-system-arm", shift, work, secs)
    ecmd = lg.argv(emu, shift, work, secs) + ["-stats"]
    print(f"bench linux: boot + {'+'.join(work)} ({secs} s each) at -icount shift={shift},"
          f"sleep=off; {reps} interleaved repetitions; medians")
    ew, qw, ec, qc = [], [], [], []
    insns = None
    for i in range(reps):
        for cmd, wl, cl, name in ((ecmd, ew, ec, "emu-arm"), (qcmd, qw, qc, "qemu")):
            before = os.times()
            t0 = time.perf_counter()
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               env=lg.qemu_env(), timeout=900)
            wl.append(time.perf_counter() - t0)
            after = os.times()
            cl.append((after.children_user - before.children_user)
                      + (after.children_system - before.children_system))
            if p.returncode:
                raise SystemExit(f"bench linux: {name} exited {p.returncode}: "
                                 f"{p.stderr.decode(errors='replace')[-500:]}")
            if name == "emu-arm":
                m = re.search(rb"icount: (\d+) instructions, virtual time (\d+) ns", p.stderr)
                insns, vns = int(m.group(1)), int(m.group(2))
                eout = lg.guest_output(p.stdout)
            else:
                same = lg.guest_output(p.stdout) == eout
        print(f"  rep {i + 1}: emu-arm {ew[-1]:.2f} s ({ec[-1]:.2f} s CPU), "
              f"QEMU {qw[-1]:.2f} s ({qc[-1]:.2f} s CPU), logs {'identical' if same else 'DIFFER'}",
              flush=True)
    e, q = statistics.median(ew), statistics.median(qw)
    print(f"guest: {insns} instructions, {vns / 1e9:.1f} s of guest time")
    print(f"{'':<10}{'wall s':>8}{'CPU s':>8}{'MIPS':>8}")
    print(f"{'emu-arm':<10}{e:>8.2f}{statistics.median(ec):>8.2f}{insns / e / 1e6:>8.1f}")
    print(f"{'QEMU 7.2':<10}{q:>8.2f}{statistics.median(qc):>8.2f}{insns / q / 1e6:>8.1f}")
    print(f"ratio emu-arm/QEMU (guest MIPS): {q / e:.2f}  (target >= 1.0)")
