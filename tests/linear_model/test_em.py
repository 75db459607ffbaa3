"""The model's mathematics (skrobust.linear_model._em) against the paper's formulas."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit

import _em_reference as ref
from skrobust.linear_model import _em

xp = np  # _em works on any namespace; NumPy here, the others in test_array_api.py


def direct_posterior(s, y, pi, gamma):
    """The E-step exactly as written in the paper (fine for moderate scores)."""
    sig = expit(s)
    on = pi * sig / (pi * sig + (1 - gamma) * (1 - sig))
    off = (1 - pi) * sig / ((1 - pi) * sig + gamma * (1 - sig))
    return np.where(y == 1, on, off)


def direct_nll(s, y, pi, gamma):
    sig = expit(s)
    p1 = pi * sig + (1 - gamma) * (1 - sig)
    return -(y * np.log(p1) + (1 - y) * np.log(1 - p1))


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    s = rng.normal(scale=3, size=(50, 4))
    y = (rng.random((50, 4)) < 0.4).astype(float)
    pi = np.array([0.2, 0.5, 0.8, 0.95])
    gamma = np.array([0.7, 0.9, 0.99, 0.95])
    return s, y, pi, gamma


def test_posterior_matches_paper_formula(problem):
    s, y, pi, gamma = problem
    np.testing.assert_allclose(
        ref.posterior(s, y, pi, gamma, xp), direct_posterior(s, y, pi, gamma), rtol=1e-12
    )


def test_posterior_missing_only_model(problem):
    """gamma = 1 (the paper's main model): a supplied tag is always true."""
    s, y, pi, _ = problem
    alpha = ref.posterior(s, y, pi, np.ones(4), xp)
    np.testing.assert_array_equal(alpha[y == 1], 1.0)
    np.testing.assert_allclose(alpha, direct_posterior(s, y, pi, np.ones(4)), rtol=1e-12)


def test_posterior_limits_are_exact():
    s = np.array([[-5.0, 0.0, 5.0]])
    # pi = 1 with y = 0: the tag would have been supplied, so z = 0 for sure.
    np.testing.assert_array_equal(
        ref.posterior(s, np.zeros((1, 3)), np.ones(3), np.full(3, 0.9), xp), 0.0
    )
    # gamma = 1 with y = 1: nobody adds a false tag, so z = 1 for sure.
    np.testing.assert_array_equal(
        ref.posterior(s, np.ones((1, 3)), np.full(3, 0.5), np.ones(3), xp), 1.0
    )
    # pi = gamma = 1 is plain logistic regression: alpha = y.
    y = np.array([[1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(ref.posterior(s, y, np.ones(3), np.ones(3), xp), y)


def test_observed_nll_matches_paper_formula(problem):
    s, y, pi, gamma = problem
    np.testing.assert_allclose(
        ref.observed_nll(s, y, pi, gamma, xp), direct_nll(s, y, pi, gamma), rtol=1e-10
    )


def test_tag_probability_is_eq5(problem):
    s, _, pi, gamma = problem
    expected = pi * expit(s) + (1 - gamma) * (1 - expit(s))
    np.testing.assert_allclose(_em.tag_probability(s, pi, gamma, xp), expected, rtol=1e-12)


@pytest.mark.parametrize("gamma_value", [1.0, 0.9])
def test_gradient_of_observed_loss_matches_finite_differences(gamma_value):
    """d(-log P(y|x))/dw = (sigma - alpha) x: the EM gradient is the observed one."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = (rng.random((40, 2)) < 0.5).astype(float)
    W = rng.normal(size=(2, 3))
    b = rng.normal(size=2)
    pi = np.array([0.3, 0.7])
    gamma = np.full(2, gamma_value)
    w = np.ones(40)

    def loss(W, b):
        return ref.observed_nll(X @ W.T + b, Y, pi, gamma, xp).sum() / 40

    scores = X @ W.T + b
    sigma_minus_alpha, _, _ = _em.step_terms(scores, Y, pi, gamma, w, xp)
    residual = _em.gradient_residual(sigma_minus_alpha, w, 40, xp)
    grad_W, grad_b = residual.T @ X, residual.sum(axis=0)

    h = 1e-6
    num_W = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[idx] = h
        num_W[idx] = (loss(W + step, b) - loss(W - step, b)) / (2 * h)
    num_b = np.array(
        [(loss(W, b + h * e) - loss(W, b - h * e)) / (2 * h) for e in np.eye(2)]
    )
    np.testing.assert_allclose(grad_W, num_W, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grad_b, num_b, rtol=1e-6, atol=1e-9)


def test_m_step_formulas():
    s_a = np.array([0.4, 0.3])
    s_ya = np.array([0.2, 0.27])
    s_y = np.array([0.25, 0.28])
    pi, gamma = _em.m_step((s_a, s_ya, s_y), xp)
    np.testing.assert_allclose(pi, s_ya / s_a)
    np.testing.assert_allclose(gamma, (1 - s_y - s_a + s_ya) / (1 - s_a))


def test_m_step_on_full_batch_is_classical_em(problem):
    """With eta = 1 the running statistics are this batch's: pi = sum(y a) / sum(a)."""
    s, y, pi, gamma = problem
    alpha = ref.posterior(s, y, pi, gamma, xp)
    stats = _em.update_statistics(
        (np.full(4, 0.5),) * 3, ref.minibatch_statistics(alpha, y, np.ones(50), xp), 1.0
    )
    new_pi, new_gamma = _em.m_step(stats, xp)
    np.testing.assert_allclose(new_pi, (y * alpha).sum(0) / alpha.sum(0))
    expected_gamma = ((1 - y) * (1 - alpha)).sum(0) / (1 - alpha).sum(0)
    np.testing.assert_allclose(new_gamma, expected_gamma)


def test_weighted_statistics_equal_repeated_rows(problem):
    s, y, pi, gamma = problem
    alpha = ref.posterior(s, y, pi, gamma, xp)
    weights = np.arange(50) % 3
    weighted = ref.minibatch_statistics(alpha, y, weights.astype(float), xp)
    rows = np.repeat(np.arange(50), weights)
    repeated = ref.minibatch_statistics(alpha[rows], y[rows], np.ones(rows.size), xp)
    np.testing.assert_allclose(weighted, repeated)


def test_running_statistics_update():
    stats = (np.array([1.0]), np.array([0.5]), np.array([0.2]))
    batch = (np.array([0.0]), np.array([1.0]), np.array([0.4]))
    new = _em.update_statistics(stats, batch, 0.01)
    np.testing.assert_allclose(np.concatenate(new), [0.99, 0.505, 0.202])


def test_initial_statistics_give_the_start_rates():
    stats = _em.initial_statistics(np.array([0.5, 0.3]), np.array([0.9, 1.0]))
    pi, gamma = _em.m_step(tuple(np.asarray(v) for v in stats), xp)
    np.testing.assert_allclose(pi, [0.5, 0.3])
    np.testing.assert_allclose(gamma, [0.9, 1.0])


def test_papers_start_is_a_fixed_point():
    """Statistics at 1 give pi = 1, then alpha = y and pi stays 1 for ever."""
    rng = np.random.default_rng(0)
    s = rng.normal(size=(500, 1))
    y = (rng.random((500, 1)) < 0.3).astype(float)
    stats = (np.ones(1), np.ones(1), np.ones(1))
    for _ in range(20):
        pi, _ = _em.m_step(stats, xp)
        alpha = ref.posterior(s, y, pi, np.ones(1), xp)
        np.testing.assert_array_equal(alpha, y)
        stats = _em.update_statistics(
            stats, ref.minibatch_statistics(alpha, y, np.ones(500), xp), 0.01
        )
    assert _em.m_step(stats, xp)[0][0] == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_scores_stay_finite(dtype):
    # Underflow (exp(-1e4) -> 0) is the correct answer here, so only overflow,
    # division by zero and invalid operations are errors.
    s = np.array([[-1e4, -80.0, -1.0, 0.0, 1.0, 80.0, 1e4]], dtype=dtype)
    for y_value in (0.0, 1.0):
        y = np.full(s.shape, y_value, dtype=dtype)
        for pi_v, gamma_v in [(0.3, 1.0), (0.3, 0.9), (1.0, 1.0), (1e-6, 1e-6)]:
            pi = np.full(7, pi_v, dtype=dtype)
            gamma = np.full(7, gamma_v, dtype=dtype)
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                sigma, alpha, loglik = ref.em_terms(s, y, pi, gamma, xp)
                prob = _em.tag_probability(s, pi, gamma, xp)
                residual, sums, step_loglik = _em.step_terms(s, y, pi, gamma, np.ones(1, dtype), xp)
            np.testing.assert_allclose(sigma, expit(s), rtol=1e-6, atol=0)
            for a in (sigma, alpha, loglik, prob, residual, *sums, step_loglik):
                assert np.all(np.isfinite(a)) and a.dtype == dtype
            np.testing.assert_allclose(residual, sigma - alpha, rtol=0, atol=1e-6)
            # Terms of size |s| cancel in the sum: its rounding is relative to them.
            scale = 1 + np.abs(s).sum() + np.abs(loglik).sum()
            assert abs(step_loglik - loglik.sum()) <= 16 * np.finfo(dtype).eps * scale
            assert np.all((alpha >= 0) & (alpha <= 1))
            assert np.all((prob >= 0) & (prob <= 1))
            assert np.all(loglik <= 0)


# Random shapes, dtypes, scores up to 1e4 and noise rates down to NOISE_EPS.
random_problems = given(
    data=st.data(),
    n=st.integers(1, 30),
    t=st.integers(1, 6),
    dtype=st.sampled_from([np.float32, np.float64]),
)
NOISE_RATE = st.floats(float(np.float32(_em.NOISE_EPS)), 1.0, width=32)


def draw_scores_and_rates(data, n, t, dtype, rate=NOISE_RATE):
    s = data.draw(hnp.arrays(dtype, (n, t), elements=st.floats(-1e4, 1e4, width=32)))
    pi = data.draw(hnp.arrays(dtype, (t,), elements=rate))
    gamma = data.draw(hnp.arrays(dtype, (t,), elements=rate))
    return s, pi, gamma


@settings(max_examples=60, deadline=None)
@random_problems
def test_posterior_properties(data, n, t, dtype):
    """Random shapes, dtypes, label patterns and noise rates: valid probabilities."""
    s, pi, gamma = draw_scores_and_rates(data, n, t, dtype)
    y = data.draw(hnp.arrays(dtype, (n, t), elements=st.sampled_from([0.0, 1.0])))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        alpha, loglik = ref.posterior_and_loglik(s, y, pi, gamma, xp)
    assert alpha.shape == (n, t) and alpha.dtype == dtype
    assert np.all(np.isfinite(alpha)) and np.all(np.isfinite(loglik))
    assert np.all((alpha >= 0) & (alpha <= 1)) and np.all(loglik <= 0)
    # P(z=1 | y=1) >= P(z=1 | y=0) whenever a tag is evidence for truth.
    informative = pi >= 1 - gamma
    alpha_on = ref.posterior(s, np.ones_like(y), pi, gamma, xp)
    alpha_off = ref.posterior(s, np.zeros_like(y), pi, gamma, xp)
    assert np.all((alpha_on >= alpha_off)[:, informative])


@settings(max_examples=60, deadline=None)
@random_problems
def test_step_terms_agree_with_the_reference(data, n, t, dtype):
    """The training step's fused quantities are the reference E-step's gradient
    factors, weighted statistics and summed log-likelihood, at any scores, labels
    and noise rates (including pi = 1 and gamma = 1, where offsets are infinite)."""
    rate = st.one_of(st.just(1.0), NOISE_RATE)  # 1 often: infinite offsets
    s, pi, gamma = draw_scores_and_rates(data, n, t, dtype, rate)
    y = data.draw(hnp.arrays(np.bool_, (n, t)))
    w = data.draw(hnp.arrays(dtype, (n,), elements=st.floats(0, 3, width=32)))
    sigma, alpha, loglik = ref.em_terms(s, y, pi, gamma, xp)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        residual, (w_a, w_ya, w_y), total = _em.step_terms(s, y, pi, gamma, w, xp)
    in_place = _em.step_terms(s.copy(), y, pi, gamma, w, xp, overwrite_scores=True)
    np.testing.assert_array_equal(in_place[0], residual)
    np.testing.assert_array_equal(in_place[2], total)
    eps = np.finfo(dtype).eps
    assert residual.dtype == dtype and total.dtype == dtype
    np.testing.assert_allclose(residual, sigma - alpha, rtol=0, atol=8 * eps)
    tol = 8 * eps * (1 + w.sum())
    np.testing.assert_allclose(w_a, w @ alpha, rtol=0, atol=tol)
    np.testing.assert_allclose(w_ya, w @ (alpha * y), rtol=0, atol=tol)
    np.testing.assert_allclose(w_y, w @ y, rtol=0, atol=tol)
    # Sums of |scores| up to 30 * 1e4 cancel in the log-space form: relative to them.
    # Against the reference evaluated in float64, since in float32 the reference's
    # own log P(y | s) is off by ~10 eps per term where P is near 1. Each term of
    # a log-likelihood near 0 is exact to a few eps absolute, not relative (hence
    # the 1 per term in the scale), and a sum of n * t rounded terms adds
    # (n * t) * eps of their magnitudes whatever the order (BLAS sums in blocks,
    # NumPy pairwise). The old bound, 16 eps of 1 + |s| + |loglik|, failed on
    # float32 draws with many log-likelihoods near 0.
    exact = ref.em_terms(*(np.asarray(a, np.float64) for a in (s, y, pi, gamma)), xp)[2]
    w64 = np.asarray(w, np.float64)
    per_term = 1 + w64 @ (np.abs(s) + np.abs(exact) + 1).sum(axis=1)
    assert abs(float(total) - w64 @ exact.sum(axis=1)) <= (16 + n * t) * eps * per_term
    assert total <= 0
