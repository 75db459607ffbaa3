"""``alpha="auto"``: the L2 strength (and, in ``fit``, the number of epochs) chosen
from the noisy training tags alone.

The right strength changes by orders of magnitude with the data: on 511 MIRFLICKR
photos a weak one (1e-4) annotated best, on 8,800 of them it over-fits 1,280
features to ~200 tagged positives per concept and pi runs to 0.95, where 0.03-0.1
does best. So it is chosen per fit: ``validation_fraction`` of the rows are held
out, every strength of :data:`AUTO_ALPHAS` trains on the rest at once (each one copy
of the tags, as the columns of one weight matrix: one matrix product serves the
whole grid), and after every epoch each copy is scored by the mean per-tag ROC AUC
of the held-out tags (:mod:`._held_out_auc`, which says why ranking and not the
observed-data likelihood). The (strength, epochs) pair that scores best, smoothed
over neighbouring epochs and from epoch :data:`MIN_EPOCHS` on, is then refitted on
all the rows.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrobust.linear_model._held_out_auc import (
    auc_rows,
    held_out_log_likelihood,
    held_out_tag_auc,
    total_weight,
)
from skrobust.linear_model._sgd_em import row_index, take_rows

#: The strengths ``alpha="auto"`` chooses from (wide: the choice was 0.1 on 8,800
#: MIRFLICKR photos and 0.3 on 400 of them; neither is at an edge).
AUTO_ALPHAS = (1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
#: Epochs before which no choice is made (and the path is not stopped): in the first
#: few the weights have barely left 0 and every strength ranks alike, and on a few
#: hundred photos the held-out AUC of that near-untrained model is a chance peak
#: (0.89 at epoch 1 on 51 held-out photos, against 0.81 on the test photos).
MIN_EPOCHS = 5


class _PathDone(Exception):
    """Raised from the epoch callback when no strength improves any more: the path
    fit is thrown away anyway, so stopping it by raising costs nothing."""


def tile_per_tag(value, per_tag_ndim, n_copies):
    """A per-tag parameter repeated for every copy of the tags; shared values as is.

    ``per_tag_ndim`` is the number of dimensions of the parameter's per-tag form: 1
    for ``pi_init`` (n_tags,), 2 for a Beta prior (n_tags, 2) (whose shared form is
    one pair, of 1 dimension). A ``pi_init`` per (effort bin, tag) is repeated along
    its tags.
    """
    if value is None or isinstance(value, str):
        return value
    array = np.asarray(value, dtype=float)
    if per_tag_ndim == 1 and array.ndim == 2:  # pi_init per (effort bin, tag)
        return np.concatenate([array] * n_copies, axis=1)
    if array.ndim != per_tag_ndim:
        return value
    return np.concatenate([array] * n_copies, axis=0)


def repeat_columns(Y, n_copies, xp):
    """[Y, Y, ..., Y]: one copy of the tags per strength."""
    import scipy.sparse as sp

    if sp.issparse(Y):
        return sp.hstack([Y] * n_copies, format="csr")
    return xp.concat([Y] * n_copies, axis=1)


def path_model(params, alphas, n_tags, **overrides):
    """An unfitted RobustLogisticRegression training one copy of the tags per strength,
    with the other parameters from ``params`` (and ``overrides``); each copy has its
    own empirical-Bayes prior."""
    from skrobust.linear_model._robust import RobustLogisticRegression

    params = {name: value for name, value in params.items()
              if name in RobustLogisticRegression._parameter_constraints}
    # Y is already the 0/1 tag matrix; the copies learn pi by EM unless ``overrides``
    # hold it ("auto" would cross-fit pi inside every path).
    params.update(pos_label=None, pi_method="em")
    params.update(overrides)
    for name, per_tag_ndim in (("pi_init", 1), ("gamma_init", 1), ("pi_prior", 2),
                               ("gamma_prior", 2)):
        params[name] = tile_per_tag(params[name], per_tag_ndim, len(alphas))
    params["alpha"] = np.repeat(np.asarray(alphas, dtype=float), n_tags)
    model = RobustLogisticRegression(**params)
    model._prior_groups = [slice(i * n_tags, (i + 1) * n_tags) for i in range(len(alphas))]
    return model


def split_rows(rng, n, fraction):
    """(rows to train on, rows held out): ``ceil(fraction * n)`` of the n rows held
    out at random (drawn from ``rng``), both sorted; None when either part would be
    empty. Early stopping and alpha="auto" hold out rows the same way."""
    n_held = int(math.ceil(fraction * n))
    if n_held < 1 or n - n_held < 1:
        return None
    order = rng.permutation(n)
    return np.sort(order[n_held:]), np.sort(order[:n_held])


def criterion(noise):
    """What a path's held-out rows are scored by: the tags' per-tag ROC AUC, or with
    ``noise="none"`` (the labels taken as true: plain logistic regression) their
    log-likelihood, the log-loss LogisticRegressionCV would use. The AUC cannot see
    the weights' scale, and on labels without a noise model it keeps rising as the
    strength grows: on the 511 embedded photos' clean labels it chose the grid's
    strongest (1.0) on 5 of 5 splits, and that LR annotated 6 F@5 points below the
    one the likelihood chose."""
    return "log_likelihood" if noise == "none" else "auc"


def held_out_rows(X, Y, weights, xp, bins, scored_by):
    """Held-out rows as the criterion reads them, prepared once for every epoch:
    (X, Y, weights, bins, total weight or None). For the AUC cut and densified
    (:func:`._held_out_auc.auc_rows`); for the likelihood as given, with their total
    weight (a cluster round trip for dask weights, so not one every epoch)."""
    if scored_by == "auc":
        return auc_rows(X, Y, weights, xp, bins) + (None,)
    return X, Y, weights, bins, total_weight(weights, xp)


def held_out_scores(model, held, xp, scored_by, columns=None):
    """Each of the fitted path ``model``'s ``columns`` (default all) scored on the
    prepared ``held`` rows (:func:`held_out_rows`) by ``scored_by`` (see
    :func:`criterion`): a host array, higher is better."""
    X, Y, weights, bins, total = held
    if scored_by == "auc":
        return held_out_tag_auc(model, X, Y, weights, xp, bins, columns=columns)
    return held_out_log_likelihood(model, X, Y, weights, xp, bins, columns=columns,
                                   total=total)


def held_out_path(estimator, X, Y, weights, xp, alphas=AUTO_ALPHAS, effort=None,
                  per_tag=False):
    """Held-out mean per-tag ROC AUC of the tags (with ``noise="none"`` their mean
    log-likelihood, see :func:`criterion`) after every epoch, for every strength: an
    array of shape (n_epochs_run, n_alphas) (NaN where no tag has both classes among
    the held-out rows), or None when there are too few rows to hold any out (a
    single row). With ``per_tag``, each tag's own score: (n_epochs_run, n_alphas,
    n_tags).

    Hold out ``estimator.validation_fraction`` of the rows (drawn with the estimator's
    RNG), train all strengths on the rest and score them after every epoch until
    :func:`train_path` stops. ``effort``: the rows' host tag counts (the path trains
    with them, and ranks each held-out row with its effort bin's rates), or None.
    """
    n_tags = Y.shape[1]
    host_rows = split_rows(estimator._rng, X.shape[0], estimator.validation_fraction)
    if host_rows is None:
        return None  # nothing to hold out: see choose_strength
    fit_rows, held_rows = (row_index(i, X, xp) for i in host_rows)
    held_bins = None
    if effort is not None:
        held_bins = estimator._effort_bins_on_device(effort[host_rows[1]], X, xp)
    scored_by = criterion(estimator.noise)
    held = held_out_rows(take_rows(X, held_rows, xp),
                         repeat_columns(take_rows(Y, held_rows, xp), len(alphas), xp),
                         take_rows(weights, held_rows, xp), xp, held_bins, scored_by)
    model = path_model(
        estimator.get_params(deep=False), alphas, n_tags, warm_start=False,
        early_stopping=False, verbose=0, **estimator._path_pi_params(),
        random_state=int(estimator._rng.randint(np.iinfo(np.int32).max)),
    )

    def score(fitted):
        return np.reshape(held_out_scores(fitted, held, xp, scored_by), (len(alphas), n_tags))

    path = train_path(
        estimator, model, score,
        (take_rows(X, fit_rows, xp), repeat_columns(take_rows(Y, fit_rows, xp), len(alphas), xp)),
        dict(sample_weight=take_rows(weights, fit_rows, xp),
             tag_effort=None if effort is None else effort[host_rows[0]]),
    )
    return path if per_tag else tag_mean(path)


def tag_mean(scores, axis=-1):
    """The mean of AUCs over tags (by default the last axis), ignoring NaN (a tag
    without both classes among the held-out rows); NaN where none has a score."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an empty slice
        return np.nanmean(scores, axis=axis)


