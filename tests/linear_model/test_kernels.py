"""The weight update (skrobust.linear_model._kernels) against heavy-ball momentum as usually
written, with a velocity; the BLAS fast path against NumPy's operators."""

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust.linear_model import _kernels
from skrobust.linear_model._kernels import momentum_update


def velocity_form(coef, velocity, step, X, lr, momentum, alpha):
    velocity = momentum * velocity + step.T @ X - lr * alpha * coef
    return coef + velocity, velocity


def trainer_steps(coef, momentum, steps, xp=np):
    """Drive momentum_update as train_pass does: the first step into a new array,
    then (with momentum) a second new one, then in place over the previous weights."""
    previous = None if momentum == 0 else coef
    owned = []
    for step, X, lr, alpha in steps:
        target = previous if previous is not None else coef
        out = target if any(target is a for a in owned) else None
        new = momentum_update(coef, previous, step, X, lr, momentum, alpha, xp, out)
        if out is None:
            owned.append(new)
        else:
            assert new is out
        if previous is not None:
            previous = coef
        coef = new
        yield coef, previous


def random_steps(rng, n_tags, n_features, dtype=np.float64, alpha=1e-2, sparse=False):
    steps = []
    for lr in (0.1, 0.1, 0.02, 0.5):  # the rate may change between steps
        X = rng.normal(size=(4, n_features)).astype(dtype)
        step = rng.normal(size=(4, n_tags)).astype(dtype)
        steps.append((step, sp.csr_array(X) if sparse else X, lr, alpha))
    return steps


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("alpha", [0.0, 1e-2, "per_tag"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("one_row_blocks", [False, True])
def test_matches_velocity_form_over_several_steps(
    momentum, alpha, sparse, one_row_blocks, monkeypatch
):
    if one_row_blocks:  # blocked work runs block by block (3 blocks of 1 tag)
        monkeypatch.setattr(_kernels, "BLOCK_BYTES", 1)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(3, 5))
    if alpha == "per_tag":
        alpha = np.array([[0.0], [1e-2], [0.3]])
    steps = random_steps(rng, 3, 5, alpha=alpha, sparse=sparse)
    original = coef.copy()
    ref_coef, ref_velocity = coef.copy(), np.zeros_like(coef)
    for (step, X, lr, _), (new, previous) in zip(steps, trainer_steps(coef, momentum, steps)):
        X_dense = X.toarray() if sparse else X
        ref_coef, ref_velocity = velocity_form(
            ref_coef, ref_velocity, step, X_dense, lr, momentum, alpha
        )
        np.testing.assert_allclose(new, ref_coef, rtol=1e-12, atol=1e-12)
        if momentum:
            np.testing.assert_allclose(new - previous, ref_velocity, atol=1e-12)
        else:
            assert previous is None
    np.testing.assert_array_equal(coef, original)  # the given weights are never written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("alpha", [1e-3, "per_tag"])
def test_blas_path_matches_numpy_operators(dtype, momentum, alpha, monkeypatch):
    """The BLAS fast path (GEMM accumulating into the weights, axpy) and the plain
    NumPy operators give the same weights to rounding."""
    rng = np.random.default_rng(3)
    n_tags, n_features = 70, 33
    if alpha == "per_tag":
        alpha = rng.uniform(0, 0.1, size=(n_tags, 1)).astype(dtype)
    coef = rng.normal(size=(n_tags, n_features)).astype(dtype)
    steps = random_steps(rng, n_tags, n_features, dtype=dtype, alpha=alpha)
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 1000)  # several row blocks per tag scale
    fast = [c.copy() for c, _ in trainer_steps(coef, momentum, steps)]
    monkeypatch.setattr(_kernels, "USE_BLAS", False)
    plain = [c.copy() for c, _ in trainer_steps(coef, momentum, steps)]
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fast, plain):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_blas_path_is_taken_and_writes_in_place():
    """On C-contiguous NumPy floats the update goes through BLAS and into ``out``."""
    rng = np.random.default_rng(1)
    coef = rng.normal(size=(3, 5)).astype(np.float32)
    previous = coef + 0.5
    step = rng.normal(size=(4, 3)).astype(np.float32)
    X = rng.normal(size=(4, 5)).astype(np.float32)
    assert _kernels._blas(coef, previous, step, X) is not None
    assert _kernels._blas(coef, np.asfortranarray(previous), step, X) is None
    expected = 1.9 * coef - 0.9 * previous + step.T @ X
    out = previous.copy()
    new = momentum_update(coef, out, step, X, 0.1, 0.9, 0.0, np, out)
    assert new is out and new.dtype == np.float32
    np.testing.assert_allclose(new, expected, rtol=1e-5)
    fresh = momentum_update(coef, previous, step, X, 0.1, 0.9, 0.0, np)
    assert fresh is not coef and fresh is not previous
    np.testing.assert_allclose(fresh, expected, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_and_weighted_sums_match_numpy(dtype):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 5)).astype(dtype)
    coef = rng.normal(size=(3, 5)).astype(dtype)
    intercept = rng.normal(size=3).astype(dtype)
    weights = rng.uniform(size=6).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    scores = _kernels.linear_scores(X, coef, intercept)
    assert scores.dtype == dtype and scores.flags.c_contiguous
    np.testing.assert_allclose(scores, X @ coef.T + intercept, rtol=rtol)
    np.testing.assert_allclose(
        _kernels.linear_scores(sp.csr_array(X), coef, intercept), scores, rtol=rtol
    )
    np.testing.assert_allclose(_kernels.weighted_sum(weights, scores), weights @ scores,
                               rtol=rtol)
    # A strided operand takes NumPy's operators.
    np.testing.assert_allclose(_kernels.weighted_sum(weights[::2], scores[::2]),
                               weights[::2] @ scores[::2], rtol=rtol)


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
    expected = momentum_update(coef.copy(), previous.copy(), step, X, 0.1, 0.9, 1e-2, np)
    got = momentum_update(
        torch.asarray(coef), torch.asarray(previous), torch.asarray(step), torch.asarray(X),
        0.1, 0.9, 1e-2, xp_torch,
    )
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("use_blas", [True, False])
def test_training_in_row_blocks_matches_one_block(use_blas, monkeypatch):
    """Blocks of rows in the weight update change nothing but rounding."""
    from skrobust import RobustLogisticRegression

    monkeypatch.setattr(_kernels, "USE_BLAS", use_blas)
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(n_samples=300, n_features=8, n_tags=5, random_state=0)
    params = dict(batch_size=100, max_iter=3, tol=None, random_state=0)
    whole = RobustLogisticRegression(**params).fit(X, Y)
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 64)  # update's blocked work: 1-2 rows a block
    blocked = RobustLogisticRegression(**params).fit(X, Y)
    np.testing.assert_allclose(blocked.coef_, whole.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(blocked.pi_, whole.pi_, rtol=1e-10)
    np.testing.assert_allclose(blocked.loss_curve_, whole.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_training_with_blas_matches_numpy_operators(dtype, momentum, monkeypatch):
    from skrobust import RobustLogisticRegression
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(n_samples=300, n_features=8, n_tags=5, random_state=0)
    X = X.astype(dtype)
    params = dict(batch_size=50, max_iter=3, tol=None, random_state=0, momentum=momentum)
    fast = RobustLogisticRegression(**params).fit(X, Y)
    monkeypatch.setattr(_kernels, "USE_BLAS", False)
    plain = RobustLogisticRegression(**params).fit(X, Y)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert fast.coef_.dtype == dtype
    np.testing.assert_allclose(fast.coef_, plain.coef_, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(fast.pi_, plain.pi_, rtol=rtol)
    np.testing.assert_allclose(fast.loss_curve_, plain.loss_curve_, rtol=rtol)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("batch_size", [100, 500])
def test_training_never_writes_arrays_it_was_given(momentum, batch_size):
    """Atomicity without copies: a pass writes only arrays it made, so weights a
    caller holds (coef_ of an earlier call) keep their values, and a pass that
    diverges, in its first step or a later one, leaves the model's arrays as they
    were."""
    from skrobust import RobustLogisticRegression
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(n_samples=1500, n_features=8, n_tags=5, random_state=0)
    X = X.astype(np.float32)
    model = RobustLogisticRegression(batch_size=batch_size, momentum=momentum)
    model.partial_fit(X[:500], Y[:500])
    held = [(a, a.copy()) for a in (model.coef_, model._previous_coef) if a is not None]
    model.partial_fit(X[500:1000], Y[500:1000])
    model.partial_fit(X[:500], Y[:500])
    for array, values in held:
        np.testing.assert_array_equal(array, values)
    current = [(a, a.copy()) for a in (model.coef_, model._previous_coef) if a is not None]
    X_bad = X[1000:].copy()
    X_bad[-1, 0] = np.inf  # the last minibatch fails, after the others stepped
    with pytest.raises(ValueError, match="infinity"):
        model.partial_fit(X_bad, Y[1000:])
    for array, values in current:
        np.testing.assert_array_equal(array, values)
    assert model.coef_ is current[0][0]
