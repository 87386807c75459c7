#!/usr/bin/env bash
# Sharded-retrieval benchmark (issue 28): how much search-index memory one `memos retrieval` replica holds for N
# memories over C cubes, how much each of three replicas behind nginx (hash $http_x_memos_cube consistent) holds
# instead, what the proxy's hop adds to a search, and how long a replica's cubes take to be served again after it
# is killed. Prints a Markdown summary at the end; exits non-zero on any failure, naming the step.
#
#   scripts/shard-bench.sh [--memories N] [--cubes C] [--binary PATH] [--searches N] [--seed-sessions P]
#                          [--keep-logs DIR]
#
#   --memories       memories seeded (default 1,000,000), spread evenly over the cubes
#   --cubes          cubes seeded (default 1,000)
#   --binary         the memos executable (default .build/release/memos when it exists, else .build/debug/memos);
#                    it is not built here. The run uses a copy of it, so that a rebuild during the run changes
#                    nothing.
#   --searches       searches each way in the latency comparison, after 10 % more as warm-up (default 2,000)
#   --seed-sessions  PostgreSQL sessions that seed at once (default 2)
#   --keep-logs      copy the logs (the replicas', nginx's access and error logs, the measurements) to DIR at the end
#
# Environment: SHARD_BENCH_DB (default memos_shard_bench; must contain "bench": it is dropped), SHARD_BENCH_BUILD
# (the build named in the summary when the binary's path does not say debug or release), TMPDIR (the run directory
# is $TMPDIR/memos-shard-bench). Every MEMOS_* variable of the caller's environment is ignored.
#
# Takes about 20 minutes at the default size with a debug build on 2 busy vCPUs (seeding 2.5 min, each full load
# of the index 6-8 min); --memories 20000 --cubes 100 about 1.5 minutes.
#
# Needs: python3, PostgreSQL's server (scripts/local-postgres.sh), nginx (apt-get install nginx; its gRPC proxy
# module is built in), curl; the Python venv .local/tools-venv (grpcio, grpcio-tools, protobuf: made by
# scripts/generate-openapi.py --tools-python when missing). Everything CPU-heavy runs under `nice -n 10`, the
# PostgreSQL backends serving the run's database included (reniced every second).
#
# What it does:
#   1. Database memos_shard_bench (SHARD_BENCH_DB) on the local PostgreSQL server (scripts/local-postgres.sh),
#      dropped first when an earlier run left it, then `memos migrate`. Seeded by SQL directly: one user
#      `bench` with an API key (api_keys.key_hash = SHA-256 of the key, as PostgresAccountStore stores it) owning
#      cubes bench-00000 ... ; N memories, memory i in cube i mod C, type LongTermMemory, content
#      "note i: " and 8 words of a 64-word vocabulary (unique in its cube, as memories_live_content_idx requires),
#      a random 384-d vector (uniform in [-1, 1)) packed with memos_pack_vector(real[]), embedding_model
#      feature-hash-384 (FeatureHashingEmbedder's model id); change_seq and content_hash are set by the
#      memories_stamp_change trigger. Inserted in chunks of 50,000 rows, P sessions at once, then VACUUM ANALYZE.
#   2. One replica (`memos retrieval`, feature-hash embedder, every other setting its default): its RSS
#      (/proc/PID/status VmRSS) once it answers `memos health` (the baseline), then a gRPC Search (top_k 10) of
#      every cube, directly; once its metrics (memos_index_cubes) show every cube held, its RSS again: the index
#      memory is the difference. Then it is stopped.
#   3. Three replicas behind nginx (the configuration of deploy/nginx/retrieval-shards.conf, on loopback ports):
#      their baselines, a Search of every cube through the proxy with x-memos-cube = the cube (as the gateway sends
#      it); which replica answered each cube (nginx's access log); each replica's RSS delta and cubes; the largest
#      delta as a share of the single replica's (the goal: at most 40 %).
#   4. Latency: the same searches (random cube, 1-3 random words; hybrid, top_k 10) directly to the replica that
#      holds the cube and through the proxy, alternately first, after a warm-up: p50 and p95 each way.
#   5. Failover: the replica holding the most cubes is killed with -9 by the client, which then searches one of
#      its cubes through the proxy every 10 ms until one succeeds (the time from the kill; the duration of that
#      call, which loads the cube on its new owner), then the first search of 20 more of its cubes; then every
#      cube is searched once more through the proxy and the survivors' cubes and RSS are read.
#   Everything started here is stopped, the database dropped and the run directory removed on exit (trap); an
#   earlier run's leftovers (its processes, recorded in the run directory; the database) are removed first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

