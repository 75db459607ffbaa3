"""Turning a classifier's ``y`` into the 0/1 tag matrix the EM loop works on.

Two target layouts are accepted, both as NumPy, any Array API namespace, or (for the
2-D one) a scipy.sparse matrix:

* a 1-D ``y`` with two classes (any labels): one tag, "is it ``classes_[1]``";
* a 2-D 0/1 indicator matrix (n_samples, n_tags): one tag per column.

Everything here runs once per ``fit``/``partial_fit`` call, never per minibatch.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array

from skrobust._array_api import is_numpy_namespace, move_to, numpy_namespace, to_numpy


def is_indicator_target(y):
    """True when ``y`` is laid out as a 2-D tag matrix (more than one column or sparse)."""
    if sp.issparse(y):
        return True
    shape = getattr(y, "shape", None)
    if shape is None:
        shape = np.shape(y)
    return len(shape) == 2 and shape[1] != 1


def validate_indicator(Y, n_samples, xp, device):
    """Check a 2-D tag matrix and return it on ``xp``/``device``.

    Returned without a copy in its own 0/1 dtype (bool, integers or floats): the
    training loop turns each minibatch's rows into booleans, so no chunk-sized
    copy is made. Sparse input stays sparse CSR (NumPy path only) and is densified
    one minibatch at a time. The caller's array is only ever read.
    """
    if sp.issparse(Y):
        if not is_numpy_namespace(xp):
            raise TypeError(
                "A scipy.sparse tag matrix Y can only be used with NumPy X, "
                f"got X from {xp.__name__}."
            )
        Y = check_array(Y, accept_sparse="csr", ensure_2d=True, dtype=None, input_name="y")
        values = Y.data
    else:
        Y = move_to(Y, xp=xp, device=device) if hasattr(Y, "__array_namespace__") else Y
        Y = check_array(
            Y, ensure_2d=True, dtype=None, ensure_all_finite=True, input_name="y"
        )
        values = Y
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples}, "
            f"y has {Y.shape[0]}."
        )
    _check_zero_one(values, numpy_namespace if sp.issparse(Y) else xp)
    if sp.issparse(Y):
        return Y
    return xp.asarray(Y, device=device)


def _check_zero_one(values, xp):
    """Raise unless every value is 0 or 1 (one device-side reduction, one sync)."""
    if not (xp.isdtype(values.dtype, ("bool", "integral", "real floating"))):
        raise ValueError(
            f"A 2-D y must be a 0/1 tag indicator matrix; got dtype {values.dtype}."
        )
    if values.dtype == xp.bool or bool(xp.all((values == 0) | (values == 1))):
        return
    values_np = to_numpy(values)
    found = np.unique(values_np[(values_np != 0) & (values_np != 1)])[:5]
    raise ValueError(
        "A 2-D y must be a 0/1 tag indicator matrix (one column per tag); "
        f"found values outside {{0, 1}}: {found.tolist()}."
    )


def column_to_1d(y):
    """Ravel an (n, 1) column to 1-D with sklearn's usual DataConversionWarning."""
    shape = getattr(y, "shape", np.shape(y))
    if len(shape) == 2 and shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y[:, 0] if hasattr(y, "__array_namespace__") else np.asarray(y)[:, 0]
    return y


def binary_classes(y, classes=None):
    """The two class labels of a binary target, as a NumPy array.

    ``classes`` (from ``partial_fit(..., classes=...)`` or a fitted model's
    ``classes_``) takes precedence, in its own order, and every label in ``y`` must
    be one of them; without it the labels of ``y`` come sorted.
    """
    y_np = to_numpy(y) if hasattr(y, "__array_namespace__") else np.asarray(y)
    if y_np.ndim != 1:
        raise ValueError(f"y must be 1-D or a 2-D tag matrix, got shape {y_np.shape}.")
    check_classification_targets(y_np)
    present = unique_labels(y_np)
    if classes is None:
        found = present
    else:
        given = np.asarray(classes)
        found = unique_labels(given)  # checks the labels; sorted
        if given.ndim == 1 and given.shape[0] == found.shape[0]:
            found = given.astype(found.dtype)  # the caller's order is kept
        unknown = np.setdiff1d(present, found)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes "
                f"{found.tolist()}."
            )
    if found.shape[0] != 2:
        kind = "multiclass" if found.shape[0] > 2 else "a single class"
        raise ValueError(
            "Only binary classification is supported. The type of the target is "
            f"{kind}: {found.shape[0]} class(es), {found.tolist()[:10]}. A 1-D y needs "
            "exactly two classes (pass classes= to partial_fit when a chunk holds "
            "only one); for more, use a 2-D 0/1 tag matrix (one column per tag) or "
            "sklearn.multiclass.OneVsRestClassifier."
        )
    return found


def positive_last(classes, pos_label):
    """The two labels of a binary target ordered [negative, positive].

    The positive label is ``pos_label``; without one, the larger of the two in sorted
    order (scikit-learn's convention), with a warning when the labels are strings:
    which of two words is the tag cannot be read from their spelling (for "cat" and
    "none", "none" sorts last).
    """
    if pos_label is None:
        ordered = unique_labels(classes)
        if all(isinstance(label, str) for label in ordered.tolist()):
            warnings.warn(
                f"y has the string labels {ordered.tolist()} and pos_label=None, so "
                f"{str(ordered[1])!r} (the last in sorted order) is taken as the tag, the "
                "positive class. Pass pos_label= the label that is the tag to choose "
                "(and to silence this warning).",
                UserWarning,
                stacklevel=2,
            )
        return ordered
    labels = classes.tolist()
    matches = [i for i, label in enumerate(labels) if label == pos_label]
    if not matches:
        raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels}.")
    positive = matches[0]
    return classes[[1 - positive, positive]]


def binary_to_indicator(y, classes, xp, device):
    """Encode a 1-D binary ``y`` as an (n_samples, 1) boolean matrix: classes[1]."""
    if hasattr(y, "__array_namespace__") and classes.dtype.kind in "biuf":
        y = move_to(y, xp=xp, device=device)
        positive = xp.asarray(classes[1], dtype=y.dtype, device=device)
        return xp.reshape(y == positive, (-1, 1))
    y_np = np.asarray(y)
    return xp.asarray((y_np == classes[1]).reshape(-1, 1), device=device)


def dense_binary_matrix(M, name, dtype=np.float64):
    """A 2-D 0/1 matrix (array-like, any Array API array or scipy.sparse) as a dense
    NumPy array of ``dtype``, for host-side counting and scoring on small matrices
    (clean calibration sets, test labels)."""
    M = M.toarray() if sp.issparse(M) else to_numpy(M) if hasattr(M, "__array_namespace__") else M
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"{name} must be a 2-D 0/1 matrix, got shape {M.shape}.")
    if not np.isin(M, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 and 1.")
    return M.astype(dtype)
