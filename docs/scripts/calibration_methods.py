"""InterceptCalibrator's methods on the embedded MIRFLICKR subset.

For a strongly (alpha=1) and a weakly (alpha=0.01) regularised
RobustLogisticRegression trained on the noisy user tags of 511 images, calibrate on
the clean labels of the first 50 of them with ``method="intercept"`` (the paper's),
``"platt"`` and ``"auto"``, and score the 219 test images against their clean labels:
annotation F1@5 and mean per-tag log-loss, averaged over 5 random splits.

Usage::

    python docs/scripts/calibration_methods.py
"""

import warnings
from collections import Counter, defaultdict

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import StandardScaler

from skrobust import InterceptCalibrator, RobustLogisticRegression
from skrobust.experiments._demo_data import load_mirflickr_subset_demo
from skrobust.metrics import annotation_scores

ALPHAS = (1.0, 0.01)
METHODS = ("intercept", "platt", "auto")
N_SPLITS, N_CLEAN = 5, 50


def mean_log_loss(Z, proba):
    """Mean over tags of the log-loss of P(z_t = 1 | x) against the clean labels."""
    proba = np.clip(proba, 1e-15, 1 - 1e-15)
    return float(np.mean(-(Z * np.log(proba) + (1 - Z) * np.log1p(-proba))))


def main():
    bunch = load_mirflickr_subset_demo()
    X, Y, Z = bunch.X, np.asarray(bunch.Y), np.asarray(bunch.Z)
    rows = defaultdict(list)  # (alpha, method) -> [(f1, log_loss), ...]
    chosen = defaultdict(Counter)  # alpha -> what "auto" chose, over tags and splits
    splitter = ShuffleSplit(n_splits=N_SPLITS, train_size=511, test_size=219, random_state=None)
    for seed in range(N_SPLITS):
        splitter.random_state = seed
        train, test = next(splitter.split(X))
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        for alpha in ALPHAS:
            model = RobustLogisticRegression(
                "none", alpha=alpha, batch_size=511, learning_rate="constant", eta0=0.1,
                em_step=1.0, max_iter=100, tol=None, random_state=0,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, Y[train])
            candidates = {"uncalibrated": model}
            for method in METHODS:
                with warnings.catch_warnings():
                    # Rare concepts have no positive among 50 images: expected here.
                    warnings.filterwarnings("ignore", "Tags .* all 0 or all 1", UserWarning)
                    candidates[method] = InterceptCalibrator(model, method=method).fit(
                        X_train[:N_CLEAN], Z[train][:N_CLEAN]
                    )
            auto = candidates["auto"]
            chosen[alpha].update(auto.method_)
            chosen[alpha][f"selection {auto.selection_!r}"] += 1
            for name, estimator in candidates.items():
                proba = np.asarray(estimator.predict_proba(X_test))
                f1 = annotation_scores(Z[test], proba, k=5).f1
                rows[alpha, name].append((100 * f1, mean_log_loss(Z[test], proba)))

    print(f"Test annotation F1@5 and mean log-loss, mean of {N_SPLITS} splits "
          f"(511 train / 219 test; calibrated on {N_CLEAN} clean)")
    print()
    print("| alpha | calibration | F1@5 | log-loss |")
    print("|---|---|---|---|")
    for alpha in ALPHAS:
        for name in ("uncalibrated", *METHODS):
            f1, loss = np.mean(rows[alpha, name], axis=0)
            print(f"| {alpha:g} | {name} | {f1:.1f} | {loss:.4f} |")
    print()
    for alpha in ALPHAS:
        counts = ", ".join(f"{key} {n}" for key, n in sorted(chosen[alpha].items()))
        print(f"alpha={alpha:g}, method='auto' chose (tags x splits): {counts}")


if __name__ == "__main__":
    main()
