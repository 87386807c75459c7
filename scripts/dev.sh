#!/usr/bin/env bash
# Runs the whole system locally: ensures a PostgreSQL (scripts/local-postgres.sh, unless MEMOS_DATABASE_URL is
# already set), builds the `memos` binary in release mode and runs `memos all`, which applies migrations, starts
# the ingest, retrieval, scheduler and gateway services, creates a dev user/cube/API key and prints the gateway
# URL and key. Extra arguments are passed to `memos all`.
set -euo pipefail
cd "$(dirname "$0")/.."

# local-postgres.sh prints MEMOS_DATABASE_URL unchanged when it is set.
MEMOS_DATABASE_URL="$(scripts/local-postgres.sh memos)"
export MEMOS_DATABASE_URL

scripts/install-deps.sh
MEMOS_MODEL_DIR="${MEMOS_MODEL_DIR:-$(scripts/fetch-model.sh)}"
export MEMOS_MODEL_DIR

swift build -c release --product memos
exec .build/release/memos all "$@"
