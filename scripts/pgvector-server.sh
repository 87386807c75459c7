#!/usr/bin/env bash
# A PostgreSQL 16 with pgvector for the search benchmark's baseline (`memos-bench search --pgvector-url`), from
# the PyPI package pgserver (which bundles both). Benchmarks only: the product never uses pgvector.
#
#   scripts/pgvector-server.sh [DBNAME]   install pgserver into .local/pgserver-venv (pip, once), start (creating
#                                         once) a cluster in .local/pgvector, create DBNAME (default: postgres) and
#                                         print postgres://postgres@127.0.0.1:PORT/DBNAME on stdout
#   scripts/pgvector-server.sh stop       stop that server
#
# The server is started by scripts/local-postgres.sh with pgserver's binaries: TCP on 127.0.0.1 (pgserver's own
# Python launcher listens on a Unix socket only, which PostgresNIO's URL form cannot name), shared_buffers 1 GB.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.local/pgserver-venv"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import pgserver' 2>/dev/null; then
    echo "pgvector-server: installing pgserver into $VENV" >&2
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet pgserver >&2
fi
PGBIN="$("$VENV/bin/python" -W ignore -c 'import pgserver._commands as c; print(c.POSTGRES_BIN_PATH)')"
# The server runs as the postgres user when we are root: it must be able to read pgserver's files.
chmod -R a+rX "$(dirname "$PGBIN")"

exec env -u MEMOS_DATABASE_URL LOCAL_POSTGRES_BIN="$PGBIN" LOCAL_POSTGRES_DIR="$ROOT/.local/pgvector" \
    LOCAL_POSTGRES_OPTIONS="-c shared_buffers=1GB" "$ROOT/scripts/local-postgres.sh" "${1:-postgres}"
