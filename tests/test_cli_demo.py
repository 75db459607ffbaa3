"""`skrobust demo` (skrobust.cli._demo): the paper's evaluation end to end."""

import json
import math
import subprocess
import sys

from skrobust.cli import main
from _shared import shared_data_dir

FIGURES = {"tag_position_accuracy.png", "pi_learned_vs_measured.png",
           "score_vs_clean_images.png"}


def _finite_numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _finite_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _finite_numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def test_quick_demo_end_to_end(tmp_path, capsys, monkeypatch):
    # No photos: the retrieval grid must be skipped with a note, not fail.
    monkeypatch.setenv("SKROBUST_MIRFLICKR_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr("skrobust._demo_data._SHARED", tmp_path / "nothing")
    assert main(["demo", "--quick", "--n-jobs", "1", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for title in ("Table 2. Tag prediction", "Table 3. Image annotation",
                  "Table 4. Multi-tag retrieval", "Learned pi vs measured"):
        assert title in out
    assert "no retrieval grid" in out
    assert FIGURES <= {p.name for p in tmp_path.iterdir()}
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["dataset"] == "mirflickr-subset" and len(data["splits"]) == 1
    assert data["splits"][0]["n_train"] == 511 and data["splits"][0]["n_test"] == 219
    summary = data["summary"]
    for model in ("lr", "lr_calibrated", "rlr", "rlr_calibrated", "lr_clean"):
        f1 = summary[model]["annotation_f1"][0]
        assert 0.1 < f1 < 1
        assert 0.5 < summary[model]["mean_auc"][0] <= 1
        assert all(0 <= summary[model][f"retrieval_{q}"][0] <= 1 for q in (1, 2, 3))
    assert -1 <= summary["pi_correlation"][0] <= 1
    assert all(math.isfinite(v) for v in _finite_numbers(summary))


def test_mirflickr25k_without_features_is_a_clear_error(tmp_path, capsys):
    data = shared_data_dir() / "mirflickr25k"
    code = main(["demo", "--dataset", "mirflickr25k", "--data-dir", str(data),
                 "--output", str(tmp_path), "--quiet"])
    assert code == 1  # an expected failure: one line, no traceback
    err = capsys.readouterr().err
    assert err.startswith("skrobust: error: ") and "no image features" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "results.json").exists()


def test_quick_demo_on_mulan_scene_knows_the_true_pi(tmp_path, capsys):
    data = shared_data_dir() / "mulan-scene"
    assert main(["demo", "--dataset", "mulan-scene", "--data-dir", str(data), "--quick",
                 "--n-jobs", "1", "--output", str(tmp_path), "--quiet"]) == 0
    result = json.loads((tmp_path / "results.json").read_text())
    assert len(result["true_pi"]) == 6
    assert "tag_position_accuracy.png" not in result["figures"]
    assert result["summary"]["rlr"]["mean_auc"][0] > 0.6


def test_module_entry_point_rejects_unknown_commands():
    result = subprocess.run(
        [sys.executable, "-m", "skrobust", "train-everything"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr
