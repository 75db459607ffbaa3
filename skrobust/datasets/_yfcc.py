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
(``new+york%21`` is "new york!"); the %-escapes encode UTF-8.

The file is read strictly: lines split at ``"\n"`` only, UTF-8 (the release is
ASCII: its text fields are URL-encoded), every line checked.
"""

import bz2
import gzip
import lzma
import os
import re
from collections import namedtuple
from urllib.parse import unquote_plus

import numpy as np

from skrobust.datasets._text import iter_lines, located_error

# Column indices (photo id, user NSID, user tags, marker) of each layout.
_LAYOUTS = {25: (1, 3, 10, 24), 23: (0, 1, 8, 22)}
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# ASCII digits only (int() would also take "1_001", "+1", " 1" and other scripts'
# digits); at most 18 of them, so that any id fits in int64.
_PHOTO_ID = re.compile(r"[0-9]{1,18}\Z")
# A Flickr user NSID, e.g. 12345678@N00.
_NSID = re.compile(r"[0-9]+@N[0-9]{2}\Z")

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


def _open_binary(path):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"YFCC100M metadata file not found: {path!r}")
    opener = _OPENERS.get(os.path.splitext(path)[1].lower(), open)
    return opener(path, "rb")


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
        For a line with the wrong number of fields, a photo id that is not
        plain digits, a user id that is not a Flickr NSID, a tag whose
        %-escapes are not UTF-8, a marker other than 0/1, a blank line before
        the end, bytes that are not UTF-8, or a truncated or damaged compressed
        file (file, line and column in the message).
    FileNotFoundError
        If ``path`` does not exist.

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
    with _open_binary(path) as raw:
        layout, blank = None, None
        ids, users, tags = [], [], []
        for lineno, line in iter_lines(raw, source):
            if not line:
                blank = lineno if blank is None else blank
                continue  # fine at the end of the file, an error before
            if blank is not None:
                raise located_error(source, "blank line before the end of the file.",
                                    line=blank, column=1)
            fields = line.split("\t")
            if layout is None:
                layout = _LAYOUTS.get(len(fields))
                if layout is None:
                    raise located_error(
                        source, f"{len(fields)} tab-separated fields; a YFCC100M "
                        "metadata line has 25 (2016 release) or 23 (2014).",
                        line=lineno,
                    )
                n_fields = len(fields)
                id_col, user_col, tag_col, marker_col = layout
            elif len(fields) != n_fields:
                raise located_error(
                    source, f"{len(fields)} fields, expected {n_fields} like the first "
                    "line (truncated or corrupt line?).", line=lineno,
                )
            marker = fields[marker_col]
            if marker not in ("0", "1"):
                raise located_error(
                    source, f"photo/video marker {marker!r} is not 0 or 1.",
                    line=lineno, column=marker_col + 1,
                )
            photo_id = fields[id_col]
            if not _PHOTO_ID.match(photo_id):
                raise located_error(
                    source, f"photo id {photo_id!r} is not an integer (ASCII digits "
                    "only).", line=lineno, column=id_col + 1,
                )
            user = fields[user_col]
            if not _NSID.match(user):
                raise located_error(
                    source, f"user id {user!r} is not a Flickr NSID like "
                    "'12345678@N00'.", line=lineno, column=user_col + 1,
                )
            line_tags = _decode_tags(fields[tag_col], source, lineno, tag_col + 1)
            if skip_videos and marker == "1":
                continue  # checked all the same: a corrupt line is an error
            ids.append(int(photo_id))
            users.append(user)
            tags.append(line_tags)
            if len(ids) == chunk_size:
                yield _chunk(ids, users, tags)
                ids, users, tags = [], [], []
        if ids:
            yield _chunk(ids, users, tags)


def _decode_tags(raw, source, lineno, column):
    """The comma-separated, URL-encoded tags of one line, decoded strictly
    (``unquote_plus`` would replace a bad %-escape with U+FFFD by default)."""
    try:
        return [unquote_plus(t, errors="strict") for t in raw.split(",") if t]
    except UnicodeDecodeError as err:
        raise located_error(
            source, f"a tag's %-escapes are not UTF-8 ({err.reason}): {raw[:80]!r}",
            line=lineno, column=column,
        ) from None


def _chunk(ids, users, tags):
    return YFCCChunk(np.array(ids, dtype=np.int64), np.array(users, dtype=str), tags)
