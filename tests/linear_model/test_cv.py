"""Online EM, early stopping on held-out tags, per-tag L2 and RobustLogisticRegressionCV."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, ShuffleSplit

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV, noise_prior_from_clean
from skrobust._array_api import numpy_namespace, to_numpy
from skrobust.linear_model._auto_alpha import choose_strength
from skrobust.linear_model._sgd_em import TrainingConfig, em_step_size, minibatch_bounds
from skrobust.datasets import make_tagged_classification

from _em_reference import observed_nll  # noqa: E402
from _shared import stand_in_device  # noqa: E402


@pytest.fixture(scope="module")
def tagged():
    return make_tagged_classification(
        n_samples=3000, n_features=8, n_tags=4, pi=[0.3, 0.5, 0.7, 0.9], random_state=0
    )


def _quiet(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _config(**kw):
    base = dict(alpha=0.0, schedule="constant", learning_rate=0.1, power_t=0.25, momentum=0.0,
                batch_size=100, em_step=0.01, learn_pi=True, learn_gamma=False)
    return TrainingConfig(**{**base, **kw})


def test_online_em_step_schedule():
    online = _config(em_decay=0.6)
    steps = [em_step_size(online, t) for t in range(1000)]
    assert steps[0] == pytest.approx(2.0 ** -0.6)
    assert all(a > b for a, b in zip(steps, steps[1:]))  # decreasing, never constant
    assert sum(steps) > 30  # grows like t^0.4 without bound, as stochastic approximation needs
    floored = _config(em_decay=0.6, em_floor=0.25)
    assert em_step_size(floored, 10_000) == 0.25
    assert em_step_size(_config(em_step=0.05), 10_000) == 0.05


def test_minibatches_have_nearly_equal_sizes():
    assert minibatch_bounds(511, 500) == [(0, 255), (255, 511)]
    assert minibatch_bounds(1000, 500) == [(0, 500), (500, 1000)]
    assert minibatch_bounds(7, 500) == [(0, 7)]
    sizes = [b - a for a, b in minibatch_bounds(10_001, 500)]
    assert len(sizes) == 21 and max(sizes) - min(sizes) <= 1


def test_full_batch_default_makes_the_exact_m_step(tagged):
    """At full batch the online step is floored at 1: pi is recomputed from the whole
    data set every epoch, which is classical EM (the same as em_step=1)."""
    X, Y, _ = tagged
    params = dict(batch_size=3000, max_iter=5, tol=None, shuffle=False, pi_prior=None,
                  random_state=0)  # alpha="auto" holds out the same rows in both
    auto = RobustLogisticRegression(**params).fit(X, Y)
    exact = RobustLogisticRegression(em_step=1.0, **params).fit(X, Y)
    np.testing.assert_allclose(auto.pi_, exact.pi_, rtol=1e-12)
    np.testing.assert_allclose(auto.coef_, exact.coef_, rtol=1e-12)


def test_defaults_learn_pi_on_small_and_large_data():
    """No em_step or epoch count chosen: EM learns pi at 2,000 rows (where the old
    fixed em_step=0.01 barely moved it from its start) and accurately at 60,000 (on
    this data from the model itself; "auto" holds Elkan & Noto's estimate instead,
    see test_label_frequency)."""
    pi = np.array([0.2, 0.4, 0.6, 0.8])
    X, Y, _ = make_tagged_classification(n_samples=62_000, n_features=10, n_tags=4, pi=pi,
                                         random_state=1)
    em = dict(pi_method="em", random_state=0)
    large = _quiet(RobustLogisticRegression(**em), X[:60_000], Y[:60_000])
    assert np.max(np.abs(large.pi_ - pi)) < 0.05
    small = _quiet(RobustLogisticRegression(**em), X[60_000:], Y[60_000:])
    old = _quiet(RobustLogisticRegression(em_step=0.01, max_iter=10, **em),
                 X[60_000:], Y[60_000:])
    assert np.corrcoef(small.pi_, pi)[0, 1] > 0.9
    assert np.mean(np.abs(small.pi_ - pi)) < np.mean(np.abs(old.pi_ - pi))


def test_observed_log_likelihood_matches_reference(tagged):
    X, Y, _ = tagged
    model = _quiet(RobustLogisticRegression(max_iter=3, random_state=0), X, Y)
    ours = model.tag_log_likelihood(X, Y)
    scores = model.decision_function(X)
    expected = -observed_nll(scores, Y, model.pi_, model.gamma_, numpy_namespace).sum(axis=0)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_early_stopping_keeps_the_best_held_out_epoch(tagged):
    """300 rows and 150 pure-noise features: training keeps improving its own loss
    while the held-out tags' likelihood turns down, so training stops early."""
    X, Y, _ = tagged
    rng = np.random.default_rng(0)
    X_over = np.hstack([X[:300], rng.normal(size=(300, 150))])
    kwargs = dict(alpha=0.0, learning_rate="constant", max_iter=300, random_state=0)
    stopped = _quiet(RobustLogisticRegression(early_stopping=True, validation_fraction=0.3,
                                              **kwargs), X_over, Y[:300])
    assert stopped.validation_score_ is not None and stopped.validation_score_ < 0
    assert stopped.n_iter_ < 300
    plain = _quiet(RobustLogisticRegression(**kwargs), X_over, Y[:300])
    assert plain.validation_score_ is None
    # The kept epoch scores better on fresh tags than training to the end.
    fresh = slice(1000, 3000)
    X_fresh = np.hstack([X[fresh], rng.normal(size=(2000, 150))])
    assert (stopped.tag_log_likelihood(X_fresh, Y[fresh]).sum()
            > plain.tag_log_likelihood(X_fresh, Y[fresh]).sum())
    with pytest.raises(ValueError, match="early_stopping"):
        RobustLogisticRegression(early_stopping=True, validation_fraction=0.5).fit(X[:1], Y[:1])


