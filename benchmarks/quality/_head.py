"""A multi-label linear head trained by full-batch L-BFGS, and its sklearn wrapper.

Every linear contender of the quality benchmark is "one weight matrix for all tags,
trained on some loss of the score matrix S = X W + b". Writing each loss as a function
of S alone (value and dL/dS) lets one solver serve all of them: the gradient with
respect to the weights is X^T dL/dS, a single GEMM for all tags. For losses that are
sums of per-entry terms the tags decouple, so this equals fitting each tag on its own,
only faster; losses that couple tags (EPR's regulariser) are handled by the same code.
"""

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data


def log_sigmoid(s):
    """log(sigmoid(s)), exact for large |s| (no overflow, no log(0))."""
    return -np.logaddexp(0.0, -s)


def sigmoid(s):
    """1 / (1 + exp(-s)), computed without overflow warnings."""
    out = np.empty_like(s, dtype=np.float64)
    pos = s >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-s[pos]))
    e = np.exp(s[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def weighted_bce(S, Y, w_pos, w_neg):
    """Weighted binary cross-entropy summed over all entries, and its gradient in S.

    Parameters
    ----------
    S : ndarray of shape (n, L)
        Scores (log-odds).
    Y : ndarray of shape (n, L)
        0/1 targets.
    w_pos, w_neg : float or ndarray broadcastable to (n, L)
        Weight of the entries with target 1 and 0 (0 drops an entry).

    Returns
    -------
    loss : float
    grad : ndarray of shape (n, L)
    """
    p = sigmoid(S)
    wp = Y * w_pos
    wn = (1.0 - Y) * w_neg
    loss = -np.sum(wp * log_sigmoid(S)) - np.sum(wn * log_sigmoid(-S))
    grad = wp * (p - 1.0) + wn * p
    return float(loss), grad


def fit_linear_head(X, loss, C, n_tags, *, coef=None, intercept=None, maxiter=1000, tol=1e-10):
    """Minimise ``loss(X W + b) + ||W||^2 / (2 C)`` over W, b by L-BFGS-B.

    The intercept is not penalised (as in sklearn's LogisticRegression). The
    objective is divided by n inside the solver (same minimiser, better scaled
    stopping rules).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Features (converted to float64 once).
    loss : callable
        ``loss(S) -> (value, dL/dS)`` for a score matrix S of shape (n, L).
    C : float
        Inverse L2 strength, sklearn's convention.
    n_tags : int
        L, the number of score columns.
    coef, intercept : ndarray of shape (L, d) and (L,), default=None
        Warm start (zeros by default).
    maxiter : int, default=1000
        L-BFGS iterations.
    tol : float, default=1e-10
        Relative objective tolerance (``ftol``); ``gtol`` is 1e-8.

    Returns
    -------
    coef : ndarray of shape (L, d)
    intercept : ndarray of shape (L,)
    info : dict
        ``nit``, ``success``, final ``fun``.
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    L = int(n_tags)
    W0 = np.zeros((d, L)) if coef is None else np.asarray(coef, dtype=np.float64).T
    b0 = np.zeros(L) if intercept is None else np.asarray(intercept, dtype=np.float64)
    theta0 = np.concatenate([W0.ravel(), b0])

    def objective(theta):
        W = theta[: d * L].reshape(d, L)
        b = theta[d * L:]
        value, G = loss(X @ W + b)
        value = value + 0.5 * np.sum(W * W) / C
        gW = X.T @ G + W / C
        gb = G.sum(axis=0)
        return value / n, np.concatenate([gW.ravel(), gb]) / n

    res = minimize(
        objective, theta0, jac=True, method="L-BFGS-B",
        options={"maxiter": maxiter, "ftol": tol, "gtol": 1e-8, "maxcor": 10},
    )
    W = res.x[: d * L].reshape(d, L)
    info = {"nit": int(res.nit), "success": bool(res.success), "fun": float(res.fun)}
    return W.T.copy(), res.x[d * L:].copy(), info


class LinearHead(ClassifierMixin, BaseEstimator):
    """A fitted multi-label linear model: ``P(z_t = 1 | x) = sigmoid(w_t . x + b_t)``.

    Contenders build it from weights they trained (:meth:`from_coef`); its own
    :meth:`fit` trains plain L2 logistic regression (sklearn's objective) so that it
    is a complete estimator: :class:`skrobust.InterceptCalibrator` requires a
    ``fit`` method and recognises a fitted model by its trailing-underscore
    attributes (``check_is_fitted``), then uses it as is (prefit).

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 strength used by :meth:`fit`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tags, n_features)
    intercept_ : ndarray of shape (n_tags,)
    classes_ : ndarray of shape (n_tags,)
        ``arange(n_tags)``, the multi-label convention of sklearn's MLPClassifier.
    n_features_in_ : int
    pi_ : ndarray of shape (n_tags,)
        Only for contenders that estimate a tagging rate.
    """

    def __init__(self, C=1.0):
        self.C = C

    @classmethod
    def from_coef(cls, coef, intercept, C=1.0, **attributes):
        """A fitted head from given weights (and extra fitted attributes such as pi_)."""
        head = cls(C=C)
        head.coef_ = np.asarray(coef, dtype=np.float64)
        head.intercept_ = np.asarray(intercept, dtype=np.float64)
        head.classes_ = np.arange(head.coef_.shape[0])
        head.n_features_in_ = head.coef_.shape[1]
        for name, value in attributes.items():
            setattr(head, name, value)
        return head

    def fit(self, X, Y):
        """Plain L2 logistic regression on a 2-D 0/1 target (sum of log-losses)."""
        X, Y = validate_data(self, X, Y, multi_output=True, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
        coef, intercept, _ = fit_linear_head(
            X, lambda S: weighted_bce(S, Y, 1.0, 1.0), self.C, Y.shape[1]
        )
        self.coef_, self.intercept_ = coef, intercept
        self.classes_ = np.arange(Y.shape[1])
        return self

    def decision_function(self, X):
        """Log-odds of each tag, shape (n_samples, n_tags)."""
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """P(true label | x) per tag, shape (n_samples, n_tags)."""
        return sigmoid(self.decision_function(X))

    def predict(self, X):
        """0/1 indicator, threshold 0.5."""
        return (self.decision_function(X) > 0).astype(np.int8)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.multi_class = False
        tags.target_tags.multi_output = True
        return tags
