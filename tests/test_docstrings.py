"""Every public class and function has a numpydoc docstring with its sections.

Public names are the ``__all__`` of each public module (for a module without one,
the functions and classes it defines without a leading underscore), the same list
the API reference is generated from (docs/sphinxext/skrobust_docs.py). Constants and
scorer objects are data, not callables, and are not checked here. That the Examples
run is checked by the doctests (``--doctest-modules`` in pyproject.toml).
"""

import dataclasses
import inspect
import sys
from pathlib import Path

import numpydoc.docscrape as numpydoc_docscrape  # in the test extra: never skipped
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "sphinxext"))
from skrobust_docs import is_documented_callable, iter_public_objects  # noqa: E402

PUBLIC = [
    pytest.param(obj, id=f"{module}.{name}")
    for module, name, obj in iter_public_objects()
    if is_documented_callable(obj)
]


def _fields(cls):
    """Constructor fields of a dataclass or namedtuple result container, else None."""
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return list(cls._fields)
    return None


def _documented_names(section):
    # numpydoc keeps "a, b : type" as one entry; split it into its names.
    return {n.strip() for entry in section for n in entry.name.split(",")}


def _has_parameters(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return True
    return any(p.name != "self" for p in signature.parameters.values())


def test_public_names_found():
    names = {p.id for p in PUBLIC}
    assert {"skrobust.RobustLogisticRegression", "skrobust.tags.TagVectorizer",
            "skrobust.metrics.annotation_scores"} <= names


@pytest.mark.parametrize("obj", PUBLIC)
def test_numpydoc_sections(obj):
    is_class = inspect.isclass(obj)
    doc = (numpydoc_docscrape.ClassDoc if is_class else numpydoc_docscrape.FunctionDoc)(obj)
    missing = []
    fields = _fields(obj) if is_class else None
    if fields is not None:
        # A result container's parameters are its fields: documenting each one under
        # Attributes (what users read them as) stands in for a Parameters section.
        undocumented = set(fields) - _documented_names(doc["Parameters"] + doc["Attributes"])
        if undocumented:
            missing.append(f"Attributes for {sorted(undocumented)}")
    elif _has_parameters(obj) and not doc["Parameters"]:
        missing.append("Parameters")
    if not (doc["Returns"] or doc["Yields"] or doc["Attributes"]):
        missing.append("Returns, Yields or Attributes")
    if not doc["Examples"]:
        missing.append("Examples")
    assert not missing, f"docstring lacks: {', '.join(missing)}"