MEMORIES=1000000
CUBES=1000
BINARY=""
SEARCHES=2000
SESSIONS=2
KEEP_LOGS=""
ARGS=("$@")
while (($#)); do
    case "$1" in
        --memories) MEMORIES="$2"; shift 2 ;;
        --memories=*) MEMORIES="${1#*=}"; shift ;;
        --cubes) CUBES="$2"; shift 2 ;;
        --cubes=*) CUBES="${1#*=}"; shift ;;
        --binary) BINARY="$2"; shift 2 ;;
        --binary=*) BINARY="${1#*=}"; shift ;;
        --searches) SEARCHES="$2"; shift 2 ;;
        --searches=*) SEARCHES="${1#*=}"; shift ;;
        --seed-sessions) SESSIONS="$2"; shift 2 ;;
        --seed-sessions=*) SESSIONS="${1#*=}"; shift ;;
        --keep-logs) KEEP_LOGS="$2"; shift 2 ;;
        --keep-logs=*) KEEP_LOGS="${1#*=}"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "shard-bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for n in memories:MEMORIES cubes:CUBES searches:SEARCHES seed-sessions:SESSIONS; do
    v="${n#*:}"
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "shard-bench.sh: --${n%%:*} must be a whole number" >&2; exit 2; }
done
((CUBES >= 3 && CUBES <= 99999)) || { echo "shard-bench.sh: --cubes must be 3 to 99,999" >&2; exit 2; }
((MEMORIES >= CUBES)) || { echo "shard-bench.sh: --memories must be at least --cubes" >&2; exit 2; }
((SEARCHES >= 10)) || { echo "shard-bench.sh: --searches must be at least 10" >&2; exit 2; }
((SESSIONS >= 1 && SESSIONS <= 16)) || { echo "shard-bench.sh: --seed-sessions must be 1 to 16" >&2; exit 2; }
if [[ -z "$BINARY" ]]; then
    if [[ -x .build/release/memos ]]; then BINARY=.build/release/memos; else BINARY=.build/debug/memos; fi
