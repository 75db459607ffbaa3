"""Choosing a penalty from cross-validated scores: the weakest within noise of the best.

The experiments' and the benchmark's baselines choose an L2 strength C by the mean
per-tag AUC of the noisy tags over inner CV folds. That AUC is blind to the scores'
scale: as C -> 0 the weights shrink toward one limiting direction whose AUC stays put.
On the 730 MIRFLICKR photos it is flat to 1e-4 from C = 1e-9 to 1e-5, and the plain
argmax of that plateau chose the grid's strongest edge on 10 of 20 splits, a model whose
every score is its intercept to 9 digits. Within noise of the best, the weakest penalty
keeps scores that annotation and calibration can use.
"""

import numpy as np


def clearly_below(fold_scores):
    """Whether each grid point's mean score is below the best mean score by more
    than one standard error of their paired difference over the folds.

    Every point is scored on the same folds, so the difference is paired: the
    fold-to-fold spread of the scores themselves (ten times larger on the 730
    photos) does not enter.

    Parameters
    ----------
    fold_scores : ndarray of shape (n_points, n_folds)
        Larger is better; NaN for a fold a point could not be scored on (ignored),
        -inf where a point was not fitted (always clearly below).

    Returns
    -------
    ndarray of bool, shape (n_points,)
    """
    fold_scores = np.asarray(fold_scores, dtype=np.float64)
    best = int(np.nanargmax(np.nanmean(fold_scores, axis=1)))
    diff = fold_scores - fold_scores[best]
    # The standard error of a mean over the folds that were scored, not all of them.
    n_scored = np.sum(~np.isnan(diff), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.nanstd(diff, axis=1, ddof=1) / np.sqrt(n_scored)
        return ~(np.nanmean(diff, axis=1) >= -se)


def weakest_within_noise(fold_scores):
    """The index of the last grid point (the weakest penalty, on a grid of
    increasing C) that is not :func:`clearly_below` the best mean score.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.experiments._one_se import weakest_within_noise
    >>> folds = np.array([0.80, 0.85, 0.90])  # folds of different difficulty
    >>> scores = np.stack([folds, folds + [2e-4, -1e-4, 1e-4],
    ...                    folds + [3e-4, -3e-4, 0.0], folds - 0.01])
    >>> int(np.argmax(scores.mean(axis=1))), weakest_within_noise(scores)
    (1, 2)
    """
    return int(np.flatnonzero(~clearly_below(fold_scores))[-1])
