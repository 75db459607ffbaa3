"""solver="sgd" (the default) on dask arrays: averaged per-worker epochs on a
2-process LocalCluster (see skrobust/linear_model/_dask_sgd.py).

Without a distributed client there is one chain over the blocks in turn: with
``shuffle=False`` and blocks a multiple of ``batch_size`` its minibatches are the
in-memory fit's, so the two must agree to rounding. On the cluster each epoch
mixes two chains: another model than in memory, reproducible on the same number of
workers, and about as good.
"""

import dask
import dask.array as da
import numpy as np
import pytest
import scipy.sparse as sp
from distributed import wait

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.datasets import make_tagged_classification
from skrobust.linear_model import _dask_sgd
from skrobust.linear_model._auto_alpha import AUTO_ALPHAS
from skrobust.linear_model._em import m_step
from skrobust.linear_model._sgd_em import TrainingConfig, TrainingState

pytestmark = [pytest.mark.xdist_group("dask"),
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]

N = 1600
# Blocks a multiple of batch_size (100), uneven, one of them empty; X split by columns.
X_CHUNKS = ((400, 700, 0, 200, 300), (5, 3))
PARAMS = dict(batch_size=100, max_iter=15, alpha=1e-3, pi_method="em", random_state=0)


@pytest.fixture(scope="module")
def data():
    X, Y, _ = make_tagged_classification(
        n_samples=N, n_features=8, n_tags=3, pi=[0.4, 0.7, 0.9], random_state=0
    )
    return X, Y


def on_dask(X, Y, y_chunks=(600, 2)):
    """X in X_CHUNKS; Y in row blocks that do not line up with X's."""
    return da.from_array(X, chunks=X_CHUNKS), da.from_array(Y, chunks=y_chunks)


def assert_same_fit(model, reference, rtol=1e-10):
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_allclose(getattr(model, name), getattr(reference, name),
                                   rtol=rtol, atol=rtol, err_msg=name)
    assert model.n_iter_ == reference.n_iter_ and model.t_ == reference.t_
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=rtol)


@pytest.mark.parametrize("sparse", [False, True])
def test_one_chain_without_a_client_is_the_in_memory_fit(client, data, sparse):
    """dask's local threads: one chain over the blocks in turn, the in-memory fit's
    minibatches (shuffle=False), so the same model; sparse CSR blocks too."""
    X, Y = data
    params = dict(PARAMS, shuffle=False)
    expected = RobustLogisticRegression(**params).fit(X, Y)
    dX, dY = on_dask(X, Y)
    if sparse:
        dX = dX.rechunk({1: -1}).map_blocks(sp.csr_matrix)
        dY = dY.map_blocks(sp.csr_matrix)
    with dask.config.set(scheduler="threads"):
        model = RobustLogisticRegression(**params).fit(dX, dY)
    assert_same_fit(model, expected)
    assert isinstance(model.coef_, np.ndarray)


def test_two_workers_mix_two_chains(client, data):
    """Each epoch trains one chain per worker and averages them: the same model on
    a second fit (random_state), and after 60 epochs the in-memory fit's loss
    (0.5%) and pi (0.02). An epoch of two chains of half the steps each moves about
    as far as an in-memory epoch at twice the batch size: behind the in-memory fit
    at 15 epochs (pi 0.35 against 0.39 for the first tag), level at 60."""
    X, Y = data
    dX, dY = on_dask(X, Y)
    params = dict(PARAMS, max_iter=60, tol=None)
    model = RobustLogisticRegression(**params).fit(dX, dY)
    again = RobustLogisticRegression(**params).fit(dX, dY)
    assert_same_fit(again, model, rtol=0)
    expected = RobustLogisticRegression(**params).fit(X, Y)
    assert model.n_iter_ == expected.n_iter_ == 60
    assert model.loss_curve_[-1] == pytest.approx(expected.loss_curve_[-1], rel=5e-3)
    np.testing.assert_allclose(model.pi_, expected.pi_, atol=0.02)
    assert np.mean(model.predict(X) == expected.predict(X)) > 0.98
    # every chain's minibatch updates are counted: as many as in memory
    assert model.t_ == expected.t_


