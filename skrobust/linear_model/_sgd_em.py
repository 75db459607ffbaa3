"""Stochastic EM with minibatch SGD: one pass over a chunk of data.

This is the trainer shared by ``fit`` (one pass per epoch) and ``partial_fit`` (one
pass per call). It works on any Array API namespace: all state stays on the data's
device, and the minibatch loop has no host round trip and no loop over tags. Per
minibatch it does two matrix products (scores and gradient) and elementwise work.

A pass never modifies the weights it is given, and it copies nothing weight-sized to
ensure that: its first step writes the new weights into a new array, and only the
arrays the pass itself made are updated in place after that. A pass that fails
(bad numbers, an interrupt) thus leaves the caller's model as it was, and a pass of
one minibatch (one ``partial_fit`` call per minibatch) costs what a step in a long
chunk costs.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from skrobust.linear_model import _effort, _em
from skrobust.linear_model._dask_pass import is_dask_collection
from skrobust.linear_model._kernels import linear_scores, momentum_update, row_blocks


@dataclass(frozen=True)
class TrainingState:
    """Everything a pass updates: weights, momentum, EM statistics and noise rates."""

    coef: object  # (n_tags, n_features)
    intercept: object  # (n_tags,)
    # The weights before the last step (heavy-ball momentum's memory: the velocity is
    # coef - previous_coef); None while momentum is 0, as plain SGD keeps no memory.
    previous_coef: object
    previous_intercept: object
    stats: tuple  # running (S_a, S_ya, S_y), each (n_tags,); with effort, see below
    pi: object  # (n_tags,)
    gamma: object  # (n_tags,)
    n_updates: int  # minibatch updates so far, drives the invscaling schedule
    # Tagging effort (see _effort): the rates per (bin, tag), (n_bins, n_tags); pi and
    # gamma above are then the pooled rates, and stats are (S_a, S_ya, S_y, S_n) per
    # (bin, tag). None without effort.
    pi_effort: object = None
    gamma_effort: object = None

    def squared_norm_and_finite(self, xp, alpha=1.0):
        """sum_t alpha_t ||coef_t||^2 and whether every parameter is finite, in one
        device sync.

        ``vecdot`` reduces row by row without a weight-sized temporary, and a
        non-finite weight makes the squared norm non-finite, so the same pass over
        the weights serves the L2 penalty and the divergence check. ``alpha`` is a
        float or one L2 strength per tag (an (n_tags,) array).
        """
        squared_norm = xp.sum(alpha * xp.vecdot(self.coef, self.coef))
        small = [self.intercept, self.pi, self.gamma]
        if self.pi_effort is not None:
            small += [xp.reshape(r, (-1,)) for r in (self.pi_effort, self.gamma_effort)]
        small = xp.concat(small)
        checks = xp.stack([xp.all(xp.isfinite(small)), xp.isfinite(squared_norm)])
        return squared_norm, bool(xp.all(checks))


@dataclass(frozen=True)
class TrainingConfig:
    """The hyper-parameters a pass needs, resolved from the estimator's parameters."""

    alpha: object  # L2 strength on coef (not the intercept): float or (n_tags, 1) array
    schedule: str  # "constant", "invscaling" or "adaptive"
    learning_rate: float  # the current base rate (eta0, or the adaptive value)
    power_t: float
    momentum: float
    batch_size: int
    em_step: float  # eta of the running EM statistics (constant schedule)
    learn_pi: bool
    learn_gamma: bool
    # Online EM (Cappe & Moulines 2009): eta_t = max(em_floor, (t + EM_OFFSET)^-em_decay)
    # after t minibatch updates; None keeps the constant em_step.
    em_decay: object = None
    # Lower bound of the online step: 1 / n_minibatches in ``fit`` (the exact M-step
    # at full batch, and about one epoch's average otherwise), 0 when streaming.
    em_floor: float = 0.0
    # MAP M-step pseudo-counts (see _em.m_step), on the data's device; None for ML.
    noise_prior: object = None
    # Tagging effort: the tags form this many equal blocks, each with its own bin
    # effect (one per L2 strength on the alpha="auto" path).
    effort_groups: int = 1


