"""Full-fit time and quality against scikit-learn's LogisticRegression (one-vs-rest).

Synthetic tags with known truth (make_tagged_classification, float32 features):
20,000 training and 5,000 test images, 4,096 features, 81 tags, tags kept with
probability pi = 0.4. Side by side in one run:

* OneVsRestClassifier(LogisticRegression(lbfgs)) and RobustLogisticRegression
  (noise="none"), both on the clean labels Z with the same L2 strength
  (alpha = 1 / (C n)): same model, different optimisers;
* the same two on the noisy tags Y, plus RobustLogisticRegression (noise="missing").

Quality is measured against the true labels of the test images: mean ROC AUC and
mean log-loss over tags.

Usage: python benchmarks/bench_full_fit.py [--n 20000] [--d 4096] [--tags 81]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.multiclass import OneVsRestClassifier

from _common import print_table, save
from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification


def quality(P, Z):
    tags = range(Z.shape[1])
    return (
        float(np.mean([roc_auc_score(Z[:, t], P[:, t]) for t in tags])),
        float(np.mean([log_loss(Z[:, t], P[:, t], labels=[0, 1]) for t in tags])),
    )


def run(name, model, X, target, X_test, Z_test):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, target)
    seconds = time.perf_counter() - start
    auc, loss = quality(np.asarray(model.predict_proba(X_test), dtype=np.float64), Z_test)
    epochs = getattr(model, "n_iter_", None)
    return {
        "model": name,
        "fit_s": seconds,
        "epochs": epochs if isinstance(epochs, int) else "-",
        "test_auc": auc,
        "test_log_loss": loss,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=5_000)
    parser.add_argument("--d", type=int, default=4096)
    parser.add_argument("--tags", type=int, default=81)
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()

    X, Y, Z = make_tagged_classification(
        args.n + args.n_test, args.d, args.tags, pi=0.4, weight_norm=4.0,
        dtype=np.float32, random_state=0,
    )
    train, test = slice(0, args.n), slice(args.n, None)
    alpha = 1.0 / (args.C * args.n)

    def sklearn_lr():
        return OneVsRestClassifier(LogisticRegression(C=args.C, max_iter=500))

    def ours(noise):
        # pi by EM, as in the runs this table compares with (the trainer's speed).
        return RobustLogisticRegression(noise, alpha=alpha, pi_method="em", random_state=0)

    rows = [
        run("sklearn LR (OvR, lbfgs) on clean Z", sklearn_lr(), X[train], Z[train], X[test], Z[test]),
        run("RLR noise='none' on clean Z", ours("none"), X[train], Z[train], X[test], Z[test]),
        run("sklearn LR (OvR, lbfgs) on noisy Y", sklearn_lr(), X[train], Y[train], X[test], Z[test]),
        run("RLR noise='none' on noisy Y", ours("none"), X[train], Y[train], X[test], Z[test]),
        run("RLR noise='missing' on noisy Y", ours("missing"), X[train], Y[train], X[test], Z[test]),
    ]
    print_table(rows, list(rows[0]))
    save("full_fit", {"n": args.n, "n_test": args.n_test, "d": args.d, "tags": args.tags,
                      "pi": 0.4, "C": args.C, "alpha": alpha, "rows": rows})


if __name__ == "__main__":
    main()
