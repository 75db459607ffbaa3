"""Tests for the streaming YFCC100M metadata reader, on fixture lines in both
official column layouts, plain and compressed."""

import bz2
import gzip
import lzma
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GroupShuffleSplit

from skrobust.datasets import iter_yfcc100m

FIXTURES = Path(__file__).parents[1] / "fixtures" / "yfcc"
FILE25 = FIXTURES / "yfcc100m_dataset.tsv"
FILE23 = FIXTURES / "yfcc100m_dataset-0.tsv"
VIDEO_ID = 2920139427


def _all(path, **kw):
    chunks = list(iter_yfcc100m(path, **kw))
    ids = np.concatenate([c.photo_ids for c in chunks])
    users = np.concatenate([c.user_ids for c in chunks])
    tags = [t for c in chunks for t in c.tags]
    return chunks, ids, users, tags


@pytest.mark.parametrize("path", [FILE25, FILE23], ids=["25-fields", "23-fields"])
def test_both_layouts(path):
    _, ids, users, tags = _all(path)
    assert ids.dtype == np.int64 and len(ids) == 7  # 8 lines, one video skipped
    assert VIDEO_ID not in ids
    assert ids[0] == 6985418911 and users[0] == "48600090482@N01"
    assert tags[0] == ["lake", "sunset", "new york", "reflection"]  # '+' is a space
    assert tags[1] == ["dog", "puppy", "café"]  # %-escapes decoded as UTF-8
    assert tags[2] == []  # a photo without tags
    assert tags[4] == ["beach", "sea", "sand", "100% fun"]


def test_videos_kept_on_request():
    _, ids, _, tags = _all(FILE25, skip_videos=False)
    assert len(ids) == 8 and ids[2] == VIDEO_ID and tags[2] == ["party", "friends"]


def test_chunks():
    chunks, ids, _, _ = _all(FILE25, chunk_size=3)
    assert [len(c.photo_ids) for c in chunks] == [3, 3, 1]
    assert all(len(c.user_ids) == len(c.tags) == len(c.photo_ids) for c in chunks)
    np.testing.assert_array_equal(ids, _all(FILE25)[1])


def test_is_lazy(tmp_path):
    """A generator: the bad line 5 is not reached when only chunk 1 is read."""
    lines = FILE25.read_text().splitlines()
    lines[4] = "broken line"
    path = tmp_path / "meta.tsv"
    path.write_text("\n".join(lines) + "\n")
    stream = iter_yfcc100m(path, chunk_size=2)
    assert len(next(stream).photo_ids) == 2
    with pytest.raises(ValueError, match="line 5"):
        list(stream)


@pytest.mark.parametrize("ext,opener", [(".gz", gzip.open), (".bz2", bz2.open),
                                        (".xz", lzma.open)])
def test_compressed(tmp_path, ext, opener):
    path = tmp_path / f"yfcc100m_dataset{ext}"
    with opener(path, "wb") as f:
        f.write(FILE25.read_bytes())
    _, ids, users, tags = _all(path)
    _, ids0, users0, tags0 = _all(FILE25)
    np.testing.assert_array_equal(ids, ids0)
    np.testing.assert_array_equal(users, users0)
    assert tags == tags0


def test_user_ids_group_a_split_by_user():
    _, ids, users, _ = _all(FILE25)
    splitter = GroupShuffleSplit(n_splits=5, test_size=0.5, random_state=0)
    for train, test in splitter.split(ids, groups=users):
        assert len(train) and len(test)
        assert not set(users[train]) & set(users[test])


def _write(tmp_path, lines):
    path = tmp_path / "meta.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_errors(tmp_path):
    lines = FILE25.read_text().splitlines()
    with pytest.raises(FileNotFoundError, match="nope.bz2"):
        list(iter_yfcc100m(tmp_path / "nope.bz2"))
    with pytest.raises(ValueError, match=r"line 1: 3 tab-separated fields"):
        list(iter_yfcc100m(_write(tmp_path, ["a\tb\tc"])))
    truncated = lines[:3] + [lines[3].rsplit("\t", 5)[0]] + lines[4:]
    with pytest.raises(ValueError, match=r"meta.tsv, line 4: 20 fields, expected 25"):
        list(iter_yfcc100m(_write(tmp_path, truncated)))
    bad_id = lines[:1] + ["\t".join(["1", "12x"] + lines[1].split("\t")[2:])]
    with pytest.raises(ValueError, match=r"meta.tsv, line 2, column 2: photo id '12x'"):
        list(iter_yfcc100m(_write(tmp_path, bad_id)))
    bad_marker = lines[:1] + [lines[1].rsplit("\t", 1)[0] + "\t7"]
    with pytest.raises(ValueError, match=r"meta.tsv, line 2, column 25: photo/video marker '7'"):
        list(iter_yfcc100m(_write(tmp_path, bad_marker)))
    with pytest.raises(ValueError, match="chunk_size"):
        next(iter_yfcc100m(FILE25, chunk_size=0))
