"""InterceptCalibrator: keep a noisy-tag model's weights, re-fit one intercept per tag.

A model trained on user tags ranks images well but its probabilities carry the tag
data's priors. The paper's fix keeps every weight and learns one offset ``beta_t``
per tag on a small set of clean (manually checked) labels,
``P(z_t = 1 | x) = sigmoid(s_t(x) + beta_t)``, where ``s_t`` is the model's score.
Each ``beta_t`` is a 1-D convex problem; all of them are solved together by a
vectorised, safeguarded Newton iteration on the data's own namespace and device.
"""

import warnings
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from skrobust import _em, _outputs
from skrobust._array_api import (
    check_same_namespace,
    get_namespace_and_device,
    max_float_dtype,
    to_numpy,
)
from skrobust._targets import (
    binary_classes,
    binary_to_indicator,
    column_to_1d,
    is_indicator_target,
    validate_indicator,
)
from skrobust.linear_model import RobustLogisticRegression

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


def leave_one_out_log_likelihood(scores, Z, weights, beta, prior, xp):
    """Approximate leave-one-out log-likelihood of the clean labels, per tag.

    Leaving example i out moves beta by one Newton step on the objective without
    it: beta_(-i) = beta + w_i (p_i - z_i) / (H - w_i p_i (1 - p_i)), with H the full
    curvature (exact to second order in the one left out; the denominator is at
    least ``prior`` > 0). Example i is then scored at beta_(-i).
    """
    p = _em.sigmoid(scores + beta, xp)
    own_curvature = weights * (p * (1 - p))
    curvature = xp.sum(own_curvature, axis=0) + prior
    beta_without = beta + weights * (p - Z) / (curvature - own_curvature)
    logit = scores + beta_without
    log_lik = Z * _em.log_sigmoid(logit, xp) + (1 - Z) * _em.log_sigmoid(-logit, xp)
    return xp.sum(weights * log_lik, axis=0)


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


class InterceptCalibrator(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Re-fit one intercept per tag of a classifier on a small set of clean labels.

    The wrapped classifier's weights are kept exactly as they are; only an offset
    ``beta_t`` per tag is learned, ``P(z_t = 1 | x) = sigmoid(s_t(x) + beta_t)``,
    where ``s_t`` is the classifier's ``decision_function`` (or, for a classifier
    with only ``predict_proba``, the logit of its positive-class probability,
    clipped one machine epsilon inside (0, 1)). One parameter per tag: a few hundred
    clean images are enough (Izadinia et al., "Image Classification and Retrieval
    from User-Supplied Tags"). ``beta`` is the maximum a posteriori value under a
    Gaussian prior ``beta_t ~ N(0, 1 / prior_strength)`` that shrinks toward the
    uncalibrated model, found for all tags at once by a vectorised Newton iteration.

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
    prior_strength : float >= 0 or "auto", default="auto"
        Precision of the Gaussian prior on each ``beta_t``, in units of clean
        examples' curvature: the objective per tag is the (weighted) negative
        log-likelihood of the clean labels plus ``prior_strength / 2 * beta_t**2``.
        0 is plain maximum likelihood. "auto" picks one strength for all tags from
        ``1e-3, 10**-2.5, ..., 1e3`` by the approximate leave-one-out log-likelihood
        of the clean labels (each example scored by beta re-fitted without it, to
        second order), summed over tags. Tags whose clean labels are all 0 or all 1
        are left out of that choice and always get a strength of at least 1.
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
    prior_strength_ : float
        The prior strength used: the chosen one under "auto" (1.0 when every tag's
        labels are all one class, leaving nothing to choose by).
    classes_ : array of shape (2,) or (n_tags,)
        ``estimator_.classes_``.
    n_iter_ : int
        Newton iterations of the final solve.
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
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "decision_function"]),
            HasMethods(["fit", "predict_proba"]),
            None,
        ],
        "prior_strength": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "prefit": ["boolean", StrOptions({"auto"})],
    }

    def __init__(self, estimator=None, *, prior_strength="auto", prefit="auto"):
        self.estimator = estimator
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

        beta, prior_strength, n_iter = self._solve(scores, Z, weights, xp)
        self.estimator_ = estimator
        self.classes_ = estimator.classes_
        self.beta_ = xp.astype(beta, output_dtype)
        self.prior_strength_ = prior_strength
        self.n_iter_ = n_iter
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

    def _solve(self, scores, Z, weights, xp):
        """beta, the prior strength used and the Newton iterations of the final solve."""
        # Exact zeros (no rounding) when a tag's weighted labels are all one class.
        positives = xp.sum(weights * Z, axis=0)
        degenerate = (positives <= 0) | (xp.sum(weights * (1 - Z), axis=0) <= 0)
        degenerate_np = to_numpy(degenerate)
        if degenerate_np.any():
            warnings.warn(
                f"Tags {np.flatnonzero(degenerate_np).tolist()} have calibration labels "
                "that are all 0 or all 1: their maximum-likelihood beta is infinite, so "
                f"they get a prior of strength at least {DEGENERATE_PRIOR} instead. "
                "Add clean examples of both kinds for these tags.",
                UserWarning,
            )

        def priors(strength):
            floor = xp.astype(degenerate, positives.dtype) * DEGENERATE_PRIOR
            return xp.maximum(xp.full_like(positives, strength), floor)

        if self.prior_strength != "auto":
            strength = float(self.prior_strength)
            beta, n_iter = solve_intercepts(scores, Z, weights, priors(strength), xp)
            return beta, strength, n_iter
        if degenerate_np.all():
            beta, n_iter = solve_intercepts(scores, Z, weights, priors(DEGENERATE_PRIOR), xp)
            return beta, DEGENERATE_PRIOR, n_iter
        # Strongest prior first: each solve starts from the previous, nearby beta.
        informative = xp.astype(~degenerate, scores.dtype)
        beta, candidates, totals = None, [], []
        for strength in reversed(PRIOR_GRID):
            prior = priors(strength)
            beta, n_iter = solve_intercepts(scores, Z, weights, prior, xp, beta=beta)
            log_lik = leave_one_out_log_likelihood(scores, Z, weights, beta, prior, xp)
            candidates.append((beta, strength, n_iter))
            totals.append(xp.sum(informative * log_lik))
        # One host transfer for the whole choice.
        best = int(np.argmax(to_numpy(xp.stack(totals))))
        return candidates[best]

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
        return scores + self.beta_, xp

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
