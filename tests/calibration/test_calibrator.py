"""InterceptCalibrator: the Newton solver, the prior, what calibration buys on noisy-tag
models, and how it behaves as a meta-estimator."""

import copy
import warnings

import array_api_strict
import numpy as np
import pytest
import sklearn
import torch
from scipy.optimize import brentq, minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import InterceptCalibrator, RobustLogisticRegression
from skrobust._array_api import to_numpy
from skrobust.calibration import _auto
from skrobust.calibration._auto import PRIOR_GRID
from skrobust.calibration._intercept import leave_one_out_log_likelihood, solve_intercepts
from skrobust.calibration._platt import (
    platt_leave_one_out_log_likelihood,
    score_variance,
    solve_platt,
)
from skrobust.datasets import make_tagged_classification
from skrobust.metrics import annotation_scores

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def small():
    """A multi-label RLR fitted on 4k noisy rows, and 1k clean rows to calibrate on.
    pi by EM: on data drawn from the model Elkan & Noto's pi (the default) is biased
    low, and the prior's tests below want a model that is nearly calibrated already."""
    X, Y, Z = make_tagged_classification(
        n_samples=5000, n_features=6, n_tags=3, pi=[0.3, 0.6, 0.9], random_state=0
    )
    model = quiet_fit(RobustLogisticRegression(max_iter=10, pi_method="em", random_state=0),
                      X[:4000], Y[:4000])
    return model, X[4000:], Z[4000:]


# -------------------------------------------------------------------- the solver


def _objective_gradient(s, z, w, prior):
    return lambda b: np.sum(w * (expit(s + b) - z)) + prior * b


@pytest.mark.parametrize("prior", [0.0, 0.5, 20.0])
def test_newton_matches_scipy_to_1e8(prior):
    """Every tag's beta is the root scipy finds for the same 1-D problem."""
    rng = np.random.default_rng(0)
    n, n_tags = 300, 6
    scale = np.array([0.5, 1, 3, 10, 30, 3])  # from near-flat to nearly separable scores
    scores = rng.normal(size=(n, n_tags)) * scale
    # True offsets up to +-6: pure Newton from 0 overshoots on these.
    Z = (rng.random((n, n_tags)) < expit(scores + [-6, -2, 0, 1, 4, 6])).astype(float)
    weights = rng.uniform(0.2, 2.0, size=(n, 1))
    beta, n_iter = solve_intercepts(scores, Z, weights, np.full(n_tags, prior), np)
    assert n_iter < 50
    for t in range(n_tags):
        g = _objective_gradient(scores[:, t], Z[:, t], weights[:, 0], prior)
        expected = brentq(g, -60, 60, xtol=1e-14, rtol=1e-15)
        assert abs(beta[t] - expected) < 1e-8


def test_maximum_likelihood_matches_the_positive_rate():
    """With no prior the optimum predicts as many (weighted) positives as there are."""
    rng = np.random.default_rng(1)
    scores = rng.normal(scale=2, size=(500, 4))
    Z = (rng.random((500, 4)) < 0.3).astype(float)
    weights = rng.uniform(0.5, 1.5, size=(500, 1))
    beta, _ = solve_intercepts(scores, Z, weights, np.zeros(4), np)
    np.testing.assert_allclose(
        np.sum(weights * expit(scores + beta), axis=0), np.sum(weights * Z, axis=0), rtol=1e-10
    )


def test_approximate_leave_one_out_tracks_the_exact_one():
    rng = np.random.default_rng(2)
    n = 120
    scores = rng.normal(scale=2, size=(n, 2))
    Z = (rng.random((n, 2)) < expit(scores + [-1.0, 0.5])).astype(float)
    weights = np.ones((n, 1))
    prior = np.full(2, 0.3)
    beta, _ = solve_intercepts(scores, Z, weights, prior, np)
    approx = leave_one_out_log_likelihood(scores, Z, weights, beta, prior, np)
    exact = np.zeros(2)
    for i in range(n):
        keep = np.arange(n) != i
        b, _ = solve_intercepts(scores[keep], Z[keep], weights[keep], prior, np)
        logit = scores[i] + b
        exact += Z[i] * np.log(expit(logit)) + (1 - Z[i]) * np.log(expit(-logit))
    np.testing.assert_allclose(approx, exact, rtol=1e-3)


# --------------------------------------------------- the slope and intercept solver


