"""One offset per tag: the penalised maximum-likelihood beta_t of
``P(z_t = 1 | x) = sigmoid(s_t(x) + beta_t)``, all tags at once by a vectorised,
safeguarded Newton iteration, and its approximate leave-one-out log-likelihood.

Module-level so that tests can check them against scipy; not API.
"""

import warnings

from sklearn.exceptions import ConvergenceWarning

from skrobust.linear_model import _em

# A tag whose clean labels are all 0 (or all 1) has no finite maximum-likelihood
# beta; it gets at least this prior (a standard normal on beta) and a warning.
DEGENERATE_PRIOR = 1.0
# Newton stops once every tag's step is below this, relative to max(1, |beta|).
NEWTON_TOL = 1e-12
NEWTON_MAX_ITER = 100
# Step halvings per Newton iteration before a tag is taken to sit at its optimum
# to rounding (its gradient can no longer shrink).
MAX_HALVINGS = 60


def _gradient_and_curvature(scores, Z, weights, beta, prior, xp):
    """Per tag: d/dbeta and d2/dbeta2 of the penalised negative log-likelihood
    sum_i w_i [log(1 + exp(s_i + beta)) - z_i (s_i + beta)] + prior / 2 * beta^2."""
    p = _em.sigmoid(scores + beta, xp)
    gradient = xp.sum(weights * (p - Z), axis=0) + prior * beta
    curvature = xp.sum(weights * (p * (1 - p)), axis=0) + prior
    return gradient, curvature


def solve_intercepts(scores, Z, weights, prior, xp, beta=None):
    """The penalised maximum-likelihood offset of every tag, by safeguarded Newton.

    Parameters
    ----------
    scores, Z : arrays of shape (n_samples, n_tags)
        The model's log-odds and the clean 0/1 labels, in one float dtype.
    weights : array of shape (n_samples, 1)
    prior : array of shape (n_tags,)
        L2 strength per tag; must be > 0 for tags whose labels are all one class.
    beta : array of shape (n_tags,), default=None
        Starting point (zeros: the uncalibrated model).

    Returns
    -------
    beta : array of shape (n_tags,)
    n_iter : int
        Newton iterations made.

    Each Newton step is halved, tag by tag, until the gradient's magnitude shrinks
    (for a strictly convex 1-D problem some fraction of the Newton step always does),
    so the iteration converges from any start; pure Newton can overshoot on the
    flat tails of the logistic loss. The only host transfers are the two scalar
    checks per iteration.
    """
    n_tags = scores.shape[1]
    if beta is None:
        beta = xp.zeros(n_tags, dtype=scores.dtype, device=scores.device)
    tiny = xp.asarray(
        xp.finfo(scores.dtype).smallest_normal, dtype=scores.dtype, device=scores.device
    )
    gradient, curvature = _gradient_and_curvature(scores, Z, weights, beta, prior, xp)
    for n_iter in range(1, NEWTON_MAX_ITER + 1):
        # Curvature underflows to 0 only when every score saturates and prior = 0;
        # flooring it keeps the step finite and the halving takes over.
        step = -gradient / xp.maximum(curvature, tiny)
        fraction = xp.ones_like(beta)
        moving = gradient != 0
        for _ in range(MAX_HALVINGS):
            new_gradient, new_curvature = _gradient_and_curvature(
                scores, Z, weights, beta + fraction * step, prior, xp
            )
            # Written as "not smaller" so that a NaN gradient also counts as worse.
            worse = moving & ~(xp.abs(new_gradient) < xp.abs(gradient))
            if not bool(xp.any(worse)):
                break
            fraction = xp.where(worse, fraction / 2, fraction)
        # A tag still worse after every halving is at its optimum to rounding.
        applied = xp.where(worse, xp.zeros_like(step), fraction * step)
        beta = beta + applied
        gradient = xp.where(worse, gradient, new_gradient)
        curvature = xp.where(worse, curvature, new_curvature)
        relative = xp.abs(applied) / xp.maximum(xp.abs(beta), xp.ones_like(beta))
        if float(xp.max(relative)) <= NEWTON_TOL:
            return beta, n_iter
    warnings.warn(
        f"The intercept Newton iteration did not converge in {NEWTON_MAX_ITER} "
        "iterations; beta_ may be inaccurate.",
        ConvergenceWarning,
    )
    return beta, NEWTON_MAX_ITER


def log_likelihood(logits, Z, weights, xp):
    """Weighted log-likelihood of the 0/1 labels ``Z`` under ``logits``, per tag."""
    log_lik = Z * _em.log_sigmoid(logits, xp) + (1 - Z) * _em.log_sigmoid(-logits, xp)
    return xp.sum(weights * log_lik, axis=0)


def intercept_leave_one_out_logits(scores, Z, weights, beta, prior, xp):
    """Each example's calibrated log-odds under beta re-fitted without it (to second order).

    Leaving example i out moves beta by one Newton step on the objective without
    it: beta_(-i) = beta + w_i (p_i - z_i) / (H - w_i p_i (1 - p_i)), with H the full
    curvature (exact to second order in the one left out; the denominator is at
    least ``prior``, floored at the smallest normal number when that is 0).
    Returns the (n_samples, n_tags) array of ``s_i + beta_(-i)``.
    """
    p = _em.sigmoid(scores + beta, xp)
    own_curvature = weights * (p * (1 - p))
    curvature = xp.sum(own_curvature, axis=0) + prior
    tiny = xp.finfo(scores.dtype).smallest_normal
    beta_without = beta + weights * (p - Z) / xp.clip(curvature - own_curvature, tiny, None)
    return scores + beta_without


def leave_one_out_log_likelihood(scores, Z, weights, beta, prior, xp):
    """Approximate leave-one-out log-likelihood of the clean labels, per tag.

    Example i is scored at the beta re-fitted without it, to second order (see
    :func:`intercept_leave_one_out_logits`).
    """
    logits = intercept_leave_one_out_logits(scores, Z, weights, beta, prior, xp)
    return log_likelihood(logits, Z, weights, xp)
