"""Training throughput of partial_fit against the machine's GEMM rate and sklearn.

Per minibatch (n=500, d=4096 by default, float32) at 81, 300, 1,000 and 5,400 tags,
measured side by side in one run (medians):

* RobustLogisticRegression.partial_fit on one 500-row chunk (one minibatch step:
  two matrix products plus elementwise EM work), timed over 10 such calls in a row
  on the 10 minibatches of a chunk, as a user streaming minibatches makes them;
* the same two float32 matrix products alone (scores X W^T and gradient R^T X), the
  floor any implementation of this step pays: "fraction of GEMM" = GEMM time / step;
* MultiOutputClassifier(SGDClassifier(loss="log_loss")).partial_fit on the same chunk
  (one sklearn estimator per tag), the obvious sklearn route;
* both partial_fit patterns again with the BLAS fast path of skrobust.linear_model._kernels
  switched off (``*_numpy_ops``: NumPy's operators), to show what it gains;
* the one-minibatch calls again with every chunk through sklearn's validate_data
  (``one_call_ms_full_validation``), to show what the plain-NumPy check of later
  chunks gains.

Goals (issue 16): >= 0.90 of the two GEMMs' rate at >= 1,000 tags and >= 0.80 at 81,
in a chunk (``fraction_of_gemm``) and in one-minibatch calls
(``one_call_fraction_of_gemm``); one-minibatch calls within 10% of the in-chunk step
(``one_call_vs_step``); >= 50x SGDClassifier in one-minibatch calls at >= 300 tags
(``one_call_speedup_vs_sgd``).

Usage: python benchmarks/bench_throughput.py [--tags 81 300 1000 5400] [--d 4096]
       [--repeats 5] [--output throughput]
"""

import argparse
import warnings

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.multioutput import MultiOutputClassifier

from _common import interleaved_medians, median_time, print_table, save
from skrobust import RobustLogisticRegression
from skrobust.linear_model import _kernels


def measure(n_tags, n=500, d=4096, steps_per_chunk=10, repeats=5, sgd_repeats=3,
            sgd_max_tags=1000, seed=0):
    rng = np.random.default_rng(seed)
    X_chunk = rng.standard_normal((n * steps_per_chunk, d), dtype=np.float32)
    Y_chunk = (rng.random((n * steps_per_chunk, n_tags)) < 0.05).astype(np.int8)
    Y_chunk[::n] = 1  # every minibatch has a positive and a negative for every tag
    Y_chunk[1::n] = 0  # (SGDClassifier needs both)
    X, Y = X_chunk[:n], Y_chunk[:n]

    model = RobustLogisticRegression(alpha=1e-4, batch_size=n, shuffle=False).partial_fit(X, Y)
    W = np.ascontiguousarray(model.coef_)
    R = rng.standard_normal((n, n_tags), dtype=np.float32)
    def without_blas(function):
        def run():
            _kernels.USE_BLAS = False
            try:
                function()
            finally:
                _kernels.USE_BLAS = True
        return run

    minibatches = [(X_chunk[i:i + n], Y_chunk[i:i + n]) for i in range(0, len(X_chunk), n)]

    def one_call_per_minibatch():
        for X_b, Y_b in minibatches:
            model.partial_fit(X_b, Y_b)

    def full_validation(function):
        def run():
            model._is_plain_numpy_chunk = lambda X, y, classes: False
            try:
                function()
            finally:
                del model._is_plain_numpy_chunk
        return run

    times = interleaved_medians({
        # The chunk's minibatches streamed one partial_fit call each: pays validation
        # and the atomicity of a call once per step. Timed as a run of calls, like
        # the chunk, so that both medians average the same number of steps.
        "single": one_call_per_minibatch,
        # partial_fit on a chunk of `steps_per_chunk` minibatches: the per-step cost
        # in a stream of realistically sized chunks.
        "chunk": lambda: model.partial_fit(X_chunk, Y_chunk),
        # The step's two matrix products alone.
        "gemm": lambda: (X @ W.T, R.T @ X),
        # The same calls with NumPy's operators instead of the BLAS fast path
        # (skrobust.linear_model._kernels), to show what the fast path gains on this machine.
        "single_numpy_ops": without_blas(one_call_per_minibatch),
        "chunk_numpy_ops": without_blas(lambda: model.partial_fit(X_chunk, Y_chunk)),
        # One-minibatch calls again with every chunk through sklearn's validate_data,
        # to show what the plain-NumPy fast path of later calls gains.
        "single_full_validation": full_validation(one_call_per_minibatch),
    }, repeats=repeats)
    single, gemm = times["single"] / steps_per_chunk, times["gemm"]
    step = times["chunk"] / steps_per_chunk
    flops = 2 * 2 * n * d * n_tags

    row = {
        "tags": n_tags,
        "one_batch_call_ms": 1e3 * single,
        "step_ms": 1e3 * step,
        "images_per_s": n / step,
        "gemm_ms": 1e3 * gemm,
        "gemm_gflops": flops / gemm / 1e9,
        "step_gflops": flops / step / 1e9,
        "fraction_of_gemm": gemm / step,
        "one_call_fraction_of_gemm": gemm / single,
        "one_call_vs_step": single / step,
        "step_ms_numpy_ops": 1e3 * times["chunk_numpy_ops"] / steps_per_chunk,
        "one_call_ms_numpy_ops": 1e3 * times["single_numpy_ops"] / steps_per_chunk,
        "one_call_ms_full_validation": 1e3 * times["single_full_validation"] / steps_per_chunk,
        "sgd_ms": None,
        "speedup_vs_sgd": None,
        "one_call_speedup_vs_sgd": None,
    }
    if n_tags <= sgd_max_tags:
        sgd = MultiOutputClassifier(SGDClassifier(loss="log_loss"))
        classes = [np.array([0, 1])] * n_tags
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sgd.partial_fit(X, Y, classes=classes)
            sgd_time = median_time(lambda: sgd.partial_fit(X, Y), repeats=sgd_repeats)
        row["sgd_ms"] = 1e3 * sgd_time
        row["speedup_vs_sgd"] = sgd_time / step
        row["one_call_speedup_vs_sgd"] = sgd_time / single
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, nargs="+", default=[81, 300, 1000, 5400])
    parser.add_argument("--d", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sgd-max-tags", type=int, default=1000,
                        help="skip the (slow) sklearn baseline above this many tags")
    parser.add_argument("--output", default="throughput",
                        help="results/<output>.json (e.g. one file per BLAS setting)")
    args = parser.parse_args()
    rows = [measure(t, d=args.d, repeats=args.repeats, sgd_max_tags=args.sgd_max_tags)
            for t in args.tags]
    print_table(rows, list(rows[0]))
    save(args.output, {"n": 500, "d": args.d, "dtype": "float32", "rows": rows})


if __name__ == "__main__":
    main()