def train_path(estimator, model, score, data, fit_params, stop=True):
    """Fit the path ``model`` on ``data`` (X, Y), calling ``score(model)`` after every
    epoch; the scores, stacked: (n_epochs_run, n_alphas, n_tags) of per-tag AUCs.

    With ``stop``, the fit ends once, from :data:`MIN_EPOCHS` on, no strength's
    smoothed mean score (see :func:`smoothed`) has improved by more than the
    estimator's ``tol`` for ``n_iter_no_change`` epochs (or at ``max_iter``)."""
    tol = 0.0 if estimator.tol is None else float(estimator.tol)
    path, best, since = [], None, 0

    def score_epoch(fitted):
        nonlocal best, since
        path.append(score(fitted))
        # The smoothed score of the epoch before this one is now final.
        if not stop or len(path) <= MIN_EPOCHS:
            return
        settled = np.nan_to_num(smoothed(tag_mean(np.stack(path)))[-2], nan=-np.inf)
        if best is None or np.any(settled > best + tol):
            best = settled if best is None else np.maximum(best, settled)
            since = 0
        else:
            since += 1
            if since >= estimator.n_iter_no_change:
                raise _PathDone

    model._epoch_callback = score_epoch
    with warnings.catch_warnings():
        # Running out of epochs is what the path measures, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(*data, **fit_params)
        except _PathDone:
            pass
    return np.stack(path)


