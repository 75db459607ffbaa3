"""The matrix work of one minibatch step, in as few passes over W as possible.

The weight update is heavy-ball momentum on the L2-penalised gradient::

    velocity = momentum * velocity + step.T @ X_b - lr * alpha * coef
    coef += velocity

where ``step = -lr * residual`` (folded in by the caller, on the small
(n_samples, n_tags) array rather than on the weights). Since the velocity is always
the last change of the weights, the same update reads, with the previous weights
``W_prev`` kept instead of the velocity::

    W_next = (1 + momentum - lr * alpha) * W - momentum * W_prev + step.T @ X_b

``W_next`` may be written over ``W_prev``'s buffer (after which the two swap roles),
over ``W`` without momentum, or into a new array: the trainer writes a pass's first
step into a new array, so the weights it was given are never modified and a pass
that fails needs no copy of them to undo (see ``_sgd_em.train_pass``).

NumPy fast path. With dense NumPy float32/float64 arrays, the step's matrix products
call BLAS ``gemm`` through ``scipy.linalg.blas``, which accumulates into its output
(``C = A @ B + beta C`` with ``overwrite_c``): the term whose buffer receives
``W_next`` costs no pass of its own (the GEMM reads and writes it as it stores
its product), and the other is one BLAS ``axpy`` (one multi-threaded pass): five
weight-sized trips through memory. NumPy has no fused multiply-add, so the same
update with ``np.matmul`` and a block buffer costs eleven, on one thread.

SciPy bundles its own OpenBLAS beside NumPy's. Alternating between two BLAS
libraries inside a step makes each one's idle threads spin against the other's
(measured: a step at 1,000 tags took about twice as long), so on the fast path
*every* BLAS call of the step goes through SciPy's: both matrix products (here) and
the E-step's weighted sums (:func:`weighted_sum`). Other namespaces (CuPy, torch)
and sparse X take the generic path, with the same arithmetic in the namespace's
own operators.
"""

import functools

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import get_blas_funcs
from sklearn.utils.extmath import safe_sparse_dot

from skrobust._array_api import is_numpy_namespace

# Work in host memory that needs a temporary runs over blocks of rows, so that its
# work arrays stay small beside the weights and a chunk of data, and in cache: the
# generic path on NumPy (sparse X) and a per-tag L2 strength's scaling. Other
# namespaces take one block: a GPU's memory is large, and every block costs kernel
# launches.
BLOCK_BYTES = 4 * 2**20


