"""Row sources: read rows ``[start, stop)`` of a matrix that lives on disk or in memory.

A source is one or several parts stacked by rows. A part is

* a ``.npy`` file, read with positioned reads (``seek`` + ``readinto``) into a fresh
  buffer per chunk. Nothing stays mapped, so the process holds one chunk at a time
  whatever the file size; the pages go through the OS page cache, which is not
  counted in the process's resident memory and is reclaimed under pressure;
* a ``.npz`` file written by :func:`scipy.sparse.save_npz` (loaded whole: a CSR tag
  matrix costs about 8 bytes per tag, small next to the features);
* an in-memory array, ``np.memmap`` or scipy.sparse matrix, sliced.
"""

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from skrobust.datasets._text import ARCHIVE_ERRORS, damaged_zip_member


def _require_file(path, what):
    """FileNotFoundError naming ``path`` unless it is a file."""
    if not os.path.isfile(path):
        why = "is a directory, not a file" if os.path.isdir(path) else "no such file"
        raise FileNotFoundError(f"{what} {path!r}: {why}.")


class _NpyFilePart:
    """A ``.npy`` file read by rows without keeping it mapped."""

    def __init__(self, path):
        self.path = os.fspath(path)
        _require_file(self.path, "The .npy file")
        try:
            # Opening as a memmap parses the header and checks that the file is as
            # long as its header says (a truncated file fails here); no data pages
            # are read, and the mapping is closed right away.
            mapped = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as err:
            raise ValueError(f"Cannot read {self.path!r} as a .npy array: {err}") from err
        try:
            if not isinstance(mapped, np.memmap):  # a 0-d array or other oddity
                raise ValueError(f"{self.path!r} does not hold a memory-mappable array.")
            if mapped.ndim not in (1, 2):
                raise ValueError(
                    f"{self.path!r} holds a {mapped.ndim}-D array; rows need 1-D or 2-D."
                )
            if mapped.ndim == 2 and not mapped.flags.c_contiguous and mapped.shape[0] > 1:
                raise ValueError(
                    f"{self.path!r} is stored in Fortran order; rows of it are not "
                    "contiguous on disk. Save it in C order (np.ascontiguousarray)."
                )
            self.shape = mapped.shape
            self.dtype = mapped.dtype
            self.offset = mapped.offset
        finally:
            if getattr(mapped, "_mmap", None) is not None:
                mapped._mmap.close()
            del mapped
        self.sparse = False

    def read(self, start, stop):
        shape = (stop - start,) + self.shape[1:]
        out = np.empty(shape, dtype=self.dtype)
        row_bytes = self.dtype.itemsize * int(np.prod(self.shape[1:], dtype=np.int64))
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * row_bytes)
            n_read = f.readinto(out)  # fills the buffer in place: no second copy
        if n_read != out.nbytes:
            raise ValueError(
                f"{self.path!r} is truncated: rows {start}-{stop - 1} need "
                f"{out.nbytes} bytes from byte {self.offset + start * row_bytes}, "
                f"only {n_read} could be read."
            )
        return out

    def describe(self):
        return repr(self.path)


class _InMemoryPart:
    """An array, ``np.memmap`` or scipy.sparse matrix, sliced by rows."""

    def __init__(self, data, name, path=None):
        self.path = path  # the .npz file it was loaded from, if any
        if sp.issparse(data):
            data = data.tocsr()  # row slicing of CSR costs only the rows taken
        elif not hasattr(data, "shape") or not hasattr(data, "__getitem__"):
            data = np.asarray(data)
        if len(data.shape) not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D; got shape {data.shape}.")
        self.data = data
        self.shape = tuple(data.shape)
        self.dtype = data.dtype
        self.sparse = sp.issparse(data)
        self.name = name

    def read(self, start, stop):
        rows = self.data[start:stop]
        # Slicing a memmap or an array gives a view: the caller's data is never
        # written to (partial_fit does not modify its input).
        return rows if self.sparse else np.asarray(rows)

    def describe(self):
        return self.name


def _make_part(item, name):
    if isinstance(item, (str, os.PathLike)):
        path = os.fspath(item)
        if path.endswith(".npz"):
            _require_file(path, "The .npz file")
            try:
                matrix = sp.load_npz(path)
            except (*ARCHIVE_ERRORS, ValueError, KeyError) as err:
                member = damaged_zip_member(path)
                where = f" (damaged member {member!r})" if member else ""
                raise ValueError(
                    f"Cannot read {path!r}{where} as a scipy.sparse .npz matrix: "
                    f"{type(err).__name__}: {err}"
                ) from err
            return _InMemoryPart(matrix, repr(path), path=path)
        return _NpyFilePart(path)
    return _InMemoryPart(item, name)


@dataclass(frozen=True)
class _Span:
    part: int
    start: int  # rows within the part
    stop: int


class RowSource:
    """One matrix made of parts stacked by rows.

    Parameters
    ----------
    data : path, array-like, sparse matrix, or list of these
        The parts, in row order.
    name : str
        What error messages call it ("X", "Y").
    """

    def __init__(self, data, name):
        items = list(data) if isinstance(data, (list, tuple)) else [data]
        if not items:
            raise ValueError(f"{name} is an empty list of parts.")
        self.name = name
        self.parts = [
            _make_part(item, f"{name}[{i}]" if len(items) > 1 else name)
            for i, item in enumerate(items)
        ]
        first = self.parts[0]
        for part in self.parts[1:]:
            if part.shape[1:] != first.shape[1:]:
                raise ValueError(
                    f"The parts of {name} disagree on their columns: {first.describe()} "
                    f"has shape {first.shape}, {part.describe()} has shape {part.shape}."
                )
            if part.sparse != first.sparse:
                raise ValueError(f"The parts of {name} mix dense and sparse matrices.")
        self.bounds = np.cumsum([0] + [part.shape[0] for part in self.parts])
        self.n_rows = int(self.bounds[-1])
        self.trailing_shape = first.shape[1:]
        self.sparse = first.sparse

    def _spans(self, start, stop):
        first = int(np.searchsorted(self.bounds, start, side="right")) - 1
        spans = []
        for i in range(first, len(self.parts)):
            lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
            if lo >= stop:
                break
            spans.append(_Span(i, max(start, lo) - lo, min(stop, hi) - lo))
        return spans

    def read(self, start, stop):
        """Rows ``[start, stop)`` as one array (or CSR matrix)."""
        pieces = [self.parts[s.part].read(s.start, s.stop) for s in self._spans(start, stop)]
        if len(pieces) == 1:
            return pieces[0]
        if self.sparse:
            return sp.vstack(pieces, format="csr")
        return np.concatenate(pieces, axis=0)

    def describe(self, start, stop):
        """Where rows ``[start, stop)`` live, e.g. ``'a.npy' rows 0-99``."""
        return ", ".join(
            f"{self.parts[s.part].describe()} rows {s.start}-{s.stop - 1}"
            for s in self._spans(start, stop)
        )
