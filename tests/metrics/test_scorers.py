"""skrobust.metrics' scorers: in GridSearchCV, the response each uses, through a
Pipeline, k="auto", pickling."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.metrics import (
    SCORERS,
    annotation_f1,
    annotation_f1_scorer,
    annotation_scores,
    make_tag_prediction_scorer,
    retrieval_precision,
    retrieval_precision_scorer,
    tag_prediction_f1,
    tag_prediction_f1_scorer,
    tag_prediction_scores,
)


# ------------------------------------------------------------------ scorers


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(
        n_samples=300, n_features=6, n_tags=8, pi=0.6, random_state=0
    )
    return X, Y, Z


def test_scorers_in_grid_search(tagged):
    X, Y, _ = tagged
    search = GridSearchCV(
        RobustLogisticRegression(max_iter=3, tol=None, random_state=0),
        {"alpha": [1e-4, 1e-1]},
        scoring=SCORERS,
        refit="annotation_f1",
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        search.fit(X, Y)
    for name in SCORERS:
        values = search.cv_results_[f"mean_test_{name}"]
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1)), name
    assert search.best_params_["alpha"] in (1e-4, 1e-1)


def test_scorers_use_the_right_response(tagged):
    X, Y, Z = tagged  # 8 tags: k="auto" is 4
    model = RobustLogisticRegression(max_iter=3, tol=None, random_state=0).fit(X, Y)
    assert tag_prediction_f1_scorer(model, X, Y) == pytest.approx(
        tag_prediction_scores(Y, model.predict_tag_proba(X), k=4).f1
    )
    assert annotation_f1_scorer(model, X, Z) == pytest.approx(
        annotation_scores(Z, model.predict_proba(X), k=4).f1
    )
    assert retrieval_precision_scorer(model, X, Z) == pytest.approx(
        retrieval_precision(Z, model.predict_proba(X), query_sizes=(1,)).precision[1]
    )


def test_tag_prediction_scorers_look_through_a_pipeline(tagged):
    """A Pipeline has no predict_tag_proba: the scorers once fell back to its
    predict_proba (P(true label)) and scored the wrong probability without a word."""
    X, Y, _ = tagged
    X = 10 * X + 3  # far from standardised, so skipping the scaler would show
    pipe = make_pipeline(
        StandardScaler(), RobustLogisticRegression(max_iter=3, tol=None, random_state=0)
    ).fit(X, Y)
    tag_proba = pipe[-1].predict_tag_proba(pipe[0].transform(X))
    assert not np.allclose(tag_proba, pipe.predict_proba(X))
    for name in ("tag_prediction_f1", "tag_prediction_precision", "tag_prediction_recall"):
        expected = getattr(tag_prediction_scores(Y, tag_proba, k=4), name.rsplit("_", 1)[1])
        assert SCORERS[name](pipe, X, Y) == pytest.approx(expected), name
    assert tag_prediction_f1_scorer(pipe, X, Y) != pytest.approx(
        tag_prediction_scores(Y, pipe.predict_proba(X), k=4).f1
    )
    # A classifier without a noise model is scored by its predict_proba: its
    # probability of the tags it was trained on.
    plain = make_pipeline(StandardScaler(), MultiOutputClassifier(LogisticRegression()))
    plain.fit(X, Y)
    proba = np.column_stack([p[:, 1] for p in plain.predict_proba(X)])
    k_scorer = make_tag_prediction_scorer(tag_prediction_f1, k=3)
    assert k_scorer(_StackedProba(plain), X, Y) == pytest.approx(
        tag_prediction_scores(Y, proba, k=3).f1
    )


class _StackedProba:
    """A multi-label classifier's per-tag P(1) as one (n, n_tags) array."""

    def __init__(self, model):
        self.model = model

    def predict_proba(self, X):
        return np.column_stack([p[:, 1] for p in self.model.predict_proba(X)])


def test_k_equal_to_the_number_of_tags_warns_and_larger_raises():
    Y = np.array([[1, 0, 1], [0, 1, 0]])
    S = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3]])
    for function in (tag_prediction_scores, annotation_scores):
        with pytest.warns(UndefinedMetricWarning, match="every model gets the same score"):
            function(Y, S, k=3)
        with pytest.raises(ValueError, match="larger than the number of tags"):
            function(Y, S, k=4)


@pytest.mark.parametrize("n_tags, k", [(2, 1), (3, 1), (5, 2), (9, 4), (10, 5), (81, 5)])
def test_auto_k_is_at_most_half_the_tags(n_tags, k):
    rng = np.random.RandomState(0)
    Y = (rng.rand(40, n_tags) < 0.3).astype(int)
    Y[0] = 1
    S = rng.rand(40, n_tags)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        assert annotation_f1(Y, S) == annotation_scores(Y, S, k=k).f1
        assert tag_prediction_f1(Y, S) == tag_prediction_scores(Y, S, k=k).f1


def test_user_guide_grid_search_on_five_tags_picks_a_meaningful_model():
    """The user guide's recipe on the README's data (5 tags). At k=5 every candidate
    once got the same annotation F (every tag of every image selected); at k=4 they
    differ only in the fourth decimal. With k="auto" (2 here) the scores spread and
    the noise model, which is right for these tags, is chosen."""
    X, Y, _ = make_tagged_classification(n_samples=3000, n_tags=5, pi=0.3, random_state=0)
    search = GridSearchCV(
        RobustLogisticRegression(random_state=0),
        {"alpha": [1e-4, 1e-3, 1e-2], "noise": ["missing", "none"]},
        scoring={name: SCORERS[name] for name in ("annotation_f1", "retrieval_precision")},
        refit="annotation_f1",
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        search.fit(X, Y)
    f1 = search.cv_results_["mean_test_annotation_f1"]
    assert f1.max() - f1.min() > 1e-3
    assert search.best_params_["noise"] == "missing"


def test_scorers_pickle():
    for scorer in SCORERS.values():
        assert repr(pickle.loads(pickle.dumps(scorer))) == repr(scorer)
    assert repr(SCORERS["tag_prediction_f1"]) == "tag_prediction_scorer(tag_prediction_f1)"
