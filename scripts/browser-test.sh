#!/usr/bin/env bash
# The memory browser (/ui) in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by
# selenium runs the main flows against a throw-away stack, and writes a screenshot of each page to docs/ui/.
#
#   scripts/browser-test.sh [--binary PATH] [--screenshots DIR]
#
# .ci/run calls it after the tests (about 15 s once Chromium and selenium are installed). Screenshots go to
# .local/browser-run/screenshots, or DIR (`--screenshots docs/ui` refreshes the docs' pictures).
#
# 1. Installs chromium and chromium-driver (Debian) when missing, and selenium into .local/browser-venv (pinned).
# 2. Starts `memos all` on free loopback ports over a fresh database (memos_browser) with the feature-hash embedder.
# 3. scripts/browser_test.py: signs in with the development key, finds through a search a memory added through the
#    API, opens it, deletes it and restores it, and signs in as another user, who sees none of the first user's
#    cubes; then a page served from another origin, allowed by MEMOS_CORS_ORIGINS, calls the gateway, and one
#    from an origin not allowed is refused by the browser. Any failed step fails the script (exit 1); the stack is
#    always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BINARY=.build/debug/memos
SHOTS=""
while (($#)); do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --screenshots) SHOTS="$2"; shift 2 ;;
        *) echo "browser-test.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ -x "$BINARY" ]] || { echo "browser-test.sh: no executable $BINARY (build it first)" >&2; exit 2; }
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
say() { printf 'browser-test.sh: %s\n' "$*" >&2; }

SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver ..."
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
fi
VENV="$ROOT/.local/browser-venv"
PINS="selenium==4.27.1"
if [[ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]] || ! "$VENV/bin/python" -c 'import selenium' 2>/dev/null; then
    say "installing $PINS into $VENV ..."
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check $PINS >&2
    echo "$PINS" >"$VENV/.pins"
fi

DB="memos_browser"
DB_URL="$(env -u MEMOS_DATABASE_URL scripts/local-postgres.sh "$DB")"
PG_PORT="$(sed -E 's#^postgres://[^@]*@127\.0\.0\.1:([0-9]+)/.*#\1#' <<<"$DB_URL")"
PGBIN="$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1)")"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\"" >&2

RUN="$ROOT/.local/browser-run"
rm -rf "$RUN"
mkdir -p "$RUN/state" "$RUN/screenshots"
SHOTS="${SHOTS:-$RUN/screenshots}"
mkdir -p "$SHOTS"
read -r GW INGEST RETRIEVAL SCHEDULER APP OTHER < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
for var in $(compgen -e | grep '^MEMOS_' || true); do unset "$var"; done
(
    cd "$RUN"
    exec env MEMOS_DATABASE_URL="$DB_URL" MEMOS_EMBEDDER=feature-hash MEMOS_RATE_LIMIT_RPS=0 \
        MEMOS_CORS_ORIGINS="http://127.0.0.1:$APP" \
        "$BINARY" all --state-dir "$RUN/state" --gateway-port "$GW" --ingest-port "$INGEST" \
        --retrieval-port "$RETRIEVAL" --scheduler-port "$SCHEDULER" --metrics-ports 0,0,0 \
        </dev/null >"$RUN/stack.log" 2>&1
) &
STACK=$!
trap 'kill -TERM $STACK 2>/dev/null || true; wait $STACK 2>/dev/null || true' EXIT
for _ in $(seq 1 900); do
    kill -0 "$STACK" 2>/dev/null || { say "memos all exited; its log:"; tail -n 30 "$RUN/stack.log" >&2; exit 1; }
    [[ -s "$RUN/state/dev-api-key" ]] && [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GW/readyz")" == 200 ]] && break
    sleep 0.1
done
say "stack ready on :$GW; running the browser"
"$VENV/bin/python" scripts/browser_test.py --gateway "http://127.0.0.1:$GW" \
    --key "$(tr -d '[:space:]' <"$RUN/state/dev-api-key")" --screenshots "$SHOTS" --app-port "$APP" \
    --other-port "$OTHER"