def test_blocks_are_loaded_once_onto_their_chains_workers(client, data):
    """Block i is held by chain i mod 2's worker, once for the whole fit; an epoch
    moves the model to the workers and the chains' ends back, and ends with the
    driver's mix of both chains."""
    X, Y = data
    dX, dY = on_dask(X, Y)
    weights = da.ones(N, chunks=X_CHUNKS[0])
    epochs = _dask_sgd.DaskEpochs(dX, dY, weights)
    wait(epochs.blocks)
    assert epochs.workers == sorted(client.nthreads())
    assert epochs.chains == [[0, 2], [1, 3]]  # 4 blocks (the empty one is left out)
    holders = client.who_has(epochs.blocks)
    for i, block in enumerate(epochs.blocks):
        assert holders[block.key] == (epochs.workers[i % 2],)
    model = RobustLogisticRegression(**PARAMS).fit(X[:10], Y[:10])  # a state and config
    start = model._get_state()
    state, loss = epochs.epoch(start, model._config(), rng=None)
    assert np.isfinite(loss) and state.coef.shape == (3, 8)
    assert state.n_updates == start.n_updates + N // 100  # both chains' steps


def test_mixing_weighs_chains_by_rows_and_shares_the_m_step():
    """Weights, momentum memory and EM statistics are averaged with each chain's
    rows as its weight; pi and gamma come from one M-step on the averaged
    statistics; the updates of all chains are counted; a chain without rows is
    left out, and one chain is taken as it is."""
    rng = np.random.default_rng(0)

    def state(n_updates, **arrays):
        stats = tuple(rng.uniform(0.1, 1, 2) for _ in range(3))
        return TrainingState(coef=rng.normal(size=(2, 3)), intercept=rng.normal(size=2),
                             previous_coef=rng.normal(size=(2, 3)),
                             previous_intercept=rng.normal(size=2), stats=stats,
                             pi=np.full(2, 0.5), gamma=np.ones(2), n_updates=n_updates,
                             **arrays)

    start, a, b, idle = state(10), state(13), state(11), state(10)
    config = TrainingConfig(alpha=0.0, schedule="constant", learning_rate=0.1, power_t=0.5,
                            momentum=0.9, batch_size=10, em_step=1.0, learn_pi=True,
                            learn_gamma=False)
    mixed, loss = _dask_sgd.mixed(start, [(a, 6.0, 30), (b, 2.0, 10), (idle, 0.0, 0)], config)
    for name in ("coef", "intercept", "previous_coef", "previous_intercept"):
        np.testing.assert_allclose(getattr(mixed, name),
                                   0.75 * getattr(a, name) + 0.25 * getattr(b, name))
    stats = tuple(0.75 * s + 0.25 * t for s, t in zip(a.stats, b.stats))
    np.testing.assert_allclose(mixed.stats, stats)
    np.testing.assert_allclose(mixed.pi, m_step(stats, np)[0])
    np.testing.assert_array_equal(mixed.gamma, start.gamma)  # gamma is not learned
    assert mixed.n_updates == 10 + 3 + 1
    assert loss == pytest.approx(8.0 / 40)
    alone, alone_loss = _dask_sgd.mixed(start, [(a, 6.0, 30), (idle, 0.0, 0)], config)
    assert alone is a and alone_loss == pytest.approx(0.2)


def test_default_estimator_trains_on_the_cluster(client, data):
    """The defaults (alpha="auto", Elkan & Noto's pi) train on the cluster: the
    strength path, the cross-fit and the refit are all SGD on dask arrays; the
    model ranks the tags about as well as the in-memory defaults."""
    X, Y = data
    params = dict(random_state=0, max_iter=20)
    model = RobustLogisticRegression(**params).fit(*on_dask(X, Y))
    expected = RobustLogisticRegression(**params).fit(X, Y)
    assert model.pi_method_ == expected.pi_method_ == "elkan_noto"
    assert model.alpha_ in AUTO_ALPHAS and model.alpha_path_ is not None
    assert model.score(X, Y) == pytest.approx(expected.score(X, Y), abs=0.02)
    np.testing.assert_allclose(model.pi_, expected.pi_, atol=0.1)


