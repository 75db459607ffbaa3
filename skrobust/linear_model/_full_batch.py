"""``solver="lbfgs"``: RobustLogisticRegression's full-batch fit, by per-tag L-BFGS.

Tag t's objective, with n rows, weights w_i summing to W over the N rows that carry
weight, and the Beta prior's pseudo-counts (c, e) = (a - 1, a + b - 2) / N::

    F_t = -(1/n) sum_i w_i log P(y_it | x_i) + alpha_t / 2 ||w_t||^2
          - (W/n) [c log pi_t + (e - c) log(1 - pi_t)]        (the same for gamma)

the objective whose minimiser in pi, for fixed weights, is the stochastic-EM
trainer's MAP M-step (:func:`._em.m_step`): both solvers aim at the same model, and
with ``noise="none"`` it is scikit-learn's L2 logistic regression with
``C = 1 / (alpha n)``. Learned pi and gamma enter as logits u and v (so they stay in
(0, 1) without constraints), the weights, intercepts and logits of a tag together.

Every gradient comes out of the E-step (Fisher's identity: the observed-data
gradient in the score is the complete-data one at the posterior alpha)::

    dF/dw_t = (1/n) sum_i w_i (sigma - alpha) x_i + alpha_t w_t
    dF/du_t = (1/n) (pi S_a - S_ya) + (W/n) (pi e - c)
    dF/dv_t = (1/n) (gamma (W - S_a) - S_n0) + (W/n) (gamma e' - c')

with the weighted sums S_a = sum w alpha, S_ya = sum w y alpha, S_y = sum w y and
S_n0 = W - S_y - S_a + S_ya: one pass over the data (two matrix products, in blocks
of ``batch_size`` rows) gives every tag's value and gradient.
"""

from sklearn.utils import assert_all_finite

from skrobust._array_api import max_float_dtype
from skrobust.linear_model import _em
from skrobust.linear_model._dask_pass import is_dask_collection
from skrobust.linear_model._kernels import accumulate_gradient
from skrobust.linear_model._lbfgs import PerTagLBFGS
from skrobust.linear_model._sgd_em import (
    TrainingState,
    dense_rows,
    e_step,
    fold_mask,
    minibatch_bounds,
    take_rows,
)


def _logit(p, xp):
    return xp.log(p) - xp.log1p(-p)


def data_pass(X, Y, weights, batch_size, xp, fold_columns=None):
    """The pass over ``X``: :class:`InMemoryPass`, or for dask arrays a pass run on
    the dask scheduler, block by block (:mod:`._dask_pass`, dask imported there).
    ``fold_columns``: cross-validation folds as columns (see :mod:`._fold_columns`)."""
    if is_dask_collection(X):
        from skrobust.linear_model._dask_pass import DaskPass

        return DaskPass(X, Y, weights, batch_size, fold_columns=fold_columns)
    return InMemoryPass(X, Y, weights, batch_size, xp, fold_columns)


def fold_totals(in_training, column_fold, weights, xp):
    """(rows, weight) each column trains on, (n_columns,) each: the folds' training
    rows counted and their weights summed, then taken per column."""
    member = xp.astype(in_training, weights.dtype)
    return (xp.take(xp.sum(member, axis=0), column_fold, axis=0),
            xp.take(weights @ member, column_fold, axis=0))


