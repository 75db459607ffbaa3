"""Pages written at build time: the API reference and the benchmark tables.

Both are generated into ``docs/gen_modules/`` (gitignored) by ``docs/conf.py``:
the API reference from the public modules' ``__all__`` (so a new public name, or
``skrobust.experiments`` once it exists, is documented without editing a list), the
benchmarks page from ``benchmarks/RESULTS.md`` when someone has written it, otherwise
from the JSON files in ``benchmarks/results/``.
"""

import ast
import importlib
import inspect
import json
import pkgutil
from pathlib import Path

# Public modules in reading order; optional ones are skipped when absent.
PUBLIC_MODULES = [
    "skrobust",
    "skrobust.calibration",
    "skrobust.tags",
    "skrobust.datasets",
    "skrobust.metrics",
    "skrobust.streaming",
    "skrobust.features",
    "skrobust.plotting",
    "skrobust.experiments",
]


def public_names(module):
    """``__all__``, or the functions and classes a module defines without a leading _."""
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not name.startswith("__")]
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and getattr(obj, "__module__", None) == module.__name__
        and (inspect.isclass(obj) or inspect.isfunction(inspect.unwrap(obj)))
    )


def is_documented_callable(obj):
    """Classes and functions get their own page; constants and scorer objects do not."""
    return inspect.isclass(obj) or inspect.isfunction(inspect.unwrap(obj))


def iter_public_objects():
    """(module name, name, object) for every public name of every public module."""
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but one of its imports is missing
            continue
        for name in public_names(module):
            yield module_name, name, getattr(module, name)


def _attribute_doc(module, name):
    """The ``#:`` comment or string after ``NAME = ...`` in the module or its submodules.

    autodata looks only in the module named in the directive (the package that
    re-exports the constant) and otherwise shows the docstring of the value's type
    (frozenset, tuple...), so the defining submodule is searched here instead.
    """
    from sphinx.pycode import ModuleAnalyzer

    candidates = [module.__name__]
    if hasattr(module, "__path__"):
        candidates += [f"{module.__name__}.{m.name}" for m in pkgutil.iter_modules(module.__path__)]
    for candidate in candidates:
        docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        if ("", name) in docs:
            return [line for line in docs["", name] if line.strip() or line == ""]
    return []


def _write_if_changed(path, text):
    # Rewriting an unchanged file would make Sphinx rebuild every page each time.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_page(out_dir):
    by_module, seen = {}, set()
    for module_name, name, obj in iter_public_objects():
        # A name re-exported higher up (skrobust.InterceptCalibrator) gets one page.
        if is_documented_callable(obj) and id(obj) in seen:
            continue
        seen.add(id(obj))
        by_module.setdefault(module_name, []).append((name, obj))
    lines = [".. _api:", "", "API reference", "=============", ""]
    for module_name, members in by_module.items():
        module = importlib.import_module(module_name)
        summary = (inspect.getdoc(module) or "").split("\n\n")[0]
        lines += [f"``{module_name}``", "-" * (len(module_name) + 4), "", summary, "",
                  f".. currentmodule:: {module_name}", ""]
        callables = [name for name, obj in members if is_documented_callable(obj)]
        if callables:
            lines += [".. autosummary::", "   :toctree: .", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in callables] + [""]
        for name, obj in members:
            if not is_documented_callable(obj):
                lines += [f".. py:data:: {name}", ""]
                lines += [f"   {line}" for line in _attribute_doc(module, name)] + [""]
    _write_if_changed(Path(out_dir) / "api.rst", "\n".join(lines))
    # autosummary never deletes the page of a name that is no longer public, and
    # Sphinx would warn that it is in no toctree: remove such stale pages.
    current = {
        f"{module_name}.{name}.rst"
        for module_name, members in by_module.items()
        for name, obj in members
        if is_documented_callable(obj)
    }
    for stub in Path(out_dir).glob("skrobust.*.rst"):
        if stub.name not in current:
            stub.unlink()


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value).replace("|", "\\|")


def _table(rows, first=None):
    """A Markdown table from a list of dicts (``first`` names a leading key column)."""
    columns = ([first] if first else []) + list(dict.fromkeys(k for r in rows for k in r))
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return out + [""]


def _script_summary(script):
    """The first paragraph of a benchmark script's docstring, if it has one."""
    if not script.exists():
        return ""
    doc = ast.get_docstring(ast.parse(script.read_text())) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _machine(machine):
    if isinstance(machine, dict):
        keys = ("date", "cpu_model", "cpus", "python", "platform")
        return ", ".join(f"{k} {machine[k]}" for k in keys if k in machine)
    return str(machine)


def _json_section(path, bench_dir):
    data = json.loads(path.read_text())
    script = bench_dir / f"bench_{path.stem}.py"
    lines = [f"## {path.stem.replace('_', ' ')}", ""]
    summary = _script_summary(script)
    if summary:
        lines += [summary, ""]
    lines += [f"Script: `benchmarks/{script.name}`; results: `benchmarks/results/{path.name}`.", ""]
    if "machine" in data:
        lines += [f"Machine: {_machine(data['machine'])}.", ""]
    for key, value in data.items():
        if key in ("machine", "rows"):
            continue
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            lines += [f"**{key}**", ""]
            lines += _table([{key: k, **v} for k, v in value.items()])
        else:
            lines += [f"- {key}: {_cell(value)}"]
    lines += [""]
    if isinstance(data.get("rows"), list) and data["rows"]:
        lines += _table(data["rows"])
    return lines


def write_benchmarks_page(out_dir, bench_dir):
    bench_dir = Path(bench_dir)
    written = bench_dir / "RESULTS.md"
    if written.exists():
        text = written.read_text()
    else:
        lines = [
            "# Benchmarks",
            "",
            "Speed and memory measurements from the scripts in `benchmarks/`, as last run "
            "(each script prints its table and writes the JSON rendered here; rerun one "
            "to update it). Timings come from a shared 2-core VM unless a section says "
            "otherwise.",
            "",
        ]
        for path in sorted((bench_dir / "results").glob("*.json")):
            lines += _json_section(path, bench_dir)
        text = "\n".join(lines)
    _write_if_changed(Path(out_dir) / "benchmarks.md", text)
