"""Cross-validation folds as columns of one weight matrix.

RobustLogisticRegressionCV trains one copy of the tags for every (fold, strength)
pair, as the columns of one model: every row trains the columns of the folds whose
training set holds it (a 0/1 mask per minibatch, :func:`._sgd_em.fold_mask`), so
each minibatch is one pair of matrix products for all folds and strengths. The data
is read once per epoch rather than once per fold, and the fold fits share the
minibatch loop's fixed costs. After every epoch each fold's columns are ranked on
its held-out rows, as ``alpha="auto"`` ranks its one held-out split
(:mod:`._auto_alpha`), and the path stops by the same rule.

Each column's gradient and EM statistics are averaged over its own rows, as a fit
on the fold's training rows alone would average them. Two things differ from such
a fit: a fold's minibatches are the masked rows of the whole data's minibatches
(about (k - 1)/k of ``batch_size`` rows each, in as many steps per epoch as a fit
on all the rows takes), and the empirical-Bayes prior on pi counts all rows, not
the fold's (its weight is k/(k-1) of a separate fit's: 1.25x at 5 folds).
"""

import numpy as np

from skrobust.linear_model import _effort
from skrobust.linear_model._auto_alpha import (
    held_out_rows,
    held_out_scores,
    path_model,
    repeat_columns,
    tag_mean,
    train_path,
)
from skrobust.linear_model._effort_state import entry_bins_on_device
from skrobust.linear_model._sgd_em import row_index, take_rows


def fold_membership(folds, n_samples):
    """(n_samples, n_folds) booleans: whether each row is in each fold's training
    set. Any folds work (a row may be in several test sets, or in none)."""
    in_training = np.zeros((n_samples, len(folds)), dtype=bool)
    for fold, (train, _) in enumerate(folds):
        in_training[train, fold] = True
    return in_training


def _held_out_sets(estimator, X, Y, weights, xp, folds, n_alphas, effort, scored_by):
    """Each fold's held-out rows, prepared once for its per-epoch score (see
    :func:`._auto_alpha.held_out_rows`): features, tags repeated per strength,
    weights and effort bins."""
    edges = None if effort is None else _effort.check_effort_edges(estimator.effort_bins)
    held = []
    for _, test in folds:
        rows = row_index(test, X, xp)
        bins = None if effort is None else entry_bins_on_device(
            effort[test], edges, estimator.effort == "given", X, xp)
        held.append(held_out_rows(take_rows(X, rows, xp),
                                  repeat_columns(take_rows(Y, rows, xp), n_alphas, xp),
                                  take_rows(weights, rows, xp), xp, bins, scored_by))
    return held


def fold_path(estimator, X, Y, weights, xp, folds, alphas, effort=None, stop=True,
              scored_by="auc", pi_params=None):
    """Every fold's held-out per-tag score after every epoch, for every strength:
    (n_epochs_run, n_folds, n_alphas, n_tags). ``scored_by``: "auc" (NaN where a tag
    lacks a class among a fold's held-out rows) or "log_likelihood" (per unit of
    weight; see :func:`._auto_alpha.criterion`).

    ``estimator`` gives the training parameters (those of RobustLogisticRegression)
    and ``folds`` the (train, test) host row indices. With ``stop``, the path ends
    when the folds' mean score stops improving (:func:`._auto_alpha.train_path`),
    else at ``max_iter`` or convergence. ``effort``: the rows' host tag counts or
    None. ``pi_params``: parameters that hold pi (``learn_pi=False`` and its
    ``pi_init``), or None: EM learns it.
    """
    n_samples, n_tags = X.shape[0], Y.shape[1]
    n_folds, n_alphas = len(folds), len(alphas)
    width = n_alphas * n_tags  # one fold's columns
    held = _held_out_sets(estimator, X, Y, weights, xp, folds, n_alphas, effort, scored_by)
    model = path_model(estimator.get_params(deep=False), np.tile(alphas, n_folds), n_tags,
                       warm_start=False, early_stopping=False, verbose=0, **(pi_params or {}))
    # On the data's device (row_index leaves NumPy, scipy.sparse and dask as they are).
    model._fold_columns = (row_index(fold_membership(folds, n_samples), X, xp),
                           row_index(np.repeat(np.arange(n_folds), width), X, xp))
    per_fold = []

    def score(fitted):
        per_fold.append(np.stack([
            np.reshape(held_out_scores(fitted, held[fold], xp, scored_by,
                                       columns=slice(fold * width, (fold + 1) * width)),
                       (n_alphas, n_tags))
            for fold in range(n_folds)
        ]))
        return tag_mean(per_fold[-1], axis=0)  # per tag, the folds' mean

    train_path(estimator, model, score, (X, repeat_columns(Y, n_folds * n_alphas, xp)),
               dict(sample_weight=weights, tag_effort=effort), stop=stop)
    return np.stack(per_fold)

