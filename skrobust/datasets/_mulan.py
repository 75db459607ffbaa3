"""MULAN's "scene" benchmark: a small real multi-label image data set, with tag
omission simulated at known per-label rates (so the true pi is known)."""

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from skrobust.datasets._base import DECIMAL, PLAIN_INT, is_number, resolve_data_dir
from skrobust.datasets._text import (
    check_on_invalid,
    located_error,
    read_lines,
    report_invalid,
)

ENV_VAR = "SKROBUST_MULAN_SCENE_DIR"
#: The six scene labels, in the column order of the data set.
SCENE_LABELS = ("Beach", "Sunset", "FallFoliage", "Field", "Mountain", "Urban")

SCENE_CITATION = (
    "M. R. Boutell, J. Luo, X. Shen and C. M. Brown, \"Learning multi-label scene "
    "classification\", Pattern Recognition 37(9), 2004."
)

DESCR = f"""\
MULAN scene
-----------
2,407 images (1,211 train, 1,196 test) described by 294 colour features
(spatial colour moments in LUV space over a 7x7 grid), with manual labels for 6
scene classes: {", ".join(SCENE_LABELS)}. No user tags: with ``pi`` given, noisy
tags are simulated by keeping each true label with probability pi[label] (and
never adding one), the paper's "missing tags" noise with a known pi.
Cite: {SCENE_CITATION}
"""

_ATTR = re.compile(
    r"@attribute[ \t]+('[^']*'|\"[^\"]*\"|[^ \t'\"]+)[ \t]+(.*?)[ \t]*\Z", re.IGNORECASE
)
_NUMERIC_TYPES = ("numeric", "real", "integer")
_BINARY_TYPE = re.compile(r"\{[ \t]*0[ \t]*,[ \t]*1[ \t]*\}\Z")
# What a plain value of each attribute type looks like (the fast check).
_COLUMN_PATTERN = {"numeric": rf"[ \t]*{DECIMAL}[ \t]*", "binary": r"[ \t]*[01][ \t]*"}
# Characters outside plain decimal numbers and separators: worth a closer look.
_UNUSUAL = re.compile(r"[^0-9eE.+\-, \t\n]")


