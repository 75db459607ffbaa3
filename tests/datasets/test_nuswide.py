"""Tests for the NUS-WIDE loader: the real ground truth in ../shared/data/nuswide
(zipped, read in place) and a six-image fixture in the official layout."""

import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from _shared import shared_data_dir
from skrobust.datasets import iter_nuswide_tags, load_nuswide

FIXTURE = Path(__file__).parents[1] / "fixtures" / "nuswide"
ALL_LABELS = np.array([[0, 1, 1], [1, 0, 1], [0, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1]])
TAGS = ["sky", "water", "lake", "plane", "blue"]


@pytest.fixture(scope="module")
def nus_dir():
    return shared_data_dir() / "nuswide"


def _csv_labels(nus_dir, split):
    """The third-party CSV copy of the split's labels, columns put right.

    Its header follows Concepts81.txt, but the data under "sun"/"sunset" and
    "water"/"waterfall" are swapped (water has 14,260 positives in the official
    Labels_water_Test.txt, waterfall 272; the CSV says the reverse), most likely
    a file-name sorting slip in its conversion. Swap them back to compare.
    """
    with zipfile.ZipFile(nus_dir / f"labels_{split}.zip") as zf:
        lines = zf.read(f"labels_{split}.csv").decode().splitlines()
    header = lines[0].split(",")[1:]
    order = {name: j for j, name in enumerate(header)}
    for a, b in [("sun", "sunset"), ("water", "waterfall")]:
        order[a], order[b] = order[b], order[a]
    return header, order, lines[1:]


# --- the real ground truth ---------------------------------------------------

def test_real_all_labels_fast(nus_dir):
    start = time.perf_counter()
    nus = load_nuswide(nus_dir)
    seconds = time.perf_counter() - start
    assert nus.target.shape == (269648, 81) and nus.target.dtype == np.int8
    assert len(nus.concept_names) == 81
    assert nus.concept_names[:3] == ["airport", "animal", "beach"]
    assert seconds < 20, f"{seconds:.1f} s for 81 x 269,648 lines"
    assert nus.data is None and nus.features == {}
    assert "Chua" in nus.DESCR


def test_real_test_split_matches_csv(nus_dir):
    nus = load_nuswide(nus_dir, subset="test")
    header, order, rows = _csv_labels(nus_dir, "test")
    assert header == nus.concept_names
    assert nus.target.shape == (107859, 81)
    csv = np.array([r.split(",")[1:] for r in rows], dtype=np.int8)
    np.testing.assert_array_equal(nus.target, csv[:, [order[c] for c in header]])
    positives = dict(zip(nus.concept_names, nus.target.sum(axis=0)))
    assert positives["water"] > 10 * positives["waterfall"]


def test_real_corrupt_lake_value_is_an_error(nus_dir):
    with pytest.raises(ValueError, match=r"Labels_lake_Train\.txt, line 78373.*-1130179"):
        load_nuswide(nus_dir, subset="train")


def test_real_corrupt_lake_value_opt_in_repair(nus_dir):
    with pytest.warns(UserWarning, match=r"Labels_lake_Train\.txt.*line 78373.*-1130179"):
        nus = load_nuswide(nus_dir, subset="train", concepts=["lake", "sky"],
                           on_invalid="zero")
    assert nus.target.shape == (161789, 2)
    assert nus.target[78372, 0] == 0
    header, order, rows = _csv_labels(nus_dir, "train")
    j = order["sky"]
    sky = np.array([r.split(",")[1 + j] for r in rows], dtype=np.int8)
    np.testing.assert_array_equal(nus.target[:, 1], sky)


def test_real_train_without_lake(nus_dir):
    nus = load_nuswide(nus_dir, subset="train", concepts=["sky", "water"])
    assert nus.target.shape == (161789, 2)


# --- the fixture in the official layout -----------------------------------------

