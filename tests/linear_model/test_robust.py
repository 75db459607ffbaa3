"""RobustLogisticRegression: what it learns, and how it behaves as an estimator."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.datasets import make_tagged_classification


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def tagged():
    return make_tagged_classification(
        n_samples=3000, n_features=8, n_tags=4, pi=[0.3, 0.5, 0.8, 1.0], random_state=0
    )


# --------------------------------------------------------------------- what it learns


def test_noise_none_matches_sklearn_logistic_regression():
    """Same objective, same L2 (C = 1 / (alpha n)): full-batch training converges to
    LogisticRegression's solution to 1e-6; minibatches get within 0.01."""
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    alpha = 1e-2
    reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000)
    reference.fit(X, y)

    full_batch = RobustLogisticRegression(
        noise="none", alpha=alpha, batch_size=300, learning_rate="constant",
        max_iter=2000, tol=None, shuffle=False,
    ).fit(X, y)
    np.testing.assert_allclose(full_batch.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(full_batch.intercept_, reference.intercept_, atol=1e-6)

    minibatch = quiet_fit(
        RobustLogisticRegression(
            noise="none", alpha=alpha, batch_size=50, max_iter=500, tol=1e-8,
            n_iter_no_change=10, random_state=0,
        ),
        X, y,
    )
    np.testing.assert_allclose(minibatch.coef_, reference.coef_, atol=0.01)
    np.testing.assert_allclose(minibatch.intercept_, reference.intercept_, atol=0.01)


@pytest.mark.slow
def test_pi_is_recovered():
    true_pi = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    X, Y, _ = make_tagged_classification(
        n_samples=100_000, n_features=20, n_tags=5, pi=true_pi, random_state=0
    )
    # EM's pi: on data from the paper's model it is recovered (Elkan & Noto's, the
    # default, is biased low there; test_label_frequency).
    model = quiet_fit(RobustLogisticRegression(pi_method="em", random_state=0), X, Y)
    np.testing.assert_allclose(model.pi_, true_pi, atol=0.05)
    np.testing.assert_array_equal(model.gamma_, 1.0)


@pytest.mark.slow
def test_pi_and_gamma_are_recovered_with_spurious_tags():
    """Extended model. The weakest tag (pi 0.2, 10% false tags: about as many false
    as true tags) converges slowly at em_step=0.01 (0.02 off after 90 epochs);
    em_step=0.05 gets every rate within 0.05 in 40 at a fixed strength (alpha="auto"
    stops at the held-out likelihood's best epoch, 7 here, where the weakest tag's pi
    is still 0.295)."""
    true_pi = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    true_gamma = np.array([0.9, 0.95, 0.97, 0.99, 1.0])
    X, Y, _ = make_tagged_classification(
        n_samples=100_000, n_features=20, n_tags=5, pi=true_pi, gamma=true_gamma,
        random_state=3,
    )
    model = quiet_fit(
        RobustLogisticRegression(
            noise="missing+spurious", alpha=1e-4, em_step=0.05, max_iter=40,
            random_state=0,
        ),
        X, Y,
    )
    np.testing.assert_allclose(model.pi_, true_pi, atol=0.05)
    np.testing.assert_allclose(model.gamma_, true_gamma, atol=0.05)


@pytest.mark.slow
def test_robustness_pays_with_missing_tags():
    """Trained on 100k noisy examples, scored against the true labels of 20k held-out
    examples drawn from the same model."""
    X, Y, Z = make_tagged_classification(
        n_samples=120_000, n_features=20, n_tags=5, pi=0.3, random_state=1
    )
    train, test = slice(0, 100_000), slice(100_000, None)
    results = {}
    for noise in ("missing", "none"):
        model = quiet_fit(RobustLogisticRegression(noise, random_state=0), X[train], Y[train])
        P, Z_test = model.predict_proba(X[test]), Z[test]
        results[noise] = [
            np.mean([metric(Z_test[:, t], P[:, t]) for t in range(5)])
            for metric in (log_loss, brier_score_loss, roc_auc_score)
        ]
    robust, plain = results["missing"], results["none"]
    assert robust[0] < 0.7 * plain[0]  # log-loss: measured 0.32 vs 0.59
    assert robust[1] < 0.7 * plain[1]  # Brier: measured 0.10 vs 0.20
    assert robust[2] >= plain[2] - 0.002  # ranking at least as good


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 60),
    d=st.integers(1, 5),
    t=st.integers(1, 4),
    dtype=st.sampled_from([np.float32, np.float64]),
    noise=st.sampled_from(["missing", "missing+spurious", "none"]),
)
def test_any_shape_dtype_and_tag_pattern_gives_valid_probabilities(data, n, d, t, dtype, noise):
    """All-zero and all-one tag columns, single rows, tiny batches: never NaN."""
    X = data.draw(hnp.arrays(dtype, (n, d), elements=st.floats(-100, 100, width=32)))
    Y = data.draw(hnp.arrays(np.int8, (n, t), elements=st.sampled_from([0, 1])))
    batch_size = data.draw(st.integers(1, 80))
    model = RobustLogisticRegression(noise, batch_size=batch_size, max_iter=3, tol=None)
    model.fit(X, Y) if t > 1 else model.partial_fit(X, Y[:, 0], classes=[0, 1])
    for method in ("predict_proba", "predict_tag_proba"):
        P = getattr(model, method)(X)
        assert P.dtype == dtype and np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))
    for name in ("coef_", "pi_", "gamma_"):
        assert np.all(np.isfinite(getattr(model, name)))
    assert np.all((model.pi_ > 0) & (model.pi_ <= 1)) and np.all(np.isfinite(model.loss_curve_))


