"""Clean-labels files (skrobust.cli._clean_labels): photos a person checked, and which
tags were checked on them."""

import numpy as np
import pytest

from skrobust.cli._clean_labels import read_clean_labels

# As train's lookup: tag as written -> (processed name or None, model column or None).
# "cat" is in the tags file but the model dropped it (too few photos).
MODEL = {"sky": 0, "dog": 1, "sea": 2}
KNOWN = {**MODEL, "cat": None}


def lookup(tag):
    name = tag.lower()
    return (name, MODEL.get(name)) if name in KNOWN else (None, None)


def _read(tmp_path, text, n_rows=5):
    path = tmp_path / "clean.txt"
    path.write_text(text)
    return read_clean_labels(path, n_rows, lookup, 3)


def test_without_a_checked_line_every_model_tag_is_checked(tmp_path):
    clean = _read(tmp_path, "# row, then every model tag in the photo\n2 sky sea\n5\n"
                  "1 dog,Sky cat\n")
    assert clean.rows.tolist() == [1, 4, 0]
    assert clean.Z.tolist() == [[1, 0, 1], [0, 0, 0], [1, 1, 0]]
    assert clean.checked is None
    assert clean.not_model_tags == ["cat"]  # in the tags file, dropped by the model


def test_a_checked_line_names_the_tags_that_were_checked(tmp_path):
    clean = _read(tmp_path, "checked: sea, sky cat\n2 sky\n3\n4 SEA cat\n")
    assert clean.checked.tolist() == [0, 2]  # model columns; "cat" is not one
    assert clean.Z.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert clean.not_model_tags == ["cat"]
    # Several lines add up, anywhere in the file; "checked:sky" is read too.
    clean = _read(tmp_path, "checked:sky\n2 sky\nchecked: dog unicorn\n3 dog\n")
    assert clean.checked.tolist() == [0, 1]
    assert clean.not_model_tags == ["unicorn"]  # checked, but no photo is tagged so


@pytest.mark.parametrize("text, message", [
    ("2 sky\n2 sea\n", "line 2: row 2 is already labelled on line 1"),
    ("6 sky\n", r"line 1: row 6 is not in 1..5"),
    ("1 unicorn\n", "line 1: 'unicorn' is not one of the model's tags"),
    ("# nothing\n", "no labelled photo"),
    ("checked: sky\n1 sky dog\n", "line 2: 'dog' is not among the checked tags"),
    ("checked:\n1 sky\n", "line 1: 'checked:' names no tag"),
    ("checked: cat unicorn\n1 cat\n", "none of the checked tags is one of the model's"),
    ("sky 3\n", "line 1: expected a photo's row number first"),
    # int() would read these as rows 1 (of "1_0": 10), 3 and 3
    ("1_0 sky\n", "line 1: expected a photo's row number first"),
    ("+3 sky\n", "line 1: expected a photo's row number first"),
    ("\uff13 sky\n", "line 1: expected a photo's row number first"),
    ("03 sky\n", "line 1: expected a photo's row number first"),
])
def test_mistakes_name_the_file_and_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message) as caught:
        _read(tmp_path, text)
    assert "clean.txt" in str(caught.value)
