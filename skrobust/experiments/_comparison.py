"""The paper's experiments as functions: noisy tags vs clean labels, over random splits.

Izadinia et al. ("Image Classification and Retrieval from User-Supplied Tags") compare
logistic regression (LR) and robust logistic regression (RLR) trained on user tags,
both with and without an intercept calibration on a few clean labels, against LR
trained on clean labels; they check that the learned tagging rates ``pi`` track the
measured ones, and plot the annotation score against the number of clean images.
:func:`run_comparison` does all of this on any data given as features ``X``, noisy
tags ``Y`` and clean labels ``Z`` (one column per tag in both), repeated over random
train/test splits; :func:`run_split` is one split. Results are dataclasses of floats
and arrays with ``to_dict``/``from_dict`` for JSON.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from threadpoolctl import threadpool_limits

from skrobust.experiments._models import _calibrate, _fit, _model_params
from skrobust.experiments._results import ComparisonResult, SplitResult
from skrobust.experiments._scoring import _dense_indicator, measured_pi, score_model
from skrobust.linear_model import RobustLogisticRegression
from skrobust.linear_model._tag_names import default_tag_names, names_from_target
from skrobust.metrics import annotation_scores


def _check_sizes(clean_sizes, n_train):
    sizes = sorted({min(int(s), n_train) for s in clean_sizes})
    if not sizes or sizes[0] < 1:
        raise ValueError(f"clean_sizes must be positive integers, got {clean_sizes!r}.")
    return np.asarray(sizes, dtype=np.int64)


def run_split(
    X, Y, Z, train_index, test_index, *, n_clean=50, clean_sizes=(5, 10, 20, 50, 100, 200),
    k=5, query_sizes=(1, 2, 3), standardize=True, model_params=None,
    prior_strength="auto", seed=0,
):
    """All comparisons on one train/test split.

    On the training images: LR (``noise="none"``) and RLR (``noise="missing"``) are
    trained on the noisy tags ``Y``; each is also calibrated
    (:class:`~skrobust.InterceptCalibrator`) on the clean labels of the first
    ``n_clean`` training images; LR is trained on the clean labels of all training
    images (the supervised reference). Everything is scored on the test images.
    The calibration-size curve repeats the calibration, and the supervised training,
    with the first ``s`` clean training images for each ``s`` in ``clean_sizes``
    (plus all of them).

    Parameters
    ----------
    X : array-like of shape (n_images, n_features)
        Features.
    Y : {array-like, sparse matrix} of shape (n_images, n_tags)
        Noisy 0/1 tags (e.g. user tags mapped to the labelled concepts).
    Z : {array-like, sparse matrix} of shape (n_images, n_tags)
        Clean 0/1 labels of the same tags.
    train_index, test_index : array-like of int
        Rows of the split. The clean calibration images are the first ones of
        ``train_index``: pass it shuffled.
    n_clean : int, default=50
        Clean training images for the calibrated models.
    clean_sizes : tuple of int, default=(5, 10, 20, 50, 100, 200)
        Points of the calibration-size curve; the whole training set is added.
    k : int, default=5
        Cut-off of every score.
    query_sizes : tuple of int, default=(1, 2, 3)
        Retrieval query sizes.
    standardize : bool, default=True
        Scale the features to zero mean and unit variance on the training images.
    model_params : dict, default=None
        Overrides of :class:`~skrobust.RobustLogisticRegression` settings per model,
        ``{"lr": {...}, "rlr": {...}, "lr_clean": {...}}``, on top of
        :func:`default_model_params`.
    prior_strength : float or "auto", default="auto"
        Prior on the calibration offsets (see :class:`~skrobust.InterceptCalibrator`).
    seed : int, default=0
        Seed of the models' shuffling, recorded in the result.

    Returns
    -------
    result : SplitResult

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.experiments import run_split
    >>> X, Y, Z = make_tagged_classification(n_samples=300, n_tags=6, pi=0.4,
    ...                                      random_state=0)
    >>> r = run_split(X, Y, Z, np.arange(200), np.arange(200, 300), n_clean=20,
    ...               clean_sizes=(10, 50), k=2)
    >>> sorted(r.models)
    ['lr', 'lr_calibrated', 'lr_clean', 'rlr', 'rlr_calibrated']
    >>> r.curve_sizes.tolist()
    [10, 50, 200]
    """
    X = np.asarray(X)
    Y = _dense_indicator(Y, "Y")
    Z = _dense_indicator(Z, "Z")
    if not (X.ndim == 2 and X.shape[0] == Y.shape[0] == Z.shape[0] and Y.shape == Z.shape):
        raise ValueError(
            f"X, Y and Z must have one row per image and Y, Z one column per tag; got "
            f"shapes {X.shape}, {Y.shape}, {Z.shape}."
        )
    train = np.asarray(train_index, dtype=np.int64)
    test = np.asarray(test_index, dtype=np.int64)
    if n_clean < 1 or n_clean > len(train):
        raise ValueError(f"n_clean must be in [1, {len(train)}], got {n_clean}.")
    sizes = _check_sizes(tuple(clean_sizes) + (len(train),), len(train))
    params = _model_params(model_params)

    X_train, X_test = X[train], X[test]
    if standardize:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    X_train = X_train.astype(np.float32, copy=False)
    X_test = X_test.astype(np.float32, copy=False)
    Y_train, Z_train, Y_test, Z_test = Y[train], Z[train], Y[test], Z[test]

    def score(model):
        return score_model(model, X_test, Z_test, Y_test, k=k, query_sizes=query_sizes)

    seconds, models = {}, {}
    lr, seconds["lr"] = _fit("lr", params["lr"], X_train, Y_train, seed)
    rlr, seconds["rlr"] = _fit("rlr", params["rlr"], X_train, Y_train, seed)
    clean, seconds["lr_clean"] = _fit("lr_clean", params["lr_clean"], X_train, Z_train, seed)
    models["lr"] = score(lr)
    models["lr_calibrated"] = score(_calibrate(lr, X_train[:n_clean], Z_train[:n_clean], prior_strength))
    models["rlr"] = score(rlr)
    models["rlr_calibrated"] = score(_calibrate(rlr, X_train[:n_clean], Z_train[:n_clean], prior_strength))
    models["lr_clean"] = score(clean)

    curve = {"lr_calibrated": [], "rlr_calibrated": [], "lr_clean": []}
    for size in sizes:
        Xs, Zs = X_train[:size], Z_train[:size]
        for name, model in (("lr_calibrated", lr), ("rlr_calibrated", rlr)):
            proba = _calibrate(model, Xs, Zs, prior_strength).predict_proba(X_test)
            curve[name].append(annotation_scores(Z_test, proba, k=k).f1)
        # A few clean images cannot be cross-validated (folds without a positive):
        # the curve's clean-label models keep the L2 strength that the clean labels
        # of all training images chose.
        small = clean if size == len(train) else RobustLogisticRegression(
            "none", alpha=clean.alpha_, random_state=seed).fit(Xs, Zs)
        curve["lr_clean"].append(annotation_scores(Z_test, small.predict_proba(X_test), k=k).f1)

    pi_true = measured_pi(Y_train, Z_train)
    pi_hat = np.asarray(rlr.pi_, dtype=np.float64)
    both = ~np.isnan(pi_true)
    r = (
        float(np.corrcoef(pi_hat[both], pi_true[both])[0, 1])
        if both.sum() > 1 and np.ptp(pi_hat[both]) > 0 and np.ptp(pi_true[both]) > 0
        else float("nan")
    )
    return SplitResult(
        seed=int(seed), n_train=len(train), n_test=len(test), n_clean=int(n_clean),
        models=models, pi_learned=pi_hat, pi_measured=pi_true, pi_correlation=r,
        curve_sizes=sizes, curve_f1={n: np.asarray(v) for n, v in curve.items()},
        fit_seconds=seconds,
    )


def _run_one(args, kwargs):
    # Each split's matrices are small (hundreds of rows): BLAS threads cost more in
    # synchronisation than they save, and on a shared machine they spin against each
    # other (measured: a 100-epoch fit on 511 x 1280 went from 0.6 s to 4-6 s with
    # two OpenBLAS threads while other processes ran). Parallelism is over splits.
    # The models are the package's defaults on purpose, and their max_iter is the
    # regulariser that works here (more epochs overfit 511 photos): the
    # ConvergenceWarning it raises on most splits is expected, and from joblib's
    # worker processes it would print as raw multi-line warnings.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return run_split(*args, **kwargs)


@validate_params(
    {
        "n_splits": [Interval(Integral, 1, None, closed="left")],
        "train_size": [Interval(Real, 0, 1, closed="neither"),
                       Interval(Integral, 1, None, closed="left")],
        "n_clean": [Interval(Integral, 1, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def run_comparison(
    X, Y, Z, *, n_splits=5, train_size=0.7, n_clean=50,
    clean_sizes=(5, 10, 20, 50, 100, 200), k=5, query_sizes=(1, 2, 3),
    standardize=True, model_params=None, prior_strength="auto", tag_names=None,
    random_state=0, n_jobs=None, progress=None,
):
    """The paper's comparisons over ``n_splits`` random train/test splits.

    Parameters
    ----------
    X : array-like of shape (n_images, n_features)
        Features.
    Y : {array-like, sparse matrix} of shape (n_images, n_tags)
        Noisy 0/1 tags, one column per labelled concept.
    Z : {array-like, sparse matrix} of shape (n_images, n_tags)
        Clean 0/1 labels.
    n_splits : int, default=5
        Random splits (small data is noisy: report the spread).
    train_size : float or int, default=0.7
        Training share (rounded to a count: 0.7 of 730 images is 511) or count.
    n_clean : int, default=50
        Clean training images for calibration.
    clean_sizes : tuple of int, default=(5, 10, 20, 50, 100, 200)
        Points of the calibration-size curve (the full training set is added).
    k : int, default=5
        Cut-off of every score.
    query_sizes : tuple of int, default=(1, 2, 3)
        Retrieval query sizes.
    standardize : bool, default=True
        Standardise features on each split's training images.
    model_params : dict, default=None
        Settings per model (see :func:`run_split`).
    prior_strength : float or "auto", default="auto"
        Prior on the calibration offsets (see :class:`~skrobust.InterceptCalibrator`).
    tag_names : list of str, default=None
        Names of the tags, kept in the result; default the columns of ``Y`` (or
        ``Z``) when it is a pandas DataFrame, else ``tag0, tag1, ...``.
    random_state : int, RandomState instance or None, default=0
        Seeds the splits and the models.
    n_jobs : int, default=None
        Splits run in parallel (joblib); None runs them one after another.
    progress : callable, default=None
        Called as ``progress(message)`` once per finished split.

    Returns
    -------
    result : ComparisonResult

    Examples
    --------
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.experiments import run_comparison
    >>> X, Y, Z = make_tagged_classification(n_samples=300, n_tags=6, pi=0.4,
    ...                                      random_state=0)
    >>> result = run_comparison(X, Y, Z, n_splits=2, n_clean=20, clean_sizes=(10,),
    ...                         k=2, random_state=0)
    >>> len(result.splits)
    2
    >>> mean, std = result.summary()["rlr"]["annotation_f1"]
    >>> 0 <= mean <= 1
    True
    """
    if tag_names is None:  # a DataFrame's columns, else tag0, tag1, ...
        tag_names = names_from_target(Y) or names_from_target(Z)
    X = np.asarray(X)
    Y = _dense_indicator(Y, "Y")
    Z = _dense_indicator(Z, "Z")
    if tag_names is None:
        tag_names = default_tag_names(Z.shape[1])
    if len(tag_names) != Z.shape[1]:
        raise ValueError(f"tag_names has {len(tag_names)} names for {Z.shape[1]} tags.")
    n_images = X.shape[0]
    n_train = train_size
    if isinstance(train_size, Real) and not isinstance(train_size, Integral):
        # Rounded, not floored as ShuffleSplit does: 0.7 of 730 is 511, not 510.
        n_train = int(round(train_size * n_images))
    if not 1 <= n_train < n_images:
        raise ValueError(f"train_size leaves no test image: {n_train} of {n_images}.")
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_splits)
    jobs = []
    for seed in seeds:
        splitter = ShuffleSplit(n_splits=1, train_size=n_train, random_state=seed)
        train, test = next(splitter.split(X))
        kwargs = dict(
            n_clean=n_clean, clean_sizes=clean_sizes, k=k, query_sizes=query_sizes,
            standardize=standardize, model_params=model_params,
            prior_strength=prior_strength, seed=int(seed),
        )
        jobs.append(((X, Y, Z, train, test), kwargs))
    splits = []
    if n_jobs in (None, 1):
        for i, (args, kwargs) in enumerate(jobs):
            splits.append(_run_one(args, kwargs))
            if progress is not None:
                progress(f"split {i + 1}/{n_splits} done")
    else:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        for i, split in enumerate(parallel(delayed(_run_one)(a, kw) for a, kw in jobs)):
            splits.append(split)
            if progress is not None:
                progress(f"split {i + 1}/{n_splits} done")
    settings = dict(
        n_splits=n_splits, train_size=train_size, n_clean=n_clean,
        clean_sizes=list(clean_sizes), k=k, query_sizes=list(query_sizes),
        train_count=n_train,
        standardize=standardize, random_state=random_state if isinstance(
            random_state, Integral) else None,
        model_params=_model_params(model_params), prior_strength=prior_strength,
        n_images=int(X.shape[0]), n_features=int(X.shape[1]), n_tags=int(Z.shape[1]),
    )
    return ComparisonResult(splits=splits, tag_names=list(tag_names), settings=settings)