def test_predict_tag_proba_is_eq5(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(noise="missing+spurious", max_iter=5), X, Y)
    sig = model.predict_proba(X)
    expected = model.pi_ * sig + (1 - model.gamma_) * (1 - sig)
    np.testing.assert_allclose(model.predict_tag_proba(X), expected, rtol=1e-10)
    # Without false tags, a supplied tag is never more likely than a true label.
    missing_only = quiet_fit(RobustLogisticRegression(max_iter=5), X, Y)
    assert np.all(missing_only.predict_tag_proba(X) <= missing_only.predict_proba(X))


def test_fixed_pi_is_not_learned(tagged):
    X, Y, _ = tagged
    pi = [0.3, 0.5, 0.8, 0.99]
    model = quiet_fit(RobustLogisticRegression(pi_init=pi, learn_pi=False, max_iter=3), X, Y)
    np.testing.assert_allclose(model.pi_, pi)


def test_noise_none_keeps_pi_and_gamma_at_one(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(noise="none", max_iter=3), X, Y)
    np.testing.assert_array_equal(model.pi_, 1.0)
    np.testing.assert_array_equal(model.gamma_, 1.0)


def test_pi_init_of_one_warns_about_the_fixed_point(tagged):
    """Only where EM learns pi: Elkan & Noto's estimate replaces the start."""
    X, Y, _ = tagged
    with pytest.warns(UserWarning, match="fixed point"):
        quiet_fit(RobustLogisticRegression(pi_init=1.0, pi_method="em", max_iter=2), X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = quiet_fit(RobustLogisticRegression(pi_init=1.0, max_iter=2), X, Y)
    assert model.pi_method_ == "elkan_noto" and np.all(model.pi_ < 1)


def test_loss_curve_and_convergence(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(max_iter=30, random_state=0), X, Y)
    assert len(model.loss_curve_) == model.n_iter_
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.t_ == model.n_iter_ * int(np.ceil(3000 / 500))
    with pytest.warns(ConvergenceWarning):
        RobustLogisticRegression(max_iter=1).fit(X, Y)


def test_early_stopping_stops_before_max_iter():
    X, y = make_classification(n_samples=2000, n_features=5, random_state=0)
    model = RobustLogisticRegression(
        noise="none", learning_rate="constant", max_iter=500, tol=1e-3, random_state=0
    ).fit(X, y)
    assert model.n_iter_ < 100


# ------------------------------------------------------------------------- streaming


def test_partial_fit_equals_one_epoch_of_fit(tagged):
    """With a constant EM step and no prior, streaming chunks is one epoch of fit.

    (The defaults differ on purpose: fit knows the data set's size, so its online EM
    step never falls below one epoch's average and its prior weighs against n rows;
    a stream only knows the rows seen so far. A fixed strength too: alpha="auto"
    chooses on all rows in fit and on the first chunk in a stream.)"""
    X, Y, _ = tagged
    params = dict(alpha=1e-4, shuffle=False, batch_size=100, max_iter=1, tol=None,
                  em_step=0.01, pi_prior=None, gamma_prior=None, pi_method="em")
    fitted = RobustLogisticRegression(**params).fit(X, Y)
    streamed = RobustLogisticRegression(**params)
    for start in range(0, 3000, 600):  # chunks are whole numbers of minibatches
        streamed.partial_fit(X[start : start + 600], Y[start : start + 600])
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_allclose(getattr(streamed, name), getattr(fitted, name), rtol=1e-12)


def test_pickled_mid_stream_resumes_identically(tagged):
    X, Y, _ = tagged
    chunks = [(X[i : i + 500], Y[i : i + 500]) for i in range(0, 3000, 500)]
    uninterrupted = RobustLogisticRegression(batch_size=100, random_state=0)
    for Xc, Yc in chunks:
        uninterrupted.partial_fit(Xc, Yc)

    resumed = RobustLogisticRegression(batch_size=100, random_state=0)
    for Xc, Yc in chunks[:3]:
        resumed.partial_fit(Xc, Yc)
    resumed = pickle.loads(pickle.dumps(resumed))
    for Xc, Yc in chunks[3:]:
        resumed.partial_fit(Xc, Yc)
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(uninterrupted, name))


