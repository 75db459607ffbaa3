#!/usr/bin/env bash
# Set up .venv and run skrobust's main job on the embedded data.
# Extra arguments go to `python -m skrobust demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh ""
exec .venv/bin/python -m skrobust demo "$@"
