"""Checks of RobustLogisticRegression's training data and per-tag parameters.

Each fit/partial_fit call validates X, y and sample_weight here, without changing
the model, so that a call that fails on its input leaves the model as it was.
"""

from numbers import Real

import numpy as np
from sklearn.utils.validation import _check_sample_weight, validate_data

from skrobust._array_api import (
    check_same_namespace,
    get_namespace_and_device,
    max_float_dtype,
    move_to,
    numpy_namespace,
    to_numpy,
)
from skrobust.linear_model._dask_pass import is_dask_collection, validate_dask_data
from skrobust.linear_model._tag_names import as_name_array
from skrobust.linear_model._targets import (
    binary_classes,
    binary_to_indicator,
    column_to_1d,
    is_indicator_target,
    positive_last,
    validate_indicator,
)


def _checked_weights(sample_weight, X, xp):
    """Validated sample weights in X's dtype, with a clear error where they fail.

    Weights multiply each row's loss (scikit-learn's SGD convention), so their
    scale acts as a learning rate; they are checked in the widest float first, so
    that 1e300 (inf once cast to float32) is reported as a weight problem rather
    than ending as "training diverged".
    """
    if sample_weight is None:
        return _check_sample_weight(None, X, dtype=X.dtype)
    _, _, device = get_namespace_and_device(X)
    weights = _check_sample_weight(
        sample_weight, X, dtype=max_float_dtype(xp, device), ensure_non_negative=True
    )
    largest = float(xp.max(weights))  # sklearn refuses all-zero weights
    cast = xp.astype(weights, X.dtype)
    if not bool(xp.all(xp.isfinite(cast))):
        raise ValueError(
            f"sample_weight holds values too large for X's dtype {X.dtype} (largest "
            f"{largest:.3g}); weights multiply each row's loss, so divide them by a "
            "constant (e.g. their mean)."
        )
    return cast


def _marks_tags_by_1(pos_label):
    """Whether ``pos_label`` fits a 2-D tag matrix, which marks every tag by 1."""
    return pos_label is None or (isinstance(pos_label, Real) and pos_label == 1)


def check_tag_matrix_options(pos_label, classes):
    """The options a 2-D tag matrix y leaves no room for: classes (only for a binary
    y) and a pos_label other than 1 (every tag is marked by 1). Shared by the
    in-memory and the dask validation."""
    if classes is not None:
        raise ValueError("classes is only used with a 1-D (binary) y.")
    if not _marks_tags_by_1(pos_label):
        raise ValueError(
            f"pos_label={pos_label!r} is only used with a 1-D binary y; a "
            "2-D tag matrix marks every tag by 1. Leave pos_label=None."
        )


def _rows_with_weight(weights, xp):
    """How many rows have a positive sample weight (one host transfer)."""
    return float(xp.sum(xp.astype(weights > 0, weights.dtype)))


