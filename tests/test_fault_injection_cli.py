"""Fault injection for the command line: every command fed an output that is one of
its inputs (directly, through a symbolic link, through a hard link) must refuse in
one line and leave the input byte for byte as it was, even with ``--overwrite``
(``cp a a`` refuses too)."""

import os

import pytest

from skrobust.cli import main

import _cli_data


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return _cli_data.train_model(tmp_path_factory.mktemp("cli_guard"))


def _alias(target, how, tmp_path):
    """``target`` itself, or a new link to it in ``tmp_path``."""
    if how == "same":
        return target
    alias = tmp_path / f"alias_{how}{target.suffix}"
    (os.symlink if how == "symlink" else os.link)(target, alias)
    return alias


def _command(name, inputs, model, photos):
    features, tags, clean = (str(inputs[k]) for k in ("features", "tags", "clean"))
    return {
        "train": ["train", "--features", features, "--tags", tags, "--clean-labels",
                  clean, "--lemmatize", "none", "--min-images", "3", "--quiet"],
        "predict": ["predict", "--model", str(model), "--features", features],
        "report": ["report", "--model", str(model), "--features", features,
                   "--photos", str(photos), "--quiet"],
    }[name]


CASES = [("train", "features"), ("train", "tags"), ("train", "clean"),
         ("predict", "model"), ("predict", "features"), ("predict", "photo_list"),
         ("report", "model"), ("report", "features")]


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("command, victim", CASES)
def test_an_output_that_is_an_input_is_refused(trained, tmp_path, capsys, command,
                                               victim, how):
    inputs, model = trained
    paths = {"model": model, "photo_list": inputs["features"].with_name(
        "features.photos.txt"), **{k: inputs[k] for k in ("features", "tags", "clean")}}
    target = paths[victim]
    before = target.read_bytes()
    photos = tmp_path / "photos"
    photos.mkdir()
    argv = _command(command, inputs, model, photos)
    output = _alias(target, how, tmp_path)
    code = main(argv + ["--output", str(output), "--overwrite"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "are the same file" in err and "Traceback" not in err
    assert target.read_bytes() == before


def test_train_sidecar_over_an_input_is_refused(trained, tmp_path, capsys):
    """train writes MODEL.tags.txt beside the model: it must not be the tags file."""
    inputs, _ = trained
    tags = tmp_path / "m.skrobust.tags.txt"
    tags.write_bytes(inputs["tags"].read_bytes())
    code = main(["train", "--features", str(inputs["features"]), "--tags", str(tags),
                 "--output", str(tmp_path / "m.skrobust"), "--quiet"])
    assert code == 1 and "are the same file" in capsys.readouterr().err
    assert tags.read_bytes() == inputs["tags"].read_bytes()


def test_featurize_output_over_a_photo_or_its_partial_folder(tmp_path, capsys):
    """A photo given as the output, or inside the partial folder that
    ``--overwrite`` deletes, is refused before anything is done (no torch needed)."""
    photo = tmp_path / "x.npy"
    photo.write_bytes(b"not a photo")
    assert main(["featurize", str(photo), "--output", str(photo), "--overwrite"]) == 1
    assert "are the same file" in capsys.readouterr().err
    partial = tmp_path / "f.partial"
    partial.mkdir()
    (partial / "im1.jpg").write_bytes(b"\xff\xd8 mine")
    code = main(["featurize", str(partial), "--output", str(tmp_path / "f.npy"),
                 "--overwrite"])
    assert code == 1 and "inside" in capsys.readouterr().err
    assert (partial / "im1.jpg").read_bytes() == b"\xff\xd8 mine"
    assert photo.read_bytes() == b"not a photo"


def test_demo_output_folder_that_is_its_data_folder(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "results.json").write_text("mine")
    code = main(["demo", "--dataset", "mulan-scene", "--data-dir", str(data),
                 "--output", str(data), "--overwrite", "--quiet"])
    assert code == 1 and "are the same file" in capsys.readouterr().err
    assert (data / "results.json").read_text() == "mine"


def test_distinct_outputs_are_still_written(trained, tmp_path, capsys):
    inputs, model = trained
    out = tmp_path / "p.csv"
    assert main(["predict", "--model", str(model), "--features", str(inputs["features"]),
                 "--output", str(out)]) == 0
    assert out.read_text().startswith("photo,rank,tag")


def test_a_failed_train_leaves_no_output_folder(trained, tmp_path, capsys):
    inputs, _ = trained
    bad_tags = tmp_path / "tags.txt"
    bad_tags.write_text("sky\n" * 3)  # 3 lines for 100 photos
    output = tmp_path / "newdir" / "sub" / "m.skrobust"
    code = main(["train", "--features", str(inputs["features"]), "--tags", str(bad_tags),
                 "--output", str(output), "--quiet"])
    assert code == 1 and "3 lines" in capsys.readouterr().err
    assert not (tmp_path / "newdir").exists()


def test_a_failed_demo_leaves_no_empty_output_folder(tmp_path, capsys):
    output = tmp_path / "D"
    code = main(["demo", "--output", str(output), "--n-clean", "100000", "--quiet"])
    assert code == 1 and "n-clean" in capsys.readouterr().err
    assert not output.exists()


def test_a_folder_that_existed_is_kept_on_failure(trained, tmp_path, capsys):
    inputs, _ = trained
    (tmp_path / "keep").mkdir()
    code = main(["train", "--features", str(inputs["features"]), "--tags",
                 str(inputs["features"]), "--output", str(tmp_path / "keep" / "m"),
                 "--quiet"])
    assert code == 1 and (tmp_path / "keep").is_dir()
