#!/usr/bin/env bash
# Multi-host test: runs a MemOS-Swift deployment as separate hosts on a private network (one Linux network
# namespace per process, joined by a bridge), with two retrieval replicas behind nginx as a gRPC proxy, checks
# that the gateway serves writes and searches across the network, then kills the retrieval replica that served
# with -9 and measures how long searches through the gateway take to succeed again. Exits non-zero on any
# failure, naming the step and printing the tail of the logs that matter.
#
#   scripts/multihost-test.sh [--binary PATH] [--keep-logs DIR]
#
#   --binary     the memos executable (default .build/debug/memos); it is not built here. The hosts run a copy of
#                it, so that a rebuild during the run changes nothing.
#   --keep-logs  copy every log (the processes', PostgreSQL's, nginx's access and error logs, the measurements)
#                to DIR at the end, passed or failed; otherwise they are deleted with the rest.
#
# Needs: root (network namespaces, veth pairs, a bridge; initdb and pg_ctl run as user postgres), iproute2,
# python3 (standard library only: scripts/multihost_check.py), PostgreSQL's server under
# /usr/lib/postgresql/*/bin and nginx (both installed with apt-get when missing). A run takes 15-30 s with a debug
# build, half of it the 20 searches after the failover, 0.6 s apart.
#
# What it does:
#   1. Network: namespace memos-mh-hub holds a bridge (nothing of the host's network is touched: no address,
#      route or firewall rule outside the namespaces); each of postgres, ingest, retrieval-1, retrieval-2,
#      scheduler, proxy (nginx), gateway and client gets a namespace memos-mh-NAME with a veth into the bridge and
#      an address on MULTIHOST_NET.0/24 (default 10.77.0.0/24): postgres .2, ingest .10, retrieval-1 .11,
#      retrieval-2 .12, scheduler .13, proxy .20, gateway .30, client .100. Leftovers of an earlier run (its
#      namespaces, their processes, its run directory) are removed first.
#   2. A throw-away PostgreSQL cluster (initdb as user postgres, trust for the subnet) listening on the postgres
#      host's address; database memos made from the client host; `memos migrate` from the ingest host.
#   3. `memos ingest`, `memos retrieval` twice, `memos scheduler` (MEMOS_ADMIN_KEY: a random admin key), each with
#      MEMOS_HOST its own address and the default ports; nginx on the proxy host, a gRPC proxy on :50052 to the two
#      replicas (upstream hashed on the x-memos-cube header, consistent, calls without it all to one replica;
#      grpc_next_upstream error timeout non_idempotent; access log with $upstream_addr), the configuration of
#      deploy/nginx/retrieval-shards.conf;
#      the gateway with MEMOS_RETRIEVAL_ADDR the proxy and no database URL. Feature-hash embedder, no rate limit,
#      no LLM, every MEMOS_* variable of the caller's environment removed.
#   4. From the client host, each process must answer `memos health` (the gateway `--http`, the replicas also
#      through the proxy) within 90 s, the gateway's /readyz 200 and every process's GET /metrics 200; then over
#      HTTP with the admin key: user `multihost` with an API key and cube `multihost`; 5 memories (POST
#      /v1/memories); a search (POST /v1/search) must find the expected one within 20 s.
#   5. Failover: the replica that served that search (nginx's access log) is killed with -9 by the client, which
#      then searches every 0.1 s until one succeeds with the expected hit (within 60 s); then 20 more, 0.6 s apart
#      (past nginx's 10 s fail_timeout, when it tries the dead replica again), must all succeed; every other
#      process must still run.
#      Prints "failover: searches served again N.NN s after kill -9 of retrieval-X".
#   Everything started here is stopped and the namespaces, bridge and run directory removed on exit (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BINARY=.build/debug/memos
KEEP_LOGS=""
while (($#)); do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --binary=*) BINARY="${1#*=}"; shift ;;
        --keep-logs) KEEP_LOGS="$2"; shift 2 ;;
        --keep-logs=*) KEEP_LOGS="${1#*=}"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "multihost-test.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ -x "$BINARY" ]] ||
    { echo "multihost-test.sh: no executable $BINARY (build it first, e.g. swift build --product memos)" >&2; exit 2; }
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
[[ -z "$KEEP_LOGS" ]] || KEEP_LOGS="$(mkdir -p "$KEEP_LOGS" && cd "$KEEP_LOGS" && pwd)"
[[ "$(id -u)" == 0 ]] || { echo "multihost-test.sh: must run as root (network namespaces)" >&2; exit 2; }
command -v ip >/dev/null || { echo "multihost-test.sh: ip is needed (apt-get install iproute2)" >&2; exit 2; }
PYTHON="$(command -v python3)" || { echo "multihost-test.sh: python3 is needed" >&2; exit 2; }

