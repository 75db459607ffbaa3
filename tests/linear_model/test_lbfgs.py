"""The per-tag L-BFGS: every tag its own minimiser, all tags sharing evaluations."""

import array_api_strict
import numpy as np
import pytest
import sklearn

from skrobust.linear_model._lbfgs import PerTagLBFGS


def _quadratics(scales, centres, xp=np):
    """Tag t: f_t(w, b) = 1/2 sum_j scales[t, j] (w_j - centres[t, j])^2 + b_t^2."""
    scales, centres = xp.asarray(scales), xp.asarray(centres)
    calls = []

    def fun(params):
        w, b = params
        calls.append(1)
        diff = w - centres
        values = 0.5 * xp.sum(scales * diff * diff, axis=1) + b * b
        return xp.astype(values, xp.float64), (scales * diff, 2 * b), ()

    return fun, calls


def test_each_tag_reaches_its_own_minimum_whatever_its_conditioning():
    rng = np.random.default_rng(0)
    # Condition numbers 1, 10 and 100: one shared step length could not suit all.
    # (scipy's L-BFGS-B takes 32 iterations for the last one, to 1e-17.)
    scales = np.stack([np.ones(6), np.logspace(0, 1, 6), np.logspace(0, 2, 6)])
    centres = rng.standard_normal((3, 6))
    fun, _ = _quadratics(scales, centres)
    optimizer = PerTagLBFGS(fun, (np.zeros((3, 6)), np.ones(3)))
    for _ in range(40):
        optimizer.step()
    w, b = optimizer.params
    np.testing.assert_allclose(w, centres, atol=1e-6)
    np.testing.assert_allclose(b, 0.0, atol=1e-6)
    assert np.all(optimizer.values < 1e-10)


def test_a_tag_at_its_minimum_stays_and_the_others_still_move():
    centres = np.array([[0.0, 0.0], [3.0, -2.0]])
    fun, calls = _quadratics(np.ones((2, 2)), centres)
    start = (np.zeros((2, 2)), np.zeros(2))  # tag 0 starts at its minimum
    optimizer = PerTagLBFGS(fun, start)
    moved = optimizer.step()
    assert moved == 1
    np.testing.assert_array_equal(optimizer.params[0][0], 0.0)
    assert optimizer.values[1] < 0.5 * (9 + 4)
    # Nothing left to do: a step at the common minimum evaluates nothing, moves nothing.
    for _ in range(20):
        optimizer.step()
    n_calls = len(calls)
    assert optimizer.step() == 0
    assert len(calls) == n_calls
    np.testing.assert_allclose(optimizer.params[0], centres, atol=1e-8)


def test_backtracks_per_tag_and_keeps_an_accepted_step():
    """A tag whose full step overshoots backtracks; another tag's accepted first trial
    is the one it keeps (not the later, shorter trials made for the other)."""
    calls = []

    def fun(params):
        (w,) = params
        calls.append(w.copy())
        # Tag 0 is far from its minimum; tag 1 is steep and 0.09 from its minimum,
        # so a first step of unit length overshoots it.
        values = np.array([0.5 * np.sum((w[0] - 1) ** 2), 100 * np.sum((w[1] - 0.05) ** 2)])
        grads = (np.stack([w[0] - 1, 200 * (w[1] - 0.05)]),)
        return values, grads, ()

    optimizer = PerTagLBFGS(fun, (np.zeros((2, 3)),))
    start = optimizer.values.copy()
    optimizer.step()
    assert len(calls) > 2  # tag 1 needed more than one trial
    # Tag 0's first step, -g scaled to unit length, was accepted at full length.
    np.testing.assert_allclose(optimizer.params[0][0], np.ones(3) / np.sqrt(3), rtol=1e-12)
    assert optimizer.values[1] < start[1]  # tag 1 decreased too, on a shorter step


def test_float32_parameters_stay_float32_and_values_are_wide():
    fun, _ = _quadratics(np.ones((2, 4), np.float32), np.ones((2, 4), np.float32))
    optimizer = PerTagLBFGS(fun, (np.zeros((2, 4), np.float32), np.zeros(2, np.float32)))
    for _ in range(3):
        optimizer.step()
    assert all(p.dtype == np.float32 for p in optimizer.params)
    assert optimizer.values.dtype == np.float64


def test_runs_on_array_api_strict():
    xp = array_api_strict
    rng = np.random.default_rng(1)
    scales, centres = np.abs(rng.standard_normal((3, 5))) + 0.5, rng.standard_normal((3, 5))
    fun, _ = _quadratics(scales, centres, xp=xp)
    with sklearn.config_context(array_api_dispatch=True):
        optimizer = PerTagLBFGS(fun, (xp.zeros((3, 5), dtype=xp.float64),
                                      xp.zeros(3, dtype=xp.float64)))
        for _ in range(30):
            optimizer.step()
    np.testing.assert_allclose(np.asarray(optimizer.params[0]), centres, atol=1e-6)


@pytest.mark.parametrize("memory", [1, 3])
def test_keeps_at_most_memory_pairs(memory):
    fun, _ = _quadratics(np.logspace(0, 1, 8)[None, :], np.ones((1, 8)))
    optimizer = PerTagLBFGS(fun, (np.zeros((1, 8)), np.zeros(1)), memory=memory)
    for _ in range(6):
        optimizer.step()
    assert len(optimizer._pairs) == memory


def test_a_step_on_negative_curvature_counts_as_moving():
    """cos(w) from w = 0.5: the first step, -g (|g| < 1), to 0.5 + sin(0.5) decreases f
    where the curvature is negative (s.y < 0). The pair is dropped, but the tag
    moved: not "converged"."""

    def fun(params):
        (w,) = params
        return np.cos(w[:, 0]), (-np.sin(w),), ()

    optimizer = PerTagLBFGS(fun, (np.full((1, 1), 0.5),))
    assert optimizer.step() == 1
    np.testing.assert_allclose(optimizer.params[0], 0.5 + np.sin(0.5))
    assert optimizer._pairs[-1][2][0] == 0.0  # rho 0: the pair is not used
