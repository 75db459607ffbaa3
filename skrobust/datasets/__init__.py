"""Data sets: a synthetic generator with known tag noise, and loaders for real data."""

from skrobust.datasets._embedded import load_mirflickr_subset
from skrobust.datasets._mirflickr import MIRFLICKR_CONCEPTS, load_mirflickr25k
from skrobust.datasets._mirflickr_features import load_mirflickr_features
from skrobust.datasets._mulan import SCENE_LABELS, load_mulan_scene
from skrobust.datasets._nuswide import NUSWIDE_FEATURES, iter_nuswide_tags, load_nuswide
from skrobust.datasets._synthetic import make_tagged_classification
from skrobust.datasets._yfcc import YFCCChunk, iter_yfcc100m

__all__ = [
    "MIRFLICKR_CONCEPTS",
    "NUSWIDE_FEATURES",
    "SCENE_LABELS",
    "YFCCChunk",
    "iter_nuswide_tags",
    "iter_yfcc100m",
    "load_mirflickr25k",
    "load_mirflickr_features",
    "load_mirflickr_subset",
    "load_mulan_scene",
    "load_nuswide",
    "make_tagged_classification",
]
