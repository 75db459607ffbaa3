"""Sphinx configuration for skrobust: numpydoc + autosummary + sphinx-gallery + MyST.

Build: ``bash scripts/docs.sh`` (warnings are errors). Nothing is fetched from the
network at build time: intersphinx runs only when SKROBUST_DOCS_INTERSPHINX=1.
"""

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # gallery examples and doctests draw without a display

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

import skrobust  # noqa: E402
from skrobust_docs import write_api_page, write_benchmarks_page  # noqa: E402

project = "skrobust"
author = "skrobust developers"
copyright = "skrobust developers"
release = skrobust.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
if os.environ.get("SKROBUST_DOCS_INTERSPHINX") == "1":
    # Off by default: it downloads inventories, and CI machines are offline.
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "sphinxext",
    "scripts",
    "examples",  # sources of the gallery; sphinx-gallery renders them to auto_examples
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "**/*.md5",
]

# The API reference and the benchmarks page are written from the code and the JSON
# results on every build, so a new public name or benchmark cannot be forgotten.
write_api_page(DOCS / "gen_modules")
write_benchmarks_page(DOCS / "gen_modules", DOCS.parent / "benchmarks")

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # the class template lists members instead
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()  # tests/test_docstrings.py checks the sections
templates_path = ["_templates"]

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skrobust",),
    "reference_url": {"skrobust": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,  # collect every failing example, then fail
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = f"skrobust {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []


# sklearn's generated set_{method}_request methods document metadata routing with
# links into sklearn's own glossary, which do not resolve here.
_SKLEARN_REQUEST_METHOD = re.compile(r"set_\w+_request")

# sklearn's shape idiom "(n_features_in_,)": a trailing underscore is rST link syntax,
# so quote such names when they stand alone in a shape tuple.
_BARE_SHAPE_NAME = re.compile(r"\((\w+_),\)")


def _skip_member(app, what, name, obj, skip, options):
    return True if _SKLEARN_REQUEST_METHOD.fullmatch(name) else skip


def _quote_shape_names(app, what, name, obj, options, lines):
    lines[:] = [_BARE_SHAPE_NAME.sub(r"(``\1``,)", line) for line in lines]


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _quote_shape_names)
