#!/usr/bin/env python3
"""Random instruction-sequence generator for the ARM926EJ-S (ARMv5TE) fuzzer.

    gen.py --seed S --count N --isa arm|thumb|vfp -o out.S

writes an assembly file with N short random sequences (4-16 instruction
"units" each) plus their init records and the table read by runtime.S.
Same seed, count and isa -> byte-identical output.

Register roles (chosen per sequence):
  pointer  a few registers (and SVC sp) hold addresses inside the 8 KiB
           scratch area at SCRATCH.  They change only by writeback
           (LDR/STR/LDM/STM/PUSH/POP, ADD/SUB sp) and the generator tracks
           their exact values, so every access is in range and aligned.
  index    registers with small known multiples of 8, used as register
           offsets; never written.
  data     everything else (incl. r14, and r8-r12/r14 in Thumb): random
           values, the destinations of all computations and loads.
Sequences run in SVC mode; mode excursions (MSR cpsr_c) go to FIQ, IRQ, ABT,
UND and SYS and back.  No mode's r13 is ever written (r13_und is the
harness stack).

VFP: every sequence starts with its own FPSCR (random rounding mode, FZ, DN,
cumulative flags, NZCV, sometimes a short-vector LEN/STRIDE and bits that
read as zero) and d0-d15 (random doubles or pairs of singles, biased to
zeros, infinities, NaNs of both kinds, denormals, extremes and integer
boundaries).  The "vfp" isa is ARM code where about half of the units are
VFPv2 instructions: arithmetic, VCMP + VMRS APSR_nzcv, conversions, system
registers, VMOV transfers, VLDR/VSTR, VLDM/VSTM/VPUSH/VPOP and FLDMX/FSTMX.
FPEXC.EN stays set (writes keep it).

Encodings that the ARM ARM (v5TE) calls UNPREDICTABLE are avoided, e.g.:
MUL/MLA Rd==Rm; long multiplies with RdHi==RdLo or either ==Rm; PC as an
operand of register-shifted data processing, multiplies, DSP ops, CLZ;
writeback with Rn==Rd (or Rd+1 for LDRD) or Rn==Rm; LDM with writeback and
Rn in the list; empty register lists; LDRD/STRD with odd Rd or Rd==r14, or
an address not 8-byte aligned; unaligned LDR/LDRH/STRH/SWP; storing PC;
MSR setting reserved/J/T bits of the CPSR; MRS/MSR SPSR in SYS mode; Thumb
MUL Rd==Rm, Thumb hi-register ADD/MOV/CMP with two low registers, CMP hi
with PC, Thumb LDMIA/STMIA with Rn in the list.
"""
import argparse
import random
import sys

SCRATCH = 0x00200000
SCRATCH_SIZE = 0x2000
PTR_LO = SCRATCH + 0x700          # initial pointer window
PTR_HI = SCRATCH + 0x1900

CONDS = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"]
DP_OPS = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc",
          "tst", "teq", "cmp", "cmn", "orr", "mov", "bic", "mvn"]
CMP_OPS = {"tst", "teq", "cmp", "cmn"}
MOVE_OPS = {"mov", "mvn"}
MODES = {"fiq": 0x11, "irq": 0x12, "abt": 0x17, "und": 0x1b, "sys": 0x1f}
VALID_SPSR_MODES = [0x10, 0x11, 0x12, 0x13, 0x17, 0x1b, 0x1f]
INTERESTING = [0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0x80000001, 0xfffffffe,
               0x7fff, 0x8000, 0xffff8000, 0xffff, 0x10000, 31, 32, 33, 0xff, 0x100,
               0x55555555, 0xaaaaaaaa, 0x7ffffffe, 0x00008001, 0xffff7fff]

# init record layout (words), shared with runtime.S (REC_*):
#  0-14 r0-r14 (SVC)   15 NZCVQ flags   16 scratch fill seed   17 SPSR_svc
#  18-25 FIQ r8-r14, SPSR   26-28 IRQ r13, r14, SPSR   29-31 ABT r13, r14, SPSR
#  32-33 USR r13, r14   34-35 UND r14, SPSR   36 FPSCR   37-68 d0-d15 (low word
#  first)   69 entry   70 n   71.. n offsets
REC_WORDS_FIXED = 69

F32_SPECIAL = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
               0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0x7fa00000, 0xffbfffff,
               0x00000001, 0x807fffff, 0x00400000, 0x00800000, 0x80800000, 0x7f7fffff,
               0xff7fffff, 0x4f000000, 0xcf000000, 0x4f800000, 0x4effffff, 0x4f7fffff,
               0xcf000001, 0x3f000000, 0xbf000000, 0x3fc00000, 0x40200000, 0xbfc00000,
               0x3effffff, 0x34000000, 0x33800000, 0x40400000, 0x00800001]
F64_SPECIAL = [0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000,
               0xbff0000000000000, 0x7ff0000000000000, 0xfff0000000000000,
               0x7ff8000000000000, 0xfff8000000000000, 0x7ff8000012345678,
               0x7ff0000000000001, 0x7ff4000000000000, 0xfff7ffffffffffff,
               0x0000000000000001, 0x800fffffffffffff, 0x0008000000000000,
               0x0010000000000000, 0x8010000000000000, 0x7fefffffffffffff,
               0xffefffffffffffff, 0x41e0000000000000, 0xc1e0000000000000,
               0x41f0000000000000, 0x41dfffffffc00000, 0x41efffffffe00000,
               0xc1e0000000200000, 0x3fe0000000000000, 0xbfe0000000000000,
               0x3ff8000000000000, 0x4004000000000000, 0x3fdfffffffffffff,
               0x36a0000000000000, 0x3810000000000000, 0x47efffffe0000000,
               0x36a0000000000001, 0x380fffffffffffff, 0x0010000000000001]


def u32(x):
    return x & 0xffffffff


def explicit_imm(val):
    """'#imm8, rot' text for an ARM-encodable constant."""
    for rot in range(0, 32, 2):
        imm8 = u32((val << rot) | (val >> (32 - rot))) if rot else val
        if imm8 < 256:
            return "#%d, %d" % (imm8, rot)
    raise ValueError("not an ARM immediate: %#x" % val)