def initial_state(n_tags, n_features, pi_init, gamma_init, xp, device, dtype, n_bins=None,
                  pi_cells=None):
    """Zero weights, no momentum yet; EM statistics whose M-step gives the start rates
    (per effort bin and tag with ``n_bins``: ``pi_cells`` (n_bins, n_tags), host, or
    the same start in every bin)."""

    def zeros(shape):
        return xp.zeros(shape, dtype=dtype, device=device)

    def per_tag(values):
        # A fresh writable copy: torch warns on read-only (broadcast) NumPy input.
        return xp.asarray(np.array(np.broadcast_to(values, (n_tags,))), dtype=dtype, device=device)

    pi0, gamma0 = per_tag(pi_init), per_tag(gamma_init)
    pi, gamma = xp.clip(pi0, _em.NOISE_EPS, 1.0), xp.clip(gamma0, _em.NOISE_EPS, 1.0)
    effort, cells0 = {}, None
    if n_bins is not None:
        cells0 = xp.stack([pi0] * n_bins) if pi_cells is None else xp.asarray(
            np.array(pi_cells, dtype=float), dtype=dtype, device=device)
        effort = dict(pi_effort=xp.clip(cells0, _em.NOISE_EPS, 1.0),
                      gamma_effort=xp.stack([gamma] * n_bins))
    return TrainingState(
        coef=zeros((n_tags, n_features)),
        intercept=zeros((n_tags,)),
        previous_coef=None,  # created by the first pass that uses momentum
        previous_intercept=None,
        stats=tuple(_em.initial_statistics(pi0, gamma0)) if n_bins is None
        else _effort.initial_statistics(cells0, gamma0, n_bins, xp),
        pi=pi,
        gamma=gamma,
        n_updates=0,
        **effort,
    )


# The online EM step at the first update is EM_OFFSET^-kappa (about 0.66 at kappa
# 0.6): the starting statistics weigh like a fraction of one minibatch, enough to
# damp the first E-step (made with untrained weights) without lingering.
EM_OFFSET = 2.0


def em_step_size(config, n_updates):
    """eta of the running EM statistics for update number ``n_updates`` (from 0)."""
    if config.em_decay is None:
        return config.em_step
    return max(config.em_floor, (n_updates + EM_OFFSET) ** -config.em_decay)


def _step_size(config, n_updates):
    if config.schedule == "invscaling":
        return config.learning_rate / (1.0 + n_updates) ** config.power_t
    return config.learning_rate


def take_rows(A, index, xp):
    """Rows of an array or scipy.sparse matrix: a view for a slice, a gather for an
    index array (from :func:`row_index` for non-NumPy arrays)."""
    if sp.issparse(A):
        return A[index]
    if isinstance(index, slice):
        return A[index, ...]  # the Array API needs every axis indexed
    return xp.take(A, index, axis=0)


def row_index(rows, X, xp):
    """Host integer row indices as ``take_rows`` needs them for ``X``: as they are for
    NumPy and scipy.sparse, on ``X``'s device otherwise."""
    if sp.issparse(X) or isinstance(X, np.ndarray) or is_dask_collection(X):
        return rows
    return xp.asarray(rows, device=X.device)


def dense_rows(A):
    """Sparse tag rows are densified one minibatch at a time, never the whole chunk."""
    return A.toarray() if sp.issparse(A) else A


# The E-step's row blocks in host memory: its five work arrays then fit in a core's
# cache (measured at 5,400 tags x 4,096 features, a step took 215 ms against 218 ms
# with 4 MiB blocks and 235 ms in one block; at 1,000 tags all three took 41 ms).
_E_STEP_BLOCK_BYTES = 2**20


