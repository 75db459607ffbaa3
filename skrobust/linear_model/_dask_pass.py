"""``solver="lbfgs"`` on dask arrays: each pass computed where the data live; and
the validation and scoring of dask data that ``solver="sgd"`` shares (its epochs are
:mod:`._dask_sgd`'s, the row blocks both train on :mod:`._dask_blocks`'s).

The full-batch objective needs, per pass, only sums over rows (see
:class:`._full_batch.InMemoryPass`): the weight and intercept gradients, the
log-likelihood and the EM statistics S_a, S_ya, S_y. On dask arrays the driver
(the process that calls ``fit``) keeps the weights and the L-BFGS state, and each
pass

1. sends the current weights, intercepts and noise rates to every worker once
   (:func:`._dask_blocks.sent_once`; on a scheduler without a :class:`distributed.Client`, one
   shared task of the graph),
2. runs one task per row block, on the worker that holds the block, computing the
   block's sums with the in-memory pass itself, in minibatches of ``batch_size``,
3. adds the sums up: first on each worker (a tree of fan-in 8 over its blocks),
   then across workers, and brings only the total, a few weight-sized arrays, back.

A row block's features, tags and sample weights are packed into one task and kept
in the workers' memory for the whole fit (on a distributed cluster), and each task
is placed on the worker holding its block: blocks stay where they were loaded
(distributed's work stealing may still move one to balance the load; the benchmark
saw one move in 41 passes), and none ever reaches the driver. The driver then
steps exactly as on data in memory: same objective, same line search, same
stopping rule; only the order of the floating-point sums differs.

dask is imported inside the functions: the package imports without it.
"""

import sys
import uuid
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from skrobust.linear_model._dask_blocks import (
    check_blocks_finite,
    packed_blocks,
    rerun_on_lost_worker,
    sent_once,
)

_FAN_IN = 8  # partial sums added per reduction task


