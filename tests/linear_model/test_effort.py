"""Tagging effort (issue 24): pi and gamma per effort bin, from each image's tag count."""

import warnings

import array_api_strict
import numpy as np
import pytest
import sklearn
import torch
from scipy.special import expit, logit
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skrobust
from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV, predict_tag_proba
from skrobust._array_api import numpy_namespace, to_numpy
from skrobust.datasets import make_tagged_classification
from skrobust.linear_model import _effort

# Effort bins 0-2, 3-5, 6-10, 11-20, 21+ (the default edges), each drawn equally often.
LOW = np.array([0, 3, 6, 11, 21])
HIGH = np.array([3, 6, 11, 21, 40])
TAG_LOGIT = logit(np.array([0.3, 0.5, 0.6, 0.4]))
BIN_EFFECT = np.array([-1.5, -0.7, 0.0, 0.6, 1.2])
TRUE_PI = expit(TAG_LOGIT[None, :] + BIN_EFFECT[:, None])  # (bins, tags)


def make_effort_data(n_samples=20_000, seed=0, false_rate=0.0):
    """Tags whose pi depends on an effort count: logit pi_kt = a_t + b_k (bin k of
    the image's count), false tags at ``false_rate`` in every bin."""
    X, _, Z = make_tagged_classification(
        n_samples=n_samples, n_features=10, n_tags=4, pi=1.0, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    bins = rng.integers(0, 5, n_samples)
    effort = rng.integers(LOW[bins], HIGH[bins])
    draw = rng.random(Z.shape)
    Y = np.where(Z == 1, draw < TRUE_PI[bins], draw < false_rate)
    return X, Y.astype(np.int8), Z, effort


@pytest.fixture(scope="module")
def data():
    """20,000 rows to train on (the last 5,000 of the 25,000 are held out)."""
    return tuple(a[:20_000] for a in make_effort_data(n_samples=25_000))


@pytest.fixture(scope="module")
def held_out():
    return tuple(a[20_000:] for a in make_effort_data(n_samples=25_000))


@pytest.fixture(scope="module")
def fitted(data):
    X, Y, _, effort = data
    # pi by EM in both (tagging effort is EM's; the blind model's pooled pi is compared).
    params = dict(alpha=1e-3, pi_method="em", random_state=0)
    aware = RobustLogisticRegression(**params).fit(X, Y, tag_effort=effort)
    blind = RobustLogisticRegression(**params).fit(X, Y)
    return aware, blind


def test_recovers_pi_per_effort_bin_where_the_blind_model_cannot(fitted):
    aware, blind = fitted
    assert aware.pi_effort_.shape == (5, 4) and aware.effort_bins_ == (3, 6, 11, 21)
    error = np.abs(aware.pi_effort_ - TRUE_PI)
    # Measured: mean 0.03, max 0.08 (alpha 1e-3, 20,000 rows).
    assert error.mean() < 0.05 and error.max() < 0.12
    blind_error = np.abs(blind.pi_[None, :] - TRUE_PI)
    assert blind_error.mean() > 0.15 and blind_error.max() > 0.3
    # pi rises with effort in every tag, and the pooled pi_ is the blind model's.
    assert np.all(np.diff(aware.pi_effort_, axis=0) > 0)
    np.testing.assert_allclose(aware.pi_, blind.pi_, atol=0.03)
    assert aware.gamma_effort_.shape == (5, 4) and np.all(aware.gamma_effort_ == 1)


def _mean_log_likelihood(model, X, Y, **kwargs):
    return float(model.tag_log_likelihood(X, Y, **kwargs).sum()) / Y.size


def test_effort_helps_the_held_out_likelihood_and_tag_suggestion(held_out, fitted):
    aware, blind = fitted
    X, Y, _, effort = held_out
    assert aware.tag_log_likelihood(X, Y, tag_effort=effort).shape == (4,)
    assert (_mean_log_likelihood(aware, X, Y, tag_effort=effort)
            > _mean_log_likelihood(blind, X, Y) + 0.01)
    # Without the rows' effort, the pooled rates: about the blind model's likelihood.
    assert abs(_mean_log_likelihood(aware, X, Y) - _mean_log_likelihood(blind, X, Y)) < 0.01
    # The same image is more likely tagged by an uploader who gives more tags.
    x = np.repeat(X[:1], 5, axis=0)
    p_tag = aware.predict_tag_proba(x, tag_effort=[0, 4, 8, 15, 30])
    assert np.all(np.diff(p_tag, axis=0) > 0)
    np.testing.assert_array_equal(aware.predict_proba(x)[0], aware.predict_proba(x)[4])
    pooled = aware.predict_tag_proba(X[:3])
    pooled_rates = expit(aware.decision_function(X[:3])) * aware.pi_
    np.testing.assert_allclose(pooled, pooled_rates, rtol=1e-10)


def test_without_tag_effort_the_model_is_unchanged(data):
    X, Y, _, _ = data
    X, Y = X[:3000], Y[:3000]
    params = dict(alpha=1e-3, max_iter=5, tol=None, random_state=0)
    plain = RobustLogisticRegression(**params).fit(X, Y)
    explicit = RobustLogisticRegression(**params).fit(X, Y, tag_effort=None)
    for name in ("coef_", "intercept_", "pi_", "gamma_"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(explicit, name))
    assert plain.pi_effort_ is None and plain.gamma_effort_ is None
    assert plain.effort_bins_ is None
    assert len(plain._em_statistics) == 3


def test_missing_and_spurious_learns_gamma_per_bin():
    X, Y, _, effort = make_effort_data(n_samples=10_000, seed=3, false_rate=0.05)
    model = RobustLogisticRegression(noise="missing+spurious", alpha=1e-3, random_state=0)
    model.fit(X, Y, tag_effort=effort)
    assert model.gamma_effort_.shape == (5, 4)
    assert np.all((model.gamma_effort_ > 0.8) & (model.gamma_effort_ <= 1))
    assert np.abs(model.pi_effort_ - TRUE_PI).mean() < 0.1


def test_streaming_partial_fit_with_effort(data):
    X, Y, _, effort = data
    model = RobustLogisticRegression(alpha=1e-3, random_state=0)
    for epoch in range(3):
        for chunk in np.array_split(np.arange(X.shape[0]), 10):
            model.partial_fit(X[chunk], Y[chunk], tag_effort=effort[chunk])
    assert np.abs(model.pi_effort_ - TRUE_PI).mean() < 0.06
    before = {k: v for k, v in model.__dict__.items()}
    with pytest.raises(ValueError, match="fitted with tag_effort"):
        model.partial_fit(X[:100], Y[:100])
    assert model.__dict__.keys() == before.keys()
    assert all(model.__dict__[k] is v for k, v in before.items() if k != "loss_curve_")
    blind = RobustLogisticRegression(alpha=1e-3).partial_fit(X[:500], Y[:500])
    with pytest.raises(ValueError, match="fitted without tag_effort"):
        blind.partial_fit(X[:500], Y[:500], tag_effort=effort[:500])
    with pytest.raises(ValueError, match="fitted without tag_effort"):
        blind.predict_tag_proba(X[:5], tag_effort=effort[:5])


def test_alpha_auto_and_early_stopping_use_the_rows_effort(data):
    X, Y, _, effort = data
    X, Y, effort = X[:6000], Y[:6000], effort[:6000]
    # EM's rates: on the model's own overlapping classes EM recovers them, and the
    # cross-fit's ("auto") are biased low (test_label_frequency_effort).
    model = RobustLogisticRegression(pi_method="em", random_state=0).fit(X, Y, tag_effort=effort)
    assert model.alpha_path_.shape[1] == 7
    assert np.abs(model.pi_effort_ - TRUE_PI).mean() < 0.08
    early = RobustLogisticRegression(alpha=1e-3, early_stopping=True, random_state=0)
    early.fit(X, Y, tag_effort=effort)
    assert early.validation_score_ is not None and early.pi_effort_.shape == (5, 4)


def test_cv_estimator_takes_effort(data):
    X, Y, _, effort = data
    X, Y, effort = X[:3000], Y[:3000], effort[:3000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=2, max_iter=10,
                                           random_state=0).fit(X, Y, tag_effort=effort)
    assert model.pi_effort_.shape == (5, 4) and model.scores_.shape == (2, 2, 4)


def test_metadata_routing_through_pipeline_and_grid_search(data):
    X, Y, _, effort = data
    X, Y, effort = 10 * X[:4000] + 3, Y[:4000], effort[:4000]
    with sklearn.config_context(enable_metadata_routing=True):
        model = RobustLogisticRegression(alpha=1e-3, max_iter=20, random_state=0)
        model.set_fit_request(tag_effort=True).set_score_request(tag_effort=True)
        pipe = make_pipeline(StandardScaler(), model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(X, Y, tag_effort=effort)
            assert pipe[-1].pi_effort_.shape == (5, 4)
            search = GridSearchCV(pipe, {"robustlogisticregression__alpha": [1e-3, 1e-1]},
                                  cv=2).fit(X, Y, tag_effort=effort)
        assert search.best_estimator_[-1].pi_effort_ is not None
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        p = predict_tag_proba(search, X[:5], tag_effort=effort[:5])
    direct = search.best_estimator_[-1].predict_tag_proba(
        search.best_estimator_[0].transform(X[:5]), tag_effort=effort[:5])
    np.testing.assert_array_equal(p, direct)


def test_routing_without_a_request_leaves_the_model_blind(data):
    X, Y, _, effort = data
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), RobustLogisticRegression(alpha=1e-3, max_iter=3))
        with pytest.raises(Exception, match="tag_effort"):
            pipe.fit(X[:500], Y[:500], tag_effort=effort[:500])


