"""The model an InterceptCalibrator wraps: used as it is when fitted, else a clone
trained for it; its scores as log-odds, and the clean labels checked against it.
"""

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skrobust._array_api import get_namespace_and_device, to_numpy
from skrobust.linear_model import RobustLogisticRegression
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