def _check_fixture(nus):
    np.testing.assert_array_equal(nus.target, ALL_LABELS)
    assert nus.concept_names == ["airport", "lake", "sky"]
    assert nus.tag_names == TAGS
    tags = nus.tags.toarray()
    assert nus.tags.format == "csr" and tags.dtype == np.int8
    np.testing.assert_array_equal(tags[0], [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(tags[2], 0)
    assert nus.features["CH"].shape == (6, 64) and nus.features["CH"].dtype == np.float32
    assert nus.features["EDH"].shape == (6, 73)
    np.testing.assert_array_equal(
        nus.data, np.hstack([nus.features["CH"], nus.features["EDH"]])
    )


def test_fixture_extracted():
    _check_fixture(load_nuswide(FIXTURE, tags=True, features=["CH", "EDH"]))


def test_fixture_zipped(tmp_path):
    # The release's parts as zips, members with and without a top folder.
    for part, keep_top in [("Groundtruth", False), ("ConceptsList", False),
                           ("NUS_WID_Tags", True), ("Low_Level_Features", True)]:
        with zipfile.ZipFile(tmp_path / f"{part}.zip", "w") as zf:
            for f in sorted((FIXTURE / part).rglob("*")):
                if f.is_file():
                    rel = f.relative_to(FIXTURE if keep_top else FIXTURE / part)
                    zf.write(f, rel.as_posix())
    _check_fixture(load_nuswide(tmp_path, tags=True, features=["CH", "EDH"]))


def test_fixture_splits():
    train = load_nuswide(FIXTURE, subset="train", tags=True, features="CH")
    test = load_nuswide(FIXTURE, subset="test", tags=True, features=["CH"])
    full = load_nuswide(FIXTURE, tags=True, features=["CH"])
    np.testing.assert_array_equal(train.target, ALL_LABELS[:4])
    np.testing.assert_array_equal(test.target, ALL_LABELS[4:])
    np.testing.assert_array_equal(test.tags.toarray(), full.tags.toarray()[4:])
    np.testing.assert_array_equal(train.data, full.data[:4])


def test_fixture_env_var_and_concepts(monkeypatch):
    monkeypatch.setenv("SKROBUST_NUSWIDE_DIR", str(FIXTURE))
    nus = load_nuswide(concepts=["sky", "airport"])
    np.testing.assert_array_equal(nus.target, ALL_LABELS[:, [2, 0]])


def test_iter_tags_streams_in_chunks():
    chunks = list(iter_nuswide_tags(FIXTURE, chunk_size=4))
    assert [len(ids) for ids, _ in chunks] == [4, 2]
    ids = np.concatenate([ids for ids, _ in chunks])
    assert ids[0] == 2124494179 and ids.dtype == np.int64
    assert chunks[0][1][0] == ["sky", "lake", "reflection", "blue"]
    assert chunks[1][1][1] == ["sky", "clouds"]


# --- clear errors ----------------------------------------------------------------

@pytest.fixture
def broken(tmp_path):
    dest = tmp_path / "nuswide"
    shutil.copytree(FIXTURE, dest)
    return dest


def test_no_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SKROBUST_NUSWIDE_DIR", raising=False)
    with pytest.raises(ValueError, match="SKROBUST_NUSWIDE_DIR"):
        load_nuswide()
    with pytest.raises(FileNotFoundError, match="Concepts81.txt"):
        load_nuswide(tmp_path)


def test_missing_part(broken):
    shutil.rmtree(broken / "Low_Level_Features")
    with pytest.raises(FileNotFoundError, match="Normalized_CH.dat"):
        load_nuswide(broken, features=["CH"])


def test_truncated_label_file(broken):
    path = broken / "Groundtruth" / "AllLabels" / "Labels_sky.txt"
    path.write_text("1\n1\n0\n")
    with pytest.raises(ValueError, match=r"Labels_sky.txt: 3 lines.*truncated"):
        load_nuswide(broken)


def test_out_of_range_tag_value(broken):
    path = broken / "NUS_WID_Tags" / "AllTags1k.txt"
    lines = path.read_text().splitlines()
    lines[3] = "0 1 2 0 0 "
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"AllTags1k.txt, line 4, column 3: 2"):
        load_nuswide(broken, tags=True)


def test_wrong_feature_width(broken):
    path = broken / "Low_Level_Features" / "Normalized_EDH.dat"
    lines = path.read_text().splitlines()
    lines[4] = " ".join(lines[4].split()[:-1])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Normalized_EDH.dat, line 5: expected 73"):
        load_nuswide(broken, features=["EDH"])


def test_feature_not_a_number(broken):
    path = broken / "Low_Level_Features" / "Normalized_CH.dat"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("0.", "x.", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Normalized_CH.dat, line 2, column 1: not a number: .x\.298696."):
        load_nuswide(broken, features=["CH"])


def test_feature_rows_must_match_labels(broken):
    path = broken / "Low_Level_Features" / "Normalized_CH.dat"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:5]) + "\n")
    with pytest.raises(ValueError, match=r"Normalized_CH.dat: 5 lines.*6 images"):
        load_nuswide(broken, features=["CH"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="subset"):
        load_nuswide(FIXTURE, subset="val")
    with pytest.raises(ValueError, match="on_invalid"):
        load_nuswide(FIXTURE, on_invalid="ignore")
    with pytest.raises(ValueError, match="unknown NUS-WIDE feature"):
        load_nuswide(FIXTURE, features=["SIFT"])
    with pytest.raises(ValueError, match="not NUS-WIDE concepts"):
        load_nuswide(FIXTURE, concepts=["unicorn"])
    with pytest.raises(ValueError, match="chunk_size"):
        next(iter_nuswide_tags(FIXTURE, chunk_size=0))