def test_per_tag_alpha_equals_separate_fits(tagged):
    """Tags decouple: one model with a strength per tag equals one model per strength."""
    X, Y, _ = tagged
    params = dict(max_iter=5, tol=None, shuffle=False, pi_prior=None, pi_method="em")
    alphas = np.array([1e-4, 1e-2, 1e-1, 1.0])
    together = RobustLogisticRegression(alpha=alphas, **params).fit(X, Y)
    for t, a in enumerate(alphas):
        alone = RobustLogisticRegression(alpha=float(a), **params).fit(X, Y)
        np.testing.assert_allclose(together.coef_[t], alone.coef_[t], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(together.pi_[t], alone.pi_[t], rtol=1e-9)
    with pytest.raises(ValueError, match="one value per tag"):
        RobustLogisticRegression(alpha=[0.1, 0.2]).fit(X, Y)


def test_pi_prior_per_tag_from_clean_images(tagged):
    X, Y, Z = tagged
    prior = noise_prior_from_clean(Y[:300], Z[:300])
    model = _quiet(RobustLogisticRegression(pi_prior=prior.pi_prior, max_iter=5,
                                            pi_method="em", random_state=0), X, Y)
    np.testing.assert_array_equal(model.pi_prior_, prior.pi_prior)
    fixed = _quiet(RobustLogisticRegression(pi_init=prior.pi, learn_pi=False, max_iter=3,
                                            random_state=0), X, Y)
    np.testing.assert_allclose(fixed.pi_, prior.pi)
    assert fixed.pi_prior_ is None


def test_cv_scores_every_strength_and_refits_the_best(tagged):
    X, Y, _ = tagged
    alphas = [1e-4, 1e-1, 10.0]
    # pi by EM: the refit below is compared with a plain fit, whose Elkan-Noto
    # folds would be drawn differently from the CV estimator's.
    cv = _quiet(RobustLogisticRegressionCV(alphas=alphas, cv=3, max_iter=30, pi_method="em",
                                           random_state=0), X, Y)
    n_epochs = cv.epoch_scores_.shape[1]
    assert cv.scores_.shape == (3, 3, 4) and cv.epoch_scores_.shape == (3, n_epochs, 3)
    # The folds' mean AUC per epoch and strength decides, as alpha="auto" does.
    assert (cv.alpha_, cv.max_iter_) == choose_strength(cv.epoch_scores_.mean(axis=0), alphas)
    np.testing.assert_allclose(cv.scores_.mean(axis=2), cv.epoch_scores_[:, cv.max_iter_ - 1])
    assert np.all((cv.scores_ > 0.5) & (cv.scores_ <= 1))  # ranked better than chance
    refit = _quiet(RobustLogisticRegression(alpha=cv.alpha_, max_iter=cv.max_iter_,
                                            pi_method="em", random_state=0), X, Y)
    np.testing.assert_allclose(cv.coef_, refit.coef_)
    per_tag = _quiet(RobustLogisticRegressionCV(alphas=alphas, cv=3, alpha_per_tag=True,
                                                max_iter=30, random_state=0), X, Y)
    assert per_tag.alpha_.shape == (4,) and set(per_tag.alpha_) <= set(alphas)
    assert not hasattr(RobustLogisticRegressionCV(), "partial_fit")


def _ranked(model, X, Y):
    """Each tag's ROC AUC of Y ranked by the model's P(tag | x)."""
    P = model.predict_tag_proba(X)
    return np.array([roc_auc_score(Y[:, t], P[:, t]) for t in range(Y.shape[1])])


@pytest.mark.parametrize("setting", ["missing", "missing+spurious", "effort", "lbfgs"])
def test_cv_fold_columns_match_plain_fits_on_each_fold(tagged, setting):
    """Folds as columns of one model: at full batch every fold's columns, after
    every epoch, are the model a plain fit on that fold's training rows gives for
    that many epochs (the same held-out AUCs), for every strength, with either noise
    model, with tagging effort, and by L-BFGS (an epoch is one iteration)."""
    X, Y, _ = tagged
    noise = "missing" if setting in ("effort", "lbfgs") else setting
    effort = np.random.default_rng(0).integers(0, 12, size=len(X)) if setting == "effort" else None
    params = dict(noise=noise, batch_size=len(X), tol=None, shuffle=False, pi_prior=None,
                  gamma_prior=None, solver="lbfgs" if setting == "lbfgs" else "sgd",
                  pi_method="em")  # EM's pi moves with the fold's rows, as compared here
    alphas = [1e-3, 1e-1]
    folds = list(KFold(3).split(X))
    cv = RobustLogisticRegressionCV(alphas=alphas, cv=folds, max_iter=4, choose_max_iter=False,
                                    **params).fit(X, Y, tag_effort=effort)
    assert cv.epoch_scores_.shape == (3, 4, 2) and cv.max_iter_ == 4
    for fold, (train, test) in enumerate(folds):
        for epochs in (1, 4):
            for i, a in enumerate(alphas):
                alone = _quiet(RobustLogisticRegression(alpha=a, max_iter=epochs, **params),
                               X[train], Y[train],
                               tag_effort=None if effort is None else effort[train])
                expected = _ranked(alone, X[test], Y[test]) if effort is None else None
                if expected is not None:
                    if epochs == 4:
                        np.testing.assert_allclose(cv.scores_[fold, i], expected, rtol=1e-9)
                    assert cv.epoch_scores_[fold, epochs - 1, i] == pytest.approx(
                        expected.mean(), rel=1e-9)
                else:  # ranked with each row's effort-bin rates: compare the weights
                    held = alone.tag_log_likelihood(X[test], Y[test], tag_effort=effort[test])
                    assert np.all(np.isfinite(held))
                    assert cv.epoch_scores_[fold, epochs - 1, i] > 0.5
    if effort is not None:  # the path's own columns, checked directly
        _check_effort_path_columns(X, Y, effort, folds, alphas, params)


def _check_effort_path_columns(X, Y, effort, folds, alphas, params):
    from skrobust.linear_model._auto_alpha import path_model, repeat_columns
    from skrobust.linear_model._fold_columns import fold_membership

    n_tags = Y.shape[1]
    model = path_model(dict(params, max_iter=3, alpha=0.0, random_state=None, effort="given",
                            effort_bins=RobustLogisticRegression().effort_bins,
                            **{k: v for k, v in RobustLogisticRegression().get_params().items()
                               if k not in params and k not in ("max_iter", "alpha",
                                                                "random_state", "effort",
                                                                "effort_bins")}),
                       np.tile(alphas, len(folds)), n_tags)
    model._fold_columns = (fold_membership(folds, len(X)),
                           np.repeat(np.arange(len(folds)), len(alphas) * n_tags))
    _quiet(model, X, repeat_columns(Y, len(folds) * len(alphas), numpy_namespace),
           tag_effort=effort)
    for fold, (train, _) in enumerate(folds):
        for i, a in enumerate(alphas):
            alone = _quiet(RobustLogisticRegression(alpha=a, max_iter=3, **params),
                           X[train], Y[train], tag_effort=effort[train])
            columns = slice((fold * len(alphas) + i) * n_tags,
                            (fold * len(alphas) + i + 1) * n_tags)
            np.testing.assert_allclose(model.coef_[columns], alone.coef_, rtol=1e-9,
                                       atol=1e-12)
            np.testing.assert_allclose(model.pi_effort_[:, columns], alone.pi_effort_,
                                       rtol=1e-9)


def test_cv_any_folds_and_clear_errors(tagged):
    """Overlapping test sets (ShuffleSplit) train as well as KFold's; a fold with no
    held-out rows and an unknown scoring are refused by name; n_jobs, which no
    longer does anything, warns."""
    X, Y, _ = tagged
    shuffled = _quiet(RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], max_iter=10,
                                                 cv=ShuffleSplit(4, test_size=0.3,
                                                                 random_state=0),
                                                 random_state=0), X, Y)
    assert shuffled.scores_.shape == (4, 2, 4) and np.all(shuffled.scores_ > 0.5)
    with pytest.raises(ValueError, match="fold 1 has 3000 training and 0 held-out"):
        RobustLogisticRegressionCV(cv=[(np.arange(1500), np.arange(1500, 3000)),
                                       (np.arange(3000), np.arange(0))]).fit(X, Y)
    with pytest.raises(ValueError, match="scoring"):
        RobustLogisticRegressionCV(scoring="accuracy").fit(X, Y)
    with pytest.warns(FutureWarning, match="n_jobs"):
        _quiet(RobustLogisticRegressionCV(alphas=[1e-3], cv=2, max_iter=2, n_jobs=2), X, Y)


