"""Time to accuracy: how long each contender takes to reach the regularised optimum.

Synthetic tags with known truth (make_tagged_classification, float32 features, tags
kept with probability pi = 0.6). Every contender minimises the same L2-regularised
objective per example and tag,

    f(W, b) = mean_{i,t} BCE(y_it, w_t . x_i + b_t) + alpha / 2 * ||W||^2 / n_tags

(sklearn's C = 1 / (alpha n); SGDClassifier's alpha is the same alpha), except
skrobust's noise="missing", whose objective is the observed-data likelihood of the
missing-tag model, P(y=1 | x) = pi_t sigmoid(w_t . x + b_t), with the same penalty
and pi_t learned (pi_prior=None: maximum likelihood, so the optimum is defined).
The optimum f* of each objective comes from a long full-batch L-BFGS run in float64
(scipy). A contender has reached the target when (f - f*) / |f*| <= --rtol (1e-3);
its time is the training time up to the first check that passed (the checks
themselves are not timed), or "not reached" within --max-seconds. The test AUC is
the mean per-tag ROC AUC against the true labels, at that point (or at the end).

Contenders, on the same threads (BLAS and torch both get --threads):

* RobustLogisticRegression noise="none" and noise="missing", with each solver:
  "sgd" (the defaults: minibatch 500, momentum 0.9, adaptive rate) and "lbfgs"
  (full-batch, per-tag L-BFGS); tol 1e-5 (--skrobust-tol), since the default 1e-4
  may stop it just short of a 1e-3 gap; checked after every epoch or iteration;
* OneVsRestClassifier(LogisticRegression(lbfgs, C)), one model per tag, refitted
  from scratch with max_iter 1, 2, 4, 8, ...: the time is that of the first fit
  that reached the target (what a user who knew max_iter would pay);
* MultiOutputClassifier(SGDClassifier(log_loss, alpha)), one epoch per partial_fit;
* PyTorch (CPU) on the same objective: full-batch L-BFGS (strong Wolfe line
  search, every evaluated point checked) and minibatch Adam (batch 500, lr 1e-2,
  --adam-lr, checked every epoch).

Usage: python benchmarks/bench_time_to_accuracy.py [--n-samples 20000]
       [--n-features 4096] [--n-tags 81 1000] [--max-seconds 300] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from threadpoolctl import threadpool_limits

from _common import print_table, save
from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification

ALPHA = 1e-4
PI = 0.6


# ----------------------------------------------------------------- objectives


def _log_sigmoid(s):
    return -np.logaddexp(0.0, -s)


def objective(X, Y, alpha, coef, intercept, pi=None):
    """f(W, b) (or the missing-tag model's f(W, b, pi)) in float64."""
    S = X @ np.asarray(coef, dtype=np.float64).T + np.asarray(intercept, dtype=np.float64)
    log_sig = _log_sigmoid(S)
    if pi is None:
        nll = -np.where(Y, log_sig, log_sig - S)  # log(1 - sigma) = log sigma - s
    else:
        pi = np.asarray(pi, dtype=np.float64)
        nll = -np.where(Y, np.log(pi) + log_sig, np.log1p(-pi * np.exp(log_sig)))
    n_tags = Y.shape[1]
    return float(nll.mean() + 0.5 * alpha * np.sum(np.square(coef, dtype=np.float64)) / n_tags)


def _optimum(X, Y, alpha, missing, max_iter):
    """min f by full-batch L-BFGS-B in float64; returns (f*, (coef, intercept, pi))."""
    n, d = X.shape
    L = Y.shape[1]
    Yf = Y.astype(np.float64)
    scale = 1.0 / (n * L)

    def unpack(theta):
        W = theta[: d * L].reshape(L, d)
        b = theta[d * L: d * L + L]
        logit_pi = theta[d * L + L:] if missing else None
        return W, b, logit_pi

    def fun(theta):
        W, b, logit_pi = unpack(theta)
        S = X @ W.T + b
        sig = np.exp(_log_sigmoid(S))
        grads = []
        if not missing:
            value = np.sum(np.logaddexp(0.0, S) - Yf * S)
            G = sig - Yf
        else:
            pi = 1.0 / (1.0 + np.exp(-logit_pi))
            q = pi * sig  # P(y=1 | x)
            value = -np.sum(np.where(Y, np.log(pi) + _log_sigmoid(S), np.log1p(-q)))
            G = np.where(Y, sig - 1.0, q * (1 - sig) / (1 - q))
            d_pi = np.where(Y, -1.0 / pi, sig / (1 - q)).sum(axis=0)
            grads.append(d_pi * pi * (1 - pi) * scale)
        value = value * scale + 0.5 * alpha * np.sum(W * W) / L
        gW = (G.T @ X) * scale + alpha * W / L
        gb = G.sum(axis=0) * scale
        return value, np.concatenate([gW.ravel(), gb, *grads])

    theta0 = np.zeros(d * L + L + (L if missing else 0))
    res = minimize(fun, theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 20})
    W, b, logit_pi = unpack(res.x)
    pi = None if logit_pi is None else 1.0 / (1.0 + np.exp(-logit_pi))
    return float(res.fun), (W, b, pi), {"iterations": int(res.nit), "success": bool(res.success),
                                        "message": str(res.message)}


