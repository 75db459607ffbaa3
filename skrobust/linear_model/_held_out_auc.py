"""ROC AUCs of held-out tags on any array namespace: per tag (across images), how
``alpha="auto"`` and RobustLogisticRegressionCV score each column of their path
after every epoch; per image (across its tags), what ``score`` reports. With
``noise="none"`` the path is scored by the held-out log-likelihood instead
(:func:`held_out_log_likelihood`; see :func:`._auto_alpha.criterion`).

Ranking, not likelihood: on 8,800 MIRFLICKR photos the held-out observed-data
log-likelihood keeps improving for 40-60 epochs while pi drifts up from 0.1 to 0.4
and the classifier's ranking of the true labels gets worse (AUC 0.865 -> 0.840); the
held-out tags' AUC peaks near the epoch and strength that rank the true labels best.
A tag that goes missing at random given its true label (the noise model) ranks the
images in the order of P(true label | x), so the tags' AUC needs no clean labels.

Sorting needs all held-out rows of a column at once: columns go in blocks, and at
most :data:`MAX_ROWS` held-out rows are scored (the AUC's spread there is far below
the differences between strengths).
"""

import math

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from skrobust._array_api import to_numpy
from skrobust.linear_model import _em
from skrobust.linear_model._dask_pass import is_dask_collection
from skrobust.linear_model._effort_state import _EffortMixin
from skrobust.linear_model._sgd_em import dense_rows, minibatch_bounds, take_rows

#: Held-out rows the AUC is computed on, at most.
MAX_ROWS = 20_000
#: Entries (rows x columns) sorted at once.
BLOCK_ENTRIES = 2**22


def tag_auc(scores, Y, weights, xp):
    """Weighted ROC AUC of every column of ``scores`` against the 0/1 ``Y``.

    Ties count one half (the mean of the two orders that put tied negatives before
    and after tied positives). Columns without both classes (of positive weight) get
    NaN. One sort of the scores serves scores without ties; with ties (common in
    float32 among thousands of rows, and duplicate images tie in every column) two
    sorts of integer keys more.

    Parameters
    ----------
    scores : array of shape (n_samples, n_columns)
    Y : array of shape (n_samples, n_columns), 0/1 or bool
    weights : array of shape (n_samples,)

    Returns
    -------
    auc : array of shape (n_columns,)
    """
    positive = xp.astype(Y if Y.dtype == xp.bool else Y != 0, scores.dtype)
    w_pos = weights[:, None] * positive
    w_neg = weights[:, None] * (1 - positive)
    pairs = xp.sum(w_pos, axis=0) * xp.sum(w_neg, axis=0)
    order = xp.argsort(scores, axis=0)
    ranked = xp.take_along_axis(scores, order, axis=0)
    new_value = ranked[1:, ...] != ranked[:-1, ...]
    del ranked
    if bool(xp.all(new_value)):  # no ties: every negative below a positive is a win
        wins = 2 * _wins_in_order(order, w_pos, w_neg, xp)
    else:
        # Rank the tie groups (0, 1, ... in score order), then order by (group, class)
        # with tied negatives first and with them last: a sort of small integers
        # each, not two more stable sorts of the scores (int32 keys: less memory).
        first = xp.zeros((1, scores.shape[1]), dtype=xp.int32, device=scores.device)
        group = xp.cumulative_sum(xp.concat([first, xp.astype(new_value, xp.int32)]), axis=0,
                                  dtype=xp.int32)
        del new_value
        group *= 2
        label = xp.astype(xp.take_along_axis(positive, order, axis=0), xp.int32)
        wins = _wins_in_order(xp.take_along_axis(order, xp.argsort(group + label, axis=0),
                                                 axis=0), w_pos, w_neg, xp)
        label -= 1  # 1 - label = -(label - 1): positives first now
        group -= label
        del label
        wins = wins + _wins_in_order(xp.take_along_axis(order, xp.argsort(group, axis=0),
                                                        axis=0), w_pos, w_neg, xp)
    nan = xp.asarray(math.nan, dtype=scores.dtype, device=scores.device)
    return xp.where(pairs > 0, wins / (2 * xp.where(pairs > 0, pairs, 1)), nan)


def _wins_in_order(order, w_pos, w_neg, xp):
    """Per column, sum over positives of the negatives' weight before them in
    ``order``."""
    neg_sorted = xp.take_along_axis(w_neg, order, axis=0)
    below = xp.cumulative_sum(neg_sorted, axis=0) - neg_sorted
    return xp.sum(xp.take_along_axis(w_pos, order, axis=0) * below, axis=0)


def auc_rows(X, Y, weights, xp, bins=None, max_rows=MAX_ROWS):
    """The held-out rows the per-tag AUC reads: the first ``max_rows`` (None: all),
    their tags dense and, for dask rows, their tags and weights on the client (the
    features stay on the cluster). Idempotent, so a path prepares its rows once and
    every epoch's :func:`held_out_tag_auc` finds nothing left to do."""
    rows = slice(0, X.shape[0] if max_rows is None else min(X.shape[0], max_rows))
    X, Y, weights = (take_rows(A, rows, xp) for A in (X, Y, weights))
    bins = None if bins is None else tuple(b[rows] for b in bins)
    if is_dask_collection(X):
        Y, weights = (xp.asarray(dense_rows(A.compute() if is_dask_collection(A) else A))
                      for A in (Y, weights))
    return X, dense_rows(Y), weights, bins


