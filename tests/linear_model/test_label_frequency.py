"""pi_method: pi estimated before the classifier (Elkan & Noto) and held, or by EM."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust._array_api import to_numpy
from skrobust.datasets import make_tagged_classification

from _shared import fit_without_convergence_warning as _fit, stand_in_device

PI = np.array([0.2, 0.4, 0.6, 0.8])


@pytest.fixture(scope="module")
def separable():
    """Concepts nearly separable from the features: P(true | x) is ~0 or ~1, Elkan &
    Noto's assumption."""
    X, Y, Z = make_tagged_classification(n_samples=4000, n_features=10, n_tags=4, pi=PI,
                                         weight_norm=30.0, random_state=0)
    return X, Y, Z


def test_elkan_noto_orders_the_tags_by_their_pi(separable):
    """A logistic curve cannot level off at pi, so even here the mean P(tag | x) over
    tagged rows falls short of pi, but by less than 0.2 and in the right order; and
    where every true label is tagged (pi = 1) it is close to 1."""
    X, Y, Z = separable
    model = _fit(RobustLogisticRegression(pi_method="elkan_noto", random_state=0), X, Y)
    assert model.pi_method_ == "elkan_noto"
    assert np.all(np.diff(model.pi_) > 0.1)
    assert np.all((model.pi_ < PI) & (model.pi_ > PI - 0.2))
    clean = _fit(RobustLogisticRegression(pi_method="elkan_noto", random_state=0), X, Z)
    assert np.all(clean.pi_ > 0.9)


def test_elkan_noto_is_biased_low_where_classes_overlap():
    """What the docstring warns of: on the model's own overlapping synthetic classes
    EM's pi is closer."""
    X, Y, _ = make_tagged_classification(n_samples=6000, n_features=10, n_tags=4, pi=PI,
                                         random_state=1)
    en = _fit(RobustLogisticRegression(pi_method="elkan_noto", random_state=0), X, Y)
    em = _fit(RobustLogisticRegression(pi_method="em", random_state=0), X, Y)
    assert np.all(en.pi_ < PI)
    assert np.mean(np.abs(em.pi_ - PI)) < np.mean(np.abs(en.pi_ - PI))


def test_pi_is_held_while_the_classifier_trains(separable):
    """More epochs (a warm start) move the weights, never pi; its EM prior is off."""
    X, Y, _ = separable
    model = _fit(RobustLogisticRegression(pi_method="elkan_noto", alpha=1e-3, max_iter=2,
                                          random_state=0), X, Y)
    pi, coef = np.array(model.pi_), np.array(model.coef_)
    _fit(model.set_params(warm_start=True, max_iter=5), X, Y)
    np.testing.assert_array_equal(model.pi_, pi)
    assert not np.allclose(model.coef_, coef)
    assert model.pi_prior_ is None


@pytest.mark.parametrize(
    "params, fit_effort, expected",
    [
        ({}, False, "elkan_noto"),
        ({"pi_method": "em"}, False, "em"),
        ({"noise": "missing+spurious"}, False, "em"),
        ({}, True, "elkan_noto"),  # one rate per effort bin: test_label_frequency_effort
        ({"effort": "other_tags"}, True, "em"),
        ({"learn_pi": False}, False, "fixed"),
        ({"noise": "none"}, False, "fixed"),
        ({"pi_method": None}, False, "elkan_noto"),  # the default
    ],
)
def test_auto_resolves_per_fit(separable, params, fit_effort, expected):
    X, Y, _ = separable
    X, Y = X[:600], Y[:600]
    effort = {"tag_effort": np.asarray(Y).sum(axis=1) + 1} if fit_effort else {}
    params = {"pi_method": "auto", **params}
    if params["pi_method"] is None:
        del params["pi_method"]
    model = _fit(RobustLogisticRegression(max_iter=3, random_state=0, **params), X, Y,
                 **effort)
    assert model.pi_method_ == expected


