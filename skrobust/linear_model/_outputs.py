"""From per-tag scores to a classifier's outputs, in skrobust's two layouts.

Both estimators (RobustLogisticRegression and InterceptCalibrator) end in log-odds
of shape (n_samples, n_tags) and present them the same way: a model of a binary y
gives sklearn's two-column probabilities and class labels, a model of a tag matrix
gives one column per tag and 0/1 predictions.
"""

import numpy as np

from skrobust.linear_model import _em
from skrobust._array_api import to_numpy


def two_columns(p_true, binary, xp):
    """(n, n_tags) probabilities, or [1 - p, p] for a binary model."""
    return xp.concat([1 - p_true, p_true], axis=1) if binary else p_true


def probabilities(scores, binary, xp):
    """sigmoid(scores) in the output layout."""
    return two_columns(_em.sigmoid(scores, xp), binary, xp)


def log_probabilities(scores, binary, xp):
    """log sigmoid(scores) in the output layout, without underflow."""
    log_true = _em.log_sigmoid(scores, xp)
    if not binary:
        return log_true
    return xp.concat([_em.log_sigmoid(-scores, xp), log_true], axis=1)


def predictions(scores, binary, classes, xp):
    """Class labels of a binary model (from ``classes``), else 0/1 per tag."""
    positive = scores > 0
    if not binary:
        return xp.astype(positive, xp.int64)
    index = xp.astype(positive[:, 0], xp.int64)
    if isinstance(classes, np.ndarray):  # NumPy fit, or labels xp can't hold
        return classes[to_numpy(index)]
    return xp.take(classes, index, axis=0)