def column_view(model, columns=None):
    """The fitted ``model``'s ``columns`` (a slice; default all) as a model of their
    own, with what the scoring code reads (weights, rates, ``_row_rates``,
    ``batch_size``): a fold's or a strength's copy of the tags on a path."""
    from types import SimpleNamespace

    columns = slice(None) if columns is None else columns
    cells = getattr(model, "pi_effort_", None)
    view = SimpleNamespace(
        coef_=model.coef_[columns, :], intercept_=model.intercept_[columns],
        pi_=model.pi_[columns], gamma_=model.gamma_[columns], batch_size=model.batch_size,
        pi_effort_=None if cells is None else cells[:, columns],
        gamma_effort_=None if cells is None else model.gamma_effort_[:, columns],
    )
    view._row_rates = lambda bins, xp, Y=None: _EffortMixin._row_rates(view, bins, xp, Y)
    return view


def held_out_tag_auc(model, X, Y, weights, xp, bins=None, max_rows=MAX_ROWS, columns=None):
    """Each column's AUC of the held-out tags ``Y`` ranked by the fitted ``model``'s
    P(tag | x) (with each row's effort-bin rates, ``bins``, or the pooled ones), on
    the rows :func:`auc_rows` keeps; a host NumPy array of shape (n_columns,).
    ``columns``: the model's columns that ``Y``'s columns are (a slice; default all
    of them), as when cross-validation folds are columns of one model."""
    X, Y, weights, bins = auc_rows(X, Y, weights, xp, bins, max_rows)
    n_columns = Y.shape[1]
    model = column_view(model, columns)
    if is_dask_collection(X):
        # Only the scores of these rows come to the client, not features.
        scores = _dask_scores(model.coef_, model.intercept_, X, xp)
        score_block = lambda block: scores[:, block]  # noqa: E731
    else:
        score_block = lambda block: (  # noqa: E731
            safe_sparse_dot(X, model.coef_[block, :].T) + model.intercept_[block])
    pi, gamma = model._row_rates(bins, xp, Y if bins is not None else None)
    step = max(1, BLOCK_ENTRIES // max(X.shape[0], 1))
    parts = []
    for start in range(0, n_columns, step):
        block = slice(start, min(start + step, n_columns))
        tag_score = _em.log_tag_probability(score_block(block), pi[..., block],
                                            gamma[..., block], xp)
        parts.append(to_numpy(tag_auc(tag_score, Y[:, block], weights, xp)))
    return np.concatenate(parts)


def total_weight(weights, xp):
    """The held-out rows' total weight as a host float (summed on the cluster for
    dask weights): what :func:`held_out_log_likelihood` divides by."""
    total = weights.sum() if is_dask_collection(weights) else xp.sum(weights)
    return float(total.compute() if is_dask_collection(total) else total)


def held_out_log_likelihood(model, X, Y, weights, xp, bins=None, columns=None, total=None):
    """Each column's observed-data log-likelihood of the held-out tags per unit of
    weight, the fitted ``model``'s ``columns`` (default all) scoring ``Y``; a host
    NumPy array of shape (n_columns,). Dask rows are scored on the cluster. ``total``:
    the rows' :func:`total_weight`, when the caller scores them every epoch."""
    from skrobust.linear_model._training import _TrainingMixin  # which imports this

    sums = _TrainingMixin._log_likelihood_sums(column_view(model, columns), X, Y, weights,
                                               xp, bins)
    total = total_weight(weights, xp) if total is None else total
    return np.asarray(to_numpy(sums), dtype=float) / max(total, 1e-300)


def image_auc_sums(model, X, Y, weights, xp):
    """(sum of w_i AUC_i, sum of w_i) over the images that have both a tag and an
    untagged tag, where AUC_i ranks image i's tags by the ``model``'s P(true | x_i),
    as annotation ranks them (not by P(tag | x_i): the noise rates, one per tag,
    would reorder an image's tags by how often uploaders give them). Row blocks of
    ``batch_size``; dask rows block by block on the cluster. Host floats."""
    if is_dask_collection(X):
        from skrobust.linear_model._dask_pass import image_auc_sums as on_cluster

        return on_cluster(model, X, Y, weights)
    total, weight = 0.0, 0.0
    for start, stop in minibatch_bounds(X.shape[0], model.batch_size):
        rows = slice(start, stop)
        X_rows, w_rows = take_rows(X, rows, xp), take_rows(weights, rows, xp)
        Y_rows = dense_rows(take_rows(Y, rows, xp))
        scores = safe_sparse_dot(X_rows, model.coef_.T) + model.intercept_
        per_image = tag_auc(scores.T, Y_rows.T,
                            xp.ones(Y_rows.shape[1], dtype=scores.dtype,
                                    device=scores.device), xp)
        ranked = ~xp.isnan(per_image)
        w_ranked = xp.where(ranked, xp.astype(w_rows, scores.dtype), 0)
        total += float(xp.sum(w_ranked * xp.where(ranked, per_image, 0)))
        weight += float(xp.sum(w_ranked))
    return total, weight


def _dask_scores(coef, intercept, X, xp):
    """Decision scores of dask rows, computed block by block on the cluster."""
    coef = np.asarray(to_numpy(coef)).T
    intercept = np.asarray(to_numpy(intercept))
    scores = X.map_blocks(lambda block: safe_sparse_dot(block, coef) + intercept,
                          chunks=(X.chunks[0], (coef.shape[1],)), dtype=coef.dtype)
    return xp.asarray(np.asarray(scores.compute()))
