"""skrobust.experiments._tuned_lr: the experiments' tuned plain-LR baseline."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from skrobust.experiments._tuned_lr import C_GRID, TunedLogisticRegression, _fit_shared_C
from skrobust.datasets import make_tagged_classification


def test_row_space_fit_equals_the_direct_fit():
    # Fewer rows than features: the reduced fit must give sklearn's own solution.
    rng = np.random.RandomState(0)
    X = rng.randn(40, 60)
    T = (X[:, :2] + 0.3 * rng.randn(40, 2) > 0).astype(int)
    coef, intercept = _fit_shared_C(X, T, C=0.1)
    for t in range(2):
        direct = LogisticRegression(C=0.1, class_weight="balanced", max_iter=5000,
                                    tol=1e-10).fit(X, T[:, t])
        # Equal up to the reduced fit's lbfgs tolerance (sklearn's default 1e-4).
        np.testing.assert_allclose(X @ coef[t] + intercept[t],
                                   direct.decision_function(X), atol=2e-3)


def test_chooses_C_by_inner_cv_and_predicts_probabilities():
    X, Y, _ = make_tagged_classification(n_samples=300, n_features=8, n_tags=4, pi=0.5,
                                         random_state=0)
    model = TunedLogisticRegression(random_state=0).fit(X, Y)
    assert model.C_ in C_GRID
    assert model.cv_scores_.shape == C_GRID.shape
    # The weakest penalty within noise of the best: never stronger than the argmax.
    assert model.C_ >= C_GRID[np.argmax(model.cv_scores_)]
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba > 0) & (proba < 1))
    # Separable signal: the chosen model ranks tagged images above untagged ones.
    assert model.cv_scores_.max() > 0.8


def test_a_tag_without_positives_is_constant():
    rng = np.random.RandomState(1)
    X = rng.randn(60, 5)
    T = np.column_stack([(X[:, 0] > 0).astype(int), np.zeros(60, dtype=int)])
    model = TunedLogisticRegression(random_state=0).fit(X, T)
    assert np.all(model.coef_[1] == 0) and model.predict_proba(X)[:, 1].max() < 1e-10
