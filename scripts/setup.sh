#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv and install skrobust
# in editable mode with the extras named in $1 (comma-separated, e.g. "test,nlp").
#
# Idempotent and quick when nothing changed: after a successful install a stamp file
# in .venv records a hash of pyproject.toml, the extras and the torch requirement.
# When that stamp is there and .venv's skrobust is this checkout's editable install,
# pip is not run at all (its "already satisfied" pass took about 10 s on every run of
# scripts/*.sh). Editing pyproject.toml, asking for other extras or another torch
# changes the hash, and the next run installs again. SKROBUST_SETUP_FORCE=1 always
# reinstalls.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

# torch (array-API tests on torch CPU, CNN features) is installed before skrobust,
# pinned, because an unpinned "torch" (what the extras ask for: torch>=2.1) makes pip
# fetch the newest release, on Linux a CUDA build of several GB. 2.13.0 is pinned
# because this project's machines carry a CPU wheel of exactly that version on disk
# (pip finds it through their pip configuration's find-links): there it installs
# offline in seconds. Elsewhere pip downloads torch 2.13.0 from PyPI, which on Linux
# is that large CUDA build. Override the requirement with SKROBUST_TORCH_SPEC, e.g.
#   SKROBUST_TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
# for PyTorch's CPU builds, or SKROBUST_TORCH_SPEC= (empty) to install no torch here
# and keep the one the environment has (the extras then accept any torch >= 2.1).
torch_spec="${SKROBUST_TORCH_SPEC-torch==2.13.0}"
case ",$extras," in
    *,test,*|*,torch,*|*,features,*) ;;
    *) torch_spec="" ;;  # these extras need no torch
esac

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi

# The stamp's name: one hash of pyproject.toml, another of the extras and torch.
# -I: run isolated, so nothing from the current directory or PYTHONPATH is read.
read -r project_hash request_hash < <(
    .venv/bin/python -I - "$extras" "$torch_spec" <<'EOF'
import hashlib, sys
with open("pyproject.toml", "rb") as f:
    project = hashlib.sha256(f.read()).hexdigest()[:16]
request = hashlib.sha256("\n".join(sys.argv[1:]).encode()).hexdigest()[:16]
print(project, request)
EOF
)
stamp=".venv/.skrobust-setup-$project_hash-$request_hash"

installed_from_here() {
    # Is .venv's skrobust this checkout's editable install? Found without importing it.
    .venv/bin/python -I - "$PWD" <<'EOF'
import importlib.util, os, sys
spec = importlib.util.find_spec("skrobust")
here = os.path.realpath(sys.argv[1]) + os.sep
sys.exit(0 if spec and spec.origin and os.path.realpath(spec.origin).startswith(here) else 1)
EOF
}

if [ -z "${SKROBUST_SETUP_FORCE:-}" ] && [ -f "$stamp" ] && installed_from_here; then
    echo "setup: .venv already has skrobust[${extras}] for this pyproject.toml; nothing" \
        "to install (SKROBUST_SETUP_FORCE=1 reinstalls)"
else
    pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
    if [ -n "$torch_spec" ]; then
        # Word-split on purpose (the spec may carry pip options, --index-url ...),
        # without globbing (a spec such as torch[opt] must not match file names).
        set -f
        # shellcheck disable=SC2086
        "${pip[@]}" $torch_spec
        set +f
    fi
    if [ -n "$extras" ]; then
        "${pip[@]}" -e ".[$extras]"
    else
        "${pip[@]}" -e .
    fi
    # Stamps of an older pyproject.toml are stale; those of other extras still hold.
    for old in .venv/.skrobust-setup-*; do
        case "$old" in
            ".venv/.skrobust-setup-$project_hash-"*) ;;
            *) rm -f "$old" ;;
        esac
    done
    touch "$stamp"
fi

case ",$extras," in
    *,nlp,*) bash scripts/provision_wordnet.sh ;;  # itself a quick check when done
esac
