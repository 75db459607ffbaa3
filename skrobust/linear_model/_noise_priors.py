"""Beta priors on the tagging rates pi and gamma: shared (empirical Bayes) or per tag.

On a few hundred images with a thousand features every tag is separable: the
likelihood cannot tell a missing tag from a negative, and maximum-likelihood EM
drives pi to 1 (RLR becomes LR). A Beta prior on each tag's pi keeps it where the
data cannot move it. These functions run on the host on per-tag vectors (a few
thousand numbers at most): they never touch a data-sized array.

Counts convention: a Beta(a, b) prior on a rate adds ``a - 1`` successes and
``b - 1`` failures to the MAP M-step, so a and b must be >= 1.
"""

import numpy as np
from sklearn.utils import Bunch

# The shared prior's concentration a + b is kept in [2, MAX_CONCENTRATION]: 2 is a
# flat prior; the cap keeps an empirical-Bayes prior from overruling the data of
# any tag seen in more than a few hundred true positives (it is the weight of at
# most that many pseudo-examples), so on large data the prior vanishes.
MAX_CONCENTRATION = 200.0
# The fitted mean is kept this far inside (0, 1), where a and b stay >= 1.
_MEAN_MARGIN = 1e-3


def check_beta_prior(value, name, n_tags):
    """A user's Beta prior as an (n_tags, 2) float array of (a, b), or None.

    Accepts None, a pair ``(a, b)`` shared by all tags, or an (n_tags, 2) array.
    """
    if value is None:
        return None
    prior = np.asarray(value, dtype=float)
    if prior.shape == (2,):
        prior = np.broadcast_to(prior, (n_tags, 2))
    if prior.shape != (n_tags, 2):
        raise ValueError(
            f"{name} must be None, 'auto', a pair (a, b) or an array of shape "
            f"(n_tags, 2) = ({n_tags}, 2); got shape {prior.shape}."
        )
    if not np.all(np.isfinite(prior)) or np.any(prior < 1):
        raise ValueError(
            f"{name} holds Beta(a, b) parameters, which must be finite and >= 1 (a "
            f"MAP estimate needs a >= 1 and b >= 1); got min {np.nanmin(prior):.4g}."
        )
    return np.array(prior)


def prior_pseudo_counts(prior, n_examples):
    """(a - 1) / N and (a + b - 2) / N per tag: the prior in running-average units.

    ``n_examples`` is N, the number of examples the running statistics stand for.
    None gives zeros (maximum likelihood).
    """
    if prior is None:
        return None
    scale = 1.0 / max(float(n_examples), 1.0)
    return (prior[:, 0] - 1) * scale, (prior[:, 0] + prior[:, 1] - 2) * scale


