"""solver="lbfgs" on dask arrays: data-parallel passes on a 2-process LocalCluster.

The cluster is started once for the module. The distributed fit runs the same
objective, line search and stopping rule as the fit in memory, block by block with
the sums added in another order, so it must agree with it to 1e-6 (float64).
"""

import dask
import dask.array as da
import numpy as np
import pytest
import scipy.sparse as sp

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.datasets import make_tagged_classification
from skrobust.linear_model._dask_pass import DaskPass, current_client

pytestmark = pytest.mark.xdist_group("dask")

N = 1500
# Uneven row blocks with an empty one; columns split (joined by the fit).
X_CHUNKS = ((400, 700, 0, 150, 250), (5, 3))
# pi by EM: these tests compare the cluster's passes with the fit in memory on EM's
# objective (Elkan & Noto's pi on the cluster: test_elkan_noto_pi_on_the_cluster).
PARAMS = dict(solver="lbfgs", batch_size=200, max_iter=40, pi_method="em", random_state=0)


@pytest.fixture(scope="module")
def data():
    X, Y, _ = make_tagged_classification(
        n_samples=N, n_features=8, n_tags=3, pi=[0.4, 0.7, 0.9], random_state=0
    )
    return X, Y


@pytest.fixture(scope="module")
def reference(data):
    return RobustLogisticRegression(**PARAMS).fit(*data)


def assert_same_fit(model, reference, rtol=1e-6):
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_allclose(getattr(model, name), getattr(reference, name),
                                   rtol=rtol, atol=rtol, err_msg=name)
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=rtol)
    assert model.n_features_in_ == reference.n_features_in_
    np.testing.assert_array_equal(model.classes_, reference.classes_)


def test_distributed_fit_equals_in_memory_fit(client, data, reference):
    """Uneven blocks, an empty block, X split by columns, and Y in row blocks that
    do not line up with X's (rechunked to X's on the cluster)."""
    X, Y = data
    dX = da.from_array(X, chunks=X_CHUNKS)
    dY = da.from_array(Y, chunks=(600, 2))
    assert current_client() is client
    model = RobustLogisticRegression(**PARAMS).fit(dX, dY)
    assert_same_fit(model, reference)
    assert isinstance(model.coef_, np.ndarray)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), rtol=1e-6)


def test_threaded_scheduler_without_client(client, data, reference):
    """dask's local threads (the client set aside): one graph per pass."""
    X, Y = data
    with dask.config.set(scheduler="threads"):
        assert current_client() is None
        model = RobustLogisticRegression(**PARAMS).fit(da.from_array(X, chunks=X_CHUNKS),
                                                      da.from_array(Y, chunks=500))
    assert_same_fit(model, reference)


def test_sparse_blocks(scheduler, data, reference):
    """scipy.sparse CSR blocks in X and in Y."""
    X, Y = data
    dX = da.from_array(X, chunks=(X_CHUNKS[0], -1)).map_blocks(sp.csr_matrix)
    dY = da.from_array(Y, chunks=(300, 3)).map_blocks(sp.csr_matrix)
    model = RobustLogisticRegression(**PARAMS).fit(dX, dY)
    assert_same_fit(model, reference)


@pytest.mark.parametrize("noise", ["missing+spurious", "none"])
def test_binary_labels_and_sample_weight(scheduler, data, noise):
    """A 1-D y of two string labels, dask sample weights, other noise models."""
    X, Y = data
    y = np.where(Y[:, 1] == 1, "cat", "dog")
    weights = np.random.default_rng(0).uniform(0, 2, N)
    params = dict(PARAMS, noise=noise, pos_label="cat")
    expected = RobustLogisticRegression(**params).fit(X, y, sample_weight=weights)
    model = RobustLogisticRegression(**params).fit(
        da.from_array(X, chunks=400), da.from_array(y, chunks=700),
        sample_weight=da.from_array(weights, chunks=500),
    )
    np.testing.assert_array_equal(model.classes_, ["dog", "cat"])
    assert_same_fit(model, expected)


def test_float32(client, data):
    """float32 X trains in float32; its sums, added in another order, round
    differently, which 40 iterations carry to about 1e-3."""
    X, Y = data
    X = X.astype(np.float32)
    expected = RobustLogisticRegression(**PARAMS).fit(X, Y)
    model = RobustLogisticRegression(**PARAMS).fit(da.from_array(X, chunks=400),
                                                  da.from_array(Y, chunks=400))
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(model.predict_proba(X), expected.predict_proba(X),
                               atol=1e-3)


