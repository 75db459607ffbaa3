"""The robust logistic regression model's mathematics, as pure array functions.

Every function takes the array namespace ``xp`` explicitly and works on NumPy, CuPy,
torch or any other Array API namespace; nothing here holds state or knows sklearn.

Notation (per tag t, per example i): score ``s = w_t . x_i + b_t``,
``sigma = 1 / (1 + exp(-s)) = P(z=1 | x)``, ``pi = P(y=1 | z=1)``,
``1 - gamma = P(y=1 | z=0)``. Arrays of scores and tags are (n_samples, n_tags);
``pi`` and ``gamma`` are (n_tags,).

Training (``step_terms``) needs, per minibatch, the gradient factors sigma - alpha,
the EM statistics and the summed observed log-likelihood; it computes them in
sign-flipped coordinates with tanh, which stay finite for any score and give the
limits exactly (pi = 1 with y = 0 gives alpha = 0, gamma = 1 with y = 1 gives
alpha = 1). Prediction uses ``log_sigmoid``/``sigmoid`` and ``tag_probability``,
written with exp(-|x|), which never overflows. The full elementwise E-step and
likelihood, which these are tested against, are in ``tests/_em_reference.py``.
"""

import math

from skrobust.linear_model._kernels import weighted_sum

# Smallest value pi and gamma are clipped to: keeps log(pi), log(gamma) finite and
# the E-step denominators positive (both mixture components can never be zero at
# once), while being far below any noise level worth modelling.
NOISE_EPS = 1e-6


def _log1p_exp_neg_abs(x, xp):
    """log1p(exp(-|x|)): the transcendental piece of the stable log sigmoid."""
    return xp.log1p(xp.exp(-xp.abs(x)))


def _minimum_zero(x, xp):
    """min(x, 0) as one elementwise pass (a 0-d zero broadcasts in every namespace;
    array_api_compat's generic ``clip`` makes several)."""
    return xp.minimum(x, xp.zeros((), dtype=x.dtype, device=x.device))


def _clip(x, low, high, xp):
    """x clipped into [low, high], in two elementwise passes (see _minimum_zero)."""
    low = xp.asarray(low, dtype=x.dtype, device=x.device)
    high = xp.asarray(high, dtype=x.dtype, device=x.device)
    return xp.minimum(xp.maximum(x, low), high)


def log_sigmoid(s, xp):
    """log(1 / (1 + exp(-s))), exact for any finite ``s`` (no overflow, no -inf)."""
    return _minimum_zero(s, xp) - _log1p_exp_neg_abs(s, xp)


def sigmoid(s, xp):
    """1 / (1 + exp(-s)) = exp(log sigmoid(s)): no overflow, and relative
    precision in both tails, in fewer passes than the two-branch form with ``where``
    (prediction uses it; the training step has its own tanh form)."""
    return xp.exp(log_sigmoid(s, xp))


def safe_log(p, xp):
    """log(p) for p in [0, 1], giving -inf at 0 without a divide-by-zero warning."""
    positive = p > 0
    return xp.where(positive, xp.log(xp.where(positive, p, xp.ones_like(p))), -math.inf)


def noise_log_terms(pi, gamma, xp):
    """Per-tag log probabilities of observing a tag given the true label.

    Returns ``(log pi, log(1 - pi), log(1 - gamma), log gamma)``, each (n_tags,),
    with exact -inf where a probability is 0 (pi = 1 or gamma = 1).
    """
    return (
        safe_log(pi, xp),
        safe_log(1 - pi, xp),
        safe_log(1 - gamma, xp),
        safe_log(gamma, xp),
    )