def _platt_objective(s, z, w, prior, variance):
    """The penalised objective of one tag for scipy, with its gradient and Hessian."""

    def f(theta):
        a, b = theta
        logit = a * s + b
        return np.sum(w * (np.logaddexp(0, logit) - z * logit)) + prior / 2 * (
            variance * (a - 1) ** 2 + b**2
        )

    def jac(theta):
        a, b = theta
        r = w * (expit(a * s + b) - z)
        return np.array([r @ s + prior * variance * (a - 1), r.sum() + prior * b])

    def hess(theta):
        a, b = theta
        p = expit(a * s + b)
        c = w * p * (1 - p)
        return np.array([[c @ (s * s) + prior * variance, c @ s], [c @ s, c.sum() + prior]])

    return f, jac, hess


def _platt_problem(seed=0, n=300):
    rng = np.random.default_rng(seed)
    # From compressed (true log-odds / 10) to over-confident (x 3) scores.
    compression = np.array([0.1, 0.3, 1.0, 3.0, 0.1, 1.0])
    logits = rng.normal(size=(n, 6)) * 2 + [-3, -1, 0, 1, 2, 4]
    Z = (rng.random((n, 6)) < expit(logits)).astype(float)
    scores = logits * compression
    weights = rng.uniform(0.2, 2.0, size=(n, 1))
    return scores, Z, weights


@pytest.mark.parametrize("prior", [0.0, 0.5, 20.0])
def test_platt_newton_matches_scipy_to_1e6(prior):
    """Every tag's (slope, beta) is scipy's minimum of the same penalised objective."""
    scores, Z, weights = _platt_problem()
    variance = score_variance(scores, weights, np)
    slope, beta, n_iter = solve_platt(scores, Z, weights, np.full(6, prior), variance, np)
    assert n_iter < 50
    for t in range(scores.shape[1]):
        f, jac, hess = _platt_objective(scores[:, t], Z[:, t], weights[:, 0], prior, variance[t])
        expected = minimize(
            f, [1.0, 0.0], jac=jac, hess=hess, method="trust-exact", options={"gtol": 1e-12}
        ).x
        np.testing.assert_allclose([slope[t], beta[t]], expected, rtol=1e-6, atol=1e-6)
    # The prior's scale: weighted variance of each tag's scores on the clean set.
    mean = np.average(scores, axis=0, weights=weights[:, 0])
    np.testing.assert_allclose(
        variance, np.average((scores - mean) ** 2, axis=0, weights=weights[:, 0])
    )


def test_platt_keeps_the_slope_of_a_tag_with_constant_scores():
    """No spread in the scores, no information on a slope: the intercept-only fit."""
    scores, Z, weights = _platt_problem()
    scores[:, 2] = 0.7
    variance = score_variance(scores, weights, np)
    assert variance[2] == 0
    prior = np.full(6, 0.5)
    slope, beta, _ = solve_platt(scores, Z, weights, prior, variance, np)
    alone, _ = solve_intercepts(scores[:, 2:3], Z[:, 2:3], weights, prior[:1], np)
    assert slope[2] == 1
    np.testing.assert_allclose(beta[2], alone[0], rtol=1e-10)


def test_platt_approximate_leave_one_out_tracks_the_exact_one():
    scores, Z, weights = _platt_problem(seed=2, n=120)
    weights = np.ones_like(weights)
    prior = np.full(6, 0.3)
    variance = score_variance(scores, weights, np)
    slope, beta, _ = solve_platt(scores, Z, weights, prior, variance, np)
    approx = platt_leave_one_out_log_likelihood(
        scores, Z, weights, slope, beta, prior, variance, np
    )
    exact = np.zeros(6)
    for i in range(scores.shape[0]):
        keep = np.arange(scores.shape[0]) != i
        a, b, _ = solve_platt(scores[keep], Z[keep], weights[keep], prior, variance, np)
        logit = a * scores[i] + b
        exact += Z[i] * np.log(expit(logit)) + (1 - Z[i]) * np.log(expit(-logit))
    np.testing.assert_allclose(approx, exact, rtol=1e-2)


# --------------------------------------------------------------------- the prior


def test_prior_shrinks_toward_the_uncalibrated_model(small):
    model, X, Z = small
    betas = [
        np.abs(InterceptCalibrator(model, prior_strength=s).fit(X, Z).beta_)
        for s in (0.0, 10.0, 1e4)
    ]
    assert np.all(betas[0] >= betas[1]) and np.all(betas[1] >= betas[2])
    assert np.all(betas[2] < 0.05)