# ------------------------------------------------------------------ bookkeeping


class _Done(Exception):
    """Raised from a contender's checkpoint to stop it."""


class Tracker:
    """Training clock that stops while the objective is checked."""

    def __init__(self, X, Y, alpha, f_star, rtol, max_seconds, X_test, Z_test, missing=False):
        self.X, self.Y, self.alpha, self.f_star, self.rtol = X, Y, alpha, f_star, rtol
        self.max_seconds, self.X_test, self.Z_test, self.missing = (
            max_seconds, X_test, Z_test, missing)
        self.elapsed = 0.0
        self.reached_s = None
        self.gap = None
        self.auc = None
        self.checks = 0
        self._auc_at = None  # the check the AUC is from
        self._last = None  # a copy of the last checked model, for its AUC in row()
        self._start = None

    def start(self):
        self._start = time.perf_counter()

    def pause(self):
        self.elapsed += time.perf_counter() - self._start

    def check(self, coef, intercept, pi=None, elapsed=None):
        """Record one checkpoint; True when the contender should stop."""
        if elapsed is not None:
            self.elapsed = elapsed
        f = objective(self.X, self.Y, self.alpha, coef, intercept, pi if self.missing else None)
        self.checks += 1
        self.gap = (f - self.f_star) / abs(self.f_star)
        if self.gap <= self.rtol and self.reached_s is None:
            self.reached_s = self.elapsed
        stop = self.reached_s is not None or self.elapsed >= self.max_seconds
        if stop or self.auc is None:  # (at 1,000 tags an AUC takes a second)
            self.auc = _auc(self.X_test, self.Z_test, coef, intercept)
            self._auc_at = self.checks
        else:  # a contender may still stop by its own rule after this check
            self._last = (np.array(coef, copy=True), np.array(intercept, copy=True))
        return stop

    def final_auc(self):
        """The test AUC of the last checked model (computed once, when it is asked for:
        a contender that stopped by its own rule was last scored at its first check)."""
        if self._auc_at != self.checks and self._last is not None:
            self.auc = _auc(self.X_test, self.Z_test, *self._last)
            self._auc_at = self.checks
        return self.auc

    def row(self, name):
        return {
            "contender": name,
            "seconds_to_target": self.reached_s if self.reached_s is not None else "not reached",
            "trained_s": self.elapsed,
            "final_rel_gap": self.gap,
            "test_auc": self.final_auc(),
            "checks": self.checks,
        }