def test_partial_fit_learns_pi_by_em_under_auto(separable):
    """Streaming sees one chunk at a time, so "auto" is EM there; an explicit
    "elkan_noto" estimates pi on the first chunk and holds it."""
    X, Y, _ = separable
    auto = RobustLogisticRegression(pi_method="auto", random_state=0)
    auto.partial_fit(X[:1000], Y[:1000])
    assert auto.pi_method_ == "em"
    held = RobustLogisticRegression(pi_method="elkan_noto", random_state=0)
    held.partial_fit(X[:1000], Y[:1000])
    first = np.array(held.pi_)
    held.partial_fit(X[1000:2000], Y[1000:2000])
    assert held.pi_method_ == "elkan_noto"
    np.testing.assert_array_equal(held.pi_, first)


def test_sparse_tags_give_the_dense_estimate(separable):
    X, Y, _ = separable
    X, Y = X[:800], Y[:800]
    params = dict(pi_method="elkan_noto", max_iter=3, random_state=0)
    dense = _fit(RobustLogisticRegression(**params), X, Y)
    sparse = _fit(RobustLogisticRegression(**params), sp.csr_matrix(X), sp.csr_matrix(Y))
    np.testing.assert_allclose(sparse.pi_, dense.pi_, rtol=1e-5)


def test_a_tag_never_tagged_keeps_its_start(separable):
    X, Y, _ = separable
    Y = np.array(Y[:600])
    Y[:, 2] = 0
    model = _fit(RobustLogisticRegression(pi_method="elkan_noto", pi_init=0.3, max_iter=3,
                                          random_state=0), X[:600], Y)
    assert model.pi_[2] == pytest.approx(0.3)


def test_cv_estimator_holds_the_same_estimate_everywhere(separable):
    """RobustLogisticRegressionCV estimates pi once, on all the rows (the same draw
    as RobustLogisticRegression's), and its folds and refit hold it."""
    X, Y, _ = separable
    X, Y = X[:600], Y[:600]
    cv = _fit(RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=3, max_iter=5,
                                         pi_method="auto", random_state=0), X, Y)
    plain = _fit(RobustLogisticRegression(pi_method="elkan_noto", max_iter=5,
                                          random_state=0), X, Y)
    assert cv.pi_method_ == "elkan_noto"
    np.testing.assert_array_equal(cv.pi_, plain.pi_)
    em = _fit(RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=3, max_iter=5,
                                         pi_method="em", random_state=0), X, Y)
    assert em.pi_method_ == "em" and not np.allclose(em.pi_, cv.pi_)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_same_estimate_on_other_namespaces(separable, namespace):
    X, Y, _ = separable
    X, Y = X[:600], Y[:600]
    convert, device = stand_in_device(namespace)
    params = dict(pi_method="elkan_noto", max_iter=3, random_state=0)
    host = _fit(RobustLogisticRegression(**params), X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        other = _fit(RobustLogisticRegression(**params), convert(X), convert(Y))
    np.testing.assert_allclose(to_numpy(other.pi_), host.pi_, rtol=1e-6)
    if device is not None:
        assert other.pi_.device == device


def test_an_unknown_pi_method_is_refused_by_name(separable):
    X, Y, _ = separable
    with pytest.raises(ValueError, match="pi_method"):
        RobustLogisticRegression(pi_method="elkan").fit(X[:50], Y[:50])
    with pytest.raises(ValueError, match="pi_method"):
        RobustLogisticRegressionCV(pi_method="EM").fit(X[:50], Y[:50])


def test_only_tags_with_enough_tagged_rows_choose_their_own_strength(monkeypatch):
    """The plain fits of the cross-fit give a tag its own strength only when it has
    MIN_TAGGED_OWN_STRENGTH tagged rows (about 5 held out); the rest share one."""
    from skrobust.linear_model import _label_frequency

    X, Y, _ = make_tagged_classification(n_samples=600, n_features=5, n_tags=2,
                                         pi=0.9, random_state=0)
    Y[:, 1] = 0
    Y[:_label_frequency.MIN_TAGGED_OWN_STRENGTH - 1, 1] = 1  # one row short
    assert Y[:, 0].sum() >= _label_frequency.MIN_TAGGED_OWN_STRENGTH
    seen = []
    choose = _label_frequency.choose_strength_per_tag

    def spy(path, own=None):
        seen.append(np.asarray(own))
        return choose(path, own=own)

    monkeypatch.setattr(_label_frequency, "choose_strength_per_tag", spy)
    assert _fit(RobustLogisticRegression(random_state=0), X, Y).pi_method_ == "elkan_noto"
    np.testing.assert_array_equal(seen, [[True, False]])
