#!/usr/bin/env bash
# Build the documentation (HTML in docs/_build/html) with warnings as errors, running
# every gallery example, then run the docstring examples as doctests.
# Extra arguments go to sphinx-build, e.g. `bash scripts/docs.sh -E` for a clean build.
set -euo pipefail
cd "$(dirname "$0")/.."
# The test extras' superset plus docs: one .venv serves scripts/test.sh and this
# script, and every module the API reference imports is installed (nlp brings WordNet
# for the TagVectorizer examples).
bash scripts/setup.sh "test,docs,nlp,plots,features,dask"
export MPLBACKEND=Agg
.venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
# Docstring examples (pytest collects them from skrobust/ with --doctest-modules, set
# in pyproject.toml) and the check that every public name documents its sections.
SCIPY_ARRAY_API=1 .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 \
    skrobust tests/test_docstrings.py