def is_dask_collection(obj):
    """Whether ``obj`` is a dask collection (False without importing dask)."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def current_client():
    """The :class:`distributed.Client` dask computes on now, or None (a local
    scheduler, or ``dask.config.set(scheduler=...)`` overriding the client)."""
    if "distributed" not in sys.modules:
        return None
    import dask
    from distributed import Client

    client = getattr(dask.base.get_scheduler(), "__self__", None)
    return client if isinstance(client, Client) else None


def _dask_array(A, name):
    import dask.array as da

    if isinstance(A, da.Array):
        return A
    raise TypeError(
        f"{name} must be a dask array when X or y is a dask collection; got "
        f"{type(A).__name__}. A dask DataFrame converts with "
        ".to_dask_array(lengths=True)."
    )


def _row_chunks(A, name):
    if any(np.isnan(c) for c in A.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes (e.g. from a dask DataFrame); call "
            f"{name}.compute_chunk_sizes() first."
        )
    return A.chunks[0]


def _to_csr(block, dtype):
    return sp.csr_matrix(block, dtype=dtype)


def _positive(block, label):
    return (block == label)[:, None]


def _tags(model, y, rows, classes, first_call):
    """y as an (n, n_tags) dask tag matrix in X's row blocks, and the two classes of
    a binary y (else None): the checks of ``_validate_training_data``."""
    import dask.array as da

    from skrobust.linear_model._validation import check_tag_matrix_options

    sparse = sp.issparse(y._meta)
    if y.ndim == 2 and y.shape[1] == 1 and not sparse:
        y = y[:, 0]  # a column is a binary y, as in memory
    if y.ndim == 2:
        check_tag_matrix_options(model.pos_label, classes)
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"A 2-D y must be a 0/1 tag indicator matrix; got dtype {y.dtype}."
            )
        model._check_layout(multilabel=True, n_tags=y.shape[1], first_call=first_call)
        if sparse:
            y = y.map_blocks(_to_csr, y.dtype, dtype=y.dtype)
        if y.chunks[0] != rows or len(y.chunks[1]) > 1:  # line y up with X's blocks
            y = y.rechunk({0: rows, 1: -1})
        return y, None
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D or a 2-D tag matrix, got {y.ndim}-D.")
    from skrobust._array_api import to_numpy
    from skrobust.linear_model._targets import binary_classes, positive_last

    labels = da.unique(y).compute()  # at most a few labels come back
    if first_call:
        found = positive_last(binary_classes(labels, classes), model.pos_label)
    else:
        model._check_layout(multilabel=False, n_tags=1, first_call=False)
        known = to_numpy(model.classes_)
        if classes is not None and not np.array_equal(np.sort(classes), np.sort(known)):
            raise ValueError(f"classes={list(classes)} differs from the first call's.")
        found = binary_classes(labels, known)
    y = y.rechunk((rows,)) if y.chunks[0] != rows else y
    Y = y.map_blocks(_positive, found[1], new_axis=1, chunks=(rows, (1,)), dtype=bool)
    return Y, found


def _block_checks(Y, weights):
    """(tags all 0/1, weight min, max, all finite) of one row block."""
    values = Y.data if sp.issparse(Y) else np.asarray(Y)
    zero_one = values.dtype == bool or bool(np.all((values == 0) | (values == 1)))
    if weights.shape[0] == 0:
        return zero_one, np.inf, 0.0, True
    return zero_one, float(weights.min()), float(weights.max()), bool(np.isfinite(weights).all())


def validate_dask_data(model, X, y, sample_weight, classes, first_call, training=True):
    """``_validate_training_data`` for dask arrays: (X, Y, weights, xp, classes),
    all three still dask arrays in X's row blocks, checked on the cluster.
    ``training=False``: data a fitted model scores (any ``early_stopping``)."""
    import dask
    import dask.array as da

    from skrobust._array_api import numpy_namespace

    if training and model.early_stopping:
        raise ValueError(
            "early_stopping=True is not available on dask arrays (it holds out rows "
            "in memory): leave it False, or hold out a block yourself and score it "
            "with tag_log_likelihood."
        )
    if y is None:
        raise ValueError(f"{type(model).__name__} requires y to be passed, but the target y is None.")
    X, y = _dask_array(X, "X"), _dask_array(y, "y")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D dask array; got {X.ndim}-D.")
    rows = _row_chunks(X, "X")
    _row_chunks(y, "y")
    n, n_features = X.shape
    if y.shape[0] != n:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n}, y has {y.shape[0]}."
        )
    if n == 0:
        raise ValueError("Found array with 0 sample(s) (shape=(0, ...)) while a minimum "
                         "of 1 is required.")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    if first_call:
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    else:
        dtype = model.coef_.dtype
        if n_features != model.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {type(model).__name__} is expecting "
                f"{model.n_features_in_} features as input."
            )
    if sp.issparse(X._meta):
        X = X.map_blocks(_to_csr, dtype, dtype=dtype)
    elif X.dtype != dtype:
        X = X.astype(dtype)
    if len(X.chunks[1]) > 1:  # one block holds all features of its rows
        X = X.rechunk({1: -1})
    Y, found = _tags(model, y, rows, classes, first_call)
    if sample_weight is None:
        weights = da.ones((n,), chunks=(rows,), dtype=dtype)
    else:
        if not isinstance(sample_weight, da.Array):
            sample_weight = da.from_array(np.asarray(sample_weight, dtype=np.float64),
                                          chunks=-1)
        if sample_weight.shape != (n,):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected ({n},)!"
            )
        weights = sample_weight.astype(np.float64).rechunk((rows,))
    checks = dask.compute(*(
        dask.delayed(_block_checks, pure=False)(b, w)
        for b, w in zip(Y.to_delayed().ravel(), weights.to_delayed().ravel())
    ))
    if not all(check[0] for check in checks):
        raise ValueError("A 2-D y must be a 0/1 tag indicator matrix (one column per "
                         "tag); found values outside {0, 1}.")
    if not all(check[3] for check in checks):
        raise ValueError("Input sample_weight contains NaN or infinity.")
    smallest, largest = min(c[1] for c in checks), max(c[2] for c in checks)
    if smallest < 0:
        raise ValueError("Negative values in data passed to `sample_weight`.")
    if largest == 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    if largest > np.finfo(dtype).max:
        raise ValueError(
            f"sample_weight holds values too large for X's dtype {dtype} (largest "
            f"{largest:.3g}); weights multiply each row's loss, so divide them by a "
            "constant (e.g. their mean)."
        )
    if first_call:
        model.n_features_in_ = n_features
        model.__dict__.pop("feature_names_in_", None)
    return X, Y, weights.astype(dtype), numpy_namespace, found


def _block_sums(block, coef, intercept, pi, gamma, column_fold, batch_size, wide):
    """The in-memory pass's sums over one row block (run on a worker); with folds
    as columns the block carries its rows' fold membership and ``column_fold`` says
    each column's fold (see :mod:`._fold_columns`)."""
    from skrobust._array_api import numpy_namespace
    from skrobust.linear_model._full_batch import InMemoryPass

    X, Y, weights = block[:3]
    folds = None if column_fold is None else (block[3], column_fold)
    return InMemoryPass(X, Y, weights, batch_size, numpy_namespace, folds).sums(
        coef, intercept, pi, gamma, wide)


