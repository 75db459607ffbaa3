"""RobustLogisticRegression's training loop: epochs, early stopping, the learning-
rate schedule, and the guard that leaves the model unchanged when a call fails.

One pass of minibatch stochastic EM itself is :mod:`._sgd_em`'s; this module
drives it from the estimator's parameters and keeps its state.
"""

import time
import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.extmath import safe_sparse_dot

from skrobust.linear_model import _effort, _em
from skrobust._array_api import get_namespace_and_device, is_numpy_namespace, to_numpy
from skrobust.linear_model._auto_alpha import choose_strength, held_out_path, split_rows
from skrobust.linear_model._fit_lock import fit_lock
from skrobust.linear_model._label_frequency import (
    elkan_noto_pi,
    held_pi_params,
    resolved_pi_method,
)
from skrobust.linear_model._full_batch import FullBatchTrainer
from skrobust.linear_model._dask_pass import is_dask_collection
from skrobust.linear_model._dask_sgd import DaskEpochs
from skrobust.linear_model._dask_pass import log_likelihood_sums as dask_log_likelihood_sums
from skrobust.linear_model._tag_names import default_tag_names, names_from_target
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
from skrobust.linear_model._convergence import (
    _ADAPTIVE_DIVISOR,
    _ADAPTIVE_FLOOR,
    _PlateauMonitor,
)
from skrobust.linear_model._validation import _rows_with_weight


