"""Fault injection for the data loaders: corrupt files of every kind, each of
which must fail with a ValueError (FileNotFoundError for a missing file) whose
message names the file and the line (and column where there is one), never load
shifted or altered data.

Every fixture is written in ``tmp_path``: a small MIRFLICKR-layout set, a copy
of the NUS-WIDE fixture in tests/fixtures, an ARFF file, YFCC metadata lines and
streaming ``.npy``/``.npz`` files.
"""

import bz2
import gzip
import io
import lzma
import re
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust.datasets import (
    iter_nuswide_tags,
    iter_yfcc100m,
    load_mirflickr25k,
    load_mirflickr_subset,
    load_mulan_scene,
    load_nuswide,
)
from skrobust.datasets import _embedded
from skrobust.datasets._base import parse_int_matrix
from skrobust.datasets._mulan import _read_arff
from skrobust.datasets._text import iter_lines, read_lines, split_lines, unique_names
from skrobust.streaming import ChunkedDataset

FIXTURES = Path(__file__).parent / "fixtures"
N_IMAGES = 250
VOCAB = ["sky", "sea", "dog", "tree", "night", "café"]


def _raises_at(file_name, line, column=None, error=ValueError, match=None):
    """pytest.raises whose message must name the file, the line and the column."""
    where = re.escape(file_name) + rf", line {line}\b"
    if column is not None:
        where += rf", column {column}\b"
    return pytest.raises(error, match=where + (f".*{match}" if match else ""))


