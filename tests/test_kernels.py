"""The in-place weight update (skrobust._kernels) against heavy-ball momentum as
usually written, with a velocity."""

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust import _kernels
from skrobust._kernels import momentum_update


def velocity_form(coef, velocity, step, X, lr, momentum, alpha):
    velocity = momentum * velocity + step.T @ X - lr * alpha * coef
    return coef + velocity, velocity


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("alpha", [0.0, 1e-2])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("one_row_blocks", [False, True])
def test_matches_velocity_form_over_several_steps(
    momentum, alpha, sparse, one_row_blocks, monkeypatch
):
    if one_row_blocks:  # the update then runs block by block (3 blocks of 1 tag)
        monkeypatch.setattr(_kernels, "BLOCK_BYTES", 1)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(3, 5))
    ref_coef, ref_velocity = coef.copy(), np.zeros_like(coef)
    previous = None if momentum == 0 else coef.copy()
    scratch = {}
    for lr in (0.1, 0.1, 0.02, 0.5):  # the rate may change between steps
        X = rng.normal(size=(4, 5))
        step = rng.normal(size=(4, 3))
        ref_coef, ref_velocity = velocity_form(
            ref_coef, ref_velocity, step, X, lr, momentum, alpha
        )
        X_in = sp.csr_array(X) if sparse else X
        coef, previous = momentum_update(
            coef, previous, step, X_in, lr, momentum, alpha, np, scratch
        )
        np.testing.assert_allclose(coef, ref_coef, rtol=1e-12, atol=1e-12)
        if momentum:
            np.testing.assert_allclose(coef - previous, ref_velocity, atol=1e-12)
        else:
            assert previous is None


def test_swaps_buffers_instead_of_allocating_weights():
    """With momentum the new weights go into the previous weights' buffer."""
    rng = np.random.default_rng(1)
    coef = rng.normal(size=(3, 5)).astype(np.float32)
    previous = coef.copy()
    step = rng.normal(size=(4, 3)).astype(np.float32)
    X = rng.normal(size=(4, 5)).astype(np.float32)
    new, old = momentum_update(coef, previous, step, X, 0.1, 0.9, 1e-3, np, {})
    assert new is previous and old is coef
    assert new.dtype == np.float32


def test_row_blocks_cover_every_row_once():
    for n_rows in (1, 7, 81, 1000, 5400):
        blocks = _kernels.row_blocks(n_rows, 4096 * 4, np)
        assert blocks[0].start == 0 and blocks[-1].stop == n_rows
        assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:]))
        assert all(b.stop - b.start <= max(1, _kernels.BLOCK_BYTES // (4096 * 4)) for b in blocks)


def test_one_block_off_numpy():
    from sklearn.externals.array_api_compat import torch as xp_torch

    assert _kernels.row_blocks(5400, 4096 * 4, xp_torch) == [slice(0, 5400)]


@pytest.mark.parametrize("one_row_blocks", [False, True])
def test_generic_path_matches_numpy_path(one_row_blocks, monkeypatch):
    if one_row_blocks:
        monkeypatch.setattr(_kernels, "BLOCK_BYTES", 1)
    torch = pytest.importorskip("torch")
    from sklearn.externals.array_api_compat import torch as xp_torch

    rng = np.random.default_rng(2)
    coef = rng.normal(size=(3, 5))
    previous = coef + 0.1
    step = rng.normal(size=(4, 3))
    X = rng.normal(size=(4, 5))
    expected, _ = momentum_update(coef.copy(), previous.copy(), step, X, 0.1, 0.9, 1e-2, np, {})
    got, _ = momentum_update(
        torch.asarray(coef), torch.asarray(previous), torch.asarray(step), torch.asarray(X),
        0.1, 0.9, 1e-2, xp_torch, {},
    )
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_training_in_row_blocks_matches_one_block(monkeypatch):
    """Blocks of rows in the E-step and the weight update change nothing but rounding."""
    from skrobust import RobustLogisticRegression
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(n_samples=300, n_features=8, n_tags=5, random_state=0)
    params = dict(batch_size=100, max_iter=3, tol=None, random_state=0)
    whole = RobustLogisticRegression(**params).fit(X, Y)
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 64)  # E-step and update: 1-2 rows a block
    blocked = RobustLogisticRegression(**params).fit(X, Y)
    np.testing.assert_allclose(blocked.coef_, whole.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(blocked.pi_, whole.pi_, rtol=1e-10)
    np.testing.assert_allclose(blocked.loss_curve_, whole.loss_curve_, rtol=1e-10)