def test_partial_fit_binary_needs_classes_and_accepts_one_class_chunks():
    X, y = make_classification(n_samples=400, n_features=4, random_state=0)
    labels = np.where(y == 1, "cat", "dog")
    model = RobustLogisticRegression()
    with pytest.raises(ValueError, match="two classes"):
        model.partial_fit(X[labels == "cat"], labels[labels == "cat"])
    model.partial_fit(X[labels == "cat"], labels[labels == "cat"], classes=["cat", "dog"])
    model.partial_fit(X[labels == "dog"], labels[labels == "dog"])
    assert list(model.classes_) == ["cat", "dog"]
    assert set(model.predict(X)) <= {"cat", "dog"}
    with pytest.raises(ValueError, match="differs from the classes"):
        model.partial_fit(X, labels, classes=["cat", "bird"])


def test_failed_chunk_leaves_model_unchanged(tagged):
    X, Y, _ = tagged
    model = RobustLogisticRegression(batch_size=100).partial_fit(X[:500], Y[:500])
    before = pickle.dumps(model)
    X_bad = X[500:1000].copy()
    X_bad[7, 2] = np.nan
    bad_chunks = [
        (X_bad, Y[500:1000], "NaN"),
        (X[500:1000, :5], Y[500:1000], "features"),
        (X[500:1000], Y[500:1000, :3], "3 tags"),
        (X[500:1000], Y[500:1000, 0], "2-D tag matrix"),
        (X[500:1000] * 1e200, Y[500:1000], "diverged"),
    ]
    for Xc, Yc, message in bad_chunks:
        with pytest.raises(ValueError, match=message):
            model.partial_fit(Xc, Yc)
        assert pickle.dumps(model) == before


def test_failed_first_chunk_leaves_model_unfitted(tagged):
    X, Y, _ = tagged
    X_nan = X[:500].copy()
    X_nan[3, 1] = np.nan
    for Xc, message in [(X_nan, "NaN"), (X[:500] * 1e200, "diverged")]:
        model = RobustLogisticRegression(batch_size=100)
        with pytest.raises(ValueError, match=message):
            model.partial_fit(Xc, Y[:500])
        assert vars(model) == vars(RobustLogisticRegression(batch_size=100))
        with pytest.raises(NotFittedError):
            model.predict(X)


