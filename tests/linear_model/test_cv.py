"""Online EM, early stopping on held-out tags, per-tag L2 and RobustLogisticRegressionCV."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV, noise_prior_from_clean
from skrobust._array_api import numpy_namespace
from skrobust.linear_model._sgd_em import TrainingConfig, em_step_size, minibatch_bounds
from skrobust.datasets import make_tagged_classification

from _em_reference import observed_nll  # noqa: E402


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
    """No em_step or epoch count chosen: pi is learned at 2,000 rows (where the old
    fixed em_step=0.01 barely moved it from its start) and accurately at 60,000."""
    pi = np.array([0.2, 0.4, 0.6, 0.8])
    X, Y, _ = make_tagged_classification(n_samples=62_000, n_features=10, n_tags=4, pi=pi,
                                         random_state=1)
    large = _quiet(RobustLogisticRegression(random_state=0), X[:60_000], Y[:60_000])
    assert np.max(np.abs(large.pi_ - pi)) < 0.05
    small = _quiet(RobustLogisticRegression(random_state=0), X[60_000:], Y[60_000:])
    old = _quiet(RobustLogisticRegression(em_step=0.01, max_iter=10, random_state=0),
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
    params = dict(max_iter=5, tol=None, shuffle=False, pi_prior=None)
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
                                            random_state=0), X, Y)
    np.testing.assert_array_equal(model.pi_prior_, prior.pi_prior)
    fixed = _quiet(RobustLogisticRegression(pi_init=prior.pi, learn_pi=False, max_iter=3,
                                            random_state=0), X, Y)
    np.testing.assert_allclose(fixed.pi_, prior.pi)
    assert fixed.pi_prior_ is None


def test_cv_scores_every_strength_and_refits_the_best(tagged):
    X, Y, _ = tagged
    alphas = [1e-4, 1e-1, 10.0]
    cv = _quiet(RobustLogisticRegressionCV(alphas=alphas, cv=3, max_iter=15, random_state=0),
                X, Y)
    assert cv.scores_.shape == (3, 3, 4)
    mean = cv.scores_.mean(axis=0).sum(axis=1)
    assert cv.alpha_ == alphas[int(np.argmax(mean))]
    # alpha=10 flattens every score: a far worse held-out likelihood, never chosen.
    assert mean[2] < mean[0] - 0.05 and cv.alpha_ != 10.0
    refit = _quiet(RobustLogisticRegression(alpha=cv.alpha_, max_iter=15, random_state=0), X, Y)
    np.testing.assert_allclose(cv.coef_, refit.coef_)
    # Each fold's strengths are one fit: the same as fitting each strength alone.
    per_tag = _quiet(RobustLogisticRegressionCV(alphas=alphas, cv=3, alpha_per_tag=True,
                                                max_iter=15, random_state=0), X, Y)
    assert per_tag.alpha_.shape == (4,)
    assert not hasattr(RobustLogisticRegressionCV(), "partial_fit")


def test_cv_one_fold_matches_a_plain_fit_on_that_fold(tagged):
    """The columns of one strength in the stacked fold fit are exactly the model that
    strength alone would give (pi_prior=None: no prior shared across strengths)."""
    X, Y, _ = tagged
    params = dict(max_iter=4, tol=None, shuffle=False, pi_prior=None)
    folds = [(np.arange(1000, 3000), np.arange(1000))]
    cv = RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=folds, **params).fit(X, Y)
    for i, a in enumerate([1e-3, 1e-1]):
        alone = RobustLogisticRegression(alpha=a, **params).fit(X[1000:], Y[1000:])
        held_out = alone.tag_log_likelihood(X[:1000], Y[:1000]) / 1000
        np.testing.assert_allclose(cv.scores_[0, i], held_out, rtol=1e-9)


def test_cv_one_fold_path_matches_plain_fits_of_each_length(tagged):
    """choose_max_iter scores the fold's model after every epoch: row e of the path is
    a plain fit of e + 1 epochs, scored on the held-out fold."""
    X, Y, _ = tagged
    params = dict(tol=None, shuffle=False, pi_prior=None)
    folds = [(np.arange(1000, 3000), np.arange(1000))]
    cv = RobustLogisticRegressionCV(alphas=[1e-3, 1e-1], cv=folds, max_iter=4,
                                    choose_max_iter=True, **params).fit(X, Y)
    assert cv.epoch_scores_.shape == (1, 4, 2)
    for epochs in (1, 3):
        alone = _quiet(RobustLogisticRegression(alpha=1e-1, max_iter=epochs, **params),
                       X[1000:], Y[1000:])
        held_out = float(np.sum(alone.tag_log_likelihood(X[:1000], Y[:1000]))) / 1000
        assert cv.epoch_scores_[0, epochs - 1, 1] == pytest.approx(held_out, rel=1e-9)
    best = np.unravel_index(np.argmax(cv.epoch_scores_[0]), (4, 2))
    assert (cv.max_iter_, cv.alpha_) == (best[0] + 1, [1e-3, 1e-1][best[1]])
    np.testing.assert_allclose(cv.scores_.sum(axis=2), cv.epoch_scores_[:, cv.max_iter_ - 1])


def test_cv_chooses_fewer_epochs_where_more_overfit():
    """150 images of 100 features: separable, so held-out tags are predicted best
    after a few epochs; the refit stops there, without a ConvergenceWarning."""
    X, Y, _ = make_tagged_classification(n_samples=150, n_features=100, n_tags=3, pi=0.4,
                                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cv = RobustLogisticRegressionCV(alphas=[1e-5, 1e-3], cv=3, max_iter=60,
                                        choose_max_iter=True, random_state=0).fit(X, Y)
    assert cv.max_iter_ < 30 and cv.n_iter_ <= cv.max_iter_
    mean = cv.epoch_scores_.mean(axis=0)
    assert mean[cv.max_iter_ - 1].max() > mean[-1].max()  # the last epoch scores worse
    fixed = _quiet(RobustLogisticRegressionCV(alphas=[1e-5, 1e-3], cv=3, max_iter=60,
                                              random_state=0), X, Y)
    assert fixed.max_iter_ == 60 and fixed.epoch_scores_.shape == (3, 1, 2)
    np.testing.assert_allclose(fixed.epoch_scores_[:, 0], mean_last := cv.epoch_scores_[:, -1])
    assert np.all(np.isfinite(mean_last))


@pytest.mark.parametrize("alphas", [[-1.0], [], [[1e-3, 1e-2]], [np.inf]])
def test_cv_rejects_bad_alphas(tagged, alphas):
    X, Y, _ = tagged
    with pytest.raises(ValueError, match="alphas"):
        RobustLogisticRegressionCV(alphas=alphas).fit(X, Y)


def test_warm_start_takes_the_new_alpha_and_prior(tagged):
    """A warm start keeps the weights but trains with the parameters it is given
    now, as sklearn's warm_start does (a regularisation path, a new prior)."""
    X, Y, _ = tagged
    model = _quiet(RobustLogisticRegression(alpha=1e-4, max_iter=3, random_state=0), X, Y)
    weak_norm = float(np.sum(model.coef_ ** 2))
    model.set_params(warm_start=True, alpha=10.0, pi_prior=(50.0, 2.0))
    _quiet(model, X, Y)
    assert float(np.sum(model.coef_ ** 2)) < 0.1 * weak_norm
    np.testing.assert_array_equal(model.pi_prior_, np.tile([50.0, 2.0], (4, 1)))