def _flip_member_byte(data, member):
    """``data`` (a zip file's bytes) with one byte flipped in the middle of
    ``member``'s compressed data: the archive opens, the member fails its CRC."""
    probe = zipfile.ZipFile(io.BytesIO(data))
    info = probe.getinfo(member)
    # The local header: 30 bytes, then the name and extra field, whose lengths
    # sit at offsets 26 and 28 (they may differ from the central directory's).
    head = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[head + 26 : head + 30])
    start = head + 30 + name_len + extra_len
    out = bytearray(data)
    out[start + info.compress_size // 2] ^= 0xFF
    return bytes(out)


# --- MIRFLICKR layout -----------------------------------------------------------

def _write_lines(path, lines, newline="\r\n"):
    path.write_bytes("".join(line + newline for line in lines).encode("utf-8"))


@pytest.fixture
def mir(tmp_path):
    """A 250-image MIRFLICKR-layout directory (CRLF, as the real files)."""
    rng = np.random.RandomState(0)
    _write_lines(tmp_path / "all_imgs.txt", [f"mirflickr/im{i}.jpg" for i in range(1, 251)])
    tags = [",".join(rng.choice(VOCAB, size=i % 4, replace=False)) for i in range(N_IMAGES)]
    _write_lines(tmp_path / "all_tags.txt", tags)
    labels = rng.randint(0, 2, size=(N_IMAGES, 24))
    _write_lines(tmp_path / "all_labels.txt", [" ".join(map(str, r)) for r in labels])
    _write_lines(tmp_path / "TagList.txt", VOCAB)
    return tmp_path


def _edit_line(path, lineno, edit):
    """Apply ``edit`` (bytes -> bytes) to line ``lineno`` (1-based) of ``path``."""
    lines = path.read_bytes().split(b"\r\n")
    lines[lineno - 1] = edit(lines[lineno - 1])
    path.write_bytes(b"\r\n".join(lines))


def test_mirflickr_fixture_loads(mir):
    data = load_mirflickr25k(mir)
    assert data.labels.shape == (N_IMAGES, 24) and len(data.tags) == N_IMAGES
    assert data.tag_list == VOCAB and "café" in {t for tags in data.tags for t in tags}


def test_mirflickr_labels_count_checked_on_every_line(mir):
    """25 values on line 101 and 23 on line 201: the total is right (the old
    parser loaded it, every row between the two shifted by one value)."""
    path = mir / "all_labels.txt"
    _edit_line(path, 101, lambda b: b + b" 0")
    _edit_line(path, 201, lambda b: b.rsplit(b" ", 1)[0])
    with _raises_at("all_labels.txt", 101, match="expected 24 values, found 25"):
        load_mirflickr25k(mir)
    _edit_line(path, 101, lambda b: b.rsplit(b" ", 1)[0])
    with _raises_at("all_labels.txt", 201, match="expected 24 values, found 23"):
        load_mirflickr25k(mir)


@pytest.mark.parametrize("token", ["01", "00", "+1", "1_0", "١", "1.0", "0\x0c"])
def test_mirflickr_label_tokens_must_be_exactly_0_or_1(mir, token):
    _edit_line(mir / "all_labels.txt", 42,
               lambda b: b"1 " * 23 + token.encode("utf-8"))
    error = _raises_at("all_labels.txt", 42, column=24, match="not an integer")
    if token == "١":  # not ASCII: the file is ASCII
        error = _raises_at("all_labels.txt", 42, column=47, match="not valid ascii")
    with error:
        load_mirflickr25k(mir)


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\x0c", "\r", "\x1e", "\u2029"])
def test_mirflickr_tags_line_breaks_stay_inside_their_line(mir, char):
    """str.splitlines() broke lines at these, shifting every later image's tags."""
    _edit_line(mir / "all_tags.txt", 120,
               lambda b: ("sky" + char + "dog").encode("utf-8"))
    error = _raises_at("all_tags.txt", 120, column=1, match=re.escape(repr("sky" + char + "dog")))
    if char == "\r":  # a lone CR is refused by the text reader itself, where it is
        error = _raises_at("all_tags.txt", 120, column=4, match="carriage return")
    with error:
        load_mirflickr25k(mir)


@pytest.mark.parametrize("name,line,column", [
    ("all_tags.txt", 30, 4), ("all_imgs.txt", 17, 14), ("TagList.txt", 3, 2),
    ("all_labels.txt", 9, 3),
])
def test_mirflickr_invalid_utf8(mir, name, line, column):
    _edit_line(mir / name, line, lambda b: b[: column - 1] + b"\xff" + b[column:])
    with _raises_at(name, line, column, match=r"b'\\xff' is not valid"):
        load_mirflickr25k(mir)


def test_mirflickr_other_faults(mir):
    _edit_line(mir / "all_tags.txt", 60, lambda b: b"sky,,dog")
    with _raises_at("all_tags.txt", 60, column=2, match="empty tag"):
        load_mirflickr25k(mir)
    _edit_line(mir / "all_tags.txt", 60, lambda b: b"sky,cat")
    with _raises_at("all_tags.txt", 60, column=2, match="'cat' is not in TagList.txt"):
        load_mirflickr25k(mir)
    _edit_line(mir / "all_tags.txt", 60, lambda b: b"sky")
    _edit_line(mir / "all_imgs.txt", 88, lambda b: b"mirflickr/im3.jpg")
    with _raises_at("all_imgs.txt", 88, column=1, match=r"im3.jpg again \(first on line 3\)"):
        load_mirflickr25k(mir)
    _edit_line(mir / "all_imgs.txt", 88, lambda b: b"mirflickr/im0088.jpg")
    with _raises_at("all_imgs.txt", 88, column=1, match="expected 'mirflickr/imN.jpg'"):
        load_mirflickr25k(mir)
    _edit_line(mir / "all_imgs.txt", 88, lambda b: b"mirflickr/im88.jpg")
    _edit_line(mir / "TagList.txt", 2, lambda b: b"sea dog")
    with _raises_at("TagList.txt", 2, column=1, match="no whitespace"):
        load_mirflickr25k(mir)


# --- the text helpers -----------------------------------------------------------

def test_unique_names_of_vocabulary_files():
    # One check serves MIRFLICKR's TagList.txt and NUS-WIDE's name lists.
    assert unique_names(["sky", "sea", "", ""], "v.txt") == ["sky", "sea"]
    with pytest.raises(ValueError, match=r"v.txt, line 3, column 1: 'sky' again "
                                         r"\(first on line 1\)"):
        unique_names(["sky", "sea", "sky"], "v.txt")
    with pytest.raises(ValueError, match=r"line 2, column 1: expected one name "
                                         r"\(no whitespace\), got ''"):
        unique_names(["sky", "", "sea"], "v.txt")
    with pytest.raises(ValueError, match=r"expected one tag \(no comma, no whitespace\)"):
        unique_names(["sky,sea"], "TagList.txt", kind="tag", no_comma=True)
    assert unique_names(["sky,sea"], "names.txt") == ["sky,sea"]


def test_split_lines_only_at_newline():
    text = "a\u2028b\r\nc\x85d\x0ce\rf\n\ng\n"
    assert split_lines(text) == ["a\u2028b", "c\x85d\x0ce\rf", "", "g"]
    assert text.splitlines() != split_lines(text)  # what the loaders used before
    assert split_lines("x") == ["x"] and split_lines("x\n") == ["x"]


def test_iter_lines_names_line_and_column(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("é\r\nok\u2028ok\n".encode("utf-8") + b"ab\xe9cd\n")
    with path.open("rb") as f:
        lines = iter_lines(f, str(path))
        assert [next(lines), next(lines)] == [(1, "é"), (2, "ok\u2028ok")]
        with _raises_at("t.txt", 3, column=3, match=r"b'\\xe9' is not valid utf-8"):
            next(lines)
    with _raises_at("t.txt", 3, column=3):
        read_lines(path)


def test_parse_int_matrix_checks_lines_even_when_the_total_is_right():
    with _raises_at("m.txt", 2, match="expected 2 values, found 3"):
        parse_int_matrix("0 1\n0 1 1\n1\n", 2, "m.txt", allowed=(0, 1))
    with _raises_at("m.txt", 3, match="expected 2 values, found 0"):
        parse_int_matrix("0 1\n1 1\n\n0 0\n", 2, "m.txt", allowed=(0, 1))
    assert parse_int_matrix("0 1\n1 1\n\n\n", 2, "m.txt").tolist() == [[0, 1], [1, 1]]
    with _raises_at("m.txt", 1, column=2, match="too large"):
        parse_int_matrix("1 99999999999999999999\n", 2, "m.txt", dtype=np.int64)


# --- NUS-WIDE ---------------------------------------------------------------------

@pytest.fixture
def nus(tmp_path):
    dest = tmp_path / "nuswide"
    shutil.copytree(FIXTURES / "nuswide", dest)
    return dest


def _zip_part(root, part):
    """Replace the folder ``root/part`` by ``root/part.zip`` (same members)."""
    with zipfile.ZipFile(root / f"{part}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((root / part).rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root / part).as_posix())
    shutil.rmtree(root / part)
    return root / f"{part}.zip"


def test_nuswide_label_01_is_two_values_run_together(nus):
    path = nus / "Groundtruth" / "AllLabels" / "Labels_sky.txt"
    path.write_bytes(b"1\n1\n01\n1\n1\n")  # lines 3 and 4 run together
    with _raises_at("Labels_sky.txt", 3, column=1, match="'01'.*leading zero"):
        load_nuswide(nus)


@pytest.mark.parametrize("data,line", [(b"1\n1\n0\r1\n1\n1\n", 3), (b"1\n1\n0\n\n1\n1\n1\n", 4),
                                       (b"1\n1\n0\n0\n1\n1 \x0c\n", 6)])
def test_nuswide_label_other_separators(nus, data, line):
    (nus / "Groundtruth" / "AllLabels" / "Labels_sky.txt").write_bytes(data)
    with _raises_at("Labels_sky.txt", line):
        load_nuswide(nus)


def test_nuswide_invalid_utf8(nus):
    path = nus / "Groundtruth" / "AllLabels" / "Labels_lake.txt"
    path.write_bytes(b"0\n1\n\xff\n0\n0\n0\n")
    with _raises_at("Labels_lake.txt", 3, column=1, match="not valid utf-8"):
        load_nuswide(nus)
    shutil.copy(FIXTURES / "nuswide/Groundtruth/AllLabels/Labels_lake.txt", path)
    (nus / "ConceptsList" / "Concepts81.txt").write_bytes(b"airport\r\nla\xc3ke\r\nsky\r\n")
    with _raises_at("Concepts81.txt", 2, column=3, match="not valid utf-8"):
        load_nuswide(nus)


def test_nuswide_tags_file_invalid_utf8_and_breaks(nus):
    path = nus / "NUS_WID_Tags" / "All_Tags.txt"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b" caf\xe9"
    path.write_bytes(b"\n".join(lines))
    with _raises_at("All_Tags.txt", 3, match="not valid utf-8"):
        list(iter_nuswide_tags(nus))
    # A U+2028 inside a raw tag stays inside its line and its tag.
    lines[2] = "541190 sky\u2028sea dog".encode("utf-8")
    path.write_bytes(b"\n".join(lines))
    (ids, tags), = list(iter_nuswide_tags(nus))
    assert len(ids) == 6 and tags[2] == ["sky\u2028sea", "dog"]
    lines[2] = b"54119O sky"
    path.write_bytes(b"\n".join(lines))
    with _raises_at("All_Tags.txt", 3, column=1, match="expected a photo id"):
        list(iter_nuswide_tags(nus))
    lines[2] = b""
    path.write_bytes(b"\n".join(lines))
    with _raises_at("All_Tags.txt", 3, column=1, match="blank line"):
        list(iter_nuswide_tags(nus))


def test_nuswide_features_nonfinite_and_syntax(nus):
    path = nus / "Low_Level_Features" / "Normalized_CH.dat"
    original = path.read_bytes()
    for bad in (b"nan", b"inf", b"1e400", b"-Infinity"):
        lines = original.split(b"\n")
        fields = lines[3].split(b" ")
        fields[6] = bad
        lines[3] = b" ".join(fields)
        path.write_bytes(b"\n".join(lines))
        with _raises_at("Normalized_CH.dat", 4, column=7, match="not a finite float32"):
            load_nuswide(nus, features=["CH"])
        with pytest.warns(UserWarning, match=r"Normalized_CH.dat.*line 4, column 7"):
            X = load_nuswide(nus, features=["CH"], on_invalid="zero").features["CH"]
        assert X[3, 6] == 0 and np.isfinite(X).all()
    for bad in (b"1_0", b"0x1", "١".encode("utf-8")):
        lines = original.split(b"\n")
        lines[3] = lines[3].replace(b" ", b" " + bad + b" ", 1)[:-len(bad) - 2]
        path.write_bytes(b"\n".join(lines))
        with _raises_at("Normalized_CH.dat", 4):
            load_nuswide(nus, features=["CH"], on_invalid="zero")


def test_nuswide_truncated_zip(nus):
    zpath = _zip_part(nus, "Groundtruth")
    assert load_nuswide(nus).target.shape == (6, 3)
    data = zpath.read_bytes()
    zpath.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"Groundtruth\.zip: damaged or truncated.*BadZipFile"):
        load_nuswide(nus)


def test_nuswide_damaged_zip_member(nus):
    zpath = _zip_part(nus, "Groundtruth")
    zpath.write_bytes(_flip_member_byte(zpath.read_bytes(), "AllLabels/Labels_sky.txt"))
    with pytest.raises(ValueError, match=r"Groundtruth\.zip:AllLabels/Labels_sky\.txt: damaged"):
        load_nuswide(nus)


# --- MULAN ARFF -------------------------------------------------------------------

SCENE_HEADER = (
    ["@relation scene", ""]
    + [f"@attribute Att{i} numeric" for i in range(1, 4)]
    + [f"@attribute {name} {{0,1}}" for name in
       ("Beach", "Sunset", "FallFoliage", "Field", "Mountain", "Urban")]
    + ["", "@data"]
)


def _scene_rows(n=40):
    rng = np.random.RandomState(1)
    return [",".join([f"{v:.6f}" for v in rng.rand(3)] + [str(b) for b in rng.randint(0, 2, 6)])
            for _ in range(n)]


@pytest.fixture
def scene(tmp_path):
    rows = _scene_rows()
    for part in ("train", "test"):
        _write_lines(tmp_path / f"scene-{part}.arff", SCENE_HEADER + rows, newline="\n")
    return tmp_path


def _edit_field(path, lineno, column, value):
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[lineno - 1].split(",")
    fields[column - 1] = value
    lines[lineno - 1] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")


DATA_LINE_1 = len(SCENE_HEADER) + 1  # the file's line number of the first data row


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "NaN", "3e39"])
def test_arff_nonfinite_feature_is_named_by_line(scene, value):
    line = DATA_LINE_1 + 29  # "data row 30" in the old message
    _edit_field(scene / "scene-train.arff", line, 2, value)
    with _raises_at("scene-train.arff", line, column=2, match=f"'{value}' is not a finite"):
        load_mulan_scene(scene)
    with pytest.warns(UserWarning, match=rf"scene-train.arff.*line {line}, column 2"):
        X = load_mulan_scene(scene, on_invalid="zero").data
    assert X[29, 1] == 0 and np.isfinite(X).all()


