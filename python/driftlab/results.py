"""Reading driftlab's HDF5 results (docs/hdf5-schema.md) into pandas and numpy."""
import dataclasses
import json
import pathlib

import numpy as np

UNITS = {"host_ns": "ns", "guest_ns": "ns", "drift_ns": "ns"}


@dataclasses.dataclass
class Drift:
    """One run's drift series: host time since the run's (or region's) start,
    the guest's virtual time, and drift = guest - host (> 0: guest ahead)."""
    job_id: str
    host_ns: np.ndarray
    guest_ns: np.ndarray
    drift_ns: np.ndarray
    source: str                  # monitor-1kHz (emu-arm), console or monitor-info-jit (QEMU)
    units: dict = dataclasses.field(default_factory=lambda: dict(UNITS))

    def __len__(self):
        return len(self.drift_ns)

    def in_ms(self):
        """(host, drift) in milliseconds, for plotting."""
        return self.host_ns / 1e6, self.drift_ns / 1e6


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    return v


class Results:
    """A merged sweep (`./driftlab merge`, a `datasets/*/results.h5`) or a
    single run's record (`emu-arm -record FILE`)."""

    def __init__(self, path):
        import h5py
        self.path = pathlib.Path(path)
        with h5py.File(self.path, "r") as f:
            self.merged = "summary" in f and isinstance(f["summary"], h5py.Dataset)
            self.runs = self._runs(f)
            self.provenance = self._provenance(f)

    def _runs(self, f):
        import pandas as pd
        if self.merged:
            table = f["summary"][()]
            cols = {n: [_text(v) for v in table[n]] for n in table.dtype.names}
            return pd.DataFrame(cols)
        row = {k: _text(v) for k, v in f.attrs.items()}
        if "summary" in f:
            row.update({k: _text(v) for k, v in f["summary"].attrs.items()})
        row["job_id"] = self.path.stem
        return pd.DataFrame([row])

    def _provenance(self, f):
        if "provenance" not in f:
            return {}
        g = f["provenance"]
        out = {k: _text(v) for k, v in g.attrs.items()}
        if "manifest_json" in g:
            raw = g["manifest_json"][()]
            try:
                out["manifest"] = json.loads(_text(raw) if not isinstance(raw, np.ndarray)
                                             else bytes(raw).decode())
            except (ValueError, TypeError):
                pass
        return out

    def __len__(self):
        return len(self.runs)

    def __repr__(self):
        return f"<driftlab.Results {self.path.name}: {len(self)} runs>"

    def drift(self, run=None):
        """The drift series of one run: its job id, a row of `runs`, or
        nothing for a single run's record."""
        import h5py
        if run is None:
            if len(self.runs) != 1:
                raise ValueError(f"{self.path} holds {len(self)} runs: name one (runs.job_id)")
            run = self.runs.job_id.iloc[0]
        job = run if isinstance(run, str) else run["job_id"]
        with h5py.File(self.path, "r") as f:
            g = f["runs"][job] if self.merged else f
            if "drift" not in g:
                raise KeyError(f"run {job} has no drift series")
            d = g["drift"]
            host = d["host_ns"][()].astype(np.int64)
            drift = d["drift_ns"][()].astype(np.int64)
            # packed datasets drop guest_ns (it is host + drift)
            guest = d["guest_ns"][()].astype(np.int64) if "guest_ns" in d else host + drift
            return Drift(job, host, guest, drift, _text(d.attrs.get("source", "")))


def load(path):
    """A results file or a dataset directory (its results.h5)."""
    p = pathlib.Path(path)
    if p.is_dir():
        p = p / "results.h5"
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such results file")
    return Results(p)