def test_each_pass_sends_only_weights_and_sums(client, data):
    """The data are loaded into the workers once; a pass moves the parameters out
    and the summed statistics back, whatever the number of blocks."""
    X, Y = data
    dX, dY = da.from_array(X, chunks=100), da.from_array(Y, chunks=100)
    weights = da.ones(N, chunks=100)
    data_pass = DaskPass(dX, dY, weights, batch_size=50)
    assert len(data_pass.blocks) == N // 100
    assert {b.status for b in data_pass.blocks} <= {"pending", "finished"}
    coef, intercept = np.zeros((3, 8)), np.zeros(3)
    rates = np.full(3, 0.5), np.ones(3)
    sums = data_pass.sums(coef, intercept, *rates, np.float64)
    assert [np.shape(s) for s in sums] == [(3, 8), (3,), (3,), (3,), (3,), (3,)]
    np.testing.assert_allclose(sums[5], Y.sum(axis=0))  # S_y: the tags' sum


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(early_stopping=True), ValueError, "early_stopping"),
    ],
)
def test_refused_settings(client, data, change, error, match):
    X, Y = data
    model = RobustLogisticRegression(**{**PARAMS, **change})
    with pytest.raises(error, match=match):
        model.fit(da.from_array(X, chunks=500), da.from_array(Y, chunks=500))
    assert not hasattr(model, "coef_")


def test_bad_input_leaves_model_unchanged(client, data, reference):
    X, Y = data
    model = RobustLogisticRegression(**PARAMS, warm_start=True).fit(X, Y)
    coef = model.coef_.copy()
    bad_tags = Y.astype(float)
    bad_tags[1000, 0] = 2
    dX = da.from_array(X, chunks=500)
    with pytest.raises(ValueError, match="0/1 tag indicator"):
        model.fit(dX, da.from_array(bad_tags, chunks=500))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(dX, da.from_array(Y[:-1], chunks=500))
    with pytest.raises(ValueError, match="features"):
        model.fit(dX[:, :5], da.from_array(Y, chunks=500))
    with pytest.raises(ValueError, match="Negative values"):
        model.fit(dX, da.from_array(Y, chunks=500), sample_weight=-np.ones(N))
    with pytest.raises(TypeError, match="to_dask_array"):
        model.fit(dX, Y)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        model.fit(dX[dX[:, 0] > 0], da.from_array(Y, chunks=500))
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.n_iter_ == reference.n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("noise", ["missing", "none"])
def test_cross_validation_on_the_cluster(scheduler, data, monkeypatch, noise):
    """RobustLogisticRegressionCV: all folds and strengths train as the columns of
    one model, data-parallel (one DaskPass with the rows' fold membership in its
    blocks: one pass per iteration serves every fold), and the held-out rows are
    scored on the cluster (their AUC, or with noise="none" their log-likelihood;
    uneven blocks, an empty one, Y chunked otherwise); same path, choice, scores and
    refit as in memory."""
    from skrobust.linear_model import _dask_pass

    X, Y = data
    params = dict(solver="lbfgs", batch_size=200, max_iter=15, alphas=[1e-3, 1e-1], cv=3,
                  random_state=0, noise=noise, pi_method="em")
    expected = RobustLogisticRegressionCV(**params).fit(X, Y)
    passes = []
    init = _dask_pass.DaskPass.__init__

    def counted(self, *args, **kwargs):
        init(self, *args, **kwargs)
        passes.append(self)

    monkeypatch.setattr(_dask_pass.DaskPass, "__init__", counted)
    model = RobustLogisticRegressionCV(**params).fit(
        da.from_array(X, chunks=X_CHUNKS), da.from_array(Y, chunks=(X_CHUNKS[0], 3)))
    with_folds = [p for p in passes if p.column_fold is not None]
    assert len(with_folds) == 1 and with_folds[0].n_passes >= model.epoch_scores_.shape[1]
    assert (model.alpha_, model.max_iter_) == (expected.alpha_, expected.max_iter_)
    np.testing.assert_allclose(model.epoch_scores_, expected.epoch_scores_, atol=1e-6)
    np.testing.assert_allclose(model.scores_, expected.scores_, atol=1e-6)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-6, atol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_strength_on_the_cluster(scheduler, data):
    """alpha="auto": the path trains on the cluster and its held-out rows are ranked
    from scores computed there (uneven blocks, an empty one); the same path, choice
    and refit as in memory."""
    X, Y = data
    params = dict(solver="lbfgs", batch_size=200, max_iter=12, pi_method="em", random_state=0)
    expected = RobustLogisticRegression(**params).fit(X, Y)
    model = RobustLogisticRegression(**params).fit(da.from_array(X, chunks=X_CHUNKS),
                                                   da.from_array(Y, chunks=(X_CHUNKS[0], 3)))
    assert model.alpha_ == expected.alpha_
    np.testing.assert_allclose(model.alpha_path_, expected.alpha_path_, atol=1e-6)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-6, atol=1e-6)


def test_tag_log_likelihood_of_dask_data(client, data, reference):
    X, Y = data
    np.testing.assert_allclose(
        reference.tag_log_likelihood(da.from_array(X, chunks=X_CHUNKS),
                                     da.from_array(Y, chunks=300)),
        reference.tag_log_likelihood(X, Y), rtol=1e-10)


def test_score_of_dask_data(client, data, reference):
    """score (the mean per-image AUC): each block ranks its own images' tags on
    the cluster; the sums equal the in-memory score's."""
    X, Y = data
    assert reference.score(da.from_array(X, chunks=X_CHUNKS),
                           da.from_array(Y, chunks=300)) == pytest.approx(
        reference.score(X, Y), rel=1e-10)