def _auc(X_test, Z_test, coef, intercept):
    scores = X_test @ np.asarray(coef, dtype=np.float64).T + np.asarray(intercept, dtype=np.float64)
    keep = [t for t in range(Z_test.shape[1]) if 0 < Z_test[:, t].sum() < Z_test.shape[0]]
    return float(np.mean([roc_auc_score(Z_test[:, t], scores[:, t]) for t in keep]))


# ------------------------------------------------------------------ contenders


def run_skrobust(tracker, X, Y, noise, seed, tol, solver="sgd"):
    def check(model):  # after every epoch (an L-BFGS iteration with solver="lbfgs")
        tracker.pause()
        stop = tracker.check(model.coef_, model.intercept_, model.pi_)
        tracker.start()
        if stop:
            raise _Done

    # pi by EM: the target is the optimum of the noise model's whole objective.
    model = RobustLogisticRegression(noise=noise, solver=solver, alpha=ALPHA, pi_prior=None,
                                     max_iter=10_000, tol=tol, pi_method="em",
                                     random_state=seed)
    model._epoch_callback = check
    tracker.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, Y)
        tracker.pause()  # converged by its own rule before the target
    except _Done:
        pass


def run_sklearn_lr(tracker, X, Y, n_jobs=None):
    C = 1.0 / (ALPHA * X.shape[0])
    # int64 tags: with an int8 indicator of more than 127 columns, sklearn 1.9.1's
    # OneVsRestClassifier lists its estimators out of column order (estimator 128
    # is column 0), which would score them against the wrong tags.
    Y = Y.astype(np.int64)
    max_iter, spent = 1, 0.0
    while True:
        model = OneVsRestClassifier(LogisticRegression(C=C, max_iter=max_iter, tol=1e-12),
                                    n_jobs=n_jobs)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, Y)
        seconds = time.perf_counter() - start
        spent += seconds
        coef = np.vstack([e.coef_ for e in model.estimators_])
        intercept = np.concatenate([e.intercept_ for e in model.estimators_])
        stop = tracker.check(coef, intercept, elapsed=seconds)
        if stop or spent >= tracker.max_seconds:
            tracker.elapsed = spent if tracker.reached_s is None else tracker.elapsed
            return
        max_iter *= 2


def run_sgd(tracker, X, Y, seed):
    model = MultiOutputClassifier(SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=seed))
    classes = [np.array([0, 1])] * Y.shape[1]
    first = True
    while True:
        tracker.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if first:
                model.partial_fit(X, Y, classes=classes)
                first = False
            else:
                model.partial_fit(X, Y)
        tracker.pause()
        coef = np.vstack([e.coef_ for e in model.estimators_])
        intercept = np.concatenate([e.intercept_ for e in model.estimators_])
        if tracker.check(coef, intercept):
            return


def _torch_objective(torch, X, Y, W, b, alpha):
    S = X @ W.T + b
    bce = torch.nn.functional.binary_cross_entropy_with_logits(S, Y)
    return bce + 0.5 * alpha * (W * W).sum() / Y.shape[1]


def run_torch_lbfgs(tracker, X, Y, threads):
    import torch

    torch.set_num_threads(threads)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y.astype(np.float32))
    W = torch.zeros((Y.shape[1], X.shape[1]), requires_grad=True)
    b = torch.zeros(Y.shape[1], requires_grad=True)
    optimizer = torch.optim.LBFGS([W, b], lr=1, max_iter=100_000, max_eval=100_000,
                                  history_size=10, tolerance_grad=0, tolerance_change=0,
                                  line_search_fn="strong_wolfe")

    def closure():
        # Every evaluated point is checked (untimed), line-search trials too: the most
        # generous reading of when torch got there. (One step() call runs it all: with
        # max_iter=1 per call, torch re-evaluates at each call's start and limits the
        # line search to max_eval=1.)
        tracker.pause()
        if tracker.check(W.detach().numpy(), b.detach().numpy()):
            raise _Done
        tracker.start()
        optimizer.zero_grad()
        loss = _torch_objective(torch, Xt, Yt, W, b, ALPHA)
        loss.backward()
        return loss

    tracker.start()
    try:
        optimizer.step(closure)
        tracker.pause()
    except _Done:
        pass


