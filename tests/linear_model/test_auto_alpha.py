"""alpha="auto": the held-out tags' AUC along the path of all strengths, the choice
made on it, and what a fit does with that choice."""

import warnings

import array_api_strict
import numpy as np
import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score

from skrobust import RobustLogisticRegression
from skrobust._array_api import to_numpy
from skrobust.datasets import make_tagged_classification
from skrobust.linear_model._auto_alpha import (
    AUTO_ALPHAS,
    MIN_EPOCHS,
    choose_strength,
    choose_strength_per_tag,
    smoothed,
)
from skrobust.linear_model._held_out_auc import tag_auc
from skrobust.metrics._utils import mean_tag_auc


def _np_namespace():
    import array_api_compat.numpy

    return array_api_compat.numpy


@pytest.fixture(scope="module")
def many_features():
    """Few images for many features: a weak strength over-fits here."""
    X, Y, Z = make_tagged_classification(n_samples=2800, n_features=200, n_tags=6, pi=0.3,
                                         weight_norm=6.0, random_state=0)
    return X[:800], Y[:800], X[800:], Z[800:]


@pytest.mark.parametrize("decimals", [1, None])
def test_tag_auc_is_sklearns_weighted_auc_with_ties_as_one_half(decimals):
    """With ties (the scores rounded) and without (one sort serves then)."""
    rng = np.random.RandomState(0)
    scores = rng.randn(400, 4)
    if decimals is not None:
        scores = np.round(scores, decimals)  # many ties
    Y = rng.rand(400, 4) < 0.3
    Y[:, 3] = False  # one class only: NaN
    weights = rng.rand(400)
    expected = [roc_auc_score(Y[:, j], scores[:, j], sample_weight=weights) for j in range(3)]
    got = tag_auc(scores, Y, weights, _np_namespace())
    np.testing.assert_allclose(got[:3], expected, rtol=1e-12)
    assert np.isnan(got[3])
    strict = tag_auc(*(array_api_strict.asarray(a) for a in (scores, Y, weights)),
                     array_api_strict)
    np.testing.assert_allclose(np.asarray(strict)[:3], expected, rtol=1e-12)


def test_smoothed_averages_each_epoch_with_its_neighbours():
    path = np.array([[0.0, 1.0], [3.0, 1.0], [6.0, 4.0], [3.0, 7.0]])
    np.testing.assert_allclose(
        smoothed(path), [[1.5, 1.0], [3.0, 2.0], [4.0, 4.0], [4.5, 5.5]])


def test_choose_strength_takes_the_smoothed_best_from_min_epochs_on():
    n_epochs = MIN_EPOCHS + 6
    path = np.full((n_epochs, len(AUTO_ALPHAS)), 0.7)
    path[0, 0] = 0.99  # a chance peak before MIN_EPOCHS is never chosen
    path[MIN_EPOCHS + 2, 4] = 0.9  # a lone spike ...
    path[MIN_EPOCHS : MIN_EPOCHS + 3, 2] = 0.85  # ... loses to a plateau
    alpha, epochs = choose_strength(path)
    assert (alpha, epochs) == (AUTO_ALPHAS[2], MIN_EPOCHS + 2)
    # Ties: the fewest epochs, then the weakest strength.
    assert choose_strength(np.full((8, 7), 0.6)) == (AUTO_ALPHAS[0], MIN_EPOCHS)
    # A path shorter than MIN_EPOCHS chooses among what it has.
    assert choose_strength(np.array([[0.5] * 6 + [0.8]] * 2))[0] == AUTO_ALPHAS[6]


