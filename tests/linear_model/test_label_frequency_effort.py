"""pi_method="elkan_noto" with tag_effort: a rate per (effort bin, tag) read off the
cross-fit before the classifier trains, and held (issue 24)."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from scipy.special import expit, logit

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust._array_api import to_numpy
from skrobust.datasets import make_tagged_classification

from _shared import fit_without_convergence_warning as _fit, stand_in_device

# Effort bins 0-2, 3-5, 6-10, 11-20, 21+ (the default edges), each drawn equally often.
LOW, HIGH = np.array([0, 3, 6, 11, 21]), np.array([3, 6, 11, 21, 40])
TRUE_PI = expit(logit(np.array([0.3, 0.5, 0.6, 0.4]))[None, :]
                + np.array([-1.5, -0.7, 0.0, 0.6, 1.2])[:, None])  # (bins, tags)


@pytest.fixture(scope="module")
def data():
    """Concepts nearly separable from the features (Elkan & Noto's assumption), tagged
    at a rate that depends on the image's effort bin."""
    X, _, Z = make_tagged_classification(n_samples=6000, n_features=10, n_tags=4, pi=1.0,
                                         weight_norm=30.0, random_state=0)
    rng = np.random.default_rng(1)
    bins = rng.integers(0, 5, len(X))
    effort = rng.integers(LOW[bins], HIGH[bins])
    Y = (Z == 1) & (rng.random(Z.shape) < TRUE_PI[bins])
    return X, Y.astype(np.int8), effort


def test_auto_reads_each_bins_rate_off_the_cross_fit(data):
    X, Y, effort = data
    model = _fit(RobustLogisticRegression(random_state=0), X, Y, tag_effort=effort)
    assert model.pi_method_ == "elkan_noto"
    cells = np.asarray(model.pi_effort_)
    assert np.all(np.diff(cells, axis=0) > 0)  # every tag's rate rises with effort
    # Biased low, as the per-tag estimate is (a logistic curve cannot level off at
    # pi), but the bins' rates are told apart: 0.09 here, 0.33 for one rate per tag.
    assert np.abs(cells - TRUE_PI).mean() < 0.12
    blind = _fit(RobustLogisticRegression(random_state=0), X, Y)
    assert np.abs(cells - TRUE_PI).mean() < 0.5 * np.abs(blind.pi_[None, :] - TRUE_PI).mean()


def test_the_cells_are_held_by_the_path_a_warm_start_and_the_cv_estimator(data):
    """alpha="auto" trains its strengths with the cells held, a fixed alpha gets the
    same estimate (the same draw), more epochs never move it, and the CV estimator
    holds the same cells and per-tag pi."""
    X, Y, effort = data
    auto = _fit(RobustLogisticRegression(random_state=0), X, Y, tag_effort=effort)
    fixed = _fit(RobustLogisticRegression(alpha=1e-3, random_state=0), X, Y,
                 tag_effort=effort)
    np.testing.assert_allclose(fixed.pi_effort_, auto.pi_effort_, rtol=1e-6)
    cells = np.array(fixed.pi_effort_)
    _fit(fixed.set_params(warm_start=True, max_iter=3), X, Y, tag_effort=effort)
    np.testing.assert_array_equal(fixed.pi_effort_, cells)
    cv = _fit(RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=2, random_state=0), X, Y,
              tag_effort=effort)
    assert cv.pi_method_ == "elkan_noto"
    np.testing.assert_allclose(cv.pi_effort_, auto.pi_effort_, rtol=1e-6)
    np.testing.assert_allclose(cv.pi_, auto.pi_, rtol=1e-6)


def test_sparse_tags_give_the_dense_cells(data):
    X, Y, effort = (a[:1500] for a in data)
    params = dict(alpha=1e-3, max_iter=2, random_state=0)
    dense = _fit(RobustLogisticRegression(**params), X, Y, tag_effort=effort)
    sparse = _fit(RobustLogisticRegression(**params), sp.csr_matrix(X), sp.csr_matrix(Y),
                  tag_effort=effort)
    np.testing.assert_allclose(sparse.pi_effort_, dense.pi_effort_, rtol=1e-5)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_same_cells_on_other_namespaces(data, namespace):
    """The cells (host sums of the cross-fit) and the model holding them, on
    array_api_strict's second device and torch CPU: the host's, on the data's device."""
    X, Y, effort = (a[:1200] for a in data)
    convert, device = stand_in_device(namespace)
    params = dict(alpha=1e-3, max_iter=2, random_state=0)
    host = _fit(RobustLogisticRegression(**params), X, Y, tag_effort=effort)
    with sklearn.config_context(array_api_dispatch=True):
        other = _fit(RobustLogisticRegression(**params), convert(X), convert(Y.astype(float)),
                     tag_effort=convert(effort))
        proba = other.predict_tag_proba(convert(X[:50]), tag_effort=convert(effort[:50]))
    np.testing.assert_allclose(to_numpy(other.pi_effort_), host.pi_effort_, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(proba), host.predict_tag_proba(
        X[:50], tag_effort=effort[:50]), rtol=1e-5, atol=1e-8)
    if device is not None:
        assert other.pi_effort_.device == device


def test_pi_init_per_effort_bin_is_a_start_or_a_held_rate(data):
    X, Y, effort = (a[:1000] for a in data)
    held = _fit(RobustLogisticRegression(learn_pi=False, pi_init=TRUE_PI, alpha=1e-3,
                                         max_iter=2, random_state=0), X, Y, tag_effort=effort)
    np.testing.assert_allclose(held.pi_effort_, TRUE_PI, rtol=1e-6)
    np.testing.assert_allclose(held.pi_, TRUE_PI.mean(axis=0), rtol=1e-6)
    with pytest.raises(ValueError, match="that needs tag_effort"):
        RobustLogisticRegression(pi_init=TRUE_PI).fit(X, Y)
    with pytest.raises(ValueError, match=r"must have shape \(5, 4\)"):
        RobustLogisticRegression(pi_init=TRUE_PI[:3]).fit(X, Y, tag_effort=effort)
    with pytest.raises(ValueError, match=r"in \(0, 1\]"):
        RobustLogisticRegression(pi_init=TRUE_PI * 0).fit(X, Y, tag_effort=effort)


def test_other_tags_effort_is_em_and_the_cross_fit_is_refused_there(data):
    """With effort="other_tags" a tagged and an untagged entry of one image sit in
    different bins, so no bin's images can be read off together."""
    X, Y, effort = (a[:600] for a in data)
    auto = _fit(RobustLogisticRegression(effort="other_tags", max_iter=2, random_state=0),
                X, Y, tag_effort=effort)
    assert auto.pi_method_ == "em"
    with pytest.raises(ValueError, match="effort='other_tags'"):
        RobustLogisticRegression(pi_method="elkan_noto", effort="other_tags").fit(
            X, Y, tag_effort=effort)
