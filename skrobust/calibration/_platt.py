"""A slope and an offset per tag (Platt scaling, with a prior on the slope scaled
by the scores' variance): a 2-D convex problem per tag, solved for all tags at
once by the same safeguarded Newton iteration, and its leave-one-out logits.
"""

import warnings

from sklearn.exceptions import ConvergenceWarning

from skrobust.calibration._intercept import (
    MAX_HALVINGS,
    NEWTON_MAX_ITER,
    NEWTON_TOL,
    log_likelihood,
)
from skrobust.linear_model import _em


def score_variance(scores, weights, xp):
    """Weighted variance of each tag's scores on the calibration set.

    It puts the slope's prior in the units of the intercept's (see
    :func:`solve_platt`). A tag whose scores are constant to rounding,
    ``variance <= sqrt(eps) * (1 + mean**2)``, carries no information on a slope:
    its variance is returned as exactly 0, which the solvers read as "slope fixed at
    1" (intercept only).
    """
    total = xp.clip(xp.sum(weights, axis=0), xp.finfo(scores.dtype).smallest_normal, None)
    mean = xp.sum(weights * scores, axis=0) / total
    variance = xp.sum(weights * (scores - mean) ** 2, axis=0) / total
    threshold = xp.finfo(scores.dtype).eps ** 0.5 * (1 + mean**2)
    return xp.where(variance > threshold, variance, xp.zeros_like(variance))


def _platt_derivatives(scores, Z, weights, slope, beta, prior, variance, xp):
    """Gradient (g_a, g_b) and Hessian (h_aa, h_ab, h_bb) per tag of
    sum_i w_i [log(1 + exp(a s_i + b)) - z_i (a s_i + b)]
    + prior / 2 * (variance * (a - 1)^2 + b^2).
    Where ``variance`` is 0 the slope is fixed: g_a = h_ab = 0 and h_aa = 1."""
    p = _em.sigmoid(slope * scores + beta, xp)
    residual = weights * (p - Z)
    curvature = weights * (p * (1 - p))
    free = variance > 0
    zeros = xp.zeros_like(beta)
    g_a = xp.where(
        free, xp.sum(residual * scores, axis=0) + prior * variance * (slope - 1), zeros
    )
    g_b = xp.sum(residual, axis=0) + prior * beta
    h_aa = xp.where(
        free, xp.sum(curvature * (scores * scores), axis=0) + prior * variance, zeros + 1
    )
    h_ab = xp.where(free, xp.sum(curvature * scores, axis=0), zeros)
    h_bb = xp.sum(curvature, axis=0) + prior
    return g_a, g_b, h_aa, h_ab, h_bb


