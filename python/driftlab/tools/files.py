"""Reading result files one way everywhere: a file's SHA-256 (records, the
emulator binary, guest images) and a CSV table (analysis tables)."""
import csv
import hashlib

_RAISE = object()


def sha256_file(path, unreadable=_RAISE):
    """The hex SHA-256 of a file's bytes, read in 1 MiB blocks. When it cannot
    be read: `unreadable` if given, else the OSError."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        if unreadable is _RAISE:
            raise
        return unreadable
    return h.hexdigest()


def read_csv(path):
    """A CSV file with a header line, as a list of {column: text} rows."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
