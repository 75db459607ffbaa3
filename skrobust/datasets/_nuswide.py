"""NUS-WIDE (official release layout): 81 manually labelled concepts, user tags
and low-level features of 269,648 Flickr images.

Each part of the release may sit in ``data_home`` extracted (``Groundtruth/AllLabels/
Labels_sky.txt`` or ``AllLabels/Labels_sky.txt``) or still zipped
(``Groundtruth.zip``); zip members are read in place, nothing is extracted.
"""

import re
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skrobust.datasets._base import (
    is_number,
    parse_binary_matrix,
    resolve_data_dir,
    split_fields,
)
from skrobust.datasets._text import (
    archive_errors,
    check_on_invalid,
    decode,
    iter_lines,
    located_error,
    report_invalid,
    split_lines,
    unique_names,
)

ENV_VAR = "SKROBUST_NUSWIDE_DIR"

NUSWIDE_CITATION = (
    "T.-S. Chua, J. Tang, R. Hong, H. Li, Z. Luo and Y.-T. Zheng, \"NUS-WIDE: A "
    "Real-World Web Image Database from National University of Singapore\", ACM "
    "International Conference on Image and Video Retrieval (CIVR), 2009."
)

#: Low-level feature files of the release and their dimensions.
NUSWIDE_FEATURES = {
    "CH": ("Normalized_CH.dat", 64),  # colour histogram (LAB)
    "CM55": ("Normalized_CM55.dat", 225),  # block-wise colour moments, 5x5 grid
    "CORR": ("Normalized_CORR.dat", 144),  # colour auto-correlogram
    "EDH": ("Normalized_EDH.dat", 73),  # edge direction histogram
    "WT": ("Normalized_WT.dat", 128),  # wavelet texture
    "BoW": ("BoW_int.dat", 500),  # bag of 500 SIFT visual words
}

_SPLIT_FILE = {"all": "", "train": "Train_", "test": "Test_"}

DESCR = f"""\
NUS-WIDE
--------
269,648 Flickr images (161,789 train / 107,859 test in the official split) with
manual ground truth for 81 concepts (``target``, columns ``concept_names`` in the
order of Concepts81.txt), and, where the release's other parts are present, the
uploaders' tags (a 1,000-tag indicator matrix ``tags`` over ``tag_names`` from
TagList1k.txt) and six low-level features (``features``: CH 64, CM55 225,
CORR 144, EDH 73, WT 128, BoW 500 dimensions).

Known defect of the official ground truth: TrainTestLabels/Labels_lake_Train.txt,
line 78373, reads -1130179. It is an error by default (on_invalid="raise"); with
on_invalid="zero" it is read as 0 with a warning (a guess: the true label is
unknown; the concept is rare, 5% positive).

Flickr images; research use only. Cite: {NUSWIDE_CITATION}
"""


class _Release:
    """Finds the files of the release under ``root``, extracted or zipped."""

    def __init__(self, root):
        self.root = Path(root)
        self._zips = {}

    def _zip(self, part):
        if part not in self._zips:
            path = self.root / f"{part}.zip"
            zf = None
            if path.is_file():
                with archive_errors(str(path)):
                    zf = zipfile.ZipFile(path)
            self._zips[part] = zf
        return self._zips[part]

    def find(self, part, name):
        """(description, opener) of ``name`` (e.g. 'AllLabels/Labels_sky.txt') of
        the release part ``part`` (e.g. 'Groundtruth'), or None."""
        for path in (self.root / part / name, self.root / name):
            if path.is_file():
                return str(path), lambda p=path: open(p, "rb")
        zf = self._zip(part)
        if zf is not None:
            for member in zf.namelist():
                if member == name or member.endswith("/" + name):
                    zpath = f"{zf.filename}:{member}"
                    return zpath, lambda m=member: zf.open(m)
        return None

    def get(self, part, name):
        found = self.find(part, name)
        if found is None:
            raise FileNotFoundError(
                f"NUS-WIDE file {name!r} not found in {str(self.root)!r}: looked for "
                f"{part}/{name}, {name} and a member {name} of {part}.zip."
            )
        return found

    def read(self, part, name):
        source, opener = self.get(part, name)
        with archive_errors(source), opener() as f:
            return source, f.read()

    def close(self):
        for zf in self._zips.values():
            if zf is not None:
                zf.close()