@pytest.mark.parametrize("value,column,why", [
    ("0.5.1", 1, "not a decimal number"), ("1_0", 3, "not a decimal number"),
    ("?", 2, "missing value"), ("01", 4, "not 0 or 1"), ("1.0", 9, "not 0 or 1"),
    ("٣", 1, "not a decimal number"), ("", 5, "not 0 or 1"),
])
def test_arff_malformed_values(scene, value, column, why):
    line = DATA_LINE_1 + 7
    _edit_field(scene / "scene-train.arff", line, column, value)
    with _raises_at("scene-train.arff", line, column=column, match=why):
        load_mulan_scene(scene, on_invalid="zero")  # never repaired


def test_arff_label_out_of_set_follows_on_invalid(scene):
    line = DATA_LINE_1 + 3
    _edit_field(scene / "scene-train.arff", line, 5, "2")
    with _raises_at("scene-train.arff", line, column=5, match=r"'2' is not one of \[0, 1\]"):
        load_mulan_scene(scene)
    with pytest.warns(UserWarning, match=rf"line {line}, column 5"):
        assert load_mulan_scene(scene, on_invalid="zero").target[3, 1] == 0


def test_arff_header_and_encoding(scene):
    path = scene / "scene-train.arff"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("@attribute Att2 numeric", "@attribute Att2 string"))
    with _raises_at("scene-train.arff", 4, column=1, match="'string' is not supported"):
        load_mulan_scene(scene)
    path.write_text(text.replace("@attribute Att2 numeric", "Att2 numeric"))
    with _raises_at("scene-train.arff", 4, column=1, match="expected @relation"):
        load_mulan_scene(scene)
    path.write_text(text.replace("@attribute Beach", "@attribute Plage"))
    with pytest.raises(ValueError, match=r"scene-train.arff: the label attributes"):
        load_mulan_scene(scene)
    data = text.encode("utf-8").split(b"\n")
    data[DATA_LINE_1 + 4] = b"0.1,\xff0.2" + data[DATA_LINE_1 + 4][9:]
    path.write_bytes(b"\n".join(data))
    with _raises_at("scene-train.arff", DATA_LINE_1 + 5, column=5, match="not valid utf-8"):
        load_mulan_scene(scene)