def test_choose_strength_per_tag_gives_each_tag_its_best_strength():
    n_epochs = MIN_EPOCHS + 6
    path = np.full((n_epochs, len(AUTO_ALPHAS), 3), -0.5)
    path[:, 1, 0] = -0.2  # tag 0 is best at the second strength, from the start
    path[MIN_EPOCHS + 1:, 5, 1] = -0.1  # tag 1 at the sixth, after MIN_EPOCHS + 1
    path[:, :, 2] = np.nan  # tag 2 has no tagged held-out row: the shared choice
    path[:, 3, 0] = -0.3  # tag 0's runner-up
    alphas, epochs = choose_strength_per_tag(path)
    shared, _ = choose_strength(np.nanmean(path, axis=2))
    np.testing.assert_array_equal(alphas, [AUTO_ALPHAS[1], AUTO_ALPHAS[5], shared])
    # The epochs at which the chosen columns score best together: tag 1's column
    # reaches its best once smoothing no longer reaches back before its rise.
    assert epochs == MIN_EPOCHS + 3
    # A tag outside ``own`` (too few tagged rows for a choice of its own): shared.
    alphas, _ = choose_strength_per_tag(path, own=[False, True, True])
    np.testing.assert_array_equal(alphas, [shared, AUTO_ALPHAS[5], shared])
    # No path or no score: as choose_strength.
    assert choose_strength_per_tag(None) == (AUTO_ALPHAS[0], None)
    assert choose_strength_per_tag(np.full((6, 7, 2), np.nan)) == (AUTO_ALPHAS[0], None)


def test_no_path_or_no_score_falls_back_to_the_weakest_strength():
    assert choose_strength(None) == (AUTO_ALPHAS[0], None)
    assert choose_strength(np.full((6, 7), np.nan)) == (AUTO_ALPHAS[0], None)


def test_fit_chooses_a_strength_near_the_best_fixed_one(many_features):
    """On few images for many features the choice ranks the true labels within 0.01
    AUC of the best of its own grid (each fitted at its default epochs), and well
    above the weakest strength, which over-fits. With pi learned by EM: with pi
    held at Elkan & Noto's estimate (pi_method="auto") the choice ranked 0.015 below
    the best here."""
    X, Y, X_test, Z_test = many_features
    auto = RobustLogisticRegression(pi_method="em", random_state=0).fit(X, Y)
    assert auto.alpha_ in AUTO_ALPHAS
    assert auto.alpha_path_.shape[1] == len(AUTO_ALPHAS)
    assert np.all((auto.alpha_path_ >= 0) & (auto.alpha_path_ <= 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fixed = {a: mean_tag_auc(Z_test, RobustLogisticRegression(alpha=a, pi_method="em",
                                                                  random_state=0)
                                 .fit(X, Y).predict_proba(X_test)) for a in AUTO_ALPHAS}
    chosen = mean_tag_auc(Z_test, auto.predict_proba(X_test))
    assert chosen >= max(fixed.values()) - 0.01
    assert chosen > fixed[AUTO_ALPHAS[0]] + 0.01


def test_fit_refits_the_chosen_epochs_on_all_rows(many_features):
    X, Y, _, _ = many_features
    model = RobustLogisticRegression(random_state=0).fit(X, Y)
    alpha, epochs = choose_strength(np.asarray(model.alpha_path_))
    assert model.alpha_ == alpha
    assert model.n_iter_ == epochs
    # The path never stops before MIN_EPOCHS + n_iter_no_change epochs.
    assert len(model.alpha_path_) >= min(MIN_EPOCHS + model.n_iter_no_change, model.max_iter)


def test_partial_fit_chooses_on_the_first_chunk_and_keeps_it(many_features):
    X, Y, _, _ = many_features
    model = RobustLogisticRegression(random_state=0).partial_fit(X[:400], Y[:400])
    first, path = model.alpha_, model.alpha_path_
    model.partial_fit(X[400:], Y[400:])
    assert model.alpha_ == first and model.alpha_path_ is path


def test_same_choice_on_array_api_strict(many_features):
    X, Y, _, _ = many_features
    X, Y = X[:300, :20], Y[:300]
    host = RobustLogisticRegression(random_state=0, max_iter=12).fit(X, Y)
    device = array_api_strict.Device("device1")
    with sklearn.config_context(array_api_dispatch=True):  # else converted to NumPy
        strict = RobustLogisticRegression(random_state=0, max_iter=12).fit(
            array_api_strict.asarray(X, device=device), array_api_strict.asarray(Y, device=device))
    assert strict.alpha_ == host.alpha_ and strict.alpha_path_.device == device
    np.testing.assert_allclose(to_numpy(strict.alpha_path_), host.alpha_path_, atol=1e-6)
