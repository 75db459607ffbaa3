"""The command line: `python -m skrobust demo`."""

import subprocess
import sys

from skrobust.__main__ import main


def test_demo_runs_and_reports_both_models(capsys):
    assert main(["demo", "--n-samples", "5000", "--n-tags", "2"]) == 0
    out = capsys.readouterr().out
    assert "noise='missing'" in out and "noise='none'" in out
    assert "learned pi" in out


def test_module_entry_point_rejects_unknown_commands():
    result = subprocess.run(
        [sys.executable, "-m", "skrobust", "train-everything"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr
