"""Every GPU check in one script: agreement with NumPy, then throughput.

1. Agreement: the same RobustLogisticRegression stream (partial_fit over chunks,
   no shuffling) on NumPy and on the device namespace, float32 and float64;
   reports the largest relative differences of coef_, pi_ and predict_proba; and
   10 iterations of the full-batch ``solver="lbfgs"`` on both (its coef_).
2. Throughput: one minibatch step (n=500, d=4096, float32) at 81 to 10,000 tags
   with device timing, inside a chunk of 10 minibatches and as one partial_fit
   call per minibatch; against the step's own two matrix products on the device
   (``fraction_of_gemm``) and against the device's float32 matrix-product rate
   (a large square product, ``fraction_of_device_matmul``).
3. The paper's full workload (20,000 minibatches of 500 images at 4096-D, 5,400
   tags) estimated from the 5,400-tag step, with the issue's goals: under 60 s and
   >= 50% of the device's float32 matrix rate.

Sized to finish in a few minutes on one data-centre GPU (the slowest part is the
agreement stream, which is many small steps); ``elapsed_s`` reports the time.

On a machine with CuPy and a GPU run ``python benchmarks/gpu_check.py --xp cupy``
(add ``--tf32`` to let CuPy use TF32 tensor cores). Without a GPU it runs the same
code on NumPy or torch CPU (``--xp numpy|torch``), which is how the test suite
keeps it working. Prints tables and writes benchmarks/results/gpu_check_<xp>.json.
"""

import os

# sklearn's array API support needs scipy's, switched on before either is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, save  # noqa: E402

from skrobust import RobustLogisticRegression  # noqa: E402
from skrobust._array_api import to_numpy  # noqa: E402
from skrobust.datasets import make_tagged_classification  # noqa: E402

PAPER_MINIBATCHES = 20_000
PAPER_TAGS = 5400
GOAL_PAPER_SECONDS = 60.0
GOAL_FRACTION_OF_DEVICE = 0.5


class Backend:
    """Array creation, synchronisation and timing for one namespace."""

    def __init__(self, name):
        self.name = name
        if name == "cupy":
            import cupy

            self.module = cupy
            self.device = cupy.cuda.Device().id
            self.description = cupy.cuda.runtime.getDeviceProperties(self.device)["name"]
            self.description = getattr(self.description, "decode", lambda: self.description)()
        elif name == "torch":
            import torch

            self.module = torch
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
            self.description = (
                torch.cuda.get_device_name() if self.device == "cuda" else "torch CPU"
            )
        else:
            self.module = np
            self.device = None
            self.description = "NumPy CPU"

    def asarray(self, a):
        if self.name == "cupy":
            return self.module.asarray(a)
        if self.name == "torch":
            return self.module.asarray(a, device=self.device)
        return np.asarray(a)

    def synchronize(self):
        if self.name == "cupy":
            self.module.cuda.Stream.null.synchronize()
        elif self.name == "torch" and self.device == "cuda":
            self.module.cuda.synchronize()

    def median_seconds(self, function, repeats):
        """Median over repeats, each synchronised so device work is counted."""
        function()
        self.synchronize()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            self.synchronize()
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def agreement(backend, n_samples, n_features, n_tags, chunk):
    rows = []
    for dtype in (np.float32, np.float64):
        X, Y, _ = make_tagged_classification(
            n_samples, n_features, n_tags, pi=0.4, dtype=dtype, random_state=0
        )
        # Seeded: alpha="auto" holds out rows drawn by the model's RNG, which must be
        # the same on both sides.
        params = dict(batch_size=250, shuffle=False, noise="missing+spurious", random_state=0)
        reference = RobustLogisticRegression(**params)
        device_model = RobustLogisticRegression(**params)
        with sklearn.config_context(array_api_dispatch=True):
            for start in range(0, n_samples, chunk):
                rows_ = slice(start, start + chunk)
                reference.partial_fit(X[rows_], Y[rows_])
                device_model.partial_fit(backend.asarray(X[rows_]), backend.asarray(Y[rows_]))
            proba = to_numpy(device_model.predict_proba(backend.asarray(X)))
            # The full-batch solver on the whole set, 10 iterations on each side.
            full = dict(noise="missing+spurious", solver="lbfgs", max_iter=10, tol=None,
                        random_state=0)
            lbfgs_device = RobustLogisticRegression(**full).fit(backend.asarray(X),
                                                                backend.asarray(Y))
        lbfgs_reference = RobustLogisticRegression(**full).fit(X, Y)
        expected = reference.predict_proba(X)

        def rel(a, b):
            return float(np.max(np.abs(to_numpy(a) - b)) / max(np.max(np.abs(b)), 1e-30))

        rows.append(
            {
                "dtype": np.dtype(dtype).name,
                "coef_rel_err": rel(device_model.coef_, reference.coef_),
                "pi_rel_err": rel(device_model.pi_, reference.pi_),
                "proba_max_abs_err": float(np.max(np.abs(proba - expected))),
                "lbfgs_coef_rel_err": rel(lbfgs_device.coef_, lbfgs_reference.coef_),
                "state_on_device": type(device_model.coef_).__module__.split(".")[0],
            }
        )
    return rows


def device_matmul_tflops(backend, size, repeats):
    """The device's float32 matrix-product rate: one large square product."""
    rng = np.random.default_rng(1)
    A = backend.asarray(rng.standard_normal((size, size), dtype=np.float32))
    B = backend.asarray(rng.standard_normal((size, size), dtype=np.float32))
    seconds = backend.median_seconds(lambda: A @ B, repeats)
    return 2 * size**3 / seconds / 1e12


