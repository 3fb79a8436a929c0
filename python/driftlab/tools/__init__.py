"""driftlab tools: the reproduction, the benchmarks and the helpers the sweep,
the analysis and the tests share.

    repro.py           `./driftlab repro`: the sweep, then the seed's, QEMU's and our figures
    bench*.py          `./driftlab bench emu|io|policies|linux`
    linux_guest.py     the Linux guest's kernel and root file system (build/linux/)
    machine_args.py    the versatilepb machine's arguments, the same for emu-arm and QEMU
    files.py           SHA-256 of a file, CSV reading
"""