def e_step(X_b, Y_b, w_b, coef, intercept, pi, gamma, xp, per_tag=False, groups=None,
           entry_terms=None, mask=None):
    """Scores of a minibatch and their E-step: (sigma - alpha, weighted sums, loglik),
    the log-likelihood summed, or per tag with ``per_tag``. Tagging effort: ``groups``
    the per-bin weights and ``entry_terms`` the rates per entry; ``mask`` the rows
    each column trains on (see :func:`._em.step_terms`).

    The scores array is the E-step's work space and becomes sigma - alpha. The
    E-step holds up to five more (rows x tags) arrays, so in host memory it takes
    the minibatch in blocks of rows: at thousands of tags they then stay small
    beside a chunk of data (and in cache).
    """
    scores = linear_scores(X_b, coef, intercept)
    n_rows, n_tags = scores.shape
    row_bytes = n_tags * (xp.finfo(scores.dtype).bits // 8)
    blocks = row_blocks(n_rows, row_bytes, xp, _E_STEP_BLOCK_BYTES)
    if len(blocks) == 1:
        return _em.step_terms(scores, Y_b, pi, gamma, w_b, xp, overwrite_scores=True,
                              per_tag=per_tag, groups=groups, entry_terms=entry_terms,
                              mask=mask)
    sums = loglik = None
    for rows in blocks:
        residual, block_sums, block_loglik = _em.step_terms(
            scores[rows, :], Y_b[rows, :], pi, gamma, w_b[rows], xp, overwrite_scores=True,
            per_tag=per_tag,
            groups=None if groups is None else tuple(g[:, rows] for g in groups),
            entry_terms=None if entry_terms is None else tuple(
                t[rows, :] for t in entry_terms),
            mask=None if mask is None else mask[rows, :],
        )
        scores[rows, :] = residual
        if sums is None:
            sums, loglik = block_sums, block_loglik
        else:
            sums = tuple(a + b for a, b in zip(sums, block_sums))
            loglik = loglik + block_loglik
    return scores, sums, loglik


def n_minibatches(n_samples, batch_size):
    """ceil(n / batch_size), and at least one: the steps of a pass."""
    return max(1, -(-n_samples // batch_size))


def minibatch_bounds(n_samples, batch_size):
    """(start, stop) of each minibatch: ceil(n / batch_size) runs of nearly equal size.

    Equal sizes, not full minibatches and a remainder: 511 rows at batch_size 500
    make two steps of 256 and 255 rows, not one of 500 and a noisy one of 11 (which
    measurably hurt small full-batch-like fits).
    """
    n_batches = n_minibatches(n_samples, batch_size)
    edges = [(i * n_samples) // n_batches for i in range(n_batches + 1)]
    return list(zip(edges[:-1], edges[1:]))


def fold_mask(fold_columns, index, dtype, xp):
    """The minibatch's 0/1 (rows x columns) mask of the rows each column trains on,
    from ``fold_columns`` = (rows' membership of each fold's training set (n_samples,
    n_folds), each column's fold (n_columns,)): see :mod:`._fold_columns`."""
    in_training, column_fold = fold_columns
    return xp.astype(xp.take(take_rows(in_training, index, xp), column_fold, axis=1), dtype)


def train_pass(state, X, Y, weights, order, config, xp, effort=None, fold_columns=None):
    """One pass of stochastic EM over ``X`` in minibatches, leaving ``state`` as it was.

    Parameters
    ----------
    state : TrainingState
        The model before the pass; left untouched (its arrays are not modified).
    X : array or scipy.sparse CSR of shape (n_samples, n_features)
    Y : array or scipy.sparse CSR of shape (n_samples, n_tags)
        Observed tags, 0/1 in any dtype.
    weights : array of shape (n_samples,)
        Non-negative sample weights.
    order : None or integer array of shape (n_samples,)
        Row order of the pass (None: as given). Minibatches are consecutive runs of
        that order, of at most ``config.batch_size`` rows and nearly equal sizes.
    config : TrainingConfig
    xp : namespace
    effort : None or pair of integer arrays of shape (n_samples,)
        The effort bins of each row's untagged and tagged entries (the same array
        twice unless a tag does not count towards its own effort), on the data's
        device; the state then has per-bin rates and statistics.
    fold_columns : None or pair of arrays
        Cross-validation folds as columns (see :func:`fold_mask`): each column
        trains only on its fold's training rows, its EM statistics and gradient
        averaged over them.

    Returns
    -------
    state : TrainingState
        The trained state, in new arrays (the previous weights may be ``state``'s).
    mean_loss : 0-d array
        Observed-data negative log-likelihood averaged over the pass's examples
        (weighted) and tags, as evaluated on each minibatch before its update.
    """
    coef, prev_coef = state.coef, state.previous_coef
    # The intercepts are small: copies, updated in place. The weights are not
    # copied: see ``owned`` below.
    intercept = xp.asarray(state.intercept, copy=True)
    prev_intercept = state.previous_intercept
    if config.momentum == 0:
        prev_coef = prev_intercept = None  # saves a weight-sized array
    elif prev_coef is None:  # no step yet: zero velocity
        prev_coef, prev_intercept = coef, intercept
    if prev_intercept is not None:
        prev_intercept = xp.asarray(prev_intercept, copy=True)
    # Weight arrays this pass made, the only ones it may overwrite: the first step
    # writes into a new array, the second (with momentum) into another, and from
    # then on the two take turns (the new weights go over the previous ones).
    owned = []
    stats, pi, gamma, n_updates = state.stats, state.pi, state.gamma, state.n_updates
    pi_cells, gamma_cells = state.pi_effort, state.gamma_effort
    n_samples, n_tags = X.shape[0], Y.shape[1]
    total_loss = 0.0  # becomes a 0-d device array at the first minibatch

    for start, stop in minibatch_bounds(n_samples, config.batch_size):
        index = slice(start, stop) if order is None else order[start:stop]
        X_b = take_rows(X, index, xp)
        Y_b = dense_rows(take_rows(Y, index, xp))
        w_b = take_rows(weights, index, xp)
        n_b = stop - start

        groups = terms = None
        if effort is not None:  # each entry's rates from its effort bin; sums per bin
            untagged = take_rows(effort[0], index, xp)
            tagged = untagged if effort[1] is effort[0] else take_rows(effort[1], index, xp)
            terms = _effort.entry_terms(pi_cells, gamma_cells, (untagged, tagged), xp, Y_b)
            groups = _effort.bin_weights(untagged, w_b, pi_cells.shape[0], xp)
            groups = (groups, groups if tagged is untagged
                      else _effort.bin_weights(tagged, w_b, pi_cells.shape[0], xp))
        mask = None if fold_columns is None else fold_mask(fold_columns, index, coef.dtype, xp)
        sigma_minus_alpha, sums, loglik = e_step(X_b, Y_b, w_b, coef, intercept, pi, gamma, xp,
                                                 groups=groups, entry_terms=terms, mask=mask)
        del groups, terms
        del Y_b
        total_loss = total_loss - loglik / n_tags

        if config.learn_pi or config.learn_gamma:
            # A minibatch whose weights sum to 0 carries no information: its step
            # size is 0 (decided on the device, without a sync).
            w_sum = xp.sum(w_b) if mask is None else w_b @ mask  # per column with folds
            has_weight = w_sum > 0
            safe_sum = xp.where(has_weight, w_sum, xp.ones_like(w_sum))
            batch_stats = tuple(total / safe_sum for total in sums)
            eta = em_step_size(config, n_updates) * xp.astype(has_weight, coef.dtype)
            new_stats = _em.update_statistics(stats, batch_stats, eta)

        # Gradient of the expected complete-data NLL (mean over the minibatch),
        # applied with momentum.
        lr = _step_size(config, n_updates)
        step = _em.gradient_residual(sigma_minus_alpha, w_b, n_b, xp, scale=-lr, mask=mask)
        del sigma_minus_alpha, mask
        target = prev_coef if prev_coef is not None else coef
        out = target if any(target is a for a in owned) else None
        new_coef = momentum_update(
            coef, prev_coef, step, X_b, lr, config.momentum, config.alpha, xp, out
        )
        if out is None:
            owned.append(new_coef)
        if prev_coef is not None:
            prev_coef = coef
        coef = new_coef
        if prev_intercept is None:
            intercept += xp.sum(step, axis=0)
        else:  # the same heavy-ball recurrence, without the L2 term
            prev_intercept *= -config.momentum
            prev_intercept += xp.sum(step, axis=0)
            prev_intercept += (1 + config.momentum) * intercept
            intercept, prev_intercept = prev_intercept, intercept

        if config.learn_pi or config.learn_gamma:
            stats = new_stats
            if effort is None:
                new_pi, new_gamma = _em.m_step(stats, xp, prior=config.noise_prior)
            else:
                new_pi, new_gamma, new_pi_cells, new_gamma_cells = _effort.m_step(
                    stats, xp, prior=config.noise_prior, n_groups=config.effort_groups,
                    learn=(config.learn_pi, config.learn_gamma))
                pi_cells = new_pi_cells if config.learn_pi else pi_cells
                gamma_cells = new_gamma_cells if config.learn_gamma else gamma_cells
            if config.learn_pi:
                pi = new_pi
            if config.learn_gamma:
                gamma = new_gamma
        n_updates += 1
        # A shuffled minibatch is a copy of its rows: drop it before the next one
        # is gathered, so two never coexist.
        del X_b, w_b, step

    new_state = replace(
        state,
        coef=coef,
        intercept=intercept,
        previous_coef=prev_coef,
        previous_intercept=prev_intercept,
        stats=stats,
        pi=pi,
        gamma=gamma,
        n_updates=n_updates,
        pi_effort=pi_cells,
        gamma_effort=gamma_cells,
    )
    return new_state, total_loss / n_samples

