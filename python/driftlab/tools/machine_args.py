"""The machine every run here uses, on emu-arm and on QEMU 7.2 alike: the
versatilepb board (ARM926EJ-S) with 128 MiB of RAM and no display, and for
the bare-metal guests semihosting (their arguments and exit status). The
Linux guest has no semihosting; a test may ask for another RAM size."""

RAM = "128M"


def machine_args(ram=RAM, semihosting=True):
    """["-M", "versatilepb", "-m", RAM, "-nographic", "-semihosting"], a new
    list each call (callers extend it)."""
    return ["-M", "versatilepb", "-m", str(ram), "-nographic"] + (
        ["-semihosting"] if semihosting else [])
