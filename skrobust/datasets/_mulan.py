"""MULAN's "scene" benchmark: a small real multi-label image data set, with tag
omission simulated at known per-label rates (so the true pi is known)."""

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from skrobust.datasets._base import read_lines, resolve_data_dir

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

_ATTR = re.compile(r"^@attribute\s+(\S+|'[^']*')\s+(.+)$", re.IGNORECASE)


def _read_arff(path, n_labels):
    lines = read_lines(path)
    names, data_start = [], None
    for i, line in enumerate(lines):
        stripped = line.strip()
        low = stripped.lower()
        if low.startswith("@attribute"):
            match = _ATTR.match(stripped)
            if match is None:
                raise ValueError(f"{path}, line {i + 1}: malformed @attribute line.")
            names.append(match.group(1).strip("'"))
        elif low.startswith("@data"):
            data_start = i + 1
            break
    if data_start is None:
        raise ValueError(f"{path}: no @data section.")
    rows = []
    for i in range(data_start, len(lines)):
        line = lines[i].strip()
        if not line or line.startswith("%"):
            continue
        if line.startswith("{"):
            raise ValueError(f"{path}, line {i + 1}: sparse ARFF rows are not supported.")
        fields = line.split(",")
        if len(fields) != len(names):
            raise ValueError(
                f"{path}, line {i + 1}: {len(fields)} values, expected {len(names)}."
            )
        try:
            rows.append([float(v) for v in fields])
        except ValueError:
            raise ValueError(f"{path}, line {i + 1}: a value is not a number.") from None
    values = np.array(rows, dtype=np.float64).reshape(-1, len(names))
    X = values[:, :-n_labels].astype(np.float32)
    Z = values[:, -n_labels:]
    bad = ~np.isin(Z, (0, 1))
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{path}: data row {row + 1} has a label that is not 0 or 1.")
    return X, Z.astype(np.int8), names[-n_labels:]


def load_mulan_scene(
    data_home=None, *, subset="train", pi=None, random_state=None, return_X_y=False
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

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: float32 array (n, 294);
        - ``target``: int8 array (n, 6), the manual labels (Z);
        - ``target_names``: the 6 label names;
        - ``tags``: int8 array (n, 6), the simulated noisy tags (Y), if ``pi``;
        - ``pi``: float array (6,), the keep probabilities used, if ``pi``;
        - ``DESCR``.

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
    root = resolve_data_dir(data_home, ENV_VAR, "the MULAN scene directory")
    parts = ["train", "test"] if subset == "all" else [subset]
    read = [_read_arff(Path(root) / f"scene-{p}.arff", len(SCENE_LABELS)) for p in parts]
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