def test_arff_reader_keeps_its_signature(scene):
    """benchmarks/quality reads Corel16k with ``_read_arff(path, n_labels)``."""
    X, Z, names = _read_arff(scene / "scene-test.arff", 6)
    assert X.shape == (40, 3) and Z.shape == (40, 6) and names[0] == "Beach"


# --- YFCC100M ---------------------------------------------------------------------

YFCC = FIXTURES / "yfcc" / "yfcc100m_dataset.tsv"


def _yfcc(tmp_path, edit=None, name="meta.tsv"):
    lines = YFCC.read_bytes().split(b"\n")
    if edit is not None:
        edit(lines)
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines))
    return path


def _set_field(lineno, column, value):
    def edit(lines):
        fields = lines[lineno - 1].split(b"\t")
        fields[column - 1] = value
        lines[lineno - 1] = b"\t".join(fields)
    return edit


@pytest.mark.parametrize("photo_id", [b"1_001", b"+1001", b" 1001", "١٠".encode("utf-8"), b""])
def test_yfcc_photo_id_digits_only(tmp_path, photo_id):
    path = _yfcc(tmp_path, _set_field(4, 2, photo_id))
    with _raises_at("meta.tsv", 4, column=2, match="photo id"):
        list(iter_yfcc100m(path))


def test_yfcc_invalid_utf8_is_an_error_not_replaced(tmp_path):
    path = _yfcc(tmp_path, _set_field(5, 9, b"Caf\xe9+au+lait"))  # a title
    column = len(b"\t".join(path.read_bytes().split(b"\n")[4].split(b"\t")[:8])) + 5
    with _raises_at("meta.tsv", 5, column=column, match=r"b'\\xe9' is not valid utf-8"):
        list(iter_yfcc100m(path))
    path = _yfcc(tmp_path, _set_field(5, 11, b"beach,caf%E9"))  # Latin-1 %-escape
    with _raises_at("meta.tsv", 5, column=11, match="%-escapes are not UTF-8"):
        list(iter_yfcc100m(path))


def test_yfcc_other_line_faults(tmp_path):
    path = _yfcc(tmp_path, _set_field(4, 4, b"alice"))
    with _raises_at("meta.tsv", 4, column=4, match="not a Flickr NSID"):
        list(iter_yfcc100m(path))
    path = _yfcc(tmp_path, _set_field(3, 2, b"29201394_27"))  # a video: checked too
    with _raises_at("meta.tsv", 3, column=2, match="photo id"):
        list(iter_yfcc100m(path))
    path = _yfcc(tmp_path, _set_field(6, 25, b"0\x0c"))
    with _raises_at("meta.tsv", 6, column=25, match="marker"):
        list(iter_yfcc100m(path))
    path = _yfcc(tmp_path, lambda lines: lines.insert(3, b""))
    with _raises_at("meta.tsv", 4, column=1, match="blank line"):
        list(iter_yfcc100m(path))
    path = _yfcc(tmp_path, lambda lines: lines.__setitem__(
        2, lines[2].replace(b"\t", "\u2028".encode("utf-8"), 1)))
    with _raises_at("meta.tsv", 3, match="24 fields, expected 25"):
        list(iter_yfcc100m(path))


