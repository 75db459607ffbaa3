"""Fault injection for every text reader: odd encodings (a UTF-8 byte-order mark,
UTF-16 with and without one), NUL characters, lone carriage returns and lines
without end. Each reader must read a BOM'd UTF-8 file as the same text without it,
and refuse the others with a ValueError naming the file and the line, never learn
``'\\ufeffsky'`` beside ``'sky'``, merge two photos, or hold a 2 GB line whole."""

import re
import shutil
from pathlib import Path

import pytest

from skrobust.cli._inputs import read_tags
from skrobust.datasets import _text, iter_nuswide_tags, iter_yfcc100m, load_mirflickr25k
from skrobust.datasets._text import iter_lines, read_lines

FIXTURES = Path(__file__).parent / "fixtures"
YFCC = FIXTURES / "yfcc" / "yfcc100m_dataset.tsv"


def _at(name, line, column=None, match=""):
    where = re.escape(name) + rf", line {line}\b"
    if column is not None:
        where += rf", column {column}\b"
    return pytest.raises(ValueError, match=where + ".*" + match)


# Each reader, given bytes: returns what it read (the readers' own shape).

def _file(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tags.txt"
    path.write_bytes(data)
    return path


def _cli_tags(tmp_path, data):
    path = _file(tmp_path, data)
    return read_tags(path, data.count(b"\n") or 1)


def _nus_tags(tmp_path, data):
    root = tmp_path / "nus"
    shutil.copytree(FIXTURES / "nuswide", root)
    (root / "NUS_WID_Tags" / "All_Tags.txt").write_bytes(data)
    return [t for _, tags in iter_nuswide_tags(root) for t in tags]


def _read_lines(tmp_path, data):
    return read_lines(_file(tmp_path, data))


def _iter_lines(tmp_path, data):
    path = _file(tmp_path, data)
    with open(path, "rb") as f:
        return [line for _, line in iter_lines(f, str(path))]


READERS = {"cli tags": (_cli_tags, "tags.txt"), "nus-wide All_Tags": (_nus_tags,
           "All_Tags.txt"), "read_lines": (_read_lines, "tags.txt"),
           "iter_lines": (_iter_lines, "tags.txt")}
TEXT = {"cli tags": "sky dog\ncat sky\n", "nus-wide All_Tags": "11 sky dog\n12 cat sky\n",
        "read_lines": "sky dog\ncat sky\n", "iter_lines": "sky dog\ncat sky\n"}


@pytest.mark.parametrize("reader", READERS)
def test_a_utf8_byte_order_mark_is_not_part_of_the_first_tag(tmp_path, reader):
    read, _ = READERS[reader]
    text = TEXT[reader].encode("utf-8")
    assert read(tmp_path / "bom", b"\xef\xbb\xbf" + text) == read(tmp_path / "plain", text)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("reader", READERS)
def test_utf16_with_a_bom_is_refused_at_line_1(tmp_path, reader, encoding):
    read, name = READERS[reader]
    data = TEXT[reader].encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    with _at(name, 1, 1, "UTF-(16|32) text"):
        read(tmp_path, data)


@pytest.mark.parametrize("reader", READERS)
def test_utf16_without_a_bom_is_refused_as_nul_characters(tmp_path, reader):
    read, name = READERS[reader]
    with _at(name, 1, 2, "NUL character"):
        read(tmp_path, TEXT[reader].encode("utf-16-le"))


@pytest.mark.parametrize("reader", READERS)
def test_a_nul_inside_a_tag_is_refused_with_line_and_column(tmp_path, reader):
    read, name = READERS[reader]
    text = TEXT[reader].replace("cat", "c\x00at")
    with _at(name, 2, text.split("\n")[1].index("\x00") + 1, "NUL character"):
        read(tmp_path, text.encode("utf-8"))


@pytest.mark.parametrize("reader", READERS)
def test_a_lone_carriage_return_does_not_merge_two_lines(tmp_path, reader):
    """'11 sea\\r12 sky' was photo 11 with the tag 'sea\\r12'; photo 12 vanished."""
    read, name = READERS[reader]
    text = TEXT[reader].replace("\n", "\r", 1)
    with _at(name, 1, len(TEXT[reader].split("\n")[0]) + 1, "carriage return"):
        read(tmp_path, text.encode("utf-8"))
    # CRLF line ends stay fine.
    assert read(tmp_path / "crlf", TEXT[reader].replace("\n", "\r\n").encode()) == read(
        tmp_path / "lf", TEXT[reader].encode())


def test_mirflickr_tags_with_a_bom_and_a_nul(tmp_path):
    root = tmp_path / "mir"
    root.mkdir()
    (root / "all_imgs.txt").write_bytes(b"mirflickr/im1.jpg\r\nmirflickr/im2.jpg\r\n")
    (root / "TagList.txt").write_bytes(b"sky\r\ndog\r\n")
    (root / "all_labels.txt").write_bytes(b"0 " * 23 + b"1\r\n" + b"0 " * 23 + b"0\r\n")
    (root / "all_tags.txt").write_bytes(b"\xef\xbb\xbfsky\r\ndog\r\n")
    assert load_mirflickr25k(root).tags[0] == ["sky"]
    (root / "all_tags.txt").write_bytes(b"sky\r\nd\x00og\r\n")
    with _at("all_tags.txt", 2, 2, "NUL"):
        load_mirflickr25k(root)


def test_yfcc_nul_in_a_tag_and_bom(tmp_path):
    lines = YFCC.read_bytes().split(b"\n")
    fields = lines[3].split(b"\t")
    fields[10] = b"beach,s\x00ea"
    lines[3] = b"\t".join(fields)
    path = tmp_path / "meta.tsv"
    path.write_bytes(b"\n".join(lines))
    column = len(b"\t".join(fields[:10])) + 9
    with _at("meta.tsv", 4, column, "NUL"):
        list(iter_yfcc100m(path))
    path.write_bytes(b"\xef\xbb\xbf" + YFCC.read_bytes())
    with_bom = [c.photo_ids.tolist() for c in iter_yfcc100m(path)]
    assert with_bom == [c.photo_ids.tolist() for c in iter_yfcc100m(YFCC)]


@pytest.mark.parametrize("reader", ["nus-wide All_Tags", "iter_lines", "yfcc"])
def test_streaming_readers_stop_at_a_line_without_end(tmp_path, monkeypatch, reader):
    """A file of NUL bytes without a line end (a 2 GB one in the issue) is refused
    after MAX_LINE_BYTES, not read whole into one line."""
    monkeypatch.setattr(_text, "MAX_LINE_BYTES", 1 << 16)
    data = b"\x00" * (1 << 18)
    if reader == "yfcc":
        path = tmp_path / "meta.tsv"
        path.write_bytes(data)
        with _at("meta.tsv", 1, match="longer than 65536 bytes"):
            list(iter_yfcc100m(path))
        return
    read, name = READERS[reader]
    with _at(name, 1, match="longer than 65536 bytes"):
        read(tmp_path, b"11 sky " + b"x" * (1 << 18) + b"\n")
    with _at(name, 1, match="longer than 65536 bytes"):
        read(tmp_path / "nul", data)
