"""skrobust.experiments: the paper's comparisons as functions."""

import json

import numpy as np
import pytest

from skrobust import RobustLogisticRegression
from skrobust.datasets import load_mirflickr_subset, make_tagged_classification
from skrobust.experiments import (
    ComparisonResult,
    default_model_params,
    measured_pi,
    run_comparison,
    run_split,
    score_model,
)

FAST = {m: {"max_iter": 30} for m in ("rlr", "lr_clean")}


@pytest.fixture(scope="module")
def synthetic():
    # Strong, rare tag noise: the clean-label model must win clearly.
    return make_tagged_classification(n_samples=600, n_features=10, n_tags=5,
                                      pi=[0.2, 0.3, 0.4, 0.5, 0.6], random_state=0)


@pytest.fixture(scope="module")
def comparison(synthetic):
    X, Y, Z = synthetic
    return run_comparison(X, Y, Z, n_splits=2, n_clean=30, clean_sizes=(10, 30), k=2,
                          model_params=FAST, random_state=0)


def test_measured_pi_and_bad_input():
    pi = measured_pi(np.array([[1, 0], [0, 0]]), np.array([[1, 0], [1, 0]]))
    assert pi[0] == 0.5 and np.isnan(pi[1])
    with pytest.raises(ValueError, match="same shape"):
        measured_pi(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        measured_pi(np.full((2, 2), 2), np.ones((2, 2)))


def test_structure_of_the_results(comparison):
    assert len(comparison.splits) == 2
    split = comparison.splits[0]
    assert set(split.models) == {"lr", "lr_calibrated", "rlr", "rlr_calibrated", "lr_clean"}
    assert split.n_train == 420 and split.n_test == 180 and split.n_clean == 30
    assert split.curve_sizes.tolist() == [10, 30, 420]
    for scores in split.models.values():
        assert 0 <= scores.annotation["f1"] <= 1
        assert set(scores.retrieval) == {1, 2, 3}
        assert 0.5 < scores.mean_auc <= 1
    # Calibrated models have no tag probability: tag prediction is undefined.
    assert np.isnan(split.models["rlr_calibrated"].tag_prediction["f1"])
    assert 0 < split.models["rlr"].tag_prediction["f1"] <= 1
    summary = comparison.summary()
    mean, std = summary["rlr"]["annotation_f1"]
    assert 0 <= mean <= 1 and std >= 0
    assert summary["curve"]["lr_clean"][0].shape == (3,)


def test_supervised_reference_beats_noisy_lr_on_auc(comparison):
    s = comparison.summary()
    assert s["lr_clean"]["mean_auc"][0] > s["lr"]["mean_auc"][0]


def test_learned_pi_tracks_known_pi(comparison):
    split = comparison.splits[0]
    assert split.pi_learned.shape == split.pi_measured.shape == (5,)
    assert split.pi_correlation > 0.5


def test_seeds_reproduce(synthetic):
    X, Y, Z = synthetic
    kw = dict(n_splits=1, n_clean=30, clean_sizes=(10,), k=2, model_params=FAST)
    a = run_comparison(X, Y, Z, random_state=3, **kw).to_dict()
    b = run_comparison(X, Y, Z, random_state=3, **kw).to_dict()
    c = run_comparison(X, Y, Z, random_state=4, **kw).to_dict()
    for d in (a, b, c):
        for split in d["splits"]:
            split.pop("fit_seconds")
    assert a == b
    assert a != c


def test_json_round_trip(comparison):
    data = json.loads(json.dumps(comparison.to_dict(), allow_nan=False))
    back = ComparisonResult.from_dict(data)
    assert back.to_dict() == data
    assert back.splits[0].models["lr"].retrieval.keys() == {1, 2, 3}


def test_inputs_are_not_modified(synthetic):
    X, Y, Z = (a.copy() for a in synthetic)
    run_split(X, Y, Z, np.arange(300), np.arange(300, 600), n_clean=20, clean_sizes=(),
              k=2, model_params=FAST)
    for before, after in zip(synthetic, (X, Y, Z)):
        np.testing.assert_array_equal(before, after)


def test_bad_arguments(synthetic):
    X, Y, Z = synthetic
    with pytest.raises(ValueError, match="n_clean"):
        run_split(X, Y, Z, np.arange(10), np.arange(10, 20), n_clean=50)
    with pytest.raises(ValueError, match="one row per image"):
        run_split(X[:-1], Y, Z, np.arange(10), np.arange(10, 20), n_clean=5)
    with pytest.raises(ValueError, match="unknown models"):
        run_split(X, Y, Z, np.arange(100), np.arange(100, 200), n_clean=5,
                  model_params={"svm": {}})
    with pytest.raises(ValueError, match="tag_names"):
        run_comparison(X, Y, Z, tag_names=["a"])
    with pytest.raises(ValueError, match="model must be"):
        default_model_params("svm")


def test_score_model_checks_the_shape(synthetic):
    X, Y, Z = synthetic
    model = RobustLogisticRegression(max_iter=5, tol=None).fit(X, Y)
    with pytest.raises(ValueError, match="one column per tag"):
        score_model(model, X, Z[:, :3])


def test_tiny_slice_of_the_embedded_subset():
    from skrobust.tags import MIRFLICKR_CONCEPT_SYNONYMS, TagVectorizer, concept_tag_matrices

    mir = load_mirflickr_subset()
    rows = np.arange(200)
    vec = TagVectorizer(max_tags_per_image=None, exclude=None, lemmatize=None)
    tags = [mir.tags[i] for i in rows]
    Y, _ = concept_tag_matrices(vec.fit_transform(tags), vec.transform_positions(tags),
                                vec.get_feature_names_out(), MIRFLICKR_CONCEPT_SYNONYMS)
    result = run_comparison(mir.data[rows], Y, mir.target[rows], n_splits=1, n_clean=20,
                            clean_sizes=(10,), tag_names=mir.target_names,
                            model_params=FAST, random_state=0)
    s = result.summary()
    assert result.tag_names[0] == "animals"
    for model in ("lr", "rlr", "lr_clean"):
        assert 0 < s[model]["annotation_f1"][0] < 1
        assert 0.5 < s[model]["mean_auc"][0] < 1


def test_tag_names_from_a_dataframe_and_tag_prediction_through_a_pipeline(synthetic):
    pd = pytest.importorskip("pandas")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, Y, Z = synthetic
    names = ["dog", "sky", "sea", "tree", "car"]
    result = run_comparison(X, pd.DataFrame(Y, columns=names), Z, n_splits=1, n_clean=30,
                            clean_sizes=(10,), k=2, model_params=FAST, random_state=0)
    assert result.tag_names == names
    pipe = make_pipeline(StandardScaler(), RobustLogisticRegression(max_iter=5, tol=None))
    pipe.fit(X, Y)
    scores = score_model(pipe, X, Z, Y, k=2)  # once NaN: a Pipeline hides predict_tag_proba
    assert 0 < scores.tag_prediction["f1"] <= 1