def test_failed_fit_leaves_model_unchanged(tagged):
    X, Y, _ = tagged
    for warm_start in (False, True):
        model = quiet_fit(RobustLogisticRegression(max_iter=3, warm_start=warm_start), X, Y)
        before = pickle.dumps(model)
        with pytest.raises(ValueError, match="diverged"):
            model.fit(X * 1e200, Y)
        assert pickle.dumps(model) == before


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_features_anywhere_are_reported(tagged, sparse, bad):
    """X is not scanned before training: a bad value in any row, with any weight,
    must still reach the weights and give the usual error."""
    X, Y, _ = tagged
    for row in (0, 499):
        X_bad = X[:500].copy()
        X_bad[row, 4] = bad
        weights = np.ones(500)
        weights[row] = 0.0
        X_in = sp.csr_array(X_bad) if sparse else X_bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            RobustLogisticRegression(max_iter=2).fit(X_in, Y[:500], sample_weight=weights)


# -------------------------------------------------------------------- inputs & outputs


def test_binary_any_labels_and_output_shapes():
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    labels = np.array(["no", "yes"])[y]
    model = quiet_fit(RobustLogisticRegression(max_iter=5, pos_label="yes"), X, labels)
    assert model.coef_.shape == (1, 4) and model.pi_.shape == (1,)
    assert model.predict_proba(X).shape == (300, 2)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert model.decision_function(X).shape == (300,)
    assert model.predict_tag_proba(X).shape == (300, 2)
    np.testing.assert_allclose(
        model.predict_log_proba(X), np.log(model.predict_proba(X)), rtol=1e-10
    )
    assert accuracy_score(labels, model.predict(X)) > 0.8
    # score (what GridSearchCV maximises by default) is, for one tag, its AUC
    assert model.score(X, labels) == pytest.approx(
        roc_auc_score(labels == "yes", model.decision_function(X)))


def test_multilabel_output_shapes(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(max_iter=5), X, Y)
    assert model.coef_.shape == (4, 8) and model.intercept_.shape == (4,)
    np.testing.assert_array_equal(model.classes_, np.arange(4))
    for method in ("predict_proba", "predict_tag_proba", "decision_function", "predict"):
        assert getattr(model, method)(X).shape == (3000, 4)
    assert set(np.unique(model.predict(X))) <= {0, 1}


def test_sparse_matches_dense(tagged):
    X, Y, _ = tagged
    X = np.where(np.abs(X) > 1, X, 0.0)
    dense = quiet_fit(RobustLogisticRegression(max_iter=3, random_state=0), X, Y)
    sparse = quiet_fit(
        RobustLogisticRegression(max_iter=3, random_state=0), sp.csr_matrix(X), sp.csr_array(Y)
    )
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.pi_, dense.pi_, rtol=1e-10)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-10
    )


