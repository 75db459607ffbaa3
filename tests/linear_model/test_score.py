"""RobustLogisticRegression.score: the tags' held-out log-likelihood, so that a grid
search without ``scoring`` chooses well."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.metrics import annotation_f1


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(n_samples=4000, n_features=20, n_tags=8, pi=0.3,
                                         random_state=0)
    return X[:3000], Y[:3000], X[3000:], Z[3000:]


def test_score_is_the_mean_log_likelihood_per_example_and_tag(tagged):
    X, Y, _, _ = tagged
    model = RobustLogisticRegression(alpha=1e-2, max_iter=5, tol=None, random_state=0)
    model.fit(X, Y)
    expected = model.tag_log_likelihood(X, Y).sum() / Y.size
    assert model.score(X, Y) == pytest.approx(expected, rel=1e-10)
    weights = np.arange(len(X)) % 3
    weighted = model.tag_log_likelihood(X, Y, sample_weight=weights).sum()
    assert model.score(X, Y, sample_weight=weights) == pytest.approx(
        weighted / (weights.sum() * Y.shape[1]), rel=1e-10)
    assert model.score(X, Y) < 0


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