@pytest.mark.parametrize("method", ["intercept", "platt"])
def test_auto_prior_is_chosen_from_the_grid(small, method):
    # An explicit method: under the default method="auto" prior_strength_ is per tag.
    model, X, Z = small
    calibrated = InterceptCalibrator(model, method=method).fit(X, Z)
    assert calibrated.prior_strength_ in PRIOR_GRID
    fixed = InterceptCalibrator(
        model, method=method, prior_strength=calibrated.prior_strength_
    ).fit(X, Z)
    np.testing.assert_allclose(calibrated.beta_, fixed.beta_, atol=1e-10)
    np.testing.assert_allclose(calibrated.slope_, fixed.slope_, atol=1e-10)


def test_auto_prior_shrinks_a_rare_tag_more_than_maximum_likelihood(small):
    """A tag with 2 clean positives of 60: ML runs to an extreme, the prior holds it."""
    model, X, Z = small
    Z = Z[:60].copy()
    Z[:, 0] = 0
    Z[[3, 17], 0] = 1
    ml = InterceptCalibrator(model, prior_strength=0.0).fit(X[:60], Z)
    auto = InterceptCalibrator(model).fit(X[:60], Z)
    assert abs(auto.beta_[0]) < abs(ml.beta_[0])


# ------------------------------------------------ what calibration buys (Done when)


class _TagColumn(ClassifierMixin, BaseEstimator):
    """One tag of a fitted multi-label model as a binary classifier with the very same
    scores, so CalibratedClassifierCV calibrates exactly what we calibrate."""

    def __init__(self, model=None, tag=0):
        self.model = model
        self.tag = tag

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X):
        return self.model.decision_function(X)[:, self.tag]

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)


def _per_tag_scores(proba, Z):
    """Mean over tags of the log-loss and Brier score against the true labels."""
    tags = range(Z.shape[1])
    return (
        np.mean([log_loss(Z[:, t], proba[:, t], labels=[0, 1]) for t in tags]),
        np.mean([brier_score_loss(Z[:, t], proba[:, t], pos_label=1) for t in tags]),
    )


def compare_calibrations(model, X_clean, Z_clean, X_test, Z_test):
    """(log-loss, Brier) of the uncalibrated model, InterceptCalibrator and
    CalibratedClassifierCV(FrozenEstimator, method="sigmoid") per tag."""
    # The paper's intercept-only calibration, named: the default is now "auto".
    ours = InterceptCalibrator(model, method="intercept").fit(X_clean, Z_clean)
    platt = np.column_stack([
        CalibratedClassifierCV(
            FrozenEstimator(_TagColumn(model, t).fit(None, None)), method="sigmoid"
        )
        .fit(X_clean, Z_clean[:, t])
        .predict_proba(X_test)[:, 1]
        for t in range(Z_clean.shape[1])
    ])
    return {
        "uncalibrated": _per_tag_scores(model.predict_proba(X_test), Z_test),
        "intercept": _per_tag_scores(ours.predict_proba(X_test), Z_test),
        "sigmoid": _per_tag_scores(platt, Z_test),
    }


N_NOISY, N_CLEAN = 100_000, 1000  # calibrate on 1% as many clean labels


@pytest.fixture(scope="module")
def noisy_tag_model():
    """An RLR trained on 100k noisy tags (pi = 0.3, 10 tags) and 50k more rows from the
    same source, with the true model to draw shifted labels from."""
    X, Y, Z, coef, intercept = make_tagged_classification(
        n_samples=N_NOISY + 50_000, n_features=20, n_tags=10, pi=0.3, random_state=0,
        return_coef=True,
    )
    model = quiet_fit(RobustLogisticRegression(random_state=0), X[:N_NOISY], Y[:N_NOISY])
    return model, X[N_NOISY:], Z[N_NOISY:], coef, intercept


@pytest.mark.slow
def test_calibration_on_1_percent_under_a_prior_shift(noisy_tag_model):
    """The target collection's tag priors differ from the tagged one's (each tag's true
    log-odds moved by a different amount in [-1, 1]): the 1% clean set fixes that,
    better than the uncalibrated model and than a sigmoid (slope + intercept) fit."""
    model, X, _, coef, intercept = noisy_tag_model
    rng = np.random.default_rng(0)
    shift = rng.uniform(-1, 1, size=coef.shape[0])
    Z = (rng.random((X.shape[0], coef.shape[0])) < expit(X @ coef.T + intercept + shift))
    Z = Z.astype(np.int8)
    results = compare_calibrations(model, X[:N_CLEAN], Z[:N_CLEAN], X[N_CLEAN:], Z[N_CLEAN:])
    log_loss_, brier = 0, 1
    for metric in (log_loss_, brier):
        assert results["intercept"][metric] < results["uncalibrated"][metric] - 5e-3
    assert results["intercept"][log_loss_] < results["sigmoid"][log_loss_]
    # One fewer parameter to estimate gains the sigmoid's slope variance, ~1/(2n) in
    # log-loss; in Brier the two tie here (0.100882 vs 0.100879 on this seed; ours was
    # lower on 7 of 8 seeds measured), so only "no worse" is asserted.
    assert results["intercept"][brier] < results["sigmoid"][brier] + 1e-5


