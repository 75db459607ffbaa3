"""make_tagged_classification draws exactly the noise model it promises."""

import numpy as np
import pytest
from scipy.special import expit

from skrobust.datasets import make_tagged_classification


def test_shapes_dtypes_and_true_model():
    X, Y, Z, coef, intercept = make_tagged_classification(
        n_samples=50_000, n_features=7, n_tags=3, prevalence=0.2, return_coef=True,
        dtype=np.float32, random_state=0,
    )
    assert X.shape == (50_000, 7) and X.dtype == np.float32
    assert Y.shape == Z.shape == (50_000, 3) and Y.dtype == Z.dtype == np.int8
    assert coef.shape == (3, 7) and intercept.shape == (3,)
    np.testing.assert_allclose(np.linalg.norm(coef, axis=1), 3.0)
    # Z is drawn from the logistic model: predicted and drawn prevalence agree.
    p = expit(X @ coef.T + intercept)
    np.testing.assert_allclose(Z.mean(axis=0), p.mean(axis=0), atol=0.01)
    np.testing.assert_allclose(Z.mean(axis=0), 0.2, atol=0.03)


def test_measured_noise_rates_match_pi_and_gamma():
    pi, gamma = [0.2, 0.6, 1.0], [0.9, 0.99, 1.0]
    _, Y, Z = make_tagged_classification(
        n_samples=100_000, n_tags=3, pi=pi, gamma=gamma, random_state=1
    )
    kept = (Y & Z).sum(axis=0) / Z.sum(axis=0)
    added = (Y & ~Z.astype(bool)).sum(axis=0) / (1 - Z).sum(axis=0)
    np.testing.assert_allclose(kept, pi, atol=0.01)
    np.testing.assert_allclose(1 - added, gamma, atol=0.005)
    assert np.all(Y[:, 2] == Z[:, 2])  # pi = gamma = 1: tags are the truth


def test_reproducible_with_a_seed():
    a = make_tagged_classification(n_samples=100, random_state=3)
    b = make_tagged_classification(n_samples=100, random_state=3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(pi=[0.5, 0.5]), ValueError, "one value per tag"),
        (dict(pi=1.5), ValueError, "pi"),
        (dict(gamma=[0.5, 0.5, 0.5, 0.5, 2.0]), ValueError, r"\[0, 1\]"),
        (dict(n_samples=0), ValueError, "n_samples"),
        (dict(dtype=np.int32), TypeError, "floating point"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_tagged_classification(**kwargs)
