"""InterceptCalibrator: keep a noisy-tag model's weights, re-fit its output per tag.

A model trained on user tags ranks images well but its probabilities carry the tag
data's priors. The paper's fix keeps every weight and learns one offset ``beta_t``
per tag on a small set of clean (manually checked) labels,
``P(z_t = 1 | x) = sigmoid(s_t(x) + beta_t)``, where ``s_t`` is the model's score.
Each ``beta_t`` is a 1-D convex problem; all of them are solved together by a
vectorised, safeguarded Newton iteration on the data's own namespace and device.
A strongly regularised model's scores are compressed, which one offset cannot undo:
``method="platt"`` also fits a slope per tag (a 2-D convex problem per tag, solved
the same way), and ``method="auto"`` (the default) chooses by leave-one-out on the
clean set.
"""

import warnings
from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError, UndefinedMetricWarning
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from skrobust.linear_model import _em, _outputs
from skrobust._array_api import (
    check_same_namespace,
    get_namespace_and_device,
    max_float_dtype,
    to_numpy,
)
from skrobust.linear_model._tag_names import as_name_array, default_tag_names, fitted_tag_names
from skrobust.linear_model._targets import (
    binary_classes,
    binary_to_indicator,
    column_to_1d,
    is_indicator_target,
    validate_indicator,
)
from skrobust.linear_model import RobustLogisticRegression
from skrobust.metrics import annotation_scores

# The Newton solver and the leave-one-out score below are module-level so tests can
# check them against scipy, but they are implementation details, not API.
__all__ = ["InterceptCalibrator"]

# prior_strength="auto" picks the best of these by approximate leave-one-out
# log-likelihood: half-decade steps from "barely there" to "beta stays near 0 unless
# thousands of clean labels disagree".
PRIOR_GRID = tuple(float(10.0**e) for e in np.arange(-3.0, 3.01, 0.5))
# A tag whose clean labels are all 0 (or all 1) has no finite maximum-likelihood
# beta; it gets at least this prior (a standard normal on beta) and a warning.
DEGENERATE_PRIOR = 1.0
# Newton stops once every tag's step is below this, relative to max(1, |beta|).
NEWTON_TOL = 1e-12
NEWTON_MAX_ITER = 100
# Step halvings per Newton iteration before a tag is taken to sit at its optimum
# to rounding (its gradient can no longer shrink).
MAX_HALVINGS = 60
# method="auto" checks the top-k annotation of the clean set at k = min(this, n_tags - 1).
ANNOTATION_K = 5
# ... and falls back when that F1 is lower than the uncalibrated model's by more than
# this many standard errors (of the mean over tags of the per-tag change): on 50
# clean images the leave-one-out F1 of a good calibration is often a few points below
# the uncalibrated one by chance alone (docs/scripts/calibration_methods.py).
ANNOTATION_TOLERANCE_SE = 1.0


# --------------------------------------------------------------------- the mathematics


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


# ----------------------------------------------- slope and intercept (method="platt")


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


# ------------------------------------------------------------------------ helpers


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _as_log_odds(proba, xp):
    """logit(p), with p clipped one machine epsilon inside (0, 1) to stay finite."""
    eps = xp.finfo(proba.dtype).eps
    proba = xp.clip(proba, eps, 1 - eps)
    return xp.log(proba) - xp.log1p(-proba)


class _FamilyFit(NamedTuple):
    slope: object  # arrays of shape (n_tags,)
    beta: object
    prior: object  # the per-tag prior strengths used (degenerate tags floored)
    strength: float
    n_iter: int


class _Calibration(NamedTuple):
    slope: object
    beta: object
    strength: object  # float, or an ndarray per tag under method="auto"
    n_iter: int
    method: np.ndarray
    selection: str


def _fit_family(family, scores, Z, weights, xp, priors, strengths, informative, variance):
    """The fit of one family ("intercept" or "platt") at the best of ``strengths`` by
    approximate leave-one-out log-likelihood summed over the informative tags (the
    only one when there is one strength). Warm-started along ``strengths``."""
    slope = beta = None
    candidates, totals = [], []
    for strength in strengths:
        prior = priors(strength)
        if family == "intercept":
            beta, n_iter = solve_intercepts(scores, Z, weights, prior, xp, beta=beta)
            slope = xp.ones_like(beta)
            if len(strengths) > 1:
                log_lik = leave_one_out_log_likelihood(scores, Z, weights, beta, prior, xp)
        else:
            slope, beta, n_iter = solve_platt(
                scores, Z, weights, prior, variance, xp, slope=slope, beta=beta
            )
            if len(strengths) > 1:
                log_lik = platt_leave_one_out_log_likelihood(
                    scores, Z, weights, slope, beta, prior, variance, xp
                )
        candidates.append(_FamilyFit(slope, beta, prior, strength, n_iter))
        if len(strengths) > 1:
            totals.append(xp.sum(informative * log_lik))
    if len(strengths) == 1:
        return candidates[0]
    # One host transfer for the whole choice.
    return candidates[int(np.argmax(to_numpy(xp.stack(totals))))]