STARTED_AT=$EPOCHREALTIME
say() { printf 'multihost-test.sh: [%6s s] %s\n' "$(elapsed "$STARTED_AT" "$EPOCHREALTIME")" "$*" >&2; }
usec() { local t="${1/./}"; echo $((10#$t)); } # EPOCHREALTIME → µs
elapsed() { local d=$(($(usec "$2") - $(usec "$1"))); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }

# ---- hosts --------------------------------------------------------------------------------------------------------
NET="${MULTIHOST_NET:-10.77.0}" # the /24 of the test network
[[ "$NET" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    { echo "multihost-test.sh: MULTIHOST_NET must look like 10.77.0" >&2; exit 2; }
HOSTS=(postgres ingest retrieval-1 retrieval-2 scheduler proxy gateway client)
declare -A ADDR=([postgres]=$NET.2 [ingest]=$NET.10 [retrieval-1]=$NET.11 [retrieval-2]=$NET.12 [scheduler]=$NET.13
    [proxy]=$NET.20 [gateway]=$NET.30 [client]=$NET.100)
HUB=memos-mh-hub
nsname() { echo "memos-mh-$1"; }
on() { local host="$1"; shift; ip netns exec "$(nsname "$host")" "$@"; } # runs a command on a host
RUN="${TMPDIR:-/tmp}/memos-multihost"
PG_PORT=5432
GW="http://${ADDR[gateway]}:8080"

# Stops every process in the test's namespaces (they are all this script's, from this run or an earlier one),
# PostgreSQL last, then deletes the namespaces (the bridge and veths go with them).
teardown() {
    local host ns pids=() p
    for host in "${HOSTS[@]}"; do
        [[ "$host" == postgres ]] && continue
        ns="$(nsname "$host")"
        [[ -e "/run/netns/$ns" ]] || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$p"); done
    done
    if ((${#pids[@]})); then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 1 100); do
            local alive=0
            for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
            ((alive)) || break
            sleep 0.1
        done
        kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    ns="$(nsname postgres)"
    if [[ -e "/run/netns/$ns" ]]; then
        # The postmaster's fast shutdown; whatever is left of the cluster after 10 s is killed.
        [[ -s "$RUN/pg/data/postmaster.pid" ]] && kill -INT "$(head -n 1 "$RUN/pg/data/postmaster.pid")" 2>/dev/null
        for _ in $(seq 1 100); do
            [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break
            sleep 0.1
        done
        pids=($(ip netns pids "$ns" 2>/dev/null))
        ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    for host in "${HOSTS[@]}" hub; do
        ns="$(nsname "$host")"
        [[ -e "/run/netns/$ns" ]] && { ip netns del "$ns" 2>/dev/null || say "could not delete namespace $ns"; }
    done
    return 0
}

STEP="setting up"
STEP_LOGS=""
fail() { # message [log...]: the failing step, the message and the tail of each log named, then exit 1
    say "FAILED at step '$STEP': $1"
    shift
    local log
    for log in "$@" $STEP_LOGS; do
        [[ -s "$RUN/$log" ]] || continue
        printf -- '---- last lines of %s ----\n' "$log" >&2
        tail -n 25 "$RUN/$log" >&2
    done
    STEP_LOGS=""
    exit 1
}
on_exit() {
    local rc=$?
    trap - EXIT
    if ((rc != 0)) && [[ -n "$STEP_LOGS" ]]; then
        say "failed (status $rc) at step '$STEP'"
        for log in $STEP_LOGS; do
            [[ -s "$RUN/$log" ]] || continue
            printf -- '---- last lines of %s ----\n' "$log" >&2
            tail -n 25 "$RUN/$log" >&2
        done
    fi
    teardown
    if [[ -n "$KEEP_LOGS" && -d "$RUN" ]]; then
        find "$RUN" -maxdepth 1 -type f \( -name '*.log' -o -name '*.json' -o -name '*.txt' -o -name '*.conf' \) \
            -exec cp {} "$KEEP_LOGS/" \;
        [[ -f "$RUN/pg/postgres.log" ]] && cp "$RUN/pg/postgres.log" "$KEEP_LOGS/"
        say "logs kept in $KEEP_LOGS"
    fi
    rm -rf "$RUN"
    say "$( ((rc == 0)) && echo passed || echo "FAILED (status $rc)") in $(elapsed "$STARTED_AT" "$EPOCHREALTIME") s"
    exit "$rc"
}

# ---- 1. network ---------------------------------------------------------------------------------------------------
say "removing leftovers of an earlier run"
teardown
rm -rf "$RUN"
trap on_exit EXIT
trap 'exit 130' INT TERM
mkdir -p "$RUN"
chmod 755 "$RUN"
MEMOS="$RUN/memos"
cp "$BINARY" "$MEMOS"

# Packages: PostgreSQL's server and nginx, from Debian when missing.
find_pgbin() {
    local d
    d="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
    [[ -n "$d" ]] && dirname "$d"
}
MISSING=()
find_pgbin >/dev/null || MISSING+=(postgresql)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || MISSING+=(nginx)
if ((${#MISSING[@]})); then
    STEP="installing ${MISSING[*]}"
    say "installing ${MISSING[*]} (apt-get)"
    STEP_LOGS="apt.log"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${MISSING[@]}"; } >"$RUN/apt.log" 2>&1 ||
        fail "apt-get install ${MISSING[*]} failed"
fi
PGBIN="$(find_pgbin)" || fail "no initdb under /usr/lib/postgresql/*/bin"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

STEP="network"
STEP_LOGS=""
say "network: bridge in $HUB, ${#HOSTS[@]} hosts on $NET.0/24"
ip netns add "$HUB"
ip -n "$HUB" link set lo up
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
for host in "${HOSTS[@]}"; do
    ns="$(nsname "$host")"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$HUB" link add "v-$host" type veth peer name eth0 netns "$ns"
    ip -n "$HUB" link set "v-$host" master br0 up
    ip -n "$ns" addr add "${ADDR[$host]}/24" dev eth0
    ip -n "$ns" link set eth0 up
done

# ---- 2. PostgreSQL ------------------------------------------------------------------------------------------------
STEP="PostgreSQL"
STEP_LOGS="initdb.log pg/postgres.log"
say "PostgreSQL ($PGBIN) on ${ADDR[postgres]}:$PG_PORT"
mkdir -p "$RUN/pg/run"
chown -R postgres: "$RUN/pg"
runuser -u postgres -- test -x "$RUN/pg" ||
    fail "user postgres cannot reach $RUN (a parent folder is not traversable): set TMPDIR to another folder"
runuser -u postgres -- "$PGBIN/initdb" -D "$RUN/pg/data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 \
    >"$RUN/initdb.log" 2>&1 || {
    rm -rf "$RUN/pg/data"
    runuser -u postgres -- "$PGBIN/initdb" -D "$RUN/pg/data" -A trust -U postgres --encoding=UTF8 --no-locale \
        >>"$RUN/initdb.log" 2>&1
} || fail "initdb failed"
echo "host all all $NET.0/24 trust" >>"$RUN/pg/data/pg_hba.conf"
# The server must not inherit the script's descriptors beyond 0-2 (a caller's pipe would stay open).
(
    for fd in /proc/$BASHPID/fd/*; do
        fd="${fd##*/}"
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    on postgres runuser -u postgres -- "$PGBIN/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/postgres.log" -w -t 30 \
        -o "-p $PG_PORT -k '$RUN/pg/run' -c listen_addresses=${ADDR[postgres]} -c max_connections=200" start
) </dev/null >"$RUN/pg_ctl.log" 2>&1 || fail "pg_ctl start failed" pg_ctl.log
# From the client host: the server is reachable across the network.
on client "$PGBIN/createdb" -h "${ADDR[postgres]}" -p "$PG_PORT" -U postgres memos >"$RUN/createdb.log" 2>&1 ||
    fail "createdb from the client host failed" createdb.log
DB_URL="postgres://postgres@${ADDR[postgres]}:$PG_PORT/memos"

# ---- 3. the processes ---------------------------------------------------------------------------------------------
for var in $(compgen -e | grep '^MEMOS_' || true); do unset "$var"; done
ADMIN_KEY="multihost-admin-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
COMMON=(MEMOS_EMBEDDER=feature-hash MEMOS_DB_WAIT_SECONDS=60 MEMOS_DATABASE_URL="$DB_URL")

STEP="memos migrate"
STEP_LOGS="migrate.log"
say "memos migrate (from the ingest host)"
(cd "$RUN" && on ingest env "${COMMON[@]}" "$MEMOS" migrate) </dev/null >"$RUN/migrate.log" 2>&1 ||
    fail "memos migrate failed"

declare -A PID=()
start() { # host env... -- args...: starts the process on its host, logging to RUN/HOST.log; sets PID[HOST]
    local host="$1" envs=()
    shift
    while [[ "$1" != -- ]]; do envs+=("$1"); shift; done
    shift
    printf '==== multihost-test.sh: starting %s on %s at %s\n' "$host" "${ADDR[$host]}" "$(date -u +%FT%T.%3NZ)" \
        >>"$RUN/$host.log"
    # ip netns exec and env exec the program: $! is its PID.
    (cd "$RUN" && exec ip netns exec "$(nsname "$host")" env "${envs[@]}" "$@") </dev/null >>"$RUN/$host.log" 2>&1 &
    PID[$host]=$!
    disown # no "Killed" notice from bash for the replica killed on purpose; teardown stops them all by namespace
}
alive() { [[ -r "/proc/$1/stat" && "$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null)" != Z ]]; } # PID runs

STEP="starting the services"
STEP_LOGS=""
say "starting ingest, retrieval-1, retrieval-2, scheduler"
start ingest "${COMMON[@]}" MEMOS_HOST="${ADDR[ingest]}" -- "$MEMOS" ingest
start retrieval-1 "${COMMON[@]}" MEMOS_HOST="${ADDR[retrieval-1]}" -- "$MEMOS" retrieval
start retrieval-2 "${COMMON[@]}" MEMOS_HOST="${ADDR[retrieval-2]}" -- "$MEMOS" retrieval
start scheduler "${COMMON[@]}" MEMOS_HOST="${ADDR[scheduler]}" MEMOS_ADMIN_KEY="$ADMIN_KEY" -- "$MEMOS" scheduler

# nginx: the configuration of deploy/nginx/retrieval-shards.conf, with this network's addresses and the run's paths.
mkdir -p "$RUN/nginx/tmp"
chmod 777 "$RUN/nginx/tmp"
cat >"$RUN/nginx.conf" <<EOF
# multihost-test.sh: the proxy host's nginx (see deploy/nginx/retrieval-shards.conf)
daemon off;
worker_processes 1;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx-error.log info;
events { worker_connections 1024; }
http {
    client_body_temp_path $RUN/nginx/tmp/body;
    proxy_temp_path $RUN/nginx/tmp/proxy;
    fastcgi_temp_path $RUN/nginx/tmp/fastcgi;
    uwsgi_temp_path $RUN/nginx/tmp/uwsgi;
    scgi_temp_path $RUN/nginx/tmp/scgi;

    # The cube a call names (x-memos-cube); calls without one all go to one replica: nginx would spread a call
    # with an empty hash key round-robin instead.
    map \$http_x_memos_cube \$memos_cube_key {
        ""      "-";
        default \$http_x_memos_cube;
    }

    log_format grpc_upstream '\$time_iso8601\t\$request_uri\t\$status\t\$upstream_addr\t\$upstream_status\t'
                             '\$upstream_trailer_grpc_status\t\$upstream_http_grpc_status\t\$request_time\t'
                             '\$upstream_connect_time\t\$http_x_memos_cube';

    upstream retrieval {
        hash \$memos_cube_key consistent;
        server ${ADDR[retrieval-1]}:50052 max_fails=1 fail_timeout=10s;
        server ${ADDR[retrieval-2]}:50052 max_fails=1 fail_timeout=10s;
        keepalive 32;
    }

    server {
        listen ${ADDR[proxy]}:50052 http2;
        access_log $RUN/nginx-access.log grpc_upstream;
        client_max_body_size 8m;
        keepalive_timeout 1h;
        keepalive_requests 100000;

        location / {
            grpc_pass grpc://retrieval;
            grpc_next_upstream error timeout non_idempotent;
            grpc_next_upstream_tries 2;
            grpc_next_upstream_timeout 5s;
            grpc_connect_timeout 1s;
            grpc_send_timeout 60s;
            grpc_read_timeout 60s;
            grpc_socket_keepalive on;
        }
    }
}
EOF
STEP="nginx"
STEP_LOGS="nginx.log nginx-error.log"
on proxy "$NGINX" -t -c "$RUN/nginx.conf" >"$RUN/nginx.log" 2>&1 || fail "nginx -t rejected the configuration"
say "starting nginx (proxy host), the gateway"
start proxy -- "$NGINX" -c "$RUN/nginx.conf"
STEP="starting the services"
STEP_LOGS=""
start gateway MEMOS_HOST="${ADDR[gateway]}" MEMOS_RATE_LIMIT_RPS=0 \
    MEMOS_INGEST_ADDR="${ADDR[ingest]}:50051" MEMOS_RETRIEVAL_ADDR="${ADDR[proxy]}:50052" \
    MEMOS_SCHEDULER_ADDR="${ADDR[scheduler]}:50053" -- "$MEMOS" gateway

# ---- 4. health, accounts, writes, a search ------------------------------------------------------------------------
health() { # host address [--http]: memos health from the client host
    local host="$1" address="$2"
    shift 2
    on client timeout 10 "$MEMOS" health --address "$address" "$@" >>"$RUN/health-$host.log" 2>&1
}
wait_healthy() { # host address [--http]
    local host="$1" deadline=$((SECONDS + 90))
    STEP="health of $host"
    STEP_LOGS="$host.log health-$host.log"
    while ((SECONDS < deadline)); do
        if [[ "$host" != retrieval-via-proxy ]] && ! alive "${PID[$host]}"; then
            fail "$host exited before it served"
        fi
        health "$@" && return 0
        sleep 0.5
    done
    fail "$host did not answer memos health at $2 within 90 s"
}
for host in ingest retrieval-1 retrieval-2 scheduler; do wait_healthy "$host" "${ADDR[$host]}:$(
    case $host in ingest) echo 50051 ;; scheduler) echo 50053 ;; *) echo 50052 ;; esac)"; done
PID[retrieval-via-proxy]=""
STEP_LOGS="proxy.log nginx-error.log"
wait_healthy retrieval-via-proxy "${ADDR[proxy]}:50052"
wait_healthy gateway "${ADDR[gateway]}:8080" --http
STEP="gateway /readyz"
STEP_LOGS="gateway.log"
on client "$PYTHON" scripts/multihost_check.py wait-ready --gateway "$GW" --timeout 60 >/dev/null 2>"$RUN/check.log" ||
    fail "/readyz not 200 within 60 s: $(tail -n 1 "$RUN/check.log")"
STEP="metrics"
STEP_LOGS="check.log"
on client "$PYTHON" scripts/multihost_check.py scrape "http://${ADDR[ingest]}:9091/metrics" \
    "http://${ADDR[retrieval-1]}:9092/metrics" "http://${ADDR[retrieval-2]}:9092/metrics" \
    "http://${ADDR[scheduler]}:9093/metrics" "$GW/metrics" >/dev/null 2>>"$RUN/check.log" ||
    fail "$(tail -n 1 "$RUN/check.log")"
say "every process serves (PIDs: ingest ${PID[ingest]}, retrieval-1 ${PID[retrieval-1]}, retrieval-2" \
    "${PID[retrieval-2]}, scheduler ${PID[scheduler]}, nginx ${PID[proxy]}, gateway ${PID[gateway]})"

check() { # subcommand args...: scripts/multihost_check.py from the client host; its JSON on stdout
    on client "$PYTHON" scripts/multihost_check.py "$@" 2>>"$RUN/check.log" | tee -a "$RUN/measurements.json"
}
STEP="accounts (user, API key, cube)"
STEP_LOGS="check.log gateway.log scheduler.log"
CUBE=multihost
check setup --gateway "$GW" --admin-key "$ADMIN_KEY" --cube "$CUBE" --out "$RUN" >/dev/null ||
    fail "$(tail -n 1 "$RUN/check.log")"
USER_KEY="$(cat "$RUN/user-key")"
STEP="adding memories"
STEP_LOGS="check.log gateway.log ingest.log"
check add --gateway "$GW" --key "$USER_KEY" --cube "$CUBE" >/dev/null || fail "$(tail -n 1 "$RUN/check.log")"
STEP="first search"
STEP_LOGS="check.log gateway.log nginx-access.log retrieval-1.log retrieval-2.log"
FOUND="$(check search-until --gateway "$GW" --key "$USER_KEY" --cube "$CUBE" --timeout 20)" ||
    fail "$(tail -n 1 "$RUN/check.log")"
say "user, key and cube made, 5 memories added, search found the expected one: $FOUND"

# ---- 5. failover --------------------------------------------------------------------------------------------------
STEP="failover"
STEP_LOGS="nginx-access.log"
SEARCH_URI=/memos.retrieval.v1.RetrievalService/Search
SERVED_BY="$(awk -F '\t' -v uri="$SEARCH_URI" '$2 == uri && $3 == 200 {a = $4} END {print a}' "$RUN/nginx-access.log")"
SERVED_BY="${SERVED_BY##*, }" # after a retry nginx lists every upstream tried; the last one answered
VICTIM=""
for host in retrieval-1 retrieval-2; do [[ "$SERVED_BY" == "${ADDR[$host]}:50052" ]] && VICTIM="$host"; done
[[ -n "$VICTIM" ]] || fail "no search answered by a replica in nginx's access log (upstream '$SERVED_BY')"
SURVIVOR=retrieval-1
[[ "$VICTIM" == retrieval-1 ]] && SURVIVOR=retrieval-2
LOG_LINES_BEFORE="$(wc -l <"$RUN/nginx-access.log")"
say "the search was served by $VICTIM ($SERVED_BY): kill -9 of it (PID ${PID[$VICTIM]})"
STEP_LOGS="check.log gateway.log nginx-access.log nginx-error.log $SURVIVOR.log"
# The client sends the kill itself, then searches: the time measured is not the client's start-up.
RESULT="$(check failover --gateway "$GW" --key "$USER_KEY" --cube "$CUBE" --kill "${PID[$VICTIM]}" --timeout 60 \
    --interval 0.1 --after 20 --after-interval 0.6)" || fail "$(tail -n 1 "$RUN/check.log") ($RESULT)"
alive "${PID[$VICTIM]}" && fail "$VICTIM (PID ${PID[$VICTIM]}) still runs after kill -9"
FIRST="$("$PYTHON" -c 'import json, sys; print("%.2f" % json.loads(sys.argv[1])["first_success_s"])' "$RESULT")"
say "after the kill: $RESULT"
# Which replica answered each search after the kill (the last listed, when nginx tried the dead one first).
AFTER_UPSTREAMS="$(tail -n +"$((LOG_LINES_BEFORE + 1))" "$RUN/nginx-access.log" |
    awk -F '\t' -v uri="$SEARCH_URI" '$2 == uri {n = split($4, u, ", "); print u[n] " " $3}' | sort | uniq -c |
    awk '{printf "%s%s x%s (HTTP %s)", sep, $2, $1, $3; sep = ", "}')"
say "searches after the kill by the upstream that answered: $AFTER_UPSTREAMS"
STEP="after the failover"
STEP_LOGS=""
for host in ingest "$SURVIVOR" scheduler proxy gateway; do
    alive "${PID[$host]}" || fail "$host (PID ${PID[$host]}) exited during the test" "$host.log"
done
CRASH_PATTERN='Fatal error|Swift runtime failure|Program crashed|Segmentation fault|Assertion failed|Precondition failed'
CRASHES="$(grep -El "$CRASH_PATTERN" "$RUN"/{ingest,"$SURVIVOR",scheduler,gateway}.log 2>/dev/null || true)"
[[ -z "$CRASHES" ]] || fail "crash reports in $(echo $CRASHES)" $(for f in $CRASHES; do basename "$f"; done)

echo "failover: searches served again $FIRST s after kill -9 of $VICTIM"
