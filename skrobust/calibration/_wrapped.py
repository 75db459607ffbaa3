"""The model an InterceptCalibrator wraps: used as it is when fitted, else a clone
trained for it; its scores as log-odds, and the clean labels checked against it.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skrobust._array_api import get_namespace_and_device, to_numpy
from skrobust.linear_model import RobustLogisticRegression, _outputs
from skrobust.linear_model._targets import (
    binary_classes,
    binary_to_indicator,
    validate_indicator,
)


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


def _noise_model(estimator):
    """The noise model (``pi_``, ``gamma_``; or an unfitted RobustLogisticRegression)
    at the end of ``estimator``'s Pipelines, or None."""
    for _ in range(16):  # nested pipelines, never a cycle
        if isinstance(estimator, RobustLogisticRegression) or (
                hasattr(estimator, "pi_") and hasattr(estimator, "gamma_")):
            return estimator
        if not hasattr(estimator, "steps"):
            return None
        estimator = estimator.steps[-1][1]
    return None


def _has_noise_model(calibrator):
    fitted = getattr(calibrator, "estimator_", None)
    model = calibrator._base_estimator() if fitted is None else fitted
    return _noise_model(model) is not None


class _WrappedModelMixin:
    """The wrapped estimator, its log-odds and the labels it is calibrated on."""

    def _base_estimator(self):
        return RobustLogisticRegression() if self.estimator is None else self.estimator

    def _prefit(self, prefit=None):
        """``prefit`` as "auto", True or False (NumPy booleans included)."""
        prefit = self.prefit if prefit is None else prefit
        return prefit if isinstance(prefit, str) else bool(prefit)

    def _holds_fitted_estimator(self, estimator=None, prefit=None):
        estimator = self._base_estimator() if estimator is None else estimator
        return self._prefit(prefit) is not False and _is_fitted(estimator)

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

    def _checked_columns(self, names):
        """The sorted columns of the ``tags`` parameter among the tags ``names``, or
        None when every tag is calibrated."""
        if self.tags is None:
            return None
        tags = list(np.asarray(self.tags, dtype=object).ravel())
        if not tags:
            raise ValueError("tags is empty: name at least one tag the clean labels "
                             "were checked for, or pass tags=None for all of them.")
        index = {name: j for j, name in enumerate(names)}
        columns = []
        for tag in tags:
            if isinstance(tag, (Integral, np.integer)) and not isinstance(tag, bool):
                if not 0 <= tag < len(names):
                    raise ValueError(f"tags: column {tag} is out of range: the "
                                     f"estimator predicts {len(names)} tags.")
                columns.append(int(tag))
            elif isinstance(tag, str) and tag in index:
                columns.append(index[tag])
            else:
                raise ValueError(f"tags: {tag!r} is not one of the estimator's tags "
                                 f"(its tag_names_, e.g. {names[:3]}) nor a column index.")
        if len(set(columns)) != len(columns):
            raise ValueError(f"tags names a tag twice: {tags}.")
        return np.sort(np.asarray(columns, dtype=np.int64))

    @available_if(_has_noise_model)
    def predict_tag_proba(self, X):
        """P(user supplies the tag | x) from the calibrated P(true label | x).

        The wrapped noise model's eq. 5, ``pi p + (1 - gamma)(1 - p)``, with its
        ``pi_`` and ``gamma_`` and the calibrated ``p`` of :meth:`predict_proba`, so
        that the two stay consistent: under ``noise="missing"`` (``gamma = 1``)
        P(tag) is never above P(true). Available when the wrapped model (or the last
        step of a wrapped Pipeline) is a noise model: a
        :class:`~skrobust.RobustLogisticRegression` (``pi_``, ``gamma_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, in whatever form the wrapped estimator accepts.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.

        Examples
        --------
        >>> from skrobust import InterceptCalibrator, RobustLogisticRegression
        >>> from skrobust.datasets import make_tagged_classification
        >>> X, Y, Z = make_tagged_classification(
        ...     n_samples=4000, n_features=5, n_tags=3, pi=0.3, random_state=0)
        >>> model = RobustLogisticRegression(random_state=0).fit(X[500:], Y[500:])
        >>> calibrated = InterceptCalibrator(model).fit(X[:500], Z[:500])
        >>> p_tag = calibrated.predict_tag_proba(X[:4])
        >>> bool((p_tag <= calibrated.predict_proba(X[:4])).all())
        True
        """
        proba = self.predict_proba(X)
        model = _noise_model(self.estimator_)
        p_true = proba[:, 1:] if self._binary else proba
        p_tag = model.pi_ * p_true + (1 - model.gamma_) * (1 - p_true)
        xp, _, _ = get_namespace_and_device(p_tag)
        return _outputs.two_columns(p_tag, self._binary, xp)
