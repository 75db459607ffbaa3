"""benchmarks/bench_time_to_accuracy.py at tiny sizes: the script runs, its JSON has
the documented structure, and skrobust reaches the regularised optimum's objective."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))  # for its `from _common import ...`
    spec = importlib.util.spec_from_file_location(
        "bench_time_to_accuracy", BENCHMARKS / "bench_time_to_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_objective_at_the_optimum_has_zero_gradient(bench):
    """The reference optimum really is one: tiny perturbations only increase f."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5))
    Y = rng.random((300, 2)) < 0.4
    for missing in (False, True):
        f_star, (W, b, pi), _ = bench._optimum(X, Y, 1e-2, missing, 2000)
        assert f_star == pytest.approx(bench.objective(X, Y, 1e-2, W, b, pi), rel=1e-12)
        for _ in range(5):
            dW = 1e-3 * rng.standard_normal(W.shape)
            assert bench.objective(X, Y, 1e-2, W + dW, b, pi) > f_star


@pytest.mark.parametrize("missing", [False, True])
def test_objective_matches_skrobust_loss(bench, missing):
    """The benchmark's objective is the one skrobust reports (loss_curve_ is the
    pass average; the penalty and the likelihood are the same functions)."""
    from skrobust import RobustLogisticRegression
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(400, 6, 3, pi=0.6, random_state=0)
    model = RobustLogisticRegression(noise="missing" if missing else "none", alpha=1e-3,
                                     max_iter=5, tol=None, random_state=0).fit(X, Y)
    loglik = model.tag_log_likelihood(X, Y).sum() / (X.shape[0] * Y.shape[1])
    penalty = 0.5 * 1e-3 * np.sum(model.coef_ ** 2) / Y.shape[1]
    expected = -loglik + penalty
    got = bench.objective(X, Y.astype(bool), 1e-3, model.coef_, model.intercept_,
                          model.pi_ if missing else None)
    assert got == pytest.approx(expected, rel=1e-10)


def test_quick_run_writes_json_and_skrobust_reaches_the_target(bench, tmp_path):
    with threadpool_limits(1):
        path = bench.main(["--quick", "--threads", "1", "--max-seconds", "10",
                           "--contenders", "skrobust", "sklearn",
                           "--output", str(tmp_path / "tta")])
    payload = json.loads(Path(path).read_text())
    assert {"machine", "command", "rows", "optima", "speedups", "rtol"} <= set(payload)
    assert payload["optima"]["8"]["optimum_lbfgs"]["bce"]["success"]
    rows = {row["contender"]: row for row in payload["rows"]}
    assert set(rows) == {"skrobust noise='none'", "skrobust noise='missing'",
                         "skrobust noise='none' solver='lbfgs'",
                         "skrobust noise='missing' solver='lbfgs'",
                         "sklearn OvR LogisticRegression (lbfgs)"}
    for row in rows.values():
        assert {"tags", "objective", "seconds_to_target", "trained_s", "final_rel_gap",
                "test_auc", "checks"} <= set(row)
        assert 0.5 < row["test_auc"] <= 1.0
    for name in ("skrobust noise='none'", "skrobust noise='none' solver='lbfgs'",
                 "skrobust noise='missing' solver='lbfgs'"):
        assert isinstance(rows[name]["seconds_to_target"], float), name
        assert rows[name]["final_rel_gap"] <= payload["rtol"], name
    # One speed-up per skrobust BCE contender that reached the target, against sklearn.
    assert [(s["skrobust"], s["against"]) for s in payload["speedups"]] == [
        ("skrobust noise='none'", "sklearn OvR LogisticRegression (lbfgs)"),
        ("skrobust noise='none' solver='lbfgs'", "sklearn OvR LogisticRegression (lbfgs)"),
    ]


def test_tracker_reports_the_auc_of_the_last_checked_model(bench):
    """A contender that stops by its own rule (never by the tracker) is scored on the
    model it stopped with, not the one of its first check."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    Z = (X[:, :2] > 0).astype(int)
    good = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    tracker = bench.Tracker(X, Z.astype(bool), 1e-4, f_star=1e-9, rtol=1e-3, max_seconds=1e9,
                            X_test=X, Z_test=Z)
    tracker.start()
    assert not tracker.check(-good, np.zeros(2))  # the first check: AUC 0
    coef = good.copy()
    assert not tracker.check(coef, np.zeros(2))
    coef[:] = -1.0  # changed after its last check: not what is scored
    tracker.pause()
    row = tracker.row("x")
    assert row["checks"] == 2 and row["test_auc"] == pytest.approx(1.0)
