"""Argument types of the command line (skrobust.cli._types)."""

import argparse

import pytest

from skrobust.cli import _types


@pytest.mark.parametrize("function, good, bad", [
    (_types.positive_int, [("1", 1), ("40", 40)], ["0", "-5", "1.5", "x"]),
    (_types.non_negative_int, [("0", 0), ("7", 7)], ["-1", "x"]),
    (_types.fraction, [("0.7", 0.7), ("1e-3", 0.001)], ["0", "1", "2.0", "-0.5", "nan", "x"]),
    (_types.n_jobs, [("1", 1), ("-1", -1), ("4", 4)], ["0", "two"]),
])
def test_numbers(function, good, bad):
    for text, value in good:
        assert function(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            function(text)


def test_paths(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("x")
    assert _types.existing_file(str(file)) == file
    assert _types.existing_dir(str(tmp_path)) == tmp_path
    assert _types.existing_path(str(tmp_path)) == tmp_path
    assert _types.output_dir(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"
    assert _types.output_file(str(tmp_path / "new" / "m.skrobust")).name == "m.skrobust"
    for function, text, message in [  # the user's files: exit 1 (MissingInputError)
        (_types.existing_file, tmp_path / "missing", "no such file"),
        (_types.existing_file, tmp_path, "is a folder, not a file"),
        (_types.existing_dir, file, "not a folder"),
        (_types.existing_path, tmp_path / "missing", "no such file or folder"),
    ]:
        with pytest.raises(_types.MissingInputError, match=message):
            function(str(text))
    for function, text, message in [
        (_types.output_dir, file, "is a file, not a folder"),
        (_types.output_dir, file / "sub", "is a file, so"),
        (_types.output_file, tmp_path, "is a folder, not a file"),
        (_types.output_file, file / "m", "is a file, so"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            function(str(text))
