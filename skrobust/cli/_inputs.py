"""The commands' input files, read strictly: every error names the file and line.

Formats (also in each command's ``--help`` and the user guide):

* features: a ``.npy`` array of shape (n_photos, n_features), one row per photo, as
  ``skrobust featurize`` writes it; its sidecar ``<stem>.photos.txt`` names the
  photo of each row, one path per line.
* tags: a UTF-8 text file with one line per photo, in the order of the feature rows;
  each line holds that photo's user tags in the uploader's order, separated by commas
  and/or whitespace (a tag is one word: write ``new_york``, not ``new york``). An
  empty line is a photo without tags.
* clean labels: see ``_clean_labels``.
"""

import re

import numpy as np

# The loaders' strict reader: UTF-8, split on "\n" only (str.splitlines would also
# split on U+2028, form feeds..., shifting every later photo's line), undecodable
# bytes reported by file, line and column.
from skrobust._persistence._npy import open_regular_file, read_npy
from skrobust.datasets._text import read_lines

_SEPARATORS = re.compile(r"[,\s]+")
_NPY_MAGIC = b"\x93NUMPY"


def split_tags(line):
    """The tags on one line: separated by commas and/or whitespace."""
    return [tag for tag in _SEPARATORS.split(line.strip()) if tag]


def read_features(path):
    """A 2-D finite float array from a ``.npy`` file (never unpickled).

    The header's declared size is checked against the file's before anything is
    allocated (a crafted header cannot ask for terabytes), and only a regular file
    is read (not a FIFO or a device).
    """
    f, _ = open_regular_file(path, "features file")  # a FIFO would block open()
    with f:
        magic = f.read(len(_NPY_MAGIC))
    if magic != _NPY_MAGIC:
        raise ValueError(f"{path}: not a .npy file (it does not start as one; an .npz "
                         "or text file?)")
    try:
        X = read_npy(path)
    except ValueError as exc:
        message = str(exc).replace(repr(str(path)), "").strip(" .")
        raise ValueError(f"{path}: cannot read it as a .npy array: {message}") from None
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{path}: expected a 2-D array with one row per photo, got "
                         f"shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError(f"{path}: expected real numbers, got dtype {X.dtype}")
    X = X.astype(np.float32, copy=False)
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"{path}: {int(bad.sum())} values are not finite, the first "
                         f"in row {row + 1}, column {col + 1}")
    return X


def read_photo_list(path, n_rows=None):
    """The photo of each feature row (the ``.photos.txt`` sidecar)."""
    photos = read_lines(path)
    for number, photo in enumerate(photos, start=1):
        if not photo.strip():
            raise ValueError(f"{path}, line {number}: empty photo path")
    if n_rows is not None and len(photos) != n_rows:
        raise ValueError(f"{path} names {len(photos)} photos, but the features have "
                         f"{n_rows} rows")
    return photos


def read_tags(path, n_rows):
    """One list of tags per photo; the file must have one line per feature row."""
    lines = read_lines(path)
    if len(lines) != n_rows:
        raise ValueError(f"{path} has {len(lines)} lines, but the features have {n_rows} "
                         "rows: the tags file needs one line per photo, in the same order")
    return [split_tags(line) for line in lines]