@pytest.mark.slow
def test_calibration_on_1_percent_of_the_same_source(noisy_tag_model):
    """Clean labels from the tagged collection itself: the RLR already learned pi, so
    there is little to fix; calibration must not hurt, and must beat the sigmoid."""
    model, X, Z, _, _ = noisy_tag_model
    results = compare_calibrations(model, X[:N_CLEAN], Z[:N_CLEAN], X[N_CLEAN:], Z[N_CLEAN:])
    assert results["intercept"][0] < results["uncalibrated"][0] + 1e-3
    assert results["intercept"][1] < results["uncalibrated"][1] + 5e-4
    for metric in (0, 1):
        assert results["intercept"][metric] < results["sigmoid"][metric]


def test_a_known_intercept_shift_is_recovered():
    """The true model with its intercepts moved by -shift is put back within 0.05."""
    X, Y, Z, coef, intercept = make_tagged_classification(
        n_samples=30_000, n_features=10, n_tags=4, pi=0.3, random_state=1, return_coef=True
    )
    shift = np.array([-1.5, -0.3, 0.4, 2.0])
    model = quiet_fit(RobustLogisticRegression(max_iter=1, random_state=0), X[:500], Y[:500])
    model.coef_, model.intercept_ = coef.copy(), intercept - shift
    calibrated = InterceptCalibrator(model).fit(X, Z)
    np.testing.assert_allclose(calibrated.beta_, shift, atol=0.05)


# ------------------------------------------------- compressed scores: method="auto"


def _true_model(scale, seed=0, n_tags=8):
    """An RLR whose scores are the true log-odds times ``scale``; 300 clean rows to
    calibrate on and 5,000 held-out ones."""
    X, Y, Z, coef, intercept = make_tagged_classification(
        n_samples=6000, n_features=10, n_tags=n_tags, pi=0.5, random_state=seed,
        return_coef=True,
    )
    model = quiet_fit(RobustLogisticRegression(max_iter=1, random_state=0), X[:500], Y[:500])
    model.coef_, model.intercept_ = scale * coef, scale * intercept
    return model, (X[:300], Z[:300]), (X[1000:], Z[1000:])


def _held_out(proba, Z):
    """(mean per-tag log-loss, annotation F1@5) against the true labels."""
    return log_loss(Z.ravel(), proba.ravel()), annotation_scores(Z, proba, k=5).f1


def test_platt_repairs_compressed_scores_and_auto_chooses_it():
    """Scores = true log-odds / 10, as strong L2 leaves them. One offset per tag moves
    every image toward the tag's base rate: better log-loss than none, but worse
    annotation; the slope restores both, and "auto" finds it."""
    model, clean, test = _true_model(scale=0.1)
    uncalibrated = _held_out(expit(model.decision_function(test[0])), test[1])
    results = {
        method: InterceptCalibrator(model, method=method).fit(*clean)
        for method in ("intercept", "platt", "auto")
    }
    scores = {m: _held_out(c.predict_proba(test[0]), test[1]) for m, c in results.items()}
    log_loss_, f1 = 0, 1
    assert scores["platt"][log_loss_] < scores["intercept"][log_loss_] - 0.1
    assert scores["intercept"][f1] < scores["platt"][f1] - 0.01
    assert scores["intercept"][f1] < uncalibrated[f1] - 0.01  # the failure being fixed
    assert np.all(results["platt"].slope_ > 5)  # toward the true 10
    auto = results["auto"]
    np.testing.assert_array_equal(auto.method_, ["platt"] * 8)
    np.testing.assert_allclose(auto.slope_, results["platt"].slope_)
    assert auto.selection_ == "platt"  # the first rung: a slope for every tag
    assert auto.prior_strength_.shape == (8,)
    assert scores["auto"][log_loss_] < uncalibrated[log_loss_]
    assert scores["auto"][f1] > uncalibrated[f1] - 0.005  # within noise (same ranking)


