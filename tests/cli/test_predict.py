"""`skrobust predict` (skrobust.cli._predict): suggested tags per photo, CSV/JSON."""

import csv
import io
import json

import numpy as np
import pytest

import skrobust
from skrobust.cli import main

import _cli_data


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return _cli_data.train_model(tmp_path_factory.mktemp("predict"))


def _predict(trained, capsys, *extra):
    inputs, model = trained
    assert main(["predict", "--model", str(model), "--features",
                 str(inputs["features"]), *extra]) == 0
    return capsys.readouterr().out


def test_csv_lists_k_tags_per_photo_with_both_probabilities(trained, capsys):
    inputs, model = trained
    rows = list(csv.DictReader(io.StringIO(_predict(trained, capsys, "--k", "3"))))
    assert len(rows) == 3 * _cli_data.N_PHOTOS
    assert rows[0]["photo"] == "im1.jpg" and [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
    assert {r["tag"] for r in rows} <= set(inputs["model_tags"])
    # The numbers are the model's: p_true from predict_proba, ranked by p_tag.
    m = skrobust.load(model)
    p_true = m.predict_proba(inputs["X"][:1])[0]
    names = inputs["model_tags"]
    first = rows[:3]
    for r in first:
        assert float(r["p_true"]) == pytest.approx(p_true[names.index(r["tag"])], abs=1e-6)
    p_tag = [float(r["p_tag"]) for r in first]
    assert p_tag == sorted(p_tag, reverse=True) and all(0 < p < 1 for p in p_tag)


def test_json_and_rank_by_p_true(trained, capsys):
    records = json.loads(_predict(trained, capsys, "--format", "json", "--k", "2",
                                  "--rank-by", "p_true"))
    assert len(records) == _cli_data.N_PHOTOS and records[1]["photo"] == "im2.jpg"
    for record in records:
        p = [t["p_true"] for t in record["tags"]]
        assert len(p) == 2 and p[0] >= p[1]


def test_output_file_and_k_out_of_range(trained, tmp_path, capsys):
    inputs, model = trained
    out = tmp_path / "tags.csv"
    assert _predict(trained, capsys, "--output", str(out)) == ""
    assert out.read_text().startswith("photo,rank,tag,p_true,p_tag\n")
    code = main(["predict", "--model", str(model), "--features", str(inputs["features"]),
                 "--k", "100"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert f"--k 100 is out of range: the model has {len(inputs['model_tags'])} tags" in err


def test_features_of_another_width_are_one_line(trained, tmp_path, capsys):
    inputs, model = trained
    narrow = tmp_path / "narrow.npy"
    np.save(narrow, np.zeros((4, 10), np.float32))
    code = main(["predict", "--model", str(model), "--features", str(narrow)])
    err = capsys.readouterr().err
    assert code == 1 and "the features have 10 columns but the model was trained on 1280" in err


def test_a_file_that_is_no_model_is_one_line(tmp_path, capsys):
    bogus = tmp_path / "model.skrobust"
    bogus.write_bytes(b"\x00garbage")
    features = tmp_path / "f.npy"
    np.save(features, np.zeros((2, 3), np.float32))
    code = main(["predict", "--model", str(bogus), "--features", str(features)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


def test_a_damaged_or_pickled_model_is_refused_in_one_line(trained, tmp_path, capsys):
    inputs, model = trained
    damaged = tmp_path / "damaged.skrobust"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 1  # one flipped bit
    damaged.write_bytes(bytes(data))
    pickled = tmp_path / "pickled.skrobust"
    import pickle
    pickled.write_bytes(pickle.dumps(skrobust.load(model)))
    for path in (damaged, pickled):
        code = main(["predict", "--model", str(path), "--features",
                     str(inputs["features"])])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("skrobust: error: ") and path.name in err


@pytest.mark.parametrize("name, extra, is_json", [
    ("p.json", [], True), ("p.JSON", [], True), ("p.csv", [], False),
    ("p.txt", [], False), ("p.json", ["--format", "csv"], False),
])
def test_output_extension_chooses_the_format(trained, tmp_path, name, extra, is_json):
    inputs, model = trained
    output = tmp_path / name
    assert main(["predict", "--model", str(model), "--features", str(inputs["features"]),
                 "--output", str(output), *extra]) == 0
    text = output.read_text()
    if is_json:
        assert json.loads(text)[0]["photo"] == "im1.jpg"
    else:
        assert text.startswith("photo,rank,tag,p_true,p_tag\n")


@pytest.mark.parametrize("factor", [100, 0.5 * 10, 1])
def test_features_of_another_scale_are_warned_about(trained, tmp_path, capsys, factor):
    # Same width, another scale: the model would say P(true) = 1 to most tags.
    inputs, model = trained
    features = tmp_path / "features.npy"
    np.save(features, inputs["X"] * factor)
    for rows in (slice(None), slice(0, 1)):  # also a single photo
        np.save(features, inputs["X"][rows] * factor)
        assert main(["predict", "--model", str(model), "--features", str(features)]) == 0
        err = capsys.readouterr().err
        warned = "are not on the scale of the features the model was trained on" in err
        assert warned is (factor > 4)
        if warned:
            assert err.startswith("skrobust: warning: ") and err.count("\n") == 1
