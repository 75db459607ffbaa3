"""skrobust.predict_tag_proba: tag-suggestion probabilities through Pipelines and searches."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression, predict_tag_proba
from skrobust.datasets import make_tagged_classification


@pytest.fixture(scope="module")
def unscaled():
    X, Y, _ = make_tagged_classification(
        n_samples=1000, n_features=6, n_tags=3, pi=0.4, random_state=0
    )
    return 50 * X + 20, Y


def _fit(model, X, Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, Y)


def test_pipeline_transforms_before_the_model(unscaled):
    X, Y = unscaled
    pipe = _fit(make_pipeline(StandardScaler(), RobustLogisticRegression(max_iter=5)), X, Y)
    expected = pipe[-1].predict_tag_proba(pipe[0].transform(X))
    np.testing.assert_array_equal(predict_tag_proba(pipe, X), expected)
    # What the README once did: the bare model on raw features, far from it.
    assert np.abs(pipe[-1].predict_tag_proba(X) - expected).max() > 0.1


def test_nested_pipelines_passthrough_and_searches(unscaled):
    X, Y = unscaled
    inner = Pipeline([("skip", "passthrough"), ("model", RobustLogisticRegression(max_iter=5))])
    pipe = _fit(Pipeline([("scale", StandardScaler()), ("inner", inner)]), X, Y)
    expected = pipe[-1][-1].predict_tag_proba(pipe[0].transform(X))
    np.testing.assert_array_equal(predict_tag_proba(pipe, X), expected)
    search = _fit(GridSearchCV(pipe, {"inner__model__alpha": [1e-4, 1e-2]}, cv=2), X, Y)
    best = search.best_estimator_
    np.testing.assert_array_equal(predict_tag_proba(search, X), predict_tag_proba(best, X))
    bare = _fit(RobustLogisticRegression(max_iter=5), X, Y)
    np.testing.assert_array_equal(predict_tag_proba(bare, X), bare.predict_tag_proba(X))


def test_a_model_without_a_noise_model_is_refused(unscaled):
    X, Y = unscaled
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y[:, 0])
    with pytest.raises(TypeError, match="Pipeline has no predict_tag_proba"):
        predict_tag_proba(pipe, X)