@pytest.mark.parametrize("seed", [0, 1])
def test_auto_leaves_a_calibrated_model_unchanged(seed):
    model, clean, test = _true_model(scale=1.0, seed=seed)
    calibrated = InterceptCalibrator(model).fit(*clean)
    proba, truth = calibrated.predict_proba(test[0]), expit(model.decision_function(test[0]))
    assert np.abs(proba - truth).max() < 0.05
    assert _held_out(proba, test[1])[0] < _held_out(truth, test[1])[0] + 1e-3
    if calibrated.selection_ == "none":
        np.testing.assert_array_equal(calibrated.method_, ["none"] * 8)
        np.testing.assert_array_equal(calibrated.slope_, np.ones(8))
        np.testing.assert_array_equal(calibrated.beta_, np.zeros(8))
        assert np.all(np.isinf(calibrated.prior_strength_))


def test_auto_falls_back_to_a_shared_slope_that_keeps_every_ranking(monkeypatch):
    """When the per-tag fits fail the annotation check (here: forced to), one slope
    and offset for all tags still mends the log-loss, and leaves each image's
    ranking of its tags, so its top-k annotation, exactly as it was."""
    monkeypatch.setattr(_auto, "ANNOTATION_TOLERANCE_SE", -np.inf)
    model, clean, test = _true_model(scale=0.1)
    calibrated = InterceptCalibrator(model).fit(*clean)
    assert calibrated.selection_ == "shared"
    np.testing.assert_array_equal(calibrated.method_, ["shared"] * 8)
    assert np.ptp(calibrated.slope_) == 0 and np.ptp(calibrated.beta_) == 0
    assert calibrated.slope_[0] > 5
    uncalibrated = model.decision_function(test[0])
    proba = calibrated.predict_proba(test[0])
    np.testing.assert_array_equal(np.argsort(proba, axis=1), np.argsort(uncalibrated, axis=1))
    assert _held_out(proba, test[1])[0] < _held_out(expit(uncalibrated), test[1])[0] - 0.1


def test_auto_on_a_binary_model(small):
    """One tag: no annotation to check; the better of the two fits, or none."""
    model, X, Z = small
    binary = quiet_fit(RobustLogisticRegression(alpha=1.0, max_iter=5, random_state=0), X, Z[:, 0])
    calibrated = InterceptCalibrator(binary).fit(X, Z[:, 0])
    assert calibrated.slope_.shape == calibrated.beta_.shape == (1,)
    assert calibrated.method_ in (("intercept",), ("platt",), ("none",))
    assert calibrated.predict_proba(X).shape == (X.shape[0], 2)


# ------------------------------------------------------------------ degenerate tags


@pytest.mark.parametrize("method", ["intercept", "platt", "auto"])
@pytest.mark.parametrize("prior_strength", ["auto", 0.0, 0.1])
def test_tags_with_labels_all_0_or_all_1_get_a_finite_beta_and_a_warning(
    small, prior_strength, method
):
    model, X, Z = small
    Z = Z.copy()
    Z[:, 0], Z[:, 2] = 0, 1
    calibrated = InterceptCalibrator(model, method=method, prior_strength=prior_strength)
    with pytest.warns(UserWarning, match=r"Tags \['tag0', 'tag2'\] .*all 0 or all 1"):
        calibrated.fit(X, Z)
    beta = calibrated.beta_
    assert np.all(np.isfinite(beta)) and beta[0] < 0 < beta[2]
    assert np.all(np.isfinite(calibrated.predict_proba(X)))


def test_tag_names_come_from_the_model_even_inside_a_pipeline(small):
    pd = pytest.importorskip("pandas")
    model, X, Z = small
    names = [f"concept{t}" for t in range(Z.shape[1])]
    named = make_pipeline(StandardScaler(), RobustLogisticRegression(max_iter=3, random_state=0))
    quiet_fit(named, X, pd.DataFrame(Z, columns=names))
    Z = Z.copy()
    Z[:, 1] = 0
    calibrated = InterceptCalibrator(named)
    with pytest.warns(UserWarning, match=r"Tags \['concept1'\] have calibration labels"):
        calibrated.fit(X, Z)
    assert calibrated.tag_names_.tolist() == names
    # A model fitted on an unnamed matrix: tag0, tag1, ...
    with pytest.warns(UserWarning, match=r"Tags \['tag1'\]"):
        unnamed = InterceptCalibrator(model).fit(X, Z)
    assert unnamed.tag_names_.tolist() == [f"tag{t}" for t in range(Z.shape[1])]


def test_binary_labels_of_one_class_get_a_finite_beta(small):
    model, X, Z = small
    X, y = X[:300], Z[:300, 0]
    binary = quiet_fit(RobustLogisticRegression(max_iter=3, random_state=0), X, y)
    with pytest.warns(UserWarning, match="all 0 or all 1"):
        calibrated = InterceptCalibrator(binary).fit(X, np.zeros_like(y))
    assert np.isfinite(calibrated.beta_[0]) and calibrated.beta_[0] < 0