def test_cv_chooses_fewer_epochs_where_more_overfit():
    """150 images, 10 informative features and 200 of noise: held-out tags are
    ranked best after a few epochs (then the noise is fitted); the path stops soon
    after, and the refit there, without a ConvergenceWarning."""
    X, Y, _ = make_tagged_classification(n_samples=150, n_features=10, n_tags=3, pi=0.4,
                                         random_state=0)
    X = np.hstack([X, np.random.default_rng(0).normal(size=(150, 200))])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cv = RobustLogisticRegressionCV(alphas=[1e-5, 1e-3], cv=3, max_iter=60,
                                        random_state=0).fit(X, Y)
    assert cv.max_iter_ < 30 and cv.n_iter_ <= cv.max_iter_
    assert cv.epoch_scores_.shape[1] < 60  # the path stopped too
    fixed = _quiet(RobustLogisticRegressionCV(alphas=[1e-5, 1e-3], cv=3, max_iter=60,
                                              choose_max_iter=False, random_state=0), X, Y)
    assert fixed.max_iter_ == 60 and fixed.epoch_scores_.shape[1] == 60
    mean = fixed.epoch_scores_.mean(axis=0)
    assert mean[cv.max_iter_ - 1].max() > mean[-1].max()  # training on ranks worse


@pytest.mark.parametrize("alphas", [[-1.0], [], [[1e-3, 1e-2]], [np.inf]])
def test_cv_rejects_bad_alphas(tagged, alphas):
    X, Y, _ = tagged
    with pytest.raises(ValueError, match="alphas"):
        RobustLogisticRegressionCV(alphas=alphas).fit(X, Y)


