"""The command line's input files, read strictly (skrobust.cli._inputs)."""

import numpy as np
import pytest

from skrobust.cli._inputs import read_features, read_photo_list, read_tags, split_tags


def test_split_tags_on_commas_and_whitespace():
    assert split_tags(" sky, clouds  sea,,new_york\t") == ["sky", "clouds", "sea", "new_york"]
    assert split_tags("") == []


def test_tags_need_one_line_per_row(tmp_path):
    path = tmp_path / "tags.txt"
    # U+2028 inside a line does not start the next photo's line (it is whitespace,
    # so it separates two tags of the same photo).
    path.write_text("sky,sea\n\ndog\u2028cat\n")
    assert read_tags(path, 3) == [["sky", "sea"], [], ["dog", "cat"]]
    with pytest.raises(ValueError, match="has 3 lines, but the features have 4 rows"):
        read_tags(path, 4)


def test_features_are_checked(tmp_path):
    good = tmp_path / "f.npy"
    np.save(good, np.arange(6, dtype=np.float64).reshape(3, 2))
    X = read_features(good)
    assert X.dtype == np.float32 and X.shape == (3, 2)
    cases = {
        "nan.npy": (np.array([[1.0, np.nan]]), r"1 values are not finite, the first in "
                    r"row 1, column 2"),
        "flat.npy": (np.zeros(3), r"expected a 2-D array"),
        "text.npy": (np.array([["a", "b"]]), "expected real numbers"),
        "objects.npy": (np.array([[{}]], dtype=object), "holds Python objects, not numbers"),
    }
    for name, (array, message) in cases.items():
        np.save(tmp_path / name, array, allow_pickle=True)
        with pytest.raises(ValueError, match=message):
            read_features(tmp_path / name)
    (tmp_path / "junk.npy").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.npy: not a .npy file"):
        read_features(tmp_path / "junk.npy")
    (tmp_path / "cut.npy").write_bytes(good.read_bytes()[:-5])
    with pytest.raises(ValueError, match="cut.npy: cannot read it as a .npy array"):
        read_features(tmp_path / "cut.npy")


def test_photo_list(tmp_path):
    path = tmp_path / "f.photos.txt"
    path.write_text("a.jpg\n\nb.jpg\n")
    with pytest.raises(ValueError, match="line 2: empty photo path"):
        read_photo_list(path)
    path.write_text("a.jpg\nb.jpg\n")
    with pytest.raises(ValueError, match="names 2 photos, but the features have 3 rows"):
        read_photo_list(path, 3)