def throughput(backend, tag_counts, n=500, d=4096, steps_per_chunk=10, repeats=5,
               device_tflops=None):
    rng = np.random.default_rng(0)
    rows = []
    for n_tags in tag_counts:
        X = backend.asarray(rng.standard_normal((n * steps_per_chunk, d), dtype=np.float32))
        Y = backend.asarray((rng.random((n * steps_per_chunk, n_tags)) < 0.05).astype(np.int8))
        # A fixed strength: the step's cost is measured, not alpha="auto"'s choice.
        model = RobustLogisticRegression(alpha=1e-4, batch_size=n, shuffle=False)
        X_b, Y_b = X[:n], Y[:n]
        with sklearn.config_context(array_api_dispatch=True):
            model.partial_fit(X_b, Y_b)
            step = backend.median_seconds(lambda: model.partial_fit(X, Y), repeats)
            step /= steps_per_chunk
            one_call = backend.median_seconds(lambda: model.partial_fit(X_b, Y_b), repeats)
        W = model.coef_
        R = backend.asarray(rng.standard_normal((n, n_tags), dtype=np.float32))
        gemm = backend.median_seconds(lambda: (X_b @ W.T, R.T @ X_b), repeats)
        flops = 2 * 2 * n * d * n_tags
        row = {
            "tags": n_tags,
            "step_ms": 1e3 * step,
            "one_batch_call_ms": 1e3 * one_call,
            "images_per_s": n / step,
            "step_tflops": flops / step / 1e12,
            "gemm_tflops": flops / gemm / 1e12,
            "fraction_of_gemm": gemm / step,
            "one_call_fraction_of_gemm": gemm / one_call,
            "fraction_of_device_matmul": None,
            "paper_workload_s": PAPER_MINIBATCHES * step,
        }
        if device_tflops:
            row["fraction_of_device_matmul"] = row["step_tflops"] / device_tflops
        rows.append(row)
        X = Y = X_b = Y_b = W = R = model = None  # free device memory before the next size
    return rows


def paper_goals(speed):
    """The issue's GPU goals, judged on the 5,400-tag row (None without one)."""
    row = next((r for r in speed if r["tags"] == PAPER_TAGS), None)
    if row is None:
        return None
    fraction = row["fraction_of_device_matmul"]
    return {
        "paper_workload_s": row["paper_workload_s"],
        "under_60_s": row["paper_workload_s"] < GOAL_PAPER_SECONDS,
        "fraction_of_device_matmul": fraction,
        "at_least_half_of_device_matmul": (None if fraction is None
                                           else fraction >= GOAL_FRACTION_OF_DEVICE),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xp", choices=["cupy", "torch", "numpy"], default=None,
                        help="namespace to test (default: cupy if importable, else numpy)")
    parser.add_argument("--tags", type=int, nargs="+", default=[81, 1000, 5400, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matmul-size", type=int, default=8192,
                        help="side of the square product that measures the device's rate")
    parser.add_argument("--tf32", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, to check the script itself")
    args = parser.parse_args(argv)
    if args.tf32:  # CuPy reads it when it is imported, so before any import below
        os.environ["CUPY_TF32"] = "1"
    name = args.xp
    if name is None:
        try:
            import cupy  # noqa: F401

            name = "cupy"
        except ImportError:
            name = "numpy"
            print("CuPy not importable: running every check on NumPy (CPU).")
    backend = Backend(name)
    print(f"device: {backend.description}")
    start = time.perf_counter()

    if args.quick:
        agree = agreement(backend, 1000, 16, 3, 250)
        peak = device_matmul_tflops(backend, 256, 2)
        speed = throughput(backend, [8], n=100, d=64, steps_per_chunk=2, repeats=2,
                           device_tflops=peak)
    else:
        agree = agreement(backend, 20_000, 256, 20, 5_000)
        peak = device_matmul_tflops(backend, args.matmul_size, args.repeats)
        speed = throughput(backend, args.tags, repeats=args.repeats, device_tflops=peak)
    print_table(agree, list(agree[0]))
    print(f"device float32 matmul rate: {peak:.3g} TFLOP/s")
    print_table(speed, list(speed[0]))
    goals = paper_goals(speed)
    if goals is not None:
        print("paper workload (20,000 x 500 x 4,096, 5,400 tags): "
              f"{goals['paper_workload_s']:.3g} s (goal < 60 s: {goals['under_60_s']}); "
              f"step at {goals['fraction_of_device_matmul']:.3g} of the device's float32 "
              f"matmul rate (goal >= 0.5: {goals['at_least_half_of_device_matmul']})")
    float32 = next(r for r in agree if r["dtype"] == "float32")
    agrees = (float32["coef_rel_err"] < 1e-3 and float32["proba_max_abs_err"] < 1e-3
              and float32["lbfgs_coef_rel_err"] < 1e-3)
    print(f"float32 agreement within tolerance (1e-3): {agrees}")
    elapsed = time.perf_counter() - start
    print(f"elapsed_s: {elapsed:.1f}")
    if not args.quick:
        save(f"gpu_check_{name}", {"device": backend.description, "tf32": args.tf32,
                                   "device_matmul_tflops": peak, "agreement": agree,
                                   "throughput": speed, "paper_goals": goals,
                                   "elapsed_s": elapsed})
    return 0 if agrees else 1


if __name__ == "__main__":
    sys.exit(main())
