"""Data sets of the quality benchmark: noisy tags Y to train on, clean labels Z to score.

Each loader returns a list of *splits*. A split is a Bunch with the arrays of its own
universe (``X`` float32, ``Y`` noisy 0/1 int8, ``Z`` clean 0/1 int8, ``tag_names``),
the row indices ``train``, ``test`` and ``clean`` (the clean calibration images, a
subset of ``train``, which comes first in ``train``), and ``true_pi`` (the simulated
P(tag | label) per tag, or None where it is only measurable). MIRFLICKR and scene
splits share one X/Y/Z (no copies); each Corel16k split is one of its 10 samples,
which have different images and label vocabularies.

Tags of scene and Corel16k are simulated from their clean labels at the per-concept
rates measured on MIRFLICKR-25k's 20,015 images (``docs/results/tag_noise.json``,
name + synonyms concept map), so the simulated noise is as uneven across labels as
real Flickr tags.
"""

import json
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

from _head import fit_linear_head, sigmoid, weighted_bce

ROOT = Path(__file__).resolve().parents[2]
# The shared data sit beside the checkout: <repo>/../shared/data.
DATA = ROOT.parent / "shared" / "data"
MIRFLICKR_FEATURES = DATA / "mirflickr25k" / "features" / "effnetlite0_thumb128.npy"
TAG_NOISE = ROOT / "docs" / "results" / "tag_noise.json"
#: Logit slope of the image-dependent omission model, P(tag | z=1, x) = sigmoid(a + b u(x)).
IMAGE_SLOPE = 1.5


# ------------------------------------------------------------------ noise simulation


def measured_rates(path=TAG_NOISE):
    """MIRFLICKR's per-concept P(tag | present) and P(tag | absent), synonyms map.

    Returns
    -------
    concepts : list of str
    tag_given_present, tag_given_absent : ndarray of shape (24,)
    """
    noise = json.loads(Path(path).read_text())["tag_noise_name_synonyms"]
    return (
        list(noise["concepts"]),
        np.asarray(noise["tag_given_present"], dtype=np.float64),
        np.asarray(noise["tag_given_absent"], dtype=np.float64),
    )


def assign_rates(n_labels, seed):
    """Per-label (pi, false-tag rate), borrowed from MIRFLICKR's concepts.

    Label j gets the rates of concept ``perm[j mod 24]``, ``perm`` a permutation of
    the 24 concepts seeded by ``seed``: every label gets one real concept's pair of
    rates (so the spread across labels is real), and which label gets which is
    arbitrary, since the labels of scene/Corel16k are not MIRFLICKR's concepts.
    """
    concepts, present, absent = measured_rates()
    perm = np.random.default_rng(seed).permutation(len(concepts))
    chosen = perm[np.arange(n_labels) % len(concepts)]
    return present[chosen], absent[chosen], [concepts[c] for c in chosen]


def clean_lr_scores(X, Z, seed, C=1.0):
    """Cross-fitted (2 folds) log-odds of an L2 LR fitted on the clean labels.

    Each image's score comes from the model fitted on the other fold, so the score
    that drives its omission is not fitted to its own label.
    """
    X = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64))
    scores = np.zeros(Z.shape)
    for fit_rows, score_rows in KFold(2, shuffle=True, random_state=seed).split(X):
        Zf = Z[fit_rows].astype(np.float64)
        coef, intercept, _ = fit_linear_head(
            X[fit_rows], lambda S, Zf=Zf: weighted_bce(S, Zf, 1.0, 1.0), C, Z.shape[1],
            maxiter=300,
        )
        scores[score_rows] = X[score_rows] @ coef.T + intercept
    return scores


def _image_intercept(u, pi):
    """a with mean(sigmoid(a + b u)) = pi over the given positives' scores u."""
    if u.size == 0 or pi <= 0:
        return -np.inf
    f = lambda a: sigmoid(a + IMAGE_SLOPE * u).mean() - pi  # noqa: E731
    return brentq(f, -60.0, 60.0, xtol=1e-10)


