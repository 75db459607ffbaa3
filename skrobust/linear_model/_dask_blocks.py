"""Row blocks of dask data on a cluster, as both solvers train on them: packed one
task per block, checked for finite features where they are, the parameters of a pass
or an epoch sent to the workers once, and a pass or an epoch run again when a worker
is lost on the way (``solver="lbfgs"``: :mod:`._dask_pass`; ``solver="sgd"``:
:mod:`._dask_sgd`).

dask is imported inside the functions: the package imports without it.
"""

import time
import warnings

import scipy.sparse as sp

_RETRIES = 2  # reruns of a pass that lost a worker while sending the parameters


def _pack(*block):
    """One row block's data (X, Y, weights and, with folds as columns, the rows'
    fold membership) as one task result: it then never moves."""
    return block


def packed_blocks(X, Y, weights, fold_columns=None):
    """A fit's row blocks, each packed as one task of the graph (:func:`_pack`), the
    empty ones left out: (the blocks, the rows' fold membership as a dask array in
    X's row blocks or None, the weights in X's row blocks). ``fold_columns``:
    (membership (n_samples, n_folds), columns' folds)."""
    import dask
    import dask.array as da

    # One block per row block, lined up (validated data already is).
    rows = X.chunks[0]
    X = X.rechunk({0: rows, 1: -1}) if len(X.chunks[1]) > 1 else X
    if Y.chunks[0] != rows or len(Y.chunks[1]) > 1:
        Y = Y.rechunk({0: rows, 1: -1})
    weights = weights.rechunk((rows,)) if weights.chunks[0] != rows else weights
    parts = [X.to_delayed().ravel(), Y.to_delayed().ravel(), weights.to_delayed().ravel()]
    membership = None
    if fold_columns is not None:
        # Each row's fold membership travels with its block, once; the columns'
        # folds (small) with every pass.
        membership = da.asarray(fold_columns[0]).rechunk({0: rows, 1: -1})
        parts.append(membership.to_delayed().ravel())
    blocks = [dask.delayed(_pack, pure=False)(*block)
              for *block, n in zip(*parts, rows) if n > 0]  # an empty block adds nothing
    return blocks, membership, weights


def _finite_block(block):
    from sklearn.utils import assert_all_finite

    assert_all_finite(block[0].data if sp.issparse(block[0]) else block[0], input_name="X")
    return ()


def check_blocks_finite(blocks):
    """Raise sklearn's usual error if the X of any packed block holds NaN or
    infinity, checked where the blocks are: ``blocks`` are futures held on a
    distributed cluster, or the delayed graph of each block."""
    import dask

    dask.compute(*[dask.delayed(_finite_block)(b) for b in blocks])


def _held(value):
    """The task that holds a value sent to the cluster (see :func:`sent_once`)."""
    return value


def sent_once(client, value):
    """``value`` (the parameters of a pass or an epoch) on the cluster, as a future:
    sent to the scheduler once, as the argument of one task that returns it; each
    task that needs it fetches it from a worker that holds it (a worker keeps what it
    fetched, so each worker receives it once). Not ``Client.scatter(...,
    broadcast=True)``: the scheduler's replication hung, in our tests, on a worker
    that had died before the scheduler noticed, where a lost task is run again from
    the spec the scheduler keeps."""
    with warnings.catch_warnings():
        # Weight-sized parameters are what this task is for.
        warnings.filterwarnings("ignore", message="Sending large graph")
        return client.submit(_held, value, pure=False)


def rerun_on_lost_worker(function, *args):
    """``function(*args)``, run again (up to :data:`_RETRIES` times) if a worker is
    lost while the parameters are being sent out (distributed's CommClosedError is
    an OSError): it then runs on the workers left, and a lost block is recomputed
    by the scheduler from its graph. Only for a pure function of its arguments
    (a pass, an epoch), which a rerun cannot change."""
    for attempt in range(_RETRIES + 1):
        try:
            return function(*args)
        except OSError:
            if attempt == _RETRIES:
                raise
            time.sleep(1.0)