def step_terms(scores, Y, pi, gamma, weights, xp, overwrite_scores=False, per_tag=False,
               groups=None, entry_terms=None, mask=None):
    """Everything one stochastic-EM minibatch step needs, in few elementwise passes.

    The quantities of the full elementwise E-step and likelihood (the reference in
    ``tests/_em_reference.py``, which returns three (n_samples, n_tags) arrays built
    from about 25 passes), reduced to what training uses: the per-example gradient
    factors, the minibatch's EM statistics and its summed log-likelihood. Here every
    sum is a matrix-vector product and the elementwise work is 17 passes, most of
    them cheap (measured at 500 x 1,000 float32 inside a step: 3 ms against 7.8 ms,
    the largest cost after the two matrix products).

    Sign-flipped coordinates keep every term finite: with ``h = y - 1/2`` (so
    ``2h`` is the sign +-1), ``s^ = 2 h s`` and ``z^ = 2 h z``, where
    ``z = s + log P(y | z=1) - log P(y | z=0)`` is the posterior log-odds (z^ is
    never -inf),

    * ``sigma - alpha = h * (tanh(s^ / 2) - tanh(z^ / 2))``,
    * ``alpha = 1/2 + h * tanh(z^ / 2)``,
    * ``log P(y | x) = log sigmoid(s^) - log sigmoid(z^) + log(pi if y else gamma)``,
    * ``log sigmoid(x) = min(x, 0) - log1p(exp(-|x|))`` and
      ``log1p(exp(-|x|)) = log 2 - log1p(|tanh(x / 2)|)`` (as 1 + exp(-|x|) =
      2 / (1 + tanh(|x| / 2))), which reuses the tanh the gradient needs.

    tanh is one cheap vectorised pass and exact at +-inf (alpha is exactly 0 or 1
    in the limits). Its absolute error of one rounding unit is all a gradient, a
    mean and a summed loss need; the exact elementwise forms are the reference's.

    Parameters
    ----------
    scores : array of shape (n_samples, n_tags)
    Y : array of shape (n_samples, n_tags)
        Observed tags as booleans or 0/1 numbers.
    pi, gamma : arrays of shape (n_tags,)
        The noise rates (not used with ``entry_terms``).
    weights : array of shape (n_samples,)
        Non-negative sample weights.
    overwrite_scores : bool, default=False
        Use ``scores`` as work space (saves one (n_samples, n_tags) array when the
        caller holds no other reference to it).
    per_tag : bool, default=False
        Return the log-likelihood per tag (the full-batch solver's per-tag
        objective) instead of its total.
    groups : pair of arrays of shape (n_groups, n_samples), default=None
        Per-group sample weights of the untagged and of the tagged entries (each
        row's weight in its effort bin's row, see :func:`._effort.bin_weights`; the
        same array twice when a row's bin does not depend on its tags): the EM sums
        are then per group, (n_groups, n_tags), and a fourth, each group's total
        weight per tag, is returned.
    entry_terms : pair of arrays of shape (n_samples, n_tags), default=None
        Noise rates per entry (tagging effort), as the E-step uses them: the half
        log-odds offset ``(log P(y | z=1) - log P(y | z=0)) / 2`` and ``log P(y | z=y)``
        (see :func:`._effort.entry_terms`); used as work space.
    mask : array of shape (n_samples, n_tags), default=None
        0/1 per entry: which rows each column trains on (cross-validation folds as
        columns, see :mod:`._fold_columns`). Every sum then runs over a column's own
        rows, so the sums are (n_tags,) as ever, and the weight total is per column.
        ``sigma_minus_alpha`` is not masked (:func:`gradient_residual` does that).

    Returns
    -------
    sigma_minus_alpha : array of shape (n_samples, n_tags)
        sigmoid(s) - P(z=1 | y, x), unweighted.
    weighted_sums : tuple of three arrays of shape (n_tags,)
        ``sum_i w_i alpha``, ``sum_i w_i y alpha`` and ``sum_i w_i y``.
    weighted_loglik : 0-d array, or array of shape (n_tags,) with ``per_tag``
        ``sum_i w_i sum_t log P(y | x)``.
    """
    if entry_terms is None:
        log_pi, log_1m_pi, log_1m_gamma, log_gamma = noise_log_terms(pi, gamma, xp)
    observed = Y if Y.dtype == xp.bool else Y != 0
    # At most five (n_samples, n_tags) arrays are alive at once: each is dropped
    # (or updated in place) as soon as it has served, since at thousands of tags a
    # few of them weigh as much as a chunk of data.
    half_sign = xp.astype(observed, scores.dtype)  # y for now
    if mask is None:
        def weighted_sum_of(A):
            return weighted_sum(weights, A)
        w_total = xp.sum(weights)
    else:  # each column's own rows: a weight per entry
        entry_weights = weights[:, None] * mask

        def weighted_sum_of(A):
            return xp.sum(entry_weights * A, axis=0)
        w_total = xp.sum(entry_weights, axis=0)
    w_y = weighted_sum_of(half_sign)
    rate_loglik = None
    if entry_terms is not None:  # sum_i w_i log(pi_it if y else gamma_it), per tag
        half_z, rate_terms = entry_terms
        rate_loglik = weighted_sum_of(rate_terms)
        del rate_terms, entry_terms
    half_sign -= 0.5
    if overwrite_scores:
        half_s = scores
        half_s *= half_sign  # s^ / 2
    else:
        half_s = scores * half_sign
    del scores
    # z^ / 2 = s^ / 2 + (log pi - log(1 - gamma) if y else log gamma - log(1 - pi)) / 2:
    # both offsets are > -inf, and +inf exactly where the E-step is certain.
    if rate_loglik is None:
        half_z = xp.where(observed, 0.5 * (log_pi - log_1m_gamma),
                          0.5 * (log_gamma - log_1m_pi))
    del observed
    half_z += half_s

    # sum w log sigmoid(s^), where min(s^, 0) = s^/2 - |s^/2| exactly (s is finite).
    work = xp.abs(half_s)
    work -= half_s
    loglik = -weighted_sum_of(work)
    del work
    tanh_s = xp.tanh(half_s)
    del half_s
    loglik += weighted_sum_of(xp.log1p(xp.abs(tanh_s)))
    # - sum w log sigmoid(z^): z^ may be +inf, so min(z^, 0) is taken directly.
    loglik -= 2 * weighted_sum_of(_minimum_zero(half_z, xp))
    tanh_z = xp.tanh(half_z)
    del half_z
    loglik -= weighted_sum_of(xp.log1p(xp.abs(tanh_z)))
    # (The log 2 of each log1p(exp(-|x|)) cancels between s^ and z^.)
    if rate_loglik is not None:
        loglik += rate_loglik
    else:
        loglik += w_y * log_pi + (w_total - w_y) * log_gamma
    # A log-probability is <= 0; rounding can leave a hair above 0 where it is 0.
    loglik = _minimum_zero(loglik, xp)
    if not per_tag:
        loglik = xp.sum(loglik)

    # alpha = 1/2 + h tanh_z, and y = h + 1/2.
    if groups is not None:  # the EM sums per group (the log-likelihood stays per tag)
        untagged_groups, tagged_groups = groups
        y = half_sign + 0.5
        if mask is not None:  # y and 1 - y on each column's own rows only
            y *= mask
        # alpha y = (1 + tanh_z) y / 2 and alpha (1 - y) = (1 - tanh_z)(1 - y) / 2.
        g_y_alpha = tagged_groups @ ((0.5 + 0.5 * tanh_z) * y)
        g_y = tagged_groups @ y
        y = (1 - y) if mask is None else (mask - y)
        g_alpha = g_y_alpha + untagged_groups @ ((0.5 - 0.5 * tanh_z) * y)
        g_total = g_y + untagged_groups @ y
        del y
        tanh_s -= tanh_z
        tanh_s *= half_sign
        return tanh_s, (g_alpha, g_y_alpha, g_y, g_total), loglik
    h_tanh_z = weighted_sum_of(tanh_z * half_sign)
    w_alpha = 0.5 * w_total + h_tanh_z
    w_y_alpha = 0.5 * (w_y + h_tanh_z + 0.5 * weighted_sum_of(tanh_z))
    tanh_s -= tanh_z
    tanh_s *= half_sign
    return tanh_s, (w_alpha, w_y_alpha, w_y), loglik


