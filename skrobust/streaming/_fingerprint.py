"""A fingerprint of a ChunkedDataset's data, so that a resumed fit sees changed data.

Per part of X and of Y: its shape and dtype, for a file its size and modification
time, and the sha256 of a few rows sampled evenly from first to last. Reading the
sampled rows costs a few small reads, whatever the data's size; the price is that a
change to other rows of an in-memory array (whose files, if any, are not known) goes
unseen.
"""

import datetime
import hashlib
import os

import numpy as np
import scipy.sparse as sp

SAMPLED_ROWS = 32


def _sampled_rows(n_rows):
    return np.unique(np.linspace(0, n_rows - 1, num=min(n_rows, SAMPLED_ROWS)).round()).astype(
        np.int64
    )


def _rows_hash(part):
    digest = hashlib.sha256()
    for row in _sampled_rows(part.shape[0]).tolist():
        try:
            block = part.read(row, row + 1)
        except (ValueError, OSError):
            # A truncated file: the fit itself names the chunk that cannot be read.
            digest.update(b"unreadable row %d" % row)
            continue
        if sp.issparse(block):
            pieces = (block.indptr, block.indices, block.data)
        else:
            pieces = (np.asarray(block),)
        for piece in pieces:
            digest.update(np.ascontiguousarray(piece).tobytes())
    return digest.hexdigest()


def _part_fingerprint(part):
    entry = {"where": part.describe(), "shape": list(part.shape), "dtype": str(part.dtype)}
    if getattr(part, "path", None) is not None:
        status = os.stat(part.path)
        entry["size"] = int(status.st_size)
        entry["mtime_ns"] = int(status.st_mtime_ns)
    entry["sampled_rows_sha256"] = _rows_hash(part)
    return entry


def data_fingerprint(data):
    """The fingerprint of a :class:`~skrobust.streaming.ChunkedDataset` (JSON-able)."""
    return {
        name: [_part_fingerprint(part) for part in source.parts]
        for name, source in (("X", data.X), ("Y", data.Y))
    }


def _shown(key, value):
    if key == "mtime_ns" and isinstance(value, int):
        moment = datetime.datetime.fromtimestamp(value / 1e9, tz=datetime.timezone.utc)
        return moment.isoformat(timespec="microseconds")
    return value


_COMPARED = (
    ("shape", "shape"),
    ("dtype", "dtype"),
    ("size", "file size"),
    ("mtime_ns", "modification time"),
    ("sampled_rows_sha256", "sha256 of the sampled rows"),
)


def fingerprint_differences(saved, current):
    """What differs between two fingerprints, one sentence each (empty if nothing).

    Paths are not compared: data moved to another folder is the same data.
    """
    differences = []
    for name in ("X", "Y"):
        before, now = saved.get(name, []), current.get(name, [])
        if len(before) != len(now):
            differences.append(f"{name} had {len(before)} parts, now {len(now)}")
            continue
        for i, (old, new) in enumerate(zip(before, now)):
            label = f"{name}[{i}]" if len(now) > 1 else name
            for key, what in _COMPARED:
                if old.get(key) != new.get(key):
                    differences.append(
                        f"{label} ({new['where']}): {what} was {_shown(key, old.get(key))}, "
                        f"is {_shown(key, new.get(key))}"
                    )
    return differences
