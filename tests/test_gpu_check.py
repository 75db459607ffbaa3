"""benchmarks/gpu_check.py runs on machines without a GPU too (NumPy, torch CPU),
so the one script that is run on a lent GPU is known to work before it gets there."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("xp", ["numpy", "torch"])
def test_gpu_check_runs_and_agrees(gpu_check, xp, capsys):
    assert gpu_check.main(["--quick", "--xp", xp]) == 0
    out = capsys.readouterr().out
    assert "agreement within tolerance (1e-3): True" in out
    assert "paper_workload_s" in out
    assert "device float32 matmul rate" in out and "elapsed_s" in out


def test_agreement_rows_report_state_on_the_device(gpu_check):
    rows = gpu_check.agreement(gpu_check.Backend("torch"), 600, 8, 2, 200)
    assert [r["state_on_device"] for r in rows] == ["torch", "torch"]
    assert rows[1]["coef_rel_err"] < 1e-10  # float64: same arithmetic, same numbers
    assert rows[1]["lbfgs_coef_rel_err"] < 1e-10


def test_paper_goals_are_judged_on_the_5400_tag_row(gpu_check):
    row = {"tags": 5400, "paper_workload_s": 42.0, "fraction_of_device_matmul": 0.4}
    goals = gpu_check.paper_goals([{"tags": 81}, row])
    assert goals == {"paper_workload_s": 42.0, "under_60_s": True,
                     "fraction_of_device_matmul": 0.4,
                     "at_least_half_of_device_matmul": False}
    assert gpu_check.paper_goals([{"tags": 81}]) is None


def test_throughput_rows_report_both_call_patterns_and_the_device_rate(gpu_check):
    backend = gpu_check.Backend("numpy")
    peak = gpu_check.device_matmul_tflops(backend, 64, 1)
    (row,) = gpu_check.throughput(backend, [4], n=50, d=16, steps_per_chunk=2, repeats=1,
                                  device_tflops=peak)
    assert peak > 0
    assert row["one_batch_call_ms"] > 0 and row["step_ms"] > 0
    assert row["fraction_of_device_matmul"] == pytest.approx(row["step_tflops"] / peak)
