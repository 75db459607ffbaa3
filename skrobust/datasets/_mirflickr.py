"""MIRFLICKR-25k: ordered user tags and 24 manually labelled concepts.

Reads the layout of the labelled 20,015-image subset (one line per image in each
of ``all_imgs.txt``, ``all_tags.txt``, ``all_labels.txt``, plus ``TagList.txt``).
"""

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skrobust.datasets._base import (
    parse_int_matrix,
    read_lines,
    require_file,
    resolve_data_dir,
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

_IMG_LINE = re.compile(r"^(?:.*/)?im(\d+)\.jpg$")

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
    """Parse the four MIRFLICKR text files in ``data_dir``.

    Returns
    -------
    image_ids : ndarray of int32, shape (n_images,)
        N of ``mirflickr/imN.jpg``, line by line.
    tags : list of list of str
        Each image's tags in their original order.
    labels : ndarray of int8, shape (n_images, 24)
    tag_list : list of str
        ``TagList.txt``, in file order.
    """
    data_dir = Path(data_dir)
    imgs_path = data_dir / "all_imgs.txt"
    img_lines = read_lines(imgs_path)
    image_ids = np.empty(len(img_lines), dtype=np.int32)
    for i, line in enumerate(img_lines):
        match = _IMG_LINE.match(line.strip())
        if match is None:
            raise ValueError(
                f"{imgs_path}, line {i + 1}: expected 'mirflickr/imN.jpg', got {line!r}"
            )
        image_ids[i] = int(match.group(1))

    tags_path = data_dir / "all_tags.txt"
    tag_lines = read_lines(tags_path)
    _check_line_count(tags_path, len(tag_lines), len(image_ids))
    # An empty line is an image with no tag in the vocabulary, not a missing line.
    tags = [[t for t in line.strip().split(",") if t] for line in tag_lines]

    labels_path = require_file(data_dir / "all_labels.txt")
    text = labels_path.read_text(encoding="ascii")
    labels = parse_int_matrix(
        text, len(MIRFLICKR_CONCEPTS), str(labels_path), allowed=(0, 1)
    )
    _check_line_count(labels_path, len(labels), len(image_ids))

    tag_list = [t.strip() for t in read_lines(data_dir / "TagList.txt") if t.strip()]
    return image_ids, tags, labels, tag_list


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
        If no directory is given, or a file is malformed (its name and line
        number are in the message).
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
