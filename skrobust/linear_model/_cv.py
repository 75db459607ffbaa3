"""RobustLogisticRegressionCV: the L2 strength chosen from the noisy tags alone.

Hyperparameters of a model trained on user tags cannot be chosen on clean labels a
user does not have. The observed-data log-likelihood of held-out tags,
``log P(y | x)`` with ``P(y=1 | x) = pi sigma + (1 - gamma)(1 - sigma)``, is a proper
score of the tags under the noise model, so cross-validating it picks the strength
that predicts unseen tags best, as LogisticRegressionCV does with the log-loss.

The whole grid is one fit per fold: every tag is trained once per strength, as the
columns of one weight matrix with a per-column L2 strength, so each minibatch is one
matrix product for the whole path (no loop over strengths).
"""

import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval

from skrobust._array_api import to_numpy
from skrobust.linear_model import _effort
from skrobust.linear_model._auto_alpha import path_model, repeat_columns
from skrobust.linear_model._sgd_em import row_index, take_rows
from skrobust.linear_model._robust import RobustLogisticRegression

def _never(estimator):
    return False


def _fold_scores(params, alphas, X, Y, weights, train, test, xp, every_epoch, effort=None):
    """Held-out observed log-likelihood per example of one fold's fit, (n_scored,
    n_alphas, n_tags). ``every_epoch``: after every epoch, n_scored = max_iter, row e
    the model after e + 1 epochs (a fit that converged earlier keeps its last row, as
    its model stays as it was); otherwise once, at the end (n_scored = 1). ``effort``:
    (train counts, the test rows' (untagged, tagged) entry bins) on the host, or None."""
    n_tags, n_alphas = Y.shape[1], len(alphas)
    model = path_model(params, alphas, n_tags)
    X_test = take_rows(X, test, xp)
    Y_test = repeat_columns(take_rows(Y, test, xp), n_alphas, xp)
    w_test = take_rows(weights, test, xp)
    train_effort = test_bins = None
    if effort is not None:
        train_effort, test_bins = effort
        if not isinstance(w_test, np.ndarray):
            test_bins = tuple(xp.asarray(b, device=w_test.device) for b in test_bins)
    total_weight = max(float(xp.sum(w_test)), 1e-300)
    path = []

    def score_epoch(fitted):
        loglik = fitted._log_likelihood_sums(X_test, Y_test, w_test, xp, test_bins)
        path.append(np.asarray(to_numpy(loglik), dtype=float) / total_weight)

    if every_epoch:
        model._epoch_callback = score_epoch
    with warnings.catch_warnings():
        # Not converging within max_iter is what the epoch path measures; the refit
        # warns if it matters.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(take_rows(X, train, xp), repeat_columns(take_rows(Y, train, xp), n_alphas, xp),
                  sample_weight=take_rows(weights, train, xp), tag_effort=train_effort)
    if every_epoch:
        path += [path[-1]] * (int(params["max_iter"]) - len(path))
    else:
        score_epoch(model)
    return np.reshape(np.stack(path), (len(path), n_alphas, n_tags))


def _choose(mean, alphas, alpha_per_tag, max_iter):
    """(epochs, alpha, row of ``mean``) with the best mean held-out score; ``mean``
    is (n_scored, n_alphas, n_tags), its last row after ``max_iter`` epochs. Ties go
    to the fewest epochs, then to the first strength in the grid."""
    epochs = np.arange(max_iter - mean.shape[0] + 1, max_iter + 1)
    if alpha_per_tag:
        # All tags train together, so they share the epochs: the count where the
        # tags' best strengths score best in total.
        best_epoch = int(np.argmax(mean.max(axis=1).sum(axis=1)))
        return (int(epochs[best_epoch]), alphas[np.argmax(mean[best_epoch], axis=0)],
                best_epoch)
    best_epoch, best_alpha = np.unravel_index(int(np.argmax(mean.sum(axis=2))), mean.shape[:2])
    return int(epochs[best_epoch]), float(alphas[best_alpha]), int(best_epoch)