def _read_names(release, part, name):
    """One name per line (no whitespace inside), unique; blank lines only at the end."""
    source, data = release.read(part, name)
    # Spaces and tabs around a name are the release's padding, not part of it.
    lines = [line.strip(" \t") for line in split_lines(decode(data, source))]
    return unique_names(lines, source)


def _read_concept_labels(release, concepts, subset, on_invalid):
    if subset == "all":
        names = [f"AllLabels/Labels_{c}.txt" for c in concepts]
    else:
        split = subset.capitalize()
        names = [f"TrainTestLabels/Labels_{c}_{split}.txt" for c in concepts]
    columns, n_rows, first = [], None, None
    for name in names:
        source, data = release.read("Groundtruth", name)
        col = parse_binary_matrix(data, 1, source, on_invalid=on_invalid)[:, 0]
        if n_rows is None:
            n_rows, first = len(col), source
        elif len(col) != n_rows:
            raise ValueError(
                f"{source}: {len(col)} lines, but {first} has {n_rows}; every label "
                "file of a split has one line per image (truncated file?)."
            )
        columns.append(col)
    return np.stack(columns, axis=1)


# Characters outside plain decimal numbers and spacing: worth a closer look.
_UNUSUAL = re.compile(r"[^0-9eE.+\- \t]")


def _read_float_matrix(release, part, name, n_cols, on_invalid, chunk_lines=20_000):
    """A text matrix of floats, ``n_cols`` per line, parsed ``chunk_lines`` lines
    at a time; every line's count and every value's syntax are checked."""
    source, opener = release.get(part, name)
    blocks, lines, first = [], [], 1
    with opener() as raw:
        for lineno, line in iter_lines(raw, source, encoding="ascii"):
            lines.append(line)
            if len(lines) == chunk_lines:
                blocks.append(_float_block(lines, n_cols, source, first, on_invalid))
                first, lines = lineno + 1, []
    while lines and not lines[-1].strip(" \t"):
        lines.pop()  # blank lines at the end of the file
    if lines:
        blocks.append(_float_block(lines, n_cols, source, first, on_invalid))
    return np.concatenate(blocks) if blocks else np.empty((0, n_cols), np.float32)


def _float_block(lines, n_cols, source, first_line, on_invalid):
    text = " ".join(lines)
    plain = _UNUSUAL.search(text) is None
    block = None
    if plain:  # the fast path: numpy parses the lot
        try:
            with np.errstate(over="ignore"):  # an overflow is reported below
                block = np.array(text.split(), dtype=np.float32)
        except ValueError:
            block = None
    if block is None or block.size != n_cols * len(lines):
        # Something unusual: check line by line, to name what and where.
        rows = [split_fields(line, plain) for line in lines]
        for i, fields in enumerate(rows):
            if len(fields) != n_cols:
                where = "is missing" if len(fields) < n_cols else "is extra"
                raise located_error(
                    source, f"expected {n_cols} values, found {len(fields)} (column "
                    f"{min(len(fields), n_cols) + 1} {where}).", line=first_line + i,
                )
            for j, tok in enumerate(fields):
                if not is_number(tok):
                    raise located_error(
                        source, f"not a number: {tok!r}", line=first_line + i,
                        column=j + 1,
                    )
        with np.errstate(over="ignore"):
            block = np.array([t for fields in rows for t in fields], dtype=np.float32)
    block = block.reshape(len(lines), n_cols)
    bad = ~np.isfinite(block)
    if bad.any():
        cells = [
            (first_line + int(r), int(c) + 1, repr(split_fields(lines[r])[c]))
            for r, c in np.argwhere(bad)[:10]
        ]
        report_invalid(source, cells, int(bad.sum()), "a finite float32", on_invalid,
                       stacklevel=4)
        block[bad] = 0
    return block


# A photo id (ASCII digits), then tags; spaces and tabs separate, nothing else.
_TAG_LINE = re.compile(r"[ \t]*([0-9]{1,18})(?:[ \t]+(.*))?\Z")


