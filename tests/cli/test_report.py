"""`skrobust report` (skrobust.cli._report): the HTML page, rendered in headless Chromium."""

import re
import shutil
import subprocess

import pytest

from skrobust.cli import main

import _cli_data
from _shared import in_ci, require

require("PIL")
require("matplotlib")
from PIL import Image  # noqa: E402

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--window-size=1200,900")


def chromium():
    """Debian's chromium (installed by .ci/run); skip locally, fail in CI, without it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    msg = "headless Chromium is not installed (apt-get install chromium)"
    if in_ci():
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return _cli_data.train_model(tmp_path_factory.mktemp("report"))


def _report(trained, output, *extra):
    inputs, model = trained
    return main(["report", "--model", str(model), "--features", str(inputs["features"]),
                 "--photos", str(inputs["photos"]), "--output", str(output), "--quiet",
                 *extra])


def test_report_renders_in_headless_chromium(trained, tmp_path):
    inputs, _ = trained
    page = tmp_path / "report.html"
    assert _report(trained, page, "--query", "sky", "--query", "sky+sunset",
                   "--top", "6", "--n-sample", "10") == 0
    text = page.read_text(encoding="utf-8")
    # 2 queries x 6 photos + 10 sampled photos, every one embedded (no file, no URL).
    images = re.findall(r'<img src="([^"]*)"', text)
    assert len(images) == 2 * 6 + 10
    assert all(src.startswith("data:image/jpeg;base64,") for src in images)
    assert not re.search(r'(src|href)="https?:', text)
    assert "Query: sky + sunset" in text and "Query: sky</h3>" in text
    assert "<svg" in text  # the pi chart, inline
    for tag in inputs["model_tags"]:  # every tag is on the chart (22 <= 40)
        assert f">{tag}<" in text or f"> {tag}<" in text, tag

    shot = tmp_path / "shot.png"
    subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=120)
    with Image.open(shot) as im:
        assert im.size == (1200, 900)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    # A blank or failed page is one or a few colours; photos give thousands.
    assert colours is not None and len(colours) > 2000, len(colours or ())


def test_default_queries_and_missing_photos(trained, tmp_path, capsys):
    inputs, _ = trained
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in inputs["names"][:50]:  # half the photos are not there
        (photos / name).symlink_to(inputs["photos"] / name)
    page = tmp_path / "report.html"
    args = ["report", "--model", str(trained[1]), "--features", str(inputs["features"]),
            "--photos", str(photos), "--output", str(page), "--n-queries", "3"]
    assert main(args) == 0
    assert "thumbnails (" in capsys.readouterr().out  # says how many were missing
    text = page.read_text(encoding="utf-8")
    assert text.count("<h3>Query: ") == 3
    assert text.count('<img src="data:image/jpeg') + text.count('class="missing"') == 3 * 8 + 12


def test_unknown_query_tag_is_one_line(trained, tmp_path, capsys):
    assert _report(trained, tmp_path / "r.html", "--query", "sky+unicorn") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--query 'sky+unicorn': 'unicorn' is not one of the model's tags" in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("query, closest", [("skies", "sky"), ("Sunsets", "sunset"),
                                            ("selfportait", "selfportrait")])
def test_unknown_query_suggests_the_closest_tags(trained, tmp_path, capsys, query, closest):
    names = trained[0]["model_tags"]
    assert closest in names and query not in names
    assert _report(trained, tmp_path / "r.html", "--query", query) == 1
    err = capsys.readouterr().err
    assert f"(closest: {closest}" in err, err


def test_pi_chart_labels_every_bar_with_its_value(trained, tmp_path):
    import skrobust
    from skrobust.cli._report import _pi_label

    inputs, model = trained
    page = tmp_path / "r.html"
    assert _report(trained, page) == 0
    chart = page.read_text(encoding="utf-8").split('<div class="chart">')[1]
    pi = skrobust.load(model).estimator_[-1].pi_
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    values = [label.strip() for label in labels if label.strip()[:1].isdigit()]
    # The bars' labels, lowest pi included (a bar of 0.004 is narrower than a pixel),
    # besides the axis' tick labels 0.0 ... 1.0.
    for p in (pi.min(), pi.max(), *pi):
        assert _pi_label(p) in values, (_pi_label(p), values)


def test_sampled_photos_show_the_uploaders_tags(trained, tmp_path):
    inputs, _ = trained
    page = tmp_path / "r.html"
    assert _report(trained, page, "--tags", str(inputs["tags"]), "--n-sample", "5") == 0
    text = page.read_text(encoding="utf-8")
    sample = text.split('<div class="row sample">')[1].split("</div>\n<h2>")[0]
    tag_lines = inputs["tags"].read_text().splitlines()
    shown = re.findall(r"uploader's tags: ([^<]*)</div>", sample.replace("&#x27;", "'"))
    assert len(shown) == 5
    names = re.findall(r"<figcaption>([^<]*)<", sample)
    for name, tags in zip(names, shown):
        row = inputs["names"].index(name)
        expected = ", ".join(tag_lines[row].split(",")) if tag_lines[row] else "(none)"
        assert tags == expected
    # Without --tags, no such line.
    assert _report(trained, page, "--overwrite") == 0
    assert "uploader's tags" not in page.read_text(encoding="utf-8")


def test_photos_folder_without_the_photos_is_one_line(trained, tmp_path, capsys):
    assert _report(trained, tmp_path / "r.html", "--photos", str(tmp_path)) == 1
    # argparse keeps the last --photos: the empty folder
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none of the photos is in" in err