def reg(r):
    return {13: "sp", 14: "lr", 15: "pc"}.get(r, "r%d" % r)


class Gen:
    def __init__(self, rng, isa, index, seed=0):
        self.rng = rng
        self.isa = isa
        self.index = index
        self.lines = []
        self.touched = set()
        self.nlabel = 0
        self.conditional_ok = True
        rng = self.rng
        if isa in ("arm", "vfp"):
            pool = list(range(13))
            rng.shuffle(pool)
            nptr = rng.choice([1, 2, 2, 3])
            nidx = rng.choice([1, 1, 2])
            self.ptrs = pool[:nptr]
            self.idxs = pool[nptr:nptr + nidx]
            self.data = sorted(pool[nptr + nidx:]) + [14]
            self.data_low = [r for r in self.data if r < 8]  # for Thumb excursions
        else:
            low = list(range(8))
            rng.shuffle(low)
            self.ptrs = low[:2]
            self.idxs = low[2:3]
            self.data_low = sorted(low[3:])
            self.data = self.data_low + [8, 9, 10, 11, 12, 14]
        self.vals = {}
        for r in range(15):
            self.vals[r] = self.rand_value()
        for r in self.ptrs + [13]:
            self.vals[r] = rng.randrange(PTR_LO, PTR_HI, 8)
        for r in self.idxs:
            self.vals[r] = u32(rng.randrange(-16, 17) * 8)
        self.init_vals = dict(self.vals)   # vals[] tracks pointers as the sequence runs
        self.flags = rng.getrandbits(5) << 27
        self.seed = rng.getrandbits(32) | 1
        self.spsr_svc = self.rand_psr()
        self.fiq = [self.rand_value() for _ in range(7)] + [self.rand_psr()]
        self.irq = [self.rand_value(), self.rand_value(), self.rand_psr()]
        self.abt = [self.rand_value(), self.rand_value(), self.rand_psr()]
        self.usr = [self.rand_value(), self.rand_value()]
        self.und = [self.rand_value(), self.rand_psr()]
        # VFP state from its own stream: the core sequences of a seed stay
        # what they were before the fuzzer knew VFP
        self.vrng = random.Random("driftlab-fuzz-vfp:%s:%d:%d" % (isa, seed, index))
        self.fpscr = self.rand_fpscr()
        self.vfp_d = [self.rand_dreg() for _ in range(16)]

    # ------------------------------------------------------------ helpers
    def rand_value(self):
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            return rng.getrandbits(32)
        if r < 0.65:
            return rng.choice(INTERESTING)
        if r < 0.85:
            return rng.randrange(0, 70)
        return u32(rng.randrange(-0x9000, 0x9000))

    def rand_psr(self):
        rng = self.rng
        return (rng.getrandbits(5) << 27) | (rng.getrandbits(3) << 5) | rng.choice(VALID_SPSR_MODES)

    def label(self):
        self.nlabel += 1
        return ".Lq%d_%d" % (self.index, self.nlabel)

    def emit(self, text):
        self.lines.append("    " + text)

    def cond(self, allowed=True):
        if allowed and self.rng.random() < 0.3:
            return self.rng.choice(CONDS)
        return ""

    def pick(self, seq, k=1):
        return self.rng.sample(list(seq), k) if k > 1 else self.rng.choice(list(seq))

    def readable(self, allow_pc=False, allow_sp=True):
        regs = list(range(13)) + [14]
        if allow_sp:
            regs.append(13)
        if allow_pc and self.rng.random() < 0.08:
            return 15
        return self.rng.choice(regs)

    def in_scratch(self, addr, size):
        return SCRATCH <= addr and addr + size <= SCRATCH + SCRATCH_SIZE

    def ptr_ok(self, addr):
        return SCRATCH <= addr <= SCRATCH + SCRATCH_SIZE

    def touch(self, addr, size):
        for a in range(addr & ~3, addr + size, 4):
            self.touched.add(a - SCRATCH)

    # ======================================================== ARM state
    def arm_imm_operand(self):
        rng = self.rng
        imm8 = rng.choice([rng.getrandbits(8), rng.choice([0, 1, 0x80, 0xff, 0x7f])])
        rot = rng.randrange(16) * 2
        if rng.random() < 0.5:
            return "#%d, %d" % (imm8, rot)           # explicit rotation (carry-out rules)
        val = u32((imm8 >> rot) | (imm8 << (32 - rot))) if rot else imm8
        return "#%d" % val

    def arm_op2(self, allow_pc=True):
        """Returns (text, uses_register_shift)."""
        rng = self.rng
        kind = rng.choices(["imm", "reg", "immshift", "rrx", "regshift"], [3, 2, 4, 1, 3])[0]
        if kind == "imm":
            return self.arm_imm_operand(), False
        if kind == "reg":
            return reg(self.readable(allow_pc)), False
        if kind == "immshift":
            sh = rng.choice(["lsl", "lsr", "asr", "ror"])
            amount = {"lsl": rng.randrange(0, 32), "lsr": rng.randrange(1, 33),
                      "asr": rng.randrange(1, 33), "ror": rng.randrange(1, 32)}[sh]
            return "%s, %s #%d" % (reg(self.readable(allow_pc)), sh, amount), False
        if kind == "rrx":
            return "%s, rrx" % reg(self.readable(allow_pc)), False
        sh = rng.choice(["lsl", "lsr", "asr", "ror"])
        return "%s, %s %s" % (reg(self.readable()), sh, reg(self.readable())), True

    def arm_dp(self, dests=None, cond_ok=True):
        rng = self.rng
        op = rng.choice(DP_OPS)
        cond = self.cond(cond_ok)
        op2, regshift = self.arm_op2()
        rn_num = self.readable(allow_pc=not regshift)
        rn = reg(rn_num)
        if rn_num == 15 and op2.startswith("#") and "," not in op2:
            op2 = explicit_imm(int(op2[1:]))   # GAS mis-fixes "add rX, pc, #const"
        rd = reg(rng.choice(dests or self.data))
        if op in CMP_OPS:
            self.emit("%s%s %s, %s" % (op, cond, rn, op2))
        else:
            s = "s" if rng.random() < 0.5 else ""
            if op in MOVE_OPS:
                self.emit("%s%s%s %s, %s" % (op, s, cond, rd, op2))
            else:
                self.emit("%s%s%s %s, %s, %s" % (op, s, cond, rd, rn, op2))

    def arm_mul(self, cond_ok=True):
        rng = self.rng
        cond = self.cond(cond_ok)
        s = "s" if rng.random() < 0.4 else ""
        kind = rng.choice(["mul", "mla", "umull", "umlal", "smull", "smlal"])
        src = lambda: self.readable()  # noqa: E731
        if kind in ("mul", "mla"):
            rd = rng.choice(self.data)
            rm = rng.choice([r for r in list(range(15)) if r != rd])
            if kind == "mul":
                self.emit("mul%s%s %s, %s, %s" % (s, cond, reg(rd), reg(rm), reg(src())))
            else:
                self.emit("mla%s%s %s, %s, %s, %s" % (s, cond, reg(rd), reg(rm), reg(src()),
                                                       reg(src())))
        else:
            lo, hi = rng.sample(self.data, 2)
            rm = rng.choice([r for r in range(15) if r not in (lo, hi)])
            self.emit("%s%s%s %s, %s, %s, %s" % (kind, s, cond, reg(lo), reg(hi), reg(rm),
                                                 reg(src())))

    def arm_dsp(self, cond_ok=True):
        rng = self.rng
        cond = self.cond(cond_ok)
        xy = rng.choice("bt") + rng.choice("bt")
        y = rng.choice("bt")
        src = lambda: reg(self.readable())  # noqa: E731
        rd = reg(rng.choice(self.data))
        kind = rng.choice(["smla", "smul", "smlaw", "smulw", "smlal", "q", "q", "clz"])
        if kind == "smla":
            self.emit("smla%s%s %s, %s, %s, %s" % (xy, cond, rd, src(), src(), src()))
        elif kind == "smul":
            self.emit("smul%s%s %s, %s, %s" % (xy, cond, rd, src(), src()))
        elif kind == "smlaw":
            self.emit("smlaw%s%s %s, %s, %s, %s" % (y, cond, rd, src(), src(), src()))
        elif kind == "smulw":
            self.emit("smulw%s%s %s, %s, %s" % (y, cond, rd, src(), src()))
        elif kind == "smlal":
            lo, hi = rng.sample(self.data, 2)
            rm = rng.choice([r for r in range(15) if r not in (lo, hi)])
            self.emit("smlal%s%s %s, %s, %s, %s" % (xy, cond, reg(lo), reg(hi), reg(rm), src()))
        elif kind == "q":
            op = rng.choice(["qadd", "qsub", "qdadd", "qdsub"])
            self.emit("%s%s %s, %s, %s" % (op, cond, rd, src(), src()))
        else:
            self.emit("clz%s %s, %s" % (cond, rd, src()))

    def arm_mem(self, cond_ok=True, allow_writeback=True):
        """Single load/store.  Returns True if emitted."""
        rng = self.rng
        kind = rng.choice(["w", "w", "b", "b", "h", "sh", "sb", "d"])
        size = {"w": 4, "b": 1, "h": 2, "sh": 2, "sb": 1, "d": 8}[kind]
        load = True if kind in ("sh", "sb") else rng.random() < 0.55
        base = rng.choice(self.ptrs + [13])
        bval = self.vals[base]
        mode = rng.choice(["off", "off", "pre", "post"]) if allow_writeback else "off"
        wide_imm = kind in ("w", "b")
        # offset
        if rng.random() < 0.55 or not self.idxs:
            lim = 4095 if wide_imm else 255
            lo = max(-lim, SCRATCH - bval)
            hi = min(lim, SCRATCH + SCRATCH_SIZE - size - bval)
            if mode == "post":
                lo, hi = max(-lim, SCRATCH - bval), min(lim, SCRATCH + SCRATCH_SIZE - bval)
            if lo > hi:
                return False
            if rng.random() < 0.5:
                lo, hi = max(lo, -64), min(hi, 64)
                if lo > hi:
                    return False
            off = rng.randint(lo, hi)
            off -= (bval + off) % size if mode != "post" else 0
            if off < -lim or off > lim:
                return False
            offtxt = "#%d" % off
            rm = None
        else:
            rm = rng.choice(self.idxs)
            ival = self.vals[rm] - (1 << 32 if self.vals[rm] & 0x80000000 else 0)
            neg = rng.random() < 0.4
            shift = ""
            off = ival
            if wide_imm and rng.random() < 0.5:
                sh = rng.choice(["lsl", "asr"])
                n = rng.randrange(1, 4) if sh == "lsl" else rng.randrange(1, 4)
                off = ival << n if sh == "lsl" else ival >> n
                shift = ", %s #%d" % (sh, n)
            if neg:
                off = -off
            offtxt = "%s%s%s" % ("-" if neg else "", reg(rm), shift)
        ea = bval + off if mode != "post" else bval
        newb = bval + off
        align = 8 if kind == "d" else size
        if ea % align or not self.in_scratch(ea, size):
            return False
        if mode != "off" and not self.ptr_ok(newb):
            return False
        # destination / source register
        if kind == "d":
            pairs = [r for r in self.data if r % 2 == 0 and r != 14 and (r + 1) in self.data]
            if load:
                if not pairs:
                    return False
                rd = rng.choice(pairs)
            else:
                rd = rng.choice([r for r in range(0, 13, 2)])
            if mode != "off" and base in (rd, rd + 1):
                return False
            if rm is not None and load and rm in (rd, rd + 1):
                return False
        else:
            if load:
                rd = rng.choice(self.data)
            else:
                rd = rng.choice([r for r in range(15)])
            if mode != "off" and rd == base:
                return False
        cond = self.cond(cond_ok and mode == "off")
        mn = {"w": "ldr" if load else "str", "b": "ldrb" if load else "strb",
              "h": "ldrh" if load else "strh", "sh": "ldrsh", "sb": "ldrsb",
              "d": "ldrd" if load else "strd"}[kind] + cond
        rdtxt = "%s, %s" % (reg(rd), reg(rd + 1)) if kind == "d" else reg(rd)
        if mode == "off":
            addr = "[%s, %s]" % (reg(base), offtxt)
        elif mode == "pre":
            addr = "[%s, %s]!" % (reg(base), offtxt)
        else:
            addr = "[%s], %s" % (reg(base), offtxt)
        self.emit("%s %s, %s" % (mn, rdtxt, addr))
        if not load:
            self.touch(ea, size)
        if mode != "off":
            self.vals[base] = newb
        return True

    def arm_block(self, cond_ok=True):
        rng = self.rng
        base = rng.choice(self.ptrs + [13])
        bval = self.vals[base]
        if bval % 4:
            return False
        am = rng.choice(["ia", "ib", "da", "db"])
        load = rng.random() < 0.5
        user = rng.random() < 0.15
        wb = (not user) and rng.random() < 0.5
        n = rng.randint(1, 6)
        if load:
            cands = list(self.data)
        else:
            cands = [r for r in range(15) if not (wb and r == base)]
        n = min(n, len(cands))
        regs = sorted(rng.sample(cands, n))
        lo = {"ia": bval, "ib": bval + 4, "da": bval - 4 * n + 4, "db": bval - 4 * n}[am]
        if not self.in_scratch(lo, 4 * n):
            return False
        newb = bval + 4 * n if am in ("ia", "ib") else bval - 4 * n
        if wb and not self.ptr_ok(newb):
            return False
        cond = self.cond(cond_ok and not wb)
        self.emit("%s%s%s %s%s, {%s}%s" % ("ldm" if load else "stm", am, cond, reg(base),
                                         "!" if wb else "", ", ".join(reg(r) for r in regs),
                                         "^" if user else ""))
        if user:
            # v5: LDM(2)/STM(2) must not be followed by a banked-register access
            self.emit("nop")
        if not load:
            self.touch(lo, 4 * n)
        if wb:
            self.vals[base] = newb
        return True

    def arm_swp(self, cond_ok=True):
        rng = self.rng
        base = rng.choice(self.ptrs + [13])
        bval = self.vals[base]
        byte = rng.random() < 0.4
        if not self.in_scratch(bval, 4) or (not byte and bval % 4):
            return False
        rd = rng.choice(self.data)
        rm = rng.choice([r for r in range(15) if r != base])
        self.emit("swp%s%s %s, %s, [%s]" % ("b" if byte else "", self.cond(cond_ok),
                                            reg(rd), reg(rm), reg(base)))
        self.touch(bval, 1 if byte else 4)
        return True

    def arm_psr(self, cond_ok=True):
        rng = self.rng
        cond = self.cond(cond_ok)
        k = rng.choice(["mrs_cpsr", "mrs_spsr", "msr_f", "msr_spsr_f", "msr_spsr_c"])
        rd = reg(rng.choice(self.data))
        if k == "mrs_cpsr":
            self.emit("mrs%s %s, cpsr" % (cond, rd))
        elif k == "mrs_spsr":
            self.emit("mrs%s %s, spsr" % (cond, rd))
        elif k == "msr_f":
            self.emit("msr%s cpsr_f, #0x%08x" % (cond, rng.getrandbits(5) << 27))
        elif k == "msr_spsr_f":
            self.emit("msr%s spsr_f, #0x%08x" % (cond, rng.getrandbits(5) << 27))
        else:
            self.emit("msr%s spsr_c, #0x%02x" % (cond, (rng.getrandbits(3) << 5)
                                                 | rng.choice(VALID_SPSR_MODES)))

    def arm_mode_block(self):
        rng = self.rng
        name = rng.choice(list(MODES))
        mode = MODES[name]
        iflags = rng.choice([0xc0, 0xc0, 0x80, 0x40])
        self.emit("msr cpsr_c, #0x%02x  @ -> %s" % (mode | iflags, name))
        dests = list(self.data)
        if name == "fiq":
            dests = sorted(set(dests) | {8, 9, 10, 11, 12})
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.6:
                self.arm_dp(dests=dests)
            elif r < 0.75 and name != "sys":
                self.emit("mrs %s, spsr" % reg(rng.choice(dests)))
            elif r < 0.85 and name != "sys":
                self.emit("msr spsr_f, #0x%08x" % (rng.getrandbits(5) << 27))
            else:
                self.emit("mrs %s, cpsr" % reg(rng.choice(dests)))
        self.emit("msr cpsr_c, #0xd3  @ -> svc")

    def arm_safe_op(self):
        """An op that never changes pointer registers (for skipped regions)."""
        r = self.rng.random()
        if r < 0.5:
            self.arm_dp()
        elif r < 0.65:
            self.arm_mul()
        elif r < 0.75:
            self.arm_dsp()
        else:
            for _ in range(8):
                if self.arm_mem(allow_writeback=False):
                    return
            self.arm_dp()

    def arm_unit(self):
        rng = self.rng
        kind = rng.choices(
            ["dp", "mul", "dsp", "mem", "block", "swp", "psr", "mode", "skip", "bl", "lit",
             "interwork", "pld"],
            [30, 8, 9, 18, 7, 2, 4, 4, 4, 2, 2, 3, 1])[0]
        if kind == "dp":
            self.arm_dp()
        elif kind == "mul":
            self.arm_mul()
        elif kind == "dsp":
            self.arm_dsp()
        elif kind in ("mem", "block", "swp"):
            fn = {"mem": self.arm_mem, "block": self.arm_block, "swp": self.arm_swp}[kind]
            for _ in range(12):
                if fn():
                    return
            self.arm_dp()
        elif kind == "psr":
            self.arm_psr()
        elif kind == "mode":
            self.arm_mode_block()
        elif kind == "skip":
            lab = self.label()
            self.emit("b%s %s" % (rng.choice(CONDS), lab))
            for _ in range(rng.randint(1, 3)):
                self.arm_safe_op()
            self.lines.append("%s:" % lab)
        elif kind == "bl":
            lab = self.label()
            self.emit("bl %s" % lab)
            self.lines.append("%s:" % lab)
        elif kind == "interwork":
            self.arm_to_thumb_excursion()
        elif kind == "pld":  # v5TE preload hint: must behave as a NOP
            self.emit("pld [%s, #%d]" % (reg(rng.choice(self.ptrs + [13])), rng.randrange(-256, 256)))
        else:
            self.emit("ldr%s %s, =0x%08x" % (self.cond(), reg(rng.choice(self.data)),
                                            self.rand_value()))

    def arm_to_thumb_excursion(self):
        """BX Rm (Rm = a data register set by ADR) or BLX <label> into a few
        Thumb data-processing ops, back to ARM with Thumb BX pc."""
        rng = self.rng
        if not self.data_low:
            self.arm_dp()
            return
        lab = self.label()
        rx = [r for r in self.data if r != 14]
        if rx and rng.random() < 0.5:
            r = rng.choice(rx)
            self.emit("adr %s, %s + 1" % (reg(r), lab))
            self.emit("bx %s" % reg(r))
        else:
            self.emit("blx %s" % lab)
        self.emit(".thumb")
        self.emit(".thumb_func")
        self.lines.append("%s:" % lab)
        for _ in range(rng.randint(1, 3)):
            self.t_dp()
        self.emit(".align 2")
        self.emit("bx pc")
        self.emit("nop")
        self.emit(".arm")

    def thumb_to_arm_excursion(self):
        """Thumb BLX <label> into a few ARM ops, back with ARM BLX <label>."""
        rng = self.rng
        la, lb = self.label(), self.label()
        self.emit("blx %s" % la)
        self.emit(".align 2")
        self.emit(".arm")
        self.lines.append("%s:" % la)
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.7:
                self.arm_dp()
            else:
                self.arm_dsp()
        self.emit("blx %s" % lb)
        self.emit(".thumb")
        self.emit(".thumb_func")
        self.lines.append("%s:" % lb)


    # ============================================================ VFP
    def rand_f32(self):
        r = self.vrng
        k = r.random()
        if k < 0.3:
            return r.choice(F32_SPECIAL)
        if k < 0.45:
            return r.getrandbits(32)
        sign = r.getrandbits(1) << 31
        if k < 0.85:
            e = r.randrange(127 - 24, 127 + 34)        # around 1.0 and integers
        elif k < 0.93:
            e = r.randrange(0, 28)                     # denormal and tiny
        else:
            e = r.randrange(228, 255)                  # near overflow
        frac = r.getrandbits(23)
        if r.random() < 0.3:
            frac &= ~((1 << r.randrange(0, 23)) - 1)   # few significant bits: exact cases
        return sign | (e << 23) | frac

    def rand_f64(self):
        r = self.vrng
        k = r.random()
        if k < 0.3:
            return r.choice(F64_SPECIAL)
        if k < 0.45:
            return r.getrandbits(64)
        sign = r.getrandbits(1) << 63
        if k < 0.8:
            e = r.randrange(1023 - 53, 1023 + 34)
        elif k < 0.87:
            e = r.randrange(0, 60)
        elif k < 0.93:
            e = r.randrange(1023 - 160, 1023 - 100)    # f32 denormals when narrowed
        else:
            e = r.choice([r.randrange(1990, 2047), r.randrange(1023 + 120, 1023 + 135)])
        frac = r.getrandbits(52)
        if r.random() < 0.3:
            frac &= ~((1 << r.randrange(0, 52)) - 1)
        return sign | (e << 52) | frac

    def rand_dreg(self):
        if self.vrng.random() < 0.5:
            return self.rand_f64()
        return self.rand_f32() | (self.rand_f32() << 32)

    def rand_fpscr(self):
        r = self.vrng
        v = (r.getrandbits(4) << 28) | (r.getrandbits(2) << 22) | (r.getrandbits(6) & 0x1f)
        if r.random() < 0.35:
            v |= 1 << 24                 # FZ
        if r.random() < 0.3:
            v |= 1 << 25                 # DN
        if r.random() < 0.2:
            v |= 0x80                    # IDC
        if r.random() < 0.2:
            v |= r.getrandbits(32) & 0x0c089f00   # AHP, QC, FZ16, trap enables: masked
        if r.random() < 0.2:
            v |= (r.randrange(1, 8) << 16) | (r.getrandbits(2) << 20)   # LEN, STRIDE
        return v

    def vreg(self, dbl):
        return ("d%d" % self.rng.randrange(16)) if dbl else ("s%d" % self.rng.randrange(32))

    def vfp_dp(self):
        rng = self.rng
        dbl = rng.random() < 0.5
        t = ".f64" if dbl else ".f32"
        cond = self.cond()
        if rng.random() < 0.7:
            op = rng.choice(["vadd", "vsub", "vmul", "vnmul", "vdiv", "vmla", "vmls", "vnmla",
                             "vnmls", "vadd", "vmul"])
            self.emit("%s%s%s %s, %s, %s" % (op, cond, t, self.vreg(dbl), self.vreg(dbl),
                                             self.vreg(dbl)))
        else:
            op = rng.choice(["vmov", "vabs", "vneg", "vsqrt", "vsqrt"])
            self.emit("%s%s%s %s, %s" % (op, cond, t, self.vreg(dbl), self.vreg(dbl)))

    def vfp_cmp(self):
        rng = self.rng
        dbl = rng.random() < 0.5
        t = ".f64" if dbl else ".f32"
        op = rng.choice(["vcmp", "vcmpe"])
        src = "#0" if rng.random() < 0.25 else self.vreg(dbl)
        self.emit("%s%s%s %s, %s" % (op, self.cond(), t, self.vreg(dbl), src))
        if rng.random() < 0.75:
            self.emit("vmrs%s APSR_nzcv, fpscr" % self.cond())
            if rng.random() < 0.7:
                self.emit("mov%s %s, #%d" % (rng.choice(CONDS + ["vs", "hi", "ls"]),
                                             reg(rng.choice(self.data)), rng.randrange(256)))

    def vfp_cvt(self):
        rng = self.rng
        cond = self.cond()
        k = rng.choice(["f64.f32", "f32.f64", "toint", "toint", "fromint"])
        if k == "f64.f32":
            self.emit("vcvt%s.f64.f32 %s, %s" % (cond, self.vreg(True), self.vreg(False)))
        elif k == "f32.f64":
            self.emit("vcvt%s.f32.f64 %s, %s" % (cond, self.vreg(False), self.vreg(True)))
        elif k == "toint":
            r = rng.choice(["vcvt", "vcvtr"])
            dbl = rng.random() < 0.5
            self.emit("%s%s.%s32.%s %s, %s" % (r, cond, rng.choice("su"), "f64" if dbl else "f32",
                                               self.vreg(False), self.vreg(dbl)))
        else:
            dbl = rng.random() < 0.5
            self.emit("vcvt%s.%s.%s32 %s, %s" % (cond, "f64" if dbl else "f32", rng.choice("su"),
                                                 self.vreg(dbl), self.vreg(False)))

    def vfp_sysreg(self):
        rng = self.rng
        cond = self.cond()
        rd = reg(rng.choice(self.data))
        k = rng.choice(["rd_fpscr", "rd_fpscr", "wr_fpscr", "wr_fpscr", "rd_fpsid", "rd_fpexc",
                        "wr_fpexc", "fpinst"])
        if k == "rd_fpscr":
            self.emit("vmrs%s %s, fpscr" % (cond, rd))
        elif k == "wr_fpscr":
            self.emit("ldr %s, =0x%08x" % (rd, self.rand_fpscr()))
            self.emit("vmsr%s fpscr, %s" % (cond, rd))
        elif k == "rd_fpsid":
            self.emit("vmrs%s %s, fpsid" % (cond, rd))
        elif k == "rd_fpexc":
            self.emit("vmrs%s %s, fpexc" % (cond, rd))
        elif k == "wr_fpexc":     # EN stays set: the other bits read as zero
            self.emit("ldr %s, =0x%08x" % (rd, rng.getrandbits(32) | 0x40000000))
            self.emit("vmsr%s fpexc, %s" % (cond, rd))
        else:
            which = rng.choice(["fpinst", "fpinst2"])
            if rng.random() < 0.5:
                self.emit("vmsr%s %s, %s" % (cond, which, reg(self.readable())))
            else:
                self.emit("vmrs%s %s, %s" % (cond, rd, which))

    def vfp_xfer(self):
        rng = self.rng
        cond = self.cond()
        k = rng.choice(["s", "s", "ss", "d", "dx"])
        to_core = rng.random() < 0.5
        if k == "s":
            if to_core:
                self.emit("vmov%s %s, %s" % (cond, reg(rng.choice(self.data)), self.vreg(False)))
            else:
                self.emit("vmov%s %s, %s" % (cond, self.vreg(False), reg(self.readable())))
        elif k in ("ss", "d"):
            if k == "ss":
                n = rng.randrange(31)
                vtxt = "s%d, s%d" % (n, n + 1)
            else:
                vtxt = self.vreg(True)
            if to_core:
                a, b = rng.sample(self.data, 2)
                self.emit("vmov%s %s, %s, %s" % (cond, reg(a), reg(b), vtxt))
            else:
                self.emit("vmov%s %s, %s, %s" % (cond, vtxt, reg(self.readable()),
                                                 reg(self.readable())))
        else:
            d = "%s[%d]" % (self.vreg(True), rng.randrange(2))
            if to_core:
                self.emit("vmov%s.32 %s, %s" % (cond, reg(rng.choice(self.data)), d))
            else:
                self.emit("vmov%s.32 %s, %s" % (cond, d, reg(self.readable())))

    def vfp_mem(self):
        """VLDR/VSTR or a multiple transfer.  Returns True if emitted."""
        rng = self.rng
        base = rng.choice(self.ptrs + [13])
        bval = self.vals[base]
        if bval % 4:
            return False
        if rng.random() < 0.5:
            dbl = rng.random() < 0.5
            size = 8 if dbl else 4
            off = rng.randrange(-32, 33) * 4 if rng.random() < 0.7 else rng.randrange(-255, 256) * 4
            ea = bval + off
            if not self.in_scratch(ea, size):
                return False
            load = rng.random() < 0.5
            self.emit("%s%s %s, [%s, #%d]" % ("vldr" if load else "vstr", self.cond(),
                                              self.vreg(dbl), reg(base), off))
            if not load:
                self.touch(ea, size)
            return True
        dbl = rng.random() < 0.6
        load = rng.random() < 0.5
        xform = dbl and rng.random() < 0.25
        mode = rng.choice(["ia", "ia!", "db!"])
        if base == 13 and mode != "ia" and not xform and rng.random() < 0.5:
            mode = "push"
        if dbl:
            n = rng.randint(1, 6)
            first = rng.randrange(0, 17 - n)
            regs = "{d%d-d%d}" % (first, first + n - 1) if n > 1 else "{d%d}" % first
            words = 2 * n + (1 if xform else 0)
        else:
            n = rng.randint(1, 8)
            first = rng.randrange(0, 33 - n)
            regs = "{s%d-s%d}" % (first, first + n - 1) if n > 1 else "{s%d}" % first
            words = n
        lo = bval - 4 * words if mode in ("db!",) or (mode == "push" and not load) else bval
        if not self.in_scratch(lo, 4 * words):
            return False
        cond = self.cond(mode == "ia")
        if mode == "push":
            self.emit("%s%s %s" % ("vpop" if load else "vpush", cond, regs))
            newb = bval + 4 * words if load else bval - 4 * words
        else:
            wb = mode.endswith("!")
            am = mode[:2]
            if xform:
                mn = ("fldm" if load else "fstm") + am + "x"
            else:
                mn = ("vldm" if load else "vstm") + am
            self.emit("%s%s %s%s, %s" % (mn, cond, reg(base), "!" if wb else "", regs))
            newb = (bval + 4 * words if am == "ia" else bval - 4 * words) if wb else bval
        if not self.ptr_ok(newb):
            # the writeback went outside the pointer window: undo
            self.lines.pop()
            return False
        if not load:
            self.touch(lo, 4 * words)
        self.vals[base] = newb
        return True

    def vfp_literal(self):
        """PC-relative VLDR / VLDM (no writeback): reads nearby code words."""
        rng = self.rng
        if rng.random() < 0.7:
            dbl = rng.random() < 0.5
            self.emit("vldr%s %s, [pc, #%d]" % (self.cond(), self.vreg(dbl),
                                                rng.randrange(-16, 17) * 4))
        else:
            n = rng.randint(1, 4)
            first = rng.randrange(0, 33 - n)
            self.emit("vldmia%s pc, {s%d-s%d}" % (self.cond(), first, first + n - 1)
                      if n > 1 else "vldmia%s pc, {s%d}" % (self.cond(), first))

    def vfp_unit(self):
        rng = self.rng
        kind = rng.choices(["dp", "cmp", "cvt", "sys", "xfer", "mem", "lit"],
                           [34, 12, 18, 7, 12, 17, 2])[0]
        if kind == "dp":
            self.vfp_dp()
        elif kind == "cmp":
            self.vfp_cmp()
        elif kind == "cvt":
            self.vfp_cvt()
        elif kind == "sys":
            self.vfp_sysreg()
        elif kind == "xfer":
            self.vfp_xfer()
        elif kind == "lit":
            self.vfp_literal()
        else:
            for _ in range(12):
                if self.vfp_mem():
                    return
            self.vfp_dp()

    # ====================================================== Thumb state
    def t_low_any(self):
        return self.rng.randrange(8)

    def t_dp(self):
        rng = self.rng
        d = lambda: rng.choice(self.data_low)  # noqa: E731
        a = self.t_low_any
        k = rng.choices(["shimm", "addsub3", "imm8", "alu", "hi", "adr"], [4, 3, 3, 8, 4, 1])[0]
        if k == "shimm":
            sh = rng.choice(["lsls", "lsrs", "asrs"])
            n = rng.randrange(0, 32) if sh == "lsls" else rng.randrange(1, 33)
            self.emit("%s r%d, r%d, #%d" % (sh, d(), a(), n))
        elif k == "addsub3":
            op = rng.choice(["adds", "subs"])
            if rng.random() < 0.5:
                self.emit("%s r%d, r%d, r%d" % (op, d(), a(), a()))
            else:
                self.emit("%s r%d, r%d, #%d" % (op, d(), a(), rng.randrange(8)))
        elif k == "imm8":
            op = rng.choice(["movs", "cmp", "adds", "subs"])
            rd = a() if op == "cmp" else d()
            self.emit("%s r%d, #%d" % (op, rd, rng.getrandbits(8)))
        elif k == "alu":
            op = rng.choice(["ands", "eors", "lsls", "lsrs", "asrs", "adcs", "sbcs", "rors",
                             "tst", "negs", "cmp", "cmn", "orrs", "muls", "bics", "mvns"])
            if op in ("tst", "cmp", "cmn"):
                self.emit("%s r%d, r%d" % (op, a(), a()))
            elif op == "muls":
                rd = d()
                rm = rng.choice([r for r in range(8) if r != rd])
                self.emit("muls r%d, r%d, r%d" % (rd, rm, rd))
            elif op in ("negs", "mvns"):
                self.emit("%s r%d, r%d" % (op, d(), a()))
            else:
                rd = d()
                self.emit("%s r%d, r%d, r%d" % (op, rd, rd, a()))
        elif k == "hi":
            op = rng.choice(["add", "mov", "cmp"])
            for _ in range(20):
                if op == "cmp":
                    rn, rm = rng.choice(range(15)), rng.choice(range(15))
                else:
                    rn = rng.choice(self.data)
                    rm = 15 if rng.random() < 0.1 else rng.choice(range(15))
                if rn >= 8 or rm >= 8:
                    break
            else:
                rn, rm = rng.choice([8, 9, 10, 11, 12, 14]), rng.randrange(8)
            self.emit("%s %s, %s" % (op, reg(rn), reg(rm)))
        else:
            src = rng.choice(["pc", "sp"])
            self.emit("add r%d, %s, #%d" % (d(), src, rng.randrange(0, 256) * 4))

    def t_mem(self, allow_writeback=True):
        rng = self.rng
        k = rng.choices(["imm", "reg", "sp", "lit", "ldm", "push", "spadj"],
                        [6, 6, 3, 1, 3, 2, 1] if allow_writeback else [6, 6, 3, 1, 0, 0, 0])[0]
        if k == "lit":
            self.emit("ldr r%d, =0x%08x" % (rng.choice(self.data_low), self.rand_value()))
            return True
        if k == "imm":
            size = rng.choice([4, 1, 2])
            load = rng.random() < 0.55
            base = rng.choice(self.ptrs)
            bval = self.vals[base]
            off = rng.randrange(32) * size
            ea = bval + off
            if ea % size or not self.in_scratch(ea, size):
                return False
            rd = rng.choice(self.data_low) if load else rng.randrange(8)
            mn = {4: "ldr", 1: "ldrb", 2: "ldrh"}[size] if load else {4: "str", 1: "strb", 2: "strh"}[size]
            self.emit("%s r%d, [r%d, #%d]" % (mn, rd, base, off))
            if not load:
                self.touch(ea, size)
            return True
        if k == "reg":
            mn = rng.choice(["ldr", "str", "ldrb", "strb", "ldrh", "strh", "ldrsb", "ldrsh"])
            size = {"ldr": 4, "str": 4, "ldrb": 1, "strb": 1, "ldrh": 2, "strh": 2,
                    "ldrsb": 1, "ldrsh": 2}[mn]
            base = rng.choice(self.ptrs)
            rm = self.idxs[0]
            ival = self.vals[rm] - (1 << 32 if self.vals[rm] & 0x80000000 else 0)
            ea = self.vals[base] + ival
            if ea % size or not self.in_scratch(ea, size):
                return False
            load = mn.startswith("ldr")
            rd = rng.choice(self.data_low) if load else rng.randrange(8)
            self.emit("%s r%d, [r%d, r%d]" % (mn, rd, base, rm))
            if not load:
                self.touch(ea, size)
            return True
        if k == "sp":
            load = rng.random() < 0.5
            off = rng.randrange(0, 256) * 4
            if rng.random() < 0.7:
                off = rng.randrange(0, 16) * 4
            ea = self.vals[13] + off
            if ea % 4 or not self.in_scratch(ea, 4):
                return False
            rd = rng.choice(self.data_low) if load else rng.randrange(8)
            self.emit("%s r%d, [sp, #%d]" % ("ldr" if load else "str", rd, off))
            if not load:
                self.touch(ea, 4)
            return True
        if k == "ldm":
            base = rng.choice(self.ptrs)
            bval = self.vals[base]
            load = rng.random() < 0.5
            cands = self.data_low if load else [r for r in range(8) if r != base]
            n = rng.randint(1, min(5, len(cands)))
            regs = sorted(rng.sample(cands, n))
            if bval % 4 or not self.in_scratch(bval, 4 * n) or not self.ptr_ok(bval + 4 * n):
                return False
            self.emit("%s r%d!, {%s}" % ("ldmia" if load else "stmia", base,
                                         ", ".join("r%d" % r for r in regs)))
            if not load:
                self.touch(bval, 4 * n)
            self.vals[base] = bval + 4 * n
            return True
        if k == "push":
            sp = self.vals[13]
            if rng.random() < 0.5:
                regs = sorted(rng.sample(range(8), rng.randint(1, 4)))
                lr = rng.random() < 0.4
                n = len(regs) + lr
                if sp % 4 or not self.in_scratch(sp - 4 * n, 4 * n):
                    return False
                self.emit("push {%s}" % ", ".join(["r%d" % r for r in regs] + (["lr"] if lr else [])))
                self.touch(sp - 4 * n, 4 * n)
                self.vals[13] = sp - 4 * n
            else:
                regs = sorted(rng.sample(self.data_low, rng.randint(1, min(4, len(self.data_low)))))
                n = len(regs)
                if sp % 4 or not self.in_scratch(sp, 4 * n):
                    return False
                self.emit("pop {%s}" % ", ".join("r%d" % r for r in regs))
                self.vals[13] = sp + 4 * n
            return True
        # spadj
        amount = rng.randrange(0, 128) * 4
        if rng.random() < 0.7:
            amount = rng.randrange(0, 16) * 4
        up = rng.random() < 0.5
        newsp = self.vals[13] + (amount if up else -amount)
        if not self.ptr_ok(newsp):
            return False
        self.emit("%s sp, #%d" % ("add" if up else "sub", amount))
        self.vals[13] = newsp
        return True

    def t_safe_op(self):
        if self.rng.random() < 0.6:
            self.t_dp()
        else:
            for _ in range(8):
                if self.t_mem(allow_writeback=False):
                    return
            self.t_dp()

    def thumb_unit(self):
        rng = self.rng
        kind = rng.choices(["dp", "mem", "skip", "bl", "interwork"], [55, 30, 6, 2, 3])[0]
        if kind == "dp":
            self.t_dp()
        elif kind == "mem":
            for _ in range(12):
                if self.t_mem():
                    return
            self.t_dp()
        elif kind == "skip":
            lab = self.label()
            self.emit("b%s %s" % (rng.choice(CONDS), lab))
            for _ in range(rng.randint(1, 3)):
                self.t_safe_op()
            self.lines.append("%s:" % lab)
        elif kind == "bl":
            lab = self.label()
            self.emit("bl %s" % lab)
            self.lines.append("%s:" % lab)
        else:
            self.thumb_to_arm_excursion()

    # ============================================================ output
    def generate(self):
        n = self.rng.randint(4, 16)
        for _ in range(n):
            if self.isa == "arm":
                self.arm_unit()
            elif self.isa == "vfp":
                if self.rng.random() < 0.55:
                    self.vfp_unit()
                else:
                    self.arm_unit()
            else:
                self.thumb_unit()
        return self

    def record_words(self):
        regs = [self.init_vals[r] for r in range(15)]
        words = regs + [self.flags, self.seed, self.spsr_svc] + self.fiq + self.irq + self.abt
        words += self.usr + self.und + [self.fpscr]
        for d in self.vfp_d:
            words += [d & 0xffffffff, d >> 32]
        assert len(words) == REC_WORDS_FIXED
        return words

    def source(self):
        """The sequence body as assembly lines (what the report shows)."""
        return list(self.lines)


