"""Tagging effort: pi and gamma per effort bin, from the uploader's tag count.

An uploader who gives an image 25 tags leaves out fewer of its true concepts than one
who gives it 2 (on MIRFLICKR, P(concept tag | present) rises from 0.04 at 1-2 tags to
0.40 at 21+). With a per-image effort covariate e_i (the number of tags the uploader
gave the image over the whole vocabulary), the noise rates depend on the image through
its effort bin k(i): ``pi_kt = P(y=1 | z=1, bin k)`` and ``1 - gamma_kt``.

* E-step: today's, with each row's rates gathered from its bin (``xp.take``).
* EM statistics: S_a, S_ya, S_y per (bin, tag), plus each cell's share of the weight
  S_n, all as shares of the minibatch's total weight (so summing over bins gives the
  effort-blind statistics exactly). A minibatch's per-bin sums are small matrix
  products, ``one_hot(bins)^T @ values``: no loop over bins or tags.
* ``effort="other_tags"``: a tag never explains itself. Entry (i, t)'s effort is the
  count of the image's *other* tags, ``e_i - y_it``, so a tagged entry sits one count
  lower than an untagged one; the two bins of each row are kept (``bins``, a pair),
  its rates are gathered per entry and the sums split by tagged/untagged entries.
* M-step: each tag's pooled rate is today's (MAP under the tag-level Beta prior,
  refitted by empirical Bayes on the pooled counts); the cells then follow an additive
  logit model ``logit pi_kt = a_t + b_k``, fitted by a few Newton sweeps on the cell
  table with a_t held so that the cells average back to the pooled rate. The bin
  effect b_k is shared by all tags (one tag's sparse high-effort cell borrows it from
  the others), and a cell never runs to 0 or 1 on its own few examples.

Functions take the namespace ``xp``; they hold no state.
"""

import numpy as np

from skrobust.linear_model import _em

#: Default bin edges: counts 0-2, 3-5, 6-10, 11-20 and 21+ (MIRFLICKR's strata, where
#: the measured pi rises about 0.04, 0.11, 0.21, 0.30, 0.40).
DEFAULT_EFFORT_BINS = (3, 6, 11, 21)
# Newton sweeps of the additive model per M-step, and the largest logit step of one.
N_SWEEPS = 3
_MAX_STEP = 4.0


def check_effort_edges(edges):
    """``effort_bins`` as a tuple of strictly increasing ints >= 1 (at least one)."""
    array = np.asarray(edges)
    if (
        array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iuf"
        or not np.all(np.isfinite(array)) or not np.all(array == np.floor(array))
        or np.any(array < 1) or np.any(np.diff(array) <= 0)
    ):
        raise ValueError(
            "effort_bins must be a non-empty 1-D sequence of strictly increasing "
            f"integers >= 1 (the lower edges of bins 1, 2, ...); got {edges!r}."
        )
    return tuple(int(v) for v in array)


