"""``solver="sgd"`` on dask arrays: averaged per-worker epochs.

Minibatch stochastic EM is sequential, each step starting from the previous step's
weights, so an epoch on a cluster cannot be one chain of steps without the cluster
working one block at a time (what dask-ml's ``Incremental`` does). Each epoch here
runs one chain per worker, in parallel, and mixes them (parameter mixing):

1. the model (weights, momentum memory, running EM statistics, noise rates) goes
   to the cluster once (:func:`._dask_blocks.sent_once`), and every worker fetches it;
2. each worker trains one chain over the row blocks it holds, one task per block,
   each task starting where the one before it ended: :func:`._sgd_em.train_pass`
   on the block, in minibatches of ``batch_size``; with ``shuffle`` the rows of a
   block and the order of a chain's blocks are drawn anew every epoch;
3. the driver (the process that calls ``fit``) averages the chains' weights,
   momentum memory and EM statistics, each chain weighted by the rows it trained
   on, and runs the M-step once on the averaged statistics (a shared M-step: pi and
   gamma follow the pooled statistics, not an average of the chains' ratios). The
   chains' minibatch updates are all counted, so the learning rate and the online
   EM step decay as if the steps had been taken one after the other.

Block i belongs to chain i mod W (W workers) and is loaded once, for the whole fit,
onto that chain's worker (read there from its source, or copied there once if it
was persisted elsewhere); after that no block moves, and which rows a chain trains
depends on W only, so a fit is reproducible (``random_state``) on the same number of workers.
It is another model on another number of workers: W chains of n/W rows take W
times fewer steps one after the other per epoch, and more epochs may be needed.
Without a :class:`distributed.Client` (dask's local schedulers) there is one
chain: the fit is minibatch SGD over the blocks in turn, which is the in-memory
fit where the blocks' minibatches are its minibatches (``shuffle=False``, blocks a
multiple of ``batch_size`` rows).

Averaging need not decrease a non-convex objective; on bench_dask's data the loss
fell every epoch, an epoch on 2 workers took 0.44 s against 0.97 s for dask-ml
``Incremental``'s, and it reached ``Incremental``'s best loss 1.32x sooner when both
read the blocks from files (``benchmarks/RESULTS.md``). dask is imported inside the
functions.
"""

import uuid

import numpy as np

from skrobust.linear_model._dask_blocks import (
    check_blocks_finite,
    packed_blocks,
    rerun_on_lost_worker,
    sent_once,
)
from skrobust.linear_model._dask_pass import current_client

_SEED_RANGE = np.iinfo(np.int32).max


def _train_block(carried, block, config, column_fold, seed):
    """One task of a chain (on a worker): ``train_pass`` over one row block from the
    carried (state, loss sum, rows trained), returned the same way. ``seed``: the
    block's row order this epoch, or None (as given)."""
    from skrobust._array_api import numpy_namespace
    from skrobust.linear_model._sgd_em import train_pass

    state, loss, rows = carried
    X, Y, weights = block[:3]
    n = X.shape[0]
    order = None if seed is None else np.random.RandomState(seed).permutation(n)
    folds = None if column_fold is None else (block[3], column_fold)
    # Divergence is detected by the driver after the epoch (see _train_one_pass).
    with np.errstate(over="ignore", invalid="ignore"):
        state, mean_loss = train_pass(state, X, Y, weights, order, config, numpy_namespace,
                                      fold_columns=folds)
    return state, loss + float(mean_loss) * n, rows + n


