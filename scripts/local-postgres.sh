#!/usr/bin/env bash
# Ensures a local PostgreSQL for development and tests and prints its connection URL (only the URL) on stdout.
#
#   scripts/local-postgres.sh [DBNAME]   start (creating once) the local cluster, create DBNAME (default: memos)
#                                        if missing, print postgres://postgres@127.0.0.1:PORT/DBNAME
#   scripts/local-postgres.sh stop       stop the local server
#
# When MEMOS_DATABASE_URL is set it is printed unchanged and nothing else happens.
#
# Another server build and place can be chosen (scripts/pgvector-server.sh does): LOCAL_POSTGRES_BIN (a folder
# with initdb, pg_ctl, psql ...), LOCAL_POSTGRES_DIR (instead of .local/postgres) and LOCAL_POSTGRES_OPTIONS
# (more server options, e.g. "-c shared_buffers=1GB").
#
# The cluster lives in .local/postgres/ under the repository root (git-ignored): data/ (PGDATA), port (the
# loopback port chosen on first run), postgres.log, run/ (Unix socket). The server runs as the `postgres`
# system user when this script runs as root (initdb and pg_ctl refuse root). If the repository path is not
# traversable by that user, the cluster goes to /var/tmp/memos-postgres-<hash of repo path> instead.
# Authentication is `trust` and the server listens on 127.0.0.1 only.
set -euo pipefail

# Everything goes to stderr except the final URL, which goes to fd 3 (the original stdout).
exec 3>&1 1>&2

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ACTION="${1:-memos}"

if [[ "$ACTION" != "stop" && -n "${MEMOS_DATABASE_URL:-}" ]]; then
    printf '%s\n' "$MEMOS_DATABASE_URL" >&3
    exit 0
fi

IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1

# Runs a command as the cluster owner (postgres when we are root, ourselves otherwise).
as_pg() {
    if ((IS_ROOT)); then runuser -u postgres -- "$@"; else "$@"; fi
}

find_pgbin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [[ -x "$d/initdb" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

PGBIN="${LOCAL_POSTGRES_BIN:-$(find_pgbin || true)}"
if [[ -z "$PGBIN" ]]; then
    [[ "$ACTION" == "stop" ]] && exit 0
    echo "local-postgres: installing PostgreSQL server (apt-get install postgresql) ..."
    SUDO=""
    ((IS_ROOT)) || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    PGBIN="$(find_pgbin)" || { echo "local-postgres: no initdb under /usr/lib/postgresql/*/bin"; exit 1; }
fi

# Where the cluster lives.
BASE="${LOCAL_POSTGRES_DIR:-$ROOT/.local/postgres}"
if ((IS_ROOT)) && ! runuser -u postgres -- test -x "$ROOT"; then
    # The repository path (e.g. under /root, mode 700) is not traversable by the postgres user.
    BASE="/var/tmp/memos-postgres-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)${LOCAL_POSTGRES_DIR:+-${LOCAL_POSTGRES_DIR##*/}}"
    echo "local-postgres: $ROOT is not traversable by user postgres; cluster lives in $BASE"
fi
DATA="$BASE/data"
PORTFILE="$BASE/port"
LOG="$BASE/postgres.log"
SOCKDIR="$BASE/run"
# Unix socket paths are limited to ~107 bytes; without room, listen on TCP only.
((${#SOCKDIR} > 80)) && SOCKDIR=""

mkdir -p "$BASE"
((IS_ROOT)) && chown postgres: "$BASE"

# Serialise concurrent invocations (e.g. two test runs starting at once).
exec 9>"$BASE/lock"
flock 9

server_running() {
    [[ -f "$DATA/PG_VERSION" ]] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

if [[ "$ACTION" == "stop" ]]; then
    if server_running; then
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop
    else
        echo "local-postgres: not running"
    fi
    exit 0
fi
DBNAME="$ACTION"

# Port probes use python3 when available; otherwise a bash /dev/tcp probe and a random port.
port_free() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
    else
        ! (exec 8<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

pick_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        if port_free "$p"; then
            echo "$p"
            return
        fi
    done
}

# Create the cluster once.
if [[ ! -f "$DATA/PG_VERSION" ]]; then
    echo "local-postgres: creating cluster in $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    ((IS_ROOT)) && chown postgres: "$DATA"
    chmod 700 "$DATA"
    as_pg "$PGBIN/initdb" -D "$DATA" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null ||
        {
            echo "local-postgres: initdb with C.UTF-8 failed; retrying with --no-locale"
            find "$DATA" -mindepth 1 -delete
            as_pg "$PGBIN/initdb" -D "$DATA" -A trust -U postgres --encoding=UTF8 --no-locale >/dev/null
        }
    rm -f "$PORTFILE"
fi

# Start the server if needed, on the recorded port (or a fresh one if that is unset or now taken).
# The server must not inherit fds beyond 0-2 (fd 3 is our stdout, often a $(...) pipe; fd 9 is the lock), else
# callers waiting for EOF hang: close them all in the subshell that runs pg_ctl.
if ! server_running; then
    PORT="$(cat "$PORTFILE" 2>/dev/null || true)"
    if [[ ! "$PORT" =~ ^[0-9]+$ ]] || ! port_free "$PORT"; then
        [[ -n "$PORT" ]] && echo "local-postgres: port $PORT is taken; choosing another"
        PORT="$(pick_port)"
        echo "$PORT" >"$PORTFILE"
    fi
    if [[ -n "$SOCKDIR" ]]; then
        mkdir -p "$SOCKDIR"
        ((IS_ROOT)) && chown postgres: "$SOCKDIR"
    fi
    touch "$LOG"
    ((IS_ROOT)) && chown postgres: "$LOG"
    # The tests run many whole stacks at once, each with a pool of its own (two connections of which LISTEN), and
    # some start real processes with pools of their own: 400 was seen exhausted ("too many clients already").
    MAX_CONNECTIONS=1000
    echo "local-postgres: starting server on 127.0.0.1:$PORT (log: $LOG)"
    if ! (
        for fd in /proc/$BASHPID/fd/*; do
            fd="${fd##*/}"
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
            -o "-p $PORT -k '$SOCKDIR' -c listen_addresses=127.0.0.1 -c max_connections=$MAX_CONNECTIONS ${LOCAL_POSTGRES_OPTIONS:-}" start >/dev/null
    ); then
        echo "local-postgres: server failed to start; last log lines:"
        tail -n 20 "$LOG"
        exit 1
    fi
fi
PORT="$(cat "$PORTFILE")"

for ((i = 0; i < 60; i++)); do
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
done
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" ||
    { echo "local-postgres: server not ready on 127.0.0.1:$PORT after 30 s (log: $LOG)"; exit 1; }

if [[ ! "$DBNAME" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "local-postgres: invalid database name '$DBNAME'"
    exit 2
fi
if [[ "$("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$DBNAME'")" != 1 ]]; then
    echo "local-postgres: creating database $DBNAME"
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DBNAME"
fi

printf 'postgres://postgres@127.0.0.1:%s/%s\n' "$PORT" "$DBNAME" >&3