def solve_platt(scores, Z, weights, prior, variance, xp, slope=None, beta=None):
    """The penalised maximum-likelihood slope and offset of every tag, by Newton.

    Per tag, ``P(z = 1 | s) = sigmoid(a * s + b)`` minimises the weighted negative
    log-likelihood plus ``prior / 2 * (variance * (a - 1)**2 + b**2)``: a Gaussian
    prior centred on the uncalibrated model (a = 1, b = 0). ``variance`` (from
    :func:`score_variance`) makes the two penalties comparable: ``(a - 1)**2 *
    variance`` is the mean squared change a slope change makes to the (centred)
    log-odds, as ``b**2`` is the one an offset makes, and ``prior * variance`` is
    then, like ``prior`` for ``b``, worth ``prior`` clean examples' curvature
    (whatever the scale of the scores). A tag with ``variance == 0`` keeps a = 1.

    Parameters
    ----------
    scores, Z : arrays of shape (n_samples, n_tags)
        The model's log-odds and the clean 0/1 labels, in one float dtype.
    weights : array of shape (n_samples, 1)
    prior : array of shape (n_tags,)
        Prior strength per tag; must be > 0 for tags whose labels are all one class
        (and for tags whose scores separate the labels).
    variance : array of shape (n_tags,)
    slope, beta : arrays of shape (n_tags,), default=None
        Starting point (ones and zeros: the uncalibrated model).

    Returns
    -------
    slope, beta : arrays of shape (n_tags,)
    n_iter : int
        Newton iterations made.

    All tags move together: each tag's 2x2 Newton system is solved in closed form,
    elementwise over tags. Each tag's step is halved until its gradient's norm
    (measured as ``g_a**2 / variance + g_b**2``, the units of standardised scores)
    shrinks: the Newton direction d = -H^-1 g is a descent direction of that norm,
    (d/dt) |g(theta + t d)|^2 = -2 g' M g < 0, so some fraction of the step always
    does, and the iteration converges from any start.
    """
    n_tags = scores.shape[1]
    if slope is None:
        slope = xp.ones(n_tags, dtype=scores.dtype, device=scores.device)
    if beta is None:
        beta = xp.zeros(n_tags, dtype=scores.dtype, device=scores.device)
    tiny = xp.finfo(scores.dtype).smallest_normal
    metric = 1 / xp.where(variance > 0, variance, xp.ones_like(variance))

    def norm2(g_a, g_b):
        return metric * g_a**2 + g_b**2

    g_a, g_b, h_aa, h_ab, h_bb = _platt_derivatives(
        scores, Z, weights, slope, beta, prior, variance, xp
    )
    for n_iter in range(1, NEWTON_MAX_ITER + 1):
        det = xp.clip(h_aa * h_bb - h_ab * h_ab, tiny, None)
        step_a = -(h_bb * g_a - h_ab * g_b) / det
        step_b = -(h_aa * g_b - h_ab * g_a) / det
        size = norm2(g_a, g_b)
        fraction = xp.ones_like(beta)
        moving = size != 0
        for _ in range(MAX_HALVINGS):
            new = _platt_derivatives(
                scores, Z, weights, slope + fraction * step_a, beta + fraction * step_b,
                prior, variance, xp,
            )
            # Written as "not smaller" so that a NaN gradient also counts as worse.
            worse = moving & ~(norm2(new[0], new[1]) < size)
            if not bool(xp.any(worse)):
                break
            fraction = xp.where(worse, fraction / 2, fraction)
        # A tag still worse after every halving is at its optimum to rounding.
        zeros = xp.zeros_like(beta)
        applied_a = xp.where(worse, zeros, fraction * step_a)
        applied_b = xp.where(worse, zeros, fraction * step_b)
        slope, beta = slope + applied_a, beta + applied_b
        g_a, g_b, h_aa, h_ab, h_bb = (
            xp.where(worse, old, updated)
            for old, updated in zip((g_a, g_b, h_aa, h_ab, h_bb), new)
        )
        ones = xp.ones_like(beta)
        relative = xp.maximum(
            xp.abs(applied_a) / xp.maximum(xp.abs(slope), ones),
            xp.abs(applied_b) / xp.maximum(xp.abs(beta), ones),
        )
        if float(xp.max(relative)) <= NEWTON_TOL:
            return slope, beta, n_iter
    warnings.warn(
        f"The slope and intercept Newton iteration did not converge in {NEWTON_MAX_ITER} "
        "iterations; slope_ and beta_ may be inaccurate (with prior_strength=0, a tag "
        "whose scores separate its clean labels has no finite maximum-likelihood slope).",
        ConvergenceWarning,
    )
    return slope, beta, NEWTON_MAX_ITER


def platt_leave_one_out_logits(scores, Z, weights, slope, beta, prior, variance, xp):
    """Each example's calibrated log-odds under (a, b) re-fitted without it.

    The 2-D version of :func:`intercept_leave_one_out_logits`: one Newton step on
    the objective without example i, theta_(-i) = theta + (H - h_i)^-1 g_i, where H
    is the full 2x2 Hessian, h_i = w_i p_i (1 - p_i) (s_i, 1)(s_i, 1)' the example's
    own part of it and g_i = w_i (p_i - z_i) (s_i, 1) its gradient (the full gradient
    is 0 at the optimum). Returns the (n_samples, n_tags) array of
    ``a_(-i) s_i + b_(-i)``.
    """
    p = _em.sigmoid(slope * scores + beta, xp)
    residual = weights * (p - Z)
    own = weights * (p * (1 - p))
    _, _, h_aa, h_ab, h_bb = _platt_derivatives(
        scores, Z, weights, slope, beta, prior, variance, xp
    )
    free = variance > 0
    zeros = xp.zeros_like(scores)
    A = xp.where(free, h_aa - own * (scores * scores), zeros + 1)
    B = xp.where(free, h_ab - own * scores, zeros)
    D = h_bb - own
    g_a = xp.where(free, residual * scores, zeros)
    det = xp.clip(A * D - B * B, xp.finfo(scores.dtype).smallest_normal, None)
    slope_without = slope + (D * g_a - B * residual) / det
    beta_without = beta + (A * residual - B * g_a) / det
    return slope_without * scores + beta_without


def platt_leave_one_out_log_likelihood(scores, Z, weights, slope, beta, prior, variance, xp):
    """Approximate leave-one-out log-likelihood of the clean labels under (a, b), per tag."""
    logits = platt_leave_one_out_logits(scores, Z, weights, slope, beta, prior, variance, xp)
    return log_likelihood(logits, Z, weights, xp)