def _quiet_overflow():
    """A full-batch line-search trial may overflow: its value is then rejected by the
    line search, not worth a warning."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def _stochastic_solver(estimator):
    """partial_fit exists only for solver="sgd" (as MLPClassifier's for its
    stochastic solvers): streaming is minibatch stochastic EM."""
    if estimator.solver != "sgd":
        raise AttributeError(
            f"partial_fit trains by minibatch SGD; solver={estimator.solver!r} is for "
            "fit on data in memory. Use solver='sgd' to stream."
        )
    return True


class _TrainingMixin:
    """fit's epochs and the state one pass reads and writes."""

    # Called as ``_epoch_callback(model)`` after every epoch of fit (after early
    # stopping has scored it): RobustLogisticRegressionCV scores its held-out fold
    # there, to choose the number of epochs along with the strength. Not a parameter.
    _epoch_callback = None
    # Cross-validation folds as columns (see _fold_columns): the rows' fold membership
    # and each column's fold, on the data's device; None in every other fit.
    _fold_columns = None

    def _fit(self, X, y, sample_weight, tag_effort=None):
        """fit's work, inside its guard."""
        continuing = self.warm_start and hasattr(self, "coef_")
        started = time.perf_counter()
        names = names_from_target(y)
        X, Y, weights, xp, classes = self._validate_training_data(
            X, y, sample_weight, classes=None, first_call=not continuing
        )
        effort = self._checked_effort(tag_effort, Y, xp, first_call=not continuing)
        if not continuing:
            self._initialize(X, Y, classes, xp, names, with_effort=effort is not None)
            self._set_pi_method(X, Y, weights, xp, effort, streaming=False)
        else:  # a warm start keeps the weights but takes the current parameters
            self._check_tag_names(names)
            self._set_prior_modes(Y.shape[1])
        validation = None
        if self.early_stopping:
            X, Y, weights, effort, validation = self._hold_out(X, Y, weights, xp, effort)
        max_iter = self.max_iter
        if not (continuing and isinstance(self.alpha, str)):  # a warm start keeps "auto"'s choice
            chosen_epochs = self._resolve_alpha(X, Y, weights, xp, effort)
            if chosen_epochs is not None and validation is None:
                # Early stopping, if asked for, chooses the epochs itself.
                max_iter = min(chosen_epochs, self.max_iter)
        # The prior's pseudo-counts weigh against the training rows once: every
        # epoch sees the same images again, which adds no information about pi.
        # Weights are relative (gradients and statistics are weighted means), so N
        # counts the rows that carry weight, not the weights' total.
        self._n_examples = _rows_with_weight(weights, xp)
        # Online EM never steps below one epoch's average (exact at full batch).
        self._em_floor = 1.0 / n_minibatches(X.shape[0], self.batch_size)
        bins = self._effort_bins_on_device(effort, X, xp)
        monitor = _PlateauMonitor(self.tol, self.n_iter_no_change, self._noise_rates(xp),
                                  watch_noise=validation is None)
        # solver="lbfgs": an "epoch" is one full-batch L-BFGS iteration.
        full_batch = on_cluster = None
        if self.solver == "lbfgs":
            _, _, device = get_namespace_and_device(X)
            with _quiet_overflow():
                full_batch = FullBatchTrainer(self, X, Y, weights, xp, device)
        elif is_dask_collection(X):  # the blocks go to the workers once for all epochs
            on_cluster = DaskEpochs(X, Y, weights, self._fold_columns)
        converged = False
        best = None
        self.validation_score_ = None
        for epoch in range(1, max_iter + 1):
            if full_batch is None:
                loss = self._train_one_pass(X, Y, weights, xp, epoch=(epoch, started), bins=bins,
                                            on_cluster=on_cluster)
            else:
                pass_started = time.perf_counter()
                with _quiet_overflow():
                    loss = full_batch.iterate(self)
                self._record_pass(loss, pass_started, (epoch, started))
            if validation is not None:
                loss = self._observed_loss(*validation[:3], xp, validation[3])
                if best is None or loss < best[0]:
                    best = (loss, self._get_state(), self._host_priors)
            if self._epoch_callback is not None:
                self._epoch_callback(self)
            if full_batch is not None and full_batch.stalled:
                converged = True  # no tag can decrease its objective any further
                break
            if not monitor.plateaued(loss, self._noise_rates(xp)):
                continue
            if (
                full_batch is None
                and self.learning_rate == "adaptive"
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
        # Stopping at the epochs alpha="auto" chose is the choice, not a failure.
        if not converged and self.tol is not None and max_iter == self.max_iter:
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

    def _hold_out(self, X, Y, weights, xp, effort=None):
        """Split off ``validation_fraction`` of the rows for early stopping: the
        training rows (X, Y, weights, effort counts or None) and the held-out
        (X, Y, weights, effort bins or None)."""
        n = X.shape[0]
        host_rows = split_rows(self._rng, n, self.validation_fraction)
        if host_rows is None:
            raise ValueError(
                f"early_stopping needs at least 2 rows to hold out validation_fraction="
                f"{self.validation_fraction} of them; got {n}."
            )
        fit_rows, validation_rows = (row_index(index, X, xp) for index in host_rows)
        X_fit, Y_fit, w_fit = (take_rows(A, fit_rows, xp) for A in (X, Y, weights))
        validation = tuple(take_rows(A, validation_rows, xp) for A in (X, Y, weights))
        if effort is None:
            return X_fit, Y_fit, w_fit, None, validation + (None,)
        held_bins = self._effort_bins_on_device(effort[host_rows[1]], X, xp)
        return X_fit, Y_fit, w_fit, effort[host_rows[0]], validation + (held_bins,)

    def _observed_loss(self, X, Y, weights, xp, bins=None):
        """Held-out observed-data negative log-likelihood per example and tag."""
        loglik = self._log_likelihood_sums(X, Y, weights, xp, bins)
        return -float(xp.sum(loglik)) / (float(xp.sum(weights)) * Y.shape[1])

    def _log_likelihood_sums(self, X, Y, weights, xp, bins=None):
        """tag_log_likelihood on validated data (rows' effort bins, or None)."""
        if is_dask_collection(X):  # summed on the dask cluster, block by block
            return dask_log_likelihood_sums(self, X, Y, weights)
        total = None
        # Minibatch-sized blocks: the scores of a large held-out set are never all
        # in memory at once.
        for start, stop in minibatch_bounds(X.shape[0], self.batch_size):
            rows = slice(start, stop)
            scores = safe_sparse_dot(take_rows(X, rows, xp), self.coef_.T) + self.intercept_
            Y_rows = dense_rows(take_rows(Y, rows, xp))
            rates = self._row_rates(None if bins is None else tuple(b[rows] for b in bins),
                                    xp, Y_rows)
            part = _em.observed_log_likelihood(
                scores, Y_rows, *rates, take_rows(weights, rows, xp), xp,
            )
            total = part if total is None else total + part
        return total

    @contextmanager
    def _unchanged_on_failure(self):
        """Leave the model exactly as it was if the body raises (an interrupt too).

        Attributes are replaced, not modified in place, during training, with two
        exceptions restored here: the shuffling RNG's state and the loss curve. So
        a shallow copy of the attributes is enough; a model that was unfitted stays
        unfitted, even if validation had already set n_features_in_. Holds the
        estimator's training lock (:mod:`._fit_lock`): concurrent calls take turns.
        """
        with fit_lock(self):
            yield from self._restored_on_failure()

    def _restored_on_failure(self):
        """_unchanged_on_failure's body, under the lock."""
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

    def _initialize(self, X, Y, classes, xp, names=None, with_effort=False):
        """Fresh weights, noise rates and bookkeeping for the validated data.

        ``classes`` holds the two labels of a binary y, or None for a tag matrix;
        ``names`` the tag names of a DataFrame y, or None; ``with_effort``: rates per
        effort bin (``effort_bins``).
        """
        n_tags = Y.shape[1]
        self.effort_bins_ = _effort.check_effort_edges(self.effort_bins) if with_effort else None
        self._effort_own_tag = self.effort == "given"
        n_bins = len(self.effort_bins_) + 1 if with_effort else None
        pi_init, pi_cells = self._pi_start(self.pi_init, n_tags, n_bins)
        gamma_init = self._per_tag_start(self.gamma_init, "gamma_init", n_tags)
        if self.noise == "none":
            pi_init, pi_cells, gamma_init = np.ones(n_tags), None, np.ones(n_tags)
        elif self.noise == "missing":
            gamma_init = np.ones(n_tags)
        _, _, device = get_namespace_and_device(X)
        self._set_state(initial_state(n_tags, X.shape[1], pi_init, gamma_init, xp, device,
                                      X.dtype, n_bins, pi_cells=pi_cells))
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
        if not isinstance(self.alpha, str):
            self._per_tag_alpha(n_tags)  # a wrong shape fails here, before any training
        self._host_priors = (None, None)
        self._set_prior_modes(n_tags)
        self.n_iter_ = 0
        self.loss_curve_ = []
        self._learning_rate = float(self.eta0)
        self._rng = check_random_state(self.random_state)

    def _set_pi_method(self, X, Y, weights, xp, effort, streaming):
        """Resolve ``pi_method`` for a new fit (``pi_method_``); under "elkan_noto"
        estimate pi now and hold it (see :mod:`._label_frequency`)."""
        self.pi_method_ = resolved_pi_method(self, effort, streaming)
        if self.pi_method_ == "em" and np.any(np.asarray(to_numpy(self.pi_)) == 1.0):
            warnings.warn(
                "pi_init=1 is a fixed point of the EM updates: those tags' pi will "
                "never move from 1. Start below 1 to learn it.",
                UserWarning,
            )
        if self.pi_method_ == "elkan_noto":
            pi, cells = elkan_noto_pi(self, X, Y, weights, xp, to_numpy(self.pi_), effort,
                                      self.effort_bins_)
            _, _, device = get_namespace_and_device(self.coef_)
            # Still the fresh state: start it again, at these rates.
            self._set_state(initial_state(*self.coef_.shape, pi, to_numpy(self.gamma_), xp,
                                          device, self.coef_.dtype,
                                          None if cells is None else cells.shape[0],
                                          pi_cells=cells))
        self._set_prior_modes(Y.shape[1])  # no prior on a rate that is not learned

    def _learns_pi(self):
        """Whether EM updates pi: a model saved before ``pi_method_`` existed
        learned it whenever ``learn_pi`` said so."""
        return (self.noise != "none" and bool(self.learn_pi)
                and getattr(self, "pi_method_", "em") == "em")

    def _path_pi_params(self):
        """The pi parameters of the models this fit trains to choose its strength
        (``alpha="auto"``): none beyond the path's own (EM), or pi held where this
        fit holds it."""
        if getattr(self, "pi_method_", "em") != "elkan_noto":
            return {}
        cells = getattr(self, "pi_effort_", None)
        return held_pi_params(to_numpy(self.pi_), None if cells is None else to_numpy(cells))

    def _resolve_alpha(self, X, Y, weights, xp, effort=None):
        """Set the strength of a new fit (``alpha_``); under ``alpha="auto"`` choose it
        on held-out rows (see :mod:`._auto_alpha`; ``effort``: the rows' host tag
        counts or None) and return the epochs chosen with it, else None."""
        if not isinstance(self.alpha, str):
            self._alpha = self._per_tag_alpha(Y.shape[1])
            self.alpha_ = self._alpha if isinstance(self._alpha, float) else self._on_device(
                self._alpha)
            self.alpha_path_ = None
            return None
        path = held_out_path(self, X, Y, weights, xp, effort=effort)
        self._alpha, epochs = choose_strength(path)
        self.alpha_ = self._alpha
        self.alpha_path_ = None if path is None else self._on_device(path)
        return epochs

    def _on_device(self, values):
        """Host values as an array on the model's namespace, device and dtype."""
        xp, _, device = get_namespace_and_device(self.coef_)
        return xp.asarray(values, dtype=self.coef_.dtype, device=device)

    def _config(self):
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
            learn_pi=self._learns_pi(),
            learn_gamma=self.noise == "missing+spurious" and bool(self.learn_gamma),
            em_decay=float(self.em_decay) if auto_em else None,
            em_floor=self._em_floor,
            noise_prior=self._noise_prior_counts(xp, self.coef_.dtype, device),
            effort_groups=len(getattr(self, "_prior_groups", None) or [None]),
        )

    def _train_one_pass(self, X, Y, weights, xp, epoch=None, bins=None, on_cluster=None):
        """Train one pass into new arrays (the state is not modified); commit it only
        if it is finite.

        Runs inside ``_unchanged_on_failure``, which undoes the shuffle's draw (and
        everything else) if the pass raises. ``epoch`` is (epoch number, the fit's
        start time) inside ``fit``, for the verbose lines; None in ``partial_fit``.
        ``bins``: each row's effort bin on the device, or None. Dask arrays train
        on the cluster (:mod:`._dask_sgd`): ``on_cluster`` is fit's
        :class:`._dask_sgd.DaskEpochs`, made here for one pass otherwise.
        """
        pass_started = time.perf_counter()
        config = self._config()
        if is_dask_collection(X) and on_cluster is None:
            on_cluster = DaskEpochs(X, Y, weights, self._fold_columns)
        # Divergence is detected after the pass and reported as a ValueError, so
        # NumPy's overflow warnings on the way there would only be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            if on_cluster is not None:
                state, mean_loss = on_cluster.epoch(self._get_state(), config,
                                                    self._rng if self.shuffle else None)
            else:
                order = None
                if self.shuffle:
                    order = row_index(self._rng.permutation(X.shape[0]), X, xp)
                state, mean_loss = train_pass(self._get_state(), X, Y, weights, order, config,
                                              xp, effort=bins, fold_columns=self._fold_columns)
            alpha = config.alpha if isinstance(config.alpha, float) else config.alpha[:, 0]
            penalty, finite = state.squared_norm_and_finite(xp, alpha)
            loss = float(mean_loss + 0.5 * penalty / Y.shape[1])
        if not (finite and np.isfinite(loss)):
            if on_cluster is not None:
                on_cluster.check_finite()  # where the blocks are; the usual message
            else:
                assert_all_finite(X, input_name="X")  # the usual message for bad X
            largest = weights.max().compute() if on_cluster is not None else xp.max(weights)
            heavy = float(largest) if weights.shape[0] else 0.0
            raise ValueError(
                "Training diverged (non-finite weights or loss); the model is left "
                "as it was before this call. Scale the features (e.g. "
                "StandardScaler) or lower eta0"
                + (f", or use smaller sample weights (the largest is {heavy:.3g}; they "
                   "scale the step like eta0)." if heavy > 1 else ".")
            )
        self._set_state(state)
        self._update_noise_priors()
        self._record_pass(loss, pass_started, epoch)
        return loss

    def _record_pass(self, loss, pass_started, epoch):
        """Count a committed pass (or L-BFGS iteration), keep its loss, print it."""
        self.n_iter_ += 1
        self.loss_curve_.append(loss)
        if self.verbose:
            self._print_pass(loss, pass_started, epoch)

    def _print_pass(self, loss, pass_started, epoch):
        """The verbose line of one pass (see the ``verbose`` parameter)."""
        pi = to_numpy(self.pi_)
        rate = "" if self.solver == "lbfgs" else f", learning rate {self._learning_rate:.3g}"
        line = (
            f"-- Pass {self.n_iter_}: loss {loss:.6f}{rate}, "
            f"pi in [{pi.min():.3f}, {pi.max():.3f}]"
        )
        if self.verbose >= 2:
            now = time.perf_counter()
            where = "" if epoch is None else f"epoch {epoch[0]}/{self.max_iter}, "
            total = "" if epoch is None else f", total {now - epoch[1]:.2f} s"
            line += f" ({where}{now - pass_started:.3f} s{total})"
        print(line, flush=True)

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
            pi_effort=getattr(self, "pi_effort_", None),  # None in older saved models
            gamma_effort=getattr(self, "gamma_effort_", None),
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
        self.pi_effort_ = state.pi_effort
        self.gamma_effort_ = state.gamma_effort