def smoothed(path):
    """Each epoch's score averaged with its neighbours' (the epoch before and after,
    where they exist): one epoch's held-out AUC moves by about 0.005 from epoch to
    epoch on 880 held-out photos, as much as the strengths differ."""
    total = path.copy()
    count = np.ones(len(path))
    total[1:] += path[:-1]
    total[:-1] += path[1:]
    count[1:] += 1
    count[:-1] += 1
    return total / count[:, None]


def choose_strength(path, alphas=AUTO_ALPHAS):
    """(alpha, epochs) at the best smoothed held-out score of ``path`` (n_epochs,
    n_alphas), from epoch :data:`MIN_EPOCHS` on where the path reaches it; ties go
    to the fewest epochs, then to the weakest strength. Without a path (too few rows
    to hold any out), or without a score (no tag with both classes among the
    held-out rows), the weakest strength and no limit on the epochs."""
    if path is None or not np.any(np.isfinite(path)):
        return float(alphas[0]), None
    first = min(MIN_EPOCHS, len(path)) - 1
    scores = np.nan_to_num(smoothed(path)[first:], nan=-np.inf)
    epoch, which = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return float(alphas[which]), int(epoch) + first + 1


def choose_strength_per_tag(path, alphas=AUTO_ALPHAS, own=None):
    """(alpha per tag, epochs) from a per-tag ``path`` (n_epochs, n_alphas, n_tags):
    each tag's strength at its own best smoothed held-out score (from epoch
    :data:`MIN_EPOCHS` on), then the epochs at which those columns score best on
    average (:func:`choose_strength` of their mean). A tag without a score (no
    tagged held-out row), or outside the boolean mask ``own`` (n_tags,), takes the
    strength chosen for all tags together. Without a path, as
    :func:`choose_strength`.

    What the plain fits of ``pi_method="elkan_noto"`` train at: one strength for all
    tags fitted the common concepts and squeezed the rare ones' P(tag | x), so their
    pi came out low (baby 0.16 where the manual labels say 0.53, on 8,779 photos).
    """
    if path is None or not np.any(np.isfinite(path)):
        return choose_strength(None, alphas)
    shared, _ = choose_strength(tag_mean(path), alphas)
    first = min(MIN_EPOCHS, len(path)) - 1
    per_tag = np.nan_to_num(smoothed(path.reshape(len(path), -1))[first:], nan=-np.inf)
    per_tag = per_tag.reshape((-1,) + path.shape[1:])  # (epochs, alphas, tags)
    best = np.max(per_tag, axis=0)  # (alphas, tags)
    scored = np.isfinite(best).any(axis=0)
    if own is not None:
        scored &= np.asarray(own, dtype=bool)
    which = np.where(scored, np.argmax(best, axis=0), list(alphas).index(shared))
    chosen = path[:, which, np.arange(path.shape[2])]  # (epochs, tags)
    _, epochs = choose_strength(tag_mean(chosen)[:, None], alphas=(0.0,))
    return np.asarray(alphas, dtype=float)[which], epochs
