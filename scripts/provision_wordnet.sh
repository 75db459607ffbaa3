#!/usr/bin/env bash
# Provision the WordNet 3.0 database for NLTK (skrobust.tags lemmatizes tags with it).
#
# Offline route (CI uses it): Debian's `wordnet-base` and `wordnet-sense-index` put the
# dict files in /usr/share/wordnet. NLTK reads them only from
# <dir on nltk.data.path>/corpora/wordnet/, as real files (not symlinks) in directories
# no other account can write to, and it also needs a `lexnames` file Debian does not
# ship. We copy them into <venv>/share/nltk_data, which NLTK searches as
# sys.prefix/share/nltk_data, and write `lexnames` from lexnames(5WN).
# Online fallback when apt cannot be used: `python -m nltk.downloader -d <dir> wordnet`.
#
# Idempotent: when the copy is already complete and identical it only checks and exits.
# Usage: bash scripts/provision_wordnet.sh        (from anywhere; uses <repo>/.venv)
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-.venv/bin/python}"
if [ ! -x "$python" ]; then
    echo "provision_wordnet: $python not found; create the venv first (bash scripts/setup.sh nlp)" >&2
    exit 1
fi
prefix="$("$python" -c 'import sys; print(sys.prefix)')"
data_root="$prefix/share/nltk_data"
dest="$data_root/corpora/wordnet"
src=/usr/share/wordnet
packages=(wordnet-base wordnet-sense-index)
# What NLTK's WordNetCorpusReader opens (its _FILES), less `lexnames`, written below.
files=(adj.exc adv.exc noun.exc verb.exc cntlist.rev index.sense
       index.adj index.adv index.noun index.verb data.adj data.adv data.noun data.verb)

write_lexnames() {
    # Lexicographer file numbers, names and syntactic category (1 noun, 2 verb,
    # 3 adjective, 4 adverb), as listed in lexnames(5WN) of WordNet 3.0.
    local out="$1"
    {
        n=0
        for entry in adj.all:3 adj.pert:3 adv.all:4 noun.Tops:1 noun.act:1 noun.animal:1 \
            noun.artifact:1 noun.attribute:1 noun.body:1 noun.cognition:1 \
            noun.communication:1 noun.event:1 noun.feeling:1 noun.food:1 noun.group:1 \
            noun.location:1 noun.motive:1 noun.object:1 noun.person:1 noun.phenomenon:1 \
            noun.plant:1 noun.possession:1 noun.process:1 noun.quantity:1 \
            noun.relation:1 noun.shape:1 noun.state:1 noun.substance:1 noun.time:1 \
            verb.body:2 verb.change:2 verb.cognition:2 verb.communication:2 \
            verb.competition:2 verb.consumption:2 verb.contact:2 verb.creation:2 \
            verb.emotion:2 verb.motion:2 verb.perception:2 verb.possession:2 \
            verb.social:2 verb.stative:2 verb.weather:2 adj.ppl:3; do
            printf '%02d\t%s\t%s\n' "$n" "${entry%%:*}" "${entry##*:}"
            n=$((n + 1))
        done
    } > "$out"
}

# True when every file is a regular file (not a link) identical to the Debian copy.
copy_is_current() {
    [ -d "$src" ] && [ -f "$dest/lexnames" ] && [ ! -L "$dest/lexnames" ] || return 1
    local f
    for f in "${files[@]}"; do
        [ -f "$dest/$f" ] && [ ! -L "$dest/$f" ] && cmp -s "$src/$f" "$dest/$f" || return 1
    done
}

packages_installed() {
    local p status
    for p in "${packages[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
        [ "$status" = "install ok installed" ] || return 1
    done
}

# Root, or passwordless sudo, can install packages; anyone else goes online.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo -n "$@"; else return 1; fi
}

verify() {
    "$python" - <<'EOF'
import warnings
warnings.filterwarnings("ignore", message="The multilingual functions")
from nltk.stem import WordNetLemmatizer
lem = WordNetLemmatizer()
got = {w: lem.lemmatize(w, pos="n") for w in ("cars", "geese", "churches", "glass", "bus", "news")}
want = {"cars": "car", "geese": "goose", "churches": "church",
        "glass": "glass", "bus": "bus", "news": "news"}
assert got == want, got
print("provision_wordnet: NLTK WordNet lemmatizer OK", got)
EOF
}

# find_spec, not import: importing nltk takes about a second, too slow for the no-op path.
if ! "$python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("nltk") is None)'; then
    echo "provision_wordnet: installing nltk into the venv" >&2
    "$python" -m pip install --quiet --disable-pip-version-check "nltk>=3.9"
fi

if copy_is_current; then
    echo "provision_wordnet: WordNet already provisioned in $dest"
    exit 0
fi

if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null \
        && { packages_installed || as_root true; }; then
    if ! packages_installed; then
        echo "provision_wordnet: installing ${packages[*]} with apt-get" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    fi
    # Private directories and files: NLTK refuses data that other accounts can write.
    install -d -m 0755 "$data_root" "$data_root/corpora" "$dest"
    for f in "${files[@]}"; do
        install -m 0644 "$src/$f" "$dest/$f"     # a real copy: NLTK refuses symlinks
    done
    write_lexnames "$dest/lexnames.tmp"
    chmod 0644 "$dest/lexnames.tmp"
    mv -f "$dest/lexnames.tmp" "$dest/lexnames"
    echo "provision_wordnet: copied WordNet 3.0 from $src to $dest"
else
    echo "provision_wordnet: apt-get unavailable; downloading with NLTK (needs internet)" >&2
    install -d -m 0755 "$data_root"
    "$python" -m nltk.downloader -q -d "$data_root" wordnet
fi

verify