def test_warm_start_takes_the_new_alpha_and_prior(tagged):
    """A warm start keeps the weights but trains with the parameters it is given
    now, as sklearn's warm_start does (a regularisation path, a new prior)."""
    X, Y, _ = tagged
    model = _quiet(RobustLogisticRegression(alpha=1e-4, max_iter=3, pi_method="em",
                                            random_state=0), X, Y)
    weak_norm = float(np.sum(model.coef_ ** 2))
    model.set_params(warm_start=True, alpha=10.0, pi_prior=(50.0, 2.0))
    _quiet(model, X, Y)
    assert float(np.sum(model.coef_ ** 2)) < 0.1 * weak_norm
    np.testing.assert_array_equal(model.pi_prior_, np.tile([50.0, 2.0], (4, 1)))


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_cv_same_choice_on_other_namespaces(tagged, namespace):
    """The fold columns' masks and held-out rows live on the data's device: the same
    path and choice as NumPy on array_api_strict's second device and torch CPU."""
    X, Y, _ = tagged
    X, Y = X[:600], Y[:600]
    convert, device = stand_in_device(namespace)
    params = dict(alphas=[1e-3, 1e-1], cv=3, max_iter=8, random_state=0)
    host = _quiet(RobustLogisticRegressionCV(**params), X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        other = _quiet(RobustLogisticRegressionCV(**params), convert(X), convert(Y))
    assert (other.alpha_, other.max_iter_) == (host.alpha_, host.max_iter_)
    np.testing.assert_allclose(to_numpy(other.epoch_scores_), host.epoch_scores_, atol=1e-9)
    if namespace == "torch":
        torch = pytest.importorskip("torch")
        assert isinstance(other.coef_, torch.Tensor) and isinstance(other.scores_, torch.Tensor)
    else:
        assert other.coef_.device == device and other.scores_.device == device


@pytest.mark.parametrize("noise", ["none", "missing"])
def test_cv_scores_by_the_held_out_log_likelihood(tagged, noise):
    """scoring="log_likelihood" (the default with noise="none"): each fold's columns
    score its held-out rows' observed log-likelihood per example, as a plain fit on
    the fold's training rows does with tag_log_likelihood."""
    X, Y, _ = tagged
    params = dict(noise=noise, batch_size=len(X), tol=None, shuffle=False, pi_prior=None,
                  pi_method="em")
    folds = list(KFold(2).split(X))
    scoring = "auto" if noise == "none" else "log_likelihood"
    cv = RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=folds, max_iter=3, scoring=scoring,
                                    choose_max_iter=False, **params).fit(X, Y)
    for fold, (train, test) in enumerate(folds):
        for i, a in enumerate([1e-3, 1e-1]):
            alone = _quiet(RobustLogisticRegression(alpha=a, max_iter=3, **params),
                           X[train], Y[train])
            expected = alone.tag_log_likelihood(X[test], Y[test]) / len(test)
            np.testing.assert_allclose(cv.scores_[fold, i], expected, rtol=1e-9)
    assert np.all(cv.scores_ < 0)


def test_plain_lr_auto_alpha_is_chosen_by_the_likelihood(tagged):
    """alpha="auto" with noise="none" (labels taken as true) scores its path by the
    held-out log-likelihood: per example and tag, negative, not an AUC."""
    X, Y, _ = tagged
    model = _quiet(RobustLogisticRegression(noise="none", max_iter=10, random_state=0), X, Y)
    assert np.all(model.alpha_path_ < 0)
    noisy = _quiet(RobustLogisticRegression(max_iter=10, random_state=0), X, Y)
    assert np.all((noisy.alpha_path_ > 0.5) & (noisy.alpha_path_ <= 1))