@pytest.mark.parametrize("bad, match", [
    (np.ones((500, 1)), "1-D"),
    (np.ones(499), "one count per sample"),
    (np.r_[np.nan, np.ones(499)], "finite"),
    (np.r_[-1, np.ones(499)], "integer tag counts >= 0"),
    (np.r_[1.5, np.ones(499)], "integer tag counts >= 0"),
    (np.array(["a"] * 500), "numbers"),
])
def test_bad_tag_effort_is_refused_and_changes_nothing(data, bad, match):
    X, Y, _, effort = data
    model = RobustLogisticRegression(alpha=1e-3, max_iter=2, tol=None, random_state=0)
    with pytest.raises(ValueError, match=match):
        model.fit(X[:500], Y[:500], tag_effort=bad)
    assert not hasattr(model, "coef_")
    model.fit(X[:500], Y[:500], tag_effort=effort[:500])
    before = dict(model.__dict__)
    with pytest.raises(ValueError, match=match):
        model.fit(X[:500], Y[:500], tag_effort=bad)
    with pytest.raises(ValueError, match=match):
        model.predict_tag_proba(X[:500], tag_effort=bad)
    assert model.__dict__.keys() == before.keys()
    assert all(model.__dict__[k] is v for k, v in before.items() if k != "loss_curve_")