def run_torch_adam(tracker, X, Y, threads, seed, batch_size=500, lr=1e-2):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y.astype(np.float32))
    W = torch.zeros((Y.shape[1], X.shape[1]), requires_grad=True)
    b = torch.zeros(Y.shape[1], requires_grad=True)
    optimizer = torch.optim.Adam([W, b], lr=lr)
    n = X.shape[0]
    while True:
        tracker.start()
        for index in torch.randperm(n).split(batch_size):
            optimizer.zero_grad()
            _torch_objective(torch, Xt[index], Yt[index], W, b, ALPHA).backward()
            optimizer.step()
        tracker.pause()
        if tracker.check(W.detach().numpy(), b.detach().numpy()):
            return


# ------------------------------------------------------------------------ main


def measure(n_samples, n_features, n_tags, max_seconds, rtol, threads, optimum_iters, seed=0,
            contenders=None, skrobust_tol=1e-5, adam_lr=1e-2, optimum_threads=None):
    n_test = max(1000, n_samples // 4)
    X_all, Y_all, Z_all = make_tagged_classification(
        n_samples + n_test, n_features, n_tags, pi=PI, dtype=np.float32, random_state=seed
    )
    X, Y = X_all[:n_samples], Y_all[:n_samples].astype(np.int8)
    X_test, Z_test = X_all[n_samples:].astype(np.float64), Z_all[n_samples:]
    X64 = X.astype(np.float64)
    Yb = Y.astype(bool)
    runs = {
        "skrobust noise='none'": (False, lambda t: run_skrobust(t, X, Y, "none", seed,
                                                                       skrobust_tol)),
        "skrobust noise='missing'": (True, lambda t: run_skrobust(
            t, X, Y, "missing", seed, skrobust_tol)),
        "skrobust noise='none' solver='lbfgs'": (False, lambda t: run_skrobust(
            t, X, Y, "none", seed, skrobust_tol, solver="lbfgs")),
        "skrobust noise='missing' solver='lbfgs'": (True, lambda t: run_skrobust(
            t, X, Y, "missing", seed, skrobust_tol, solver="lbfgs")),
        "sklearn OvR LogisticRegression (lbfgs)": (False, lambda t: run_sklearn_lr(t, X, Y)),
        "MultiOutputClassifier(SGDClassifier)": (False, lambda t: run_sgd(t, X, Y, seed)),
        "torch L-BFGS (full batch)": (False, lambda t: run_torch_lbfgs(t, X, Y, threads)),
        "torch Adam (minibatch 500)": (False, lambda t: run_torch_adam(t, X, Y, threads, seed,
                                                                         lr=adam_lr)),
    }
    runs = {name: run for name, run in runs.items()
            if not contenders or any(c in name for c in contenders)}
    # Only the optima the chosen contenders are measured against (at 1,000 tags the
    # missing-tag one alone takes most of an hour).
    needed = sorted({missing for missing, _ in runs.values()})
    start = time.perf_counter()
    optima = {}
    for missing in needed:
        # The reference optimum is not timed: it may use more threads than the contenders.
        with threadpool_limits(optimum_threads or threads, user_api="blas"):
            optima[missing] = _optimum(X64, Yb, ALPHA, missing, optimum_iters)
    optimum_s = time.perf_counter() - start
    print(f"{n_tags} tags: optima in {optimum_s:.1f} s: "
          + ", ".join(f"{'missing' if m else 'bce'} f*={optima[m][0]:.6g} ({optima[m][2]})"
                      for m in optima), flush=True)

    def tracker(missing=False):
        return Tracker(X64, Yb, ALPHA, optima[missing][0], rtol, max_seconds, X_test, Z_test,
                       missing=missing)

    rows = []
    for name, (missing, run) in runs.items():
        t = tracker(missing)
        run(t)
        rows.append({"tags": n_tags, "objective": "missing" if missing else "bce",
                     **t.row(name)})
        print(rows[-1], flush=True)
    names = {False: "bce", True: "missing"}
    return rows, {"optimum_objective": {names[m]: optima[m][0] for m in optima},
                  "optimum_lbfgs": {names[m]: optima[m][2] for m in optima},
                  "optimum_auc": {names[m]: _auc(X_test, Z_test, *optima[m][1][:2])
                                  for m in optima},
                  "optimum_s": optimum_s}


def speedups(rows):
    """Each skrobust contender of the BCE objective against the others of that objective."""
    out = []
    for mine in rows:
        if (not mine["contender"].startswith("skrobust") or mine["objective"] != "bce"
                or isinstance(mine["seconds_to_target"], str)):
            continue
        for r in rows:
            if (r["tags"] != mine["tags"] or r["objective"] != "bce"
                    or r["contender"].startswith("skrobust")):
                continue
            other = r["seconds_to_target"]
            out.append({"tags": mine["tags"], "skrobust": mine["contender"],
                        "against": r["contender"],
                        "speedup": (f">= {r['trained_s'] / mine['seconds_to_target']:.3g}"
                                    if isinstance(other, str)
                                    else other / mine["seconds_to_target"])})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=4096)
    parser.add_argument("--n-tags", type=int, nargs="+", default=[81, 1000])
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="training-time cap per contender and size")
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads (default: the BLAS default)")
    parser.add_argument("--optimum-iters", type=int, default=5000)
    parser.add_argument("--optimum-threads", type=int, default=None,
                        help="BLAS threads of the (untimed) reference optimum (default: --threads)")
    parser.add_argument("--skrobust-tol", type=float, default=1e-5,
                        help="RobustLogisticRegression's tol (its default, 1e-4, stops "
                             "before a 1e-3 relative gap on some problems)")
    parser.add_argument("--adam-lr", type=float, default=1e-2)
    parser.add_argument("--contenders", nargs="+", default=None,
                        help="substrings of contender names to run (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (2,000 x 64 x 8 tags, 20 s cap), to check the script")
    parser.add_argument("--output", default="time_to_accuracy")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_samples, args.n_features, args.n_tags = 2000, 64, [8]
        args.max_seconds = min(args.max_seconds, 20.0)
    threads = args.threads
    if threads is None:
        from threadpoolctl import threadpool_info

        threads = max(lib["num_threads"] for lib in threadpool_info()
                      if lib["user_api"] == "blas")
    rows, optima = [], {}
    with threadpool_limits(threads, user_api="blas"):
        for n_tags in args.n_tags:
            tag_rows, info = measure(args.n_samples, args.n_features, n_tags, args.max_seconds,
                                     args.rtol, threads, args.optimum_iters,
                                     contenders=args.contenders,
                                     skrobust_tol=args.skrobust_tol, adam_lr=args.adam_lr,
                                     optimum_threads=args.optimum_threads)
            rows += tag_rows
            optima[n_tags] = info
    print_table(rows, list(rows[0]))
    ratios = speedups(rows)
    if ratios:
        print_table(ratios, list(ratios[0]))
    return save(args.output, {
        "n_samples": args.n_samples, "n_features": args.n_features, "alpha": ALPHA, "pi": PI,
        "rtol": args.rtol, "max_seconds": args.max_seconds, "threads": threads,
        "optimum_threads": args.optimum_threads or threads,
        "skrobust_tol": args.skrobust_tol, "adam_lr": args.adam_lr,
        "optima": {str(k): v for k, v in optima.items()}, "rows": rows, "speedups": ratios,
    })


if __name__ == "__main__":
    main()
