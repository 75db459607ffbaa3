"""`skrobust train` (skrobust.cli._train) on 100 shared MIRFLICKR photos."""

import numpy as np
import pytest

import skrobust
from skrobust import InterceptCalibrator
from skrobust.cli import main
from skrobust.cli._models import load_model, probabilities
from skrobust.cli._train import MIN_IMAGES
from skrobust.datasets import load_mirflickr_subset
from skrobust.tags import TagVectorizer

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


def test_tag_effort_sets_pi_per_effort_bin_from_every_tag_of_a_photo(inputs, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skrobust.cli._inputs import read_tags

    output = tmp_path / "tagger.skrobust"
    assert _train(inputs, output, "--tag-effort") == 0
    rlr = skrobust.load(output)[-1]
    assert rlr.pi_method_ == "elkan_noto" and rlr.pi_effort_.shape == (5, len(rlr.pi_))
    # The counts are over all of a photo's tags, not only the tags the model keeps.
    tags = read_tags(inputs["tags"], len(inputs["X"]))
    vectorizer = TagVectorizer(lemmatize=None, min_images=_cli_data.MIN_IMAGES)
    Y = vectorizer.fit_transform(tags)
    counts = vectorizer.count_tags(tags)
    assert np.any(counts != np.asarray(Y.sum(axis=1)).ravel())
    expected = make_pipeline(StandardScaler(), skrobust.RobustLogisticRegression(
        random_state=0)).fit(inputs["X"], Y, robustlogisticregression__tag_effort=counts)
    np.testing.assert_allclose(rlr.pi_effort_, expected[-1].pi_effort_, rtol=1e-6)
    plain = tmp_path / "plain.skrobust"
    assert _train(inputs, plain) == 0
    assert skrobust.load(plain)[-1].pi_effort_ is None


def test_without_pandas_the_tag_names_go_to_a_sidecar(inputs, tmp_path, monkeypatch):
    monkeypatch.setattr("skrobust.cli._train._has_pandas", lambda: False)
    output = tmp_path / "tagger.skrobust"
    assert _train(inputs, output) == 0
    assert list(skrobust.load(output)[-1].tag_names_[:2]) == ["tag0", "tag1"]
    sidecar = tmp_path / "tagger.skrobust.tags.txt"
    assert sidecar.read_text().splitlines() == inputs["model_tags"]
    assert load_model(output)[1] == inputs["model_tags"]


def test_clean_labels_calibrate_the_checked_tags(inputs, tmp_path, capsys):
    output = tmp_path / "calibrated.skrobust"
    code = main(["train", "--features", str(inputs["features"]), "--tags",
                 str(inputs["tags"]), "--output", str(output), "--min-images",
                 str(_cli_data.MIN_IMAGES), "--lemmatize", "none",
                 "--clean-labels", str(inputs["clean"])])
    assert code == 0
    model = skrobust.load(output)
    assert isinstance(model, InterceptCalibrator)
    names = inputs["model_tags"]
    assert model.beta_.shape == (len(names),)
    checked = [names[j] for j in np.flatnonzero(model.calibrated_tags_)]
    assert checked == sorted(inputs["concepts"], key=names.index)  # the 'checked:' line
    unchecked = ~model.calibrated_tags_
    assert (model.beta_[unchecked] == 0).all() and (model.slope_[unchecked] == 1).all()
    out = capsys.readouterr().out
    n_left = len(names) - len(checked)
    assert (f"calibrated {len(checked)} of {len(names)} tags on {_cli_data.N_CHECKED} "
            "checked photos") in out
    assert f"not checked, left uncalibrated: {n_left} tags (" in out


def test_calibrated_tag_probability_never_exceeds_p_true(inputs, tmp_path):
    # Under the "missing" model a tag is supplied only when true: P(tag) <= P(true),
    # also after calibration (P(tag) is computed from the calibrated P(true)).
    output = tmp_path / "calibrated.skrobust"
    assert _train(inputs, output, "--clean-labels", str(inputs["clean"])) == 0
    model, _ = load_model(output)
    p_true, p_tag = probabilities(model, inputs["X"])
    assert (p_tag <= p_true + 1e-9).all()
    assert np.allclose(p_tag, model.estimator_[-1].pi_ * p_true, rtol=1e-6)


def test_clean_labels_without_a_checked_line_warn(inputs, tmp_path, capsys):
    clean = tmp_path / "clean.txt"
    clean.write_text("".join(line + "\n" for line in
                             inputs["clean"].read_text().splitlines()[1:]))
    assert _train(inputs, tmp_path / "m", "--clean-labels", str(clean)) == 0
    err = capsys.readouterr().err
    assert "skrobust: warning: " in err and "does not say which tags were checked" in err
    assert skrobust.load(tmp_path / "m").calibrated_tags_.all()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The 730 MIRFLICKR photos shipped in the package: features and all user tags."""
    folder = tmp_path_factory.mktemp("embedded")
    mir = load_mirflickr_subset()
    np.save(folder / "features.npy", mir.data)
    (folder / "tags.txt").write_text("".join(",".join(t) + "\n" for t in mir.tags))
    return folder, mir


def _train_defaults(folder, *extra):
    return main(["train", "--features", str(folder / "features.npy"), "--tags",
                 str(folder / "tags.txt"), "--output", str(folder / "m"), "--overwrite",
                 "--lemmatize", "none", *extra])


def test_default_min_images_drops_rare_tags_and_says_how_many(embedded, capsys):
    folder, mir = embedded
    assert _train_defaults(folder) == 0
    counts = TagVectorizer(lemmatize=None).fit(mir.tags).tag_counts_
    kept = sorted(t for t, c in counts.items() if c >= MIN_IMAGES)
    assert sorted(skrobust.load(folder / "m")[-1].tag_names_) == kept
    out = capsys.readouterr().out
    assert (f"kept {len(kept)} of {len(counts)} tags (dropped {len(counts) - len(kept)} "
            f"used on fewer than {MIN_IMAGES} photos (--min-images))") in out


def test_defaults_on_real_photos_suggest_a_few_tags_per_photo(embedded):
    # All user tags of 730 real photos and the command's defaults: keeping tags used
    # once made over 100 tags per photo P(true) > 0.5 (yes to everything).
    folder, mir = embedded
    assert _train_defaults(folder, "--quiet") == 0
    model, _ = load_model(folder / "m")
    p_true, p_tag = probabilities(model, mir.data)
    per_photo = (p_true > 0.5).sum(axis=1).mean()
    assert 2 < per_photo < 10  # the goal on 1,000 photos
    assert (p_tag <= p_true + 1e-9).all()


def test_too_few_tags_left_says_which_min_images_would_do(inputs, tmp_path, capsys):
    # 100 photos: the most used tag is on 10 of them.
    for min_images, left in ((MIN_IMAGES, 0), (10, 1)):
        code = main(["train", "--features", str(inputs["features"]), "--tags",
                     str(inputs["tags"]), "--output", str(tmp_path / "m"), "--lemmatize",
                     "none", "--quiet", "--min-images", str(min_images)])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert f"{left} tag(s) left after filtering (--min-images {min_images})" in err
        assert "--min-images 4 would keep 14" in err  # the 10th most used tag is on 4


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
    ("checked: sky\n3 sky sea", "clean.txt, line 2: 'sea' is not among the checked tags"),
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


def test_missing_input_file_exits_1_in_one_line(tmp_path, capsys):
    # A problem with the user's files, as the user guide says: status 1, not 2.
    code = main(["train", "--features", str(tmp_path / "none.npy"), "--tags", "x",
                 "--output", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err == f"skrobust: error: argument --features: no such file: {tmp_path}/none.npy\n"
    code = main(["train", "--features", str(tmp_path), "--tags", "x",
                 "--output", str(tmp_path / "m")])
    assert code == 1 and "--features: is a folder, not a file" in capsys.readouterr().err


def test_quiet_hides_the_wordnet_notice(inputs, tmp_path, capsys, caplog, monkeypatch):
    from skrobust.tags import _lemmatize

    class Lemmatizer:  # stands in for NLTK's: says it loads, as the real one does
        def lemmatize(self, tag, pos):
            return tag

    def load():
        _lemmatize._notice("Loading NLTK's WordNet for tag lemmatization (once per "
                           "process; 10-25 s)...")
        return Lemmatizer()

    monkeypatch.setattr(_lemmatize, "_wordnet_lemmatizer", load)
    argv = ["train", "--features", str(inputs["features"]), "--tags", str(inputs["tags"]),
            "--min-images", str(_cli_data.MIN_IMAGES), "--lemmatize", "wordnet"]
    try:
        for quiet in (True, False):
            _lemmatize.wordnet_lemmatize.cache_clear()  # load "WordNet" again
            extra = ["--quiet"] if quiet else []
            caplog.clear()
            with caplog.at_level("INFO", logger="skrobust.tags"):
                assert main([*argv, "--output", str(tmp_path / f"m{quiet}"), *extra]) == 0
            captured = capsys.readouterr()
            # On stderr, or in the log when logging is configured (pytest does that).
            shown = "Loading NLTK's WordNet" in captured.err + caplog.text
            assert shown is not quiet
            assert (captured.out == "") is quiet
    finally:
        _lemmatize.wordnet_lemmatize.cache_clear()  # no fake lemma stays cached
