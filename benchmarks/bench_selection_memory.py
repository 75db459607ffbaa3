"""Peak memory of model selection against one fit at a fixed strength, by tag count.

The defaults choose their strength by training 7 strengths as the columns of one
weight matrix (``alpha="auto"``), and ``RobustLogisticRegressionCV`` trains 5 folds x
7 strengths as 35 copies of the tags: their weights are 7 and 35 times one model's.
Each configuration runs in a fresh subprocess on (rows, features) float32 Gaussian
features and int8 tags (each tag on ~2% of the rows): the peak resident set size
above the process's baseline (after the data are made, before the fit), against W,
the size of one model's weights (tags x features x 4 bytes). ``max_iter`` is small:
the peak is reached in the first epoch (every copy of the weights exists from then
on), so more epochs add time, not memory.

Contenders:

* ``fixed``: ``RobustLogisticRegression(alpha=1e-3, pi_method="em")``, one model;
* ``default``: ``RobustLogisticRegression()`` (``alpha="auto"`` and pi cross-fitted
  with 5 plain fits);
* ``cv``: ``RobustLogisticRegressionCV()`` (5 folds x 7 strengths).

Usage: python benchmarks/bench_selection_memory.py [--tags 100 1000 5400] [--rows 2000]
       [--features 1280] [--max-iter 2]
"""

import argparse
import json
import subprocess
import sys

from _common import machine, print_table, save

CHILD = r"""
import json, sys, time, warnings
import numpy as np
from skrobust import RobustLogisticRegression, RobustLogisticRegressionCV

n_tags, n_rows, d, max_iter = map(int, sys.argv[1:5])
kind = sys.argv[5]

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024

rng = np.random.default_rng(0)
X = rng.standard_normal((n_rows, d), dtype=np.float32)
Y = (rng.random((n_rows, n_tags)) < 0.02).astype(np.int8)
baseline = status("VmRSS")
model = {
    "fixed": lambda: RobustLogisticRegression(alpha=1e-3, pi_method="em", max_iter=max_iter,
                                              random_state=0),
    "default": lambda: RobustLogisticRegression(max_iter=max_iter, random_state=0),
    "cv": lambda: RobustLogisticRegressionCV(max_iter=max_iter, random_state=0),
}[kind]()
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model.fit(X, Y)
print(json.dumps({"baseline_mb": baseline, "peak_mb": status("VmHWM"),
                  "fit_s": time.perf_counter() - start}))
"""


def run(kind, n_tags, n_rows, d, max_iter):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n_tags), str(n_rows), str(d), str(max_iter), kind],
        capture_output=True, text=True, check=True,
    )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    w_mb = n_tags * d * 4 / 2**20
    used = measured["peak_mb"] - measured["baseline_mb"]
    return {"contender": kind, "tags": n_tags, "rows": n_rows, "features": d,
            "W_mb": round(w_mb, 1), "peak_above_baseline_mb": round(used, 1),
            "in_W": round(used / w_mb, 1), "fit_s": round(measured["fit_s"], 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, nargs="+", default=[100, 1000, 5400])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--features", type=int, default=1280)
    parser.add_argument("--max-iter", type=int, default=2)
    args = parser.parse_args()
    import numpy  # noqa: F401  (loads the BLAS, so that machine() can name its kernel)

    rows = [run(kind, t, args.rows, args.features, args.max_iter)
            for t in args.tags for kind in ("fixed", "default", "cv")]
    print_table(rows, list(rows[0]))
    info = machine()
    print(f"CPU {info.get('cpu_model')}, BLAS kernel {info.get('blas_kernel')}")
    save("selection_memory", {"dtype": "float32", "max_iter": args.max_iter, "rows": rows})


if __name__ == "__main__":
    main()