def test_worker_killed_mid_fit(data, reference, fit_killing_a_worker):
    """One worker process is killed after the first iteration. The fit either
    completes with the right model (the lost blocks are recomputed, the broadcast
    weights survive on the other worker) or raises and leaves the model as it was:
    never a wrong model."""
    X, Y = data
    model = RobustLogisticRegression(**PARAMS)
    if fit_killing_a_worker(model, da.from_array(X, chunks=300), da.from_array(Y, chunks=300),
                            after=1):
        assert_same_fit(model, reference)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lbfgs_warm_started_from_an_sgd_epoch_on_the_cluster(client, data):
    """One SGD epoch (partial_fit, as dask-ml's Incremental runs it block by block),
    then solver="lbfgs" with warm_start on dask arrays: the same model as the same
    warm start in memory, and it starts where the epoch ended (bench_dask's
    "Incremental 1 epoch, then lbfgs")."""
    X, Y = data
    params = {**PARAMS, "max_iter": 10, "warm_start": True}

    def after_an_sgd_epoch():
        # 30 steps of 50 rows: an epoch that gets somewhere
        return RobustLogisticRegression(pi_method="em", batch_size=50,
                                        random_state=0).partial_fit(X, Y)

    model = after_an_sgd_epoch().set_params(**params).fit(
        da.from_array(X, chunks=X_CHUNKS), da.from_array(Y, chunks=(X_CHUNKS[0], 3)))
    assert_same_fit(model, after_an_sgd_epoch().set_params(**params).fit(X, Y))
    from_zero = RobustLogisticRegression(**{**PARAMS, "max_iter": 1}).fit(X, Y)
    assert model.loss_curve_[0] < from_zero.loss_curve_[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_elkan_noto_pi_on_the_cluster(scheduler, data):
    """The default pi_method ("auto") cross-fits Elkan & Noto's pi on the cluster: the
    strength path and the 5 plain fits train data-parallel on their folds' rows, and
    each held-out fold's sums are added where its blocks are (uneven blocks, an empty
    one). The same estimate, strength and model as in memory."""
    X, Y = data
    params = dict(solver="lbfgs", batch_size=200, max_iter=12, random_state=0)
    expected = RobustLogisticRegression(**params).fit(X, Y)
    model = RobustLogisticRegression(**params).fit(da.from_array(X, chunks=X_CHUNKS),
                                                   da.from_array(Y, chunks=(X_CHUNKS[0], 3)))
    assert model.pi_method_ == expected.pi_method_ == "elkan_noto"
    np.testing.assert_allclose(model.pi_, expected.pi_, rtol=1e-6)
    assert model.alpha_ == expected.alpha_
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-5, atol=1e-6)
    cv_params = dict(solver="lbfgs", batch_size=200, max_iter=5, alphas=[1e-3, 1e-1], cv=2,
                     random_state=0)
    cv = RobustLogisticRegressionCV(**cv_params).fit(da.from_array(X, chunks=X_CHUNKS),
                                                     da.from_array(Y, chunks=(X_CHUNKS[0], 3)))
    assert cv.pi_method_ == "elkan_noto"
    np.testing.assert_allclose(cv.pi_, RobustLogisticRegressionCV(**cv_params).fit(X, Y).pi_,
                               rtol=1e-6)


def test_elkan_noto_sums_never_bring_a_block_to_the_client(client, data):
    """Only the two sums per tag come back from the cluster: the held-out rows' scores
    are summed on the workers (and the tagged rows that decide which tags choose a
    strength of their own are counted there)."""
    from skrobust.linear_model._dask_pass import cluster_tagged_rows, cluster_tagged_sums
    from skrobust.linear_model._label_frequency import held_out_tag_sums, tagged_rows

    X, Y = data
    model = RobustLogisticRegression(**PARAMS).fit(X, Y)
    dX, dY = da.from_array(X, chunks=X_CHUNKS), da.from_array(Y, chunks=(X_CHUNKS[0], 3))
    sums = cluster_tagged_sums(model, dX, dY, da.ones(N, chunks=X_CHUNKS[0]))
    assert all(np.shape(s) == (3,) for s in sums)
    for got, want in zip(sums, held_out_tag_sums(X, Y, np.ones(N), model.coef_,
                                                  model.intercept_)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_array_equal(cluster_tagged_rows(dY), Y.sum(axis=0))
    # Y split by columns too, and sparse blocks
    split = da.from_array(Y, chunks=(X_CHUNKS[0], 2))
    np.testing.assert_array_equal(tagged_rows(split), Y.sum(axis=0))
    sparse = split.map_blocks(sp.csr_matrix, dtype=Y.dtype).rechunk({1: -1})
    np.testing.assert_array_equal(tagged_rows(sparse), Y.sum(axis=0))
    np.testing.assert_array_equal(tagged_rows(Y), Y.sum(axis=0))
