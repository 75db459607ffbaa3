"""load_mirflickr_features: a features file joined through its ids file with
MIRFLICKR-25k's user tags and labels (the at-scale real set, and a user's own)."""


import numpy as np
import pytest

from _shared import shared_data_dir
from skrobust.datasets import load_mirflickr25k, load_mirflickr_features
from skrobust.datasets._mirflickr_features import default_ids_path


@pytest.fixture(scope="module")
def mir_dir():
    return shared_data_dir() / "mirflickr25k"


@pytest.fixture(scope="module")
def collection(mir_dir):
    return load_mirflickr25k(mir_dir)


def _write(tmp_path, X, ids, name="feats.npy"):
    path = tmp_path / name
    np.save(path, X)
    default_ids_path(path).write_text("".join(f"{n}\n" for n in ids))
    return path


def test_the_at_scale_set(mir_dir, collection):
    features = mir_dir / "features" / "effnetlite0_thumb128.npy"
    mir = load_mirflickr_features(features, data_home=mir_dir)
    assert mir.data.shape == (12541, 1280) and mir.data.dtype == np.float32
    assert mir.target.shape == (12541, 24) and len(mir.tags) == 12541
    # Each row is the photo its ids line names.
    line = {int(n): i for i, n in enumerate(collection.image_ids)}
    for row in (0, 5000, 12540):
        i = line[int(mir.image_ids[row])]
        assert mir.tags[row] == collection.tags[i]
        np.testing.assert_array_equal(mir.target[row], collection.labels[i])
        assert mir.n_tags[row] == len(set(collection.tags[i]))
    # About 3.8 true concepts per image (data README).
    assert 3.6 < mir.target.sum(axis=1).mean() < 4.0


def test_rows_in_any_order_are_joined_by_their_ids(tmp_path, mir_dir, collection):
    ids = [7, 3, 1000, 2]
    X = np.arange(len(ids) * 4, dtype=np.float16).reshape(len(ids), 4)
    path = _write(tmp_path, X, ids)
    mir = load_mirflickr_features(path, data_home=mir_dir)
    line = {int(n): i for i, n in enumerate(collection.image_ids)}
    np.testing.assert_array_equal(mir.image_ids, ids)
    np.testing.assert_array_equal(mir.data, X.astype(np.float32))
    np.testing.assert_array_equal(mir.target, collection.labels[[line[n] for n in ids]])
    # An explicit ids file takes the place of the default one.
    other = tmp_path / "other_ids.txt"
    other.write_text("2\n3\n7\n1000\n")
    np.testing.assert_array_equal(
        load_mirflickr_features(path, ids=other, data_home=mir_dir).image_ids, [2, 3, 7, 1000])


@pytest.mark.parametrize("bad, message", [
    ("1\n1_0\n", "line 2"),        # int() would read 10
    ("1\n+3\n", "line 2"),
    ("1\n\uff13\n", "line 2"),      # a fullwidth digit
    ("1\n1\n", "image 1 again"),
    ("1\n10\n", "image 10 is not in"),  # photo 10 is not in the labelled subset
])
def test_bad_ids_lines_are_refused_with_file_and_line(tmp_path, mir_dir, bad, message):
    path = tmp_path / "feats.npy"
    np.save(path, np.zeros((2, 3), dtype=np.float32))
    default_ids_path(path).write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_mirflickr_features(path, data_home=mir_dir)


def test_features_that_do_not_fit_their_ids_are_refused(tmp_path, mir_dir):
    path = _write(tmp_path, np.zeros((3, 4), dtype=np.float32), [1, 2])
    with pytest.raises(ValueError, match="3 rows, but its ids file names 2"):
        load_mirflickr_features(path, data_home=mir_dir)
    path = _write(tmp_path, np.array([[0.0, np.nan], [1.0, 2.0]]), [1, 2], "nan.npy")
    with pytest.raises(ValueError, match="row 0 holds a NaN"):
        load_mirflickr_features(path, data_home=mir_dir)
    path = _write(tmp_path, np.zeros((2, 2), dtype=np.int64), [1, 2], "int.npy")
    with pytest.raises(ValueError, match="2-D float array"):
        load_mirflickr_features(path, data_home=mir_dir)
    lonely = tmp_path / "lonely.npy"
    np.save(lonely, np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(FileNotFoundError, match="lonely.ids.txt"):
        load_mirflickr_features(lonely, data_home=mir_dir)


def test_the_callers_files_are_left_as_they_were(tmp_path, mir_dir):
    path = _write(tmp_path, np.ones((2, 3), dtype=np.float16), [1, 2])
    before = path.read_bytes()
    load_mirflickr_features(path, data_home=mir_dir)
    assert path.read_bytes() == before
