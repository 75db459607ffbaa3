"""Input checks and the deterministic top-k selection shared by skrobust.metrics.

Scores are worked on in their own namespace and device (inside sklearn's
``array_api_dispatch``; NumPy otherwise). The 0/1 ground truth is first brought to the
host, because it is small, must be checked for 0/1 values, and retrieval enumerates its
tag combinations with scipy.sparse; a dense boolean copy is then moved next to the
scores.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.externals.array_api_compat import is_torch_array
from sklearn.metrics import roc_auc_score

from skrobust._array_api import get_namespace_and_device, is_numpy_namespace, to_numpy


def host_indicator(y_true):
    """``y_true`` as a NumPy bool array or a CSC bool matrix, checked to be 2-D 0/1.

    Always a new object: the caller's array is never modified.
    """
    if sp.issparse(y_true):
        if y_true.ndim != 2:
            raise ValueError(f"y_true must be 2-D (n_images, n_tags), got shape {y_true.shape}.")
        values = y_true.data
        if values.size and not np.all((values == 0) | (values == 1)):
            raise ValueError("y_true must contain only 0 and 1 (a tag indicator matrix).")
        Y = sp.csc_matrix(y_true, dtype=bool, copy=True)
        Y.eliminate_zeros()
        return Y
    try:
        Y = to_numpy(y_true) if hasattr(y_true, "shape") else np.asarray(y_true)
    except TypeError:  # an object that array-api-compat does not know
        Y = np.asarray(y_true)
    if Y.ndim != 2:
        raise ValueError(f"y_true must be 2-D (n_images, n_tags), got shape {Y.shape}.")
    if Y.dtype != bool:
        if Y.dtype.kind not in "biuf" or not np.all((Y == 0) | (Y == 1)):
            raise ValueError("y_true must contain only 0 and 1 (a tag indicator matrix).")
        Y = Y != 0
    return np.array(Y, dtype=bool, copy=True)


def check_scores(y_true, y_score, name="y_score"):
    """Validate a (n_images, n_tags) pair; return (Y_host, scores, xp, device).

    ``scores`` is a floating array in the score's namespace and device when array API
    dispatch is on, else a NumPy array (sklearn's convention). Integer or boolean
    scores become float64. NaN is rejected: no ranking of NaN is meaningful.
    """
    Y = host_indicator(y_true)
    xp, _, device = get_namespace_and_device(y_score)
    if is_numpy_namespace(xp):
        scores = to_numpy(y_score) if hasattr(y_score, "shape") else np.asarray(y_score)
        if scores.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be numeric, got dtype {scores.dtype}.")
        device = None
    else:
        scores = y_score
    if scores.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_images, n_tags), got shape {tuple(scores.shape)}.")
    if tuple(scores.shape) != tuple(Y.shape):
        raise ValueError(
            f"y_true and {name} must have the same shape, got {tuple(Y.shape)} and "
            f"{tuple(scores.shape)}."
        )
    if Y.shape[0] == 0 or Y.shape[1] == 0:
        raise ValueError(f"Need at least one image and one tag, got shape {tuple(Y.shape)}.")
    if not xp.isdtype(scores.dtype, "real floating"):
        scores = xp.astype(scores, xp.float64)
    if bool(xp.any(xp.isnan(scores))):
        raise ValueError(f"{name} contains NaN.")
    return Y, scores, xp, device


def check_k(k, limit, what):
    """``k`` must not exceed ``limit`` (the number of ``what`` there are to rank)."""
    if k > limit:
        raise ValueError(f"k={k} is larger than the number of {what} ({limit}).")


def device_indicator(Y, xp, device, transpose=False):
    """Dense boolean copy of host ``Y`` in namespace ``xp`` on ``device``."""
    dense = Y.toarray() if sp.issparse(Y) else Y
    if transpose:
        dense = dense.T
    return xp.asarray(np.ascontiguousarray(dense), device=device)


def top_k_mask(scores, k, xp):
    """Boolean mask of the ``k`` largest entries of each row of a 2-D array.

    Exactly ``k`` entries per row are selected. Ties are broken deterministically:
    among equal scores the lower column index wins, as a stable sort by decreasing
    score would do. Only the selected set is computed, not its order, which is all
    precision and recall at k need; that is O(n) per row (a partition, or torch's
    topk) rather than a full sort.
    """
    n = scores.shape[1]
    if k == n:
        return xp.ones(scores.shape, dtype=xp.bool, device=scores.device)
    if isinstance(scores, np.ndarray):
        kth = np.partition(scores, n - k, axis=1)[:, n - k : n - k + 1]
    elif is_torch_array(scores):
        kth = scores.topk(k, dim=1).values[:, k - 1 : k]
    else:  # any other namespace: a full sort is the portable way to the k-th value
        kth = xp.sort(scores, axis=1)[:, n - k : n - k + 1]
    above = scores > kth
    at = scores == kth
    needed = k - xp.count_nonzero(above, axis=1, keepdims=True)
    n_at = xp.count_nonzero(at, axis=1, keepdims=True)
    if bool(xp.all(n_at == needed)):  # the usual case: no tie straddles the k-th place
        return above | at
    # Keep only the first `needed` of the tied entries, counting from the left.
    tie_rank = xp.cumulative_sum(xp.astype(at, xp.int64), axis=1)
    return above | (at & (tie_rank <= needed))


def mean_tag_auc(Z, scores):
    """Mean ROC AUC over the tags with both classes in ``Z`` (NaN if none has): the
    experiments' ranking score and the tuned-LR baseline's selection criterion."""
    aucs = [
        roc_auc_score(Z[:, t], scores[:, t])
        for t in range(Z.shape[1])
        if 0 < Z[:, t].sum() < Z.shape[0]
    ]
    return float(np.mean(aucs)) if aucs else float("nan")