def iter_nuswide_tags(data_home=None, *, chunk_size=10_000):
    """Stream ``NUS_WID_Tags/All_Tags.txt``: each image's photo id and raw tags.

    Each line of that file is a Flickr photo id followed by the image's tags,
    separated by spaces or tabs; lines follow the image order of the ground
    truth. The file is UTF-8; lines end in LF or CRLF.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The NUS-WIDE directory; default ``$SKROBUST_NUSWIDE_DIR``.
    chunk_size : int, default=10_000
        Lines per yielded chunk.

    Yields
    ------
    photo_ids : ndarray of int64, shape (n,)
        Flickr photo ids of the chunk's lines.
    tags : list of n lists of str
        Each image's raw tags, in the file's order.

    Raises
    ------
    ValueError
        For a line that does not start with a photo id, a blank line before the
        end, bytes that are not UTF-8, or a damaged zip member (file, line and
        column in the message).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skrobust.datasets import iter_nuswide_tags
    >>> home = Path(tempfile.mkdtemp())
    >>> (home / "NUS_WID_Tags").mkdir()
    >>> _ = (home / "NUS_WID_Tags" / "All_Tags.txt").write_text("12 sky sunset\\n34 dog\\n")
    >>> for photo_ids, tags in iter_nuswide_tags(home):
    ...     print(photo_ids.tolist(), tags)
    [12, 34] [['sky', 'sunset'], ['dog']]
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}.")
    release = _Release(resolve_data_dir(data_home, ENV_VAR, "the NUS-WIDE directory"))
    try:
        source, opener = release.get("NUS_WID_Tags", "All_Tags.txt")
        with opener() as raw:
            ids, tags, blank = [], [], None
            for lineno, line in iter_lines(raw, source):
                if not line.strip(" \t"):
                    blank = lineno if blank is None else blank
                    continue  # fine at the end of the file, an error before
                if blank is not None:
                    raise located_error(
                        source, "blank line: every line holds a photo id, then tags.",
                        line=blank, column=1,
                    )
                match = _TAG_LINE.match(line)
                if match is None:
                    raise located_error(
                        source, f"expected a photo id, then tags: {line[:80]!r}",
                        line=lineno, column=1,
                    )
                ids.append(int(match.group(1)))
                tags.append(split_fields(match.group(2) or ""))
                if len(ids) == chunk_size:
                    yield np.array(ids, dtype=np.int64), tags
                    ids, tags = [], []
            if ids:
                yield np.array(ids, dtype=np.int64), tags
    finally:
        release.close()


def load_nuswide(
    data_home=None, *, subset="all", concepts=None, tags=False, features=(),
    on_invalid="raise",
):
    """Load NUS-WIDE from its official release layout.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory holding the release: ``Groundtruth`` (folder or zip; members
        ``AllLabels/Labels_<concept>.txt``, ``TrainTestLabels/Labels_<concept>_
        {Train,Test}.txt``), ``ConceptsList`` (``Concepts81.txt``), and optionally
        ``NUS_WID_Tags`` (``TagList1k.txt``, ``AllTags1k.txt``,
        ``Train_Tags1k.dat``, ``Test_Tags1k.dat``) and ``Low_Level_Features``
        (``Normalized_CH.dat``, ...; with ``Train_``/``Test_`` prefixes for the
        splits). A file may also sit directly in ``data_home``. Default: the
        environment variable ``SKROBUST_NUSWIDE_DIR``.
    subset : {"all", "train", "test"}, default="all"
        All 269,648 images (``AllLabels``), or the official split
        (``TrainTestLabels``).
    concepts : list of str, default=None
        Concepts to load (names from Concepts81.txt); default all 81.
    tags : bool, default=False
        Also load the 1,000-tag indicator matrix (needs ``NUS_WID_Tags``).
    features : sequence of str, default=()
        Low-level features to load, from {"CH", "CM55", "CORR", "EDH", "WT", "BoW"}.
    on_invalid : {"raise", "zero"}, default="raise"
        A label that is not 0 or 1 (the release has one, see Notes) or a
        feature value that is not finite (``nan``, ``inf``, or one that
        overflows float32): raise a ValueError naming the file, line and column,
        or read it as 0 with a warning naming each one. Malformed lines (a wrong
        number of values, ``01``, a value that is not a number) always raise.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``target``: int8 array (n_images, n_concepts), the manual labels;
        - ``concept_names``: list of str, the columns of ``target``;
        - ``tags``: scipy.sparse CSR int8 matrix (n_images, 1000), if ``tags``;
        - ``tag_names``: list of the 1,000 tags (TagList1k.txt), if ``tags``;
        - ``features``: dict name -> float32 array (n_images, dim);
        - ``data``: the requested features side by side (in ``features`` order),
          or None;
        - ``DESCR``: description and citation.

    Raises
    ------
    ValueError
        If no directory is given, a file is malformed or has an invalid value
        (see ``on_invalid``), its bytes are not UTF-8 (ASCII for the numeric
        files), or a zip archive is damaged: the message names the file (and zip
        member), line and column.
    FileNotFoundError
        If the directory or a needed file is missing.

    Notes
    -----
    The official ``TrainTestLabels/Labels_lake_Train.txt`` has ``-1130179`` on
    line 78373. With ``on_invalid="raise"`` loading ``subset="train"`` with the
    concept "lake" fails with a message naming that file and line.

    Examples
    --------
    >>> from skrobust.datasets import load_nuswide
    >>> nus = load_nuswide("path/to/nuswide", subset="test")  # doctest: +SKIP
    >>> nus.target.shape  # doctest: +SKIP
    (107859, 81)
    """
    if subset not in _SPLIT_FILE:
        raise ValueError(f"subset must be 'all', 'train' or 'test', got {subset!r}.")
    check_on_invalid(on_invalid)
    if isinstance(features, str):
        features = [features]
    unknown = [f for f in features if f not in NUSWIDE_FEATURES]
    if unknown:
        raise ValueError(
            f"unknown NUS-WIDE feature(s) {unknown}; choose from "
            f"{list(NUSWIDE_FEATURES)}."
        )
    release = _Release(resolve_data_dir(data_home, ENV_VAR, "the NUS-WIDE directory"))
    try:
        all_concepts = _read_names(release, "ConceptsList", "Concepts81.txt")
        if concepts is None:
            concepts = all_concepts
        else:
            concepts = list(concepts)
            missing = [c for c in concepts if c not in all_concepts]
            if missing:
                raise ValueError(f"not NUS-WIDE concepts: {missing}.")
        target = _read_concept_labels(release, concepts, subset, on_invalid)
        bunch = Bunch(
            target=target, concept_names=concepts, features={}, data=None,
            DESCR=DESCR,
        )
        n = len(target)
        if tags:
            bunch.tag_names = _read_names(release, "NUS_WID_Tags", "TagList1k.txt")
            name = (
                "AllTags1k.txt" if subset == "all"
                else f"{_SPLIT_FILE[subset]}Tags1k.dat"
            )
            bunch.tags = _read_tag_matrix(release, name, len(bunch.tag_names), n)
        prefix = _SPLIT_FILE[subset]
        for feat in features:
            fname, dim = NUSWIDE_FEATURES[feat]
            X = _read_float_matrix(
                release, "Low_Level_Features", prefix + fname, dim, on_invalid
            )
            _check_rows(f"Low_Level_Features/{prefix + fname}", len(X), n)
            bunch.features[feat] = X
        if features:
            bunch.data = np.hstack([bunch.features[f] for f in features])
        return bunch
    finally:
        release.close()


def _read_tag_matrix(release, name, n_tags, n_images):
    import scipy.sparse as sp

    source, data = release.read("NUS_WID_Tags", name)
    # Parse and sparsify in slices of lines, so the dense int8 matrix of the
    # whole file (269,648 x 1000) is never built at once.
    blocks, start, line0 = [], 0, 1
    step = 50_000 * (2 * n_tags)  # about 50,000 lines per slice
    while start < len(data):
        stop = data.find(b"\n", min(start + step, len(data) - 1))
        stop = len(data) if stop == -1 else stop + 1
        chunk = data[start:stop]
        dense = parse_binary_matrix(chunk, n_tags, source, first_line=line0)
        blocks.append(sp.csr_matrix(dense))
        line0 += chunk.count(b"\n")
        start = stop
    if blocks:
        Y = sp.vstack(blocks, format="csr")
    else:
        Y = sp.csr_matrix((0, n_tags), dtype=np.int8)
    _check_rows(source, Y.shape[0], n_images)
    return Y.astype(np.int8)


def _check_rows(source, n_found, n_expected):
    if n_found != n_expected:
        raise ValueError(
            f"{source}: {n_found} lines, but the ground truth has {n_expected} "
            "images; the files must have one line per image (truncated file?)."
        )