def log_tag_probability(scores, pi, gamma, xp):
    """log P(y=1 | x) = log(pi * sigma + (1 - gamma) * (1 - sigma)), in log space."""
    log_pi, _, log_1m_gamma, _ = noise_log_terms(pi, gamma, xp)
    log_sig = log_sigmoid(scores, xp)
    return xp.logaddexp(log_pi + log_sig, log_1m_gamma + (log_sig - scores))


def tag_probability(scores, pi, gamma, xp):
    """P(y=1 | x) = pi * sigma + (1 - gamma) * (1 - sigma): the paper's eq. 5."""
    return xp.exp(log_tag_probability(scores, pi, gamma, xp))


def update_statistics(stats, batch_stats, eta):
    """Stochastic-EM running statistics: S <- (1 - eta) S + eta S_minibatch."""
    return tuple((1 - eta) * s + eta * b for s, b in zip(stats, batch_stats))


def initial_statistics(pi_init, gamma_init, prior=0.5):
    """Running statistics (S_a, S_ya, S_y) whose M-step gives pi_init and gamma_init.

    ``prior`` plays the part of P(z=1); it must be strictly inside (0, 1) because
    the paper's start S_a = S_ya = 1 is a fixed point: it gives pi = 1, then
    alpha = y for every example and pi never moves, and it makes gamma 0/0.
    Works elementwise on floats or arrays.
    """
    s_a = pi_init * 0 + prior  # same type, shape and device as pi_init
    s_ya = pi_init * prior
    s_y = s_ya + (1 - gamma_init) * (1 - prior)
    return s_a, s_ya, s_y