def test_cross_validation_trains_the_folds_as_columns_on_dask(scheduler, data):
    """RobustLogisticRegressionCV with SGD: the folds and strengths train as columns
    of one model over the dask blocks (each block carrying its rows' fold
    membership). With one chain (local threads, shuffle=False) the same path,
    choice and model as in memory; on the cluster (two chains) a path that scores
    the same strengths alike."""
    X, Y = data
    params = dict(batch_size=100, max_iter=8, alphas=[1e-3, 1e-1], cv=3, random_state=0,
                  pi_method="em", shuffle=False)
    expected = RobustLogisticRegressionCV(**params).fit(X, Y)
    model = RobustLogisticRegressionCV(**params).fit(*on_dask(X, Y, y_chunks=(X_CHUNKS[0], 3)))
    if scheduler is None:
        assert model.alpha_ == expected.alpha_
        np.testing.assert_allclose(model.epoch_scores_, expected.epoch_scores_, atol=1e-8)
        np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-8, atol=1e-10)
    else:
        assert model.epoch_scores_.shape[0] == expected.epoch_scores_.shape[0]
        np.testing.assert_allclose(model.epoch_scores_, expected.epoch_scores_, atol=0.02)


def test_partial_fit_on_dask_is_one_epoch(scheduler, data):
    """partial_fit on dask arrays trains one (mixed) epoch over them; with one chain
    the in-memory partial_fit's."""
    X, Y = data
    params = dict(PARAMS, shuffle=False)
    model = RobustLogisticRegression(**params).partial_fit(*on_dask(X, Y))
    expected = RobustLogisticRegression(**params).partial_fit(X, Y)
    assert model.n_iter_ == 1
    if scheduler is None:
        assert_same_fit(model, expected)
    else:
        # two chains of half the steps: an epoch that gets less far
        assert expected.loss_curve_[0] < model.loss_curve_[0] < 1.1 * expected.loss_curve_[0]


def test_binary_labels_sample_weight_and_float32(client, data):
    """A 1-D y of two string labels, dask sample weights, and float32 X (trained in
    float32 on the workers, mixed in float32)."""
    X, Y = data
    X = X.astype(np.float32)
    y = np.where(Y[:, 1] == 1, "cat", "dog")
    weights = np.random.default_rng(0).uniform(0, 2, N)
    params = dict(PARAMS, noise="missing+spurious", pos_label="cat")
    model = RobustLogisticRegression(**params).fit(
        da.from_array(X, chunks=400), da.from_array(y, chunks=700),
        sample_weight=da.from_array(weights, chunks=500))
    expected = RobustLogisticRegression(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(model.classes_, ["dog", "cat"])
    assert model.coef_.dtype == np.float32 and model.pi_.dtype == np.float32
    assert np.mean(model.predict(X) == expected.predict(X)) > 0.95


@pytest.mark.parametrize(
    "params, fit_params, match",
    [
        (dict(early_stopping=True), {}, "early_stopping"),
        ({}, dict(tag_effort=np.ones(N, dtype=int)), "dask arrays"),
        (dict(effort="other_tags"), {}, "dask arrays"),
    ],
)
def test_refused_settings(client, data, params, fit_params, match):
    X, Y = data
    model = RobustLogisticRegression(**PARAMS, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(*on_dask(X, Y), **fit_params)
    assert not hasattr(model, "coef_")


def test_divergence_on_dask_leaves_model_unchanged(client, data):
    """A step size that blows the weights up fails like in memory, after the epoch
    (X checked where the blocks are), and leaves the model as it was."""
    X, Y = data
    model = RobustLogisticRegression(**dict(PARAMS, alpha=0.0), warm_start=True).fit(X, Y)
    coef = model.coef_.copy()
    model.set_params(eta0=10.0)
    huge = X.copy()
    huge[0, 0] = 1e300  # passes validation, overflows in the first epoch
    with pytest.raises(ValueError, match="diverged"):
        model.fit(*on_dask(huge, Y))
    bad = X.copy()
    bad[5, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(*on_dask(bad, Y))
    np.testing.assert_array_equal(model.coef_, coef)


def test_worker_killed_mid_fit(data, fit_killing_a_worker):
    """One worker process is killed after the second epoch. Every chain task is a
    pure function of the model it starts from, its block and its seed, so the fit
    either completes with the model of a fit nobody interrupted (the lost blocks and
    chain steps recomputed on the worker left) or raises and leaves the model as it
    was: never a wrong model."""
    X, Y = data
    dX, dY = da.from_array(X, chunks=200), da.from_array(Y, chunks=200)
    reference = RobustLogisticRegression(**PARAMS).fit(dX, dY)
    model = RobustLogisticRegression(**PARAMS)
    if fit_killing_a_worker(model, dX, dY, after=2):
        assert_same_fit(model, reference, rtol=1e-12)
