"""solver="lbfgs": the full-batch objective, its gradient, and the fits it gives."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from scipy.optimize import approx_fprime
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.datasets import make_tagged_classification
from skrobust.linear_model import _em
from skrobust.linear_model._full_batch import FullBatchObjective


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(
        n_samples=1500, n_features=8, n_tags=3, pi=[0.3, 0.6, 0.9], random_state=0
    )
    return X, Y, Z


def _lbfgs(**params):
    # A fixed strength (alpha="auto" would choose one, and the epochs, per fit) and
    # pi by EM (the objective's own optimum, not Elkan & Noto's held estimate): these
    # tests are about the solver.
    return RobustLogisticRegression(solver="lbfgs", **{"alpha": 1e-4, "pi_method": "em",
                                                       **params})


@pytest.mark.parametrize("learn", [(True, False), (True, True)])
def test_gradient_matches_finite_differences(tagged, learn):
    """Every component of every tag's gradient, with a Beta prior and sample weights."""
    X, Y, _ = tagged
    X, Y = X[:300], Y[:300]
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.2, 2.0, X.shape[0])
    alpha = np.array([[1e-2], [1e-3], [1e-1]])
    objective = FullBatchObjective(
        X, Y, weights, alpha, np.full(3, 0.7), np.ones(3), *learn, batch_size=128, xp=np,
        device="cpu",
    )
    # pseudo-counts (a - 1, a + b - 2) / N for pi, and for gamma
    objective.prior = (np.full(3, 0.01), np.full(3, 0.03), np.full(3, 0.02), np.full(3, 0.025))
    shapes = [(3, 8), (3,), (3,)] + ([(3,)] if learn[1] else [])
    point = [0.3 * rng.standard_normal(s) for s in shapes]

    def flat_value(theta, tag):
        params, start = [], 0
        for s, p in zip(shapes, point):
            size = int(np.prod(s))
            params.append(theta[start:start + size].reshape(s))
            start += size
        return objective(tuple(params))[0][tag]

    theta = np.concatenate([p.ravel() for p in point])
    _, grads, _ = objective(tuple(point))
    analytic = np.concatenate([g.ravel() for g in grads])
    for tag in range(3):
        numeric = approx_fprime(theta, flat_value, 1e-7, tag)
        # Tag t's value depends only on tag t's parameters.
        owned = np.concatenate([
            (np.arange(np.prod(s)).reshape(s) // (np.prod(s) // 3) == tag).ravel()
            for s in shapes
        ])
        np.testing.assert_allclose(numeric[owned], analytic[owned], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(numeric[~owned], 0.0, atol=1e-6)


@pytest.mark.parametrize("sample_weight", [False, True])
def test_noise_none_is_sklearns_logistic_regression(tagged, sample_weight):
    """With pi = gamma = 1 the objective is sklearn's with C = 1 / (alpha n), per tag
    with its own alpha."""
    X, Y, _ = tagged
    weights = np.random.default_rng(1).uniform(0.5, 1.5, X.shape[0]) if sample_weight else None
    alpha = np.array([1e-4, 1e-3, 1e-2])
    model = _lbfgs(noise="none", alpha=alpha, tol=1e-12, max_iter=500).fit(
        X, Y, sample_weight=weights)
    assert model.n_iter_ < 100
    for t in range(3):
        reference = LogisticRegression(C=1 / (alpha[t] * X.shape[0]), tol=1e-12, max_iter=2000)
        reference.fit(X, Y[:, t], sample_weight=weights)
        np.testing.assert_allclose(model.coef_[t], reference.coef_[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.intercept_[t], reference.intercept_[0], atol=1e-6)


@pytest.mark.parametrize("pi_prior", [None, (3.0, 2.0)])
def test_missing_model_reaches_the_em_fixed_point(tagged, pi_prior):
    """At the optimum, pi is its own (MAP) M-step from the posterior counts, and the
    loss is below what the SGD trainer reaches in 300 epochs."""
    X, Y, _ = tagged
    model = _lbfgs(noise="missing", pi_prior=pi_prior, tol=1e-12, max_iter=500).fit(X, Y)
    prior = model._noise_prior_counts(np, X.dtype, "cpu")
    pi, _ = _em.m_step(model._em_statistics, np, prior=prior)
    np.testing.assert_allclose(model.pi_, pi, rtol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd = RobustLogisticRegression(noise="missing", pi_prior=pi_prior, max_iter=300,
                                       tol=None, pi_method="em", random_state=0).fit(X, Y)
    assert model.loss_curve_[-1] <= sgd.loss_curve_[-1] + 1e-6
    if pi_prior is None:  # the loss is then the whole objective: it never rises
        assert np.all(np.diff(model.loss_curve_) <= 1e-12)


def test_auto_prior_is_refitted_and_spurious_rates_learned(tagged):
    X, Y, _ = tagged
    model = _lbfgs(noise="missing+spurious", max_iter=300).fit(X, Y)
    assert model.pi_prior_.shape == (3, 2) and model.gamma_prior_.shape == (3, 2)
    assert np.all((model.pi_ > 0.2) & (model.pi_ < 1)) and np.all(model.gamma_ > 0.95)
    # The fitted shared prior is the one the estimator's own empirical Bayes gives
    # for the final counts.
    kept = model.pi_prior_.copy()
    model._update_noise_priors()
    np.testing.assert_allclose(model.pi_prior_, kept)


def test_sparse_and_dense_give_the_same_model(tagged):
    X, Y, _ = tagged
    dense = _lbfgs(max_iter=20, tol=None).fit(X, Y)
    sparse = _lbfgs(max_iter=20, tol=None).fit(sp.csr_matrix(X), sp.csr_matrix(Y))
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(sparse.pi_, dense.pi_, rtol=1e-7)


def test_float32_data_train_in_float32(tagged):
    X, Y, _ = tagged
    model = _lbfgs(max_iter=30).fit(X.astype(np.float32), Y)
    reference = _lbfgs(max_iter=30).fit(X, Y)
    assert model.coef_.dtype == np.float32 and model.pi_.dtype == np.float32
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-2, atol=1e-3)


def test_partial_fit_is_refused_with_a_clear_message(tagged):
    X, Y, _ = tagged
    model = _lbfgs()
    assert not hasattr(model, "partial_fit")  # what sklearn's meta-estimators look at
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as raised:
        model.partial_fit(X, Y)
    # sklearn's available_if chains the reason, as for MLPClassifier(solver="lbfgs").
    assert "partial_fit trains by minibatch SGD; solver='lbfgs' is for fit" in str(
        raised.value.__cause__)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bad_input_leaves_a_fitted_model_as_it_was(tagged):
    X, Y, _ = tagged
    model = _lbfgs(max_iter=5, warm_start=True).fit(X, Y)
    before = model.coef_.copy(), model.pi_.copy(), model.n_iter_
    X_bad = X.copy()
    X_bad[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X_bad, Y)
    np.testing.assert_array_equal(model.coef_, before[0])
    np.testing.assert_array_equal(model.pi_, before[1])
    assert model.n_iter_ == before[2]


def test_warm_start_continues_the_iterations(tagged):
    X, Y, _ = tagged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _lbfgs(max_iter=3, tol=None, warm_start=True).fit(X, Y)
        first = model.loss_curve_[-1]
        model.fit(X, Y)
    assert model.n_iter_ == 6 and model.loss_curve_[-1] < first


def test_early_stopping_keeps_the_best_held_out_iteration(tagged):
    X, Y, _ = tagged
    model = _lbfgs(early_stopping=True, random_state=0, max_iter=200).fit(X, Y)
    assert model.validation_score_ is not None and model.validation_score_ < 0
    assert model.n_iter_ < 200


def test_converges_without_warning_and_stops_when_no_tag_can_move(tagged):
    X, Y, _ = tagged
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = _lbfgs(noise="none", tol=0.0, max_iter=1000).fit(X, Y)
    assert model.n_iter_ < 1000


def test_verbose_lines_have_no_learning_rate(tagged, capsys):
    X, Y, _ = tagged
    _lbfgs(max_iter=2, tol=None, verbose=1).fit(X, Y)
    out = capsys.readouterr().out
    assert "-- Pass 2: loss" in out and "learning rate" not in out


def test_cv_estimator_fits_its_path_with_lbfgs(tagged):
    X, Y, _ = tagged
    model = RobustLogisticRegressionCV(solver="lbfgs", alphas=[1e-4, 1e-2, 1.0], cv=3,
                                       max_iter=50).fit(X, Y)
    assert model.scores_.shape == (3, 3, 3) and model.alpha_ in (1e-4, 1e-2, 1.0)
    assert model.solver == "lbfgs"


def test_same_model_on_torch(tagged):
    torch = pytest.importorskip("torch")
    X, Y, _ = tagged
    reference = _lbfgs(noise="missing+spurious", max_iter=10, tol=None).fit(X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        model = _lbfgs(noise="missing+spurious", max_iter=10, tol=None).fit(
            torch.asarray(X), torch.asarray(Y))
    assert isinstance(model.coef_, torch.Tensor)
    np.testing.assert_allclose(model.coef_.numpy(), reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.gamma_.numpy(), reference.gamma_, rtol=1e-6)