class InMemoryPass:
    """The data terms of F in one pass over arrays in memory (any namespace, or
    scipy.sparse), in blocks of ``batch_size`` rows.

    :meth:`sums` is all a pass computes from the data: the unnormalised weight and
    intercept gradients, and per tag the log-likelihood and the EM sums S_a, S_ya,
    S_y. They are sums over rows, so a pass over row blocks held elsewhere (a dask
    cluster's workers) adds up the same quantities block by block.
    """

    def __init__(self, X, Y, weights, batch_size, xp, fold_columns=None):
        self.X, self.Y, self.weights, self.xp = X, Y, weights, xp
        self.batch_size = batch_size
        self.fold_columns = fold_columns
        self.n = X.shape[0]
        # The rows each column's objective averages over, and their weight: all of
        # them, or with folds as columns each column's fold's training rows.
        if fold_columns is None:
            self.averaged_over, self.weight_sum = self.n, xp.sum(weights)
        else:
            self.averaged_over, self.weight_sum = fold_totals(*fold_columns, weights, xp)

    def sums(self, coef, intercept, pi, gamma, wide):
        """(sum_i w_i (sigma - alpha) x_i, its sum without x, loglik, S_a, S_ya, S_y):
        the first two in ``coef``'s dtype, the rest per tag in ``wide``."""
        xp = self.xp
        grad_coef = xp.zeros_like(coef)
        grad_intercept = xp.zeros_like(intercept)
        loglik = s_a = s_ya = s_y = 0.0
        for start, stop in minibatch_bounds(self.n, self.batch_size):
            rows = slice(start, stop)
            X_b, w_b = take_rows(self.X, rows, xp), take_rows(self.weights, rows, xp)
            mask = None if self.fold_columns is None else fold_mask(
                self.fold_columns, rows, coef.dtype, xp)
            residual, (b_a, b_ya, b_y), b_loglik = e_step(
                X_b, dense_rows(take_rows(self.Y, rows, xp)), w_b, coef, intercept, pi,
                gamma, xp, per_tag=True, mask=mask,
            )
            residual *= w_b[:, None]
            if mask is not None:
                residual *= mask
            grad_coef = accumulate_gradient(grad_coef, residual, X_b)
            grad_intercept = grad_intercept + xp.sum(residual, axis=0)
            # Sums over blocks in the widest float: values are compared to 1e-4 of
            # their change by the line search.
            loglik = loglik + xp.astype(b_loglik, wide)
            s_a, s_ya, s_y = (s + xp.astype(b, wide)
                              for s, b in zip((s_a, s_ya, s_y), (b_a, b_ya, b_y)))
        return grad_coef, grad_intercept, loglik, s_a, s_ya, s_y

    def check_finite(self):
        """Raise sklearn's usual error if X holds NaN or infinity."""
        assert_all_finite(self.X, input_name="X")


class FullBatchObjective:
    """Per-tag values and gradients of F over the whole data set, one pass each.

    ``prior`` (the MAP pseudo-counts, see :func:`._em.m_step`, or None) may change
    between iterations: :meth:`total` re-adds it to a pass's data terms (``aux``).
    """

    def __init__(self, X, Y, weights, alpha, pi, gamma, learn_pi, learn_gamma,
                 batch_size, xp, device, fold_columns=None):
        self.xp = xp
        self.data = data_pass(X, Y, weights, batch_size, xp, fold_columns)
        self.alpha = alpha  # float, or (n_tags, 1) on the device
        self.pi, self.gamma = pi, gamma  # the fixed rates, where not learned
        self.learn_pi, self.learn_gamma = learn_pi, learn_gamma
        self.wide = max_float_dtype(xp, device)
        # The rows (n) each tag's objective averages over: all of them, or with
        # folds as columns each column's own, (n_tags,) in the widest float.
        n = self.data.averaged_over
        self.n = float(n) if isinstance(n, int) else xp.astype(xp.asarray(n), self.wide)
        self.weight_total = xp.astype(self.data.weight_sum, self.wide)
        self.prior = None

    def rates(self, params):
        """(pi, gamma) at ``params``: from the logits where learned, else fixed."""
        xp, extra = self.xp, list(params[2:])
        pi = _em._clip(_em.sigmoid(extra.pop(0), xp), _em.NOISE_EPS, 1.0, xp) \
            if self.learn_pi else self.pi
        gamma = _em._clip(_em.sigmoid(extra.pop(0), xp), _em.NOISE_EPS, 1.0, xp) \
            if self.learn_gamma else self.gamma
        return pi, gamma

    def __call__(self, params):
        xp = self.xp
        coef, intercept = params[0], params[1]
        pi, gamma = self.rates(params)
        grad_coef, grad_intercept, loglik, s_a, s_ya, s_y = self.data.sums(
            coef, intercept, pi, gamma, self.wide)
        n = self.n
        alpha = self.alpha
        per_tag = n if isinstance(n, float) else xp.astype(n, coef.dtype)
        grad_coef = grad_coef / (per_tag if isinstance(n, float) else per_tag[:, None])
        grad_coef = grad_coef + alpha * coef
        penalty = xp.vecdot(coef, coef) * (alpha if isinstance(alpha, float) else alpha[:, 0])
        data_value = -loglik / n + 0.5 * xp.astype(penalty, self.wide)
        pi_w, gamma_w = (xp.astype(r, self.wide) for r in (pi, gamma))
        grad_u = (pi_w * s_a - s_ya) / n
        grad_v = (gamma_w * (self.weight_total - s_a)
                  - (self.weight_total - s_y - s_a + s_ya)) / n
        aux = (data_value, s_a, s_ya, s_y, grad_u, grad_v)
        values, grads = self.total(params, aux, (grad_coef, grad_intercept / per_tag))
        return values, grads, aux

    def total(self, params, aux, weight_grads=None, grads=None):
        """F and its gradient from a pass's ``aux`` and the current prior: the weight
        gradients are ``weight_grads``, or taken from ``grads`` (a refitted prior only
        changes the logits' part)."""
        xp = self.xp
        data_value, _, _, _, grad_u, grad_v = aux
        if weight_grads is None:
            weight_grads = grads[:2]
        values = data_value
        logit_grads = []
        pi, gamma = (xp.astype(r, self.wide) for r in self.rates(params))
        for learned, rate, grad, counts in (
            (self.learn_pi, pi, grad_u, None if self.prior is None else self.prior[:2]),
            (self.learn_gamma, gamma, grad_v, None if self.prior is None else self.prior[2:]),
        ):
            if not learned:
                continue
            if counts is not None:
                success, count = (xp.astype(c, self.wide) for c in counts)
                share = self.weight_total / self.n
                log_rate, log_rest = xp.log(rate), xp.log1p(-rate)
                # 0 * log(0) is 0 here: a prior with no pseudo-count on a side puts
                # no weight on it, even at a rate of exactly 1.
                values = values - share * (
                    xp.where(success > 0, success * log_rate, xp.zeros_like(rate))
                    + xp.where(count > success, (count - success) * log_rest,
                               xp.zeros_like(rate))
                )
                grad = grad + share * (rate * count - success)
            logit_grads.append(xp.astype(grad, params[0].dtype))
        return values, tuple(weight_grads) + tuple(logit_grads)


