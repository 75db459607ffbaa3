"""`skrobust train` (skrobust.cli._train) on 100 shared MIRFLICKR photos."""

import numpy as np
import pytest

import skrobust
from skrobust import InterceptCalibrator
from skrobust.cli import main
from skrobust.cli._models import load_model

import _cli_data


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return _cli_data.write_inputs(tmp_path_factory.mktemp("inputs"))


def _train(inputs, output, *extra):
    return main(["train", "--features", str(inputs["features"]), "--tags",
                 str(inputs["tags"]), "--output", str(output), "--min-images",
                 str(_cli_data.MIN_IMAGES), "--lemmatize", "none", "--quiet", *extra])


def test_train_saves_a_tagger_with_its_tag_names(inputs, tmp_path):
    output = tmp_path / "tagger.skrobust"
    assert _train(inputs, output) == 0
    model = skrobust.load(output)
    assert list(model.named_steps) == ["standardscaler", "robustlogisticregression"]
    rlr = model[-1]
    n_tags = len(inputs["model_tags"])
    assert rlr.pi_.shape == (n_tags,) and np.all((0 < rlr.pi_) & (rlr.pi_ < 1))
    # The names travel inside the model (a DataFrame of tags in training): no sidecar.
    assert list(rlr.tag_names_) == inputs["model_tags"]
    assert not (tmp_path / "tagger.skrobust.tags.txt").exists()
    _, names = load_model(output)
    assert names == inputs["model_tags"]
    assert model.predict_proba(inputs["X"][:3]).shape == (3, n_tags)


def test_without_pandas_the_tag_names_go_to_a_sidecar(inputs, tmp_path, monkeypatch):
    monkeypatch.setattr("skrobust.cli._train._has_pandas", lambda: False)
    output = tmp_path / "tagger.skrobust"
    assert _train(inputs, output) == 0
    assert list(skrobust.load(output)[-1].tag_names_[:2]) == ["tag0", "tag1"]
    sidecar = tmp_path / "tagger.skrobust.tags.txt"
    assert sidecar.read_text().splitlines() == inputs["model_tags"]
    assert load_model(output)[1] == inputs["model_tags"]


def test_clean_labels_calibrate_the_model(inputs, tmp_path):
    output = tmp_path / "calibrated.skrobust"
    assert _train(inputs, output, "--clean-labels", str(inputs["clean"])) == 0
    model = skrobust.load(output)
    assert isinstance(model, InterceptCalibrator)
    assert model.beta_.shape == (len(inputs["model_tags"]),)


def test_existing_model_needs_overwrite(inputs, tmp_path, capsys):
    output = tmp_path / "tagger.skrobust"
    output.write_text("someone's file")
    assert _train(inputs, output) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists: pass --overwrite" in err
    assert output.read_text() == "someone's file"
    assert _train(inputs, output, "--overwrite") == 0
    assert skrobust.load(output)[-1].pi_.shape == (len(inputs["model_tags"]),)


@pytest.mark.parametrize("content, message", [
    ("sky\n" * 3, "tags.txt has 3 lines, but the features have 100 rows"),
    (None, "is not UTF-8 text"),
])
def test_bad_tags_file_is_one_line(inputs, tmp_path, capsys, content, message):
    tags = tmp_path / "tags.txt"
    if content is None:  # line 7 holds a byte that is not UTF-8
        lines = inputs["tags"].read_bytes().split(b"\n")
        lines[6] = b"caf\xe9"
        tags.write_bytes(b"\n".join(lines))
        message = "tags.txt, line 7, column 4: b'\\xe9' is not valid utf-8 text"
    else:
        tags.write_text(content)
    code = main(["train", "--features", str(inputs["features"]), "--tags", str(tags),
                 "--output", str(tmp_path / "m"), "--lemmatize", "none", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert message in err


@pytest.mark.parametrize("line, message", [
    ("3 sky unicorn", "clean.txt, line 1: 'unicorn' is not one of the model's tags"),
    ("0 sky", "clean.txt, line 1: row 0 is not in 1..100"),
    ("sky 3", "clean.txt, line 1: expected a photo's row number first"),
])
def test_bad_clean_labels_name_file_and_line(inputs, tmp_path, capsys, line, message):
    clean = tmp_path / "clean.txt"
    clean.write_text(line + "\n")
    code = _train(inputs, tmp_path / "m", "--clean-labels", str(clean))
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and message in err


def test_corrupt_features_file_is_one_line(inputs, tmp_path, capsys):
    features = tmp_path / "features.npy"
    features.write_bytes(inputs["features"].read_bytes()[:500])  # truncated
    code = main(["train", "--features", str(features), "--tags", str(inputs["tags"]),
                 "--output", str(tmp_path / "m"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "features.npy" in err


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "--features", str(tmp_path / "none.npy"), "--tags", "x",
              "--output", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1
    assert "argument --features: no such file" in err
