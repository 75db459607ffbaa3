"""Which calibration each tag gets: a prior strength chosen by approximate
leave-one-out log-likelihood, and method="auto"'s ladder (Platt for all, per-tag
intercept or Platt, one shared map, none), guarded by the clean set's top-k
annotation F1.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from skrobust._array_api import to_numpy
from skrobust.calibration._intercept import (
    DEGENERATE_PRIOR,
    intercept_leave_one_out_logits,
    leave_one_out_log_likelihood,
    log_likelihood,
    solve_intercepts,
)
from skrobust.calibration._platt import (
    platt_leave_one_out_log_likelihood,
    platt_leave_one_out_logits,
    score_variance,
    solve_platt,
)
from skrobust.metrics import annotation_scores

# prior_strength="auto" picks the best of these by approximate leave-one-out
# log-likelihood: half-decade steps from "barely there" to "beta stays near 0 unless
# thousands of clean labels disagree".
PRIOR_GRID = tuple(float(10.0**e) for e in np.arange(-3.0, 3.01, 0.5))
# method="auto" checks the top-k annotation of the clean set at k = min(this, n_tags - 1).
ANNOTATION_K = 5
# ... and falls back when that F1 is lower than the uncalibrated model's by more than
# this many standard errors (of the mean over tags of the per-tag change): on 50
# clean images the leave-one-out F1 of a good calibration is often a few points below
# the uncalibrated one by chance alone (docs/scripts/calibration_methods.py).
ANNOTATION_TOLERANCE_SE = 1.0


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


class _CalibrationChoiceMixin:
    """InterceptCalibrator's solve: the fitted calibration of every tag."""

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
        # Platt for all before the per-tag choice: a tag's family chosen on its few
        # clean positives is noise (RobustLogisticRegression() on 50 clean MIRFLICKR
        # photos: 1.3 F@5 points better on the 730 embedded photos, 0.4 at scale).
        rungs = [("platt", np.full(n_tags, "platt")), ("per tag", per_tag)]
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


def expand_to_all_tags(fit, columns, n_tags, xp, device):
    """The :class:`_Calibration` of the tags ``columns`` (a sorted NumPy int array) as
    one of all ``n_tags`` tags: the others unchanged (slope 1, offset 0, method "none",
    strength ``inf``)."""
    mask_np = np.zeros(n_tags, dtype=bool)
    mask_np[columns] = True
    position = np.zeros(n_tags, dtype=np.int64)  # each tag's place among ``columns``
    position[columns] = np.arange(columns.size)
    mask = xp.asarray(mask_np, device=device)
    position = xp.asarray(position, device=device)

    def spread(values, default):
        values = xp.take(values, position, axis=0)
        return xp.where(mask, values, xp.full_like(values, default))

    strength = fit.strength
    if not isinstance(strength, float):
        strength = spread(strength, float("inf"))
    methods = np.full(n_tags, "none", dtype=object)
    methods[columns] = np.asarray(fit.method, dtype=object)
    return _Calibration(spread(fit.slope, 1.0), spread(fit.beta, 0.0), strength,
                        fit.n_iter, methods, fit.selection)
