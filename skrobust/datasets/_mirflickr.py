"""MIRFLICKR-25k: ordered user tags and 24 manually labelled concepts.

Reads the layout of the labelled 20,015-image subset (one line per image in each
of ``all_imgs.txt``, ``all_tags.txt``, ``all_labels.txt``, plus ``TagList.txt``).
"""

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skrobust.datasets._base import parse_int_matrix, resolve_data_dir
from skrobust.datasets._text import (
    located_error,
    read_lines,
    read_text,
    require_file,
    unique_names,
)

ENV_VAR = "SKROBUST_MIRFLICKR_DIR"

#: The 24 concepts, in the (alphabetical) column order of ``all_labels.txt``.
MIRFLICKR_CONCEPTS = (
    "animals", "baby", "bird", "car", "clouds", "dog", "female", "flower", "food",
    "indoor", "lake", "male", "night", "people", "plant_life", "portrait", "river",
    "sea", "sky", "structures", "sunset", "transport", "tree", "water",
)

MIRFLICKR_CITATION = (
    "M. J. Huiskes and M. S. Lew, \"The MIR Flickr Retrieval Evaluation\", "
    "ACM International Conference on Multimedia Information Retrieval (MIR), 2008."
)

# ASCII digits only, no leading zero (\d would take any Unicode digit).
_IMG_LINE = re.compile(r"(?:.*/)?im([1-9][0-9]*)\.jpg\Z")
_MAX_IMAGE_NUMBER = np.iinfo(np.int32).max

DESCR = f"""\
MIRFLICKR-25k, labelled subset
------------------------------
25,000 Flickr photos with their uploaders' tags; this is the subset of 20,015
photos that have at least one of 24 manually annotated concepts and at least one
frequent tag. Tags are in the uploader's original order, restricted to a
1,386-tag vocabulary (``tag_list``; about 4.6 tags per image; a tag may repeat).
The 24 concepts (columns of ``labels``, alphabetical): {", ".join(MIRFLICKR_CONCEPTS)}.
No uploader ids are available: split this data at random.

Photos and tags are Flickr photos under Creative Commons licences, distributed
for research. Cite: {MIRFLICKR_CITATION}
"""


def read_mirflickr25k_files(data_dir):
    """Parse the four MIRFLICKR text files in ``data_dir``, strictly.

    Every line is checked: an image line must be ``mirflickr/imN.jpg`` (N unique),
    every tag must be in ``TagList.txt``, every label line must hold 24 values, each
    ``0`` or ``1``. Files are UTF-8 (labels ASCII), lines end in LF or CRLF.

    Returns
    -------
    image_ids : ndarray of int32, shape (n_images,)
        N of ``mirflickr/imN.jpg``, line by line.
    tags : list of list of str
        Each image's tags in their original order.
    labels : ndarray of int8, shape (n_images, 24)
    tag_list : list of str
        ``TagList.txt``, in file order.

    Raises
    ------
    ValueError
        For a malformed line: the message names the file, line and column.
    """
    data_dir = Path(data_dir)
    image_ids = _read_image_ids(data_dir / "all_imgs.txt")
    tag_list = _read_tag_list(data_dir / "TagList.txt")

    tags_path = data_dir / "all_tags.txt"
    tag_lines = read_lines(tags_path)
    _check_line_count(tags_path, len(tag_lines), len(image_ids))
    vocabulary = set(tag_list)
    tags = []
    for i, line in enumerate(tag_lines):
        # An empty line is an image with no tag in the vocabulary, not a missing line.
        line_tags = line.split(",") if line else []
        for j, tag in enumerate(line_tags):
            if tag not in vocabulary:
                why = "an empty tag (two commas in a row?)" if not tag else (
                    f"tag {tag!r} is not in TagList.txt"
                )
                raise located_error(tags_path, why, line=i + 1, column=j + 1)
        tags.append(line_tags)

    labels_path = require_file(data_dir / "all_labels.txt")
    text = read_text(labels_path, encoding="ascii")
    labels = parse_int_matrix(
        text, len(MIRFLICKR_CONCEPTS), str(labels_path), allowed=(0, 1)
    )
    _check_line_count(labels_path, len(labels), len(image_ids))
    return image_ids, tags, labels, tag_list


