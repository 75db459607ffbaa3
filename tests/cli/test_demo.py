"""`skrobust demo` (skrobust.cli._demo): the paper's evaluation end to end."""

import json
import math
import shutil
import subprocess
import sys

import pytest

from skrobust.cli import main
from skrobust.cli._errors import CommandError
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
    monkeypatch.setattr("skrobust.experiments._demo_data._SHARED", tmp_path / "nothing")
    (tmp_path / "old.txt").write_text("an earlier run")  # replaced only with --overwrite
    assert main(["demo", "--quick", "--n-jobs", "1", "--output", str(tmp_path),
                 "--overwrite"]) == 0
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
    # A MIRFLICKR folder without the shared data's features/ (with them, the demo
    # runs on those 12,541 photos).
    data = tmp_path / "mirflickr25k"
    data.mkdir()
    for name in ("all_imgs.txt", "all_tags.txt", "all_labels.txt", "TagList.txt"):
        shutil.copy(shared_data_dir() / "mirflickr25k" / name, data / name)
    tmp_path = tmp_path / "out"
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


# --- bad arguments: exit 2, one line on stderr, no traceback ------------------------

def _usage_error(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv, message", [
    (["--train-size", "2.0"], "argument --train-size: must be a fraction strictly between"),
    (["--train-size", "0"], "argument --train-size: must be a fraction"),
    (["--n-clean", "-5"], "argument --n-clean: must be a positive integer, got -5"),
    (["--k", "0"], "argument --k: must be a positive integer, got 0"),
    (["--k", "100"], "argument --k: must be below the 24 labels of mirflickr-subset"),
    (["--dataset", "mulan-scene", "--k", "6"], "below the 6 labels of mulan-scene"),
    (["--n-jobs", "0"], "argument --n-jobs: must not be 0"),
    (["--n-splits", "0"], "argument --n-splits: must be a positive integer, got 0"),
    (["--n-splits", "0", "--quick"], "argument --n-splits: must be a positive integer"),
    (["--seed", "x"], "argument --seed: 'x' is not an integer"),
    # options the data set does not use are refused, not ignored
    (["--dataset", "mulan-scene", "--concept-map", "full"],
     "argument --concept-map: not used by --dataset mulan-scene"),
    (["--dataset", "mulan-scene", "--features", __file__],
     "argument --features: not used by --dataset mulan-scene"),
    (["--features", __file__], "argument --features: not used by --dataset mirflickr-subset"),
    (["--data-dir", "."], "argument --data-dir: not used by --dataset mirflickr-subset"),
    (["--dataset", "mulan-scene", "--photos-dir", "."],
     "argument --photos-dir: not used by --dataset mulan-scene"),
])
def test_bad_values_are_one_line_usage_errors(argv, message, capsys):
    err = _usage_error(["demo", *argv], capsys)
    assert err.startswith("skrobust demo: error: ") and message in err


def test_output_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    file = tmp_path / "results.txt"
    file.write_text("mine")
    assert "is a file, not a folder" in _usage_error(["demo", "--output", str(file)], capsys)
    err = _usage_error(["demo", "--output", str(file / "sub")], capsys)
    assert "is a file, so" in err and "cannot be created" in err
    assert file.read_text() == "mine"


def test_unwritable_output_is_one_line(capsys):
    # /proc refuses new folders even to root (for whom os.access always says yes):
    # caught by the argument check (exit 2) or when the folder is made (exit 1).
    try:
        code = main(["demo", "--output", "/proc/skrobust-cli-test", "--quiet"])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code in (1, 2)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "/proc" in err


def test_too_many_clean_images_for_the_split_is_one_line(tmp_path, capsys):
    code = main(["demo", "--n-clean", "100000", "--output", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == ("skrobust: error: --n-clean 100000 is more than the 511 training "
                   "images (0.7 of 730)\n")


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(CommandError, match="--n-clean 100000"):
        main(["demo", "--n-clean", "100000", "--output", str(tmp_path), "--quiet",
              "--debug"])
    with pytest.raises(CommandError):  # --debug before the command works too
        main(["--debug", "demo", "--n-clean", "100000", "--output", str(tmp_path),
              "--quiet"])


def test_a_non_empty_output_folder_needs_overwrite(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--output", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty: pass --overwrite" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _stop_at_comparison(monkeypatch):
    """Record run_comparison's arguments and stop there (KeyboardInterrupt: 130)."""
    seen = {}

    def fake(*args, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt
    monkeypatch.setattr("skrobust.experiments.run_comparison", fake)
    return seen


@pytest.mark.parametrize("argv, n_splits", [
    (["--quick"], 1), (["--quick", "--n-splits", "3"], 3), ([], 5), (["--n-splits", "2"], 2)])
def test_quick_does_not_ignore_an_explicit_n_splits(argv, n_splits, tmp_path, monkeypatch,
                                                     capsys):
    seen = _stop_at_comparison(monkeypatch)
    assert main(["demo", *argv, "--output", str(tmp_path), "--quiet"]) == 130
    assert seen["n_splits"] == n_splits
    assert capsys.readouterr().err == "skrobust: interrupted\n"


def test_default_output_folder_is_numbered_when_taken(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "skrobust_output").mkdir()
    (tmp_path / "skrobust_output" / "results.json").write_text("{}")
    _stop_at_comparison(monkeypatch)
    assert main(["demo", "--quiet"]) == 130
    assert "writing to skrobust_output_2" in capsys.readouterr().out
    assert (tmp_path / "skrobust_output" / "results.json").read_text() == "{}"
    assert (tmp_path / "skrobust_output_2").is_dir()


def test_process_prints_one_line_and_no_traceback(tmp_path):
    # A real process (the console script's path), not main() in this one.
    result = subprocess.run(
        [sys.executable, "-m", "skrobust", "demo", "--n-jobs", "0"],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--n-jobs: must not be 0" in result.stderr
