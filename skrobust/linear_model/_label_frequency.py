"""``pi_method="elkan_noto"``: each tag's pi estimated before the classifier trains,
then held fixed.

Why not EM's pi. pi and the classifier's intercept trade off along a ridge of the
observed-data likelihood (the tag rate is pi times the mean of sigma), and which
point of the ridge is the maximum depends on how sharply P(tag | x) levels off
where the concept is surely present. Real uploaders tag with very different effort,
so it never levels off at one rate: on 8,779 MIRFLICKR photos EM's pi was 0.05 after
a few epochs and climbed past 0.4 after 60 (0.95 at a weak L2), while P(tag |
concept) measured on the manual labels is about 0.2. Refitting (intercept, pi) or
(slope, intercept, pi) per tag to the training tags with the weights fixed left pi
0.72-0.75 (0.23-0.25) away from the measured rates. At the epochs ``alpha="auto"`` chooses by ranking, pi
was 0.10 on average, so sigma over-predicted every concept's prevalence.

Elkan & Noto (2008, estimator e1) read pi off a plain classifier of the tags
instead: if g(x) = P(tag | x) and the concept is present wherever a tag is, then g
equals pi on the tagged rows, and the mean of g over a tag's tagged rows, each
scored by a model that did not train on it, estimates that tag's pi. Here g is
``RobustLogisticRegression(noise="none")`` with the estimator's other settings and
its strength (one per tag, for tags with enough tagged rows) chosen by its held-out
likelihood, cross-fitted on :data:`N_FOLDS` folds. The estimate is biased low
wherever a concept is not certain from x, since a logistic g cannot level off at
pi: on data drawn from the paper's model itself it gave 0.13-0.53 for rates
0.2-0.8, which EM recovers (``pi_method="em"`` is for such data).

Measured (``benchmarks/quality/RESULTS.md``: RLR defaults with EM's pi against pi
held here, everything else equal): on 8,779 photos (10 splits) F@5 +4.3 (51.0),
log-loss against the manual labels 0.32 against 0.38, pi mean |error| 0.08 (r 0.69)
against 0.12 (r 0.25), AUC -0.003; on the 511 embedded photos (20 splits) F@5 +2.2,
AUC +0.005, log-loss 0.57 against 0.52. A strength per common tag (see
:func:`elkan_noto_pi`) then took pi to 0.078 (r 0.77) at scale. Starting EM at
this estimate instead of holding it gained nothing: EM moved pi back.

With ``tag_effort`` the same cross-fit also sets each (effort bin, tag) rate
(:func:`effort_cells`), held as pi is: EM's cells were 0.32 from the rates
measured per bin on 8,779 photos, these 0.12.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot

from skrobust._array_api import to_numpy
from skrobust.linear_model._auto_alpha import choose_strength_per_tag, held_out_path
from skrobust.linear_model._dask_pass import (
    cluster_tagged_rows,
    cluster_tagged_sums,
    is_dask_collection,
)
from skrobust.linear_model._effort import additive_rates, bin_index
from skrobust.linear_model._sgd_em import row_index, take_rows

#: Folds of the cross-fit: every row is scored by a model trained on 4/5 of the rows.
N_FOLDS = 5
#: The smallest pi it sets: a tag whose tagged rows all look like its untagged ones
#: would otherwise get pi ~ 0, and sigma = P(tag | x) / pi would have no bound.
MIN_PI = 1e-3
#: Tagged rows a tag needs for its plain model to get a strength of its own: at the
#: default ``validation_fraction`` (0.1) about 5 of them are held out, and on fewer
#: the held-out likelihood's choice is noise (on the 511 embedded training photos,
#: where no tag has 50, a strength per tag lowered annotation F@5 by 0.8).
MIN_TAGGED_OWN_STRENGTH = 50


def resolved_pi_method(estimator, effort, streaming):
    """How this fit sets pi: "elkan_noto", "em", or "fixed" (``learn_pi=False`` or
    ``noise="none"``). "auto" is "elkan_noto" for ``fit`` with ``noise="missing"``
    (in memory or on dask arrays; with ``tag_effort`` under ``effort="given"``),
    "em" otherwise (streaming sees one chunk at a time; gamma, and the rates of
    ``effort="other_tags"``, whose entries of one image sit in different bins, are
    EM's)."""
    if estimator.noise == "none" or not estimator.learn_pi:
        return "fixed"
    method = estimator.pi_method
    per_entry = effort is not None and estimator.effort != "given"
    if method == "auto":
        plain = estimator.noise == "missing" and not per_entry and not streaming
        return "elkan_noto" if plain else "em"
    if method == "elkan_noto" and per_entry:
        raise ValueError(
            "pi_method='elkan_noto' reads each effort bin's pi off the images of that "
            "bin; with effort='other_tags' a tagged and an untagged entry of one image "
            "sit in different bins. Use pi_method='em' or 'auto', or effort='given'."
        )
    return method


def elkan_noto_pi(estimator, X, Y, weights, xp, start, effort=None, edges=None):
    """Each tag's pi as the weighted mean, over its tagged rows, of P(tag | x) from a
    plain logistic regression that did not train on the row (:data:`N_FOLDS`-fold
    cross-fit, folds drawn from the estimator's ``_rng``); a host array of shape
    (n_tags,), in [:data:`MIN_PI`, 1]. Tags without a tagged row keep ``start``
    (their ``pi_init``). Fewer than two rows cannot be cross-fitted: ``start``.

    With ``effort`` (the rows' host tag counts, binned by the bin ``edges``) also the
    rates per (bin, tag), see :func:`effort_cells`; else None. Returns ``(pi, cells)``.

    The plain model's strengths and epochs are chosen once, on held-out rows as
    ``alpha="auto"`` chooses (by the likelihood, with ``noise="none"``), and every
    fold trains at that choice, without a path of its own: 5 paths cost more (10.5
    s against 6.3 s a default fit on 8,779 photos; see
    benchmarks/quality/RESULTS.md for the rest tried). Each tag with at least
    :data:`MIN_TAGGED_OWN_STRENGTH` tagged rows gets the strength its own held-out
    likelihood prefers (:func:`._auto_alpha.choose_strength_per_tag`), the others
    the one chosen for all: one strength for all squeezed the rare concepts' P(tag
    | x), and their pi with it (r 0.69 against 0.77 for a strength per tag, 10
    splits of 8,779 photos).
    """
    from skrobust.linear_model._robust import RobustLogisticRegression

    n = X.shape[0]
    start = np.asarray(start, dtype=float)
    bins = None if effort is None else bin_index(effort, edges)
    n_bins = None if effort is None else len(edges) + 1
    if n < 2:
        return start, None if bins is None else np.tile(start, (n_bins, 1))
    params = {name: value for name, value in estimator.get_params(deep=False).items()
              if name in RobustLogisticRegression._parameter_constraints}
    # The plain model's strength is always chosen by its held-out likelihood, not
    # taken from the estimator: e1 needs P(tag | x) calibrated, and a strong fixed
    # strength squeezes it (sklearn's checks fit alpha=1.0 on clean blobs: pi 0.7).
    params.update(noise="none", pi_method="em", pos_label=None, warm_start=False, verbose=0,
                  alpha="auto")
    n_folds = min(N_FOLDS, n)
    seeds = estimator._rng.randint(np.iinfo(np.int32).max, size=n_folds + 2)
    chooser = RobustLogisticRegression(**params)
    chooser._rng = check_random_state(int(seeds[-2]))
    own = tagged_rows(Y) >= MIN_TAGGED_OWN_STRENGTH
    alpha, epochs = choose_strength_per_tag(
        held_out_path(chooser, X, Y, weights, xp, per_tag=True), own=own)
    params.update(alpha=alpha, max_iter=min(epochs or params["max_iter"], params["max_iter"]))
    folds = KFold(n_folds, shuffle=True, random_state=int(seeds[-1]))
    on_cluster = is_dask_collection(X)
    # The held-out folds cover every row once: the tagged rows' weight is summed
    # with their scores, not in a pass of its own over all of Y.
    totals = None
    for seed, (fit_rows, held_rows) in zip(seeds, folds.split(np.empty((n, 1)))):
        if on_cluster:  # rows kept in block order: each block's rows stay on its worker
            fit_rows, held_rows = np.sort(fit_rows), np.sort(held_rows)
        fit_index, held_index = row_index(fit_rows, X, xp), row_index(held_rows, X, xp)
        g = RobustLogisticRegression(**{**params, "random_state": int(seed)})
        with warnings.catch_warnings():
            # Stopping at the chosen epochs is the choice, not a failure.
            warnings.simplefilter("ignore", ConvergenceWarning)
            g.fit(take_rows(X, fit_index, xp), take_rows(Y, fit_index, xp),
                  sample_weight=take_rows(weights, fit_index, xp))
        held = tuple(take_rows(A, held_index, xp) for A in (X, Y, weights))
        if on_cluster:  # summed where the blocks are; dask data carry no effort bins
            sums = cluster_tagged_sums(g, *held)
        else:
            sums = held_out_tag_sums(*held, g.coef_, g.intercept_,
                                     None if bins is None else bins[held_rows], n_bins)
        totals = sums if totals is None else tuple(a + b for a, b in zip(totals, sums))
    tagged_score, tagged_weight = totals[:2]
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = np.clip(np.where(tagged_weight > 0, tagged_score / tagged_weight, start),
                     MIN_PI, 1.0)
    if bins is None:
        return pi, None
    return pi, effort_cells(pi, *totals[2:])


def tagged_rows(Y):
    """Per tag, its number of tagged rows of ``Y`` (host floats): an array of any
    namespace, a scipy.sparse matrix, or a dask array (counted on the cluster)."""
    if is_dask_collection(Y):
        return cluster_tagged_rows(Y)
    return _tagged_sums(Y, np.ones((Y.shape[0], 1)))


def held_out_tag_sums(X, Y, weights, coef, intercept, bins=None, n_bins=None):
    """Elkan & Noto's sums over held-out rows scored by a plain model (``coef``,
    ``intercept``): per tag, the weighted P(tag | x) and the weight of its tagged
    rows; with ``bins`` (the rows' host effort bins) also per (bin, tag) the tagged
    weight and the weighted P(tag | x) of all rows (see :func:`effort_cells`)."""
    p = expit(np.asarray(to_numpy(safe_sparse_dot(X, coef.T) + intercept), dtype=float))
    w = np.asarray(to_numpy(weights), dtype=float)
    sums = (_tagged_sums(Y, p * w[:, None]), _tagged_sums(Y, w[:, None]))
    if bins is None:
        return sums
    in_bin = np.eye(n_bins)[bins] * w[:, None]  # (rows, bins): each row's weight in its bin
    return sums + (_group_tag_sums(Y, in_bin), in_bin.T @ p)


def effort_cells(pi, tagged, expected):
    """The rates per (effort bin, tag) around each tag's pi, from the cross-fit's
    counts: ``tagged`` (bins, tags) tagged weight and ``expected`` the weight the
    effort-blind P(tag | x) expected in each cell.

    If P(tag | x, bin) = pi_bt f(x) and the blind P(tag | x) is pi_t f(x), a cell's
    tags over what the blind model expected there is pi_bt / pi_t: content that
    differs between bins is in the expectation, not in the rate. Dividing by pi_t
    turns the expectation into the cell's expected positives; the rates are then
    the EM M-step's additive logit model (:func:`._effort.additive_rates`: a bin
    effect shared by all tags, each tag's cells averaging back to its pi), fitted to
    these counts, so a cell with few images borrows its bin's effect. On 8,779
    MIRFLICKR photos (3 splits) the cells' mean |error| against the rates measured
    on the manual labels was 0.12 (0.048 weighted by positives), against 0.32 for
    EM's cells and 0.17 for one rate per tag (benchmarks/quality/RESULTS.md).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        positives = np.where(pi > 0, expected / pi, 0.0)
    cells = additive_rates(tagged, positives, pi, np)
    return np.clip(np.asarray(cells, dtype=float), MIN_PI, 1.0)


def held_pi_params(pi, cells=None):
    """The parameters of a model that holds pi at ``pi`` (host, per tag), or with
    ``cells`` at those rates per (effort bin, tag): what the strengths' path and the
    CV folds train with under "elkan_noto"."""
    held = pi if cells is None else cells
    return dict(pi_method="em", learn_pi=False, pi_init=np.asarray(held, dtype=float))


def _tagged_sums(Y, values):
    """Per tag, the sum of ``values`` (host, (n, n_tags) or (n, 1)) over its tagged
    rows of ``Y`` (an array of any namespace or a scipy.sparse matrix)."""
    if sp.issparse(Y):
        return np.asarray(Y.multiply(values).sum(axis=0), dtype=float).ravel()
    tags = np.asarray(to_numpy(Y), dtype=float)
    return np.sum(tags * values, axis=0)


def _group_tag_sums(Y, groups):
    """(n_groups, n_tags): ``groups`` (host, (n, n_groups)) summed over each tag's
    tagged rows of ``Y`` (as in :func:`_tagged_sums`), without densifying a sparse Y."""
    if sp.issparse(Y):
        return np.asarray((Y.T @ groups).T, dtype=float)
    return groups.T @ np.asarray(to_numpy(Y), dtype=float)
