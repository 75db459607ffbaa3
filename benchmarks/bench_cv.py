"""Cost of RobustLogisticRegressionCV's model selection against one fit.

Synthetic tags (make_tagged_classification, float32, pi = 0.6). Side by side in one
run (medians of --repeats):

* ``one_fit``: RobustLogisticRegression(alpha=1e-4).fit on all the data;
* ``stacked_fold``: one fold's model-selection fit, as the CV estimator runs it: all
  the strengths as columns of one weight matrix (strengths x tags columns, a
  per-column L2 strength) on 4/5 of the rows;
* ``one_fit_wide``: one plain fit at strengths x tags columns on the same rows, the
  work the stacked fold is meant to cost;
* ``cv_fit``: RobustLogisticRegressionCV(alphas=8, cv=5).fit: five stacked folds and
  the refit at the chosen strength.

By arithmetic alone (per epoch, two matrix products per minibatch) the CV fit does
folds x 4/5 x strengths + 1 = 33 times the matrix work of one fit; the epochs each
fit runs (``epochs``) decide the rest.

Usage: python benchmarks/bench_cv.py [--n 4000] [--d 256] [--tags 20] [--alphas 8]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from _common import print_table, save
from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.linear_model._auto_alpha import repeat_columns
from skrobust._array_api import numpy_namespace
from skrobust.datasets import make_tagged_classification


def timed(function, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--d", type=int, default=256)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--alphas", type=int, default=8)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default="cv")
    args = parser.parse_args(argv)
    X, Y, _ = make_tagged_classification(args.n, args.d, args.tags, pi=0.6,
                                         dtype=np.float32, random_state=0)
    Y = Y.astype(np.int8)
    cv_model = RobustLogisticRegressionCV(alphas=args.alphas, cv=args.folds, random_state=0)
    alphas = cv_model._alpha_grid()
    n_fold = args.n - args.n // args.folds
    X_fold, Y_fold = X[:n_fold], Y[:n_fold]
    Y_wide = repeat_columns(Y_fold, len(alphas), numpy_namespace)

    def one_fit():
        return RobustLogisticRegression(alpha=1e-4, random_state=0).fit(X, Y)

    def stacked_fold():
        model = RobustLogisticRegression(alpha=np.repeat(alphas, args.tags), random_state=0)
        model._prior_groups = [slice(i * args.tags, (i + 1) * args.tags)
                               for i in range(len(alphas))]
        return model.fit(X_fold, Y_wide)

    def one_fit_wide():
        return RobustLogisticRegression(alpha=1e-4, random_state=0).fit(X_fold, Y_wide)

    def cv_fit():
        return RobustLogisticRegressionCV(alphas=args.alphas, cv=args.folds,
                                          random_state=0).fit(X, Y)

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        measured = {name: timed(f, args.repeats if name != "cv_fit" else 1)
                    for name, f in [("one_fit", one_fit), ("stacked_fold", stacked_fold),
                                    ("one_fit_wide", one_fit_wide), ("cv_fit", cv_fit)]}
    base = measured["one_fit"][0]
    for name, (seconds, model) in measured.items():
        rows.append({"fit": name, "seconds": seconds, "vs_one_fit": seconds / base,
                     "epochs": getattr(model, "n_iter_", None)})
    for row in rows:
        row["vs_one_fit_wide"] = row["seconds"] / measured["one_fit_wide"][0]
    print_table(rows, list(rows[0]))
    return save(args.output, {"n": args.n, "d": args.d, "tags": args.tags,
                              "alphas": len(alphas), "folds": args.folds, "rows": rows})


if __name__ == "__main__":
    main()