def _read_arff(path, n_labels, label_names=None, on_invalid="raise"):
    """Features, 0/1 labels (the last ``n_labels`` attributes) and label names of
    a dense ARFF file, checked strictly.

    Every line is checked: the header may hold only ``@relation``, ``@attribute``
    (``numeric``/``real``/``integer`` or ``{0,1}``), comments and blank lines;
    every data line must have one value per attribute, a decimal number for a
    numeric attribute and ``0`` or ``1`` for a ``{0,1}`` one. A non-finite value
    (``nan``, ``inf``, or one that overflows, like ``1e400``) or a ``{0,1}`` value
    that is another integer is an error unless ``on_invalid="zero"``.
    """
    check_on_invalid(on_invalid)
    lines = read_lines(path)
    kinds, names, data_start = [], [], None
    for i, line in enumerate(lines):
        stripped = line.strip(" \t")
        low = stripped.lower()
        if not stripped or stripped.startswith("%") or low.startswith("@relation"):
            continue
        if low.startswith("@data"):
            data_start = i + 1
            break
        match = _ATTR.match(stripped) if low.startswith("@attribute") else None
        if match is None:
            raise located_error(
                path, f"expected @relation, @attribute or @data, got {line[:80]!r}",
                line=i + 1, column=1,
            )
        kind = match.group(2).lower()
        if kind in _NUMERIC_TYPES:
            kinds.append("numeric")
        elif _BINARY_TYPE.match(kind):
            kinds.append("binary")
        else:
            raise located_error(
                path, f"attribute type {match.group(2)!r} is not supported (numeric "
                "or {0,1} only).", line=i + 1, column=1,
            )
        names.append(match.group(1).strip("'\""))
    if data_start is None:
        raise located_error(path, "no @data section.")
    if len(names) <= n_labels or "numeric" in kinds[-n_labels:]:
        raise located_error(
            path, f"expected some features, then {n_labels} {{0,1}} label attributes; "
            f"the header declares {len(names)} attributes, the last {n_labels} of "
            f"types {kinds[-n_labels:]}.",
        )
    if label_names is not None and names[-n_labels:] != list(label_names):
        raise located_error(
            path, f"the label attributes are {names[-n_labels:]}, expected "
            f"{list(label_names)}.",
        )
    rows, line_numbers = [], []
    for i in range(data_start, len(lines)):
        stripped = lines[i].strip(" \t")
        if stripped and not stripped.startswith("%"):
            rows.append(lines[i])
            line_numbers.append(i + 1)
    values = _plain_values(rows, kinds)
    if values is None:
        # Something unusual: check line by line, to name what and where.
        row_pattern = re.compile(",".join(_COLUMN_PATTERN[k] for k in kinds) + r"\Z")
        for line, lineno in zip(rows, line_numbers):
            if not row_pattern.match(line):
                _raise_if_malformed(path, lineno, line, kinds)
        values = np.array(",".join(rows).split(","), dtype=np.float64).reshape(
            len(rows), len(kinds)
        )
    numeric = np.array([k == "numeric" for k in kinds])
    bad_number = np.zeros(values.shape, dtype=bool)
    with np.errstate(over="ignore"):  # an overflow to float32 is reported below
        X = values[:, :-n_labels].astype(np.float32)
    bad_number[:, :-n_labels] = ~np.isfinite(X) & numeric[:-n_labels]
    bad_binary = ~numeric & ~np.isin(values, (0, 1))
    for bad, what in ((bad_number, "a finite float32"), (bad_binary, "one of [0, 1]")):
        if bad.any():
            cells = [
                (line_numbers[r], int(c) + 1,
                 repr(rows[r].split(",")[c].strip(" \t")))
                for r, c in np.argwhere(bad)[:10]
            ]
            report_invalid(path, cells, int(bad.sum()), what, on_invalid)
            values[bad] = 0
    X = values[:, :-n_labels].astype(np.float32)
    Z = values[:, -n_labels:].astype(np.int8)
    return X, Z, names[-n_labels:]


def _plain_values(rows, kinds):
    """The data lines as a float64 matrix if they hold nothing unusual, else None.

    The fast path (a character scan and numpy's parser, no Python work per
    value): only ASCII digits, signs, points, exponents and separators, the right
    number of commas on every line, and exactly ``0``/``1`` in ``{0,1}`` columns.
    """
    n_cols = len(kinds)
    if not rows:
        return np.empty((0, n_cols))
    text = "\n".join(rows)
    if _UNUSUAL.search(text) or any(row.count(",") != n_cols - 1 for row in rows):
        return None
    tokens = text.replace("\n", ",").split(",")
    try:
        values = np.array(tokens, dtype=np.float64).reshape(len(rows), n_cols)
    except ValueError:
        return None
    binary = [j for j, kind in enumerate(kinds) if kind == "binary"]
    if binary:
        cells = np.array(tokens, dtype=object).reshape(len(rows), n_cols)[:, binary]
        if not set(cells.ravel().tolist()) <= {"0", "1"}:
            return None
    return values


def _raise_if_malformed(path, lineno, line, kinds):
    """Name the column of a data line that failed the fast check, unless its
    only faults are values for ``on_invalid`` (checked after conversion)."""
    if line.lstrip(" \t").startswith("{"):
        raise located_error(path, "sparse ARFF rows are not supported.", line=lineno,
                            column=1)
    fields = line.split(",")
    if len(fields) != len(kinds):
        where = "is missing" if len(fields) < len(kinds) else "is extra"
        raise located_error(
            path, f"{len(fields)} values, expected {len(kinds)} (column "
            f"{min(len(fields), len(kinds)) + 1} {where}).", line=lineno,
        )
    for j, (field, kind) in enumerate(zip(fields, kinds)):
        tok = field.strip(" \t")
        if kind == "numeric" and is_number(tok):
            continue  # a non-finite value is checked with on_invalid later
        if kind == "binary" and PLAIN_INT.match(tok):
            continue  # an integer other than 0/1 is checked with on_invalid later
        expected = "a decimal number" if kind == "numeric" else "0 or 1"
        hint = " (a missing value: not supported)" if tok == "?" else ""
        raise located_error(path, f"{tok!r} is not {expected}{hint}.", line=lineno,
                            column=j + 1)


