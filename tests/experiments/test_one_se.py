"""skrobust.experiments._one_se: the weakest penalty within noise of the best."""

import numpy as np

from skrobust.experiments._one_se import clearly_below, weakest_within_noise


def test_clearly_below_uses_the_paired_difference_over_folds():
    # Folds differ by 0.1 in difficulty. The second point is 0.001 below the first
    # on every fold (clearly below); the third is below on average, by less than the
    # spread of its paired differences (within noise).
    folds = np.array([0.7, 0.8, 0.9])
    scores = np.stack([folds, folds - 0.001, folds + np.array([-0.01, 0.01, -0.005])])
    assert clearly_below(scores).tolist() == [False, True, False]
    scores[2] = -np.inf  # a point the path never fitted
    assert clearly_below(scores)[2]


def test_an_exact_plateau_resolves_to_its_weakest_penalty():
    # The argmax of a tie is its first (strongest) point; the rule takes the last.
    scores = np.array([[0.8, 0.9]] * 4 + [[0.7, 0.8], [-np.inf, -np.inf]])
    assert int(np.argmax(scores.mean(axis=1))) == 0
    assert weakest_within_noise(scores) == 3


def test_a_clear_peak_is_kept():
    folds = np.array([0.80, 0.85, 0.90])
    scores = np.stack([folds - 0.02, folds, folds - 0.01, folds - 0.03])
    assert weakest_within_noise(scores) == 1


def test_the_standard_error_counts_only_scored_folds():
    # Differences of +0.002 and -0.03 on the 2 scored folds: -0.014 on average, one
    # SE 0.016 over 2 folds (within noise), 0.011 had the 2 unscored ones counted.
    scores = np.array([[0.80, 0.90, np.nan, np.nan], [0.802, 0.87, np.nan, np.nan]])
    assert not clearly_below(scores)[1]


def test_nan_folds_are_ignored():
    # A fold where no tag has both classes scores NaN (as the per-tag AUC does).
    scores = np.array([[0.8, np.nan, 0.9], [0.81, np.nan, 0.91], [0.7, np.nan, 0.8]])
    assert weakest_within_noise(scores) == 1