def _read_image_ids(path):
    lines = read_lines(path)
    image_ids = np.empty(len(lines), dtype=np.int32)
    first_seen = {}
    for i, line in enumerate(lines):
        match = _IMG_LINE.match(line.strip(" \t"))
        if match is None:
            raise located_error(
                path, f"expected 'mirflickr/imN.jpg', got {line[:80]!r}", line=i + 1,
                column=1,
            )
        number = int(match.group(1))
        if number > _MAX_IMAGE_NUMBER:
            raise located_error(path, f"image number {number} is too large.",
                                line=i + 1, column=1)
        if number in first_seen:
            raise located_error(
                path, f"im{number}.jpg again (first on line {first_seen[number]}).",
                line=i + 1, column=1,
            )
        first_seen[number] = i + 1
        image_ids[i] = number
    return image_ids


def _read_tag_list(path):
    return unique_names(read_lines(path), path, kind="tag", no_comma=True)


def _check_line_count(path, n_found, n_expected):
    if n_found != n_expected:
        raise ValueError(
            f"{path}: {n_found} lines, but all_imgs.txt has {n_expected}; the files "
            "must have one line per image, in the same order (truncated file?)."
        )


def photo_paths(photos_dir, image_ids):
    """Paths ``<photos_dir>/imN.jpg``; a dir holding ``images/`` is accepted too."""
    photos_dir = Path(photos_dir).expanduser()
    if (photos_dir / "images").is_dir():
        photos_dir = photos_dir / "images"
    return [str(photos_dir / f"im{n}.jpg") for n in image_ids]


def load_mirflickr25k(data_home=None):
    """Load MIRFLICKR-25k's labelled subset: ordered user tags and 24 concepts.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory holding ``all_imgs.txt``, ``all_tags.txt``,
        ``all_labels.txt`` and ``TagList.txt`` (and optionally the photos in
        ``images/``). Default: the environment variable ``SKROBUST_MIRFLICKR_DIR``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``tags``: list of 20,015 lists of str, the uploader's tags in order;
        - ``labels``: int8 array (20,015, 24), the manual ground truth;
        - ``image_ids``: int32 array, N of photo ``imN.jpg``;
        - ``concept_names``: list of the 24 concept names (columns of ``labels``);
        - ``tag_list``: list of the 1,386 vocabulary tags;
        - ``image_paths``: if ``images/`` exists, one entry per image: the path
          of ``images/imN.jpg``, or None where that photo is absent; else None;
        - ``DESCR``: description and citation.

    Raises
    ------
    ValueError
        If no directory is given, or a file is malformed: a line that is not
        ``mirflickr/imN.jpg``, a tag missing from ``TagList.txt``, a label line
        without 24 values of ``0`` or ``1``, bytes that are not UTF-8 (the file,
        line and column are in the message).
    FileNotFoundError
        If the directory or one of its files is missing.

    See Also
    --------
    load_mirflickr_subset : 730 of these photos with CNN features, shipped with
        skrobust.

    Examples
    --------
    >>> from skrobust.datasets import load_mirflickr25k
    >>> mir = load_mirflickr25k("path/to/mirflickr25k")  # doctest: +SKIP
    >>> len(mir.tags), mir.labels.shape  # doctest: +SKIP
    (20015, (20015, 24))
    >>> mir.tags[0]  # doctest: +SKIP
    ['cigarette', 'tattoos', 'smoke', 'red', 'dress', 'sunglasses']
    """
    data_dir = resolve_data_dir(data_home, ENV_VAR, "the MIRFLICKR-25k directory")
    image_ids, tags, labels, tag_list = read_mirflickr25k_files(data_dir)
    image_paths = None
    if (data_dir / "images").is_dir():
        image_paths = [
            p if Path(p).is_file() else None for p in photo_paths(data_dir, image_ids)
        ]
    return Bunch(
        tags=tags,
        labels=labels,
        image_ids=image_ids,
        concept_names=list(MIRFLICKR_CONCEPTS),
        tag_list=tag_list,
        image_paths=image_paths,
        DESCR=DESCR,
    )
