#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing: libopenblas-dev (the built-in embedder's
# matrix products). PostgreSQL is installed by scripts/local-postgres.sh when a local server is needed.
set -euo pipefail
SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo"
if ! pkg-config --exists openblas 2>/dev/null; then
    echo "install-deps.sh: installing libopenblas-dev ..." >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev pkg-config >&2
fi
