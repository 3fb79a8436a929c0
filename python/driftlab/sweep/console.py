"""Drift measured from outside an emulator, without changing it.

The runner reads the emulator's stdout through a pipe (never through a pager
or a buffered file) and stamps every console line with the host's monotonic
clock when its newline arrives. Lines that carry the guest's own clock give
(host, guest) pairs:

    ctr24=V                 bare-metal guests: the 24 MHz counter (clock-print)
    [   12.345678] ...      Linux printk times (sched_clock)
    ... mono_ns=N ...       the Linux guest's /init lines (CLOCK_MONOTONIC)

Drift between two pairs is (guest advance) - (host advance); a series starts
at its first pair, (0, 0, 0), as emu-arm's own monitor starts at its origin.
Its resolution is the time from the guest reading its clock to the host
reading the line: the guest's printing and the pipe, typically well under a
millisecond, much coarser than emu-arm's 1 kHz monitor and its exact guest
clock.

For QEMU, MonitorPoller also asks `info jit` on the human monitor socket
(-monitor unix:PATH,server,nowait) at a fixed rate: QEMU's own "Host - Guest
clock" (guest lag, whole milliseconds), "Max guest delay" and "Max guest
advance" (align=on only).
"""
import os
import re
import socket
import threading
import time

CLOCK_CTR24, CLOCK_PRINTK, CLOCK_MONO = 0, 1, 2
CLOCK_NAMES = {CLOCK_CTR24: "ctr24", CLOCK_PRINTK: "printk", CLOCK_MONO: "mono_ns"}

_CTR24 = re.compile(rb"\bctr24=(\d+)")
_PRINTK = re.compile(rb"^\[\s*(\d+)\.(\d{6})\]")
_MONO = re.compile(rb"\bmono_ns=(\d+)")

JIT_LAG = re.compile(r"Host - Guest clock\s+(-?\d+) ms")
JIT_DELAY = re.compile(r"Max guest delay\s+(-?\d+|NA)")
JIT_ADVANCE = re.compile(r"Max guest advance\s+(-?\d+|NA)")


def guest_clock(line):
    """(clock, value) for a console line carrying the guest's clock, else
    None. value: counter ticks for ctr24 (wraps at 2^32), else ns."""
    m = _MONO.search(line)
    if m:
        return CLOCK_MONO, int(m.group(1))
    m = _PRINTK.match(line)
    if m:
        return CLOCK_PRINTK, int(m.group(1)) * 1_000_000_000 + int(m.group(2)) * 1000
    m = _CTR24.search(line)
    if m:
        return CLOCK_CTR24, int(m.group(1))
    return None


class ConsoleReader(threading.Thread):
    """Copies the emulator's stdout to `log` (a binary file it closes at the
    end) and stamps lines. `region`: [begin, end] line prefixes of the region
    of interest, or None.

    After join(): stamps = [(host_ns, clock, guest_value, line_no)] with
    host_ns since `t0_ns`; region_host_ns = [begin, end] (None if not seen)."""

    def __init__(self, fd, log, t0_ns, region=None):
        super().__init__(daemon=True)
        self.fd, self.log, self.t0_ns, self.region = fd, log, t0_ns, region
        self.stamps = []
        self.lines = 0
        self.region_host_ns = [None, None]
        self.region_lines = [None, None]
        self.error = None

    def _line(self, t, line):
        line = line.rstrip(b"\r")
        n = self.lines
        self.lines += 1
        g = guest_clock(line)
        if g is not None:
            self.stamps.append((t - self.t0_ns, g[0], g[1], n))
        if self.region:
            b, e = self.region[0].encode(), self.region[1].encode()
            if self.region_host_ns[0] is None and line.startswith(b):
                self.region_host_ns[0], self.region_lines[0] = t - self.t0_ns, n
            elif (self.region_host_ns[0] is not None and self.region_host_ns[1] is None
                  and e and line.startswith(e)):
                self.region_host_ns[1], self.region_lines[1] = t - self.t0_ns, n

    def run(self):
        pending = b""
        try:
            while True:
                chunk = os.read(self.fd, 65536)
                t = time.monotonic_ns()
                if not chunk:
                    break
                if self.log is not None:
                    try:
                        self.log.write(chunk)
                        self.log.flush()
                    except OSError as e:
                        # a full disk: keep draining the pipe (an emulator
                        # blocked on its stdout would hang until the time limit)
                        self.error = e
                        self._close_log()
                pending += chunk
                while True:
                    i = pending.find(b"\n")
                    if i < 0:
                        break
                    self._line(t, pending[:i])
                    pending = pending[i + 1:]
        except OSError as e:
            self.error = e
        finally:
            if pending:
                self._line(time.monotonic_ns(), pending)
            self._close_log()

    def _close_log(self):
        if self.log is None:
            return
        try:
            self.log.close()
        except OSError as e:
            self.error = self.error or e
        self.log = None

    def in_region(self):
        """The stamps inside the region of interest (all without one)."""
        if not self.region:
            return list(self.stamps)
        b, e = self.region_lines
        if b is None:
            return []
        return [s for s in self.stamps if s[3] >= b and (e is None or s[3] <= e)]


