"""Progress of long commands (skrobust.cli._progress): lines a log file shows."""

import io

from skrobust.cli import _progress
from skrobust.cli._progress import LogProgress, progress_bar


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_line_every_tenth_with_this_runs_rate(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(_progress.time, "perf_counter", clock)
    out = io.StringIO()
    progress = LogProgress(1000, "features", "photo", stream=out)
    for _ in range(40):  # 25 photos every 5 s: 5 photos/s
        clock.now += 5
        progress.update(25)
    lines = out.getvalue().splitlines()
    assert [line.split(" photos")[0] for line in lines] == [
        f"features: {n}/1000" for n in range(100, 1001, 100)]
    assert lines[0] == "features: 100/1000 photos (10%), 5.00 photos/s, about 3 min left"
    assert lines[-1] == "features: 1000/1000 photos (100%), 5.00 photos/s"


def test_after_a_resume_the_rate_counts_only_this_run(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(_progress.time, "perf_counter", clock)
    out = io.StringIO()
    progress = LogProgress(1000, "features", "photo", initial=600, stream=out)
    clock.now += 20
    progress.update(100)  # 100 photos in 20 s, not 700
    lines = out.getvalue().splitlines()
    assert lines == ["features: 600/1000 photos done by an earlier run; resuming",
                     "features: 700/1000 photos (70%), 5.00 photos/s, about 60 s left"]


def test_small_totals_print_each_step_and_the_end():
    out = io.StringIO()
    progress = LogProgress(3, "features", "photo", stream=out)
    for _ in range(3):
        progress.update(1)
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        "features: 1/3 photos", "features: 2/3 photos", "features: 3/3 photos"]


def test_off_a_terminal_the_progress_is_log_lines(capsys):
    # capsys' stderr is no terminal, as a log file is not.
    assert isinstance(progress_bar(10, "features", "photo"), LogProgress)
    assert not isinstance(progress_bar(10, "features", "photo", quiet=True), LogProgress)
    assert not isinstance(progress_bar(None, "thumbnails", "photo"), LogProgress)