# ------------------------------------------------------------------------ bad input


def test_labels_outside_0_1_are_refused(small):
    model, X, Z = small
    Z = Z.astype(float)
    Z[5, 1] = 2
    with pytest.raises(ValueError, match=r"outside \{0, 1\}"):
        InterceptCalibrator(model).fit(X, Z)


def test_unknown_method_is_refused(small):
    model, X, Z = small
    with pytest.raises(ValueError, match="'method' parameter .* must be a str among"):
        InterceptCalibrator(model, method="isotonic").fit(X, Z)


def test_tag_count_must_match_the_model(small):
    model, X, Z = small
    with pytest.raises(ValueError, match="y has 2 tags .* predicts 3"):
        InterceptCalibrator(model).fit(X, Z[:, :2])
    with pytest.raises(ValueError, match="y is binary"):
        InterceptCalibrator(model).fit(X, Z[:, 0])


def test_binary_labels_must_be_the_model_classes(small):
    model, X, Z = small
    binary = quiet_fit(RobustLogisticRegression(max_iter=2), X, Z[:, 0])
    with pytest.raises(ValueError, match="not in classes"):
        InterceptCalibrator(binary).fit(X, Z[:, 0] * 2)
    with pytest.raises(ValueError, match="binary classifier"):
        InterceptCalibrator(binary).fit(X, Z)


def test_unfitted_estimator_where_a_fitted_one_is_required(small):
    _, X, Z = small
    with pytest.raises(NotFittedError, match="prefit=True needs a fitted estimator"):
        InterceptCalibrator(RobustLogisticRegression(), prefit=True).fit(X, Z)
    with pytest.raises(NotFittedError):
        InterceptCalibrator(RobustLogisticRegression()).predict_proba(X)


def test_noisy_data_misuse_is_refused(small):
    model, X, Z = small
    with pytest.raises(ValueError, match="already fitted"):
        InterceptCalibrator(model).fit(X, Z, X_noisy=X, y_noisy=Z)
    with pytest.raises(ValueError, match="together"):
        InterceptCalibrator(RobustLogisticRegression()).fit(X, Z, X_noisy=X)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        InterceptCalibrator(model).fit(X, Z[:-1])


def test_inputs_and_the_wrapped_model_are_left_untouched(small):
    model, X, Z = small
    before = copy.deepcopy(model)
    X_copy, Z_copy, w = X.copy(), Z.copy(), np.linspace(0.5, 2, X.shape[0])
    w_copy = w.copy()
    calibrated = InterceptCalibrator(model).fit(X, Z, sample_weight=w)
    calibrated.predict_proba(X)
    assert calibrated.estimator_ is model
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Z, Z_copy)
    np.testing.assert_array_equal(w, w_copy)
    for attribute in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_array_equal(getattr(model, attribute), getattr(before, attribute))
    assert model.get_params() == before.get_params()


# ------------------------------------------------------------------- what it wraps


@pytest.mark.parametrize("method", ["intercept", "platt", "auto"])
def test_outputs_are_the_shifted_scores(small, method):
    model, X, Z = small
    calibrated = InterceptCalibrator(model, method=method, prior_strength=1.0).fit(X, Z)
    if method == "intercept":
        np.testing.assert_array_equal(calibrated.slope_, np.ones(3))
    scores = model.decision_function(X) * calibrated.slope_ + calibrated.beta_
    np.testing.assert_allclose(calibrated.decision_function(X), scores)
    np.testing.assert_allclose(calibrated.predict_proba(X), expit(scores))
    np.testing.assert_allclose(calibrated.predict_log_proba(X), np.log(expit(scores)))
    np.testing.assert_array_equal(calibrated.predict(X), (scores > 0).astype(int))
    assert 0 <= calibrated.score(X, Z) <= 1
    assert calibrated.n_features_in_ == 6


def test_binary_rlr_with_string_labels(small):
    _, X, Z = small
    y = np.where(Z[:, 0] == 1, "cat", "dog")  # classes_ = ["cat", "dog"]: "dog" positive
    binary = quiet_fit(RobustLogisticRegression(max_iter=5, random_state=0), X, y)
    calibrated = InterceptCalibrator(binary).fit(X, y)
    assert calibrated.beta_.shape == (1,)
    assert calibrated.predict_proba(X).shape == (X.shape[0], 2)
    assert calibrated.decision_function(X).shape == (X.shape[0],)
    assert set(calibrated.predict(X)) <= {"cat", "dog"}
    assert calibrated.score(X, y) > 0.7


