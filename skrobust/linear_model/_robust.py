"""RobustLogisticRegression: logistic regression that learns how noisy its tags are."""

from numbers import Integral, Real

from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from skrobust.linear_model._effort import DEFAULT_EFFORT_BINS
from skrobust.linear_model._effort_state import _EffortMixin
from skrobust.linear_model._noise_state import _NoisePriorsMixin
from skrobust.linear_model._prediction import _PredictionMixin
from skrobust.linear_model._tag_names import names_from_target
from skrobust.linear_model._training import _stochastic_solver, _TrainingMixin
from skrobust.linear_model._validation import _TrainingDataMixin, _rows_with_weight


class RobustLogisticRegression(
    _PredictionMixin, _TrainingMixin, _TrainingDataMixin, _NoisePriorsMixin, _EffortMixin,
    ClassifierMixin, BaseEstimator,
):
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
    alpha : "auto", float or array-like of shape (n_tags,), default="auto"
        L2 strength: the objective is the mean (weighted) negative log-likelihood
        plus ``alpha / 2 * ||coef||^2`` (the intercept is not penalised), as in
        :class:`~sklearn.linear_model.SGDClassifier`; ``C = 1 / (alpha * n_samples)``
        in :class:`~sklearn.linear_model.LogisticRegression`'s terms. One value per
        tag gives each tag its own strength. "auto": chosen per ``fit`` from the
        noisy tags alone. ``validation_fraction`` of the rows are held out, the
        strengths 1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3 and 1 train on the rest at once
        (as columns of one weight matrix), each scored after every epoch by the
        mean per-tag ROC AUC of the held-out tags (ranked by P(tag | x)); the best
        (strength, epochs), averaged with the neighbouring epochs and from epoch 5
        on, is refitted on all rows for that many epochs (with ``early_stopping``,
        the refit stops by its own held-out rows instead). Ranking, not the
        held-out likelihood: the likelihood keeps improving while pi drifts up and
        the ranking of the true labels gets worse. The best strength moves by
        orders of magnitude with the data (0.03-0.1 on 8,800 MIRFLICKR photos,
        where 1e-4 over-fits and pi runs to 0.9). It costs about 1-2 fits at a
        fixed strength. ``partial_fit`` chooses the strength on the first chunk
        and keeps it for the stream (epochs do not apply there; make that chunk
        large, or pass a number). A single row is too few to hold out, and
        held-out rows where no tag has both classes give no score: 1e-4 is then
        used. ``alpha_`` is the strength in use.
    solver : {"sgd", "lbfgs"}, default="sgd"
        How ``fit`` trains. "sgd": minibatch stochastic EM (the paper's; what
        ``partial_fit`` always does). "lbfgs": full-batch L-BFGS on the same MAP
        objective, per tag (own curvature pairs and line search), pi/gamma as logits
        beside the weights: for data in memory (on a few hundred images that optimum
        over-fits; see the user guide), holding 20 more copies of ``coef_``. An epoch
        (``max_iter``, ``n_iter_``, ``tol``, early stopping) is then one iteration, a
        pass over the data or more; the rate, momentum, EM-step and shuffling
        parameters do not apply. Both train dask arrays on the dask cluster (the user
        guide's "Training on a cluster"): "lbfgs" with the exact sums of the fit in
        memory; "sgd" runs one chain of minibatches per worker each epoch and
        averages them, so its model depends on the number of workers.
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
    pi_init : float or array-like of shape (n_tags,) or (n_effort_bins, n_tags), default=0.5
        Starting ``P(y=1 | z=1)``. Must be below 1 for pi to be learned: the paper's
        start (statistics all 1, pi = 1) is a fixed point where pi never moves.
        With ``tag_effort`` also one start (with ``learn_pi=False``, one known rate)
        per effort bin and tag; the per-tag ``pi_`` then starts at their mean.
    gamma_init : float or array-like of shape (n_tags,), default=0.9
        Starting ``1 - P(y=1 | z=0)`` for ``noise="missing+spurious"``; below 1 for
        the same reason. Ignored for the other noise models (gamma = 1).
    learn_pi : bool, default=True
        Learn pi (how, ``pi_method`` says). If False, pi stays at ``pi_init`` (a
        known tagging rate).
    pi_method : {"auto", "em", "elkan_noto"}, default="auto"
        How pi is learned. "em": jointly with the classifier, by stochastic EM (the
        paper). "elkan_noto": before the classifier, then held fixed: each tag's
        mean P(tag | x) over its tagged rows, from a plain logistic regression
        (``noise="none"``, its strength chosen by its held-out likelihood, this
        estimator's other settings) cross-fitted on 5 folds (Elkan & Noto 2008);
        a fit takes 2-4x as long. EM's pi drifts with the epochs where uploaders
        tag with uneven effort (on 8,779 real Flickr photos 0.05 early, past 0.4
        late, against 0.2 measured), and the classifier's scale and intercept
        drift with it. With ``tag_effort`` (``effort="given"``) "elkan_noto" also
        sets each effort bin's rates from the same cross-fit: a cell's tags over
        what the effort-blind P(tag | x) expected among its images, smoothed by the
        additive logit model of EM's M-step. "auto": "elkan_noto" in ``fit`` with
        ``noise="missing"`` (with or without ``tag_effort``; in memory or on dask
        arrays), "em" otherwise (``partial_fit``, ``effort="other_tags"``, gamma).
        ``pi_method_`` records the one used. On 8,779 real MIRFLICKR
        photos "auto" annotated 4.3 F@5 points better than "em", and with
        ``tag_effort`` its 2- and 3-tag retrieval gained 2.2 and 1.0 points more
        (see the user guide); on data drawn from the
        paper's model itself "em" recovers pi and "elkan_noto" under-estimates it.
    learn_gamma : bool, default=True
        Learn gamma by EM under ``noise="missing+spurious"``; if False it stays at
        ``gamma_init``.
    effort : {"given", "other_tags"}, default="given"
        How ``tag_effort`` (each image's count of uploader tags) sets the effort of
        an image's tags. "given": every tag of image i has effort ``e_i``. "other_tags":
        tag t has ``e_i - y_it``, the uploader's other tags, so a tag never explains
        itself; without ``tag_effort`` the counts are then each row's tags in ``y``
        (for ``y`` over the whole vocabulary), and the model is effort-aware. At
        prediction, ``tag_effort`` is the image's count of other tags in both.
    effort_bins : sequence of int, default=(3, 6, 11, 21)
        Used only with tagging effort: the lower edges of the effort bins after the
        first, so the default bins are 0-2, 3-5, 6-10, 11-20 and 21+ tags. pi (and
        gamma) are then learned per (bin, tag) as ``logit pi_kt = a_t + b_k``: the
        bin effect ``b_k`` is shared by the tags, ``a_t`` keeps each tag's pooled rate
        (``pi_``) what the effort-blind M-step gives; a few Newton steps on the
        per-bin EM statistics per minibatch, so streaming works as without effort.
        Both are fixed at the first training call. ``solver="lbfgs"`` does not take
        effort.
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
    pi_method_ : {"em", "elkan_noto", "fixed"}
        How ``pi_`` was set: ``pi_method`` resolved, or "fixed" (``learn_pi=False``
        or ``noise="none"``).
    gamma_ : array of shape (n_tags,)
        Learned ``1 - P(tag supplied | false)`` per tag.
    pi_effort_ : array of shape (n_effort_bins, n_tags) or None
        With ``tag_effort``: pi per effort bin and tag (averaged over the bins by
        their expected true positives, it gives ``pi_``); None without.
    gamma_effort_ : array of shape (n_effort_bins, n_tags) or None
        The same for gamma.
    effort_bins_ : tuple of int or None
        The bin edges in use with ``tag_effort``, None without.
    pi_prior_ : array of shape (n_tags, 2) or None
        The Beta prior (a, b) on pi in use (fitted under "auto"), on the model's
        namespace and device; None for maximum likelihood or when pi is not learned.
    gamma_prior_ : array of shape (n_tags, 2) or None
        The same for gamma.
    alpha_ : float or array of shape (n_tags,)
        The L2 strength in use: chosen under "auto", else ``alpha``.
    alpha_path_ : array of shape (n_epochs, 7) or None
        Under "auto", the held-out tags' mean per-tag ROC AUC of each strength
        (columns) after each epoch (rows) that the choice was made on (higher is
        better; NaN where no tag has both classes among the held-out rows); None
        otherwise.
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

    With each image's count of uploader tags, pi per effort bin and tag:

    >>> import numpy as np
    >>> effort = np.random.default_rng(0).integers(0, 30, size=5000)
    >>> aware = RobustLogisticRegression(random_state=0).fit(X, Y, tag_effort=effort)
    >>> aware.pi_effort_.shape                  # bins 0-2, 3-5, 6-10, 11-20, 21+
    (5, 3)
    >>> aware.predict_tag_proba(X[:2], tag_effort=[1, 25]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "noise": [StrOptions({"missing", "missing+spurious", "none"})],
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left"), "array-like"],
        "solver": [StrOptions({"sgd", "lbfgs"})],
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
        "pi_method": [StrOptions({"auto", "em", "elkan_noto"})],
        "learn_gamma": ["boolean"],
        "effort": [StrOptions({"given", "other_tags"})],
        "effort_bins": ["array-like"],
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
        alpha="auto",
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
        effort_bins=DEFAULT_EFFORT_BINS,
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
        self.warm_start = warm_start
        self.pos_label = pos_label
        self.verbose = verbose

    # ------------------------------------------------------------------ training

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, tag_effort=None):
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
        tag_effort : array-like of shape (n_samples,), default=None
            Each image's number of tags from its uploader over the whole vocabulary
            (not only the modelled tags; ``TagVectorizer.count_tags``), integers
            >= 0: pi and gamma are then learned per effort bin (``effort_bins``).
            A per-sample fit parameter like ``sample_weight``:
            ``set_fit_request(tag_effort=True)`` routes it through Pipeline and
            GridSearchCV. None: one pi per tag.

        Returns
        -------
        self : RobustLogisticRegression
            The fitted estimator.
        """
        with self._unchanged_on_failure():
            self._fit(X, y, sample_weight, tag_effort)
        return self

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, tag_effort=None):
        """One pass of minibatch stochastic EM over one chunk of data.

        The first call sets the number of features and tags (and, for a binary y,
        the two classes); later chunks must match. A call that raises leaves the
        model exactly as it was before it. Calls from several threads on one model
        run one at a time.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One chunk of features. Dask arrays (with a dask y) train one epoch on
            the cluster, one chain per worker, averaged (see ``solver``).
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Binary labels, or a 0/1 tag indicator matrix (dense or sparse).
        classes : array-like of shape (2,), default=None
            The two labels of a binary y; required on the first call when y is 1-D
            (a chunk may hold only one of them). Which one is the tag is set by
            ``pos_label``, not by their order. Not used for a tag matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.
        tag_effort : array-like of shape (n_samples,), default=None
            Each image's count of uploader tags, as for ``fit``: the first call
            decides whether the model uses it, and then every call must pass it.

        Returns
        -------
        self : RobustLogisticRegression
            The updated estimator.
        """
        names = names_from_target(y)
        with self._unchanged_on_failure():
            first_call = not hasattr(self, "coef_")  # under the lock: one first call
            X, Y, weights, xp, classes = self._validate_training_data(
                X, y, sample_weight, classes=classes, first_call=first_call
            )
            effort = self._checked_effort(tag_effort, Y, xp, first_call)
            if first_call:
                self._initialize(X, Y, classes, xp, names, with_effort=effort is not None)
                self._set_pi_method(X, Y, weights, xp, effort, streaming=True)
                self._n_examples = 0.0
                self.validation_score_ = None
            else:
                self._check_tag_names(names)
            if first_call or not isinstance(self.alpha, str):
                # "auto" chooses the strength on the first chunk and keeps it.
                self._resolve_alpha(X, Y, weights, xp, effort)
            # Streaming: every chunk is new data, so the prior weighs against all
            # rows seen so far, and online EM steps freely (no floor).
            self._n_examples += _rows_with_weight(weights, xp)
            self._em_floor = 0.0
            self._train_one_pass(X, Y, weights, xp,
                                 bins=self._effort_bins_on_device(effort, X, xp))
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