def simulate_tags(X, Z, pi, false_rate, omission, seed):
    """Noisy tags from clean labels.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Features (used only by ``omission="image"``).
    Z : ndarray of shape (n, L)
        Clean 0/1 labels.
    pi : ndarray of shape (L,)
        Mean P(tag | label present) per label.
    false_rate : ndarray of shape (L,)
        P(tag | label absent) per label.
    omission : {"random", "image"}
        "random": each true label is kept with probability ``pi_t``. "image":
        with probability ``sigmoid(a_t + 1.5 u_t(x))``, ``u_t`` the standardized
        cross-fitted clean-LR score of label t, ``a_t`` solved so that the mean over
        the label's positives is ``pi_t`` (confident, typical images get tagged more
        often, as on Flickr). False tags are added at ``false_rate`` in both.
    seed : int

    Returns
    -------
    Y : ndarray of shape (n, L), int8
    """
    rng = np.random.default_rng(seed)
    Z = np.asarray(Z, dtype=np.int8)
    if omission == "random":
        keep_prob = np.broadcast_to(pi, Z.shape)
    elif omission == "image":
        scores = clean_lr_scores(X, Z, seed)
        u = (scores - scores.mean(axis=0)) / np.maximum(scores.std(axis=0), 1e-12)
        keep_prob = np.zeros(Z.shape)
        for t in range(Z.shape[1]):
            pos = Z[:, t] == 1
            a = _image_intercept(u[pos, t], pi[t])
            keep_prob[:, t] = sigmoid(a + IMAGE_SLOPE * u[:, t]) if np.isfinite(a) else 0.0
    else:
        raise ValueError(f"omission must be 'random' or 'image', got {omission!r}.")
    draw = rng.random(Z.shape)
    kept = (Z == 1) & (draw < keep_prob)
    added = (Z == 0) & (draw < false_rate)  # one uniform per entry: z decides which test applies
    return (kept | added).astype(np.int8)


# -------------------------------------------------------------------------- loaders


def _split(X, Y, Z, tag_names, train, test, n_clean, true_pi, name):
    train = np.asarray(train, dtype=np.int64)
    return Bunch(
        name=name, X=X, Y=Y, Z=Z, tag_names=list(tag_names), train=train,
        test=np.asarray(test, dtype=np.int64), clean=train[:n_clean],
        true_pi=None if true_pi is None else np.asarray(true_pi, dtype=np.float64),
    )


def load_mirflickr(n_splits=20):
    """The 730 embedded MIRFLICKR photos: real user tags, manual labels.

    Splits: ``ShuffleSplit(train_size=511, test_size=219, random_state=s)`` for
    s = 0..n_splits-1; the clean set is the first 50 shuffled training images.
    ``true_pi`` is None: the pi reference is measured on each training split.
    """
    from skrobust.experiments._demo_data import load_mirflickr_subset_demo

    b = load_mirflickr_subset_demo()
    X = np.asarray(b.X, dtype=np.float32)
    Y = np.asarray(b.Y, dtype=np.int8)
    Z = np.asarray(b.Z, dtype=np.int8)
    splits = []
    for s in range(n_splits):
        (train, test), = ShuffleSplit(1, train_size=511, test_size=219, random_state=s).split(X)
        splits.append(_split(X, Y, Z, b.tag_names, train, test, 50, None, f"mirflickr/{s}"))
    return splits


def load_mirflickr12k(n_splits=10, features=MIRFLICKR_FEATURES):
    """The at-scale real set: 12,541 MIRFLICKR photos (CNN features of 128-px
    thumbnails, ``../shared/data/mirflickr25k/features``), real user tags mapped to the
    24 concepts (name + synonyms map, as the embedded photos), manual labels.

    Splits: ``ShuffleSplit(train_size=0.7, test_size=0.3, random_state=s)`` for
    s = 0..n_splits-1; the clean set is the first 50 shuffled training images (what
    a user could check by hand). ``true_pi`` is None (measured per training split);
    ``n_tags`` holds each image's number of vocabulary tags (the tagging effort).
    """
    from skrobust.datasets import load_mirflickr_features
    from skrobust.experiments._demo_data import _concept_map, concept_tags_and_positions

    mir = load_mirflickr_features(features, data_home=DATA / "mirflickr25k")
    Y, _ = concept_tags_and_positions(mir.tags, _concept_map("synonyms"), [])
    X = np.asarray(mir.data, dtype=np.float32)
    Z = np.asarray(mir.target, dtype=np.int8)
    splits = []
    for s in range(n_splits):
        (train, test), = ShuffleSplit(1, train_size=0.7, test_size=0.3, random_state=s).split(X)
        split = _split(X, Y, Z, mir.target_names, train, test, 50, None, f"mirflickr12k/{s}")
        split.n_tags = mir.n_tags
        splits.append(split)
    return splits


