"""RobustLogisticRegressionCV: the L2 strength and the epochs chosen from the noisy
tags alone, by k-fold cross-validation.

Hyperparameters of a model trained on user tags cannot be chosen on clean labels a
user does not have. A tag that goes missing at random given the true label ranks
images in the order of P(true label | x), so each fold's held-out tags, ranked by
the model's P(tag | x), score the strengths and epochs without clean labels: the
criterion ``alpha="auto"`` uses on one held-out split (:mod:`._held_out_auc` says
why ranking and not the observed-data likelihood), here averaged over k folds.

The whole search is one fit: every (fold, strength) pair is a copy of the tags, as
the columns of one weight matrix with a per-column L2 strength and a per-fold row
mask (:mod:`._fold_columns`), so each minibatch is one pair of matrix products for
all folds and strengths, and the path stops when no strength improves any more.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions

from skrobust.linear_model import _effort
from skrobust.linear_model._auto_alpha import AUTO_ALPHAS, choose_strength, criterion, tag_mean
from skrobust.linear_model._fold_columns import fold_path
from skrobust.linear_model._label_frequency import (
    elkan_noto_pi,
    held_pi_params,
    resolved_pi_method,
)
from skrobust.linear_model._robust import RobustLogisticRegression

def _never(estimator):
    return False


def _choose(path, alphas, alpha_per_tag, choose_epochs, max_iter):
    """(epochs, alpha, epoch row of ``path``) from the folds' held-out per-tag AUCs
    ``path`` (n_epochs_run, n_folds, n_alphas, n_tags).

    The folds' mean, smoothed over neighbouring epochs and from epoch
    :data:`MIN_EPOCHS` on, as ``alpha="auto"`` chooses (:func:`choose_strength`);
    without ``choose_epochs`` only the last epoch's strengths compete, and the refit
    gets ``max_iter``. With ``alpha_per_tag``, every tag its best strength at the
    epoch where the tags' best strengths score best on average (all tags train
    together, so they share the epochs)."""
    per_tag = tag_mean(path, axis=1)  # (n_epochs, n_alphas, n_tags)
    if not choose_epochs:
        per_tag = per_tag[-1:]
    if alpha_per_tag:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a tag never scored
            best_per_tag = np.nanmax(per_tag, axis=1)
        _, epochs = choose_strength(tag_mean(best_per_tag)[:, None], alphas=(0.0,))
        row = len(per_tag) - 1 if epochs is None else epochs - 1
        scores = np.nan_to_num(per_tag[row], nan=-np.inf)
        chosen = np.asarray(alphas)[np.argmax(scores, axis=0)]
    else:
        chosen, epochs = choose_strength(tag_mean(per_tag), alphas)
        row = len(per_tag) - 1 if epochs is None else epochs - 1
    if not choose_epochs:
        return max_iter, chosen, len(path) - 1
    return (max_iter if epochs is None else epochs), chosen, row


class RobustLogisticRegressionCV(RobustLogisticRegression):
    """Robust logistic regression with its L2 strength and epochs chosen by
    cross-validation on the noisy tags.

    For every fold of ``cv`` and every strength in ``alphas``, a model trains on the
    fold's training rows and, after every epoch, ranks the fold's held-out rows by
    P(tag | x): the score is the mean over tags of the held-out tags' ROC AUC (no
    clean labels needed: see :mod:`skrobust.linear_model._held_out_auc`). The
    (strength, epochs) pair with the best score, averaged over folds and smoothed
    over neighbouring epochs, is refitted on all the data; the path stops once no
    strength has improved for ``n_iter_no_change`` epochs. This is ``alpha="auto"``
    of :class:`RobustLogisticRegression` with k folds instead of one held-out split:
    a steadier choice, at about k times its cost. All folds and strengths train
    together, as the columns of one weight matrix (each row trains the folds whose
    training set holds it), so the data is read once per epoch. That matrix has
    ``n_folds * n_alphas`` copies of the tags (35 by default), and dense tags are
    repeated as many times: at thousands of tags, fewer folds or strengths (or
    ``alpha="auto"``, one split and 7 copies) keep it in memory.

    Every parameter of :class:`RobustLogisticRegression` except ``alpha`` and
    ``warm_start`` is accepted and used for every fit.

    Parameters
    ----------
    noise : {"missing", "missing+spurious", "none"}, default="missing"
        The tag-noise model (see :class:`RobustLogisticRegression`).
    alphas : int or array-like of float, default=(1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0)
        The L2 strengths to try (by default ``alpha="auto"``'s); an int n takes
        ``10 ** linspace(-5, 0, n)``. The range is wide because the best strength
        varies by orders of magnitude between data sets: 0.03 on 8,800 MIRFLICKR
        photos, 0.1-1 on a few hundred of them.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in :func:`sklearn.model_selection.check_cv` (an int is a KFold;
        tag matrices cannot be stratified). Any splitter works, test sets that
        overlap too; every fold needs training and held-out rows.
    scoring : {"auto", "auc", "log_likelihood"}, default="auto"
        What each fold's held-out rows score: "auc", the held-out tags' mean per-tag
        ROC AUC (images ranked by P(tag | x)); "log_likelihood", their observed-data
        log-likelihood per unit of weight (the log-loss, for ``noise="none"``).
        "auto": "log_likelihood" with ``noise="none"`` (labels taken as true: the
        AUC, blind to the weights' scale, kept rising with the strength there and
        chose the grid's strongest), else "auc" (the likelihood of tags under the
        noise model kept improving while pi drifted and the ranking got worse).
    alpha_per_tag : bool, default=False
        Choose each tag's strength from its own held-out score (noisy for rare tags)
        rather than one strength for the mean score of all tags. The tags still
        share the epochs: those where the tags' best strengths score best.
    choose_max_iter : bool, default=True
        Choose the number of epochs too, from the path scored after every epoch,
        and stop the path once it stops improving. With False the path runs for
        ``max_iter`` epochs (or until it converges), the strength is chosen on its
        last epoch, and the refit runs ``max_iter`` epochs: on 8,800 MIRFLICKR
        photos that is the weak, over-fitted end of the path, and many times the
        time.
    n_jobs : None
        Has no effect and warns (FutureWarning) when set: the folds no longer fit
        in parallel threads but together as the columns of one model, where the
        BLAS threads share the work. It will be removed.
    solver, learning_rate, eta0, power_t, momentum, batch_size, em_step, em_decay, \
pi_prior, gamma_prior, pi_init, gamma_init, learn_pi, pi_method, learn_gamma, effort, \
effort_bins, max_iter, \
early_stopping, validation_fraction, tol, n_iter_no_change, shuffle, \
random_state, pos_label, verbose
        As in :class:`RobustLogisticRegression`. Under ``pi_method="elkan_noto"``
        (or "auto", which resolves to it here) pi is estimated once, on all the
        rows, and every fold and the refit hold it.

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
        Held-out score of each tag (see ``scoring``), per fold and strength, after
        ``max_iter_`` epochs (an AUC is NaN where a fold's held-out rows lack a
        class of the tag).
    epoch_scores_ : ndarray of shape (n_folds, n_epochs_run, n_alphas)
        The mean over tags after every epoch the path ran: what ``max_iter_`` and
        ``alpha_`` were chosen on.
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
    >>> model.max_iter_ <= model.epoch_scores_.shape[1]   # the epochs are chosen too
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
        "scoring": [StrOptions({"auto", "auc", "log_likelihood"})],
        "alpha_per_tag": ["boolean"],
        "choose_max_iter": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        noise="missing",
        *,
        alphas=AUTO_ALPHAS,
        cv=5,
        scoring="auto",
        alpha_per_tag=False,
        choose_max_iter=True,
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
        pi_method="auto",
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
        self.scoring = scoring
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
        self.pi_method = pi_method
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
        own = {"alphas", "cv", "scoring", "alpha_per_tag", "choose_max_iter", "n_jobs"}
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
        if self.n_jobs is not None:
            warnings.warn(
                "n_jobs has no effect since the folds train together as the columns "
                "of one model (the BLAS threads share the work); it will be removed.",
                FutureWarning,
            )
        folds = list(check_cv(self.cv).split(np.zeros((X_valid.shape[0], 1))))
        for fold, (train, test) in enumerate(folds):
            if len(train) == 0 or len(test) == 0:
                raise ValueError(
                    f"cv's fold {fold} has {len(train)} training and {len(test)} "
                    "held-out rows; every fold needs both."
                )
        pi_method = resolved_pi_method(self, effort, streaming=False)
        held_pi = {}
        pooled_pi = cells = None
        if pi_method == "elkan_noto":
            self._rng = check_random_state(self.random_state)
            edges = None if effort is None else _effort.check_effort_edges(self.effort_bins)
            start, _ = self._pi_start(self.pi_init, Y.shape[1],
                                      None if edges is None else len(edges) + 1)
            pooled_pi, cells = elkan_noto_pi(self, X_valid, Y, weights, xp, start, effort, edges)
            held_pi = held_pi_params(pooled_pi, cells)
        params = {**self._model_params(), **held_pi}
        scored_by = criterion(self.noise) if self.scoring == "auto" else self.scoring
        path = fold_path(self, X_valid, Y, weights, xp, folds, alphas, effort,
                         stop=self.choose_max_iter, scored_by=scored_by, pi_params=held_pi)
        n_epochs, chosen, row = _choose(path, alphas, self.alpha_per_tag,
                                        self.choose_max_iter, self.max_iter)
        final = RobustLogisticRegression(**{**params, "alpha": chosen, "max_iter": n_epochs})
        with warnings.catch_warnings():
            if n_epochs < self.max_iter:  # stopping early is the choice, not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
            final.fit(X, y, sample_weight, tag_effort=effort)
        fitted = {k: v for k, v in final.__dict__.items() if k not in final.get_params()}
        self.__dict__.update(fitted)
        self.pi_method_ = pi_method
        if pooled_pi is not None and cells is not None:
            # The refit held the cells; its per-tag pi is theirs averaged over the
            # bins, where the plain estimator keeps the cross-fit's own.
            self.pi_ = self._on_device(pooled_pi)
        # Array attributes live on the data's namespace and device, like coef_.
        self.alpha_ = chosen if isinstance(chosen, float) else self._on_device(chosen)
        self.max_iter_ = n_epochs
        self.alphas_ = self._on_device(alphas)
        self.scores_ = self._on_device(path[row])
        self.epoch_scores_ = self._on_device(np.moveaxis(tag_mean(path), 1, 0))

    # Streaming continues a model with a known strength: choose it here, then train
    # RobustLogisticRegression(alpha=model.alpha_) with partial_fit.
    partial_fit = available_if(_never)(RobustLogisticRegression.partial_fit)
