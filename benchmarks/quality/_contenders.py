"""Contenders of the quality benchmark: models trained on noisy tags.

Each contender is ``fit(X_train, Y_train, *, seed, X_clean=None, Z_clean=None,
Y_clean=None) -> model`` with ``model.predict_proba(X)`` (n, n_tags), the estimate
of P(true label | x), ``model.decision_function(X)`` (its log-odds) and, for some,
``model.pi_`` (estimated P(tag | label) per tag). :data:`CONTENDERS` maps names to
:class:`Contender` records; add an entry there to benchmark a new variant (set
``uses_clean=True`` and the runner also passes the clean calibration images).

Fair tuning. Every linear contender picks its L2 strength C from the same grid
(:data:`C_GRID`, logspace(-9, 2, 12), sklearn's ``sum of losses + ||w||^2 / (2C)``
convention) by inner 5-fold CV on the *training* data only, scoring the mean per-tag
ROC AUC against the held-out *noisy* tags (``lr_clean``: against held-out clean
labels, which it is allowed to see), taking the weakest penalty within one paired
standard error of the best (:func:`tune_C`; until 2026-12-05 the argmax, which chose
the grid's strongest edge on the 730 photos). Method-specific hyperparameters stay at
their authors' defaults (stated per contender). Nothing is tuned on clean test labels.
``epr_clean``, ``em_clean``, ``llr_clean`` instead pick C by annotation F@k on the
split's clean images (:func:`tune_C_clean`): by the tags' per-tag AUC, which is blind
to each tag's scale and offset, those three chose the grid's strongest edge at scale.

Losses are written in "sum over all (image, tag) entries" units, i.e. the authors'
batch-mean loss (divided by n * L) multiplied by n * L, so that one C grid means the
same regularisation for all of them.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold

from skrobust.experiments._one_se import clearly_below, weakest_within_noise
from skrobust.metrics import annotation_scores

# The package's own mean per-tag AUC (over tags with both classes), so the benchmark
# and the demo's experiments score AUC the same way.
from skrobust.metrics._utils import mean_tag_auc as mean_auc

from _head import LinearHead, fit_linear_head, log_sigmoid, sigmoid, weighted_bce

# Wide: on the 730 MIRFLICKR photos the mean AUC of the noisy tags is flat as C falls
# (its argmax chose 1e-7 on 7 of 20 splits of logspace(-7, 2, 10), then 1e-9 on 10 of
# 20 of this grid: widening cannot help a plateau, the rule in tune_C does); on 8,800
# photos the choice is 1e-4. run_quality records each choice and flags one at an edge.
C_GRID = np.logspace(-9, 2, 12)
N_FOLDS = 5
#: tune_C stops its path once this many grid points in a row are clearly below the best.
PATH_PATIENCE = 2
#: Zhou et al. 2022 (EM loss): alpha = 0.1 is their code's value for COCO and NUS-WIDE
#: (0.2 PASCAL, 0.01 CUB); the paper gives no separate linear-probe value.
EM_ALPHA = 0.1
#: Kim et al. 2022 (LL-R): rejection rate grows by delta_rel = 0.2% (of all n * L
#: entries, as their code counts it) per epoch; epoch 1 rejects nothing.
LLR_DELTA = 0.002
LLR_ROUNDS = 10
#: tune_C and tune_C_clean fit at least this many grid points (1e-9 to 1e-2) before
#: they may stop: on 400 synthetic rows the clean criterion only starts to rise at
#: 1e-3, on 8,778 photos at 1e-5, and the noisy tags' AUC on the 730 photos dips by
#: 1e-4 from 1e-9 to 1e-7 before it rises at 1e-5 (a patience of 2 stopped there and
#: chose the edge); weaker penalties cost the most (LL-R: 54 s at 1e-2, 93 s at 1e-1
#: on 8,778).
PATH_MIN_POINTS = 8


# -------------------------------------------------------------------------- losses
# Each ``*_loss(T, ...)`` returns ``loss(S) -> (value, dL/dS)`` for the head solver.


def bce_loss(T):
    """Plain log-loss on targets T (sklearn's LogisticRegression per tag)."""
    T = T.astype(np.float64)
    return lambda S: weighted_bce(S, T, 1.0, 1.0)


def balanced_loss(T):
    """class_weight="balanced" per tag: weights n / (2 n_class), as sklearn computes
    them; a tag with only one class in T keeps weight 1 (nothing to balance)."""
    T = T.astype(np.float64)
    n = T.shape[0]
    n_pos = T.sum(axis=0)
    n_neg = n - n_pos
    both = (n_pos > 0) & (n_neg > 0)
    w_pos = np.where(both, n / (2.0 * np.maximum(n_pos, 1)), 1.0)
    w_neg = np.where(both, n / (2.0 * np.maximum(n_neg, 1)), 1.0)
    return lambda S: weighted_bce(S, T, w_pos, w_neg)


def wan_loss(T):
    """Weak assume-negative (Cole et al. 2021, ``loss_wan``): BCE on observed
    positives, unobserved taken as negatives down-weighted by 1 / (L - 1)."""
    T = T.astype(np.float64)
    L = T.shape[1]
    return lambda S: weighted_bce(S, T, 1.0, 1.0 / max(L - 1, 1))


def epr_loss(T, k):
    """Expected-positive regularisation (Cole et al. 2021, ``loss_epr``).

    Their batch loss is ``sum_pos -log p / (n L) + (mean_i sum_t p_it - k)^2 / L^2``;
    times n L: ``sum_pos -log p + (n / L) (mean_i sum_t p_it - k)^2``. Unobserved
    entries get no loss of their own. The regulariser couples the tags.
    """
    T = T.astype(np.float64)
    n, L = T.shape

    def loss(S):
        p = sigmoid(S)
        value = -np.sum(T * log_sigmoid(S))
        grad = T * (p - 1.0)
        gap = p.sum(axis=1).mean() - k
        value += (n / L) * gap**2
        # d/dS_it of (n/L) gap^2 = (n/L) 2 gap (1/n) p_it (1 - p_it)
        grad = grad + (2.0 * gap / L) * p * (1.0 - p)
        return float(value), grad

    return loss


def em_loss(T, alpha=EM_ALPHA):
    """Entropy maximisation (Zhou et al. 2022, ``loss_EM``): BCE on observed positives,
    ``-alpha * H(p)`` on unobserved entries (their entropy is maximised).

    H(p) = -p log p - (1-p) log(1-p); dH/ds = -s p (1-p), so the unobserved term's
    gradient is ``alpha * s * p (1 - p)``. (Their code adds 1e-5 inside the logs; the
    exact entropy is used here.) Not convex: the solver starts from W = 0 (p = 1/2).
    """
    T = T.astype(np.float64)
    U = 1.0 - T

    def loss(S):
        p = sigmoid(S)
        logp, log1mp = log_sigmoid(S), log_sigmoid(-S)
        entropy = -(p * logp + (1.0 - p) * log1mp)
        value = -np.sum(T * logp) - alpha * np.sum(U * entropy)
        grad = T * (p - 1.0) + alpha * U * S * p * (1.0 - p)
        return float(value), grad

    return loss


# ------------------------------------------------------------------------ trainers
# ``trainer(X, T, C, warm) -> (coef, intercept)``; ``warm`` is a previous solution.
# Without a warm start the intercept starts at its optimum for W = 0 where that is
# cheap to write down: with the penalty at C = 1e-5 the weights stay near 0 and the
# unpenalised intercept is otherwise the slow, badly conditioned direction.


def _intercept_for(w_pos_count, w_neg_count):
    rate = np.clip(w_pos_count / np.maximum(w_pos_count + w_neg_count, 1e-300), 1e-4, 1 - 1e-4)
    return np.log(rate) - np.log1p(-rate)


def _solve(X, loss, C, L, warm, intercept0=None, maxiter=500, tol=1e-8):
    if warm is None:
        coef, intercept = None, intercept0
    else:
        coef, intercept = warm
    coef, intercept, _ = fit_linear_head(
        X, loss, C, L, coef=coef, intercept=intercept, maxiter=maxiter, tol=tol
    )
    return coef, intercept


def train_lr(X, T, C, warm=None):
    n_pos = T.sum(axis=0).astype(np.float64)
    return _solve(X, bce_loss(T), C, T.shape[1], warm, _intercept_for(n_pos, len(T) - n_pos))


def train_balanced(X, T, C, warm=None):
    # balanced weights make both classes weigh n/2: the W = 0 optimum is b = 0.
    return _solve(X, balanced_loss(T), C, T.shape[1], warm, np.zeros(T.shape[1]))


def train_wan(X, T, C, warm=None):
    L = T.shape[1]
    n_pos = T.sum(axis=0).astype(np.float64)
    b0 = _intercept_for(n_pos, (len(T) - n_pos) / max(L - 1, 1))
    return _solve(X, wan_loss(T), C, L, warm, b0)


def train_em(X, T, C, warm=None):
    return _solve(X, em_loss(T), C, T.shape[1], warm, np.zeros(T.shape[1]))


def train_epr(X, T, C, warm=None):
    # k: mean number of *observed* tags per image on these training rows. Cole et al.
    # use the true mean number of positives (known for their data sets); here only
    # the noisy tags may be used, which underestimates it by about the tagging rate.
    k = float(T.sum(axis=1).mean())
    return _solve(X, epr_loss(T, k), C, T.shape[1], warm, np.zeros(T.shape[1]))


def train_llr(X, T, C, warm=None, rounds=LLR_ROUNDS, delta=LLR_DELTA):
    """Large-loss rejection (Kim et al. 2022, LL-R) on a full-batch head.

    Round r (r = 0..rounds-1, one "epoch") fits the assume-negative BCE with the
    ``ceil(r * delta * n * L)`` unobserved entries of largest current loss given
    weight 0 (their code: ``k = ceil(batch * classes * (1 - clean_rate))``, top-k
    of the unobserved losses, rejected), warm-started from the previous round.
    Round 0 is plain assume-negative LR (= ``lr``).
    """
    Tf = T.astype(np.float64)
    n, L = T.shape
    unobserved = T == 0
    coef, intercept = train_lr(X, T, C, warm)
    for r in range(1, rounds):
        n_reject = math.ceil(r * delta * n * L)
        # assume-negative loss of an unobserved entry is -log(1 - p): largest where
        # the score is largest.
        S = X @ coef.T + intercept
        scores = np.where(unobserved, S, -np.inf).ravel()
        top = np.argpartition(-scores, n_reject - 1)[:n_reject]
        w_neg = np.ones(n * L)
        w_neg[top] = 0.0
        w_neg = w_neg.reshape(n, L)
        coef, intercept = _solve(
            X, lambda S, w=w_neg: weighted_bce(S, Tf, 1.0, w), C, L, (coef, intercept),
            maxiter=200,
        )
    return coef, intercept


def reduce_features(X):
    """(X V, V) with V the right singular vectors of X, when n < d; else (X, None).

    Exact for every loss here: they see X only through X W and the penalty is
    ||W||_F^2, so the optimal W lies in the row space of X (W = V W', ||W|| =
    ||W'||); fitting W' on the n x n features X V is the same problem, smaller.
    """
    n, d = X.shape
    if n >= d:
        return X, None
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt.T, Vt


def _train_reduced(train, X, T, C):
    """``train`` on reduced features; returns weights in the original space."""
    Xr, Vt = reduce_features(X)
    coef, intercept = train(Xr, T, C)
    return (coef if Vt is None else coef @ Vt), intercept


# --------------------------------------------------------------------- tuning (CV)


def mean_log_loss(T, scores):
    """Mean log-loss of held-out 0/1 targets T under log-odds ``scores``."""
    return float(-np.mean(T * log_sigmoid(scores) + (1 - T) * log_sigmoid(-scores)))


def _fold_scores(T, oof_g, folds, scoring):
    """One C's score on each held-out fold (larger is better)."""
    if scoring == "auc":  # a fold's scores are comparable within the fold
        return np.array([mean_auc(T[held], oof_g[held]) for _, held in folds])
    if scoring == "log_loss":  # negated, so that larger is better as for AUC
        return np.array([-mean_log_loss(T[held], oof_g[held]) for _, held in folds])
    raise ValueError(f"unknown scoring {scoring!r}")


def tune_C(train, X, T, *, seed, grid=C_GRID, n_folds=N_FOLDS, scoring="auc",
           patience=PATH_PATIENCE, min_points=PATH_MIN_POINTS):
    """C by inner K-fold CV, warm-started along the grid from the strongest penalty.

    ``scoring="auc"`` (everyone's rule): mean per-tag AUC against held-out T.
    ``"log_loss"``: held-out log-loss of T (lower is better), for a model whose
    probabilities, not only its ranking, are used.

    The choice is the *weakest* penalty whose score is within one standard error
    of the best (the paired difference over the folds:
    :func:`skrobust.experiments._one_se.weakest_within_noise`, whose module says
    why: the plain argmax of the per-tag AUC's flat plateau as C -> 0 chose the
    grid's edge on 10 of 20 splits of the 730 photos). The path runs over at
    least the first ``min_points`` C, then stops once ``patience`` grid points in a
    row are clearly below the best so far (weaker penalties cost the most
    iterations and, past the peak, only lose); those points score -inf.

    Returns
    -------
    best_C : float
    cv_auc : ndarray of shape (len(grid),)
        Mean CV score per C (-inf past where the path stopped).
    oof : ndarray of shape (len(grid), n, L)
        Out-of-fold scores (log-odds) at each C.
    """
    X = np.asarray(X, dtype=np.float64)
    oof = np.zeros((len(grid),) + T.shape)
    folds = list(KFold(n_folds, shuffle=True, random_state=seed).split(X))
    reduced = [reduce_features(X[fit_rows]) for fit_rows, _ in folds]
    warm = [None] * len(folds)
    fold_scores = np.full((len(grid), n_folds), -np.inf)
    for g, C in enumerate(grid):
        for f, (fit_rows, held_rows) in enumerate(folds):
            Xr, Vt = reduced[f]
            X_held = X[held_rows] if Vt is None else X[held_rows] @ Vt.T
            warm[f] = train(Xr, T[fit_rows], C, warm[f])
            coef, intercept = warm[f]
            oof[g][held_rows] = X_held @ coef.T + intercept
        fold_scores[g] = _fold_scores(T, oof[g], folds, scoring)
        below = clearly_below(fold_scores[: g + 1])
        if g + 1 >= max(min_points, patience + 1) and below[-patience:].all():
            break
    chosen = weakest_within_noise(fold_scores)
    return float(grid[chosen]), np.nanmean(fold_scores, axis=1), oof


def fit_tuned(train, X, T, *, seed, scoring="auc", **attributes):
    """Tune C by CV, refit on all of (X, T), return a LinearHead and the out-of-fold
    scores at the chosen C. ``cv_auc_`` holds the CV score per C (AUC, or minus the
    log-loss with ``scoring="log_loss"``)."""
    X = np.asarray(X, dtype=np.float64)
    C, cv_auc, oof = tune_C(train, X, T, seed=seed, scoring=scoring)
    coef, intercept = _train_reduced(train, X, T, C)
    head = LinearHead.from_coef(coef, intercept, C=C, cv_auc_=cv_auc, **attributes)
    return head, oof[list(C_GRID).index(C)]


# ------------------------------------------------------------- tuning (clean set)


def mean_image_auc(Z, scores):
    """Mean ROC AUC over the images (rows) with both classes in ``Z``: how well each
    image's tags are ranked against each other, which annotation (top k per image)
    needs. Unlike the per-tag AUC it is not blind to each tag's scale and offset."""
    return mean_auc(np.asarray(Z).T, np.asarray(scores).T)


def clean_annotation_k(n_tags):
    """The benchmark's annotation k (run_quality.annotation_k): 5, 2 below 10 tags."""
    return 2 if n_tags < 10 else 5


def tune_C_clean(train, X, T, X_clean, Z_clean, *, grid=C_GRID, patience=PATH_PATIENCE,
                 min_points=PATH_MIN_POINTS, criterion="annotation_f1"):
    """C by the clean images: fit on all of (X, T) along the grid (warm-started from
    the strongest penalty, as tune_C) and score each fit on the clean images.

    ``criterion="annotation_f1"`` (the ``*_clean`` contenders): annotation F@k of the
    clean labels ``Z_clean`` on ``X_clean`` (k as the benchmark's), i.e. the task the
    benchmark scores, measured on the small checked set a user has. ``"image_auc"``:
    the mean per-image AUC there. Both are recorded. (The per-tag AUC is blind to each
    tag's scale and offset: as C -> 0 it stays high while each image's ranking of tags
    falls back to the intercepts.) The clean images' noisy tags are in T; their clean
    labels are used only here. Ties go to the strongest penalty. The path runs over at
    least the first ``min_points`` C (cheap, and where the weights are near 0 the
    criterion is the intercepts' plus noise: stopping there on a chance best would
    choose the edge), then stops ``patience`` points past its best so far (later
    points score -inf).

    Returns
    -------
    best_C : float
    curves : dict of str -> ndarray of shape (len(grid),)
        ``annotation_f1`` and ``image_auc`` per C (-inf where the path had stopped).
    coef, intercept : the fit at best_C (the one that was scored), original space.
    """
    X = np.asarray(X, dtype=np.float64)
    Xr, Vt = reduce_features(X)
    Xc = np.asarray(X_clean, dtype=np.float64)
    Xc = Xc if Vt is None else Xc @ Vt.T
    k = clean_annotation_k(T.shape[1])
    curves = {name: np.full(len(grid), -np.inf) for name in ("annotation_f1", "image_auc")}
    fits = [None] * len(grid)
    warm = None
    for g, C in enumerate(grid):
        warm = fits[g] = train(Xr, T, C, warm)
        coef, intercept = warm
        S = Xc @ coef.T + intercept  # log-odds: top k without sigmoid saturation ties
        curves["annotation_f1"][g] = annotation_scores(Z_clean, S, k=k).f1
        curves["image_auc"][g] = mean_image_auc(Z_clean, S)
        best = int(np.nanargmax(curves[criterion][: g + 1]))
        if g + 1 >= min_points and g - best >= patience:
            break
    best = int(np.nanargmax(curves[criterion]))
    coef, intercept = fits[best]
    return float(grid[best]), curves, (coef if Vt is None else coef @ Vt), intercept


def fit_clean_tuned(train, X, T, X_clean, Z_clean):
    """tune_C_clean's fit as a LinearHead; ``clean_f1_`` and ``clean_image_auc_``
    hold the clean images' annotation F@k and per-image AUC per C."""
    C, curves, coef, intercept = tune_C_clean(train, X, T, X_clean, Z_clean)
    return LinearHead.from_coef(coef, intercept, C=C, clean_f1_=curves["annotation_f1"],
                                clean_image_auc_=curves["image_auc"])


# ------------------------------------------------------------------ the contenders


class ElkanNotoHead(LinearHead):
    """Elkan & Noto (2008) correction: P(z=1|x) = min(1, P(y=1|x) / c_t)."""

    def predict_proba(self, X):
        return np.minimum(1.0, sigmoid(super().decision_function(X)) / self.c_)

    def decision_function(self, X):
        p = np.clip(self.predict_proba(X), 1e-12, 1.0 - 1e-12)
        return np.log(p) - np.log1p(-p)


def fit_lr(X, Y, *, seed, **_):
    """LR on the tags, sklearn's objective per tag."""
    return fit_tuned(train_lr, X, Y, seed=seed)[0]


def fit_lr_balanced(X, Y, *, seed, **_):
    """LR on the tags, class_weight="balanced" per tag."""
    return fit_tuned(train_balanced, X, Y, seed=seed)[0]


def fit_elkan_noto(X, Y, *, seed, scoring="auc", **_):
    """Elkan & Noto: LR on y (C as for ``lr``); c_t = mean out-of-fold P(y=1|x) over
    the tagged images of tag t (their estimator e1, on a held-out set: here the inner
    folds at the chosen C). A tag with no tagged image keeps c = 1 (no correction).

    e1 equals c only if g(x) = P(y=1|x) is calibrated and P(z=1|x) = 1 on labelled
    examples (their "positives and negatives are separable" assumption). AUC cannot
    tell probability scales apart, and with ties it picks the strongest penalty,
    whose squeezed probabilities bias c low: ``elkan_noto_nll`` picks C by the
    held-out log-loss of y instead, which Elkan & Noto's calibrated-classifier
    requirement asks for.
    """
    head, oof = fit_tuned(train_lr, X, Y, seed=seed, scoring=scoring)
    p_oof = sigmoid(oof)
    tagged = Y == 1
    n_tagged = tagged.sum(axis=0)
    c = np.where(n_tagged > 0, (p_oof * tagged).sum(axis=0) / np.maximum(n_tagged, 1), 1.0)
    c = np.clip(c, 1e-3, 1.0)
    return ElkanNotoHead.from_coef(head.coef_, head.intercept_, C=head.C,
                                   cv_auc_=head.cv_auc_, c_=c, pi_=c)


def fit_elkan_noto_nll(X, Y, *, seed, **_):
    """Elkan & Noto with C by held-out log-loss of the tags (see fit_elkan_noto)."""
    return fit_elkan_noto(X, Y, seed=seed, scoring="log_loss")


def fit_wan(X, Y, *, seed, **_):
    return fit_tuned(train_wan, X, Y, seed=seed)[0]


def fit_epr(X, Y, *, seed, **_):
    return fit_tuned(train_epr, X, Y, seed=seed)[0]


def fit_em(X, Y, *, seed, **_):
    return fit_tuned(train_em, X, Y, seed=seed)[0]


def fit_llr(X, Y, *, seed, **_):
    return fit_tuned(train_llr, X, Y, seed=seed)[0]


def fit_epr_clean(X, Y, *, seed, X_clean=None, Z_clean=None, **_):
    """EPR with C by the clean images' annotation F@k (tune_C_clean)."""
    return fit_clean_tuned(train_epr, X, Y, X_clean, Z_clean)


def fit_em_clean(X, Y, *, seed, X_clean=None, Z_clean=None, **_):
    """EM with C by the clean images' annotation F@k (tune_C_clean)."""
    return fit_clean_tuned(train_em, X, Y, X_clean, Z_clean)


def fit_llr_clean(X, Y, *, seed, X_clean=None, Z_clean=None, **_):
    """LL-R with C by the clean images' annotation F@k (tune_C_clean)."""
    return fit_clean_tuned(train_llr, X, Y, X_clean, Z_clean)


def fit_lr_clean(X, Z, *, seed, **_):
    """LR on all clean training labels (C by inner CV on Z): the ceiling."""
    return fit_tuned(train_lr, X, Z, seed=seed)[0]


class Skipped(Exception):
    """A contender that cannot run here (e.g. a class not yet in skrobust)."""


def rlr_contender(params, *, cv=False, note=None, effort=False):
    """A contender for ``RobustLogisticRegression(**params)``, or with ``cv``
    ``RobustLogisticRegressionCV(**params)``, seeded per split. The registry's RLR
    settings and run_quality's ``--rlr`` (a setting tried without editing this
    registry) are made here; ``params`` must be JSON-like. With ``effort`` the fit
    gets ``tag_effort``, each training image's count of vocabulary tags (the runner
    passes the split's ``n_tags``; data sets without it skip the contender)."""
    from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV

    estimator = RobustLogisticRegressionCV if cv else RobustLogisticRegression
    estimator(**params)  # a misspelt parameter fails here, not per split

    def fit(X, Y, *, seed, tag_effort=None, **_):
        if effort and tag_effort is None:
            raise Skipped("this data set has no tag counts (tag_effort)")
        model = estimator(**{"random_state": seed, **params})
        return model.fit(X, Y, tag_effort=tag_effort) if effort else model.fit(X, Y)

    return Contender(fit, uses_effort=effort, note=note or f"{estimator.__name__}(**{params})"
                     + (", tag_effort" if effort else ""))


_CLUSTER = []  # the (cluster, client) of fit_rlr_default_on_dask, started once


def fit_rlr_default_on_dask(X, Y, *, seed, **_):
    """RobustLogisticRegression() defaults trained on dask arrays (8 row blocks, 4
    per worker) on a LocalCluster of 2 worker processes, one thread each, started at
    the first fit and kept for the process: the default solver then trains one chain
    of minibatches per worker each epoch and averages them. Against ``rlr_default``
    on the same splits: what training on a cluster costs in quality."""
    import atexit

    import dask.array as da
    from distributed import Client, LocalCluster

    from skrobust import RobustLogisticRegression

    if not _CLUSTER:
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                               dashboard_address=":0")
        _CLUSTER.extend([cluster, Client(cluster)])
        _CLUSTER[1].wait_for_workers(2)
        atexit.register(lambda: (_CLUSTER[1].close(), _CLUSTER[0].close()))
    with _CLUSTER[1].as_current():
        rows = -(-X.shape[0] // 8)
        return RobustLogisticRegression(random_state=seed).fit(
            da.from_array(X, chunks=(rows, -1)), da.from_array(Y, chunks=(rows, -1)))


def fit_rlr_clean_prior(X, Y, *, seed, Y_clean=None, Z_clean=None, **_):
    """RLR defaults, with each tag's pi prior the Beta posterior from the clean images
    (skrobust.noise_prior_from_clean): what a user with a small curated set can do."""
    from skrobust import RobustLogisticRegression, noise_prior_from_clean

    prior = noise_prior_from_clean(Y_clean, Z_clean)
    return RobustLogisticRegression(pi_prior=prior.pi_prior, random_state=seed).fit(X, Y)


def fit_rlr_clean_pi(X, Y, *, seed, Y_clean=None, Z_clean=None, **_):
    """RLR defaults with pi fixed (``learn_pi=False``) at each tag's posterior mean from
    the clean images (skrobust.noise_prior_from_clean): pi is not learned at all."""
    from skrobust import RobustLogisticRegression, noise_prior_from_clean

    prior = noise_prior_from_clean(Y_clean, Z_clean)
    return RobustLogisticRegression(pi_init=prior.pi, learn_pi=False,
                                    random_state=seed).fit(X, Y)


@dataclass(frozen=True)
class Contender:
    """A registry entry.

    Attributes
    ----------
    fit : callable
        ``fit(X_train, T_train, *, seed, X_clean=None, Z_clean=None, Y_clean=None)``.
    target : {"tags", "clean"}
        What the runner passes as the training target: the noisy tags Y_train, or
        (the ceiling only) the clean labels Z_train.
    uses_clean : bool
        Also pass the clean calibration images (X_clean, Z_clean, Y_clean), which
        are the first rows of the training set.
    uses_effort : bool
        Also pass ``tag_effort``: each training image's count of vocabulary tags
        (the split's ``n_tags``), or None where the data set has none.
    note : str
    """

    fit: callable
    target: str = "tags"
    uses_clean: bool = False
    uses_effort: bool = False
    note: str = ""


CONTENDERS = {
    "lr": Contender(fit_lr, note="L2 LR per tag on the tags"),
    "lr_balanced": Contender(fit_lr_balanced, note='L2 LR, class_weight="balanced"'),
    "elkan_noto": Contender(fit_elkan_noto, note="LR on tags / c_t (Elkan & Noto 2008)"),
    "elkan_noto_nll": Contender(fit_elkan_noto_nll, note="Elkan & Noto, C by held-out log-loss of y"),
    "wan": Contender(fit_wan, note="weak assume-negative, 1/(L-1) (Cole et al. 2021)"),
    "epr": Contender(fit_epr, note="expected positive reg., k = mean #tags (Cole et al. 2021)"),
    "em": Contender(fit_em, note=f"entropy maximisation, alpha={EM_ALPHA} (Zhou et al. 2022)"),
    "llr": Contender(fit_llr, note=f"large-loss rejection, delta={LLR_DELTA:g}, {LLR_ROUNDS} rounds (Kim et al. 2022)"),
    # the same three with C by the clean images' annotation F@5: by the tags' per-tag
    # AUC (above) they chose the grid's strongest edge at scale (RESULTS.md)
    "epr_clean": Contender(fit_epr_clean, uses_clean=True,
                           note="EPR, C by the clean images' F@5"),
    "em_clean": Contender(fit_em_clean, uses_clean=True,
                          note="EM, C by the clean images' F@5"),
    "llr_clean": Contender(fit_llr_clean, uses_clean=True,
                           note="LL-R, C by the clean images' F@5"),
    "lr_clean": Contender(fit_lr_clean, target="clean", note="L2 LR on all clean training labels (ceiling)"),
    "rlr_default": rlr_contender({}, note="RobustLogisticRegression() defaults (alpha='auto')"),
    "rlr_default_dask": Contender(fit_rlr_default_on_dask,
                                  note="the defaults on dask arrays, 2 workers (averaged epochs)"),
    "rlr_pi_auto": rlr_contender({"pi_method": "auto"},
                                 note="defaults, pi_method='auto' (Elkan & Noto's pi, held)"),
    "rlr_pi_em": rlr_contender({"pi_method": "em"},
                               note="defaults but pi learned by EM (the default until 2026-12-04)"),
    # the fixed strength that was the default before alpha="auto"
    "rlr_1e-4": rlr_contender({"alpha": 1e-4}, note="RobustLogisticRegression(alpha=1e-4)"),
    # early stopping: the epoch chosen by the held-out observed-data likelihood of 10%
    # of the noisy training tags
    "rlr_early": rlr_contender({"early_stopping": True},
                               note="RobustLogisticRegression(early_stopping=True)"),
    "rlr_cv": rlr_contender({}, cv=True, note="RobustLogisticRegressionCV() defaults"),
    "rlr_clean_pi": Contender(fit_rlr_clean_pi, uses_clean=True,
                              note="RLR, pi fixed at its clean-image posterior mean"),
    # the strength and the number of epochs chosen together (the default since
    # 2026-12-04, by the held-out tags' AUC; before, by their likelihood and off)
    "rlr_cv_epochs": rlr_contender({"choose_max_iter": True}, cv=True,
                                   note="RobustLogisticRegressionCV(choose_max_iter=True)"),
    "rlr_cv_tag": rlr_contender({"alpha_per_tag": True}, cv=True,
                                note="RobustLogisticRegressionCV(alpha_per_tag=True)"),
    "rlr_clean_prior": Contender(fit_rlr_clean_prior, uses_clean=True,
                                 note="RLR defaults, pi prior from the clean images"),
    # pi per effort bin (the uploader's tag count; mirflickr12k has it)
    "rlr_effort": rlr_contender({}, effort=True,
                                note="RobustLogisticRegression() defaults, tag_effort"),
}
