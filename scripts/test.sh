#!/usr/bin/env bash
# Set up .venv with everything the tests need, then run the whole suite (CI runs this).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k calibration`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "test,nlp,plots,features,dask"
# sklearn's array-API estimator checks run only when SCIPY_ARRAY_API=1 is set before
# sklearn/scipy are first imported; without it they are skipped, not run.
export SCIPY_ARRAY_API=1
exec .venv/bin/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider "$@"
