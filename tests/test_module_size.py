"""Small files with one job each: no module of skrobust is over 500 lines."""

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skrobust"
MAX_LINES = 500
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_modules_are_found():
    assert len(MODULES) > 50 and PACKAGE / "linear_model" / "_robust.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_at_most_500_lines(path):
    n_lines = len(path.read_text().splitlines())
    assert n_lines <= MAX_LINES, (
        f"{path.relative_to(PACKAGE)} has {n_lines} lines (at most {MAX_LINES}): split it "
        "by job into private modules of its subpackage."
    )
