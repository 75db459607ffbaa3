"""InterceptCalibrator(tags=...): calibrating only the tags the clean labels were
checked for; and predict_tag_proba from the calibrated P(true)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skrobust
from skrobust import InterceptCalibrator, RobustLogisticRegression, predict_tag_proba
from skrobust.datasets import make_tagged_classification


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(
        n_samples=3000, n_features=6, n_tags=4, pi=[0.3, 0.5, 0.7, 0.9], random_state=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=0))
        model.fit(X[300:], Y[300:])
    return model, X[:300], Z[:300]


def test_only_the_checked_tags_are_calibrated(tagged):
    model, X, Z = tagged
    common = {"method": "intercept", "prior_strength": 1.0}
    every = InterceptCalibrator(model, **common).fit(X, Z)
    checked = InterceptCalibrator(model, tags=["tag1", "tag3"], **common).fit(X, Z)
    # One offset per tag, each fitted on its own column: the checked ones match.
    np.testing.assert_allclose(checked.beta_[[1, 3]], every.beta_[[1, 3]], rtol=1e-10)
    assert checked.beta_[0] == 0 and checked.beta_[2] == 0
    assert list(checked.slope_) == [1, 1, 1, 1]
    assert checked.method_ == ("none", "intercept", "none", "intercept")
    assert checked.calibrated_tags_.tolist() == [False, True, False, True]
    assert every.calibrated_tags_.all()
    # The unchecked tags keep the model's probabilities exactly...
    np.testing.assert_array_equal(checked.predict_proba(X)[:, [0, 2]],
                                  model.predict_proba(X)[:, [0, 2]])
    # ... and their columns of y are not read: all-zero ones change nothing.
    Z_unchecked_zero = Z.copy()
    Z_unchecked_zero[:, [0, 2]] = 0
    again = InterceptCalibrator(model, tags=[3, 1], **common).fit(X, Z_unchecked_zero)
    np.testing.assert_array_equal(again.beta_, checked.beta_)


def test_checked_tags_under_method_auto(tagged):
    model, X, Z = tagged
    checked = InterceptCalibrator(model, tags=["tag0", "tag2"]).fit(X, Z)
    assert checked.method_[1] == checked.method_[3] == "none"
    assert np.isinf(checked.prior_strength_[[1, 3]]).all()
    np.testing.assert_array_equal(checked.predict_proba(X)[:, [1, 3]],
                                  model.predict_proba(X)[:, [1, 3]])


@pytest.mark.parametrize("tags, message", [
    (["sky"], "'sky' is not one of the estimator's tags"),
    ([4], "column 4 is out of range"),
    ([], "tags is empty"),
    (["tag1", 1], "names a tag twice"),
])
def test_bad_tags_are_clear_errors(tagged, tags, message):
    model, X, Z = tagged
    with pytest.raises(ValueError, match=message):
        InterceptCalibrator(model, tags=tags).fit(X, Z)


def test_tag_probability_comes_from_the_calibrated_p_true(tagged):
    model, X, Z = tagged
    rlr = model[-1]
    calibrated = InterceptCalibrator(model).fit(X, Z)
    p_true = calibrated.predict_proba(X)
    p_tag = calibrated.predict_tag_proba(X)
    np.testing.assert_allclose(p_tag, rlr.pi_ * p_true, rtol=1e-6)  # gamma = 1
    assert (p_tag <= p_true).all()  # "missing": a tag is never supplied when false
    # The uncalibrated model's P(tag) is another number once beta moved.
    assert not np.allclose(p_tag, predict_tag_proba(model, X), atol=1e-3)
    # skrobust.predict_tag_proba finds the calibrator's method, also in a Pipeline.
    np.testing.assert_array_equal(predict_tag_proba(calibrated, X), p_tag)


def test_tag_probability_of_a_binary_model():
    X, y, z = make_tagged_classification(n_samples=2000, n_features=4, n_tags=1,
                                         pi=0.4, random_state=2)
    y, z = y.ravel(), z.ravel()
    model = RobustLogisticRegression(noise="missing+spurious", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[200:], y[200:])
    calibrated = InterceptCalibrator(model).fit(X[:200], z[:200])
    p = calibrated.predict_proba(X[:50])[:, 1:]
    expected = model.pi_ * p + (1 - model.gamma_) * (1 - p)
    p_tag = calibrated.predict_tag_proba(X[:50])
    assert p_tag.shape == (50, 2)
    np.testing.assert_allclose(p_tag[:, 1:], expected, rtol=1e-6)
    np.testing.assert_allclose(p_tag.sum(axis=1), 1, rtol=1e-6)


def test_no_tag_probability_without_a_noise_model():
    X, y, z = make_tagged_classification(n_samples=400, n_features=3, n_tags=1,
                                         random_state=0)
    model = LogisticRegression().fit(X, y.ravel())
    calibrated = InterceptCalibrator(model).fit(X, z.ravel())
    assert not hasattr(calibrated, "predict_tag_proba")
    assert hasattr(InterceptCalibrator(), "predict_tag_proba")  # RLR by default


def test_checked_tags_survive_save_and_load(tagged, tmp_path):
    model, X, Z = tagged
    calibrated = InterceptCalibrator(model, tags=["tag2"]).fit(X, Z)
    skrobust.save(calibrated, tmp_path / "m.skrobust")
    loaded = skrobust.load(tmp_path / "m.skrobust")
    assert loaded.tags == ["tag2"]
    assert loaded.calibrated_tags_.tolist() == [False, False, True, False]
    np.testing.assert_array_equal(loaded.predict_tag_proba(X), calibrated.predict_tag_proba(X))
