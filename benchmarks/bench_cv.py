"""Cost of RobustLogisticRegressionCV's model selection against one fit.

Side by side in one run, per data split (medians over splits):

* ``fixed_fit``: RobustLogisticRegression(alpha=1e-4).fit, one fit at a fixed
  strength (at most ``max_iter`` = 100 epochs);
* ``default_fit``: RobustLogisticRegression().fit, whose ``alpha="auto"`` trains 7
  strengths on one held-out split and refits the best;
* ``cv_fit``: RobustLogisticRegressionCV().fit (7 strengths, 5 folds, all 35 copies
  of the tags as the columns of one model, the path stopped when it stops
  improving, then the refit);
* ``cv3_fit``: the same with ``cv=3``;
* ``*_em``: the same with ``pi_method="em"`` (pi learned by EM, not estimated
  first by 5 cross-fitted plain fits).

Data: ``--dataset mirflickr12k`` (the at-scale real set, 70% of 12,541 photos to
train on per split: ``../shared/data``), or ``synthetic`` (make_tagged_classification
with ``--n``, ``--d``, ``--tags``, one split per repeat).

By arithmetic alone the CV path does 5 x 7 / (0.9 x 7) = 5.6 times the matrix work
per epoch of the default's path; the epochs each path runs decide the rest.

Usage: python benchmarks/bench_cv.py [--dataset mirflickr12k] [--splits 3]
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from _common import print_table, save
from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.datasets import make_tagged_classification

FITS = {
    "fixed_fit": lambda: RobustLogisticRegression(alpha=1e-4, random_state=0),
    "default_fit": lambda: RobustLogisticRegression(random_state=0),
    "cv_fit": lambda: RobustLogisticRegressionCV(random_state=0),
    "cv3_fit": lambda: RobustLogisticRegressionCV(cv=3, random_state=0),
    # pi by EM, the default until 2026-12-04: what the rows above cost without the
    # cross-fitted estimate of pi.
    "fixed_fit_em": lambda: RobustLogisticRegression(alpha=1e-4, pi_method="em",
                                                     random_state=0),
    "default_fit_em": lambda: RobustLogisticRegression(pi_method="em", random_state=0),
    "cv_fit_em": lambda: RobustLogisticRegressionCV(pi_method="em", random_state=0),
}


def training_sets(args):
    """(name, X, Y) of each split's training rows."""
    if args.dataset == "synthetic":
        for seed in range(args.splits):
            X, Y, _ = make_tagged_classification(args.n, args.d, args.tags, pi=0.3,
                                                 dtype=np.float32, random_state=seed)
            yield f"synthetic/{seed}", X, Y.astype(np.int8)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent / "quality"))
    from _data import load, split_arrays

    for split in load(args.dataset, args.splits)[:args.splits]:
        arrays = split_arrays(split)
        yield split.name, arrays.X_train, arrays.Y_train


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="synthetic", choices=["synthetic", "mirflickr12k"])
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--d", type=int, default=256)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--output", default="cv")
    args = parser.parse_args(argv)
    runs = []
    for name, X, Y in training_sets(args):
        run = {"split": name, "shape": list(X.shape) + [Y.shape[1]]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for fit, make in FITS.items():  # in turn, so that the machine's load hits all
                start = time.perf_counter()
                model = make().fit(X, Y)
                run[fit] = time.perf_counter() - start
                run[fit + "_epochs"] = int(getattr(model, "max_iter_", model.n_iter_))
                run[fit + "_alpha"] = float(np.mean(getattr(model, "alpha_", 1e-4)))
        print(name, {k: round(v, 2) if isinstance(v, float) else v for k, v in run.items()},
              flush=True)
        runs.append(run)
    rows = []
    for fit in FITS:
        ratios = {base: statistics.median(r[fit] / r[base] for r in runs)
                  for base in ("fixed_fit", "default_fit", "fixed_fit_em")}
        rows.append({"fit": fit, "median_s": statistics.median(r[fit] for r in runs),
                     "vs_fixed_fit": ratios["fixed_fit"],
                     "vs_default_fit": ratios["default_fit"],
                     "vs_fixed_fit_em": ratios["fixed_fit_em"],
                     "epochs": [r[fit + "_epochs"] for r in runs],
                     "alpha": [r[fit + "_alpha"] for r in runs]})
    print_table(rows, list(rows[0]))
    return save(args.output, {"dataset": args.dataset, "splits": args.splits, "runs": runs,
                              "rows": rows})


if __name__ == "__main__":
    main()