def test_classifier_with_decision_function(small):
    _, X, Z = small
    logistic = LogisticRegression().fit(X[:500], Z[:500, 1])
    calibrated = InterceptCalibrator(logistic, method="intercept", prior_strength=0.0)
    calibrated.fit(X[500:], Z[500:, 1])
    expected, _ = solve_intercepts(
        logistic.decision_function(X[500:])[:, None], Z[500:, 1:2].astype(float),
        np.ones((500, 1)), np.zeros(1), np,
    )
    np.testing.assert_allclose(calibrated.beta_, expected)


def test_classifiers_with_only_predict_proba(small):
    _, X, Z = small
    # Binary: the logit of the positive-class probability.
    bayes = GaussianNB().fit(X[:500], Z[:500, 1])
    assert not hasattr(bayes, "decision_function")
    calibrated = InterceptCalibrator(bayes, method="intercept", prior_strength=0.5)
    calibrated.fit(X[500:], Z[500:, 1])
    p = np.clip(bayes.predict_proba(X[500:])[:, 1], 1e-300, 1)
    p = np.clip(p, np.finfo(float).eps, 1 - np.finfo(float).eps)
    expected, _ = solve_intercepts(
        np.log(p / (1 - p))[:, None], Z[500:, 1:2].astype(float), np.ones((500, 1)),
        np.full(1, 0.5), np,
    )
    np.testing.assert_allclose(calibrated.beta_, expected)
    # Multi-label: MultiOutputClassifier's list of per-tag (n, 2) probabilities.
    per_tag = MultiOutputClassifier(GaussianNB()).fit(X[:500], Z[:500])
    calibrated = InterceptCalibrator(per_tag).fit(X[500:], Z[500:])
    proba = calibrated.predict_proba(X)
    assert proba.shape == (X.shape[0], 3) and np.all((proba > 0) & (proba < 1))


# Not "auto": its leave-one-out choice leaves out a weighted example with all its
# copies, so weights and repetitions can choose differently there.
@pytest.mark.parametrize("method", ["intercept", "platt"])
def test_sample_weight_is_repetition_for_a_fixed_prior(small, method):
    model, X, Z = small
    counts = np.arange(X.shape[0]) % 3  # 0: dropped, 1: once, 2: twice
    params = dict(method=method, prior_strength=2.0)
    weighted = InterceptCalibrator(model, **params).fit(X, Z, sample_weight=counts)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    repeated = InterceptCalibrator(model, **params).fit(X[rows], Z[rows])
    np.testing.assert_allclose(weighted.beta_, repeated.beta_, atol=1e-10)
    np.testing.assert_allclose(weighted.slope_, repeated.slope_, atol=1e-10)


# ------------------------------------------------------------- in sklearn's tools


def test_multioutput_of_per_tag_calibrators(small):
    """Each tag's calibrator trains its own binary RLR on the data it is given, then
    calibrates it there: the same as fitting them one by one."""
    _, X, Z = small
    base = InterceptCalibrator(RobustLogisticRegression(max_iter=5, random_state=0))
    multi = MultiOutputClassifier(base).fit(X, Z)
    proba = multi.predict_proba(X)
    assert len(proba) == 3
    for t in range(3):
        alone = clone(base).fit(X, Z[:, t])
        np.testing.assert_allclose(proba[t], alone.predict_proba(X))
        np.testing.assert_allclose(multi.estimators_[t].beta_, alone.beta_)


def test_in_a_pipeline_and_around_one(small):
    _, X, Z = small
    X_noisy, Y_noisy, _ = make_tagged_classification(
        n_samples=3000, n_features=6, n_tags=3, pi=[0.3, 0.6, 0.9], random_state=0
    )
    X_noisy, X = 10 * X_noisy + 5, 10 * X + 5  # unscaled features
    rlr = RobustLogisticRegression(max_iter=5, random_state=0)
    # Preprocessing inside the wrapped model sees X_noisy as well as X.
    around = InterceptCalibrator(make_pipeline(StandardScaler(), rlr))
    around.fit(X, Z, X_noisy=X_noisy, y_noisy=Y_noisy)
    assert around.estimator_[0].n_samples_seen_ == 3000
    # The calibrator as a pipeline step (its model trained on the calibration set).
    inside = make_pipeline(StandardScaler(), InterceptCalibrator(rlr)).fit(X, Z)
    for calibrated in (around, inside):
        assert calibrated.predict_proba(X).shape == (X.shape[0], 3)