def _fit_shared(scores, Z, weights, xp, strengths):
    """One slope and offset for all tags (every (image, tag) cell an example), at the
    best of ``strengths``; and the cells' leave-one-out log-odds, (n_samples, n_tags)."""
    shape = scores.shape
    flat_scores = xp.reshape(scores, (-1, 1))
    flat_Z = xp.reshape(Z, (-1, 1))
    flat_weights = xp.reshape(weights * xp.ones_like(scores), (-1, 1))
    positives = xp.sum(flat_weights * flat_Z, axis=0)
    degenerate = (positives <= 0) | (xp.sum(flat_weights * (1 - flat_Z), axis=0) <= 0)
    floor = xp.astype(degenerate, positives.dtype) * DEGENERATE_PRIOR

    def priors(strength):
        return xp.maximum(xp.full_like(positives, strength), floor)

    variance = score_variance(flat_scores, flat_weights, xp)
    informative = xp.ones_like(positives)
    fit = _fit_family(
        "platt", flat_scores, flat_Z, flat_weights, xp, priors, strengths, informative,
        variance,
    )
    logits = platt_leave_one_out_logits(
        flat_scores, flat_Z, flat_weights, fit.slope, fit.beta, fit.prior, variance, xp
    )
    expand = xp.ones(shape[1], dtype=scores.dtype, device=scores.device)
    fit = fit._replace(slope=fit.slope * expand, beta=fit.beta * expand)
    return fit, xp.reshape(logits, shape)


def _select(logits, methods, xp, device):
    """Per tag t, the column t of ``logits[methods[t]]``."""
    out = logits["none"]
    for family, values in logits.items():
        mask = methods == family
        if family != "none" and mask.any():
            out = xp.where(xp.asarray(mask, device=device), values, out)
    return out


class _AnnotationCheck:
    """Does a set of (leave-one-out) log-odds annotate the clean set about as well as
    the uncalibrated scores? Top-k annotation F1 (:func:`skrobust.metrics.annotation_scores`,
    k = min(ANNOTATION_K, n_tags - 1)) over the examples of positive weight: it fails
    when the mean over tags of the per-tag F1 change is below minus
    ``ANNOTATION_TOLERANCE_SE`` standard errors of that mean. With k < 1 (one tag) or
    no positive label there is nothing to check."""

    def __init__(self, scores, Z, weights, xp):
        self.xp = xp
        self.k = min(ANNOTATION_K, scores.shape[1] - 1)
        kept = np.flatnonzero(to_numpy(weights)[:, 0] > 0)
        self.Z = to_numpy(Z)[kept]
        self.rows = xp.asarray(kept, device=scores.device)
        self.active = self.k >= 1 and kept.size > 0 and bool(self.Z.any())
        self.reference = self.f1_per_tag(scores) if self.active else None

    def f1_per_tag(self, logits):
        # Ranked by log-odds: the order of the probabilities, without the ties that
        # saturated sigmoids would make. NaN for tags without a positive example.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            logits = self.xp.take(logits, self.rows, axis=0)
            return annotation_scores(self.Z, logits, k=self.k).f1_per_tag

    def passes(self, logits):
        if not self.active:
            return True
        evaluated = ~np.isnan(self.reference)
        change = (self.f1_per_tag(logits) - self.reference)[evaluated]
        se = change.std(ddof=1) / np.sqrt(change.size) if change.size > 1 else 0.0
        return bool(change.mean() >= -ANNOTATION_TOLERANCE_SE * se)


