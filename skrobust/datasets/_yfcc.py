"""YFCC100M metadata: a streaming reader of photo ids, uploader ids and user tags.

The metadata file has one tab-separated line per photo or video. Two column
layouts exist, told apart by their number of fields:

25 fields, ``yfcc100m_dataset`` (2016 release, with line numbers and hashes):
    0 line number, 1 photo/video id, 2 photo/video hash, 3 user NSID,
    4 user nickname, 5 date taken, 6 date uploaded, 7 capture device, 8 title,
    9 description, 10 user tags, 11 machine tags, 12 longitude, 13 latitude,
    14 accuracy, 15 page URL, 16 download URL, 17 licence name, 18 licence URL,
    19 server id, 20 farm id, 21 secret, 22 secret original, 23 extension,
    24 marker (0 photo, 1 video).
23 fields, ``yfcc100m_dataset-0`` .. ``-9`` (2014 Webscope release): the same
    without the line number and the hash.

User tags are comma-separated and URL-encoded, with ``+`` for a space
(``new+york%21`` is "new york!").
"""

import bz2
import gzip
import lzma
import os
from collections import namedtuple
from urllib.parse import unquote_plus

import numpy as np

# Column indices (photo id, user NSID, user tags, marker) of each layout.
_LAYOUTS = {25: (1, 3, 10, 24), 23: (0, 1, 8, 22)}
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

YFCCChunk = namedtuple("YFCCChunk", ["photo_ids", "user_ids", "tags"])
YFCCChunk.__doc__ = """One chunk of YFCC100M metadata, as yielded by :func:`iter_yfcc100m`.

A named tuple ``(photo_ids, user_ids, tags)``.

Attributes
----------
photo_ids : ndarray of int64, shape (n,)
    Flickr photo ids.
user_ids : ndarray of str, shape (n,)
    The uploader's Flickr NSID (e.g. ``"12345678@N00"``): pass as ``groups`` to
    sklearn's GroupShuffleSplit / GroupKFold to keep each user on one side.
tags : list of n lists of str
    Decoded user tags, in the file's order.

Examples
--------
>>> import numpy as np
>>> from skrobust.datasets import YFCCChunk
>>> chunk = YFCCChunk(np.array([42]), np.array(["12345678@N00"]), [["sky", "sea"]])
>>> photo_ids, user_ids, tags = chunk
>>> chunk.tags
[['sky', 'sea']]
"""


def _open_text(path):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"YFCC100M metadata file not found: {path!r}")
    opener = _OPENERS.get(os.path.splitext(path)[1].lower(), open)
    # Titles and descriptions may hold any bytes; the columns we read are ASCII.
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="\n")


def iter_yfcc100m(path, *, chunk_size=100_000, skip_videos=True):
    """Stream a YFCC100M metadata file as chunks of (photo ids, user ids, tags).

    Only one chunk is held in memory, so the 100-million-line file can be read
    on a small machine. Files ending in ``.gz``, ``.bz2`` or ``.xz`` are
    decompressed on the fly. The column layout (25 or 23 fields, see
    :mod:`skrobust.datasets._yfcc`) is recognised from the first line.

    Parameters
    ----------
    path : str or path-like
        The metadata file, e.g. ``yfcc100m_dataset`` or ``yfcc100m_dataset.bz2``.
    chunk_size : int, default=100_000
        Lines (photos kept) per chunk; the last chunk may be shorter.
    skip_videos : bool, default=True
        Drop lines whose marker says video (1).

    Yields
    ------
    chunk : YFCCChunk
        ``(photo_ids, user_ids, tags)``: int64 array, str array, list of lists.

    Raises
    ------
    ValueError
        For a line with the wrong number of fields, a photo id that is not an
        integer or a marker other than 0/1 (file and line number in the message).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GroupShuffleSplit
    >>> from skrobust.datasets import iter_yfcc100m
    >>> chunks = list(iter_yfcc100m("yfcc100m_dataset.bz2"))  # doctest: +SKIP
    >>> ids = np.concatenate([c.photo_ids for c in chunks])  # doctest: +SKIP
    >>> users = np.concatenate([c.user_ids for c in chunks])  # doctest: +SKIP
    >>> split = GroupShuffleSplit(test_size=0.2, random_state=0)  # doctest: +SKIP
    >>> train, test = next(split.split(ids, groups=users))  # doctest: +SKIP
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    source = os.fspath(path)
    with _open_text(path) as lines:
        layout = None
        ids, users, tags = [], [], []
        for lineno, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if layout is None:
                layout = _LAYOUTS.get(len(fields))
                if layout is None:
                    raise ValueError(
                        f"{source}, line {lineno}: {len(fields)} tab-separated fields; "
                        "a YFCC100M metadata line has 25 (2016 release) or 23 (2014)."
                    )
                n_fields = len(fields)
                id_col, user_col, tag_col, marker_col = layout
            elif len(fields) != n_fields:
                raise ValueError(
                    f"{source}, line {lineno}: {len(fields)} fields, expected "
                    f"{n_fields} like the first line (truncated or corrupt line?)."
                )
            marker = fields[marker_col].strip()
            if marker not in ("0", "1"):
                raise ValueError(
                    f"{source}, line {lineno}: photo/video marker {marker!r} is not "
                    "0 or 1."
                )
            if skip_videos and marker == "1":
                continue
            try:
                ids.append(int(fields[id_col]))
            except ValueError:
                raise ValueError(
                    f"{source}, line {lineno}: photo id {fields[id_col]!r} is not an "
                    "integer."
                ) from None
            users.append(fields[user_col])
            raw = fields[tag_col]
            tags.append([unquote_plus(t) for t in raw.split(",") if t] if raw else [])
            if len(ids) == chunk_size:
                yield _chunk(ids, users, tags)
                ids, users, tags = [], [], []
        if ids:
            yield _chunk(ids, users, tags)


def _chunk(ids, users, tags):
    return YFCCChunk(np.array(ids, dtype=np.int64), np.array(users, dtype=str), tags)