@pytest.mark.parametrize("ext,opener",
                         [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_yfcc_truncated_compressed_file(tmp_path, ext, opener):
    path = tmp_path / f"meta{ext}"
    with opener(path, "wb") as f:
        f.write(YFCC.read_bytes() * 40)
    n = len(list(iter_yfcc100m(path, chunk_size=1_000)))
    assert n == 1
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ValueError, match=rf"meta\{ext}: damaged or truncated data after line \d+"):
        list(iter_yfcc100m(path))


def test_yfcc_corrupt_gzip(tmp_path):
    path = tmp_path / "meta.gz"
    with gzip.open(path, "wb") as f:
        f.write(YFCC.read_bytes())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"meta\.gz"):
        list(iter_yfcc100m(path))


# --- archives of arrays: the embedded data and the streaming sources ---------------

def _embedded_copy(tmp_path, monkeypatch, damage):
    """Point the embedded loader at a damaged copy of its .npz."""
    src = Path(_embedded.__file__).parent / "data" / _embedded._FILE
    (tmp_path / "data").mkdir()
    dest = tmp_path / "data" / _embedded._FILE
    dest.write_bytes(damage(src.read_bytes()))
    monkeypatch.setattr(_embedded.resources, "files", lambda package: tmp_path)
    return dest


def test_embedded_truncated_npz(tmp_path, monkeypatch):
    _embedded_copy(tmp_path, monkeypatch, lambda b: b[: len(b) // 2])
    with pytest.raises(ValueError, match=r"mirflickr_subset\.npz: damaged or truncated"):
        load_mirflickr_subset()


def test_embedded_damaged_member(tmp_path, monkeypatch):
    _embedded_copy(tmp_path, monkeypatch, lambda b: _flip_member_byte(b, "target.npy"))
    with pytest.raises(ValueError, match=r"mirflickr_subset\.npz, member target\.npy: damaged"):
        load_mirflickr_subset()


@pytest.fixture
def arrays(tmp_path):
    X = np.random.RandomState(0).rand(50, 4)
    np.save(tmp_path / "X.npy", X)
    sp.save_npz(tmp_path / "Y.npz", sp.csr_matrix(np.eye(50, 3, dtype=np.int8)))
    return tmp_path


def test_streaming_missing_files_are_file_not_found(arrays):
    with pytest.raises(FileNotFoundError, match=r"'.*absent\.npy': no such file"):
        ChunkedDataset(arrays / "absent.npy", arrays / "Y.npz")
    with pytest.raises(FileNotFoundError, match=r"'.*absent\.npz': no such file"):
        ChunkedDataset(arrays / "X.npy", arrays / "absent.npz")
    with pytest.raises(FileNotFoundError, match="is a directory"):
        ChunkedDataset(arrays, arrays / "Y.npz")


def test_streaming_truncated_npz(arrays):
    path = arrays / "Y.npz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"Cannot read '.*Y\.npz'.*BadZipFile"):
        ChunkedDataset(arrays / "X.npy", path)


def test_streaming_damaged_npz_member(arrays):
    path = arrays / "Y.npz"
    path.write_bytes(_flip_member_byte(path.read_bytes(), "indices.npy"))
    match = r"Cannot read '.*Y\.npz' \(damaged member 'indices\.npy'\)"
    with pytest.raises(ValueError, match=match):
        ChunkedDataset(arrays / "X.npy", path)
