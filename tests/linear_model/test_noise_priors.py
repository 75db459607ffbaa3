"""Beta priors on pi/gamma: the MAP M-step, empirical Bayes, priors from clean labels."""

import numpy as np
import pytest
from scipy.stats import beta as beta_distribution

from skrobust import noise_prior_from_clean
from skrobust.linear_model import _em
from skrobust._array_api import numpy_namespace
from skrobust.linear_model._noise_priors import check_beta_prior, fit_shared_beta, prior_pseudo_counts

xp = numpy_namespace


def test_map_m_step_is_the_beta_posterior_mode():
    """N examples with k expected tagged positives out of m: the M-step under
    Beta(a, b) is the mode of Beta(a + k, b + m - k)."""
    n, k, m, a, b = 200.0, 12.0, 30.0, 3.0, 5.0
    stats = (np.array([m / n]), np.array([k / n]), np.array([k / n]))
    prior = np.array([[a, b]])
    pi_success, pi_total = prior_pseudo_counts(prior, n)
    zeros = np.zeros(1)
    pi, _ = _em.m_step(stats, xp, prior=(pi_success, pi_total, zeros, zeros))
    assert pi[0] == pytest.approx((a + k - 1) / (a + b + m - 2))
    # And it is the maximum of the posterior density.
    grid = np.linspace(0.01, 0.99, 9801)
    density = beta_distribution(a + k, b + m - k).pdf(grid)
    assert abs(grid[np.argmax(density)] - pi[0]) < 1e-3


def test_map_m_step_without_prior_is_maximum_likelihood():
    stats = (np.array([0.4, 0.2]), np.array([0.1, 0.2]), np.array([0.15, 0.25]))
    assert np.allclose(_em.m_step(stats, xp)[0], _em.m_step(stats, xp, prior=None)[0])
    assert np.allclose(_em.m_step(stats, xp)[0], [0.25, 1.0])


def test_prior_weight_vanishes_with_data():
    """The same rates and prior: the MAP estimate approaches the ML one as N grows."""
    stats = (np.array([0.3]), np.array([0.06]), np.array([0.06]))  # ML pi = 0.2
    prior = np.array([[9.0, 1.0]])  # prior mode 1
    estimates = []
    for n in (10, 1_000, 1_000_000):
        counts = prior_pseudo_counts(prior, n) + (np.zeros(1), np.zeros(1))
        estimates.append(float(_em.m_step(stats, xp, prior=counts)[0][0]))
    assert estimates[0] > 0.5 > estimates[1] > estimates[2]
    assert estimates[2] == pytest.approx(0.2, abs=1e-4)


def test_shared_beta_recovers_a_known_prior():
    rng = np.random.default_rng(0)
    rates = rng.beta(4.0, 12.0, size=400)  # mean 0.25, concentration 16
    trials = rng.integers(50, 200, size=400).astype(float)
    successes = rng.binomial(trials.astype(int), rates).astype(float)
    a, b = fit_shared_beta(successes, trials)
    assert a / (a + b) == pytest.approx(0.25, abs=0.02)
    assert 10 < a + b < 25


def test_shared_beta_is_strong_when_tags_agree_and_flat_when_they_differ():
    same = fit_shared_beta([30, 31, 29, 30], [100, 100, 100, 100])
    assert same.sum() == pytest.approx(200.0)  # the cap: the tags agree within noise
    spread = fit_shared_beta([5, 50, 95], [100, 100, 100])
    assert spread.sum() < 5
    assert np.all(spread >= 1) and np.all(same >= 1)
    assert np.array_equal(fit_shared_beta([], []), [1.0, 1.0])


def test_noise_prior_from_clean_counts_and_shrinks():
    rng = np.random.default_rng(0)
    Z = (rng.random((60, 3)) < 0.5).astype(int)
    pi_true = np.array([0.2, 0.5, 0.8])
    Y = Z * (rng.random((60, 3)) < pi_true)
    flat = noise_prior_from_clean(Y, Z, shared_prior=None)
    positives = Z.sum(axis=0)
    tagged = (Y * Z).sum(axis=0)
    assert np.array_equal(flat.pi_prior, np.column_stack([1 + tagged, 1 + positives - tagged]))
    assert np.array_equal(flat.n_positive, positives)
    # No false tags here: gamma's posterior mean is near 1.
    assert np.all(flat.gamma > 0.9)
    pooled = noise_prior_from_clean(Y, Z)
    # Empirical Bayes pulls every tag toward the pooled rate, never past it.
    pooled_rate = tagged.sum() / positives.sum()
    assert np.all(np.abs(pooled.pi - pooled_rate) <= np.abs(flat.pi - pooled_rate) + 1e-12)


def test_noise_prior_from_clean_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        noise_prior_from_clean(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        noise_prior_from_clean(np.full((3, 2), 2), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="sample_weight"):
        noise_prior_from_clean(np.zeros((3, 2)), np.zeros((3, 2)), sample_weight=[1, -1, 1])


@pytest.mark.parametrize("value", [(0.5, 2.0), [[1.0, 1.0]] * 2, (np.nan, 2.0)])
def test_check_beta_prior_rejects(value):
    with pytest.raises(ValueError, match="pi_prior"):
        check_beta_prior(value, "pi_prior", 3)


def test_check_beta_prior_broadcasts_a_pair():
    assert check_beta_prior((2.0, 3.0), "pi_prior", 3).shape == (3, 2)
    assert check_beta_prior(None, "pi_prior", 3) is None