def test_float32_stays_float32(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(max_iter=2), X.astype(np.float32), Y)
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        assert getattr(model, name).dtype == np.float32
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_sample_weight_zero_equals_dropping_rows_with_full_batch(tagged):
    X, Y, _ = tagged
    weights = np.ones(3000)
    weights[::3] = 0
    # A fixed strength and EM's pi: alpha="auto" holds out a random 10% of the rows
    # it is given, and Elkan & Noto's pi cross-fits random folds of them, which are
    # not the same rows once some are dropped.
    params = dict(alpha=1e-4, batch_size=3000, shuffle=False, max_iter=20, tol=None,
                  pi_method="em")
    # Gradients are weighted means over the minibatch's rows (SGD's convention), so
    # zero weights equal dropped rows once the weights are rescaled to the same total.
    scaled = RobustLogisticRegression(**params).fit(X, Y, sample_weight=weights * 3000 / 2000)
    dropped = RobustLogisticRegression(**params).fit(X[weights > 0], Y[weights > 0])
    np.testing.assert_allclose(scaled.coef_, dropped.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(scaled.pi_, dropped.pi_, rtol=1e-8)


def test_score_scales_and_statistics_at_extremes():
    """Scores of +-1e4 (features of 1e3 with weights of 10) give finite probabilities."""
    X = np.array([[1e3], [-1e3]] * 50, dtype=np.float32)
    y = np.array([1, 0] * 50)
    for dtype in (np.float32, np.float64):
        model = quiet_fit(RobustLogisticRegression(max_iter=2), X.astype(dtype), y)
        model.coef_[:] = 10
        P = model.predict_proba(X.astype(dtype))
        assert np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))
        assert np.all(np.isfinite(model.predict_log_proba(X.astype(dtype))))


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make_input, message",
    [
        (lambda X, Y: (np.where(X > 2, np.nan, X), Y), "NaN"),
        (lambda X, Y: (np.where(X > 2, np.inf, X), Y), "infinity"),
        (lambda X, Y: (X, np.where(Y == 1, 2, Y)), r"outside \{0, 1\}"),
        (lambda X, Y: (X, np.zeros(len(X))), "Only binary classification"),
        (lambda X, Y: (X, np.arange(len(X)) % 3), "Only binary classification"),
        (lambda X, Y: (X[:-1], Y), "inconsistent numbers of samples"),
        (lambda X, Y: (X[:0], Y[:0]), "0 sample"),
    ],
)
def test_bad_input_gets_a_clear_error(tagged, make_input, message):
    X, Y, _ = tagged
    with pytest.raises(ValueError, match=message):
        RobustLogisticRegression(max_iter=1).fit(*make_input(X, Y))


def test_bad_sample_weight(tagged):
    X, Y, _ = tagged
    model = RobustLogisticRegression(max_iter=1)
    with pytest.raises(ValueError, match="Negative values"):
        model.fit(X, Y, sample_weight=-np.ones(3000))
    with pytest.raises(ValueError, match="shape"):
        model.fit(X, Y, sample_weight=np.ones(10))
    with pytest.raises(ValueError, match="zero"):
        model.fit(X, Y, sample_weight=np.zeros(3000))


def test_bad_parameters(tagged):
    X, Y, _ = tagged
    with pytest.raises(ValueError, match="noise"):
        RobustLogisticRegression(noise="sometimes").fit(X, Y)
    with pytest.raises(ValueError, match="pi_init"):
        RobustLogisticRegression(pi_init=[0.5, 0.5]).fit(X, Y)
    with pytest.raises(ValueError, match="pi_init"):
        RobustLogisticRegression(pi_init=[0.5, 0.5, 0.0, 1.0]).fit(X, Y)


def test_callers_arrays_are_not_modified(tagged):
    X, Y, _ = tagged
    X32 = X.astype(np.float32)
    weights = np.ones(3000)
    copies = [a.copy() for a in (X, X32, Y, weights)]
    model = RobustLogisticRegression(max_iter=2)
    quiet_fit(model, X, Y, sample_weight=weights)
    model.partial_fit(X32, Y, sample_weight=weights)
    model.predict_proba(X32)
    for original, copy in zip((X, X32, Y, weights), copies):
        np.testing.assert_array_equal(original, copy)


# ------------------------------------------------------------------ sklearn ecosystem


