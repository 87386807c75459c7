#!/usr/bin/env bash
# Installs the Debian packages the build and the services need when they are missing: libopenblas-dev (the built-in
# embedder's matrix products), libxml2-dev (the HTML parser of documents) and poppler-utils (pdftotext and pdfinfo,
# which read PDF documents in a subprocess). PostgreSQL is installed by scripts/local-postgres.sh when a local
# server is needed.
set -euo pipefail
SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo"
missing=()
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev pkg-config)
pkg-config --exists libxml-2.0 2>/dev/null || missing+=(libxml2-dev pkg-config)
command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null || missing+=(poppler-utils)
if ((${#missing[@]})); then
    echo "install-deps.sh: installing ${missing[*]} ..." >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