def mixed(start, ends, config):
    """The chains' ``ends`` (state, loss sum, rows) mixed into one state from the
    epoch's ``start``: (state, mean loss per row)."""
    from dataclasses import replace

    from skrobust._array_api import numpy_namespace
    from skrobust.linear_model._em import m_step

    ends = [end for end in ends if end[2] > 0]  # a chain without blocks trained nothing
    rows = sum(end[2] for end in ends)
    loss = sum(end[1] for end in ends) / rows
    if len(ends) == 1:  # one chain: its state as it is
        return ends[0][0], loss
    shares = [end[2] / rows for end in ends]  # Python floats keep float32 float32
    states = [end[0] for end in ends]

    def average(values):
        if values[0] is None:  # no momentum memory (momentum=0)
            return None
        total = shares[0] * values[0]
        for share, value in zip(shares[1:], values[1:]):
            total += share * value
        return total

    stats = tuple(average([s.stats[i] for s in states]) for i in range(len(start.stats)))
    pi, gamma = start.pi, start.gamma
    if config.learn_pi or config.learn_gamma:
        new_pi, new_gamma = m_step(stats, numpy_namespace, prior=config.noise_prior)
        pi = new_pi if config.learn_pi else pi
        gamma = new_gamma if config.learn_gamma else gamma
    state = replace(
        start,
        coef=average([s.coef for s in states]),
        intercept=average([s.intercept for s in states]),
        previous_coef=average([s.previous_coef for s in states]),
        previous_intercept=average([s.previous_intercept for s in states]),
        stats=stats,
        pi=pi,
        gamma=gamma,
        n_updates=start.n_updates + sum(s.n_updates - start.n_updates for s in states),
    )
    return state, loss


class DaskEpochs:
    """The epochs of ``solver="sgd"`` over dask arrays, for one training call.

    With a :class:`distributed.Client` as the current scheduler, the packed row
    blocks are computed once onto their chains' workers and each chain's tasks are
    pinned there (another worker takes over if one dies; a lost block is then
    recomputed from its graph). Otherwise each epoch is one dask graph of one chain
    that reads the blocks from their source again.

    Parameters
    ----------
    X, Y, weights : dask arrays
        Validated training data (``validate_dask_data``).
    fold_columns : None or pair
        Cross-validation folds as columns (see :mod:`._fold_columns`).
    """

    def __init__(self, X, Y, weights, fold_columns=None):
        self.client = current_client()
        blocks, _, _ = packed_blocks(X, Y, weights, fold_columns)
        self.column_fold = None if fold_columns is None else fold_columns[1]
        # Every worker's address, in a fixed order (nthreads lists them all).
        self.workers = [None] if self.client is None else sorted(self.client.nthreads())
        n_chains = len(self.workers)
        self.chains = [list(range(c, len(blocks), n_chains)) for c in range(n_chains)]
        if self.client is None:
            self.blocks = blocks
        else:  # each block onto its chain's worker, once
            self.blocks = [
                self.client.compute(block, workers=[self.workers[i % n_chains]],
                                    allow_other_workers=True)
                for i, block in enumerate(blocks)
            ]

    def epoch(self, state, config, rng=None):
        """Train every chain one epoch from ``state`` and mix them: (state, mean
        loss). ``rng``: the estimator's RandomState to shuffle with, or None."""
        plan = []  # per chain, its (block, seed of its rows' order) in training order
        for chain in self.chains:
            if rng is None:
                plan.append([(block, None) for block in chain])
            else:
                order, seeds = rng.permutation(len(chain)), rng.randint(_SEED_RANGE,
                                                                        size=len(chain))
                plan.append([(chain[i], int(seed)) for i, seed in zip(order, seeds)])
        start = (state, 0.0, 0)
        if self.client is not None:
            ends = rerun_on_lost_worker(self._distributed, start, config, plan)
        else:
            ends = self._local(start, config, plan)
        return mixed(state, ends, config)

    def _distributed(self, start, config, plan):
        client = self.client
        shared = sent_once(client, start)  # each chain's first task fetches it
        ends = []
        for worker, steps in zip(self.workers, plan):
            carried = shared
            for block, seed in steps:
                carried = client.submit(_train_block, carried, self.blocks[block], config,
                                        self.column_fold, seed, workers=[worker],
                                        allow_other_workers=True, pure=False)
            if steps:  # a chain without blocks (fewer blocks than workers) has no end
                ends.append(carried)
        return client.gather(ends)

    def _local(self, start, config, plan):
        import dask

        carried = dask.delayed(start, name=f"rlr-epoch-start-{uuid.uuid4().hex}")
        ends = []
        for steps in plan:
            end = carried
            for block, seed in steps:
                end = dask.delayed(_train_block, pure=False)(end, self.blocks[block], config,
                                                             self.column_fold, seed)
            ends.append(end)
        return list(dask.compute(*ends))

    def check_finite(self):
        """Raise sklearn's usual error if X holds NaN or infinity (checked where the
        blocks are)."""
        check_blocks_finite(self.blocks)
