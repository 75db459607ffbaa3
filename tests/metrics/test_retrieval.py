"""skrobust.metrics.retrieval_precision: the vectorised, batched queries against a
slow reference written from the definition; query enumeration and subsampling."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust.metrics import _queries
from skrobust.metrics import retrieval_precision


# ---------------------------------------------------- retrieval vs a slow reference


def _slow_retrieval(y_true, y_proba, k, sizes):
    """One query at a time, full stable sort: the definition, written plainly."""
    y_true = np.asarray(y_true, dtype=bool)
    logp = np.log(np.clip(y_proba, np.finfo(y_proba.dtype).smallest_normal, None))
    result = {}
    for size in sizes:
        values = []
        for combo in itertools.combinations(range(y_true.shape[1]), size):
            relevant = y_true[:, combo].all(axis=1)
            if not relevant.any():
                continue
            score = logp[:, combo[0]].copy()
            for t in combo[1:]:  # same order of additions as the vectorised code
                score += logp[:, t]
            top = np.argsort(-score, kind="stable")[:k]
            values.append(relevant[top].sum() / min(k, relevant.sum()))
        result[size] = float(np.mean(values)) if values else np.nan
    return result


@pytest.mark.parametrize("seed", range(4))
def test_retrieval_matches_slow_reference(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n_images, n_tags = 40 + 10 * seed, 6 + seed
    y_true = rng.random((n_images, n_tags)) < 0.35
    # Coarse probabilities, some exactly 0: ties everywhere and clipped logs.
    y_proba = np.round(rng.random((n_images, n_tags)), 1)
    # Tiny batches so that the batching itself is exercised.
    monkeypatch.setattr(_queries, "CPU_BATCH_ELEMENTS", 3 * n_images)
    for k in (1, 3, 10):
        fast = retrieval_precision(y_true, y_proba, k=k, query_sizes=(1, 2, 3))
        slow = _slow_retrieval(y_true, y_proba, k, (1, 2, 3))
        assert fast.precision == pytest.approx(slow, nan_ok=True)


def test_enumerate_queries_matches_itertools():
    rng = np.random.default_rng(3)
    Y = rng.random((25, 8)) < 0.3
    found = _queries.enumerate_queries(sp.csr_matrix(Y), [1, 2, 3, 4])
    for size, combos in found.items():
        expected = [c for c in itertools.combinations(range(8), size) if Y[:, c].all(axis=1).any()]
        expected = np.array(expected).reshape(-1, size)
        np.testing.assert_array_equal(combos.reshape(-1, size), expected)


def test_max_queries_subsamples_reproducibly():
    rng = np.random.default_rng(0)
    Y = rng.random((50, 10)) < 0.4
    P = rng.random((50, 10))
    full = retrieval_precision(Y, P, k=3)
    part = retrieval_precision(Y, P, k=3, max_queries=20, random_state=0)
    assert part.n_queries == {1: 10, 2: 20, 3: 20}
    assert part.n_candidates == full.n_candidates
    assert part.precision[1] == full.precision[1]  # 10 <= 20: every query kept
    assert part == retrieval_precision(Y, P, k=3, max_queries=20, random_state=0)
    big = retrieval_precision(Y, P, k=3, max_queries=10**6, random_state=0)
    assert big == full
