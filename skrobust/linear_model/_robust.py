"""RobustLogisticRegression: logistic regression that learns how noisy its tags are."""

import time
import warnings
from collections import deque
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from skrobust.linear_model import _em, _outputs
from skrobust._array_api import (
    check_same_namespace,
    get_namespace_and_device,
    is_numpy_namespace,
    max_float_dtype,
    move_to,
    to_numpy,
)
from skrobust.linear_model._noise_priors import check_beta_prior, fit_shared_beta, prior_pseudo_counts
from skrobust.linear_model._tag_names import as_name_array, default_tag_names, names_from_target
from skrobust.linear_model._sgd_em import (
    TrainingConfig,
    TrainingState,
    dense_rows,
    initial_state,
    minibatch_bounds,
    n_minibatches,
    row_index,
    take_rows,
    train_pass,
)
from skrobust.linear_model._targets import (
    binary_classes,
    binary_to_indicator,
    column_to_1d,
    is_indicator_target,
    positive_last,
    validate_indicator,
)

# The adaptive schedule divides the learning rate by this on every plateau and stops
# once the rate would fall below eta0 * _ADAPTIVE_FLOOR (four divisions).
_ADAPTIVE_DIVISOR = 5.0
_ADAPTIVE_FLOOR = 1e-3
# An epoch also counts as progress while some pi/gamma has drifted more than this
# since the last epoch that counted. The running EM statistics average roughly the
# last 1/em_step minibatches, so pi jitters by ~0.002 per epoch at equilibrium even
# when nothing is learned any more; real drift adds up across epochs, jitter does not.
_NOISE_DRIFT_TOL = 0.01


class _PlateauMonitor:
    """Counts epochs without progress: no loss drop of ``tol`` below the best so far
    and (``watch_noise``) no pi/gamma drift of ``_NOISE_DRIFT_TOL`` since the last
    epoch of progress.

    The drift rule is for the training loss, which can sit on a flat ridge while pi
    still moves. A held-out loss (early stopping) says itself whether pi's moves
    help: with it, drift alone is not progress (on a few hundred separable images
    pi keeps drifting towards 1 for hundreds of epochs while the held-out loss gets
    worse)."""

    def __init__(self, tol, patience, noise, watch_noise=True):
        self.tol = tol
        self.patience = patience
        self.best_loss = np.inf
        self.noise_at_progress = noise
        self.watch_noise = watch_noise
        self.count = 0
        self.recent = deque([noise], maxlen=patience + 1)  # for the warning

    def plateaued(self, loss, noise):
        self.recent.append(noise)
        if self.tol is None:
            return False
        drift = float(np.max(np.abs(noise - self.noise_at_progress)))
        if loss < self.best_loss - self.tol or (self.watch_noise and drift > _NOISE_DRIFT_TOL):
            self.count = 0
            self.noise_at_progress = noise
        else:
            self.count += 1
        self.best_loss = min(self.best_loss, loss)
        return self.count >= self.patience

    def restart(self):
        self.count = 0

    def recent_drift(self):
        """The largest change of a pi/gamma over the last ``patience`` epochs."""
        return float(np.max(np.abs(self.recent[-1] - self.recent[0])))


def _checked_weights(sample_weight, X, xp):
    """Validated sample weights in X's dtype, with a clear error where they fail.

    Weights multiply each row's loss (scikit-learn's SGD convention), so their
    scale acts as a learning rate; they are checked in the widest float first, so
    that 1e300 (inf once cast to float32) is reported as a weight problem rather
    than ending as "training diverged".
    """
    if sample_weight is None:
        return _check_sample_weight(None, X, dtype=X.dtype)
    _, _, device = get_namespace_and_device(X)
    weights = _check_sample_weight(
        sample_weight, X, dtype=max_float_dtype(xp, device), ensure_non_negative=True
    )
    largest = float(xp.max(weights))  # sklearn refuses all-zero weights
    cast = xp.astype(weights, X.dtype)
    if not bool(xp.all(xp.isfinite(cast))):
        raise ValueError(
            f"sample_weight holds values too large for X's dtype {X.dtype} (largest "
            f"{largest:.3g}); weights multiply each row's loss, so divide them by a "
            "constant (e.g. their mean)."
        )
    return cast


def _rows_with_weight(weights, xp):
    """How many rows have a positive sample weight (one host transfer)."""
    return float(xp.sum(xp.astype(weights > 0, weights.dtype)))


class RobustLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on noisy tags, with per-tag noise learned by stochastic EM.

    Each tag t has a hidden true label z with ``P(z=1 | x) = sigmoid(w_t . x + b_t)``.
    The observed tag y is supplied with probability ``pi_t`` when z = 1 (so true tags
    go missing with probability ``1 - pi_t``) and, with ``noise="missing+spurious"``,
    added with probability ``1 - gamma_t`` when z = 0. The weights are trained by
    minibatch SGD on the expected complete-data log-likelihood and ``pi``/``gamma``
    by stochastic EM over running sufficient statistics (Izadinia et al., "Image
    Classification and Retrieval from User-Supplied Tags"). With ``noise="none"`` it
    is plain L2-regularised logistic regression trained by the same loop.

    ``y`` is either binary (any two labels; one tag, "is it ``classes_[1]``", the
    ``pos_label``) or a 2-D 0/1 indicator matrix (n_samples, n_tags), dense,
    scipy.sparse or a pandas DataFrame (whose columns name the tags), fitted
    natively: one weight matrix for all tags, one matrix product per minibatch.

    Parameters
    ----------
    noise : {"missing", "missing+spurious", "none"}, default="missing"
        The tag-noise model. "missing": true tags go missing (learn pi, gamma = 1),
        the paper's model. "missing+spurious": also false tags get added (learn pi
        and gamma), the paper's appendix. "none": pi = gamma = 1, plain logistic
        regression.
    alpha : float or array-like of shape (n_tags,), default=1e-4
        L2 strength: the objective is the mean (weighted) negative log-likelihood
        plus ``alpha / 2 * ||coef||^2`` (the intercept is not penalised), as in
        :class:`~sklearn.linear_model.SGDClassifier`. It matches
        :class:`~sklearn.linear_model.LogisticRegression` with
        ``C = 1 / (alpha * n_samples)``. One value per tag gives each tag its own
        strength (what :class:`RobustLogisticRegressionCV` chooses).
    learning_rate : {"constant", "invscaling", "adaptive"}, default="adaptive"
        "constant": ``eta0`` throughout. "invscaling": ``eta0 / (1 + t) ** power_t``
        after t minibatch updates. "adaptive": ``eta0`` until ``n_iter_no_change``
        epochs in a row fail to improve, then divided by 5, up to four times
        (``fit`` only; ``partial_fit`` keeps the current rate).
    eta0 : float, default=0.1
        Initial learning rate.
    power_t : float, default=0.25
        Exponent of the "invscaling" schedule.
    momentum : float, default=0.9
        Heavy-ball momentum in [0, 1). 0 gives plain SGD.
    batch_size : int, default=500
        Largest minibatch (the paper's 500). A pass of n rows makes
        ``ceil(n / batch_size)`` steps on minibatches of nearly equal size.
    em_step : "auto" or float in (0, 1], default="auto"
        Step eta of the running EM statistics, ``S <- (1 - eta) S + eta S_batch``.
        "auto" is online EM (Cappe and Moulines, 2009): after t minibatch updates
        ``eta_t = (t + 2) ** -em_decay``, so the statistics average ever more
        minibatches and their noise vanishes on large data; in ``fit`` it never
        falls below one over the number of minibatches, so a full-batch fit makes the exact
        M-step every epoch and a small data set is averaged over about one epoch.
        A float is the constant step of earlier versions (0.01 then).
    em_decay : float in (0.5, 1], default=0.6
        Exponent kappa of the online EM step (``em_step="auto"`` only).
    pi_prior : "auto", None, pair (a, b) or array of shape (n_tags, 2), default="auto"
        Beta(a, b) prior on each pi: the M-step is the MAP estimate (a, b >= 1),
        the prior weighing like ``a + b - 2`` examples against the data's. On a
        few hundred separable examples it keeps pi from running to 1; on large
        data it vanishes. "auto": one Beta shared by all tags, fitted after every
        pass to all tags' EM counts (empirical Bayes, concentration at most 200).
        None: maximum likelihood. A pair is shared; an array gives each tag its
        own, e.g. ``noise_prior_from_clean(Y_clean, Z_clean).pi_prior``.
    gamma_prior : "auto", None, pair (a, b) or array of shape (n_tags, 2), default="auto"
        The same for gamma (``noise="missing+spurious"`` only).
    pi_init : float or array-like of shape (n_tags,), default=0.5
        Starting ``P(y=1 | z=1)``. Must be below 1 for pi to be learned: the paper's
        start (statistics all 1, pi = 1) is a fixed point where pi never moves.
    gamma_init : float or array-like of shape (n_tags,), default=0.9
        Starting ``1 - P(y=1 | z=0)`` for ``noise="missing+spurious"``; below 1 for
        the same reason. Ignored for the other noise models (gamma = 1).
    learn_pi : bool, default=True
        Learn pi by EM. If False, pi stays at ``pi_init`` (a known tagging rate).
    learn_gamma : bool, default=True
        Learn gamma by EM under ``noise="missing+spurious"``; if False it stays at
        ``gamma_init``.
    max_iter : int, default=100
        Maximum number of epochs of ``fit``. Where pi converges slowly the fit
        warns at this limit with how far pi still moved; on a few hundred
        separable examples pi drifts towards 1 for hundreds of epochs and the model
        gets worse with them, so ``early_stopping=True`` is the better remedy there
        than a larger ``max_iter``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows in ``fit``, score each epoch by
        the held-out observed-data negative log-likelihood of the tags (a proper
        score under the noise model: it needs no clean labels), stop when it stops
        improving and keep the best epoch's model. The held-out rows are not
        trained on. Convergence then watches the held-out loss alone, not pi's
        drift (see ``tol``).
    validation_fraction : float in (0, 1), default=0.1
        Share of the rows held out by ``early_stopping``.
    tol : float or None, default=1e-4
        An epoch improves when the training loss drops by more than ``tol`` below
        its best so far, or while some pi/gamma has drifted by more than 0.01 since
        the last improving epoch (pi moves slowly, so convergence watches it too).
        With ``early_stopping``, when the held-out loss drops by more than ``tol``
        (whether pi's moves help is then measured, not assumed). None disables
        early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before the rate drops ("adaptive") or training
        stops. With ``early_stopping``, improvement is of the held-out loss.
    shuffle : bool, default=True
        Shuffle the rows before each pass (in ``fit`` and ``partial_fit``).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling.
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted weights and noise statistics.
    pos_label : int, float, bool, str or None, default=None
        For a binary ``y``: the label that is the tag (the positive class, whose
        missing examples the noise model explains); it becomes ``classes_[1]``.
        None takes the larger of the two labels in sorted order, as scikit-learn
        does; for string labels (e.g. "cat" and "none", where "none" sorts last)
        that is rarely the tag meant, so it warns: pass ``pos_label`` then. Must be
        None or 1 for a 2-D tag matrix.
    verbose : int, default=0
        0: silent. 1: one line per epoch (loss, learning rate, range of pi) and a
        last line with the epochs run and the time taken. 2 and more: each epoch's
        line also says ``epoch i/max_iter`` and its time and the total so far.

    Attributes
    ----------
    coef_ : array of shape (n_tags, n_features)
        Weights; n_tags is 1 for a binary y. Lives on the namespace and device of
        the training data, in its float dtype.
    intercept_ : array of shape (n_tags,)
    pi_ : array of shape (n_tags,)
        Learned ``P(tag supplied | true)`` per tag.
    gamma_ : array of shape (n_tags,)
        Learned ``1 - P(tag supplied | false)`` per tag.
    pi_prior_ : array of shape (n_tags, 2) or None
        The Beta prior (a, b) on pi in use (fitted under "auto"), on the model's
        namespace and device; None for maximum likelihood or when pi is not learned.
    gamma_prior_ : array of shape (n_tags, 2) or None
        The same for gamma.
    validation_score_ : float or None
        With ``early_stopping``: the best held-out observed-data log-likelihood per
        example and tag (higher is better); None otherwise.
    classes_ : array of shape (2,) or (n_tags,)
        The two labels of a binary y, the positive one (``pos_label``) last, or
        ``arange(n_tags)`` for a tag matrix.
    tag_names_ : ndarray of str objects, shape (n_tags,)
        The name of each tag, for messages, tables and figures: the columns of a
        pandas DataFrame y (``TagVectorizer().set_output(transform="pandas")``
        gives one), else ``"tag0"``, ``"tag1"``, ...; for a binary y, the positive
        label as a string, ``str(classes_[1])``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.
    n_iter_ : int
        Passes over the data so far (epochs of ``fit`` plus ``partial_fit`` calls).
    t_ : int
        Minibatch updates so far.
    loss_curve_ : list of float
        Per pass: mean observed-data negative log-likelihood per example and tag,
        plus ``alpha / 2 * ||coef||^2 / n_tags``.

    See Also
    --------
    skrobust.InterceptCalibrator : Re-fit one intercept per tag on clean labels.
    sklearn.linear_model.SGDClassifier : Plain logistic regression by SGD.

    Notes
    -----
    Non-NumPy arrays (CuPy, torch, ...) are trained on their own device inside
    ``sklearn.config_context(array_api_dispatch=True)``; outside it they are
    converted to NumPy, as in scikit-learn. A model fitted on a GPU keeps its state
    there; use :func:`skrobust.estimator_to_numpy` before pickling it for a machine
    without that GPU.

    Examples
    --------
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=5000, n_features=10, n_tags=3, pi=0.4, random_state=0)
    >>> model = RobustLogisticRegression(random_state=0).fit(X, Y)
    >>> model.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(((model.pi_ > 0.2) & (model.pi_ < 0.6)).all())
    True
    """

    _parameter_constraints: dict = {
        "noise": [StrOptions({"missing", "missing+spurious", "none"})],
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "em_step": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="right")],
        "em_decay": [Interval(Real, 0.5, 1, closed="right")],
        "pi_prior": [StrOptions({"auto"}), "array-like", None],
        "gamma_prior": [StrOptions({"auto"}), "array-like", None],
        "pi_init": [Interval(Real, 0, 1, closed="right"), "array-like"],
        "gamma_init": [Interval(Real, 0, 1, closed="right"), "array-like"],
        "learn_pi": ["boolean"],
        "learn_gamma": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "pos_label": [Real, str, "boolean", None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        noise="missing",
        *,
        alpha=1e-4,
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
        max_iter=100,
        early_stopping=False,
        validation_fraction=0.1,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        warm_start=False,
        pos_label=None,
        verbose=0,
    ):
        self.noise = noise
        self.alpha = alpha
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
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.pos_label = pos_label
        self.verbose = verbose

    # ------------------------------------------------------------------ training

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train for up to ``max_iter`` epochs of minibatch stochastic EM.

        A fit that raises (bad input, divergence, an interrupt) leaves the model
        exactly as it was before it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features; scipy.sparse CSR is used without densifying.
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Binary labels, or a 0/1 tag indicator matrix (dense or sparse).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : RobustLogisticRegression
            The fitted estimator.
        """
        with self._unchanged_on_failure():
            self._fit(X, y, sample_weight)
        return self

    def _fit(self, X, y, sample_weight):
        """fit's work, inside its guard."""
        continuing = self.warm_start and hasattr(self, "coef_")
        started = time.perf_counter()
        names = names_from_target(y)
        X, Y, weights, xp, classes = self._validate_training_data(
            X, y, sample_weight, classes=None, first_call=not continuing
        )
        if not continuing:
            self._initialize(X, Y, classes, xp, names)
        else:  # a warm start keeps the weights but takes the current parameters
            self._check_tag_names(names)
            self._set_prior_modes(Y.shape[1])
        validation = None
        if self.early_stopping:
            X, Y, weights, validation = self._hold_out(X, Y, weights, xp)
        # The prior's pseudo-counts weigh against the training rows once: every
        # epoch sees the same images again, which adds no information about pi.
        # Weights are relative (gradients and statistics are weighted means), so N
        # counts the rows that carry weight, not the weights' total.
        self._n_examples = _rows_with_weight(weights, xp)
        # Online EM never steps below one epoch's average (exact at full batch).
        self._em_floor = 1.0 / n_minibatches(X.shape[0], self.batch_size)
        monitor = _PlateauMonitor(self.tol, self.n_iter_no_change, self._noise_rates(xp),
                                  watch_noise=validation is None)
        converged = False
        best = None
        self.validation_score_ = None
        for epoch in range(1, self.max_iter + 1):
            loss = self._train_one_pass(X, Y, weights, xp, epoch=(epoch, started))
            if validation is not None:
                loss = self._observed_loss(*validation, xp)
                if best is None or loss < best[0]:
                    best = (loss, self._get_state(), self._host_priors)
            if not monitor.plateaued(loss, self._noise_rates(xp)):
                continue
            if (
                self.learning_rate == "adaptive"
                and validation is None
                and self._learning_rate / _ADAPTIVE_DIVISOR >= self.eta0 * _ADAPTIVE_FLOOR
            ):
                self._learning_rate /= _ADAPTIVE_DIVISOR
                monitor.restart()
                if self.verbose:
                    print(f"-- Plateau: learning rate lowered to {self._learning_rate:.3g}")
                continue
            converged = True
            break
        if best is not None:  # keep the epoch that scored best on held-out tags
            loss, state, self._host_priors = best
            self._set_state(state)
            self.validation_score_ = -loss
        if self.verbose:
            outcome = "converged" if converged else "stopped at max_iter"
            print(
                f"-- {outcome}: {self.n_iter_} passes in total, this fit "
                f"{time.perf_counter() - started:.2f} s"
            )
        if not converged and self.tol is not None:
            self._warn_not_converged(monitor.recent_drift())

    def _warn_not_converged(self, drift):
        """Say why fit stopped at max_iter and what helps (see ``max_iter``)."""
        why = ""
        if drift > 0 and not self.early_stopping:
            why = (
                f": pi/gamma still moved by up to {drift:.3f} over the last "
                f"{self.n_iter_no_change}. On few or separable examples pi keeps "
                "drifting towards 1 and more epochs make the model worse: "
                "early_stopping=True stops at the best epoch on held-out tags. "
                "Otherwise,"
            )
        warnings.warn(
            f"RobustLogisticRegression did not converge in max_iter={self.max_iter} "
            f"epochs{why}{';' if not why else ''} increase max_iter, or loosen tol.",
            ConvergenceWarning,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of minibatch stochastic EM over one chunk of data.

        The first call sets the number of features and tags (and, for a binary y,
        the two classes); later chunks must match. A call that raises leaves the
        model exactly as it was before it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One chunk of features.
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Binary labels, or a 0/1 tag indicator matrix (dense or sparse).
        classes : array-like of shape (2,), default=None
            The two labels of a binary y; required on the first call when y is 1-D
            (a chunk may hold only one of them). Which one is the tag is set by
            ``pos_label``, not by their order. Not used for a tag matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : RobustLogisticRegression
            The updated estimator.
        """
        first_call = not hasattr(self, "coef_")
        names = names_from_target(y)
        with self._unchanged_on_failure():
            X, Y, weights, xp, classes = self._validate_training_data(
                X, y, sample_weight, classes=classes, first_call=first_call
            )
            if first_call:
                self._initialize(X, Y, classes, xp, names)
                self._n_examples = 0.0
                self.validation_score_ = None
            else:
                self._check_tag_names(names)
            # Streaming: every chunk is new data, so the prior weighs against all
            # rows seen so far, and online EM steps freely (no floor).
            self._n_examples += _rows_with_weight(weights, xp)
            self._em_floor = 0.0
            self._train_one_pass(X, Y, weights, xp)
        return self

    def _hold_out(self, X, Y, weights, xp):
        """Split off ``validation_fraction`` of the rows for early stopping."""
        n = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            raise ValueError(
                f"early_stopping needs at least 2 rows to hold out validation_fraction="
                f"{self.validation_fraction} of them; got {n}."
            )
        order = self._rng.permutation(n)
        fit_rows, validation_rows = (
            row_index(np.sort(index), X, xp) for index in (order[n_val:], order[:n_val])
        )
        X_fit, Y_fit, w_fit = (take_rows(A, fit_rows, xp) for A in (X, Y, weights))
        validation = tuple(take_rows(A, validation_rows, xp) for A in (X, Y, weights))
        return X_fit, Y_fit, w_fit, validation

    def _observed_loss(self, X, Y, weights, xp):
        """Held-out observed-data negative log-likelihood per example and tag."""
        loglik = self._log_likelihood_sums(X, Y, weights, xp)
        return -float(xp.sum(loglik)) / (float(xp.sum(weights)) * Y.shape[1])

    def tag_log_likelihood(self, X, Y, sample_weight=None):
        """Per tag, the summed log-likelihood of observed tags under the noise model.

        ``sum_i w_i log P(y_it | x_i)`` with ``P(y=1 | x) = pi sigma + (1 - gamma)(1 -
        sigma)``: a proper score of noisy tags that needs no clean labels (higher is
        better). Early stopping and :class:`RobustLogisticRegressionCV` use it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        Y : {array-like, sparse matrix} of shape (n_samples, n_tags)
            Their observed 0/1 tags (a binary model takes a 1-D y of its classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        loglik : array of shape (n_tags,)
            On the model's namespace and device.
        """
        check_is_fitted(self)
        X, Y, weights, xp, _ = self._validate_training_data(
            X, Y, sample_weight, classes=None, first_call=False
        )
        return self._log_likelihood_sums(X, Y, weights, xp)

    def _log_likelihood_sums(self, X, Y, weights, xp):
        """tag_log_likelihood on validated data."""
        total = None
        # Minibatch-sized blocks: the scores of a large held-out set are never all
        # in memory at once.
        for start, stop in minibatch_bounds(X.shape[0], self.batch_size):
            rows = slice(start, stop)
            scores = safe_sparse_dot(take_rows(X, rows, xp), self.coef_.T) + self.intercept_
            part = _em.observed_log_likelihood(
                scores, dense_rows(take_rows(Y, rows, xp)), self.pi_, self.gamma_,
                take_rows(weights, rows, xp), xp,
            )
            total = part if total is None else total + part
        return total

    @contextmanager
    def _unchanged_on_failure(self):
        """Leave the model exactly as it was if the body raises (an interrupt too).

        Attributes are replaced, not modified in place, during training, with two
        exceptions restored here: the shuffling RNG's state and the loss curve. So
        a shallow copy of the attributes is enough; a model that was unfitted stays
        unfitted, even if validation had already set n_features_in_.
        """
        before = dict(self.__dict__)
        rng = before.get("_rng")
        if rng is None and not isinstance(self.random_state, Integral):
            # The first call will draw from the caller's RandomState (or numpy's
            # global one, for None): a failed call must not advance it either.
            rng = check_random_state(self.random_state)
        rng_state = None if rng is None else rng.get_state()
        n_losses = len(before.get("loss_curve_", ()))
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            if rng is not None:
                rng.set_state(rng_state)
            if "loss_curve_" in before:
                del self.loss_curve_[n_losses:]
            raise

    def _validate_training_data(self, X, y, sample_weight, classes, first_call):
        """Validate one fit/partial_fit call's data without changing the model."""
        xp, is_array_api, device = get_namespace_and_device(X)
        if not first_call:
            check_same_namespace(X, self, attribute="coef_", method="partial_fit")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if is_array_api and hasattr(y, "__array_namespace__"):
            y = move_to(y, xp=xp, device=device)
        dtype = [xp.float64, xp.float32] if first_call else self.coef_.dtype
        # X is not scanned for NaN or infinity here: a non-finite value always
        # reaches the weights through the matrix products, the pass then fails
        # atomically, and X is checked for the error message (a separate scan would
        # cost about a tenth of a training step at 81 tags).
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=dtype,
            ensure_all_finite=False,
            multi_output=True,
            y_numeric=False,
            reset=first_call,
        )
        xp, _, device = get_namespace_and_device(X)
        if is_indicator_target(y):
            # On every call, not only the first: a later classes= with a tag matrix
            # used to be ignored without a word.
            if classes is not None:
                raise ValueError("classes is only used with a 1-D (binary) y.")
            if self.pos_label is not None and not (
                isinstance(self.pos_label, Real) and self.pos_label == 1
            ):
                raise ValueError(
                    f"pos_label={self.pos_label!r} is only used with a 1-D binary y; a "
                    "2-D tag matrix marks every tag by 1. Leave pos_label=None."
                )
            Y = validate_indicator(y, X.shape[0], xp, device)
            self._check_layout(multilabel=True, n_tags=Y.shape[1], first_call=first_call)
            found_classes = None
        else:
            y = column_to_1d(y)
            if not first_call:
                self._check_layout(multilabel=False, n_tags=1, first_call=False)
                known = to_numpy(self.classes_)
                if classes is not None and not np.array_equal(
                    np.sort(np.asarray(classes)), np.sort(known)
                ):
                    raise ValueError(
                        f"classes={list(classes)} differs from the classes of the first "
                        f"call, {known.tolist()}."
                    )
                found_classes = binary_classes(y, known)
            else:
                found_classes = positive_last(binary_classes(y, classes), self.pos_label)
            Y = binary_to_indicator(y, found_classes, xp, device)
        return X, Y, _checked_weights(sample_weight, X, xp), xp, found_classes

    def _check_layout(self, multilabel, n_tags, first_call):
        if first_call:
            return
        if multilabel != self._multilabel:
            fitted = "a 2-D tag matrix" if self._multilabel else "a 1-D binary y"
            given = "a 2-D tag matrix" if multilabel else "a 1-D binary y"
            raise ValueError(f"The model was fitted on {fitted}, this call passes {given}.")
        if n_tags != self.coef_.shape[0]:
            raise ValueError(
                f"y has {n_tags} tags (columns) but the model was fitted on "
                f"{self.coef_.shape[0]}."
            )

    def _initialize(self, X, Y, classes, xp, names=None):
        """Fresh weights, noise rates and bookkeeping for the validated data.

        ``classes`` holds the two labels of a binary y, or None for a tag matrix;
        ``names`` the tag names of a DataFrame y, or None.
        """
        n_tags = Y.shape[1]
        pi_init = self._per_tag_start(self.pi_init, "pi_init", n_tags)
        gamma_init = self._per_tag_start(self.gamma_init, "gamma_init", n_tags)
        if self.noise == "none":
            pi_init = gamma_init = np.ones(n_tags)
        elif self.noise == "missing":
            gamma_init = np.ones(n_tags)
        if self.noise != "none" and self.learn_pi and np.any(pi_init == 1.0):
            warnings.warn(
                "pi_init=1 is a fixed point of the EM updates: those tags' pi will "
                "never move from 1. Start below 1 to learn it.",
                UserWarning,
            )
        _, _, device = get_namespace_and_device(X)
        self._set_state(
            initial_state(n_tags, X.shape[1], pi_init, gamma_init, xp, device, X.dtype)
        )
        self._multilabel = classes is None
        if self._multilabel:
            classes = np.arange(n_tags)
        if classes.dtype.kind in "biuf" and not is_numpy_namespace(xp):
            classes = xp.asarray(classes, device=device)
        self.classes_ = classes
        if self._multilabel:
            self._tag_names = names if names is not None else default_tag_names(n_tags)
        else:
            self._tag_names = (str(to_numpy(classes)[1]),)
        self._per_tag_alpha(n_tags)  # a wrong shape fails here, before any training
        self._host_priors = (None, None)
        self._set_prior_modes(n_tags)
        self.n_iter_ = 0
        self.loss_curve_ = []
        self._learning_rate = float(self.eta0)
        self._rng = check_random_state(self.random_state)

    def _check_tag_names(self, names):
        """A later call's DataFrame y must name the same tags, in the same order."""
        if names is None or not self._multilabel or names == self._tag_names:
            return
        raise ValueError(
            f"y's columns {list(names)[:10]} differ from the tags of the first call "
            f"{list(self._tag_names)[:10]} (first 10 shown); pass the columns in the "
            "fitted order."
        )

    # A property over a tuple, like the priors: sklearn's array-API checks want every
    # array attribute on the data's device, and strings cannot live on a GPU.
    @property
    def tag_names_(self):
        return as_name_array(self._tag_names)

    @staticmethod
    def _per_tag_start(value, name, n_tags):
        values = np.asarray(value, dtype=float)
        if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != n_tags):
            raise ValueError(
                f"{name} must be a float or have one value per tag ({n_tags}); got shape "
                f"{values.shape}."
            )
        if not np.all((values > 0) & (values <= 1)):
            raise ValueError(f"{name} values must be in (0, 1]; got {values.tolist()}.")
        return np.broadcast_to(values, (n_tags,))

    def _per_tag_alpha(self, n_tags):
        """alpha as a float, or an (n_tags,) NumPy array when it is given per tag."""
        alpha = np.asarray(self.alpha, dtype=float)
        if alpha.ndim == 0:
            return float(alpha)
        if alpha.shape != (n_tags,):
            raise ValueError(
                f"alpha must be a float or have one value per tag ({n_tags}); got shape "
                f"{alpha.shape}."
            )
        if not np.all(np.isfinite(alpha) & (alpha >= 0)):
            raise ValueError("alpha values must be finite and >= 0.")
        return alpha

    def _set_prior_modes(self, n_tags):
        """Resolve pi_prior/gamma_prior: "auto", None or an (n_tags, 2) Beta prior
        (None when the rate is not learned). A user's prior is used as given; an
        "auto" one keeps its last fit (none before the first pass)."""
        learned = (self.noise != "none" and self.learn_pi,
                   self.noise == "missing+spurious" and self.learn_gamma)
        modes = []
        for value, name, learns in zip((self.pi_prior, self.gamma_prior),
                                       ("pi_prior", "gamma_prior"), learned):
            if not learns:
                modes.append(None)
            elif isinstance(value, str):
                modes.append(value)  # "auto": fitted after every pass
            else:
                modes.append(check_beta_prior(value, name, n_tags))
        self._pi_prior_mode, self._gamma_prior_mode = modes
        self._host_priors = tuple(
            kept if isinstance(mode, str) else mode
            for mode, kept in zip(modes, self._host_priors)
        )

    def _update_noise_priors(self):
        """Empirical Bayes: refit each "auto" prior to all tags' current EM counts."""
        pi_auto = isinstance(self._pi_prior_mode, str)
        gamma_auto = isinstance(self._gamma_prior_mode, str)
        if not (pi_auto or gamma_auto):
            return
        s_a, s_ya, s_y = (np.asarray(to_numpy(v), dtype=float) for v in self._em_statistics)
        n = self._n_examples
        n_tags = s_a.shape[0]
        # Tags share a prior within a group: all tags, unless a caller (the CV
        # estimator, which trains one copy of every tag per L2 strength) says which.
        groups = getattr(self, "_prior_groups", None) or [slice(None)]
        pi_prior, gamma_prior = self._host_priors
        if pi_auto:
            pi_prior = np.empty((n_tags, 2))
            for g in groups:
                pi_prior[g] = fit_shared_beta(n * s_ya[g], n * s_a[g])
        if gamma_auto:
            gamma_prior = np.empty((n_tags, 2))
            s_n0 = 1 - s_y - s_a + s_ya
            for g in groups:
                gamma_prior[g] = fit_shared_beta(n * s_n0[g], n * (1 - s_a[g]))
        # A tuple, not arrays: host-side bookkeeping (sklearn's array-API checks
        # want every array attribute on the data's device).
        self._host_priors = (pi_prior, gamma_prior)

    def _noise_prior_counts(self, xp, dtype, device):
        """The MAP M-step's pseudo-counts on the device, or None for plain ML."""
        pi_prior, gamma_prior = self._host_priors
        if pi_prior is None and gamma_prior is None:
            return None
        n_tags = self.coef_.shape[0]
        zeros = (np.zeros(n_tags), np.zeros(n_tags))
        counts = (prior_pseudo_counts(pi_prior, self._n_examples) or zeros) + (
            prior_pseudo_counts(gamma_prior, self._n_examples) or zeros
        )
        return tuple(xp.asarray(c, dtype=dtype, device=device) for c in counts)

    def _config(self):
        learns_noise = self.noise != "none"
        xp, _, device = get_namespace_and_device(self.coef_)
        # Read from the parameter on every pass, so a warm start honours a new alpha.
        alpha = self._per_tag_alpha(self.coef_.shape[0])
        if not isinstance(alpha, float):  # one column per tag, on the device
            alpha = xp.asarray(alpha[:, None], dtype=self.coef_.dtype, device=device)
        auto_em = isinstance(self.em_step, str)
        return TrainingConfig(
            alpha=alpha,
            schedule=self.learning_rate,
            learning_rate=self._learning_rate,
            power_t=float(self.power_t),
            momentum=float(self.momentum),
            batch_size=int(self.batch_size),
            em_step=1.0 if auto_em else float(self.em_step),
            learn_pi=learns_noise and bool(self.learn_pi),
            learn_gamma=self.noise == "missing+spurious" and bool(self.learn_gamma),
            em_decay=float(self.em_decay) if auto_em else None,
            em_floor=self._em_floor,
            noise_prior=self._noise_prior_counts(xp, self.coef_.dtype, device),
        )

    def _train_one_pass(self, X, Y, weights, xp, epoch=None):
        """Train one pass into new arrays (the state is not modified); commit it only
        if it is finite.

        Runs inside ``_unchanged_on_failure``, which undoes the shuffle's draw (and
        everything else) if the pass raises. ``epoch`` is (epoch number, the fit's
        start time) inside ``fit``, for the verbose lines; None in ``partial_fit``.
        """
        pass_started = time.perf_counter()
        order = None
        if self.shuffle:
            order = row_index(self._rng.permutation(X.shape[0]), X, xp)
        config = self._config()
        # Divergence is detected after the pass and reported as a ValueError, so
        # NumPy's overflow warnings on the way there would only be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            state, mean_loss = train_pass(self._get_state(), X, Y, weights, order, config, xp)
            alpha = config.alpha if isinstance(config.alpha, float) else config.alpha[:, 0]
            penalty, finite = state.squared_norm_and_finite(xp, alpha)
            loss = float(mean_loss + 0.5 * penalty / Y.shape[1])
        if not (finite and np.isfinite(loss)):
            assert_all_finite(X, input_name="X")  # the usual message for bad X
            heavy = float(xp.max(weights)) if weights.shape[0] else 0.0
            raise ValueError(
                "Training diverged (non-finite weights or loss); the model is left "
                "as it was before this call. Scale the features (e.g. "
                "StandardScaler) or lower eta0"
                + (f", or use smaller sample weights (the largest is {heavy:.3g}; they "
                   "scale the step like eta0)." if heavy > 1 else ".")
            )
        self._set_state(state)
        self._update_noise_priors()
        self.n_iter_ += 1
        self.loss_curve_.append(loss)
        if self.verbose:
            self._print_pass(loss, pass_started, epoch)
        return loss

    def _print_pass(self, loss, pass_started, epoch):
        """The verbose line of one pass (see the ``verbose`` parameter)."""
        pi = to_numpy(self.pi_)
        line = (
            f"-- Pass {self.n_iter_}: loss {loss:.6f}, learning rate "
            f"{self._learning_rate:.3g}, pi in [{pi.min():.3f}, {pi.max():.3f}]"
        )
        if self.verbose >= 2:
            now = time.perf_counter()
            where = "" if epoch is None else f"epoch {epoch[0]}/{self.max_iter}, "
            total = "" if epoch is None else f", total {now - epoch[1]:.2f} s"
            line += f" ({where}{now - pass_started:.3f} s{total})"
        print(line, flush=True)

    def _prior_on_device(self, prior):
        if prior is None:
            return None
        xp, _, device = get_namespace_and_device(self.coef_)
        return xp.asarray(prior, dtype=self.coef_.dtype, device=device)

    # The priors are kept on the host (they are refitted there after every pass from
    # a few numbers per tag) and shown on the model's device, like every attribute.
    @property
    def pi_prior_(self):
        return self._prior_on_device(self._host_priors[0])

    @property
    def gamma_prior_(self):
        return self._prior_on_device(self._host_priors[1])

    def _noise_rates(self, xp):
        """pi_ and gamma_ side by side on the host (one small transfer per epoch)."""
        return to_numpy(xp.concat([self.pi_, self.gamma_]))

    def _get_state(self):
        return TrainingState(
            coef=self.coef_,
            intercept=self.intercept_,
            previous_coef=self._previous_coef,
            previous_intercept=self._previous_intercept,
            stats=self._em_statistics,
            pi=self.pi_,
            gamma=self.gamma_,
            n_updates=self.t_,
        )

    def _set_state(self, state):
        self.coef_ = state.coef
        self.intercept_ = state.intercept
        self._previous_coef = state.previous_coef
        self._previous_intercept = state.previous_intercept
        self._em_statistics = state.stats
        self.pi_ = state.pi
        self.gamma_ = state.gamma
        self.t_ = state.n_updates

    # ---------------------------------------------------------------- prediction

    def _scores(self, X, method):
        """Validated ``X @ coef_.T + intercept_`` (n_samples, n_tags), and its namespace."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method=method)
        X = validate_data(self, X, accept_sparse="csr", dtype=self.coef_.dtype, reset=False)
        scores = safe_sparse_dot(X, self.coef_.T) + self.intercept_
        return scores, get_namespace_and_device(scores)[0]

    def decision_function(self, X):
        """Scores ``w . x + b`` (the log-odds of the true label).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : array of shape (n_samples,) or (n_samples, n_tags)
            1-D for a binary model (positive favours ``classes_[1]``).
        """
        scores, _ = self._scores(X, "decision_function")
        return scores if self._multilabel else scores[:, 0]

    def predict_proba(self, X):
        """P(true label | x): what annotation and retrieval rank by.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            For a binary model, the probabilities of ``classes_[0]`` and
            ``classes_[1]``; for a tag matrix, P(z_t = 1 | x) per tag.
        """
        scores, xp = self._scores(X, "predict_proba")
        return _outputs.probabilities(scores, not self._multilabel, xp)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._scores(X, "predict_log_proba")
        return _outputs.log_probabilities(scores, not self._multilabel, xp)

    def predict_tag_proba(self, X):
        """P(user supplies the tag | x) = pi sigma + (1 - gamma)(1 - sigma).

        The paper's eq. 5: what a user would tag, for tag suggestion. Use
        :meth:`predict_proba` for whether the label is true.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._scores(X, "predict_tag_proba")
        p_tag = _em.tag_probability(scores, self.pi_, self.gamma_, xp)
        return _outputs.two_columns(p_tag, not self._multilabel, xp)

    def predict(self, X):
        """Most probable true label: a class label, or a 0/1 row of tags.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tags)
            Class labels for a binary model; 0/1 integers per tag for a tag matrix.
        """
        scores, xp = self._scores(X, "predict")
        return _outputs.predictions(scores, not self._multilabel, self.classes_, xp)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