class InterceptCalibrator(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Re-fit the intercept (and slope) per tag of a classifier on a few clean labels.

    The wrapped classifier's weights are kept exactly as they are; only an offset
    ``beta_t`` per tag is learned, ``P(z_t = 1 | x) = sigmoid(s_t(x) + beta_t)``,
    where ``s_t`` is the classifier's ``decision_function`` (or, for a classifier
    with only ``predict_proba``, the logit of its positive-class probability,
    clipped one machine epsilon inside (0, 1)). One parameter per tag: a few hundred
    clean images are enough (Izadinia et al., "Image Classification and Retrieval
    from User-Supplied Tags"). ``beta`` is the maximum a posteriori value under a
    Gaussian prior ``beta_t ~ N(0, 1 / prior_strength)`` that shrinks toward the
    uncalibrated model, found for all tags at once by a vectorised Newton iteration.

    That is ``method="intercept"``. A strongly regularised model's scores are
    compressed toward 0, and one offset cannot stretch them: it then moves every
    image toward the tag's base rate and can make top-k annotation much worse.
    ``method="platt"`` fits ``P(z_t = 1 | x) = sigmoid(a_t s_t(x) + beta_t)``, a
    slope and an offset per tag, under a Gaussian prior centred on the uncalibrated
    model (``a_t = 1, beta_t = 0``). ``method="auto"`` (the default) chooses by
    approximate leave-one-out on the clean set and keeps the model unchanged rather
    than lower its clean-set log-likelihood or (beyond noise) its top-k annotation;
    see Notes.

    Which data go where in :meth:`fit`:

    * ``X, y`` (the clean calibration set) always and only fit ``beta``, except in
      the last case below;
    * a **fitted** ``estimator`` (``prefit="auto"`` or True) is used as it is: never
      cloned, refitted or modified (also by :func:`sklearn.base.clone`, so
      :class:`~sklearn.model_selection.GridSearchCV` over ``prior_strength`` keeps
      it, like :class:`~sklearn.frozen.FrozenEstimator`);
    * an **unfitted** ``estimator`` (or ``prefit=False``) is cloned and the clone is
      trained on ``fit(..., X_noisy=X_big, y_noisy=Y_big)``, the large noisy tag set,
      then calibrated on ``X, y``. GridSearchCV over ``estimator__*`` works this
      way: ``search.fit(X_clean, Z_clean, X_noisy=X_big, y_noisy=Y_big)`` (with
      metadata routing on, first ``set_fit_request(X_noisy=True, y_noisy=True)``);
    * an unfitted ``estimator`` without ``X_noisy`` is trained on the calibration
      set itself, then calibrated on it (as CalibratedClassifierCV does without a
      separate set; what scikit-learn's estimator checks and
      :class:`~sklearn.multioutput.MultiOutputClassifier` use).

    Parameters
    ----------
    estimator : classifier, default=None
        A classifier with ``decision_function`` or ``predict_proba``: binary (1-D
        ``y``) or multi-label (a 2-D 0/1 tag matrix, one score column per tag, such
        as a :class:`~skrobust.RobustLogisticRegression` fitted on tags). None
        means ``RobustLogisticRegression()`` (unfitted: pass ``X_noisy``).
    method : {"auto", "intercept", "platt"}, default="auto"
        What is re-fitted per tag.

        - "intercept": the offset ``beta_t`` only (the paper's calibration).
        - "platt": a slope ``a_t`` and an offset ``beta_t``,
          ``sigmoid(a_t s_t + beta_t)``.
        - "auto": per tag the better of the two by approximate leave-one-out
          log-likelihood of the clean labels (ties to "intercept"), checked as a
          whole against the uncalibrated model; see Notes for the fallbacks.
    prior_strength : float >= 0 or "auto", default="auto"
        Precision of the Gaussian prior, in units of clean examples' curvature: the
        objective per tag is the (weighted) negative log-likelihood of the clean
        labels plus ``prior_strength / 2 * beta_t**2`` ("intercept"), or plus
        ``prior_strength / 2 * (v_t * (a_t - 1)**2 + beta_t**2)`` ("platt"), where
        ``v_t`` is the (weighted) variance of the tag's scores on the clean set
        (see Notes). 0 is plain maximum likelihood. "auto" picks one strength for
        all tags from ``1e-3, 10**-2.5, ..., 1e3`` by the approximate leave-one-out
        log-likelihood of the clean labels (each example scored by the parameters
        re-fitted without it, to second order), summed over tags; under
        ``method="auto"`` each of the two fits gets its own. Tags whose clean labels
        are all 0 or all 1 are left out of that choice and always get a strength of
        at least 1.
    prefit : "auto" or bool, default="auto"
        Whether ``estimator`` is already fitted and used as is. "auto": yes exactly
        when it is fitted. True: it must be fitted (NotFittedError otherwise).
        False: a clone is always trained, even if ``estimator`` is fitted.

    Attributes
    ----------
    estimator_ : classifier
        The scoring model: ``estimator`` itself when prefit, else its trained clone.
    beta_ : array of shape (n_tags,)
        The learned intercept offset per tag (1 tag for a binary ``y``), on the
        namespace and device of the model's scores, in their dtype.
    slope_ : array of shape (n_tags,)
        The learned slope per tag, like ``beta_``: exactly 1 for tags fitted
        without one. Calibrated log-odds are ``slope_ * s + beta_``.
    method_ : tuple of str, one per tag
        What each tag got: "intercept" or "platt"; under ``method="auto"`` also
        "shared" (one slope and offset common to all tags) or "none" (unchanged:
        ``slope_ = 1, beta_ = 0``).
    selection_ : str
        Under ``method="auto"``, the rung of its ladder that was used (see Notes):
        "per tag", "platt", "shared" or "none". Otherwise ``method``.
    prior_strength_ : float or ndarray of shape (n_tags,)
        The prior strength used: the chosen one under ``prior_strength="auto"``
        (1.0 when every tag's labels are all one class, leaving nothing to choose
        by). Under ``method="auto"``, an array of shape (n_tags,) like ``beta_``,
        with each tag's (that of the fit it got; ``inf`` for tags left unchanged).
    classes_ : array of shape (2,) or (n_tags,)
        ``estimator_.classes_``.
    tag_names_ : ndarray of str objects, shape (n_tags,)
        ``estimator_.tag_names_`` (also when ``estimator_`` is a Pipeline ending in
        a model that has them), else ``"tag0"``, ``"tag1"``, ... for a tag matrix
        and ``str(classes_[1])`` for a binary model.
    n_iter_ : int
        Newton iterations of the final solve (the most of any fit's under
        ``method="auto"``).
    n_features_in_ : int
        ``estimator_.n_features_in_``, when it has one.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        ``estimator_.feature_names_in_``, when it has one.

    See Also
    --------
    skrobust.RobustLogisticRegression : The noisy-tag model this calibrates.
    sklearn.calibration.CalibratedClassifierCV : Fits a slope and an intercept
        (sigmoid), isotonic or temperature, one binary or multiclass output.
    sklearn.frozen.FrozenEstimator : The same "fitted stays fitted" pattern.

    Notes
    -----
    **The slope's prior.** ``(a_t - 1)**2`` is scaled by ``v_t``, the variance of the
    tag's scores on the clean set: ``v_t (a_t - 1)**2`` is the mean squared change a
    slope change makes to the (centred) log-odds, as ``beta_t**2`` is the one an
    offset makes, so one ``prior_strength`` means the same for both, whatever the
    scale of the scores; and ``prior_strength * v_t`` is then worth
    ``prior_strength`` clean examples' curvature for ``a_t``, as ``prior_strength``
    is for ``beta_t``. Compressed scores (small ``v_t``) thus leave the slope free
    to grow. A tag whose scores are constant to rounding keeps ``a_t = 1``. With
    ``prior_strength=0`` and ``method="platt"``, a tag whose scores separate its
    clean labels has no finite maximum-likelihood slope (ConvergenceWarning).

    **method="auto".** Per tag, "platt" if its approximate leave-one-out
    log-likelihood is higher than "intercept"'s, else "intercept"; leaving single
    tags uncalibrated is not a candidate, since it would rank them on the noisy
    tags' scale next to calibrated ones (measured: lower top-k annotation). Then a
    ladder, from the most flexible: (1) that per-tag choice, (2) "platt" for every
    tag, (3) "shared", one slope and offset for all tags (every image-tag pair an
    example), which leaves each image's ranking of its tags and so its top-k
    annotation exactly as they are; the first rung is used whose total
    leave-one-out log-likelihood is strictly higher than the uncalibrated model's
    and whose leave-one-out annotation F1 at ``k = min(5, n_tags - 1)``
    (:func:`skrobust.metrics.annotation_scores` of each example's log-odds under
    the parameters re-fitted without it) is not lower than the uncalibrated
    model's by more than one standard error of the mean per-tag F1 change (a few
    dozen clean images give a noisy F1; see ``docs/scripts/calibration_methods.py``).
    If none qualifies the model is left unchanged. ``selection_`` says which rung
    was used; the F1 check ignores ``sample_weight`` except that examples of
    weight 0 are left out.

    A tag whose clean labels are all 0 or all 1 has no finite maximum-likelihood
    ``beta``; it gets the prior (strength at least 1, even with
    ``prior_strength=0``) and a UserWarning naming it.

    ``X`` is passed to ``estimator_`` unvalidated (the estimator validates it), so
    in a Pipeline put preprocessing inside ``estimator`` when training on
    ``X_noisy``: earlier pipeline steps never see the ``X_noisy`` fit parameter.
    When ``X_noisy`` has exactly as many rows as ``X``, GridSearchCV's splitter
    takes it for per-sample metadata and hands each fold only those rows of it.

    Non-NumPy arrays (CuPy, torch, ...) work inside
    ``sklearn.config_context(array_api_dispatch=True)`` when the wrapped estimator
    supports them: ``beta_`` and every output stay on the data's device, and the
    Newton iteration runs there (in float64 where the device has it).

    Examples
    --------
    >>> from skrobust import InterceptCalibrator, RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=20_000, n_features=10, n_tags=3, pi=0.3, random_state=0)
    >>> model = RobustLogisticRegression(random_state=0).fit(X[2000:], Y[2000:])
    >>> calibrated = InterceptCalibrator(model).fit(X[:2000], Z[:2000])  # clean labels
    >>> calibrated.beta_.shape
    (3,)
    >>> calibrated.predict_proba(X[:2]).shape
    (2, 3)
    >>> calibrated.estimator_ is model             # used as is, never refitted
    True
    >>> len(calibrated.method_), calibrated.slope_.shape  # per tag: what it got
    (3, (3,))

    Strong L2 compresses the scores; one offset cannot stretch them, a slope can:

    >>> strong = RobustLogisticRegression(alpha=1.0, random_state=0).fit(X[2000:], Y[2000:])
    >>> calibrated = InterceptCalibrator(strong).fit(X[:2000], Z[:2000])
    >>> calibrated.method_, calibrated.selection_
    (('platt', 'platt', 'platt'), 'per tag')
    >>> bool((calibrated.slope_ > 10).all())
    True
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "decision_function"]),
            HasMethods(["fit", "predict_proba"]),
            None,
        ],
        "method": [StrOptions({"auto", "intercept", "platt"})],
        "prior_strength": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "prefit": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self, estimator=None, *, method="auto", prior_strength="auto", prefit="auto"
    ):
        self.estimator = estimator
        self.method = method
        self.prior_strength = prior_strength
        self.prefit = prefit

    # -------------------------------------------------------- holding a fitted model

    def _base_estimator(self):
        return RobustLogisticRegression() if self.estimator is None else self.estimator

    def _prefit(self, prefit=None):
        """``prefit`` as "auto", True or False (NumPy booleans included)."""
        prefit = self.prefit if prefit is None else prefit
        return prefit if isinstance(prefit, str) else bool(prefit)

    def _holds_fitted_estimator(self, estimator=None, prefit=None):
        estimator = self._base_estimator() if estimator is None else estimator
        return self._prefit(prefit) is not False and _is_fitted(estimator)

    def __sklearn_clone__(self):
        # A fitted wrapped model is data, not a hyperparameter: keep it (as
        # FrozenEstimator does), or every GridSearchCV candidate would silently
        # retrain it on the small calibration set.
        if not self._holds_fitted_estimator():
            return super().__sklearn_clone__()
        params = {
            name: clone(value, safe=False)
            for name, value in self.get_params(deep=False).items()
            if name != "estimator"
        }
        return type(self)(self.estimator, **params)

    def set_params(self, **params):
        """Set parameters; ``estimator__*`` ones only for an estimator that is trained.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : InterceptCalibrator
            This estimator.
        """
        nested = sorted(name for name in params if name.startswith("estimator__"))
        if nested and self._holds_fitted_estimator(
            params.get("estimator", self.estimator), params.get("prefit", self.prefit)
        ):
            raise ValueError(
                f"Cannot set {nested}: the wrapped estimator is fitted and used as it "
                "is (shared, never modified). To tune it, pass an unfitted estimator "
                "(e.g. sklearn.base.clone(model)) or prefit=False, and its noisy "
                "training data to fit(..., X_noisy=, y_noisy=)."
            )
        return super().set_params(**params)

    # ---------------------------------------------------------------------- fitting

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, X_noisy=None, y_noisy=None):
        """Learn ``beta_`` on clean labels (training the estimator first if needed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Clean calibration examples, in whatever form ``estimator`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Their clean labels: binary (labels from ``estimator.classes_``), or a
            0/1 tag matrix with one column per tag of ``estimator``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the calibration examples (also of the estimator's training
            examples when it is trained on the calibration set itself).
        X_noisy : array-like of shape (n_noisy, n_features), default=None
            The large noisy training set for an unfitted ``estimator``: its clone
            is trained on ``(X_noisy, y_noisy)``. Not allowed with a fitted one.
        y_noisy : array-like of shape (n_noisy,) or (n_noisy, n_tags), default=None
            The noisy tags of ``X_noisy``.

        Returns
        -------
        self : InterceptCalibrator
            The fitted calibrator.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if not (sp.issparse(y) or hasattr(y, "__array_namespace__")):
            y = np.asarray(y)  # lists, pandas, other array-likes: read once, on the host
        binary = not is_indicator_target(y)
        if binary:
            y = column_to_1d(y)
        estimator = self._trained_estimator(X, y, sample_weight, X_noisy, y_noisy)
        scores, xp = self._log_odds(estimator, X, binary)
        _, _, device = get_namespace_and_device(scores)
        dtype = max_float_dtype(xp, device)
        Z = self._validate_labels(y, estimator, scores, binary, xp, device, dtype)
        weights = _check_sample_weight(
            sample_weight, scores, dtype=dtype, ensure_non_negative=True
        )
        weights = xp.reshape(weights, (-1, 1))
        output_dtype = scores.dtype  # beta_ is kept in the model's own dtype
        scores = xp.astype(scores, dtype)

        fit = self._solve(scores, Z, weights, xp, fitted_tag_names(estimator, scores.shape[1]))
        self.estimator_ = estimator
        self.classes_ = estimator.classes_
        self.slope_ = xp.astype(fit.slope, output_dtype)
        self.beta_ = xp.astype(fit.beta, output_dtype)
        self.method_ = tuple(str(method) for method in fit.method)
        self.selection_ = fit.selection
        self.prior_strength_ = (
            fit.strength if isinstance(fit.strength, float)
            else xp.astype(fit.strength, output_dtype)
        )
        self.n_iter_ = fit.n_iter
        self._binary = binary
        return self

    def _trained_estimator(self, X, y, sample_weight, X_noisy, y_noisy):
        """The wrapped model as is, or a clone trained on the data meant for it."""
        estimator = self._base_estimator()
        if (X_noisy is None) != (y_noisy is None):
            raise ValueError("X_noisy and y_noisy must be passed together.")
        if self._prefit() is True and not _is_fitted(estimator):
            raise NotFittedError(
                f"prefit=True needs a fitted estimator, but this {type(estimator).__name__} "
                "is not fitted. Fit it on the noisy tags first, or keep prefit='auto' "
                "and pass them as fit(X, y, X_noisy=..., y_noisy=...)."
            )
        if self._holds_fitted_estimator(estimator):
            if X_noisy is not None:
                raise ValueError(
                    f"The estimator ({type(estimator).__name__}) is already fitted and is "
                    "used as it is, so X_noisy/y_noisy would be ignored. Pass an unfitted "
                    "estimator or prefit=False to train it on them."
                )
            return estimator
        trained = clone(estimator)
        if X_noisy is not None:
            return trained.fit(X_noisy, y_noisy)
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        return trained.fit(X, y, **extra)

    def _validate_labels(self, y, estimator, scores, binary, xp, device, dtype):
        """Clean labels as an (n_samples, n_tags) 0/1 float matrix on the scores' device."""
        n_samples, n_tags = scores.shape
        if binary:
            classes = to_numpy(estimator.classes_)
            y_np = to_numpy(y) if hasattr(y, "__array_namespace__") else np.asarray(y)
            if y_np.shape[0] != n_samples:
                raise ValueError(
                    f"X and y have inconsistent numbers of samples: {n_samples} and "
                    f"{y_np.shape[0]}."
                )
            classes = binary_classes(y_np, classes=classes)
            return xp.astype(binary_to_indicator(y, classes, xp, device), dtype)
        Z = validate_indicator(y, n_samples, xp, device)  # checked, in its own dtype
        if Z.shape[1] != n_tags:
            raise ValueError(
                f"y has {Z.shape[1]} tags (columns) but the estimator "
                f"({type(estimator).__name__}) predicts {n_tags}."
            )
        if hasattr(Z, "toarray"):  # scipy.sparse: NumPy only, and small here
            Z = xp.asarray(Z.toarray())
        return xp.astype(Z, dtype)

    def _solve(self, scores, Z, weights, xp, names):
        """The fitted calibration of every tag, as a :class:`_Calibration`; ``names``
        name the tags in warnings."""
        # Exact zeros (no rounding) when a tag's weighted labels are all one class.
        positives = xp.sum(weights * Z, axis=0)
        degenerate = (positives <= 0) | (xp.sum(weights * (1 - Z), axis=0) <= 0)
        degenerate_np = to_numpy(degenerate)
        if degenerate_np.any():
            warnings.warn(
                f"Tags {[names[t] for t in np.flatnonzero(degenerate_np)]} have "
                "calibration labels "
                "that are all 0 or all 1: their maximum-likelihood beta is infinite, so "
                f"they get a prior of strength at least {DEGENERATE_PRIOR} instead. "
                "Add clean examples of both kinds for these tags.",
                UserWarning,
            )

        def priors(strength):
            floor = xp.astype(degenerate, positives.dtype) * DEGENERATE_PRIOR
            return xp.maximum(xp.full_like(positives, strength), floor)

        if self.prior_strength != "auto":
            strengths = (float(self.prior_strength),)
        elif degenerate_np.all():
            strengths = (DEGENERATE_PRIOR,)
        else:
            # Strongest prior first: each solve starts from the previous, nearby fit.
            strengths = tuple(reversed(PRIOR_GRID))
        informative = xp.astype(~degenerate, scores.dtype)
        variance = score_variance(scores, weights, xp)
        n_tags = scores.shape[1]
        if self.method != "auto":
            fit = _fit_family(
                self.method, scores, Z, weights, xp, priors, strengths, informative, variance
            )
            return _Calibration(
                fit.slope, fit.beta, fit.strength, fit.n_iter,
                np.full(n_tags, self.method), self.method,
            )
        return self._auto(scores, Z, weights, xp, priors, strengths, informative, variance)

    def _auto(self, scores, Z, weights, xp, priors, strengths, informative, variance):
        """method="auto": the first rung of the ladder (see the class Notes) that
        improves the clean set's approximate leave-one-out log-likelihood over the
        uncalibrated model and does not lower its leave-one-out top-k annotation F1."""
        n_samples, n_tags = scores.shape
        device = scores.device
        fits = {
            family: _fit_family(
                family, scores, Z, weights, xp, priors, strengths, informative, variance
            )
            for family in ("intercept", "platt")
        }
        loo_logits = {
            "none": scores,  # the uncalibrated model: nothing fitted, nothing left out
            "intercept": intercept_leave_one_out_logits(
                scores, Z, weights, fits["intercept"].beta, fits["intercept"].prior, xp
            ),
            "platt": platt_leave_one_out_logits(
                scores, Z, weights, fits["platt"].slope, fits["platt"].beta,
                fits["platt"].prior, variance, xp,
            ),
        }
        if n_tags > 1:
            fits["shared"], loo_logits["shared"] = _fit_shared(
                scores, Z, weights, xp, strengths
            )
        # One host transfer: the leave-one-out log-likelihood of each family and tag.
        names = list(loo_logits)
        loo = to_numpy(xp.stack([log_likelihood(loo_logits[f], Z, weights, xp) for f in names]))
        loo = dict(zip(names, loo))

        per_tag = np.where(loo["platt"] > loo["intercept"], "platt", "intercept")
        rungs = [("per tag", per_tag), ("platt", np.full(n_tags, "platt"))]
        if n_tags > 1:
            rungs.append(("shared", np.full(n_tags, "shared")))
        check = _AnnotationCheck(scores, Z, weights, xp)
        selection, methods = "none", np.full(n_tags, "none")
        tried = []
        for name, choice in rungs:
            if any(np.array_equal(choice, earlier) for earlier in tried):
                continue
            tried.append(choice)
            total = sum(float(loo[f][t]) for t, f in enumerate(choice))
            if not total > float(np.sum(loo["none"])):  # ties go to the simpler model
                continue
            if name == "shared" and not float(to_numpy(fits["shared"].slope)[0]) > 0:
                continue  # a non-positive common slope would reverse every ranking
            # A common increasing map leaves each image's ranking of its tags, hence
            # its top-k annotation, exactly as it is: nothing to check.
            if name == "shared" or check.passes(_select(loo_logits, choice, xp, device)):
                selection, methods = name, choice
                break

        ones = xp.ones(n_tags, dtype=scores.dtype, device=device)
        slope, beta = ones, ones * 0
        strength = ones * float("inf")
        for family, fit in fits.items():
            mask_np = methods == family
            if mask_np.any():
                mask = xp.asarray(mask_np, device=device)
                slope = xp.where(mask, fit.slope, slope)
                beta = xp.where(mask, fit.beta, beta)
                strength = xp.where(mask, ones * fit.strength, strength)
        n_iter = max(fit.n_iter for fit in fits.values())
        return _Calibration(slope, beta, strength, n_iter, methods, selection)

    # -------------------------------------------------------------------- predicting

    def _log_odds(self, estimator, X, binary):
        """The wrapped model's scores as (n_samples, n_tags) log-odds, and their xp."""
        name = type(estimator).__name__
        if hasattr(estimator, "decision_function"):
            scores = estimator.decision_function(X)
            xp, _, _ = get_namespace_and_device(scores)
            if binary and scores.ndim != 1:
                raise ValueError(
                    f"y is binary (1-D) but {name}.decision_function gives "
                    f"{scores.shape[1]} scores per sample: pass a 2-D 0/1 tag matrix with "
                    "one column per tag."
                )
            if not binary and scores.ndim != 2:
                raise ValueError(
                    f"y is a 2-D tag matrix but {name} is a binary classifier (1 score "
                    "per sample): pass its 1-D labels."
                )
            return (xp.reshape(scores, (-1, 1)) if binary else scores), xp
        proba = estimator.predict_proba(X)
        if isinstance(proba, list):  # MultiOutputClassifier: one (n, 2) per tag
            if binary:
                raise ValueError(f"y is binary (1-D) but {name} predicts {len(proba)} tags.")
            xp, _, _ = get_namespace_and_device(proba[0])
            proba = xp.stack([p[:, -1] for p in proba], axis=1)
        else:
            xp, _, _ = get_namespace_and_device(proba)
            if binary:
                if proba.shape[1] != 2:
                    raise ValueError(
                        f"y is binary (1-D) but {name}.predict_proba gives "
                        f"{proba.shape[1]} columns."
                    )
                proba = proba[:, 1:]
        return _as_log_odds(proba, xp), xp

    def _calibrated_scores(self, X, method):
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="beta_", method=method)
        scores, xp = self._log_odds(self.estimator_, X, self._binary)
        # slope_ is exactly 1 for tags fitted without a slope: s * 1 + beta == s + beta.
        return scores * self.slope_ + self.beta_, xp

    def decision_function(self, X):
        """Calibrated log-odds ``s(x) + beta``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, in whatever form the wrapped estimator accepts.

        Returns
        -------
        scores : array of shape (n_samples,) or (n_samples, n_tags)
            1-D for a binary model (positive favours ``classes_[1]``).
        """
        scores, _ = self._calibrated_scores(X, "decision_function")
        return scores[:, 0] if self._binary else scores

    def predict_proba(self, X):
        """Calibrated P(true label | x), in the wrapped model's layout.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            For a binary model, the probabilities of ``classes_[0]`` and
            ``classes_[1]``; for a tag matrix, P(z_t = 1 | x) per tag.
        """
        scores, xp = self._calibrated_scores(X, "predict_proba")
        return _outputs.probabilities(scores, self._binary, xp)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._calibrated_scores(X, "predict_log_proba")
        return _outputs.log_probabilities(scores, self._binary, xp)

    def predict(self, X):
        """Most probable true label after calibration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tags)
            Class labels for a binary model; 0/1 integers per tag for a tag matrix.
        """
        scores, xp = self._calibrated_scores(X, "predict")
        return _outputs.predictions(scores, self._binary, self.classes_, xp)

    # ------------------------------------------------------------ delegated attributes

    @property
    def n_features_in_(self):
        """Number of features seen by the wrapped estimator."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def tag_names_(self):
        """Tag names of the wrapped estimator (see the class's Attributes)."""
        check_is_fitted(self)
        names = fitted_tag_names(self.estimator_)
        if names is None:
            names = ([str(to_numpy(self.classes_)[1])] if self._binary
                     else default_tag_names(self.beta_.shape[0]))
        return as_name_array(names)

    @property
    def feature_names_in_(self):
        """Feature names seen by the wrapped estimator."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "beta_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags = inner.input_tags
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = inner.classifier_tags.multi_label
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.array_api_support = inner.array_api_support
        return tags