def _add(*parts):
    """Element-wise sum of the sums tuples of several blocks."""
    total = list(parts[0])
    for part in parts[1:]:
        total = [a + b for a, b in zip(total, part)]
    return tuple(total)


class DaskPass:
    """The pass of :class:`._full_batch.FullBatchObjective` over dask arrays.

    With a :class:`distributed.Client` as the current scheduler and ``persist``,
    the packed row blocks are computed once into the workers' memory
    (``client.compute``) and each pass is submitted task by task, pinned to the
    worker holding the block (other workers may take over if it dies). Otherwise
    each pass is one dask graph that reads the blocks from their source again: on
    a local scheduler the data then never has to fit in memory at once.

    Attributes
    ----------
    n_passes : int
        Passes run so far.
    """

    def __init__(self, X, Y, weights, batch_size, persist=True, fold_columns=None):
        import dask

        self.n = self.averaged_over = X.shape[0]  # see InMemoryPass
        self.batch_size = batch_size
        self.client = current_client()
        blocks, membership, weights = packed_blocks(X, Y, weights, fold_columns)
        self._weights = weights
        self.column_fold = None
        if fold_columns is not None:
            self.column_fold = fold_columns[1]
            # Each column averages over its fold's training rows: their count and
            # weight, per column (one small computation).
            member = membership.astype(np.float64)
            count, weight = dask.compute(member.sum(axis=0),
                                         weights.astype(np.float64) @ member)
            self.averaged_over = np.asarray(count)[self.column_fold]
            self._weight_sum = np.asarray(weight)[self.column_fold].astype(weights.dtype)
        self.held = self.client is not None and persist
        # Futures, held for the fit, or the graph of each block.
        self.blocks = self.client.compute(blocks) if self.held else blocks
        self.n_passes = 0

    @property
    def weight_sum(self):
        """The sample weights' total, in their dtype (one small computation); with
        folds as columns, per column (computed in __init__, with ``averaged_over``)."""
        if not hasattr(self, "_weight_sum"):
            self._weight_sum = np.asarray(
                self._weights.astype(np.float64).sum().compute(), dtype=self._weights.dtype)
        return self._weight_sum

    def sums(self, coef, intercept, pi, gamma, wide):
        """The sums of :meth:`._full_batch.InMemoryPass.sums`, added over blocks."""
        self.n_passes += 1
        return self.map_reduce(_block_sums, [coef, intercept, pi, gamma],
                               (self.column_fold, self.batch_size, wide))

    def map_reduce(self, function, shared, args=()):
        """``function(block, *shared, *args)`` on every block, summed: ``shared``
        (arrays) reach each worker once, ``args`` (small) travel in the tasks."""
        if self.held:
            return rerun_on_lost_worker(self._distributed, function, shared, args)
        import dask

        tag = uuid.uuid4().hex
        shared = [dask.delayed(p, name=f"rlr-shared-{i}-{tag}") for i, p in enumerate(shared)]
        parts = [dask.delayed(function, pure=False)(b, *shared, *args) for b in self.blocks]
        while len(parts) > 1:
            parts = [dask.delayed(_add, pure=False)(*parts[i:i + _FAN_IN])
                     for i in range(0, len(parts), _FAN_IN)]
        (total,) = dask.compute(parts[0])
        return total

    def _distributed(self, function, shared, args):
        client = self.client
        # Once per pass, to every worker: the tasks then name it, not carry it.
        shared = [sent_once(client, value) for value in shared]
        by_worker = defaultdict(list)
        who_has = client.who_has(self.blocks)
        for block in self.blocks:
            holders = who_has.get(block.key) or (None,)
            by_worker[holders[0]].append(block)
        totals = []
        for worker, blocks in by_worker.items():
            place = {} if worker is None else {"workers": [worker],
                                               "allow_other_workers": True}
            parts = [client.submit(function, b, *shared, *args, pure=False, **place)
                     for b in blocks]
            while len(parts) > 1:
                parts = [client.submit(_add, *parts[i:i + _FAN_IN], pure=False, **place)
                         for i in range(0, len(parts), _FAN_IN)]
            totals.append(parts[0])
        total = totals[0] if len(totals) == 1 else client.submit(_add, *totals, pure=False)
        return total.result()

    def check_finite(self):
        """Raise sklearn's usual error if X holds NaN or infinity (checked on the
        workers)."""
        check_blocks_finite(self.blocks)


