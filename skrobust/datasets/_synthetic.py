"""Synthetic tagged data with a known true model and known tag noise."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params


def _per_tag_rate(value, name, n_tags):
    rates = np.asarray(value, dtype=float)
    if rates.ndim > 1 or (rates.ndim == 1 and rates.shape[0] != n_tags):
        raise ValueError(
            f"{name} must be a float or have one value per tag (n_tags={n_tags}); "
            f"got shape {rates.shape}."
        )
    if not np.all((rates >= 0) & (rates <= 1)):
        raise ValueError(f"{name} must lie in [0, 1]; got {rates.tolist()}.")
    return np.broadcast_to(rates, (n_tags,))


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_tags": [Interval(Integral, 1, None, closed="left")],
        "pi": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "gamma": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "prevalence": [Interval(Real, 0, 1, closed="neither")],
        "weight_norm": [Interval(Real, 0, None, closed="left")],
        "dtype": "no_validation",
        "return_coef": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_tagged_classification(
    n_samples=1000,
    n_features=20,
    n_tags=5,
    pi=0.5,
    gamma=1.0,
    *,
    prevalence=0.3,
    weight_norm=3.0,
    dtype=np.float64,
    return_coef=False,
    random_state=None,
):
    """Draw features, true labels from a logistic model, and noisy observed tags.

    Features are standard normal. Each tag t has weights ``w_t`` (a random direction
    of norm ``weight_norm``) and an intercept set so that about ``prevalence`` of the
    examples are truly positive. True labels are drawn as
    ``z ~ Bernoulli(sigmoid(w_t . x + b_t))``; observed tags keep each true tag with
    probability ``pi_t`` and add a false one with probability ``1 - gamma_t``: exactly
    the noise model :class:`~skrobust.RobustLogisticRegression` assumes.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of examples.
    n_features : int, default=20
        Number of features.
    n_tags : int, default=5
        Number of tags (labels per example).
    pi : float or array-like of shape (n_tags,), default=0.5
        P(tag observed | true label), per tag or for all.
    gamma : float or array-like of shape (n_tags,), default=1.0
        1 - P(tag observed | false label), per tag or for all. 1 adds no false tags.
    prevalence : float, default=0.3
        Approximate fraction of true positives per tag.
    weight_norm : float, default=3.0
        Norm of each tag's true weight vector: larger is easier to separate.
    dtype : numpy float dtype, default=np.float64
        dtype of ``X``.
    return_coef : bool, default=False
        Also return the true weights and intercepts.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    Y : ndarray of shape (n_samples, n_tags)
        Observed (noisy) tags, 0/1 int8.
    Z : ndarray of shape (n_samples, n_tags)
        True labels, 0/1 int8.
    coef : ndarray of shape (n_tags, n_features)
        True weights; only when ``return_coef`` is True.
    intercept : ndarray of shape (n_tags,)
        True intercepts; only when ``return_coef`` is True.

    Examples
    --------
    >>> from skrobust.datasets import make_tagged_classification
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=10000, n_tags=2, pi=[0.3, 1.0], random_state=0)
    >>> X.shape, Y.shape, Z.shape
    ((10000, 20), (10000, 2), (10000, 2))
    >>> rate = (Y & Z).sum(axis=0) / Z.sum(axis=0)   # measured P(y=1 | z=1)
    >>> [round(float(r), 1) for r in rate]
    [0.3, 1.0]
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating point dtype, got {dtype}.")
    pi = _per_tag_rate(pi, "pi", n_tags)
    gamma = _per_tag_rate(gamma, "gamma", n_tags)
    rng = check_random_state(random_state)

    X = rng.standard_normal((n_samples, n_features))
    directions = rng.standard_normal((n_tags, n_features))
    coef = weight_norm * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    # E[sigmoid(N(b, s^2))] ~ sigmoid(b / sqrt(1 + pi s^2 / 8)) (probit approximation),
    # so this b gives about `prevalence` positives.
    intercept = np.full(n_tags, logit(prevalence) * np.sqrt(1 + np.pi * weight_norm**2 / 8))

    Z = rng.random_sample((n_samples, n_tags)) < expit(X @ coef.T + intercept)
    kept = rng.random_sample((n_samples, n_tags)) < pi
    added = rng.random_sample((n_samples, n_tags)) < 1 - gamma
    Y = np.where(Z, kept, added)

    result = (X.astype(dtype, copy=False), Y.astype(np.int8), Z.astype(np.int8))
    if return_coef:
        result += (coef, intercept)
    return result
