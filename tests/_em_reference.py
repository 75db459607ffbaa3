"""The model's E-step and likelihood written out in full, as the reference the
training step (skrobust.linear_model._em.step_terms) is tested against.

With ``a = log P(y | z=1) + log sigma`` and ``c = log P(y | z=0) + log(1 - sigma)``,

* ``log P(y | x) = logaddexp(a, c)``          (the observed-data likelihood),
* ``alpha = P(z=1 | y, x) = sigmoid(a - c)``    (the E-step),

and ``a - c = s + log P(y | z=1) - log P(y | z=0)`` is the score plus a per-tag
offset. Working in logs keeps both exact for scores far outside the float range of
exp (|s| up to 1e4 and beyond) and gives the limits exactly: pi = 1 with y = 0 gives
alpha = 0 (offset -inf), gamma = 1 with y = 1 gives alpha = 1 (offset +inf). These
return full (n_samples, n_tags) arrays; the package's training step needs only their
sums and the gradient factors, and computes those in fewer passes.
"""

from skrobust.linear_model import _em


def em_terms(scores, Y, pi, gamma, xp):
    """sigma, E-step posterior and observed-data log-likelihood, elementwise.

    Parameters
    ----------
    scores : array of shape (n_samples, n_tags)
        Linear scores ``s``.
    Y : array of shape (n_samples, n_tags)
        Observed tags as booleans (or 0/1 numbers).
    pi, gamma : arrays of shape (n_tags,)
        Noise parameters, pi in (0, 1] and gamma in (0, 1].

    Returns
    -------
    sigma : array of shape (n_samples, n_tags)
        P(z=1 | x) = sigmoid(s).
    alpha : array of shape (n_samples, n_tags)
        P(z=1 | y, x).
    loglik : array of shape (n_samples, n_tags)
        log P(y | x) under the noise model (always <= 0, never NaN).
    """
    log_pi, log_1m_pi, log_1m_gamma, log_gamma = _em.noise_log_terms(pi, gamma, xp)
    observed = Y if Y.dtype == xp.bool else Y != 0
    # Written to hold few (n_samples, n_tags) arrays at once: each temporary is
    # updated in place or dropped as soon as it is used (at thousands of tags a
    # dozen live temporaries would weigh as much as the weight matrix).
    log_sig = _em.log_sigmoid(scores, xp)
    sigma = xp.exp(log_sig)
    # a - c = s + offset, with the per-tag offset of the observed value of y.
    z = xp.where(observed, log_pi - log_1m_gamma, log_1m_pi - log_gamma)
    z += scores
    # logaddexp(a, c) = max(a, c) + log1p(exp(-|a - c|)); the larger of a and c is a
    # where z >= 0 (always finite there: a is -inf only when z is -inf) and c below.
    a = xp.where(observed, log_pi, log_1m_pi)
    a += log_sig
    c = xp.where(observed, log_1m_gamma, log_gamma)
    c += log_sig
    c -= scores
    del log_sig
    loglik = xp.where(z >= 0, a, c)
    del a, c
    log1p_e_z = _em._log1p_exp_neg_abs(z, xp)
    loglik += log1p_e_z
    # alpha = sigmoid(z) = exp(_em.log_sigmoid(z)), reusing log1p(exp(-|z|)).
    alpha = _em._minimum_zero(z, xp)
    alpha -= log1p_e_z
    alpha = xp.exp(alpha)
    # A log-probability is <= 0; rounding can leave +1e-35 where it is exactly 0.
    return sigma, alpha, _em._minimum_zero(loglik, xp)


def posterior_and_loglik(scores, Y, pi, gamma, xp):
    """E-step posterior alpha = P(z=1 | y, x) and log P(y | x), elementwise."""
    _, alpha, loglik = em_terms(scores, Y, pi, gamma, xp)
    return alpha, loglik


def posterior(scores, Y, pi, gamma, xp):
    """E-step: alpha = P(z=1 | y, x), shape (n_samples, n_tags)."""
    return posterior_and_loglik(scores, Y, pi, gamma, xp)[0]


def observed_nll(scores, Y, pi, gamma, xp):
    """Observed-data negative log-likelihood -log P(y | x), elementwise."""
    return -posterior_and_loglik(scores, Y, pi, gamma, xp)[1]


def minibatch_statistics(alpha, Y, weights, xp):
    """Weighted minibatch means of alpha, y * alpha and y, per tag.

    Parameters
    ----------
    alpha, Y : arrays of shape (n_samples, n_tags)
        Posterior and observed tags (booleans or 0/1 numbers).
    weights : array of shape (n_samples,)
        Non-negative sample weights summing to a positive number.

    Returns
    -------
    mean_a, mean_ya, mean_y : arrays of shape (n_tags,)
    """
    w = weights / xp.sum(weights)
    Y = xp.astype(Y, alpha.dtype)
    weighted_alpha = alpha * w[:, None]
    return (
        xp.sum(weighted_alpha, axis=0),
        xp.sum(weighted_alpha * Y, axis=0),
        w @ Y,
    )