def _worker_model(coef, intercept, pi, gamma, batch_size):
    """What the in-memory scoring code reads of a fitted model, on a worker. Dask data
    carry no effort bins (solver="lbfgs" refuses tag_effort): the pooled rates score
    every entry."""
    from types import SimpleNamespace

    return SimpleNamespace(coef_=coef, intercept_=intercept, pi_=pi, gamma_=gamma,
                           batch_size=batch_size,
                           _row_rates=lambda bins, xp, Y=None: (pi, gamma))


def _block_log_likelihood(block, *model):
    """The model's held-out log-likelihood sums over one row block (on a worker)."""
    from skrobust._array_api import numpy_namespace
    from skrobust.linear_model._training import _TrainingMixin

    X, Y, weights = block
    return (_TrainingMixin._log_likelihood_sums(_worker_model(*model), X, Y, weights,
                                                numpy_namespace),)


def _block_image_auc(block, *model):
    """image_auc_sums over one row block (on a worker), as a length-2 array."""
    from skrobust._array_api import numpy_namespace
    from skrobust.linear_model._held_out_auc import image_auc_sums as in_memory

    X, Y, weights = block
    return (np.asarray(in_memory(_worker_model(*model), X, Y, weights, numpy_namespace)),)


def _scored_on_cluster(block_function, model, X, Y, weights):
    """``block_function(block, coef, intercept, pi, gamma, batch_size)`` over the
    dask rows, summed on the cluster (the blocks read from their source, not kept)."""
    data = DaskPass(X, Y, weights, model.batch_size, persist=False)
    shared = [model.coef_, model.intercept_, model.pi_, model.gamma_]
    return data.map_reduce(block_function, shared, (int(model.batch_size),))[0]


def _block_tagged_sums(block, coef, intercept):
    """Elkan & Noto's held-out sums over one row block (on a worker)."""
    from skrobust.linear_model._label_frequency import held_out_tag_sums

    return held_out_tag_sums(*block, coef, intercept)


def cluster_tagged_sums(model, X, Y, weights):
    """``_label_frequency.held_out_tag_sums`` of a plain ``model`` over dask rows:
    per tag, the weighted P(tag | x) and weight of the tagged rows, summed on the
    cluster (only the two sums reach the client)."""
    data = DaskPass(X, Y, weights, model.batch_size, persist=False)
    return data.map_reduce(_block_tagged_sums, [model.coef_, model.intercept_])


def cluster_tagged_rows(Y):
    """``_label_frequency.tagged_rows`` of dask ``Y``, counted block by block where
    Y's blocks are (X is not read: a pass over the features for a count of tags would
    cost as much as a pass of the fit)."""
    import dask

    from skrobust.linear_model._label_frequency import tagged_rows

    Y = Y.rechunk({1: -1}) if len(Y.chunks[1]) > 1 else Y
    counts = dask.compute(*[dask.delayed(tagged_rows)(block)
                            for block in Y.to_delayed().ravel()])
    return np.sum(counts, axis=0)


def log_likelihood_sums(model, X, Y, weights):
    """``model._log_likelihood_sums`` on dask arrays: per tag, summed on the
    cluster."""
    return _scored_on_cluster(_block_log_likelihood, model, X, Y, weights)


def image_auc_sums(model, X, Y, weights):
    """``_held_out_auc.image_auc_sums`` on dask arrays: each image is ranked where
    its block is, and the two sums are added on the cluster."""
    total, weight = _scored_on_cluster(_block_image_auc, model, X, Y, weights)
    return float(total), float(weight)