def test_caller_effort_is_not_modified_and_floats_are_taken(data):
    X, Y, _, effort = data
    counts = effort[:1000].astype(np.float64)
    copy = counts.copy()
    model = RobustLogisticRegression(alpha=1e-3, max_iter=2, tol=None, random_state=0)
    model.fit(X[:1000], Y[:1000], tag_effort=counts)
    np.testing.assert_array_equal(counts, copy)
    model.predict_tag_proba(X[:1000], tag_effort=counts)
    np.testing.assert_array_equal(counts, copy)


def test_effort_bins_and_solver_are_checked(data):
    X, Y, _, effort = data
    for edges in [(), (3, 3), (0, 5), (2.5,), "abc"]:
        with pytest.raises(ValueError, match="effort_bins"):
            RobustLogisticRegression(effort_bins=edges, max_iter=1).fit(
                X[:200], Y[:200], tag_effort=effort[:200])
    model = RobustLogisticRegression(effort_bins=[5], alpha=1e-3, max_iter=3, tol=None)
    model.fit(X[:2000], Y[:2000], tag_effort=effort[:2000])
    assert model.pi_effort_.shape == (2, 4) and model.effort_bins_ == (5,)
    with pytest.raises(ValueError, match="solver='sgd'"):
        RobustLogisticRegression(solver="lbfgs").fit(X[:200], Y[:200], tag_effort=effort[:200])