def m_step(stats, xp, eps=NOISE_EPS, prior=None):
    """M-step: pi = S_ya / S_a and gamma = (1 - S_y - S_a + S_ya) / (1 - S_a).

    With ``prior`` it is the MAP M-step under Beta priors on pi and gamma: the
    prior's pseudo-counts, divided by the number of examples N the running
    statistics stand for, join the averages,
    ``pi = (S_ya + (a_pi - 1) / N) / (S_a + (a_pi + b_pi - 2) / N)`` and
    ``gamma = (S_n0 + (a_g - 1) / N) / (1 - S_a + (a_g + b_g - 2) / N)`` with
    ``S_n0 = 1 - S_y - S_a + S_ya`` (the untagged share of the false labels). As N
    grows the prior's weight vanishes; on a few hundred separable examples it is
    what keeps pi from running to 1.

    Parameters
    ----------
    stats : tuple of three arrays of shape (n_tags,)
        The running statistics (S_a, S_ya, S_y).
    xp : namespace
    eps : float
        Both rates are clipped into [eps, 1].
    prior : tuple of four arrays of shape (n_tags,), default=None
        ``(pi_success, pi_total, gamma_success, gamma_total)``: the pseudo-counts
        ``a - 1`` and ``a + b - 2`` of each Beta prior, already divided by N.
        None (or zeros) gives the maximum-likelihood M-step.

    Returns
    -------
    pi, gamma : arrays of shape (n_tags,)

    A zero denominator (S_a of exactly 0 or 1, which only a degenerate start can
    produce, and no prior) leaves the parameter at 1.
    """
    s_a, s_ya, s_y = stats
    pi_num, pi_den = s_ya, s_a
    gamma_num, gamma_den = 1 - s_y - s_a + s_ya, 1 - s_a
    if prior is not None:
        pi_success, pi_total, gamma_success, gamma_total = prior
        pi_num, pi_den = pi_num + pi_success, pi_den + pi_total
        gamma_num, gamma_den = gamma_num + gamma_success, gamma_den + gamma_total
    ones = xp.ones_like(s_a)
    pi = xp.where(pi_den > 0, pi_num / xp.where(pi_den > 0, pi_den, ones), ones)
    gamma = xp.where(gamma_den > 0, gamma_num / xp.where(gamma_den > 0, gamma_den, ones), ones)
    return _clip(pi, eps, 1.0, xp), _clip(gamma, eps, 1.0, xp)


def gradient_residual(sigma_minus_alpha, weights, n_samples, xp, scale=1.0, mask=None):
    """Per-example gradient factor scale * (sigma - alpha) * w_i / n of the expected
    complete-data negative log-likelihood; X.T @ residual is the weight gradient
    (times ``scale``: the optimiser folds ``-lr`` in here, where it is cheap).
    Scales ``sigma_minus_alpha`` in place and returns it.

    With ``mask`` (see :func:`step_terms`) column t's factor is
    ``scale * mask_it * (sigma - alpha) * w_i / n_t``, n_t its own rows' count (at
    least 1): each column steps on the mean over the rows it trains on, as a fit on
    those rows alone would."""
    if mask is None:
        sigma_minus_alpha *= (weights * (scale / n_samples))[:, None]
        return sigma_minus_alpha
    sigma_minus_alpha *= (weights * scale)[:, None]
    own_rows = xp.sum(mask, axis=0)
    sigma_minus_alpha *= mask / xp.where(own_rows > 0, own_rows, xp.ones_like(own_rows))
    return sigma_minus_alpha


def observed_log_likelihood(scores, Y, pi, gamma, weights, xp):
    """Per tag, ``sum_i w_i log P(y_i | x_i)`` under the noise model.

    ``P(y=1 | x) = pi sigma + (1 - gamma)(1 - sigma)`` (the paper's eq. 5), in log
    space: a proper score of the observed tags that needs no clean labels, used
    for early stopping and cross-validation. Exact -inf only where the model gives
    an observed tag probability 0 (pi = 1 or gamma = 1 with saturated scores).

    Parameters
    ----------
    scores : array of shape (n_samples, n_tags)
    Y : array of shape (n_samples, n_tags)
        Observed 0/1 tags.
    pi, gamma : arrays of shape (n_tags,)
    weights : array of shape (n_samples,)

    Returns
    -------
    loglik : array of shape (n_tags,)
    """
    log_pi, log_1m_pi, log_1m_gamma, log_gamma = noise_log_terms(pi, gamma, xp)
    log_sig = log_sigmoid(scores, xp)
    log_1m_sig = log_sig - scores
    tagged = xp.logaddexp(log_pi + log_sig, log_1m_gamma + log_1m_sig)
    untagged = xp.logaddexp(log_1m_pi + log_sig, log_gamma + log_1m_sig)
    observed = Y if Y.dtype == xp.bool else Y != 0
    return weights @ xp.where(observed, tagged, untagged)