def check_tag_effort(tag_effort, n_samples):
    """A caller's ``tag_effort`` as a new host int64 array, or None.

    Must be 1-D, one value per sample, finite, >= 0 and integer-valued (counts of
    tags); the caller's array is never modified.
    """
    if tag_effort is None:
        return None
    from skrobust._array_api import to_numpy

    values = tag_effort
    if hasattr(values, "__array_namespace__") and not isinstance(values, np.ndarray):
        values = to_numpy(values)
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        raise ValueError(
            "tag_effort must hold numbers (each image's count of uploader tags); got "
            f"dtype {values.dtype}."
        )
    if values.ndim != 1 or values.shape[0] != n_samples:
        raise ValueError(
            f"tag_effort must be 1-D with one count per sample ({n_samples}); got shape "
            f"{values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("tag_effort must be finite (tag counts); it holds NaN or inf.")
    if np.any(values < 0) or not np.all(values == np.floor(values)):
        raise ValueError(
            "tag_effort must hold integer tag counts >= 0; got values such as "
            f"{values[(values < 0) | (values != np.floor(values))][:3].tolist()}."
        )
    return values.astype(np.int64)


def bin_index(counts, edges):
    """Host bin of each count: 0 below ``edges[0]``, i for ``edges[i-1] <= c < edges[i]``."""
    return np.searchsorted(np.asarray(edges), counts, side="right").astype(np.int64)


def entry_bins(counts, edges, own_tag):
    """Host bins of each row's untagged and tagged entries: ``bin(e)`` for both, or
    with ``own_tag=False`` (a tag does not count towards its own effort) ``bin(e)``
    and ``bin(e - 1)``."""
    untagged = bin_index(counts, edges)
    return untagged, untagged if own_tag else bin_index(counts - 1, edges)


def bin_weights(bins, weights, n_bins, xp):
    """(n_bins, n_samples): each row's weight in its bin's row, 0 elsewhere, so that
    ``bin_weights @ A`` sums A's rows per bin (a small matrix product)."""
    levels = xp.arange(n_bins, dtype=bins.dtype, device=bins.device)
    one_hot = xp.astype(bins[None, :] == levels[:, None], weights.dtype)
    return one_hot * weights[None, :]


def initial_statistics(pi0, gamma0, n_bins, xp):
    """Per-bin running statistics (S_a, S_ya, S_y, S_n) whose M-step gives pi0/gamma0
    in every cell: today's start, spread evenly over the bins. ``pi0`` is per tag,
    or per (bin, tag): a start of its own in each cell."""
    share = 1.0 / n_bins
    if pi0.ndim == 2:
        return tuple(v * share for v in _with_count(*_em.initial_statistics(pi0, gamma0[None, :])))
    return tuple(xp.stack([v * share] * n_bins)
                 for v in _with_count(*_em.initial_statistics(pi0, gamma0)))


def _with_count(s_a, s_ya, s_y):
    """(S_a, S_ya, S_y) and the weight share S_n = 1 of the same shape."""
    return s_a, s_ya, s_y, s_a * 0 + 1.0


def pooled_statistics(stats, xp):
    """The effort-blind (S_a, S_ya, S_y) per tag: the cells summed over bins."""
    return tuple(xp.sum(s, axis=0) for s in stats[:3])


def _logit(p, xp):
    p = _em._clip(p, _em.NOISE_EPS, 1 - _em.NOISE_EPS, xp)
    return xp.log(p) - xp.log1p(-p)


def _safe_ratio(num, den, xp):
    positive = den > 0
    return xp.where(positive, num / xp.where(positive, den, xp.ones_like(den)),
                    xp.zeros_like(num))


def additive_rates(successes, trials, pooled, xp, n_groups=1, n_sweeps=N_SWEEPS):
    """Cell rates ``sigmoid(a_t + b_k)`` fitted to a (bins, tags) table of counts.

    Block-coordinate Newton: per bin, b_k (shared by the tags of a group) moves toward
    the maximum likelihood of its cells; per tag, a_t moves so that the tag's cells,
    weighted by their trials, average to ``pooled`` (the tag's rate from the pooled
    counts, with its prior). Starts from a_t = logit(pooled) and b_k = the bin's
    pooled-over-tags logit offset; ends on an a-step, so the average holds.

    Parameters
    ----------
    successes, trials : arrays of shape (n_bins, n_tags)
        Expected counts (any common scale), ``0 <= successes <= trials``.
    pooled : array of shape (n_tags,)
        Each tag's target average rate.
    n_groups : int
        The tags are ``n_groups`` contiguous equal blocks, each with its own bin
        effect (the alpha="auto" path trains one copy of the tags per strength).

    Returns
    -------
    rates : array of shape (n_bins, n_tags), clipped into [NOISE_EPS, 1]
    """
    n_bins, n_tags = trials.shape
    size = n_tags // n_groups

    def group_sum(A):  # (n_bins, n_tags) -> (n_bins, n_groups, 1)
        return xp.sum(xp.reshape(A, (n_bins, n_groups, size)), axis=2)[:, :, None]

    def spread(b):  # (n_bins, n_groups, 1) -> (n_bins, n_tags)
        return xp.reshape(xp.broadcast_to(b, (n_bins, n_groups, size)), (n_bins, n_tags))

    trials = _em._clip(trials, 0.0, float("inf"), xp)
    successes = _em._clip(successes, 0.0, float("inf"), xp)
    successes = xp.minimum(successes, trials)
    a = _logit(pooled, xp)
    s_bin, n_bin = group_sum(successes), group_sum(trials)
    s_all, n_all = xp.sum(s_bin, axis=0), xp.sum(n_bin, axis=0)
    b = xp.where(n_bin > 0, _logit(_safe_ratio(s_bin, n_bin, xp), xp)
                 - _logit(_safe_ratio(s_all, n_all, xp), xp), xp.zeros_like(n_bin))
    limit = xp.asarray(_MAX_STEP, dtype=trials.dtype, device=trials.device)

    def step(gradient, curvature):
        return _em._clip(_safe_ratio(gradient, curvature, xp), -limit, limit, xp)

    n_tag = xp.sum(trials, axis=0)
    for sweep in range(n_sweeps + 1):
        p = _em.sigmoid(a + spread(b), xp)
        if sweep > 0:  # the start's b is already the pooled-over-tags estimate
            b = b + step(group_sum(successes - trials * p), group_sum(trials * p * (1 - p)))
            p = _em.sigmoid(a + spread(b), xp)
        a = a + step(pooled * n_tag - xp.sum(trials * p, axis=0),
                     xp.sum(trials * p * (1 - p), axis=0))
    rates = _em.sigmoid(a + spread(b), xp)
    return _em._clip(rates, _em.NOISE_EPS, 1.0, xp)


def m_step(stats, xp, prior=None, n_groups=1, learn=(True, True)):
    """The effort M-step: pooled (pi, gamma) per tag, as :func:`._em.m_step` gives
    them from the pooled statistics, and the cells (pi, gamma) per (bin, tag).

    ``learn``: whether pi's and gamma's cells are wanted (None where not).

    Returns
    -------
    pi, gamma : arrays of shape (n_tags,)
    pi_cells, gamma_cells : arrays of shape (n_bins, n_tags), or None
    """
    s_a, s_ya, s_y, s_n = stats
    pi, gamma = _em.m_step(pooled_statistics(stats, xp), xp, prior=prior)
    pi_cells = additive_rates(s_ya, s_a, pi, xp, n_groups) if learn[0] else None
    gamma_cells = (additive_rates(s_n - s_y - s_a + s_ya, s_n - s_a, gamma, xp, n_groups)
                   if learn[1] else None)
    return pi, gamma, pi_cells, gamma_cells


def entry_terms(pi_cells, gamma_cells, bins, xp, Y):
    """The E-step's per-entry terms (see :func:`._em.step_terms`), gathered from
    the cells' log-rates (logs of (bins, tags), not of (rows, tags)): the half log-odds
    offset, ``(log pi - log(1 - gamma)) / 2`` tagged, ``(log gamma - log(1 - pi)) / 2``
    untagged, and ``log pi`` tagged, ``log gamma`` untagged."""
    log_pi, log_1m_pi, log_1m_gamma, log_gamma = _em.noise_log_terms(pi_cells, gamma_cells, xp)
    untagged, tagged = bins
    observed = Y if Y.dtype == xp.bool else Y != 0
    offset = xp.where(observed, xp.take(0.5 * (log_pi - log_1m_gamma), tagged, axis=0),
                      xp.take(0.5 * (log_gamma - log_1m_pi), untagged, axis=0))
    rate = xp.where(observed, xp.take(log_pi, tagged, axis=0),
                    xp.take(log_gamma, untagged, axis=0))
    return offset, rate


def row_rates(pi_cells, gamma_cells, bins, xp, Y=None):
    """Each entry's (pi, gamma), (n_samples, n_tags): the rows of the cell tables of
    its bin. ``bins`` is one array, or the pair (untagged, tagged) of
    :func:`entry_bins`, which needs the tags ``Y`` when the two differ."""
    if not isinstance(bins, tuple):
        bins = (bins, bins)
    untagged, tagged = bins
    rates = tuple(xp.take(cells, untagged, axis=0) for cells in (pi_cells, gamma_cells))
    if tagged is untagged:
        return rates
    observed = Y if Y.dtype == xp.bool else Y != 0
    return tuple(xp.where(observed, xp.take(cells, tagged, axis=0), rate)
                 for cells, rate in zip((pi_cells, gamma_cells), rates))