def test_pipeline(tagged):
    X, Y, _ = tagged
    pipe = make_pipeline(StandardScaler(), RobustLogisticRegression(max_iter=3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X * 100 + 5, Y)
    assert pipe.predict_proba(X * 100 + 5).shape == (3000, 4)


def test_multioutput_classifier_fit_and_partial_fit(tagged):
    X, Y, _ = tagged
    per_tag = MultiOutputClassifier(RobustLogisticRegression(max_iter=3))
    # alpha="auto" would choose each binary model's strength on its own tag, where
    # the native model chooses one for all: a fixed strength trains the same.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        per_tag.fit(X, Y)
    assert np.asarray(per_tag.predict(X)).shape == (3000, 4)

    # pi_prior=None: the default empirical-Bayes prior is shared by the tags of one
    # model, which a one-tag model cannot have, so only plain ML is the same in both.
    params = dict(alpha=1e-4, batch_size=100, shuffle=False, pi_prior=None)
    streamed = MultiOutputClassifier(RobustLogisticRegression(**params))
    native = RobustLogisticRegression(**params)
    for start in range(0, 3000, 1000):
        rows = slice(start, start + 1000)
        streamed.partial_fit(X[rows], Y[rows], classes=[np.array([0, 1])] * 4)
        native.partial_fit(X[rows], Y[rows])
    # One binary model per tag learns exactly what the native multi-label model does.
    for t, estimator in enumerate(streamed.estimators_):
        np.testing.assert_allclose(estimator.coef_[0], native.coef_[t], rtol=1e-10)
        np.testing.assert_allclose(estimator.pi_[0], native.pi_[t], rtol=1e-10)


def test_grid_search_in_parallel(tagged):
    X, Y, _ = tagged
    search = GridSearchCV(
        RobustLogisticRegression(max_iter=3, random_state=0),
        {"noise": ["missing", "none"], "alpha": [1e-4, 1e-2]},
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_clone_and_joblib_round_trip(tagged, tmp_path):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(alpha=1e-3, max_iter=3), X, Y)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "coef_")
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_warm_start_continues(tagged):
    X, Y, _ = tagged
    model = quiet_fit(RobustLogisticRegression(max_iter=2, warm_start=True, random_state=0), X, Y)
    t_before = model.t_
    quiet_fit(model, X, Y)
    assert model.t_ == 2 * t_before and model.n_iter_ == 4
    cold = quiet_fit(RobustLogisticRegression(max_iter=2, random_state=0), X, Y)
    quiet_fit(cold, X, Y)
    assert cold.n_iter_ == 2


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("seed", [None, "instance"])
def test_failed_first_call_leaves_the_callers_rng_alone(method, seed):
    # Issue 14: the model's RNG is the caller's RandomState (or numpy's global one),
    # and a first call that fails after shuffling used to advance it.
    X, Y = np.random.RandomState(0).randn(40, 3), np.zeros((40, 2), dtype=int)
    Y[::3, 0] = Y[::4, 1] = 1
    X_bad = X.copy()
    X_bad[0, 0] = 1e300  # passes validation, overflows in the first passes
    rng = np.random.RandomState(7) if seed == "instance" else np.random.mtrand._rand
    before = rng.get_state()[1].copy(), rng.get_state()[2]
    model = RobustLogisticRegression(random_state=rng if seed else None, eta0=10.0,
                                     max_iter=3, tol=None)
    with pytest.raises(ValueError, match="diverged"):
        getattr(model, method)(X_bad, Y)
    after = rng.get_state()
    assert np.array_equal(after[1], before[0]) and after[2] == before[1]
    assert not hasattr(model, "coef_")


def test_huge_sample_weights_are_named():
    # Issue 14: weights of 1e300 (inf in float32) ended in "Training diverged...
    # scale the features"; now the message is about the weights.
    X, Y, _ = make_tagged_classification(n_samples=60, n_features=3, n_tags=2,
                                         random_state=0)
    X = X.astype(np.float32)
    with pytest.raises(ValueError, match="sample_weight holds values too large"):
        RobustLogisticRegression().fit(X, Y, sample_weight=np.full(60, 1e300))
    # Large but representable weights that blow up the step say so as well.
    with pytest.raises(ValueError, match="smaller sample weights"):
        RobustLogisticRegression(max_iter=3, tol=None).fit(
            X, Y, sample_weight=np.full(60, 1e30))


def test_all_zero_sample_weights_are_refused():
    X, Y, _ = make_tagged_classification(n_samples=50, n_features=3, n_tags=2,
                                         random_state=0)
    with pytest.raises(ValueError, match="at least one non-zero"):
        RobustLogisticRegression().fit(X, Y, sample_weight=np.zeros(50))