def test_save_load_round_trip(tmp_path, fitted, data):
    aware, _ = fitted
    X, _, _, effort = data
    path = tmp_path / "model.skrobust"
    skrobust.save(aware, path)
    loaded = skrobust.load(path)
    for name in ("pi_", "pi_effort_", "gamma_effort_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(aware, name))
    assert loaded.effort_bins_ == aware.effort_bins_
    np.testing.assert_array_equal(loaded.predict_tag_proba(X[:50], tag_effort=effort[:50]),
                                  aware.predict_tag_proba(X[:50], tag_effort=effort[:50]))
    loaded.partial_fit(X[:500], data[1][:500], tag_effort=effort[:500])  # keeps streaming


def test_additive_rates_recover_an_additive_table():
    rng = np.random.default_rng(0)
    a, b = rng.normal(-1, 1, 24), np.array([-2, -1, -0.3, 0.2, 0.6])
    rates = expit(a[None, :] + b[:, None])
    trials = rng.uniform(1e-3, 1e-2, (5, 24))
    pooled = (rates * trials).sum(axis=0) / trials.sum(axis=0)
    fitted = _effort.additive_rates(rates * trials, trials, pooled, numpy_namespace)
    np.testing.assert_allclose(fitted, rates, atol=1e-4)  # 3 Newton sweeps: 2e-5
    more = _effort.additive_rates(rates * trials, trials, pooled, numpy_namespace, n_sweeps=8)
    np.testing.assert_allclose(more, rates, atol=1e-9)
    # Two groups of tags, each its own bin effect.
    both = _effort.additive_rates(np.hstack([rates * trials, rates * trials]),
                                  np.hstack([trials, trials]), np.r_[pooled, pooled],
                                  numpy_namespace, n_groups=2)
    np.testing.assert_allclose(both, np.hstack([rates, rates]), atol=1e-4)
    # An empty bin or tag gives finite rates.
    trials[2] = 0
    trials[:, 3] = 0
    out = _effort.additive_rates(rates * trials, trials, pooled, numpy_namespace)
    assert np.all(np.isfinite(out)) and np.all((out > 0) & (out <= 1))


def test_bin_index_follows_the_edges():
    counts = np.array([0, 2, 3, 5, 6, 10, 11, 20, 21, 500])
    np.testing.assert_array_equal(_effort.bin_index(counts, (3, 6, 11, 21)),
                                  [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])


NAMESPACES = {
    "array_api_strict": lambda a: array_api_strict.asarray(
        a, device=array_api_strict.Device("device1")),
    "torch-cpu": lambda a: torch.asarray(a, device="cpu"),
}


@pytest.mark.parametrize("name", NAMESPACES)
def test_same_effort_model_on_other_namespaces(name, data):
    X, Y, _, effort = data
    X, Y, effort = X[:1500], Y[:1500].astype(np.float64), effort[:1500]
    convert = NAMESPACES[name]
    params = dict(noise="missing+spurious", alpha=1e-3, max_iter=3, tol=None, random_state=0,
                  batch_size=200)
    reference = RobustLogisticRegression(**params).fit(X, Y, tag_effort=effort)
    with sklearn.config_context(array_api_dispatch=True):
        model = RobustLogisticRegression(**params).fit(convert(X), convert(Y),
                                                      tag_effort=convert(effort))
        model.partial_fit(convert(X[:300]), convert(Y[:300]), tag_effort=convert(effort[:300]))
        tag_proba = model.predict_tag_proba(convert(X), tag_effort=convert(effort))
        score = model.score(convert(X), convert(Y), tag_effort=convert(effort))
    reference.partial_fit(X[:300], Y[:300], tag_effort=effort[:300])
    for attribute in ("coef_", "pi_", "pi_effort_", "gamma_effort_"):
        value = getattr(model, attribute)
        assert type(value).__module__.split(".")[0] in ("array_api_strict", "torch")
        np.testing.assert_allclose(to_numpy(value), getattr(reference, attribute),
                                   rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(to_numpy(tag_proba),
                               reference.predict_tag_proba(X, tag_effort=effort), atol=1e-9)
    assert score == pytest.approx(reference.score(X, Y, tag_effort=effort), rel=1e-9)


def test_step_terms_per_bin_sums_match_the_reference():
    import _em_reference as ref
    from skrobust.linear_model import _em

    rng = np.random.default_rng(0)
    n, n_tags, n_bins = 60, 3, 4
    scores = rng.normal(0, 3, (n, n_tags))
    Y = rng.random((n, n_tags)) < 0.4
    weights = rng.uniform(0.5, 2, n)
    pi_cells = rng.uniform(0.1, 0.9, (n_bins, n_tags))
    gamma_cells = rng.uniform(0.8, 1.0, (n_bins, n_tags))
    untagged = rng.integers(0, n_bins, n)
    tagged = np.maximum(untagged - 1, 0)  # "other_tags": one count lower when tagged
    pi, gamma = _effort.row_rates(pi_cells, gamma_cells, (untagged, tagged), numpy_namespace, Y)
    entry_bin = np.where(Y, tagged[:, None], untagged[:, None])
    np.testing.assert_array_equal(pi, pi_cells[entry_bin, np.arange(n_tags)])
    alpha, loglik = ref.posterior_and_loglik(scores, Y, pi, gamma, np)
    groups = tuple(_effort.bin_weights(b, weights, n_bins, numpy_namespace)
                   for b in (untagged, tagged))
    terms = _effort.entry_terms(pi_cells, gamma_cells, (untagged, tagged), numpy_namespace, Y)
    residual, sums, total = _em.step_terms(scores.copy(), Y, None, None, weights,
                                           numpy_namespace, groups=groups, entry_terms=terms)
    np.testing.assert_allclose(residual, expit(scores) - alpha, atol=1e-12)
    np.testing.assert_allclose(total, weights @ loglik.sum(axis=1), rtol=1e-12)
    one_hot = entry_bin[None, :, :] == np.arange(n_bins)[:, None, None]  # (bins, n, tags)
    w = weights[None, :, None] * one_hot
    expected = ((w * alpha).sum(axis=1), (w * alpha * Y).sum(axis=1), (w * Y).sum(axis=1),
                w.sum(axis=1))
    for ours, theirs in zip(sums, expected):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def whole_vocabulary_data(n_samples, seed=0):
    """Six tags that are the whole vocabulary; pi rises with a latent effort bin."""
    X, _, Z = make_tagged_classification(n_samples=n_samples, n_features=10, n_tags=6,
                                         pi=1.0, prevalence=0.4, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    level = rng.integers(0, 3, n_samples)
    pi = expit(np.array([-1.5, 0.0, 1.5]))[level]
    Y = (Z == 1) & (rng.random(Z.shape) < pi[:, None])
    return X, Y.astype(np.int8)


def test_other_tags_effort_comes_from_y_and_never_counts_the_tag_itself():
    X, Y = whole_vocabulary_data(12_000)
    params = dict(effort="other_tags", effort_bins=(1, 2, 4), alpha=1e-3, random_state=0)
    derived = RobustLogisticRegression(**params).fit(X[:10_000], Y[:10_000])
    given = RobustLogisticRegression(**params).fit(X[:10_000], Y[:10_000],
                                                   tag_effort=Y[:10_000].sum(axis=1))
    np.testing.assert_array_equal(derived.pi_effort_, given.pi_effort_)
    assert derived.pi_effort_.shape == (4, 6) and not derived._effort_own_tag
    # More other tags on the image, more of its true tags supplied.
    assert np.all(np.diff(derived.pi_effort_, axis=0) > 0)
    blind = RobustLogisticRegression(alpha=1e-3, random_state=0).fit(X[:10_000], Y[:10_000])
    X_held, Y_held = X[10_000:], Y[10_000:]
    assert (_mean_log_likelihood(derived, X_held, Y_held)
            > _mean_log_likelihood(blind, X_held, Y_held) + 0.01)
    np.testing.assert_allclose(
        _mean_log_likelihood(derived, X_held, Y_held),
        _mean_log_likelihood(derived, X_held, Y_held, tag_effort=Y_held.sum(axis=1)))
    # Counting the tag itself ("given" with the row's own tag count) puts every
    # tagged entry one count higher: a different, self-explaining model.
    counted = RobustLogisticRegression(**{**params, "effort": "given"}).fit(
        X[:10_000], Y[:10_000], tag_effort=Y[:10_000].sum(axis=1))
    assert counted.pi_effort_[0].max() < 0.05 < derived.pi_effort_[0].min()
    # Streaming derives each chunk's counts too; the CV estimator and alpha="auto" work.
    stream = RobustLogisticRegression(**params)
    for chunk in np.array_split(np.arange(10_000), 5):
        stream.partial_fit(X[chunk], Y[chunk])
    assert np.all(np.diff(stream.pi_effort_, axis=0) > 0)
    auto = RobustLogisticRegression(**{**params, "alpha": "auto"}).fit(X[:3000], Y[:3000])
    assert auto.pi_effort_.shape == (4, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = RobustLogisticRegressionCV(effort="other_tags", effort_bins=(1, 2, 4),
                                        alphas=[1e-3, 1e-1], cv=2, max_iter=5,
                                        random_state=0).fit(X[:3000], Y[:3000])
    assert cv.pi_effort_.shape == (4, 6)


def test_a_model_saved_before_effort_existed_keeps_training(data):
    X, Y, _, _ = data
    model = RobustLogisticRegression(alpha=1e-3, max_iter=2, tol=None).fit(X[:500], Y[:500])
    for name in ("pi_effort_", "gamma_effort_", "effort_bins_"):
        delattr(model, name)  # what an older version's pickle or file holds
    model.partial_fit(X[:500], Y[:500])
    assert model.predict_tag_proba(X[:2]).shape == (2, 4)
    assert model.pi_effort_ is None


@pytest.mark.parametrize("effort", ["given", "other_tags"])
def test_e_step_in_row_blocks_gives_the_same_model(data, monkeypatch, effort):
    from skrobust.linear_model import _sgd_em

    X, Y, _, counts = data
    params = dict(effort=effort, alpha=1e-3, max_iter=2, tol=None, random_state=0)
    whole = RobustLogisticRegression(**params).fit(X[:2000], Y[:2000], tag_effort=counts[:2000])
    monkeypatch.setattr(_sgd_em, "_E_STEP_BLOCK_BYTES", 4096)  # blocks of 128 rows
    blocks = RobustLogisticRegression(**params).fit(X[:2000], Y[:2000], tag_effort=counts[:2000])
    for name in ("coef_", "pi_effort_", "gamma_effort_"):
        np.testing.assert_allclose(getattr(blocks, name), getattr(whole, name), atol=1e-10)


def test_warm_start_continues_the_effort_model(data):
    X, Y, _, counts = data
    # EM's cells, which more epochs move (the cross-fit's are held).
    model = RobustLogisticRegression(alpha=1e-3, max_iter=2, tol=None, warm_start=True,
                                     pi_method="em", random_state=0)
    model.fit(X[:2000], Y[:2000], tag_effort=counts[:2000])
    first = model.pi_effort_
    model.fit(X[:2000], Y[:2000], tag_effort=counts[:2000])
    assert model.n_iter_ == 4 and not np.array_equal(model.pi_effort_, first)
    with pytest.raises(ValueError, match="fitted with tag_effort"):
        model.fit(X[:2000], Y[:2000])
    assert model.n_iter_ == 4