def generate(seed, count, isa):
    """Returns the list of generated sequences (Gen objects)."""
    rng = random.Random("driftlab-fuzz:%s:%d" % (isa, seed))
    return [Gen(rng, isa, i, seed).generate() for i in range(count)]


def render(seqs, isa, seed):
    out = ["@ generated by tests/fuzz/gen.py --seed %d --count %d --isa %s" % (seed, len(seqs), isa),
           "    .syntax unified", "    .fpu vfp", ""]
    for g in seqs:
        name = "fz_seq_%d" % g.index
        out.append("@ ==== seq %d ====" % g.index)
        out.append("    .text")
        out.append("    .align 2")
        if isa in ("arm", "vfp"):
            out.append("    .arm")
            out.append("%s:" % name)
            out.extend(g.lines)
            out.append("    b fz_seq_end")
        else:
            out.append("    .thumb")
            out.append("    .thumb_func")
            out.append("%s:" % name)
            out.extend(g.lines)
            out.append("    .align 2")
            out.append("    bx pc          @ back to ARM state, no register used")
            out.append("    nop")
            out.append("    .arm")
            out.append("    b fz_seq_end")
        out.append("    .ltorg")
        out.append("@ ==== end seq %d ====" % g.index)
        out.append("")
    out.append("    .data")
    out.append("    .align 2")
    for g in seqs:
        words = g.record_words()
        touched = sorted(g.touched)
        out.append("fz_rec_%d:" % g.index)
        for i in range(0, REC_WORDS_FIXED, 6):
            out.append("    .word " + ", ".join("0x%08x" % w for w in words[i:i + 6]))
        out.append("    .word fz_seq_%d" % g.index)   # Thumb symbols carry bit 0
        out.append("    .word %d" % len(touched))
        if touched:
            for i in range(0, len(touched), 8):
                out.append("    .word " + ", ".join("0x%04x" % t for t in touched[i:i + 8]))
    out.append("    .global fz_seq_table")
    out.append("fz_seq_table:")
    out.append("    .word %d" % len(seqs))
    for g in seqs:
        out.append("    .word fz_rec_%d" % g.index)
    out.append("")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--isa", choices=["arm", "thumb", "vfp"], required=True)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args(argv)
    text = render(generate(args.seed, args.count, args.isa), args.isa, args.seed)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