# ------------------------------------------------------- which label is the tag


@pytest.fixture(scope="module")
def cat_or_none():
    """One tag, "cat", supplied for 30% of the cats: y in {"cat", "none"}, where
    "none" sorts last and so was taken as the tag."""
    X, Y, Z = make_tagged_classification(n_samples=3000, n_tags=1, pi=0.3, random_state=0)
    return X, np.where(Y[:, 0] == 1, "cat", "none"), Z[:, 0]


def test_pos_label_chooses_the_tag_in_fit_and_partial_fit(cat_or_none):
    X, y, z = cat_or_none
    # EM's pi in fit as in partial_fit, so the two compare (and on this data from the
    # paper's model Elkan & Noto's pi is biased low: P(cat) 0.19 too high).
    fitted = RobustLogisticRegression(pos_label="cat", pi_method="em", random_state=0).fit(X, y)
    streamed = RobustLogisticRegression(pos_label="cat", random_state=0)
    for _ in range(5):
        streamed.partial_fit(X, y, classes=["cat", "none"])
    for model in (fitted, streamed):
        assert model.classes_.tolist() == ["none", "cat"]
        assert model.tag_names_.tolist() == ["cat"]
        assert 0.15 < float(model.pi_[0]) < 0.5  # true 0.3 (pi of "none" ran to 1)
        # True share of cats 0.296 (0.088 when "none" was the tag); five passes
        # of partial_fit get nearer to it than that, fit gets close.
        p_cat = model.predict_proba(X)[:, 1]
        assert abs(p_cat.mean() - z.mean()) < (0.06 if model is fitted else 0.15)
        assert set(model.predict(X)) <= {"cat", "none"}
        assert np.array_equal(model.predict(X) == "cat", model.decision_function(X) > 0)


def test_string_labels_without_pos_label_warn_and_keep_sklearns_order(cat_or_none):
    X, y, _ = cat_or_none
    with pytest.warns(UserWarning, match=r"'none' \(the last in sorted order\) is taken"):
        model = quiet_fit(RobustLogisticRegression(max_iter=3), X, y)
    assert model.classes_.tolist() == ["cat", "none"]
    # classes= in another order is not re-sorted silently either: it warns the same.
    with pytest.warns(UserWarning, match="pos_label"):
        RobustLogisticRegression().partial_fit(X, y, classes=["none", "cat"])
    with warnings.catch_warnings():  # numbers: sklearn's convention, no warning
        warnings.simplefilter("error", UserWarning)
        model = RobustLogisticRegression().partial_fit(X, (y == "cat").astype(int))
    assert model.classes_.tolist() == [0, 1]


def test_pos_label_errors_and_the_cv_model(cat_or_none):
    X, y, _ = cat_or_none
    with pytest.raises(ValueError, match="pos_label='dog' is not one of the labels"):
        RobustLogisticRegression(pos_label="dog").fit(X, y)
    with pytest.raises(ValueError, match="only used with a 1-D binary y"):
        RobustLogisticRegression(pos_label="cat").fit(X, np.zeros((len(X), 2)))
    model = quiet_fit(
        RobustLogisticRegressionCV(alphas=[1e-4, 1e-2], cv=2, pos_label="cat", random_state=0),
        X, y,
    )
    assert model.classes_.tolist() == ["none", "cat"]
    assert 0.15 < float(model.pi_[0]) < 0.5
    assert "pos_label" in RobustLogisticRegressionCV().get_params()


# ------------------------------------------------------------------ tag names


