#!/usr/bin/env bash
# Runs the tests, then validates every HTTP response body the integration tests received against the OpenAPI
# document (scripts/check-openapi.py; the tests record them in .build/http-exchanges.jsonl). The PostgreSQL-backed
# tests need MEMOS_TEST_DATABASE_URL: a URL to an existing database on a
# server where the user may CREATE DATABASE (each suite creates its own databases). When it is unset, a local
# server is ensured with scripts/local-postgres.sh and its `postgres` database is used. Arguments are passed to
# `swift test` (e.g. scripts/test.sh --filter MemOSCoreTests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${MEMOS_TEST_DATABASE_URL:-}" ]]; then
    # Ignore MEMOS_DATABASE_URL here: tests must never run against a configured (possibly real) database.
    MEMOS_TEST_DATABASE_URL="$(env -u MEMOS_DATABASE_URL scripts/local-postgres.sh postgres)"
fi
export MEMOS_TEST_DATABASE_URL
echo "test.sh: MEMOS_TEST_DATABASE_URL=$MEMOS_TEST_DATABASE_URL" >&2

scripts/install-deps.sh
# The MiniLM parity tests need the model; fetched once into .local/models.
MEMOS_MODEL_DIR="${MEMOS_MODEL_DIR:-$(scripts/fetch-model.sh)}"
export MEMOS_MODEL_DIR

# Every HTTP exchange of the integration tests, for the OpenAPI check below.
MEMOS_TEST_HTTP_EXCHANGES="$PWD/.build/http-exchanges.jsonl"
mkdir -p .build
: >"$MEMOS_TEST_HTTP_EXCHANGES"
export MEMOS_TEST_HTTP_EXCHANGES

swift test "$@"
scripts/check-openapi.py "$MEMOS_TEST_HTTP_EXCHANGES"