class _TrainingDataMixin:
    """Validation of X, y, sample_weight and the per-tag parameters."""

    def _validate_training_data(self, X, y, sample_weight, classes, first_call,
                                training=True):
        """Validate one fit/partial_fit call's data without changing the model
        (``training=False``: data a fitted model scores)."""
        if is_dask_collection(X) or is_dask_collection(y):  # trained on the cluster
            return validate_dask_data(self, X, y, sample_weight, classes, first_call,
                                      training)
        if not first_call and self._is_plain_numpy_chunk(X, y, classes):
            weights = _checked_weights(sample_weight, X, numpy_namespace)
            return X, y, weights, numpy_namespace, None
        xp, is_array_api, device = get_namespace_and_device(X)
        if not first_call:
            check_same_namespace(X, self, attribute="coef_", method="partial_fit")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if is_array_api and hasattr(y, "__array_namespace__"):
            y = move_to(y, xp=xp, device=device)
        dtype = [xp.float64, xp.float32] if first_call else self.coef_.dtype
        # X is not scanned for NaN or infinity here: a non-finite value always
        # reaches the weights through the matrix products, the pass then fails
        # atomically, and X is checked for the error message (a separate scan would
        # cost about a tenth of a training step at 81 tags).
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=dtype,
            ensure_all_finite=False,
            multi_output=True,
            y_numeric=False,
            reset=first_call,
        )
        xp, _, device = get_namespace_and_device(X)
        if is_indicator_target(y):
            # On every call, not only the first: a later classes= with a tag matrix
            # used to be ignored without a word.
            check_tag_matrix_options(self.pos_label, classes)
            Y = validate_indicator(y, X.shape[0], xp, device)
            self._check_layout(multilabel=True, n_tags=Y.shape[1], first_call=first_call)
            found_classes = None
        else:
            y = column_to_1d(y)
            if not first_call:
                self._check_layout(multilabel=False, n_tags=1, first_call=False)
                known = to_numpy(self.classes_)
                if classes is not None and not np.array_equal(
                    np.sort(np.asarray(classes)), np.sort(known)
                ):
                    raise ValueError(
                        f"classes={list(classes)} differs from the classes of the first "
                        f"call, {known.tolist()}."
                    )
                found_classes = binary_classes(y, known)
            else:
                found_classes = positive_last(binary_classes(y, classes), self.pos_label)
            Y = binary_to_indicator(y, found_classes, xp, device)
        return X, Y, _checked_weights(sample_weight, X, xp), xp, found_classes

    def _is_plain_numpy_chunk(self, X, y, classes):
        """Whether a later chunk is exactly what the fitted model takes, as is.

        sklearn's ``validate_data`` costs about 0.3 ms a call, most of it looking
        for DataFrames, which is 8% of a one-minibatch step at 81 tags (issue 16:
        one-minibatch ``partial_fit`` calls within 10% of the in-chunk step). A
        NumPy tag matrix in the fitted dtype and shapes would pass it unchanged,
        so it is checked here in O(n) instead; anything else, or a value that is
        not 0/1, takes the full validation and its error messages.
        """
        if not (
            type(X) is np.ndarray and type(y) is np.ndarray and classes is None
            and type(self.coef_) is np.ndarray and self._multilabel
            and not hasattr(self, "feature_names_in_") and _marks_tags_by_1(self.pos_label)
        ):
            return False
        n_tags, n_features = self.coef_.shape
        return (
            X.ndim == 2 and X.shape[0] >= 1 and X.shape[1] == n_features
            and X.dtype == self.coef_.dtype
            # One column would be a binary y: the full path says it is the wrong layout.
            and n_tags != 1 and y.shape == (X.shape[0], n_tags) and y.dtype.kind in "biuf"
            and (y.dtype == np.bool_ or bool(np.all((y == 0) | (y == 1))))
        )

    def _check_layout(self, multilabel, n_tags, first_call):
        if first_call:
            return
        if multilabel != self._multilabel:
            fitted = "a 2-D tag matrix" if self._multilabel else "a 1-D binary y"
            given = "a 2-D tag matrix" if multilabel else "a 1-D binary y"
            raise ValueError(f"The model was fitted on {fitted}, this call passes {given}.")
        if n_tags != self.coef_.shape[0]:
            raise ValueError(
                f"y has {n_tags} tags (columns) but the model was fitted on "
                f"{self.coef_.shape[0]}."
            )

    def _check_tag_names(self, names):
        """A later call's DataFrame y must name the same tags, in the same order."""
        if names is None or not self._multilabel or names == self._tag_names:
            return
        raise ValueError(
            f"y's columns {list(names)[:10]} differ from the tags of the first call "
            f"{list(self._tag_names)[:10]} (first 10 shown); pass the columns in the "
            "fitted order."
        )

    # A property over a tuple, like the priors: sklearn's array-API checks want every
    # array attribute on the data's device, and strings cannot live on a GPU.
    @property
    def tag_names_(self):
        return as_name_array(self._tag_names)

    @staticmethod
    def _per_tag_start(value, name, n_tags):
        values = np.asarray(value, dtype=float)
        if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != n_tags):
            raise ValueError(
                f"{name} must be a float or have one value per tag ({n_tags}); got shape "
                f"{values.shape}."
            )
        if not np.all((values > 0) & (values <= 1)):
            raise ValueError(f"{name} values must be in (0, 1]; got {values.tolist()}.")
        return np.broadcast_to(values, (n_tags,))

    @classmethod
    def _pi_start(cls, value, n_tags, n_bins):
        """``pi_init`` as (per tag, per (effort bin, tag) or None). A 2-D ``pi_init``
        is one start per cell of the effort model (``n_bins`` bins, or None without
        ``tag_effort``); its per-tag start is the cells' mean over the bins."""
        values = np.asarray(value, dtype=float)
        if values.ndim != 2:
            return cls._per_tag_start(value, "pi_init", n_tags), None
        if n_bins is None:
            raise ValueError(
                f"pi_init of shape {values.shape} gives a rate per effort bin and tag: "
                "that needs tag_effort. Without it, give a float or one value per tag "
                f"({n_tags})."
            )
        if values.shape != (n_bins, n_tags):
            raise ValueError(
                f"pi_init per effort bin and tag must have shape ({n_bins}, {n_tags}) "
                f"(effort bins, tags); got {values.shape}."
            )
        if not np.all((values > 0) & (values <= 1)):
            raise ValueError(f"pi_init values must be in (0, 1]; got {values.tolist()}.")
        return values.mean(axis=0), values

    def _per_tag_alpha(self, n_tags):
        """alpha as a float, or an (n_tags,) NumPy array when it is given per tag;
        under alpha="auto", the strength chosen for the current fit (``alpha_``)."""
        alpha = np.asarray(self._alpha if isinstance(self.alpha, str) else self.alpha,
                           dtype=float)
        if alpha.ndim == 0:
            return float(alpha)
        if alpha.shape != (n_tags,):
            raise ValueError(
                f"alpha must be a float or have one value per tag ({n_tags}); got shape "
                f"{alpha.shape}."
            )
        if not np.all(np.isfinite(alpha) & (alpha >= 0)):
            raise ValueError("alpha values must be finite and >= 0.")
        return alpha