def test_grid_search_over_the_prior_keeps_the_fitted_model(small):
    model, X, Z = small
    coef = model.coef_.copy()
    search = GridSearchCV(
        InterceptCalibrator(model), {"prior_strength": [0.0, 1.0, 100.0]}, cv=3,
    ).fit(X, Z)
    assert search.best_estimator_.estimator_ is model
    assert clone(InterceptCalibrator(model)).estimator is model
    np.testing.assert_array_equal(model.coef_, coef)
    with pytest.raises(ValueError, match="fitted and used as it is"):
        InterceptCalibrator(model).set_params(estimator__alpha=1.0)


def test_grid_search_over_the_estimator_trains_it_on_the_noisy_data(small):
    """GridSearchCV splits the clean set; every candidate trains its RLR on all of
    X_noisy (a different length, so passed whole) and calibrates on its fold."""
    _, X, Z = small
    X_noisy, Y_noisy, _ = make_tagged_classification(
        n_samples=3000, n_features=6, n_tags=3, pi=[0.3, 0.6, 0.9], random_state=0
    )
    base = InterceptCalibrator(RobustLogisticRegression(max_iter=5, random_state=0))
    search = GridSearchCV(
        base, {"estimator__alpha": [1e-4, 1e-1], "prior_strength": [1.0]}, cv=2
    ).fit(X, Z, X_noisy=X_noisy, y_noisy=Y_noisy)
    best = search.best_estimator_
    expected = clone(base).set_params(**search.best_params_)
    expected.fit(X, Z, X_noisy=X_noisy, y_noisy=Y_noisy)
    np.testing.assert_allclose(best.estimator_.coef_, expected.estimator_.coef_)
    np.testing.assert_allclose(best.beta_, expected.beta_)
    assert best.estimator_.alpha == search.best_params_["estimator__alpha"]


def test_default_estimator_is_a_robust_logistic_regression(small):
    _, X, Z = small
    X_noisy, Y_noisy, _ = make_tagged_classification(
        n_samples=2000, n_features=6, n_tags=3, pi=0.5, random_state=3
    )
    calibrated = quiet_fit(InterceptCalibrator(), X, Z, X_noisy=X_noisy, y_noisy=Y_noisy)
    assert isinstance(calibrated.estimator_, RobustLogisticRegression)


# ---------------------------------------------------------------------- array API


def _strict(device_name):
    device = array_api_strict.Device(device_name)
    return device, lambda a: array_api_strict.asarray(a, device=device)


NAMESPACES = {
    "array_api_strict-CPU_DEVICE": _strict("CPU_DEVICE"),
    "array_api_strict-device1": _strict("device1"),
    "torch-cpu": (torch.device("cpu"), lambda a: torch.asarray(a, device="cpu")),
}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("binary", [False, True], ids=["tags", "binary"])
@pytest.mark.parametrize("method", ["auto", "platt"])
def test_same_calibration_on_every_namespace(name, binary, method, small):
    _, X, Z = small
    device, convert = NAMESPACES[name]
    y = Z[:, 1] if binary else Z
    # alpha=1: compressed scores, so that "platt" and "auto" fit real slopes.
    params = dict(alpha=1.0, max_iter=3, tol=None, random_state=0)
    weights = np.linspace(0.5, 1.5, X.shape[0])
    reference = InterceptCalibrator(RobustLogisticRegression(**params), method=method).fit(
        X, y, sample_weight=weights
    )
    with sklearn.config_context(array_api_dispatch=True):
        calibrated = InterceptCalibrator(
            RobustLogisticRegression(**params), method=method
        ).fit(convert(X), convert(y), sample_weight=convert(weights))
        outputs = {
            method: getattr(calibrated, method)(convert(X))
            for method in ("decision_function", "predict_proba", "predict_log_proba")
        }
        predictions = calibrated.predict(convert(X))
    assert calibrated.beta_.device == device and calibrated.slope_.device == device
    if method == "auto":
        assert calibrated.prior_strength_.device == device
    np.testing.assert_array_equal(
        to_numpy(calibrated.prior_strength_) if method == "auto" else calibrated.prior_strength_,
        reference.prior_strength_,
    )
    assert calibrated.method_ == reference.method_
    assert calibrated.selection_ == reference.selection_
    if method == "platt" or not binary:
        assert np.all(to_numpy(calibrated.slope_) > 1.5)  # the slopes were fitted
    for attribute in ("beta_", "slope_"):
        np.testing.assert_allclose(
            to_numpy(getattr(calibrated, attribute)), getattr(reference, attribute),
            rtol=1e-8, atol=1e-10,
        )
    for method, value in outputs.items():
        assert value.device == device
        np.testing.assert_allclose(
            to_numpy(value), getattr(reference, method)(X), rtol=1e-8, atol=1e-10
        )
    np.testing.assert_array_equal(to_numpy(predictions), reference.predict(X))
