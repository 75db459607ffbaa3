"""Prediction throughput: predict_proba and predict_tag_proba, images per second.

10,000 images of 4,096 float32 features at 81, 1,000 and 5,400 tags, against the
time of the bare product X @ W.T that any linear model pays (medians).

Usage: python benchmarks/bench_predict.py [--tags 81 1000 5400] [--n 10000]
"""

import argparse

import numpy as np

from _common import median_time, print_table, save
from skrobust import RobustLogisticRegression


def measure(n_tags, n, d=4096, repeats=5):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32)
    Y = (rng.random((500, n_tags)) < 0.05).astype(np.int8)
    model = RobustLogisticRegression(alpha=1e-4, batch_size=500).partial_fit(X[:500], Y)
    W = np.ascontiguousarray(model.coef_)
    product = median_time(lambda: X @ W.T, repeats=repeats)
    proba = median_time(lambda: model.predict_proba(X), repeats=repeats)
    tag_proba = median_time(lambda: model.predict_tag_proba(X), repeats=repeats)
    return {
        "tags": n_tags,
        "predict_proba_images_per_s": n / proba,
        "predict_tag_proba_images_per_s": n / tag_proba,
        "product_only_images_per_s": n / product,
        "fraction_of_product": product / proba,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, nargs="+", default=[81, 1000, 5400])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = [measure(t, args.n, repeats=args.repeats) for t in args.tags]
    print_table(rows, list(rows[0]))
    save("predict", {"n": args.n, "d": 4096, "dtype": "float32", "rows": rows})


if __name__ == "__main__":
    main()