def load_scene(n_splits=10, omission="random", seed=0):
    """MULAN scene (2,407 images, 294 features, 6 labels) with simulated tags.

    Tags are simulated once for the whole set (``seed``), then split:
    ``ShuffleSplit(train_size=0.7, test_size=0.3, random_state=s)``; the clean set is
    the first 10% of the shuffled training images.
    """
    from skrobust.datasets import load_mulan_scene

    scene = load_mulan_scene(DATA / "mulan-scene", subset="all")
    X = np.asarray(scene.data, dtype=np.float32)
    Z = np.asarray(scene.target, dtype=np.int8)
    pi, false_rate, _ = assign_rates(Z.shape[1], seed)
    Y = simulate_tags(X, Z, pi, false_rate, omission, seed)
    splits = []
    for s in range(n_splits):
        (train, test), = ShuffleSplit(1, train_size=0.7, test_size=0.3, random_state=s).split(X)
        n_clean = max(1, int(round(0.1 * len(train))))
        splits.append(_split(X, Y, Z, scene.target_names, train, test, n_clean, pi,
                             f"scene-{omission}/{s}"))
    return splits


def _corel_label_count(xml_path):
    return Path(xml_path).read_text().count("<label ")


def load_corel16k(n_splits=10, omission="random", seed=0, min_positives=10):
    """Corel16k's 10 samples, one split each, with simulated tags.

    Inside sample s: ``ShuffleSplit(train_size=0.7, test_size=0.3,
    random_state=s)``; labels with fewer than ``min_positives`` clean positives in
    the training part are dropped; the clean set is the first 10% of the shuffled
    training images; rates are assigned to the kept labels with seed ``seed + s``.
    """
    from skrobust.datasets._mulan import _read_arff

    folder = DATA / "mulan-corel16k"
    splits = []
    for s in range(n_splits):
        stem = folder / f"Corel16k{s + 1:03d}"
        n_labels = _corel_label_count(stem.with_suffix(".xml"))
        X, Z, names = _read_arff(folder / f"{stem.name}-test.arff", n_labels)
        (train, test), = ShuffleSplit(1, train_size=0.7, test_size=0.3, random_state=s).split(X)
        keep = Z[train].sum(axis=0) >= min_positives
        Z = np.ascontiguousarray(Z[:, keep])
        names = [n for n, k in zip(names, keep) if k]
        pi, false_rate, _ = assign_rates(Z.shape[1], seed + s)
        Y = simulate_tags(X, Z, pi, false_rate, omission, seed + s)
        n_clean = max(1, int(round(0.1 * len(train))))
        splits.append(_split(X.astype(np.float32), Y, Z, names, train, test, n_clean, pi,
                             f"corel16k-{omission}/{s}"))
    return splits


def load(name, n_splits=None, omission="random"):
    """Splits of a benchmark data set by name ("mirflickr", "mirflickr12k", "scene",
    "corel16k")."""
    if name == "mirflickr":
        return load_mirflickr(20 if n_splits is None else n_splits)
    if name == "mirflickr12k":
        return load_mirflickr12k(10 if n_splits is None else n_splits)
    if name == "scene":
        return load_scene(10 if n_splits is None else n_splits, omission)
    if name == "corel16k":
        return load_corel16k(10 if n_splits is None else min(n_splits, 10), omission)
    raise ValueError(f"unknown data set {name!r}.")


def split_arrays(split, standardize=True):
    """The split's training/test/clean arrays, features standardized on training rows.

    Returns
    -------
    Bunch with X_train, Y_train, Z_train, X_test, Y_test, Z_test, X_clean, Y_clean,
    Z_clean (the clean rows are the first ``len(split.clean)`` training rows).
    """
    X_train, X_test = split.X[split.train], split.X[split.test]
    if standardize:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    n_clean = len(split.clean)
    Y_train, Z_train = split.Y[split.train], split.Z[split.train]
    return Bunch(
        X_train=X_train, Y_train=Y_train, Z_train=Z_train,
        X_test=X_test, Y_test=split.Y[split.test], Z_test=split.Z[split.test],
        X_clean=X_train[:n_clean], Y_clean=Y_train[:n_clean], Z_clean=Z_train[:n_clean],
    )