fi
[[ -x "$BINARY" ]] || { echo "shard-bench.sh: no executable $BINARY (build it first)" >&2; exit 2; }
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
if [[ -n "$KEEP_LOGS" ]]; then mkdir -p "$KEEP_LOGS"; KEEP_LOGS="$(cd "$KEEP_LOGS" && pwd)"; fi
# Which build, for the summary: from the path (.build/debug, .build/release), else SHARD_BENCH_BUILD.
case "$BINARY" in
    */release/*) BUILD=release ;;
    */debug/*) BUILD=debug ;;
    *) BUILD="${SHARD_BENCH_BUILD:-unknown (set SHARD_BENCH_BUILD)}" ;;
esac

say() { printf 'shard-bench.sh: %s\n' "$*" >&2; }
now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
STARTED_AT="$(now)"

RUN="${TMPDIR:-/tmp}/memos-shard-bench"
BENCH_DB="${SHARD_BENCH_DB:-memos_shard_bench}"
[[ "$BENCH_DB" == *bench* ]] || { echo "shard-bench.sh: SHARD_BENCH_DB must contain 'bench' (it is dropped)" >&2; exit 2; }
PIDS_FILE="$RUN/pids" # "PID NAME" a line: every process started here, for the trap and for the next run

# ---- leftovers of an earlier run ----------------------------------------------------------------------------------
stop_pid() { # pid: TERM, then KILL after 20 s; only a process whose command line names this run's directory
    local pid="$1" i
    [[ -r "/proc/$pid/cmdline" ]] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$RUN" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do
        [[ -r "/proc/$pid/stat" && "$(cut -d ' ' -f 3 "/proc/$pid/stat" 2>/dev/null)" != Z ]] || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
    [[ -f "$PIDS_FILE" ]] || return 0
    local pid name
    # Newest first: nginx before the replicas it proxies.
    while read -r pid name; do stop_pid "$pid"; done < <(tac "$PIDS_FILE")
    rm -f "$PIDS_FILE"
}
stop_all
rm -rf "$RUN"
mkdir -p "$RUN"
chmod 755 "$RUN"
RESULTS="$RUN/results.jsonl"
: >"$RESULTS"

# ---- tools --------------------------------------------------------------------------------------------------------
PGURL="$(env -u MEMOS_DATABASE_URL scripts/local-postgres.sh postgres)"
PGBASE="${PGURL%/*}"
DB_URL="$PGBASE/$BENCH_DB"
PGBIN="${LOCAL_POSTGRES_BIN:-$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1)")}"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$NGINX" ]] || { say "nginx is needed (apt-get install nginx)"; exit 2; }
command -v curl >/dev/null || { say "curl is needed"; exit 2; }
PY="$(python3 scripts/generate-openapi.py --tools-python)"
"$PY" -c 'import grpc, grpc_tools' || { say "$PY lacks grpcio or grpcio-tools"; exit 2; }
MEMOS="$RUN/memos"
cp "$BINARY" "$MEMOS"
for var in $(compgen -e | grep '^MEMOS_' || true); do unset "$var"; done
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
MEM_GIB="$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
MACHINE="$(nproc) vCPU ($CPU), $MEM_GIB GiB RAM, $(uname -sr)"
LOAD_AT_START="$(cut -d ' ' -f 1-3 /proc/loadavg)"

STEP="setting up"
STEP_LOGS=""
bench() { nice -n 10 "$PY" "$ROOT/scripts/shard_bench.py" "$@"; } # the client; its JSON on stdout
record() { # key value: one line of the summary
    "$PY" -c 'import json, sys; print(json.dumps({"key": sys.argv[1], "value": sys.argv[2]}))' "$1" "$2" >>"$RESULTS"
}
jget() { # json expression-over-d: prints the expression's value
    "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}
fail() {
    say "FAILED at step '$STEP': $1"
    exit 1
}
on_exit() {
    local rc=$?
    trap - EXIT
    if ((rc != 0)); then
        say "failed (status $rc) at step '$STEP'"
        for log in $STEP_LOGS; do
            [[ -s "$RUN/$log" ]] || continue
            printf -- '---- last lines of %s ----\n' "$log" >&2
            tail -n 25 "$RUN/$log" >&2
        done
    fi
    stop_all
    "${PSQL[@]}" "$PGBASE/postgres" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" 2>/dev/null ||
        say "could not drop database $BENCH_DB"
    if [[ -n "$KEEP_LOGS" && -d "$RUN" ]]; then
        find "$RUN" -maxdepth 1 -type f \( -name '*.log' -o -name '*.json' -o -name '*.jsonl' -o -name '*.conf' \
            -o -name '*.txt' -o -name '*.md' \) -exec cp {} "$KEEP_LOGS/" \;
        say "logs kept in $KEEP_LOGS"
    fi
    rm -rf "$RUN"
    say "$( ((rc == 0)) && echo finished || echo "FAILED (status $rc)") in $(elapsed "$STARTED_AT" "$(now)") s"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- 1. the database ----------------------------------------------------------------------------------------------
STEP="database"
say "database $BENCH_DB on ${PGBASE#postgres://}: dropped if left over, created, migrated"
"${PSQL[@]}" "$PGBASE/postgres" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" \
    2>&1 | grep -v 'does not exist, skipping' >&2 || true
"${PSQL[@]}" "$PGBASE/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'" | grep -q 1 ||
    fail "could not create database $BENCH_DB"
STEP_LOGS="migrate.log"
(cd "$RUN" && MEMOS_DATABASE_URL="$DB_URL" MEMOS_EMBEDDER=feature-hash nice -n 10 "$MEMOS" migrate) \
    </dev/null >"$RUN/migrate.log" 2>&1 || fail "memos migrate failed"

# The PostgreSQL backends serving this database run niced too: reniced every second while the run lasts (a
# process of its own, whose command line names the run directory, as stop_pid requires).
# shellcheck disable=SC2016 # the loop's variables are its own positional parameters
nice -n 10 bash -c 'while :; do
    "$2/psql" -X -tA "$3/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = '"'"'$4'"'"'" 2>/dev/null |
        xargs -r renice -n 10 -p >/dev/null 2>&1
    sleep 1
done' shard-bench-renicer "$RUN" "$PGBIN" "$PGBASE" "$BENCH_DB" </dev/null >/dev/null 2>&1 &
echo "$! renicer" >>"$PIDS_FILE"

STEP="seeding"
STEP_LOGS=""
KEY="mk_$("$PY" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(40)))')"
USER_ID="$("$PY" -c 'import uuid; print(uuid.uuid4())')"
WORDS_SQL="$("$PY" -c 'import sys; sys.path.insert(0, "scripts"); import shard_bench; print(" ".join(shard_bench.WORDS))')"
CHUNK=50000
say "seeding $MEMORIES memories over $CUBES cubes ($SESSIONS sessions, chunks of $CHUNK rows)"
"${PSQL[@]}" "$DB_URL" -v key="$KEY" -v uid="$USER_ID" -v cubes="$CUBES" <<'EOF' || fail "accounts"
BEGIN;
INSERT INTO users (id, name, role) VALUES (:'uid', 'bench', 'user');
INSERT INTO api_keys (id, user_id, name, prefix, key_hash)
VALUES (gen_random_uuid(), :'uid', 'shard-bench', left(:'key', 11), sha256(convert_to(:'key', 'UTF8')));
INSERT INTO cubes (cube_id, name, owner_id)
SELECT format('bench-%s', lpad(c::text, 5, '0')), format('bench-%s', lpad(c::text, 5, '0')), :'uid'
FROM generate_series(0, :cubes - 1) c;
INSERT INTO cube_members (cube_id, user_id, role) SELECT cube_id, :'uid', 'owner' FROM cubes;
COMMIT;
EOF
"${PSQL[@]}" "$DB_URL" -tAc "SELECT cube_id FROM cubes ORDER BY cube_id" >"$RUN/cubes.txt"
seed_session() { # lo hi: inserts memories lo..hi-1, a chunk a statement (a transaction each)
    local lo="$1" hi="$2" a b
    for ((a = lo; a < hi; a += CHUNK)); do
        b=$((a + CHUNK < hi ? a + CHUNK : hi))
        cat <<EOF
INSERT INTO memories (cube_id, id, author_user_id, memory_type, content, embedding_model, embedding, change_seq)
SELECT format('bench-%s', lpad((g % $CUBES)::text, 5, '0')), gen_random_uuid(), '$USER_ID', 'LongTermMemory',
    'note ' || g || ': ' || array_to_string(ARRAY(
        SELECT w[1 + (hashint8(g * 8 + i) & 2147483647) % array_length(w, 1)] FROM generate_series(0, 7) i), ' '),
    'feature-hash-384',
    memos_pack_vector(ARRAY(SELECT (random() * 2 - 1)::real FROM generate_series(1, 384) WHERE g >= 0)),
    0
FROM generate_series($a::bigint, $((b - 1))::bigint) g,
    (SELECT string_to_array('$WORDS_SQL', ' ') AS w) v;
EOF
    done
}
SEED_START="$(now)"
SEED_PIDS=()
for ((s = 0; s < SESSIONS; s++)); do
    lo=$((MEMORIES * s / SESSIONS))
    hi=$((MEMORIES * (s + 1) / SESSIONS))
    seed_session "$lo" "$hi" >"$RUN/seed-$s.sql"
    PGAPPNAME=shard-bench-seed nice -n 10 "${PSQL[@]}" "$DB_URL" -f "$RUN/seed-$s.sql" >"$RUN/seed-$s.log" 2>&1 &
    SEED_PIDS+=($!)
done
for s in "${!SEED_PIDS[@]}"; do
    wait "${SEED_PIDS[$s]}" || { STEP_LOGS="seed-$s.log"; fail "seeding session $s failed"; }
done
SEED_S="$(elapsed "$SEED_START" "$(now)")"
VACUUM_START="$(now)"
"${PSQL[@]}" "$DB_URL" -c "VACUUM ANALYZE memories" || fail "VACUUM ANALYZE"
VACUUM_S="$(elapsed "$VACUUM_START" "$(now)")"
COUNTED="$("${PSQL[@]}" "$DB_URL" -tAc "SELECT count(*) FROM memories")"
CUBES_WITH="$("${PSQL[@]}" "$DB_URL" -tAc "SELECT count(DISTINCT cube_id) FROM memories")"
TABLE_SIZE="$("${PSQL[@]}" "$DB_URL" -tAc "SELECT pg_size_pretty(pg_total_relation_size('memories'))")"
((COUNTED == MEMORIES && CUBES_WITH == CUBES)) || fail "seeded $COUNTED memories in $CUBES_WITH cubes"
RATE="$(awk -v n="$MEMORIES" -v s="$SEED_S" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')"
say "seeded $MEMORIES memories in $SEED_S s ($RATE a second), VACUUM ANALYZE $VACUUM_S s; table $TABLE_SIZE"

# ---- the replicas -------------------------------------------------------------------------------------------------
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
alive() { [[ -r "/proc/$1/stat" && "$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
metric() { # metrics-port name: the gauge's value (0 when absent)
    curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" 2>/dev/null |
        awk -v n="$2" '$1 == n || index($1, n "{") == 1 { v = $2 } END { printf "%d", v + 0 }'
}
declare -A PID=() PORT=() MPORT=()
start_replica() { # name: starts `memos retrieval` on fresh ports, logging to RUN/NAME.log
    local name="$1"
    PORT[$name]="$(free_port)"
    MPORT[$name]="$(free_port)"
    (cd "$RUN" && exec nice -n 10 env MEMOS_DATABASE_URL="$DB_URL" MEMOS_EMBEDDER=feature-hash MEMOS_HOST=127.0.0.1 \
        MEMOS_RETRIEVAL_PORT="${PORT[$name]}" MEMOS_METRICS_PORT="${MPORT[$name]}" "$MEMOS" retrieval) \
        </dev/null >>"$RUN/$name.log" 2>&1 &
    PID[$name]=$!
    disown
    echo "${PID[$name]} $name" >>"$PIDS_FILE"
}
wait_healthy() { # name [address]: until `memos health` answers (90 s)
    local name="$1" address="${2:-127.0.0.1:${PORT[$1]:-}}" deadline=$((SECONDS + 90))
    STEP_LOGS="$name.log"
    while ((SECONDS < deadline)); do
        [[ -z "${PID[$name]:-}" ]] || alive "${PID[$name]}" || fail "$name exited before it served"
        timeout 10 "$MEMOS" health --address "$address" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "$name did not answer memos health at $address within 90 s"
}
wait_cubes() { # name count: until the replica's memos_index_cubes is COUNT (120 s)
    local name="$1" want="$2" deadline=$((SECONDS + 120)) got
    while ((SECONDS < deadline)); do
        got="$(metric "${MPORT[$name]}" memos_index_cubes)"
        ((got == want)) && return 0
        sleep 0.5
    done
    fail "$name holds $got cubes (memos_index_cubes), expected $want"
}
build_times() { # log [from-line]: the replicas' "search index built ... took=S seconds" lines: n, p50, max in ms
    tail -n +"${2:-1}" "$1" | sed -n 's/.* took=\([0-9.e-]*\) seconds.*search index built.*/\1/p' | sort -g |
        awk '{ v[NR] = $1 * 1000 } END { if (NR) printf "%d cubes, p50 %.0f ms, max %.0f ms", NR, v[int((NR + 1) / 2)], v[NR]; else printf "none" }'
}
stop_replica() { stop_pid_any "${PID[$1]}"; }
stop_pid_any() { # pid: TERM, then KILL after 20 s (a process started here)
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do alive "$pid" || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# ---- 2. one replica -----------------------------------------------------------------------------------------------
STEP="one replica"
say "one replica: baseline RSS, a search of every cube, RSS again"
start_replica single
wait_healthy single
sleep 2
SINGLE_BASE="$(rss_kb "${PID[single]}")"
STEP_LOGS="single.log"
LOAD_START="$(now)"
OUT="$(bench load --addr "127.0.0.1:${PORT[single]}" --key "$KEY" --cubes "$RUN/cubes.txt" --stubs "$RUN/stubs")" ||
    fail "searches of every cube: $OUT"
wait_cubes single "$CUBES"
SINGLE_LOAD_S="$(elapsed "$LOAD_START" "$(now)")"
sleep 2
SINGLE_RSS="$(rss_kb "${PID[single]}")"
SINGLE_HWM="$(hwm_kb "${PID[single]}")"
SINGLE_DELTA=$((SINGLE_RSS - SINGLE_BASE))
SINGLE_MEMS="$(metric "${MPORT[single]}" memos_index_memories)"
SINGLE_CUBES="$(metric "${MPORT[single]}" memos_index_cubes)"
say "one replica: RSS $(mib "$SINGLE_BASE") -> $(mib "$SINGLE_RSS") MiB (delta $(mib "$SINGLE_DELTA") MiB, peak" \
    "$(mib "$SINGLE_HWM") MiB), $SINGLE_CUBES cubes, $SINGLE_MEMS memories; searches $OUT"
SINGLE_SEARCH_P50="$(jget "$OUT" 'd["p50_ms"]')"
SINGLE_BUILDS="$(build_times "$RUN/single.log")"
stop_replica single
sed -i "/ single\$/d" "$PIDS_FILE"

# ---- 3. three replicas behind nginx -------------------------------------------------------------------------------
STEP="three replicas"
REPLICAS=(r1 r2 r3)
say "three replicas behind nginx"
for r in "${REPLICAS[@]}"; do start_replica "$r"; done
PROXY_PORT="$(free_port)"
mkdir -p "$RUN/nginx/tmp"
chmod 777 "$RUN/nginx/tmp"
cat >"$RUN/nginx.conf" <<EOF
# shard-bench.sh: the proxy (deploy/nginx/retrieval-shards.conf, on loopback ports)
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

    map \$http_x_memos_cube \$memos_cube_key {
        ""      "-";
        default \$http_x_memos_cube;
    }

    log_format memos_grpc '\$time_iso8601\t\$request_uri\t\$status\t\$upstream_addr\t\$upstream_status\t'
                          '\$upstream_trailer_grpc_status\t\$upstream_http_grpc_status\t\$request_time\t'
                          '\$upstream_connect_time\t\$http_x_memos_cube';

    upstream memos_retrieval {
        hash \$memos_cube_key consistent;
$(for r in "${REPLICAS[@]}"; do printf '        server 127.0.0.1:%s max_fails=1 fail_timeout=10s;\n' "${PORT[$r]}"; done)
        keepalive 32;
    }

    server {
        listen 127.0.0.1:$PROXY_PORT http2;
        access_log $RUN/nginx-access.log memos_grpc;
        client_max_body_size 8m;
        keepalive_timeout 1h;
        keepalive_requests 100000;

        location / {
            grpc_pass grpc://memos_retrieval;
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
STEP_LOGS="nginx.log nginx-error.log"
"$NGINX" -t -c "$RUN/nginx.conf" >"$RUN/nginx.log" 2>&1 || fail "nginx -t rejected the configuration"
(cd "$RUN" && exec nice -n 10 "$NGINX" -c "$RUN/nginx.conf") </dev/null >>"$RUN/nginx.log" 2>&1 &
PID[proxy]=$!
disown
echo "${PID[proxy]} nginx" >>"$PIDS_FILE"
declare -A BASE=()
for r in "${REPLICAS[@]}"; do wait_healthy "$r"; done
wait_healthy proxy "127.0.0.1:$PROXY_PORT"
sleep 2
for r in "${REPLICAS[@]}"; do BASE[$r]="$(rss_kb "${PID[$r]}")"; done
STEP_LOGS="nginx-error.log r1.log r2.log r3.log"
LOAD_START="$(now)"
OUT="$(bench load --addr "127.0.0.1:$PROXY_PORT" --key "$KEY" --cubes "$RUN/cubes.txt" --stubs "$RUN/stubs")" ||
    fail "searches of every cube through the proxy: $OUT"
OWNERS="$(bench owners --access-log "$RUN/nginx-access.log" --cubes "$RUN/cubes.txt")" ||
    fail "which replica holds which cube"
printf '%s\n' "$OWNERS" >"$RUN/owners.json"
declare -A HELD=() RSS=() DELTA=() MEMS=()
for r in "${REPLICAS[@]}"; do
    HELD[$r]="$(jget "$OWNERS" "d['per_replica'].get('127.0.0.1:${PORT[$r]}', 0)")"
    wait_cubes "$r" "${HELD[$r]}"
done
SHARDED_LOAD_S="$(elapsed "$LOAD_START" "$(now)")"
SHARDED_SEARCH_P50="$(jget "$OUT" 'd["p50_ms"]')"
SHARDED_BUILDS="$(cat "$RUN"/r[123].log | build_times /dev/stdin)"
sleep 2
MAX_DELTA=0
MAX_R=""
for r in "${REPLICAS[@]}"; do
    RSS[$r]="$(rss_kb "${PID[$r]}")"
    DELTA[$r]=$((RSS[$r] - BASE[$r]))
    MEMS[$r]="$(metric "${MPORT[$r]}" memos_index_memories)"
    if ((DELTA[$r] > MAX_DELTA)); then MAX_DELTA=${DELTA[$r]}; MAX_R=$r; fi
    say "$r (127.0.0.1:${PORT[$r]}): ${HELD[$r]} cubes, ${MEMS[$r]} memories, RSS $(mib "${BASE[$r]}") ->" \
        "$(mib "${RSS[$r]}") MiB (delta $(mib "${DELTA[$r]}") MiB)"
done
SHARE="$(awk -v a="$MAX_DELTA" -v b="$SINGLE_DELTA" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')"
say "largest replica ($MAX_R): $SHARE % of the single replica's index memory (goal: at most 40 %)"

# ---- 4. latency: direct vs through the proxy ----------------------------------------------------------------------
STEP="latency"
WARMUP=$((SEARCHES / 10))
say "latency: $SEARCHES searches each way after $WARMUP of warm-up, directly to the cube's replica and through nginx"
LAT="$(bench latency --proxy "127.0.0.1:$PROXY_PORT" --owners "$RUN/owners.json" --key "$KEY" --cubes "$RUN/cubes.txt" \
    --searches "$SEARCHES" --warmup "$WARMUP" --stubs "$RUN/stubs")" || fail "latency: $LAT"
say "latency: $LAT"

# ---- 5. failover --------------------------------------------------------------------------------------------------
STEP="failover"
VICTIM=r1
for r in "${REPLICAS[@]}"; do if ((HELD[$r] > HELD[$VICTIM])); then VICTIM=$r; fi; done
jget "$OWNERS" "'\n'.join(sorted(c for c, a in d['owners'].items() if a == '127.0.0.1:${PORT[$VICTIM]}'))" \
    >"$RUN/victim-cubes.txt"
declare -A LOG_LINES=()
for r in "${REPLICAS[@]}"; do LOG_LINES[$r]=$(($(wc -l <"$RUN/$r.log") + 1)); done
say "failover: kill -9 of $VICTIM (PID ${PID[$VICTIM]}, ${HELD[$VICTIM]} cubes), then searches of its cubes"
FO="$(bench failover --proxy "127.0.0.1:$PROXY_PORT" --key "$KEY" --cubes "$RUN/victim-cubes.txt" \
    --kill "${PID[$VICTIM]}" --stubs "$RUN/stubs")" || fail "failover: $FO"
sleep 0.5
alive "${PID[$VICTIM]}" && fail "$VICTIM still runs after kill -9"
sed -i "/ $VICTIM\$/d" "$PIDS_FILE"
say "failover: $FO"
SURVIVORS=()
for r in "${REPLICAS[@]}"; do [[ "$r" == "$VICTIM" ]] || SURVIVORS+=("$r"); done
STEP="after the failover"
AFTER_START="$(now)"
OUT="$(bench load --addr "127.0.0.1:$PROXY_PORT" --key "$KEY" --cubes "$RUN/cubes.txt" --stubs "$RUN/stubs")" ||
    fail "searches of every cube after the failover: $OUT"
AFTER_S="$(elapsed "$AFTER_START" "$(now)")"
MOVED_BUILDS="$(for r in "${SURVIVORS[@]}"; do tail -n +"${LOG_LINES[$r]}" "$RUN/$r.log"; done | build_times /dev/stdin)"
declare -A AFTER_CUBES=() AFTER_RSS=()
for r in "${SURVIVORS[@]}"; do
    alive "${PID[$r]}" || fail "$r exited during the failover"
done
sleep 3
for r in "${SURVIVORS[@]}"; do
    AFTER_CUBES[$r]="$(metric "${MPORT[$r]}" memos_index_cubes)"
    AFTER_RSS[$r]="$(rss_kb "${PID[$r]}")"
    say "$r after the failover: ${AFTER_CUBES[$r]} cubes, RSS $(mib "${AFTER_RSS[$r]}") MiB (delta over its" \
        "baseline $(mib $((AFTER_RSS[$r] - BASE[$r]))) MiB)"
done
CRASH_PATTERN='Fatal error|Swift runtime failure|Program crashed|Segmentation fault|Assertion failed|Precondition failed'
CRASHES="$(grep -El "$CRASH_PATTERN" "$RUN"/{single,r1,r2,r3}.log 2>/dev/null || true)"
[[ -z "$CRASHES" ]] || fail "crash reports in ${CRASHES//$'\n'/ }"

# ---- summary ------------------------------------------------------------------------------------------------------
STEP="summary"
CMD="scripts/shard-bench.sh${ARGS[*]:+ ${ARGS[*]}}"
per_replica=""
for r in "${REPLICAS[@]}"; do
    per_replica+="$r ${HELD[$r]} cubes / ${MEMS[$r]} memories: RSS $(mib "${BASE[$r]}") → $(mib "${RSS[$r]}") MiB, delta $(mib "${DELTA[$r]}") MiB; "
done
record "machine" "$MACHINE; load average $LOAD_AT_START at start, $(cut -d ' ' -f 1-3 /proc/loadavg) at end"
record "commit" "$COMMIT"
record "build" "$BUILD ($BINARY)"
record "command" "$CMD"
record "data" "$MEMORIES memories over $CUBES cubes ($((MEMORIES / CUBES)) a cube), 384-d, table + indexes $TABLE_SIZE"
record "seeding (SQL, $SESSIONS sessions)" "$SEED_S s ($RATE memories/s); VACUUM ANALYZE $VACUUM_S s"
record "1 replica: load of every cube (direct)" "$SINGLE_LOAD_S s; first search of a cube p50 $SINGLE_SEARCH_P50 ms (4 at once); index builds (replica log): $SINGLE_BUILDS"
record "1 replica: RSS baseline → after" "$(mib "$SINGLE_BASE") → $(mib "$SINGLE_RSS") MiB (peak $(mib "$SINGLE_HWM") MiB)"
record "1 replica: index memory (RSS delta)" "$(mib "$SINGLE_DELTA") MiB; metrics: memos_index_cubes $SINGLE_CUBES, memos_index_memories $SINGLE_MEMS"
record "3 replicas: load of every cube (proxy)" "$SHARDED_LOAD_S s; first search of a cube p50 $SHARDED_SEARCH_P50 ms (4 at once); index builds: $SHARDED_BUILDS"
record "3 replicas: per replica" "${per_replica%; }"
record "3 replicas: largest delta / single delta" "$SHARE % ($MAX_R; goal ≤ 40 %)"
record "latency direct (p50 / p95 / mean)" "$(jget "$LAT" '"%s / %s / %s ms" % (d["direct"]["p50_ms"], d["direct"]["p95_ms"], d["direct"]["mean_ms"])')"
record "latency via nginx (p50 / p95 / mean)" "$(jget "$LAT" '"%s / %s / %s ms" % (d["proxy"]["p50_ms"], d["proxy"]["p95_ms"], d["proxy"]["mean_ms"])')"
record "proxy hop (p50 / p95 difference)" "$(jget "$LAT" '"%+.3f / %+.3f ms (%d searches each way, %d warm-up)" % (d["p50_diff_ms"], d["p95_diff_ms"], d["direct"]["n"], d["warmup"])')"
record "failover: killed" "$VICTIM (${HELD[$VICTIM]} cubes) with kill -9"
record "failover: first success after the kill" "$(jget "$FO" '"%.3f s (failures before it: %s%s)" % (d["first_success_after_kill_s"], d["failures_before"] or "none", "; " + " / ".join(d["failure_details"]) if d["failure_details"] else "")')"
record "failover: first search of a moved cube" "$(jget "$FO" '"%s ms (the call that succeeded); %d more moved cubes: p50 %s ms, max %s ms; again once loaded: p50 %s ms; before the kill: %s ms" % (d["first_success_call_ms"], d["moved_first_search"]["n"], d["moved_first_search"]["p50_ms"], d["moved_first_search"]["max_ms"], d["moved_warm_search_p50_ms"], d["search_before_kill_ms"])')"
after=""
for r in "${SURVIVORS[@]}"; do
    after+="$r ${AFTER_CUBES[$r]} cubes, RSS $(mib "${AFTER_RSS[$r]}") MiB (delta $(mib $((AFTER_RSS[$r] - BASE[$r]))) MiB); "
done
record "after the failover: every cube searched again ($AFTER_S s)" "${after%; }; the moved cubes' index builds: $MOVED_BUILDS"
{
    echo
    echo "### Sharded retrieval benchmark (issue 28)"
    echo
    "$PY" "$ROOT/scripts/shard_bench.py" summary --results "$RESULTS"
    echo
} | tee "$RUN/summary.md"
