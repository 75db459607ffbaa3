"""Tests for the MIRFLICKR-25k loader, on the real files and on broken copies."""

import shutil

import numpy as np
import pytest

from _shared import shared_data_dir
from skrobust.datasets import MIRFLICKR_CONCEPTS, load_mirflickr25k


@pytest.fixture(scope="module")
def mir_dir():
    return shared_data_dir() / "mirflickr25k"


@pytest.fixture
def broken_copy(tmp_path, mir_dir):
    """A tags-and-labels copy of the real data that a test may damage."""
    for name in ["all_imgs.txt", "all_tags.txt", "all_labels.txt", "TagList.txt"]:
        shutil.copy(mir_dir / name, tmp_path / name)
    return tmp_path


def test_real_files(mir_dir):
    mir = load_mirflickr25k(mir_dir)
    assert len(mir.tags) == 20015
    assert mir.labels.shape == (20015, 24) and mir.labels.dtype == np.int8
    assert mir.concept_names == list(MIRFLICKR_CONCEPTS)
    assert len(mir.tag_list) == 1386
    assert mir.image_ids[:3].tolist() == [1, 2, 3]
    assert len(np.unique(mir.image_ids)) == 20015
    assert mir.tags[0] == ["cigarette", "tattoos", "smoke", "red", "dress", "sunglasses"]
    vocab = set(mir.tag_list)
    assert all(t in vocab for tags in mir.tags for t in tags)
    # About 4.6 tags per image (data README), every image has >= 1 concept.
    assert 4.4 < np.mean([len(t) for t in mir.tags]) < 4.8
    assert mir.labels.any(axis=1).all()
    # The 1,000 photos we have: 730 of them in the subset.
    assert sum(p is not None for p in mir.image_paths) == 730
    assert "Huiskes" in mir.DESCR


def test_env_var(mir_dir, monkeypatch):
    monkeypatch.setenv("SKROBUST_MIRFLICKR_DIR", str(mir_dir))
    assert load_mirflickr25k().labels.shape == (20015, 24)


def test_no_path_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("SKROBUST_MIRFLICKR_DIR", raising=False)
    with pytest.raises(ValueError, match="SKROBUST_MIRFLICKR_DIR"):
        load_mirflickr25k()
    with pytest.raises(FileNotFoundError, match="no such directory"):
        load_mirflickr25k(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="all_imgs.txt"):
        load_mirflickr25k(tmp_path)


def _rewrite_line(path, lineno, new):
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_wrong_column_count(broken_copy):
    _rewrite_line(broken_copy / "all_labels.txt", 5, "0 1 0")
    with pytest.raises(ValueError, match=r"all_labels.txt, line 5: expected 24 values"):
        load_mirflickr25k(broken_copy)


def test_out_of_range_label(broken_copy):
    _rewrite_line(broken_copy / "all_labels.txt", 7, " ".join(["0"] * 23 + ["2"]))
    msg = r"all_labels.txt, line 7, column 24: 2 is not one of \[0, 1\]"
    with pytest.raises(ValueError, match=msg):
        load_mirflickr25k(broken_copy)


def test_non_integer_label(broken_copy):
    _rewrite_line(broken_copy / "all_labels.txt", 3, " ".join(["0"] * 23 + ["x"]))
    with pytest.raises(ValueError, match=r"all_labels.txt, line 3, column 24: not an integer: 'x'"):
        load_mirflickr25k(broken_copy)


def test_truncated_tags_file(broken_copy):
    path = broken_copy / "all_tags.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-10]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"all_tags.txt: 20005 lines.*truncated"):
        load_mirflickr25k(broken_copy)


def test_malformed_image_line(broken_copy):
    _rewrite_line(broken_copy / "all_imgs.txt", 2, "mirflickr/picture.png")
    with pytest.raises(ValueError, match=r"all_imgs.txt, line 2"):
        load_mirflickr25k(broken_copy)