def test_tag_names_from_a_dataframe_and_defaults(tagged):
    pd = pytest.importorskip("pandas")
    X, Y, _ = tagged
    names = ["dog", "sky", "sea", "tree"]
    model = quiet_fit(RobustLogisticRegression(max_iter=2), X, pd.DataFrame(Y, columns=names))
    assert model.tag_names_.tolist() == names
    assert model.tag_names_.dtype == object
    assert pickle.loads(pickle.dumps(model)).tag_names_.tolist() == names
    assert clone(model).get_params() == model.get_params()
    model.partial_fit(X, Y)  # a later chunk without names is fine
    with pytest.raises(ValueError, match="differ from the tags of the first call"):
        model.partial_fit(X, pd.DataFrame(Y, columns=names[::-1]))
    plain = quiet_fit(RobustLogisticRegression(max_iter=2), X, sp.csr_matrix(Y))
    assert plain.tag_names_.tolist() == ["tag0", "tag1", "tag2", "tag3"]
    assert not hasattr(RobustLogisticRegression(), "tag_names_")
    cv = quiet_fit(RobustLogisticRegressionCV(alphas=[1e-3], cv=2, max_iter=3), X,
                   pd.DataFrame(Y, columns=names))
    assert cv.tag_names_.tolist() == names


def test_tag_names_from_a_sparse_dataframe(tagged):
    pd = pytest.importorskip("pandas")
    X, Y, _ = tagged
    frame = pd.DataFrame.sparse.from_spmatrix(sp.csr_matrix(Y), columns=list("abcd"))
    model = quiet_fit(RobustLogisticRegression(max_iter=2, random_state=0), X, frame)
    dense = quiet_fit(RobustLogisticRegression(max_iter=2, random_state=0), X, Y)
    assert model.tag_names_.tolist() == list("abcd")
    np.testing.assert_allclose(model.coef_, dense.coef_)


# ---------------------------------------------------------------- what it prints


def test_verbose_levels(tagged, capsys):
    X, Y, _ = tagged
    quiet_fit(RobustLogisticRegression(max_iter=3, tol=None, verbose=1), X, Y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].startswith("-- Pass 1: loss")
    assert "epoch" not in lines[0] and "stopped at max_iter" in lines[-1]
    quiet_fit(RobustLogisticRegression(max_iter=3, tol=None, verbose=2), X, Y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    for i, line in enumerate(lines[:3], start=1):
        assert f"(epoch {i}/3, " in line and " s, total " in line
    RobustLogisticRegression(verbose=2).partial_fit(X, Y)
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("-- Pass 1: loss") and "epoch" not in line and " s)" in line


def test_early_stopping_watches_the_held_out_loss_not_pis_drift():
    """Under strong L2 pi drifts ~0.002 an epoch for 100+ epochs: the default fit
    warns at max_iter, and says how far pi still moved. With early stopping the
    held-out loss decides, so the fit stops (it ran to max_iter too, since drift
    alone counted as progress)."""
    X, Y, _ = make_tagged_classification(n_samples=4000, n_tags=5, pi=0.3, random_state=0)
    params = dict(alpha=1e-2, pi_method="em", random_state=0)  # EM's pi drifts; a held one cannot
    with pytest.warns(ConvergenceWarning, match=r"pi/gamma still moved by up to 0\.\d+ "
                      r"over the last 5\..*early_stopping=True"):
        RobustLogisticRegression(**params).fit(X, Y)
    with pytest.warns(ConvergenceWarning, match=r"in max_iter=2 epochs; increase"):
        RobustLogisticRegression(noise="none", max_iter=2).fit(X, Y)  # no pi to blame
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = RobustLogisticRegression(early_stopping=True, **params).fit(X, Y)
    assert model.n_iter_ < 80
    assert np.all(np.abs(model.pi_ - 0.3) < 0.2)


def test_classes_with_a_tag_matrix_is_refused_on_later_calls_too():
    # Issue 14: partial_fit(X, Y, classes=...) on a later call used to be ignored.
    X, Y, _ = make_tagged_classification(n_samples=60, n_features=3, n_tags=2,
                                         random_state=0)
    model = RobustLogisticRegression().partial_fit(X, Y)
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="only used with a 1-D"):
        model.partial_fit(X, Y, classes=[0, 1])
    np.testing.assert_array_equal(model.coef_, coef)