def row_blocks(n_rows, row_bytes, xp, block_bytes=None):
    """Slices covering ``range(n_rows)`` in blocks of about ``block_bytes``
    (default BLOCK_BYTES; one block off NumPy)."""
    if block_bytes is None:
        block_bytes = BLOCK_BYTES
    rows = max(1, block_bytes // max(row_bytes, 1)) if is_numpy_namespace(xp) else n_rows
    return [slice(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


# Set to False to send the NumPy arrays through the generic path too (tests compare
# the two).
USE_BLAS = True


def _blas(*arrays):
    """SciPy's BLAS routines for these arrays, or None when the fast path does not
    apply: it needs C-contiguous NumPy arrays of one float dtype (a non-contiguous
    operand would be copied by the wrapper on every call)."""
    if not USE_BLAS:
        return None
    dtype = arrays[0].dtype
    for a in arrays:
        if a is None:
            continue
        if type(a) is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return None
    if dtype not in (np.float32, np.float64):
        return None
    return _blas_routines(dtype)


@functools.cache
def _blas_routines(dtype):
    return get_blas_funcs(("gemm", "gemv", "axpy"), dtype=dtype)


def _same_buffer(result, out):
    return result.ctypes.data == out.ctypes.data


def linear_scores(X_b, coef, intercept):
    """``X_b @ coef.T + intercept``, (n_samples, n_tags), as a new array."""
    blas = _blas(X_b, coef)
    if blas is None or sp.issparse(X_b):
        scores = safe_sparse_dot(X_b, coef.T)
    else:  # scores.T = coef @ X_b.T, in Fortran order: scores in C order
        scores = blas[0](1.0, coef.T, X_b.T, trans_a=1).T
    scores += intercept
    return scores


def weighted_sum(weights, A):
    """``weights @ A``: sum over rows, (n,) x (n, k) -> (k,)."""
    blas = _blas(A, weights)
    if blas is None:
        return weights @ A
    return blas[1](1.0, A.T, weights)


def momentum_update(coef, previous, step, X_b, lr, momentum, alpha, xp, out=None):
    """One momentum step of the weights: ``W_next``, written into ``out``.

    Parameters
    ----------
    coef : array of shape (n_tags, n_features)
        The weights W.
    previous : array of shape (n_tags, n_features) or None
        The weights before the last step (``coef`` itself after none), or None for
        plain SGD (momentum 0), which keeps no second array.
    step : array of shape (n_samples, n_tags)
        ``-lr`` times the per-example gradient factors: step.T @ X_b is the data
        part of the update.
    X_b : array or sparse matrix of shape (n_samples, n_features)
    lr, momentum : float
        Step size and momentum coefficient.
    alpha : float or array of shape (n_tags, 1)
        L2 strength, shared or one per tag (row of W).
    xp : namespace
    out : array of shape (n_tags, n_features) or None
        Where ``W_next`` goes: ``previous`` (overwritten), ``coef`` when
        ``previous`` is None (overwritten), another array, or None for a new one.
        Not ``coef`` while ``previous`` is given (W is read after W_next is
        written). Any other array passed in is left untouched.

    Returns
    -------
    coef : array
        ``W_next``: ``out``, or a new array when ``out`` is None.
    """
    per_tag = hasattr(alpha, "shape")
    decay = lr * alpha if per_tag else float(lr * alpha)
    momentum = float(momentum) if previous is not None else 0.0
    # W_next = coef_scale * W + prev_scale * W_prev + step.T @ X_b
    coef_scale = 1 + momentum - decay
    terms = [(coef, coef_scale)]
    if previous is not None and momentum != 0:
        terms.append((previous, -momentum))
    blas = None if sp.issparse(X_b) else _blas(coef, previous, step, X_b, out)
    if blas is not None:
        return _update_with_blas(terms, step, X_b, out, blas)
    return _update_generic(terms, step, X_b, out, xp)


def _update_with_blas(terms, step, X_b, out, blas):
    gemm, _, axpy = blas
    coef = terms[0][0]
    if out is None:
        out = np.empty_like(coef)
    # The term already in ``out`` is the GEMM's beta (a per-tag scale first scales
    # it in place); the other terms are added after.
    beta, rest = 0.0, terms
    for i, (array, scale) in enumerate(terms):
        if array is out:
            if hasattr(scale, "shape"):
                out *= scale
                beta = 1.0
            else:
                beta = float(scale)
            rest = terms[:i] + terms[i + 1:]
            break
    # out.T (n_features, n_tags) in Fortran order is out in C order: the GEMM
    # computes W_next.T = X_b.T @ step + beta out.T in place.
    result = gemm(1.0, X_b.T, step.T, trans_b=1, beta=beta, c=out.T, overwrite_c=1)
    if not _same_buffer(result, out):  # pragma: no cover - the wrapper copied
        out[...] = result.T
    flat_out = out.reshape(-1)
    for array, scale in rest:
        if hasattr(scale, "shape"):
            _add_scaled_rows(out, array, scale)
        else:
            result = axpy(array.reshape(-1), flat_out, a=float(scale))
            if not _same_buffer(result, out):  # pragma: no cover
                flat_out[...] = result
    return out


def _add_scaled_rows(out, array, scale):
    """out += scale * array for an (n_rows, 1) scale, in cache-sized row blocks."""
    blocks = row_blocks(out.shape[0], out.shape[1] * out.itemsize, np)
    buffer = np.empty((blocks[0].stop, out.shape[1]), dtype=out.dtype)
    for rows in blocks:
        work = buffer[: rows.stop - rows.start]
        np.multiply(array[rows], scale[rows], out=work)
        out[rows] += work


def _update_generic(terms, step, X_b, out, xp):
    coef = terms[0][0]
    n_tags, n_features = coef.shape
    blocks = row_blocks(n_tags, n_features * (xp.finfo(coef.dtype).bits // 8), xp)
    if out is None and len(blocks) > 1:
        out = xp.empty_like(coef)
    for rows in blocks:
        # Computed out of place and assigned, since whether a slice is a view is up
        # to each namespace; all terms are read before ``out`` is written.
        block = safe_sparse_dot(step[:, rows].T, X_b)
        for array, scale in terms:
            scale = scale[rows, ...] if hasattr(scale, "shape") else scale
            if not hasattr(scale, "shape") and scale == 1:
                block += array[rows, :]
            else:
                block += scale * array[rows, :]
        if out is None:  # one block: the product is the new array
            return block
        out[rows, :] = block
    return out


def accumulate_gradient(out, residual, X_b):
    """``out += residual.T @ X_b`` in place: a full-batch gradient summed over blocks
    of rows. On the fast path the GEMM adds into ``out`` itself (``beta=1``), so a
    block costs no weight-sized temporary and no extra pass over ``out``."""
    blas = None if sp.issparse(X_b) else _blas(out, residual, X_b)
    if blas is None:
        out += safe_sparse_dot(residual.T, X_b)
        return out
    # out.T (n_features, n_tags) in Fortran order is out in C order, as in
    # _update_with_blas.
    result = blas[0](1.0, X_b.T, residual.T, trans_b=1, beta=1.0, c=out.T, overwrite_c=1)
    if not _same_buffer(result, out):  # pragma: no cover - the wrapper copied
        out[...] = result.T
    return out
