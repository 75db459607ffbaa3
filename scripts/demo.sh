#!/usr/bin/env bash
# Set up .venv and run skrobust's main job: the paper's evaluation on the embedded
# MIRFLICKR photos (tables on stdout; figures and results.json in ./skrobust_output).
# "plots" draws the figures; "nlp" installs NLTK and provisions WordNet, which merges
# plural user tags (clouds -> cloud) before they are matched to the concepts;
# "features" (torch, the CNN weights, Pillow) is what `skrobust featurize` and
# `skrobust report` need, so that the command line's path from photos to a tagger
# (README) works in the same .venv after this script.
# Extra arguments go to `python -m skrobust demo` (e.g. --output DIR, --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "plots,nlp,features"
exec .venv/bin/python -m skrobust demo "$@"
