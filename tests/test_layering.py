"""Imports run one way: no module of skrobust imports one of a higher layer.

Every ``import``/``from ... import`` in every module is read with :mod:`ast` (those
inside functions too: a lazy import is still a dependency), resolved to the
skrobust subpackage it names, and compared by layer.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skrobust"

# Lowest first. calibration sits above metrics: method="auto" keeps a calibration
# only if it does not lower the clean set's top-k annotation F1, computed by
# skrobust.metrics (which itself needs only linear_model, for predict_tag_proba).
# streaming trains the linear models out of core, beside them. skrobust.plotting
# re-exports the experiments' figures.
LAYERS = [
    {"datasets"},
    {"tags", "features"},
    {"linear_model", "streaming"},
    {"metrics"},
    {"calibration"},
    {"experiments", "plotting"},
    {"cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# Shared utilities, importable from every layer: the array-API helpers, and save/load
# (streaming checkpoints are saved with it).
UTILITIES = {"_array_api", "_persistence"}
# The one import against the order, and why: save/load's whitelist of classes must
# name the estimators it may build (imported inside supported_classes(), when first
# needed, so that importing the package does not cycle).
ALLOWED = {
    ("_persistence", "linear_model"),
    ("_persistence", "calibration"),
    ("_persistence", "tags"),
}


def _part(module):
    """The top-level part of skrobust a dotted module name belongs to, or None."""
    parts = module.split(".")
    if parts[0] != "skrobust" or len(parts) < 2:
        return None
    return parts[1]


def _imported_modules(path, root=PACKAGE):
    """Dotted names of everything ``path`` (a module under ``root``, the package's
    folder) imports, relative imports resolved."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            name = node.module or ""
            full = f"{base}.{name}".strip(".") if node.level else name
            yield full
            # "from skrobust import x" names the submodule x (or a name in skrobust).
            yield from (f"{full}.{alias.name}" for alias in node.names)


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_part_has_a_layer():
    parts = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _modules()}
    assert parts - set(RANK) - UTILITIES == {"__init__", "__main__"}


def _violations(path, root=PACKAGE):
    """The imports of ``path`` that reach a higher layer."""
    own = path.relative_to(root).parts[0].removesuffix(".py")
    if own in {"__init__", "__main__"}:  # the package root exposes every layer
        return set()
    wrong = set()
    for imported in _imported_modules(path, root):
        other = _part(imported)
        if other is None or other == own or other in UTILITIES or other not in RANK:
            continue  # outside skrobust, the same part, a utility, or a root name
        if (own, other) in ALLOWED:
            continue
        if own in UTILITIES or RANK[other] > RANK[own]:
            wrong.add(imported)
    return wrong


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    wrong = _violations(path)
    assert not wrong, f"{path.relative_to(PACKAGE)} imports a higher layer: {sorted(wrong)}"


def test_the_checker_sees_a_violation(tmp_path):
    """Relative, absolute and lazy imports of higher layers are all caught; a lower
    layer and the utilities are not."""
    root = tmp_path / "skrobust"
    path = root / "linear_model" / "_fake.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "from skrobust.metrics import annotation_scores\n"
        "from skrobust.datasets import make_tagged_classification\n"
        "from skrobust._array_api import to_numpy\n"
        "def f():\n    from ..experiments import run_split\n"
        "from . import _em\n"
    )
    assert {"skrobust.metrics", "skrobust.experiments"} <= _violations(path, root)
    assert not {m for m in _violations(path, root)
                if m.startswith(("skrobust.datasets", "skrobust._array_api",
                                 "skrobust.linear_model"))}
