"""MIRFLICKR-25k joined with a features file whose rows are named by an ids file.

Features computed for only some of the collection's photos (the at-scale set in the
shared data holds 12,541 of the 20,015) come as an array and a text file with the
image number N of each row (``mirflickr/imN.jpg``). This module joins the two with the
collection's user tags and manual labels, so a user's own features load the same way.
"""

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skrobust.datasets._mirflickr import (
    DESCR as _COLLECTION_DESCR,
    MIRFLICKR_CONCEPTS,
    read_mirflickr25k_files,
)
from skrobust.datasets._mirflickr import ENV_VAR
from skrobust.datasets._base import resolve_data_dir
from skrobust.datasets._text import located_error, read_lines

# ASCII digits, no sign, no underscore, no leading zero: int() alone would take
# "+3", "1_0" and fullwidth digits.
_ID_LINE = re.compile(r"[1-9][0-9]*\Z")


def default_ids_path(features_path):
    """``x.npy`` -> ``x.ids.txt``: where the ids of a features file are looked for."""
    path = Path(features_path)
    return path.with_name(path.name[: -len(path.suffix)] + ".ids.txt" if path.suffix
                          else path.name + ".ids.txt")


def read_image_ids(path):
    """The image number of each row, one positive integer a line, no repeats."""
    lines = read_lines(path)
    ids = np.empty(len(lines), dtype=np.int64)
    first_seen = {}
    for i, line in enumerate(lines):
        token = line.strip(" \t")
        if not _ID_LINE.match(token):
            raise located_error(path, f"expected an image number N (of imN.jpg), got "
                                f"{line[:40]!r}", line=i + 1, column=1)
        number = int(token)
        if number in first_seen:
            raise located_error(path, f"image {number} again (first on line "
                                f"{first_seen[number]}).", line=i + 1, column=1)
        first_seen[number] = i + 1
        ids[i] = number
    return ids


def _load_features(path, n_rows):
    """The features array, checked to be a finite 2-D float array of ``n_rows`` rows."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"features file {path} does not exist.")
    X = np.load(path, allow_pickle=False, mmap_mode="r")
    if X.ndim != 2 or X.dtype.kind != "f":
        raise ValueError(f"{path}: expected a 2-D float array of features, got "
                         f"{X.dtype} of shape {X.shape}.")
    if X.shape[0] != n_rows:
        raise ValueError(f"{path}: {X.shape[0]} rows, but its ids file names {n_rows} "
                         "images; they must match line for row.")
    X = np.asarray(X, dtype=np.float32)  # float16 on disk: compute in float32
    if not np.isfinite(X).all():
        row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise ValueError(f"{path}: row {row} holds a NaN or infinite value.")
    return X


def load_mirflickr_features(features, *, ids=None, data_home=None):
    """Load features of MIRFLICKR photos with their user tags and manual labels.

    Joins a features array (one row per photo, any subset of the 20,015 labelled
    photos, in any order) with :func:`load_mirflickr25k`'s tags and labels through an
    ids file naming the photo of each row.

    Parameters
    ----------
    features : str or path-like
        A ``.npy`` array of shape (n_images, n_features), float16/32/64.
    ids : str or path-like, default=None
        Text file with the image number N (of ``mirflickr/imN.jpg``) of each row of
        ``features``, one per line. Default: beside ``features``, ``<stem>.ids.txt``.
    data_home : str or path-like, default=None
        The MIRFLICKR-25k directory (``all_imgs.txt``, ``all_tags.txt``,
        ``all_labels.txt``, ``TagList.txt``). Default: the environment variable
        ``SKROBUST_MIRFLICKR_DIR``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: float32 array (n_images, n_features);
        - ``tags``: list of the uploader's tag lists, in their original order;
        - ``target``: int8 array (n_images, 24), the manual labels;
        - ``target_names``: the 24 concepts;
        - ``n_tags``: int array, the number of distinct vocabulary tags the
          uploader gave each image (the uploader's tagging effort);
        - ``image_ids``: N of each row's photo;
        - ``tag_list``: the 1,386-tag vocabulary; ``DESCR``.

    Raises
    ------
    ValueError
        If the ids file has a malformed or repeated line, names a photo that is not
        in the labelled subset, or its line count differs from the features' rows,
        or the features are not a finite 2-D float array.
    FileNotFoundError
        If a file is missing.

    See Also
    --------
    load_mirflickr25k : The tags and labels alone.
    load_mirflickr_subset : 730 photos with features, shipped with skrobust.

    Examples
    --------
    >>> from skrobust.datasets import load_mirflickr_features
    >>> mir = load_mirflickr_features(
    ...     "mirflickr25k/features/effnetlite0_thumb128.npy",
    ...     data_home="mirflickr25k")  # doctest: +SKIP
    >>> mir.data.shape, mir.target.shape  # doctest: +SKIP
    ((12541, 1280), (12541, 24))
    """
    data_dir = resolve_data_dir(data_home, ENV_VAR, "the MIRFLICKR-25k directory")
    ids_path = Path(ids) if ids is not None else default_ids_path(features)
    if not ids_path.is_file():
        raise FileNotFoundError(
            f"ids file {ids_path} does not exist: a features file needs one line per "
            "row naming its photo's number N (mirflickr/imN.jpg)."
        )
    row_ids = read_image_ids(ids_path)
    image_ids, tags, labels, tag_list = read_mirflickr25k_files(data_dir)
    line_of = {int(n): i for i, n in enumerate(image_ids)}
    lines = np.empty(len(row_ids), dtype=np.int64)
    for row, number in enumerate(row_ids):
        if int(number) not in line_of:
            raise located_error(ids_path, f"image {number} is not in {data_dir / 'all_imgs.txt'}",
                                line=row + 1, column=1)
        lines[row] = line_of[int(number)]
    X = _load_features(features, len(row_ids))
    row_tags = [tags[i] for i in lines]
    return Bunch(
        data=X,
        tags=row_tags,
        target=labels[lines],
        target_names=list(MIRFLICKR_CONCEPTS),
        n_tags=np.array([len(set(t)) for t in row_tags], dtype=np.int64),
        image_ids=row_ids,
        tag_list=tag_list,
        DESCR=f"{_COLLECTION_DESCR}\nFeatures: {features} ({X.shape[0]} photos, "
        f"{X.shape[1]} features each); row ids: {ids_path}.\n",
    )