class FullBatchTrainer:
    """Drives the per-tag L-BFGS for ``fit``: one :meth:`iterate` per "epoch"."""

    def __init__(self, model, X, Y, weights, xp, device):
        config = model._config()
        self.objective = FullBatchObjective(
            X, Y, weights, config.alpha, model.pi_, model.gamma_, config.learn_pi,
            config.learn_gamma, config.batch_size, xp, device, model._fold_columns,
        )
        self.objective.prior = config.noise_prior
        params = (model.coef_, model.intercept_)
        for learned, rate in ((config.learn_pi, model.pi_), (config.learn_gamma, model.gamma_)):
            if learned:
                params += (_logit(rate, xp),)
        self.optimizer = PerTagLBFGS(self.objective, params)
        if not bool(xp.all(xp.isfinite(self.optimizer.values))):
            self.objective.data.check_finite()  # the usual message for bad X
            raise ValueError(
                "The objective is not finite at the starting point; scale the "
                "features (e.g. StandardScaler)."
            )
        self.stalled = False
        self.device = device

    def iterate(self, model):
        """One L-BFGS iteration, committed to ``model``; returns the pass's loss (the
        mean over tags of F without the prior, as the SGD trainer's loss)."""
        optimizer, objective, xp = self.optimizer, self.objective, self.objective.xp
        self.stalled = optimizer.step() == 0
        params, aux = optimizer.params, optimizer.aux
        pi, gamma = objective.rates(params)
        weight = xp.astype(objective.weight_total, params[0].dtype)
        safe = xp.where(weight > 0, weight, xp.ones_like(weight))  # per column with folds
        stats = tuple(xp.astype(s, params[0].dtype) / safe for s in aux[1:4])
        model._set_state(TrainingState(
            coef=params[0], intercept=params[1], previous_coef=None,
            previous_intercept=None, stats=stats, pi=pi, gamma=gamma,
            n_updates=model.t_,
        ))
        # An "auto" prior is refitted to the new EM counts, as after an SGD pass;
        # the objective then changes only in its prior terms.
        model._update_noise_priors()
        objective.prior = model._noise_prior_counts(xp, params[0].dtype, self.device)
        optimizer.reset_values(*objective.total(params, aux, grads=optimizer.grads))
        return float(xp.mean(aux[0]))
