"""The embedded default data: 730 MIRFLICKR photos as CNN features, shipped with
skrobust so that its main job runs offline on real data."""

import os
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skrobust.datasets._mirflickr import ENV_VAR, MIRFLICKR_CITATION, photo_paths
from skrobust.datasets._text import archive_errors

_FILE = "mirflickr_subset.npz"

DESCR = f"""\
MIRFLICKR subset embedded in skrobust
-------------------------------------
The 730 photos among im1..im1000 of MIRFLICKR-25k that belong to its labelled
20,015-image subset, sorted by image id.

- data: (730, 1280) float32, CNN features of each photo: the pooled activations
  of an ImageNet EfficientNet-Lite0 before its classifier, computed by
  skrobust.features.CNNFeaturizer (see ``feature_extractor`` for the exact
  settings). Built by scripts/build_mirflickr_subset.py.
- tags: the uploader's tags of each photo, in their original Flickr order,
  restricted to MIRFLICKR's 1,386-tag vocabulary (noisy labels, what a model
  learns from).
- target: (730, 24) int8, the manual ground truth of 24 concepts (clean labels,
  what a model is evaluated on); target_names gives the concept of each column.
- image_ids: N of the photo imN.jpg.

Flickr photos under Creative Commons licences; MIRFLICKR is distributed for
research. The photos themselves are not shipped: pass ``photos_dir`` (or set
{ENV_VAR}) to get their paths.
Cite: {MIRFLICKR_CITATION}
"""


def load_mirflickr_subset(*, return_X_y=False, photos_dir=None):
    """Load the MIRFLICKR subset shipped with skrobust (730 photos, offline).

    Each photo comes as a CNN feature vector, with its ordered user tags (noisy
    labels) and its manual labels for 24 concepts (ground truth).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)``: the features and the manual labels,
        as for sklearn's loaders. The user tags are only in the Bunch.
    photos_dir : str or path-like, default=None
        Directory holding the photos ``imN.jpg`` (or a MIRFLICKR directory with
        an ``images/`` folder); fills ``image_paths``. Default: the environment
        variable ``SKROBUST_MIRFLICKR_DIR`` if set.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: float32 array (730, 1280), CNN features (X);
        - ``target``: int8 array (730, 24), manual 0/1 labels (Z, ground truth);
        - ``target_names``: list of the 24 concept names, alphabetical;
        - ``tags``: list of 730 lists of str, each photo's user tags in order;
        - ``image_ids``: int32 array (730,), N of the photo ``imN.jpg``;
        - ``image_paths``: list of 730 photo paths, or None without photos;
        - ``feature_extractor``: str, how ``data`` was computed;
        - ``DESCR``: description, licence and citation.
    (data, target) : tuple of ndarrays
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If ``photos_dir`` is given and a photo is missing from it.

    Examples
    --------
    >>> from skrobust.datasets import load_mirflickr_subset
    >>> mir = load_mirflickr_subset()
    >>> mir.data.shape, mir.target.shape, len(mir.tags)
    ((730, 1280), (730, 24), 730)
    >>> int(mir.image_ids[0]), mir.tags[0]
    (1, ['cigarette', 'tattoos', 'smoke', 'red', 'dress', 'sunglasses'])
    >>> [mir.target_names[j] for j in mir.target[0].nonzero()[0]]
    ['female', 'people', 'portrait', 'sky', 'structures']
    >>> X, Z = load_mirflickr_subset(return_X_y=True)
    """
    ref = resources.files("skrobust.datasets") / "data" / _FILE
    with resources.as_file(ref) as path:
        with archive_errors(path, also=(ValueError,)):
            npz = np.load(path, allow_pickle=False)
        with npz:
            X = _member(npz, "data", path).astype(np.float32)
            Z = _member(npz, "target", path).astype(np.int8)
            if return_X_y:
                return X, Z
            ids = _member(npz, "image_ids", path).astype(np.int32)
            tags = _member(npz, "tags", path).tolist()
            tags = [t.split(",") if t else [] for t in tags]
            names = _member(npz, "target_names", path).tolist()
            extractor = str(_member(npz, "feature_extractor", path))
    return Bunch(
        data=X,
        target=Z,
        target_names=names,
        tags=tags,
        image_ids=ids,
        image_paths=_image_paths(photos_dir, ids),
        feature_extractor=extractor,
        DESCR=DESCR,
    )


def _member(npz, name, path):
    """One array of the shipped .npz; damage names the file and the member."""
    if name not in npz.files:
        raise ValueError(f"{path}: no member {name!r} (a damaged or outdated file).")
    with archive_errors(f"{path}, member {name}.npy", also=(ValueError,)):
        return npz[name]


def _image_paths(photos_dir, ids):
    strict = photos_dir is not None
    if not strict:
        photos_dir = os.environ.get(ENV_VAR) or None
        if photos_dir is None:
            return None
    paths = photo_paths(photos_dir, ids)
    missing = [p for p in paths if not Path(p).is_file()]
    if not missing:
        return paths
    msg = f"{len(missing)} of the 730 photos are missing, e.g. {missing[0]!r}"
    if strict:
        raise FileNotFoundError(f"photos_dir: {msg}")
    # The variable may point at a tags-only copy used by load_mirflickr25k.
    warnings.warn(f"{ENV_VAR}: {msg}; image_paths is None.", stacklevel=3)
    return None
