"""The demo's data (skrobust.experiments._demo_data): where it finds the shared data."""

from pathlib import Path

from _shared import REPO, shared_data_dir
from skrobust.experiments import _demo_data


def test_shared_data_is_looked_for_beside_the_checkout():
    # As tests/_shared.py and CI have it: <repo>/../shared/data, not <repo>/shared/data.
    assert _demo_data._SHARED == REPO.parent / "shared" / "data"


def test_the_shared_data_sets_and_photos_are_found_without_arguments(monkeypatch):
    data = shared_data_dir()  # skip locally without it, fail in CI
    if data != REPO.parent / "shared" / "data":  # $SKROBUST_SHARED_DATA elsewhere
        monkeypatch.setattr(_demo_data, "_SHARED", data)
    monkeypatch.delenv("SKROBUST_MIRFLICKR_DIR", raising=False)
    assert _demo_data.default_data_dir("mulan-scene") == data / "mulan-scene"
    assert _demo_data.default_data_dir("mirflickr25k") == data / "mirflickr25k"
    photos = _demo_data._photos_dir(None)
    assert photos == data / "mirflickr25k" / "images"
    assert (Path(photos) / "im1.jpg").is_file()


def test_mirflickr25k_defaults_to_the_shared_at_scale_features():
    data = shared_data_dir() / "mirflickr25k"
    bunch = _demo_data.load_mirflickr25k_demo(data)
    assert bunch.X.shape == (12541, 1280)
    assert bunch.Y.shape == bunch.Z.shape == (12541, 24)
    # about 0.48 concept tags and 3.8 true concepts per image (the data README)
    assert 0.4 < bunch.Y.sum(axis=1).mean() < 0.56 and 3.6 < bunch.Z.sum(axis=1).mean() < 4.0
