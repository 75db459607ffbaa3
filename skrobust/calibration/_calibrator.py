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
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from skrobust._array_api import (
    check_same_namespace,
    get_namespace_and_device,
    max_float_dtype,
    to_numpy,
)
from skrobust.calibration._auto import _CalibrationChoiceMixin, expand_to_all_tags
from skrobust.calibration._wrapped import _WrappedModelMixin
from skrobust.linear_model import _outputs
from skrobust.linear_model._tag_names import as_name_array, default_tag_names, fitted_tag_names
from skrobust.linear_model._targets import column_to_1d, is_indicator_target

__all__ = ["InterceptCalibrator"]


class InterceptCalibrator(
    _CalibrationChoiceMixin, _WrappedModelMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
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
        - "auto": "platt" for every tag, checked as a whole against the
          uncalibrated model; see Notes for the fallbacks (per tag the better of
          the two, then one map shared by all tags, then none).
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
    tags : array-like of str or int, default=None
        The tags the clean labels were checked for (names from the estimator's
        ``tag_names_``, or column indices): only these are calibrated, on their
        columns of ``y``; the other columns are ignored and those tags keep the
        model's output (``method_`` "none"). None: every tag.

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
        "platt", "per tag", "shared" or "none". Otherwise ``method``.
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
    calibrated_tags_ : array of bool, shape (n_tags,)
        Which tags were calibrated (all of them unless ``tags`` is given), on the
        namespace and device of ``beta_``.
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

    **method="auto".** A ladder: (1) "platt" for every tag, (2) per tag "platt" if
    its approximate leave-one-out log-likelihood is higher than "intercept"'s, else
    "intercept" (leaving single tags uncalibrated is not a candidate, since it would
    rank them on the noisy tags' scale next to calibrated ones: measured, lower
    top-k annotation), (3) "shared", one slope and offset for all tags (every
    image-tag pair an example), which leaves each image's ranking of its tags and so
    its top-k annotation exactly as they are; the first rung is used whose total
    leave-one-out log-likelihood is strictly higher than the uncalibrated model's
    and whose leave-one-out annotation F1 at ``k = min(5, n_tags - 1)``
    (:func:`skrobust.metrics.annotation_scores` of each example's log-odds under
    the parameters re-fitted without it) is not lower than the uncalibrated
    model's by more than one standard error of the mean per-tag F1 change (a few
    dozen clean images give a noisy F1; see ``docs/scripts/calibration_methods.py``).
    "platt" for all comes first, before the per-tag choice: on 50 clean photos a
    tag has a handful of positives, and choosing its family on them is noise. With
    the per-tag choice first, RobustLogisticRegression() calibrated on 50 clean
    MIRFLICKR photos annotated 1.3 F@5 points lower on the 730 embedded photos (20
    splits) and 0.4 lower at 12,541 photos (10 splits), at a worse log-loss
    (``benchmarks/quality/RESULTS.md``).
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
    (('platt', 'platt', 'platt'), 'platt')
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
        "tags": ["array-like", None],
    }

    def __init__(
        self, estimator=None, *, method="auto", prior_strength="auto", prefit="auto",
        tags=None,
    ):
        self.estimator = estimator
        self.method = method
        self.prior_strength = prior_strength
        self.prefit = prefit
        self.tags = tags

    # -------------------------------------------------------- holding a fitted model


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

        names = fitted_tag_names(estimator, scores.shape[1])
        columns = self._checked_columns(names)
        if columns is None:
            fit = self._solve(scores, Z, weights, xp, names)
        else:  # only the checked tags' columns: the others were not looked at
            take = xp.asarray(columns, device=device)
            fit = self._solve(xp.take(scores, take, axis=1), xp.take(Z, take, axis=1),
                              weights, xp, [names[j] for j in columns])
            fit = expand_to_all_tags(fit, columns, scores.shape[1], xp, device)
        every = np.arange(scores.shape[1])
        calibrated = np.isin(every, every if columns is None else columns)
        self.calibrated_tags_ = xp.asarray(calibrated, device=device)  # beta_'s place
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


    # -------------------------------------------------------------------- predicting


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