def fit_shared_beta(successes, trials, max_concentration=MAX_CONCENTRATION):
    """Empirical Bayes: one Beta(a, b) fitted to every tag's counts by moments.

    The beta-binomial method of moments: the mean is the pooled rate, and the
    concentration ``a + b = m (1 - m) / v - 1`` comes from the spread ``v`` of the
    per-tag rates between tags, after removing the binomial noise each tag's own
    count adds (``E[p (1 - p) / n]``). A closed form, cheap enough to refit after
    every pass. When the tags' rates differ no more than their counts explain, the
    prior is as strong as allowed; when they differ a lot, it is nearly flat.
    Counts may be fractional (expected counts from an E-step).

    Parameters
    ----------
    successes, trials : arrays of shape (n_tags,)
        ``k_t <= m_t``, both >= 0.
    max_concentration : float
        Cap on ``a + b`` (at least 2).

    Returns
    -------
    prior : ndarray of shape (2,)
        ``(a, b)``, both >= 1.

    Examples
    --------
    >>> from skrobust.linear_model._noise_priors import fit_shared_beta
    >>> fit_shared_beta([10, 20, 30], [100, 100, 100]).round(1).tolist()
    [6.0, 24.1]
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(trials, dtype=float)
    keep = np.isfinite(k) & np.isfinite(m) & (m >= 1)
    k, m = np.clip(k[keep], 0, None), m[keep]
    k = np.minimum(k, m)
    if k.size < 2:
        return np.array([1.0, 1.0])
    rates = k / m
    mean = float(np.clip(np.mean(rates), _MEAN_MARGIN, 1 - _MEAN_MARGIN))
    between = np.var(rates) - np.mean(rates * (1 - rates) / m)
    if between <= 0:
        concentration = max_concentration
    else:
        concentration = float(np.clip(mean * (1 - mean) / between - 1, 2, max_concentration))
    # a, b >= 1 keeps the MAP M-step's pseudo-counts non-negative.
    a = max(1.0, mean * concentration)
    return np.array([a, max(1.0, concentration - a)])


def noise_prior_from_clean(Y, Z, *, shared_prior="auto", sample_weight=None):
    """Per-tag Beta posteriors of pi and gamma from a few images with both labels.

    For images that have both their user tags ``Y`` and clean labels ``Z`` (a
    small curated set), pi_t is the share of true labels that were tagged and
    gamma_t the share of false labels left untagged. With a handful of clean
    positives per tag those shares are noisy, so each tag's counts update a prior
    shared by all tags and fitted to all of them (empirical Bayes): a tag with few
    clean positives stays near the pooled rate, one with many follows its own.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_images, n_tags)
        The user tags (0/1) of the clean images.
    Z : array-like or sparse matrix of shape (n_images, n_tags)
        Their clean labels (0/1).
    shared_prior : "auto", None or pair (a, b), default="auto"
        The prior each tag's counts update: "auto" fits one Beta to all tags'
        counts (:func:`fit_shared_beta`); None is a flat Beta(1, 1); a pair is
        used as given, for both pi and gamma.
    sample_weight : array-like of shape (n_images,), default=None
        Weights of the clean images.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``pi_prior``: (n_tags, 2) Beta posterior (a, b) of pi per tag, to pass as
          ``RobustLogisticRegression(pi_prior=...)``;
        - ``gamma_prior``: (n_tags, 2), the same for gamma;
        - ``pi``, ``gamma``: (n_tags,) posterior means, for ``pi_init`` (with
          ``learn_pi=False`` to keep pi fixed at them);
        - ``n_positive``: (n_tags,) clean positives per tag.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust import noise_prior_from_clean
    >>> Z = np.array([[1, 0], [1, 1], [1, 0], [0, 1], [1, 1]])
    >>> Y = np.array([[1, 0], [0, 1], [0, 0], [0, 1], [1, 0]])
    >>> prior = noise_prior_from_clean(Y, Z, shared_prior=None)
    >>> prior.pi_prior.tolist()          # tag 0: 2 of 4 positives tagged
    [[3.0, 3.0], [3.0, 2.0]]
    >>> prior.pi.round(2).tolist()
    [0.5, 0.6]
    """
    from skrobust.linear_model._targets import dense_binary_matrix

    Y = dense_binary_matrix(Y, "Y")
    Z = dense_binary_matrix(Z, "Z")
    if Y.shape != Z.shape:
        raise ValueError(
            f"Y and Z must have the same shape (images x tags); got {Y.shape} and {Z.shape}."
        )
    w = np.ones(Y.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    if w.shape != (Y.shape[0],) or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must be finite, non-negative, one value per image.")
    w = w[:, None]
    positives = (w * Z).sum(axis=0)
    tagged_positives = (w * Z * Y).sum(axis=0)
    negatives = (w * (1 - Z)).sum(axis=0)
    untagged_negatives = (w * (1 - Z) * (1 - Y)).sum(axis=0)

    def posterior(successes, trials):
        if isinstance(shared_prior, str) and shared_prior == "auto":
            a, b = fit_shared_beta(successes, trials)
        elif shared_prior is None:
            a, b = 1.0, 1.0
        else:
            a, b = check_beta_prior(shared_prior, "shared_prior", 1)[0]
        return np.column_stack([a + successes, b + trials - successes])

    pi_prior = posterior(tagged_positives, positives)
    gamma_prior = posterior(untagged_negatives, negatives)
    return Bunch(
        pi_prior=pi_prior,
        gamma_prior=gamma_prior,
        pi=pi_prior[:, 0] / pi_prior.sum(axis=1),
        gamma=gamma_prior[:, 0] / gamma_prior.sum(axis=1),
        n_positive=positives,
    )
