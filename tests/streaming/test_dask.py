"""dask: dask-ml's Incremental and joblib's dask backend on a 2-process LocalCluster.

The cluster is started once for the module and stopped at its end. Incremental calls
``partial_fit`` block by block, shipping the pickled model from task to task, so
with the same block order the cluster must reproduce the in-process fit: we require
coef_, intercept_ and pi_ equal to 1e-10 relative (observed: bit-for-bit) and
identical accuracy.
"""

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from distributed import get_task_stream
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.streaming import incremental_inputs

# With pytest-xdist's --dist loadgroup all tests here run in one worker: one cluster.
pytestmark = pytest.mark.xdist_group("dask")

N, BLOCK, RTOL = 2000, 400, 1e-10


@pytest.fixture(scope="module")
def tagged():
    X, Y, Z = make_tagged_classification(
        n_samples=N, n_features=8, n_tags=3, pi=[0.4, 0.7, 1.0], random_state=0
    )
    return X, Y, Z


def estimator(**params):
    return RobustLogisticRegression(batch_size=100, random_state=0, **params)


def in_process(X, Y, order, **params):
    model = estimator(**params)
    for block in order:
        model.partial_fit(X[block * BLOCK : (block + 1) * BLOCK],
                          Y[block * BLOCK : (block + 1) * BLOCK])
    return model


def assert_close_models(a, b):
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=RTOL, atol=0,
                                   err_msg=name)
    assert a.t_ == b.t_ and a.n_iter_ == b.n_iter_


@pytest.mark.parametrize("shuffle", [False, True])
def test_incremental_binary_fit_predict_score(client, tagged, shuffle):
    """The whole Incremental API on a 1-D y; also with the estimator's in-chunk
    shuffling, whose RNG travels inside the pickled model from worker to worker."""
    X, Y, Z = tagged
    dX = da.from_array(X, chunks=(BLOCK, 4))  # split columns too: incremental_inputs joins
    dy = da.from_array(Y[:, 0], chunks=300)  # misaligned rows: incremental_inputs aligns
    dX, dy = incremental_inputs(dX, dy)
    inc = Incremental(estimator(shuffle=shuffle), shuffle_blocks=False)
    with get_task_stream(client) as stream:
        inc.fit(dX, dy, classes=[0, 1])
    workers = set(client.scheduler_info()["workers"])
    assert stream.data and {task["worker"] for task in stream.data} <= workers

    reference = in_process(X, Y[:, 0], range(N // BLOCK), shuffle=shuffle)
    assert_close_models(inc.estimator_, reference)

    predicted = inc.predict(dX)
    proba = inc.predict_proba(dX)
    assert isinstance(predicted, da.Array) and isinstance(proba, da.Array)
    np.testing.assert_array_equal(predicted.compute(), reference.predict(X))
    np.testing.assert_allclose(proba.compute(), reference.predict_proba(X), rtol=RTOL)
    score = inc.score(dX, dy)
    assert score == pytest.approx(reference.score(X, Y[:, 0]), abs=1e-12)
    # score is the tags' mean log-likelihood; it learned something from tags with
    # pi = 0.4: better than predicting the tags' base rate for every image.
    rate = Y[:, 0].mean()
    assert score > rate * np.log(rate) + (1 - rate) * np.log1p(-rate)


def test_incremental_shuffled_blocks_match_the_same_order_in_process(client, tagged):
    X, Y, _ = tagged
    dX, dy = incremental_inputs(da.from_array(X, chunks=BLOCK), da.from_array(Y[:, 1], chunks=BLOCK))
    inc = Incremental(estimator(), shuffle_blocks=True, random_state=5)
    inc.fit(dX, dy, classes=[0, 1])
    order = list(range(N // BLOCK))
    np.random.RandomState(5).shuffle(order)  # how dask-ml 2025.1 orders the blocks
    assert order != sorted(order)
    assert_close_models(inc.estimator_, in_process(X, Y[:, 1], order))


def test_incremental_tag_matrix(client, tagged):
    """A 2-D tag matrix: fit through incremental_inputs (a dask DataFrame of tags),
    predict_proba through Incremental, predict block-wise (see test below)."""
    X, Y, Z = tagged
    dX, dY = incremental_inputs(da.from_array(X, chunks=BLOCK),
                                da.from_array(Y, chunks=(250, 2)))
    inc = Incremental(estimator(), shuffle_blocks=False).fit(dX, dY)
    reference = in_process(X, Y, range(N // BLOCK))
    assert_close_models(inc.estimator_, reference)
    assert inc.estimator_.pi_.shape == (3,)

    proba = inc.predict_proba(dX).compute()
    np.testing.assert_allclose(proba, reference.predict_proba(X), rtol=RTOL)
    predicted = dX.map_blocks(inc.estimator_.predict, chunks=(dX.chunks[0], (3,)),
                              dtype=np.int64).compute()
    np.testing.assert_array_equal(predicted, reference.predict(X))
    # One pass over 2,000 rows: against the true labels Z it beats always-negative.
    assert accuracy_score(Z.ravel(), predicted.ravel()) > 1 - Z.mean() + 0.05


@pytest.mark.xfail(strict=True, reason=(
    "dask-ml 2025.1.0 Incremental: _partial.fit indexes y blocks as (name, i), which a "
    "2-D dask y does not have; incremental_inputs works around it. Strict: when dask-ml "
    "fixes it, this fails and docs/streaming.md should be updated."))
def test_incremental_raw_2d_dask_y_is_broken_upstream(client, tagged):
    X, Y, _ = tagged
    Incremental(estimator(), shuffle_blocks=False).fit(
        da.from_array(X, chunks=BLOCK), da.from_array(Y, chunks=(BLOCK, 3)))


def test_gridsearch_with_joblib_dask_backend(client, tagged):
    X, Y, _ = tagged
    search = GridSearchCV(
        estimator(max_iter=5, tol=None), {"alpha": [1e-4, 1e-1], "noise": ["missing", "none"]},
        cv=2,
    )
    local = GridSearchCV(**search.get_params(deep=False)).fit(X, Y[:, 0])
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        search.fit(X, Y[:, 0])
    # joblib batches the 4 candidates x 2 folds into a varying number of tasks.
    workers = set(client.scheduler_info()["workers"])
    assert stream.data and {task["worker"] for task in stream.data} <= workers
    assert search.best_params_ == local.best_params_
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], rtol=0, atol=1e-12)