class RobustLogisticRegressionCV(RobustLogisticRegression):
    """Robust logistic regression with its L2 strength chosen by cross-validation on
    the noisy tags.

    For every strength in ``alphas`` and every fold of ``cv``, the model is trained on
    the other folds and scored by the observed-data log-likelihood of the held-out
    tags, ``log P(y | x)`` under the noise model (a proper score that needs no clean
    labels; held-out AUC against the noisy tags picks badly). The best strength,
    shared by all tags or chosen per tag, is then refitted on all the data; with
    ``choose_max_iter=True`` each fold is scored after every epoch and the number of
    epochs is chosen too. All strengths of a fold train together as the columns of
    one weight matrix.

    Every parameter of :class:`RobustLogisticRegression` except ``alpha`` and
    ``warm_start`` is accepted and used for every fit.

    Parameters
    ----------
    noise : {"missing", "missing+spurious", "none"}, default="missing"
        The tag-noise model (see :class:`RobustLogisticRegression`).
    alphas : int or array-like of float, default=8
        The L2 strengths to try; an int n takes ``10 ** linspace(-5, 0, n)``. The
        range is wide because the best strength varies by orders of magnitude
        between data sets: on the MIRFLICKR photos the held-out likelihood peaks
        near 0.3, on MULAN scene with simulated omission near 0.1; a grid that
        stopped at 1e-2 chose its edge on both.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in :func:`sklearn.model_selection.check_cv` (an int is a KFold;
        tag matrices cannot be stratified).
    alpha_per_tag : bool, default=False
        Choose each tag's strength from its own held-out score (noisy for rare tags)
        rather than one strength for the summed score of all tags.
    choose_max_iter : bool, default=False
        Also choose the number of epochs, from 1 to ``max_iter``, by the same held-out
        score (each fold's fit is scored after every epoch: 22% more time on the
        MIRFLICKR photos), and refit for that many. On few images the epochs regularise
        as much as the strength: trained on towards the likelihood's optimum, pi runs to
        1 and the model becomes an over-fitted LR. Off by default because the held-out
        likelihood of the tags did not turn that into better annotation: on the
        MIRFLICKR photos it chose the same model (a strong alpha, all 100 epochs), on
        MULAN scene with simulated omission a shorter fit with better pi (mean error
        0.046 against 0.076) but 1.7 points lower F@2
        (``benchmarks/quality/RESULTS.md``).
    n_jobs : int, default=None
        Folds fitted in parallel (threads: the matrix products release the GIL).
    solver, learning_rate, eta0, power_t, momentum, batch_size, em_step, em_decay, \
pi_prior, gamma_prior, pi_init, gamma_init, learn_pi, learn_gamma, effort, effort_bins, \
max_iter, \
early_stopping, validation_fraction, tol, n_iter_no_change, shuffle, \
random_state, pos_label, verbose
        As in :class:`RobustLogisticRegression`.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_tags,)
        The chosen strength (per tag with ``alpha_per_tag``).
    max_iter_ : int
        The chosen number of epochs (``max_iter`` when ``choose_max_iter=False``);
        the refit ran at most that many (``n_iter_`` says how many it ran).
    alphas_ : ndarray of shape (n_alphas,)
        The strengths tried.
    scores_ : ndarray of shape (n_folds, n_alphas, n_tags)
        Held-out observed log-likelihood per example, per fold, strength and tag,
        after ``max_iter_`` epochs.
    epoch_scores_ : ndarray of shape (n_folds, n_scored, n_alphas)
        The same summed over tags: after every epoch (n_scored = ``max_iter``) with
        ``choose_max_iter``, the path ``max_iter_`` was chosen on; otherwise after the
        last (n_scored = 1).
    coef_, intercept_, pi_, gamma_, pi_effort_, gamma_effort_, effort_bins_, \
pi_prior_, gamma_prior_, classes_, \
tag_names_, n_features_in_, n_iter_, t_, loss_curve_
        Those of the model refitted on all the data with ``alpha_`` (see
        :class:`RobustLogisticRegression`).

    See Also
    --------
    RobustLogisticRegression : The model with a given strength.
    sklearn.linear_model.LogisticRegressionCV : The same idea for clean labels.

    Examples
    --------
    >>> from skrobust import RobustLogisticRegressionCV
    >>> from skrobust.datasets import make_tagged_classification
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=2000, n_features=10, n_tags=3, pi=0.4, random_state=0)
    >>> model = RobustLogisticRegressionCV(alphas=[1e-4, 1e-2, 1.0], cv=3,
    ...                                    random_state=0).fit(X, Y)
    >>> model.scores_.shape                   # folds x strengths x tags
    (3, 3, 3)
    >>> model.alpha_ in model.alphas_
    True
    >>> model.max_iter_ == model.max_iter     # all epochs, unless choose_max_iter=True
    True
    >>> model.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **{
            name: constraint
            for name, constraint in RobustLogisticRegression._parameter_constraints.items()
            if name not in ("alpha", "warm_start")
        },
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "alpha_per_tag": ["boolean"],
        "choose_max_iter": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        noise="missing",
        *,
        alphas=8,
        cv=5,
        alpha_per_tag=False,
        choose_max_iter=False,
        n_jobs=None,
        solver="sgd",
        learning_rate="adaptive",
        eta0=0.1,
        power_t=0.25,
        momentum=0.9,
        batch_size=500,
        em_step="auto",
        em_decay=0.6,
        pi_prior="auto",
        gamma_prior="auto",
        pi_init=0.5,
        gamma_init=0.9,
        learn_pi=True,
        learn_gamma=True,
        effort="given",
        effort_bins=_effort.DEFAULT_EFFORT_BINS,
        max_iter=100,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        pos_label=None,
        verbose=0,
    ):
        self.noise = noise
        self.alphas = alphas
        self.cv = cv
        self.alpha_per_tag = alpha_per_tag
        self.choose_max_iter = choose_max_iter
        self.n_jobs = n_jobs
        self.solver = solver
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.momentum = momentum
        self.batch_size = batch_size
        self.em_step = em_step
        self.em_decay = em_decay
        self.pi_prior = pi_prior
        self.gamma_prior = gamma_prior
        self.pi_init = pi_init
        self.gamma_init = gamma_init
        self.learn_pi = learn_pi
        self.learn_gamma = learn_gamma
        self.effort = effort
        self.effort_bins = effort_bins
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.pos_label = pos_label
        self.verbose = verbose

    def _model_params(self):
        """The parameters every inner RobustLogisticRegression fit gets."""
        own = {"alphas", "cv", "alpha_per_tag", "choose_max_iter", "n_jobs"}
        return {k: v for k, v in self.get_params(deep=False).items() if k not in own}

    def _alpha_grid(self):
        if isinstance(self.alphas, Integral):
            return np.logspace(-5, 0, int(self.alphas))
        alphas = np.asarray(self.alphas, dtype=float)
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas) & (alphas >= 0)):
            raise ValueError(
                f"alphas must be a positive int or a non-empty 1-D list of finite strengths "
                f">= 0; got {self.alphas!r}."
            )
        return alphas

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, tag_effort=None):
        """Choose the L2 strength by cross-validation, then refit on all the data.

        A fit that raises leaves the model exactly as it was before it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Binary labels, or a 0/1 tag indicator matrix (dense or sparse).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.
        tag_effort : array-like of shape (n_samples,), default=None
            Each image's count of uploader tags (see
            :meth:`RobustLogisticRegression.fit`): every fold trains with its rows'
            counts and scores each held-out row with its effort bin's rates.

        Returns
        -------
        self : RobustLogisticRegressionCV
            The fitted estimator.
        """
        with self._unchanged_on_failure():
            self._fit_cv(X, y, sample_weight, tag_effort)
        return self

    def _fit_cv(self, X, y, sample_weight, tag_effort=None):
        alphas = self._alpha_grid()
        X_valid, Y, weights, xp, _ = self._validate_training_data(
            X, y, sample_weight, classes=None, first_call=True
        )
        effort = self._checked_effort(tag_effort, Y, xp, first_call=True)
        if effort is not None:
            edges = _effort.check_effort_edges(self.effort_bins)
            own_tag = self.effort == "given"
        splitter = check_cv(self.cv)
        folds = list(splitter.split(np.zeros((X_valid.shape[0], 1))))
        params = self._model_params()

        fold_scores = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fold_scores)(params, alphas, X_valid, Y, weights,
                                  row_index(train, X_valid, xp), row_index(test, X_valid, xp), xp,
                                  self.choose_max_iter,
                                  None if effort is None else (
                                      effort[train],
                                      _effort.entry_bins(effort[test], edges, own_tag)))
            for train, test in folds
        )
        paths = np.stack(fold_scores)  # (n_folds, n_scored, n_alphas, n_tags)
        n_epochs, chosen, row = _choose(paths.mean(axis=0), alphas, self.alpha_per_tag,
                                        self.max_iter)
        final = RobustLogisticRegression(**{**params, "alpha": chosen, "max_iter": n_epochs})
        with warnings.catch_warnings():
            if n_epochs < self.max_iter:  # stopping early is the choice, not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
            final.fit(X, y, sample_weight, tag_effort=effort)
        fitted = {k: v for k, v in final.__dict__.items() if k not in final.get_params()}
        self.__dict__.update(fitted)
        # Array attributes live on the data's namespace and device, like coef_.
        self.alpha_ = chosen if isinstance(chosen, float) else self._on_device(chosen)
        self.max_iter_ = n_epochs
        self.alphas_ = self._on_device(alphas)
        self.scores_ = self._on_device(paths[:, row])
        self.epoch_scores_ = self._on_device(paths.sum(axis=3))

    # Streaming continues a model with a known strength: choose it here, then train
    # RobustLogisticRegression(alpha=model.alpha_) with partial_fit.
    partial_fit = available_if(_never)(RobustLogisticRegression.partial_fit)
