"""Where the commands write (skrobust.cli._outputs)."""

import os
import stat

import pytest

from skrobust.cli._errors import CommandError
from skrobust.cli._outputs import (
    check_output_file, photo_list_path, prepare_output_dir, tag_list_path, write_text)


def test_output_folder(tmp_path):
    fresh = tmp_path / "out"
    assert prepare_output_dir(fresh, overwrite=False) == fresh and fresh.is_dir()
    assert prepare_output_dir(fresh, overwrite=False) == fresh  # empty: fine
    (fresh / "a.txt").write_text("mine")
    with pytest.raises(CommandError, match="is not empty: pass --overwrite"):
        prepare_output_dir(fresh, overwrite=False)
    assert prepare_output_dir(fresh, overwrite=True) == fresh
    # The default folder is never reused when it holds files: the next free number.
    assert prepare_output_dir(fresh, overwrite=False, numbered=True) == tmp_path / "out_2"
    (tmp_path / "out_2" / "b.txt").write_text("x")
    assert prepare_output_dir(fresh, overwrite=False, numbered=True) == tmp_path / "out_3"
    assert (fresh / "a.txt").read_text() == "mine"


def test_output_file_and_atomic_write(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    assert check_output_file(target, overwrite=False) == target
    write_text(target, "hello")
    assert target.read_text() == "hello"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]  # no temp left
    with pytest.raises(CommandError, match="exists: pass --overwrite"):
        check_output_file(target, overwrite=False)
    assert check_output_file(target, overwrite=True) == target


def test_sidecar_names(tmp_path):
    assert photo_list_path(tmp_path / "cnn.npy") == tmp_path / "cnn.photos.txt"
    assert tag_list_path(tmp_path / "m.skrobust") == tmp_path / "m.skrobust.tags.txt"