def _unwrap_ctr24(values):
    out, base, prev = [], 0, None
    for v in values:
        if prev is not None and v < prev:
            base += 1 << 32
        out.append((v + base) * 125 // 3)      # 24 MHz ticks -> ns
        prev = v
    return out


def drift_series(stamps):
    """(clock, host_ns, guest_ns, drift_ns, origin_host_ns) from stamps: the
    clock with the most pairs (the Linux guest's mono_ns in a region of
    interest, else usually its printk times), each relative to its first
    pair. Clocks are never mixed: their origins differ. None if fewer than
    two pairs."""
    by = {}
    for s in stamps:
        by.setdefault(s[1], []).append(s)
    if not by:
        return None
    clock = max(by, key=lambda c: (len(by[c]), c))
    rows = by[clock]
    if len(rows) < 2:
        return None
    host = [r[0] for r in rows]
    vals = [r[2] for r in rows]
    guest = _unwrap_ctr24(vals) if clock == CLOCK_CTR24 else vals
    h0, g0 = host[0], guest[0]
    hs = [h - h0 for h in host]
    gs = [g - g0 for g in guest]
    return clock, hs, gs, [g - h for g, h in zip(gs, hs)], h0


class MonitorPoller(threading.Thread):
    """Polls `info jit` on QEMU's HMP socket every `period_s` until stop().
    samples = [(host_ns since t0_ns, lag_ms, max_delay_ms, max_advance_ms)],
    the last two None when QEMU prints NA (align=off)."""

    def __init__(self, path, t0_ns, period_s=0.1):
        super().__init__(daemon=True)
        self.path, self.t0_ns, self.period_s = path, t0_ns, period_s
        self.samples = []
        self.error = None
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()

    @staticmethod
    def _read_prompt(s, buf=b""):
        while b"(qemu) " not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("the monitor closed")
            buf += chunk
        i = buf.index(b"(qemu) ")
        return buf[:i], buf[i + len(b"(qemu) "):]

    def run(self):
        s = None
        try:
            while s is None and not self._halt.is_set():
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(2.0)
                    s.connect(self.path)
                except OSError:
                    s.close()
                    s = None
                    self._halt.wait(0.01)
            if s is None:
                return
            _, rest = self._read_prompt(s)
            while not self._halt.is_set():
                s.sendall(b"info jit\n")
                text, rest = self._read_prompt(s, rest)
                t = time.monotonic_ns() - self.t0_ns
                self._parse(t, text.decode("utf-8", "replace"))
                self._halt.wait(self.period_s)
        except (OSError, EOFError) as e:
            self.error = e          # QEMU exited between polls: expected at the end
        finally:
            if s is not None:
                s.close()

    def _parse(self, t, text):
        m = JIT_LAG.search(text)
        if not m:
            return
        def opt(rx):
            x = rx.search(text)
            return None if not x or x.group(1) == "NA" else int(x.group(1))
        self.samples.append((t, int(m.group(1)), opt(JIT_DELAY), opt(JIT_ADVANCE)))