def load_mulan_scene(
    data_home=None, *, subset="train", pi=None, random_state=None, return_X_y=False,
    on_invalid="raise",
):
    """Load MULAN's scene data (294 features, 6 labels), optionally with
    simulated missing tags.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory with ``scene-train.arff`` and ``scene-test.arff``. Default: the
        environment variable ``SKROBUST_MULAN_SCENE_DIR``.
    subset : {"train", "test", "all"}, default="train"
        The official split, or both (train rows first).
    pi : float or array-like of shape (6,), default=None
        Probability that a true label is kept as a tag, per label. None: no
        simulated tags.
    random_state : int, RandomState instance or None, default=None
        Seeds the tag simulation.
    return_X_y : bool, default=False
        Return ``(data, target)`` (features and true labels) instead of a Bunch.
    on_invalid : {"raise", "zero"}, default="raise"
        A feature value that is not finite (``nan``, ``inf``, or one that
        overflows float32, like ``1e400``) or a label that is not 0 or 1: raise a
        ValueError naming the file, line and column, or read it as 0 with a
        warning naming each one. Malformed lines always raise.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: float32 array (n, 294);
        - ``target``: int8 array (n, 6), the manual labels (Z);
        - ``target_names``: the 6 label names;
        - ``tags``: int8 array (n, 6), the simulated noisy tags (Y), if ``pi``;
        - ``pi``: float array (6,), the keep probabilities used, if ``pi``;
        - ``DESCR``.

    Raises
    ------
    ValueError
        If no directory is given, or a file is malformed: a header line that is
        not ``@relation``/``@attribute``/``@data``, a data line without one value
        per attribute, a value that is not a decimal number (or 0/1 for a label),
        an invalid value (see ``on_invalid``), bytes that are not UTF-8 (the
        file, line and column are in the message).
    FileNotFoundError
        If the directory or a file is missing.

    Examples
    --------
    >>> from skrobust.datasets import load_mulan_scene
    >>> scene = load_mulan_scene("path/to/mulan-scene", pi=0.5,
    ...                          random_state=0)  # doctest: +SKIP
    >>> scene.data.shape, scene.tags.shape  # doctest: +SKIP
    ((1211, 294), (1211, 6))
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    check_on_invalid(on_invalid)
    root = resolve_data_dir(data_home, ENV_VAR, "the MULAN scene directory")
    parts = ["train", "test"] if subset == "all" else [subset]
    read = [
        _read_arff(Path(root) / f"scene-{p}.arff", len(SCENE_LABELS),
                   label_names=SCENE_LABELS, on_invalid=on_invalid)
        for p in parts
    ]
    X = np.concatenate([r[0] for r in read])
    Z = np.concatenate([r[1] for r in read])
    names = read[0][2]
    if return_X_y:
        return X, Z
    bunch = Bunch(data=X, target=Z, target_names=names, DESCR=DESCR)
    if pi is not None:
        pi = np.asarray(pi, dtype=np.float64)
        if pi.ndim > 1 or pi.size not in (1, Z.shape[1]):
            raise ValueError(f"pi must be a float or {Z.shape[1]} floats, got {pi}.")
        pi = np.broadcast_to(pi, (Z.shape[1],)).copy()
        if not ((pi >= 0) & (pi <= 1)).all():
            raise ValueError(f"pi must lie in [0, 1], got {pi}.")
        rng = check_random_state(random_state)
        keep = rng.random_sample(Z.shape) < pi
        bunch.tags = (Z * keep).astype(np.int8)
        bunch.pi = pi
    return bunch
