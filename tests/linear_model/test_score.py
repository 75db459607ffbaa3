"""RobustLogisticRegression.score: the mean per-image ROC AUC of the observed tags
ranked by P(true | x), so that a grid search without ``scoring`` chooses well."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.metrics import annotation_f1


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(n_samples=4000, n_features=20, n_tags=8, pi=0.3,
                                         random_state=0)
    return X[:3000], Y[:3000], X[3000:], Z[3000:]


def test_score_is_the_weighted_mean_per_image_auc(tagged):
    X, Y, _, _ = tagged
    model = RobustLogisticRegression(alpha=1e-2, max_iter=5, tol=None, random_state=0)
    model.fit(X, Y)
    P = model.predict_proba(X)  # as annotation ranks an image's tags, not P(tag | x)
    assert not np.allclose(model.pi_, model.pi_[0])  # which would reorder them
    ranked = (Y.sum(axis=1) > 0) & (Y.sum(axis=1) < Y.shape[1])
    auc = np.array([roc_auc_score(Y[i], P[i]) if ranked[i] else 0.0 for i in range(len(Y))])
    weights = np.arange(len(X)) % 3
    assert model.score(X, Y) == pytest.approx(auc[ranked].mean(), rel=1e-10)
    assert model.score(X, Y, sample_weight=weights) == pytest.approx(
        (weights * auc)[ranked].sum() / weights[ranked].sum(), rel=1e-10)
    # Images with no tag, or with every tag, have nothing to rank.
    assert model.score(X[:3], np.zeros((3, Y.shape[1]), dtype=int)) == 0.5
    assert model.score(X[:3], np.ones((3, Y.shape[1]), dtype=int)) == 0.5


def test_binary_score_is_the_tags_auc_across_images(tagged):
    X, Y, _, _ = tagged
    model = RobustLogisticRegression(alpha=1e-2, max_iter=5, tol=None, random_state=0)
    model.fit(X, Y[:, 0])
    assert model.score(X, Y[:, 0]) == pytest.approx(
        roc_auc_score(Y[:, 0], model.decision_function(X)), rel=1e-10)
    assert model.score(X[:5], np.zeros(5, dtype=int)) == 0.5


def test_grid_search_without_scoring_picks_a_model_near_the_best(tagged):
    """Against the true labels, the strength GridSearchCV chooses by default is within
    2 F@2 of the grid's best; accuracy against the noisy tags (ClassifierMixin's
    score, the default before) chose alpha=1, which predicts almost no tag."""
    X, Y, X_test, Z_test = tagged
    grid = {"alpha": [1e-4, 1e-2, 1e-1, 1.0, 10.0]}
    base = RobustLogisticRegression(max_iter=20, random_state=0)
    f1 = {a: annotation_f1(Z_test, base.set_params(alpha=a).fit(X, Y).predict_proba(X_test),
                           k=2) for a in grid["alpha"]}
    search = GridSearchCV(RobustLogisticRegression(max_iter=20, random_state=0), grid,
                          cv=3).fit(X, Y)
    assert f1[search.best_params_["alpha"]] >= max(f1.values()) - 0.02
    by_accuracy = GridSearchCV(
        RobustLogisticRegression(max_iter=20, random_state=0), grid, cv=3,
        scoring=lambda est, X, y: accuracy_score(y, est.predict(X)),
    ).fit(X, Y)
    assert f1[by_accuracy.best_params_["alpha"]] < max(f1.values()) - 0.02


@pytest.mark.parametrize("pi_method", [
    "auto",
    pytest.param("em", marks=pytest.mark.xfail(strict=True, reason=(
        "Known gap: with EM's pi the default score (each image's tags ranked by P(true "
        "| x)) chose alpha='auto' on this split, F@5 34.9 against the grid's best 37.6 "
        "(1e-3); on 8 splits 1.0 below the best on average (6 within 2 points). Ranked "
        "by P(tag | x) it chose 0.01 here (36.0)."))),
])
def test_grid_search_without_scoring_on_the_embedded_photos(pi_method):
    """The issue's test: on the 730 embedded MIRFLICKR photos (511 to train on, split
    0 of the quality benchmark), GridSearchCV over alpha with no scoring argument
    chooses within 2 F@5 of the grid's best against the manual labels. By the tags'
    log-likelihood it chose alpha=1, 9 points below."""
    from sklearn.model_selection import ShuffleSplit

    from skrobust.experiments._demo_data import load_mirflickr_subset_demo

    data = load_mirflickr_subset_demo()
    X = np.asarray(data.X, dtype=np.float32)
    (train, test), = ShuffleSplit(1, train_size=511, test_size=219, random_state=0).split(X)
    scaler = StandardScaler().fit(X[train])
    X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
    Y_train, Z_test = np.asarray(data.Y)[train], np.asarray(data.Z)[test]
    grid = {"alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1.0, "auto"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        f1 = {str(a): annotation_f1(Z_test, RobustLogisticRegression(
            alpha=a, pi_method=pi_method, random_state=0).fit(X_train, Y_train)
            .predict_proba(X_test), k=5) for a in grid["alpha"]}
        search = GridSearchCV(RobustLogisticRegression(pi_method=pi_method, random_state=0),
                              grid, cv=3)
        search.fit(X_train, Y_train)
    assert f1[str(search.best_params_["alpha"])] >= max(f1.values()) - 0.02
    assert f1["1.0"] < max(f1.values()) - 0.05  # the choice matters here
