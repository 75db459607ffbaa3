#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv and install skrobust
# in editable mode with the extras named in $1 (comma-separated, e.g. "test,nlp").
# Idempotent: rerunning only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

# torch (array-API tests on torch CPU, CNN features): pin the CPU build that this
# project's machines carry on disk (pip finds it through their find-links), so no
# multi-GB CUDA wheel is downloaded. Override with SKROBUST_TORCH_SPEC.
case ",$extras," in
    *,test,*|*,torch,*|*,features,*)
        "${pip[@]}" "${SKROBUST_TORCH_SPEC:-torch==2.13.0}" ;;
esac

if [ -n "$extras" ]; then
    "${pip[@]}" -e ".[$extras]"
else
    "${pip[@]}" -e .
fi

case ",$extras," in
    *,nlp,*) bash scripts/provision_wordnet.sh ;;
esac
