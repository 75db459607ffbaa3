"""Array namespace and device helpers: the one place skrobust touches array-api-compat
and sklearn's (private) array API utilities, so a change there is fixed here only.

skrobust follows scikit-learn's convention: non-NumPy arrays (CuPy, torch, ...) are
dispatched to their own namespace only inside
``sklearn.config_context(array_api_dispatch=True)``; otherwise they are converted to
NumPy by input validation, exactly as sklearn estimators do.
"""

import array_api_compat
import numpy as np

# sklearn vendors its own copy of array-api-compat and compares namespaces by
# identity, so the NumPy namespace handed to its helpers must be that copy.
from sklearn.externals.array_api_compat import numpy as numpy_namespace
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
    check_same_namespace,
    get_namespace,
    get_namespace_and_device,
    move_estimator_to,
    move_to,
)

__all__ = [
    "check_same_namespace",
    "get_namespace",
    "get_namespace_and_device",
    "is_numpy_namespace",
    "max_float_dtype",
    "move_to",
    "numpy_namespace",
    "to_numpy",
    "estimator_to_numpy",
]


def is_numpy_namespace(xp):
    """True for NumPy itself and any array-api-compat wrapper of it."""
    return _is_numpy_namespace(xp)


def to_numpy(array):
    """A NumPy copy (or view) of any Array API array, from any device."""
    if isinstance(array, np.ndarray):
        return array
    xp = array_api_compat.array_namespace(array)
    return _convert_to_numpy(array, xp)


def float_dtype(X, xp):
    """Working float dtype for ``X``: float32 stays float32, everything else float64."""
    return X.dtype if X.dtype in (xp.float32, xp.float64) else xp.float64


def max_float_dtype(xp, device):
    """float64 where the device has it (not e.g. torch MPS), else float32: for small
    reductions that must be accurate whatever dtype the data come in."""
    return _max_precision_float_dtype(xp, device)


def estimator_to_numpy(estimator):
    """Return a copy of a fitted estimator with every array attribute moved to NumPy.

    An estimator fitted on GPU arrays (CuPy, torch CUDA) keeps its state on that
    device; pickling it as is needs that device again to unpickle. Call this first to
    get a copy that pickles and predicts anywhere, on NumPy input.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator whose array attributes live on any namespace and device.

    Returns
    -------
    estimator : estimator
        A copy with NumPy arrays on the CPU; the original is left unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust import RobustLogisticRegression, estimator_to_numpy
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = RobustLogisticRegression(max_iter=2, tol=None).fit(X, [0, 0, 1, 1])
    >>> type(estimator_to_numpy(model).coef_).__name__
    'ndarray'
    """
    return move_estimator_to(estimator, xp=numpy_namespace, device="cpu")
