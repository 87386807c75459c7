#!/usr/bin/env bash
# Fault suite: kills and restarts each process of a throw-away MemOS-Swift stack, and its PostgreSQL, under a
# steady load, and checks that clients see short, well-formed outages and that no acknowledged write is lost or
# stored twice. Run on demand (an operator, or CI); exits non-zero on any violation.
#
#   scripts/faults.sh [--binary PATH] [--seconds-per-fault N] [--only FAULT[,FAULT...]]
#
#   --binary             the memos executable (default .build/release/memos when it exists, else
#                        .build/debug/memos); it is not built here. The stack runs a copy of it, so that a rebuild
#                        during the run changes nothing.
#   --seconds-per-fault  recovery pause after each fault once the stack is ready again (default 15; a run takes
#                        about 6 × (N + restart) + 40 s, under 4 minutes with the default and a debug build)
#   --only               run only these faults, comma-separated, of: kill-ingest, kill-retrieval, kill-scheduler,
#                        kill-gateway, postgres, sigterm-ingest, big-jobs (default all, in that order)
#   --big-jobs-memories  memories per cube in the big-jobs phase (default 20000)
#
# What it does:
#   1. Its own PostgreSQL cluster, so that it can restart it: scripts/local-postgres.sh with
#      LOCAL_POSTGRES_DIR=.local/faults-postgres (a port of its own, chosen on first run); the database
#      memos_faults (FAULTS_DB) is dropped and made again, so every run starts empty. MEMOS_DATABASE_URL is ignored.
#   2. `memos migrate`, then `memos ingest`, `memos retrieval`, `memos scheduler` and `memos gateway` as four
#      processes of this script (not `memos all`: each must be killed on its own, and restarting is this script's
#      job, as an orchestrator's), on free loopback ports, feature-hash embedder, no rate limit, no LLM, a random
#      MEMOS_ADMIN_KEY, every other MEMOS_* variable of the caller's environment removed. Logs in
#      .local/faults-run/<process>.log (appended across restarts).
#   3. Over HTTP with the admin key: user `faults` with an API key, owning cube `faults`. Then the load
#      (scripts/faults_load.py, standard library only), for the whole run: 4 writers, each adding one memory at a
#      time (POST /v1/memories, unique content, an idempotency_key per logical write, retried with the same key
#      until acknowledged: no answer, 5xx, 409 and 429 are retried, pause 0.1 s growing to 0.5 s) and a reader
#      (POST /v1/search); 10 s client timeout per request. Every request is recorded (start, end, status or
#      client error, past the deadline or not) in .local/faults-run/requests.jsonl.
#   4. After a few seconds of baseline, one fault after another, each followed by the recovery pause:
#        kill -9 of ingest, retrieval, scheduler, gateway (each started again at once, once it is gone);
#        PostgreSQL restarted in immediate mode (pg_ctl -m immediate restart: no checkpoint, crash recovery);
#        SIGTERM of ingest with writes in flight: besides the writers' requests, a batch add of 500 memories (~830 KB,
#        the probe) is sent and the signal follows once ingest has read its whole body (ss: bytes received), so
#        the batch is certainly being processed; draining means it completes with 200. Ingest must exit within
#        30 s (its drain limit is 25 s); then it is started again.
#      After each: the restarted process must serve (grpc.health.v1 / gateway /healthz) and the gateway's /readyz
#      answer 200 within 60 s; every other process must still run with its PID (an exit nobody caused is a crash).
#   5. Stops the load (writes in progress are retried to acknowledgement), SIGTERMs the four processes (each must
#      exit within 30 s), counts the cube's memories by content in PostgreSQL (psql), and reports:
#        per fault, for writes and searches: the error window (first failed response to the first success of a
#        request sent after it) and the failures by status code or client error (refused, reset, timeout), with
#        when they happened after the injection; for the SIGTERM, the writes in flight and how they ended;
#        5xx by code over the run (500 must be 0: a lost connection or database is 503);
#        requests past their deadline (must be 0);
#        processes that did not exit within 30 s of SIGTERM (must be none); the probe failing (must not);
#        acknowledged writes lost or stored more than once, writes never acknowledged (must be 0);
#        the cube's background jobs not finished within 30 s after the load stopped (a stalled job queue);
#        crash reports in the logs ("Fatal error", "Program crashed", ...), processes that exited on their own
#        (restarted at once, as an orchestrator would); and, as notes, database calls the services abandoned at
#        their deadline. Every request carries X-Request-Id (writer-write-attempt), which the logs name.
#      Exit status 1 on any violation. Everything started here, the PostgreSQL cluster included, is always stopped
#      (trap). Logs, the request records and the report stay in .local/faults-run/ until the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

PAUSE=15
BINARY=""
ONLY=""
BIG_JOBS_MEMORIES=20000
while (($#)); do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --binary=*) BINARY="${1#*=}"; shift ;;
        --seconds-per-fault) PAUSE="$2"; shift 2 ;;
        --seconds-per-fault=*) PAUSE="${1#*=}"; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        --big-jobs-memories) BIG_JOBS_MEMORIES="$2"; shift 2 ;;
        --only=*) ONLY="${1#*=}"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "faults.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$PAUSE" =~ ^[0-9]+$ ]] && ((PAUSE >= 2 && PAUSE <= 600)) ||
    { echo "faults.sh: --seconds-per-fault must be a whole number of seconds, 2–600" >&2; exit 2; }
for name in ${ONLY//,/ }; do
    [[ " kill-ingest kill-retrieval kill-scheduler kill-gateway postgres sigterm-ingest big-jobs " == *" $name "* ]] ||
        { echo "faults.sh: unknown fault '$name' for --only (see --help)" >&2; exit 2; }
done
if [[ -z "$BINARY" ]]; then
    if [[ -x .build/release/memos ]]; then BINARY=.build/release/memos; else BINARY=.build/debug/memos; fi
fi
[[ -x "$BINARY" ]] || { echo "faults.sh: no executable $BINARY (build it first, e.g. swift build --product memos)" >&2; exit 2; }
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
command -v python3 >/dev/null || { echo "faults.sh: python3 is needed" >&2; exit 2; }
command -v curl >/dev/null || { echo "faults.sh: curl is needed" >&2; exit 2; }
command -v ss >/dev/null || { echo "faults.sh: ss is needed (apt-get install iproute2)" >&2; exit 2; }

say() { printf 'faults.sh: %s\n' "$*" >&2; }
STARTED_AT=$EPOCHREALTIME

RUN="$ROOT/.local/faults-run"
rm -rf "$RUN"
mkdir -p "$RUN"
EVENTS="$RUN/events.tsv"
: >"$EVENTS"
: >"$RUN/problems.txt"
: >"$RUN/drains.tsv"
: >"$RUN/notes.txt"
event() { printf '%s\t%s\t%s\t%s\n' "$EPOCHREALTIME" "$1" "$2" "${3:-}" >>"$EVENTS"; }          # fault phase [detail]
problem() { printf '%s\n' "$*" >>"$RUN/problems.txt"; say "PROBLEM: $*"; }
usec() { local t="${1/./}"; echo $((10#$t)); }                                                   # EPOCHREALTIME → µs
elapsed() { local d=$(($(usec "$2") - $(usec "$1"))); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }

# The stack runs a copy: restarts must start the binary the run began with, even if it is rebuilt meanwhile.
MEMOS="$RUN/memos"
cp "$BINARY" "$MEMOS"

# ---- 1. database ------------------------------------------------------------------------------------------------
FAULTS_DB="${FAULTS_DB:-memos_faults}"
# It is dropped: never let a typo point this at the development or test databases.
[[ "$FAULTS_DB" == *faults* ]] || { echo "faults.sh: FAULTS_DB must contain 'faults' (it is dropped and made again)" >&2; exit 2; }
PG_DIR="$ROOT/.local/faults-postgres"
local_pg() { env -u MEMOS_DATABASE_URL LOCAL_POSTGRES_DIR="$PG_DIR" scripts/local-postgres.sh "$@"; }

IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1
as_pg() { if ((IS_ROOT)); then runuser -u postgres -- "$@"; else "$@"; fi; } # as local-postgres.sh runs pg_ctl

PG_STARTED=0
LOAD_PID=""
declare -A PID=() PORT=()
NAMES=(ingest retrieval scheduler gateway)

stop_services() { # SIGTERM to every running process of the stack, SIGKILL after 30 s
    local name pids=()
    for name in "${NAMES[@]}"; do
        [[ -n "${PID[$name]:-}" ]] && kill -0 "${PID[$name]}" 2>/dev/null && pids+=("${PID[$name]}")
    done
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local p alive
    for _ in $(seq 1 300); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for name in "${NAMES[@]}"; do PID[$name]=""; done
}
on_exit() {
    local rc=$?
    if [[ -n "$LOAD_PID" ]]; then
        touch "$RUN/stop-load"
        kill -TERM "$LOAD_PID" 2>/dev/null || true
        wait "$LOAD_PID" 2>/dev/null || true
    fi
    stop_services
    if ((PG_STARTED)); then local_pg stop >/dev/null 2>&1 || say "could not stop the PostgreSQL cluster in $PG_DIR"; fi
    return "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

DB_URL="$(local_pg "$FAULTS_DB")"
PG_STARTED=1
PG_PORT="$(sed -E 's#^postgres://[^@]*@127\.0\.0\.1:([0-9]+)/.*#\1#' <<<"$DB_URL")"
PGBIN="${LOCAL_POSTGRES_BIN:-$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1)")}"
psql_admin() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
psql_admin -c "DROP DATABASE IF EXISTS \"$FAULTS_DB\" WITH (FORCE)" -c "CREATE DATABASE \"$FAULTS_DB\"" >&2
PG_DATA="$(psql_admin -tAc 'SHOW data_directory')"
PG_LOG="$(dirname "$PG_DATA")/postgres.log" # where local-postgres.sh keeps it
say "database $DB_URL (made anew; cluster $PG_DATA)"

# ---- 2. the stack -----------------------------------------------------------------------------------------------
read -r 'PORT[gateway]' 'PORT[ingest]' 'PORT[retrieval]' 'PORT[scheduler]' < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
GW="http://127.0.0.1:${PORT[gateway]}"
ADMIN_KEY="faults-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# Only what this run sets: no LLM, no model dir, no rate limit from the caller's environment.
for var in $(compgen -e | grep '^MEMOS_' || true); do unset "$var"; done
export MEMOS_DATABASE_URL="$DB_URL" MEMOS_EMBEDDER=feature-hash MEMOS_HOST=127.0.0.1 MEMOS_RATE_LIMIT_RPS=0 \
    MEMOS_DB_WAIT_SECONDS=60 MEMOS_ADMIN_KEY="$ADMIN_KEY" \
    MEMOS_INGEST_ADDR="127.0.0.1:${PORT[ingest]}" MEMOS_RETRIEVAL_ADDR="127.0.0.1:${PORT[retrieval]}" \
    MEMOS_SCHEDULER_ADDR="127.0.0.1:${PORT[scheduler]}"

start_service() { # name: starts `memos NAME --port P`, appending to RUN/NAME.log; sets PID[NAME]
    local name="$1"
    printf '==== faults.sh: starting %s at %s\n' "$name" "$(date -u +%FT%T.%3NZ)" >>"$RUN/$name.log"
    (
        cd "$RUN"
        exec "$MEMOS" "$name" --port "${PORT[$name]}" </dev/null >>"$RUN/$name.log" 2>&1
    ) &
    PID[$name]=$!
}

# Bytes received so far, and not yet read by the process, on the established TCP connections to a local port.
received_bytes() {
    ss -tinH state established "( sport = :$1 )" | grep -o 'bytes_received:[0-9]*' | cut -d: -f2 |
        awk '{s += $1} END {print s + 0}'
}
unread_bytes() { ss -tnH state established "( sport = :$1 )" | awk '{s += $1} END {print s + 0}'; }

serving() { # name: the process answers its health check
    if [[ "$1" == gateway ]]; then
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$GW/healthz")" == 200 ]]
    else
        "$MEMOS" health --address "127.0.0.1:${PORT[$1]}" >/dev/null 2>&1
    fi
}

wait_serving() { # name seconds: until it serves; 1 when it exited or did not serve in time
    local name="$1" deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        kill -0 "${PID[$name]}" 2>/dev/null || return 1
        serving "$name" && return 0
        sleep 0.2
    done
    return 1
}

wait_ready() { # seconds [when]: until the gateway's /readyz answers 200; restarts a process that died meanwhile
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$GW/readyz")" == 200 ]] && return 0
        check_alive "${2:-while waiting for /readyz}"
        sleep 0.2
    done
    return 1
}

check_alive() { # when: every process still runs with the PID it was started with; restarts one that exited on
    local name status                                                            # its own (a crash), as an orchestrator would
    for name in "${NAMES[@]}"; do
        if ! kill -0 "${PID[$name]}" 2>/dev/null; then
            status=0
            wait "${PID[$name]}" 2>/dev/null || status=$?
            problem "$name (PID ${PID[$name]}) exited on its own with status $status ($1); see $RUN/$name.log"
            event "${CURRENT_FAULT:-none}" "crash" "$name exited with status $status; restarted"
            start_service "$name"
            wait_serving "$name" 60 || problem "$name did not serve again within 60 s of its restart"
        fi
    done
}

say "starting ingest, retrieval, scheduler, gateway from a copy of $BINARY (ports ${PORT[ingest]}, ${PORT[retrieval]}, ${PORT[scheduler]}, gateway ${PORT[gateway]})"
"$MEMOS" migrate >"$RUN/migrate.log" 2>&1 || { say "memos migrate failed:"; tail -n 20 "$RUN/migrate.log" >&2; exit 1; }
for name in "${NAMES[@]}"; do start_service "$name"; done
for name in "${NAMES[@]}"; do
    wait_serving "$name" 90 || { say "$name did not serve within 90 s; its log:"; tail -n 30 "$RUN/$name.log" >&2; exit 1; }
done
wait_ready 60 || { say "/readyz not 200 within 60 s: $(curl -s "$GW/readyz")"; exit 1; }
say "stack ready (PIDs ingest ${PID[ingest]}, retrieval ${PID[retrieval]}, scheduler ${PID[scheduler]}, gateway ${PID[gateway]})"

# ---- 3. identity and load ---------------------------------------------------------------------------------------
CUBE=faults
python3 scripts/faults_load.py setup --gateway "$GW" --admin-key "$ADMIN_KEY" --cube "$CUBE" --out "$RUN"
USER_KEY="$(cat "$RUN/user-key")"
DEADLINE=10
PROBE_ITEMS=500
python3 scripts/faults_load.py load --gateway "$GW" --key "$USER_KEY" --cube "$CUBE" --out "$RUN" \
    --stop-file "$RUN/stop-load" --probe-file "$RUN/probe" --probe-items "$PROBE_ITEMS" \
    --writers 4 --readers 1 --deadline "$DEADLINE" --run-id "f$(date +%s)" \
    >"$RUN/load.log" 2>&1 &
LOAD_PID=$!
event load load-start
BASELINE=5
say "load running (4 writers, 1 reader); ${BASELINE}s of baseline"
sleep "$BASELINE"

# ---- 4. faults --------------------------------------------------------------------------------------------------
recover() { # fault name: the restarted process serves, /readyz 200, then the recovery pause
    local fault="$1" name="${2:-}"
    if [[ -n "$name" ]]; then
        if wait_serving "$name" 60; then event "$fault" serving; else problem "$fault: $name did not serve within 60 s"; fi
    fi
    if wait_ready 60 "during $fault"; then event "$fault" ready; else problem "$fault: /readyz not 200 within 60 s: $(curl -s --max-time 3 "$GW/readyz")"; fi
    local until=$((SECONDS + PAUSE))
    while ((SECONDS < until)); do
        check_alive "during the recovery pause after $fault"
        sleep 0.5
    done
}

kill9() { # name
    local name="$1" fault="kill-9 $1" old="${PID[$1]}"
    CURRENT_FAULT="$fault"
    say "$fault (PID $old)"
    event "$fault" inject "pid $old"
    kill -KILL "$old"
    wait "$old" 2>/dev/null || true
    event "$fault" gone
    start_service "$name"
    event "$fault" restarted "pid ${PID[$name]}"
    recover "$fault" "$name"
}

pg_restart() {
    local fault="postgres immediate restart"
    CURRENT_FAULT="$fault"
    say "$fault"
    event "$fault" inject
    # As local-postgres.sh does: the server must not inherit our descriptors beyond 0-2.
    if (
        for fd in "/proc/$BASHPID/fd/"*; do
            fd="${fd##*/}"
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -m immediate -w -t 60 restart
    ) </dev/null >>"$RUN/pg_ctl.log" 2>&1; then
        event "$fault" "server up"
    else
        problem "$fault: pg_ctl restart failed; see $RUN/pg_ctl.log and $PG_LOG"
    fi
    recover "$fault"
}

sigterm() { # name: graceful stop with requests in flight; it must exit within DRAIN_LIMIT
    local name="$1" fault="sigterm $1" old="${PID[$1]}" t0 t1 exited=1
    CURRENT_FAULT="$fault"
    say "$fault (PID $old) with a batch add of $PROBE_ITEMS memories in flight"
    # Besides the writers' requests, one slow request certain to be in flight: a batch add (the probe, ~1 MB),
    # sent by the load generator when the file probe appears. The signal goes once the process has read the
    # whole body from its sockets (their bytes_received, per ss, grew by its size and nothing is left unread), so
    # it lands while the batch is being embedded and stored. Draining means the probe completes (200).
    local before size got
    before="$(received_bytes "${PORT[$name]}")"
    touch "$RUN/probe"
    for _ in $(seq 1 100); do
        [[ -s "$RUN/probe-sent" ]] && break
        sleep 0.05
    done
    size="$(cat "$RUN/probe-sent" 2>/dev/null || echo 0)"
    for _ in $(seq 1 200); do
        got="$(received_bytes "${PORT[$name]}")"
        ((got - before >= size && size > 0)) && [[ "$(unread_bytes "${PORT[$name]}")" == 0 ]] && break
        sleep 0.05
    done
    if ((size == 0 || got - before < size)); then
        problem "$fault: the probe ($size bytes) did not reach $name within 10 s (it received $((got - before)) bytes)"
    else
        event "$fault" "probe received" "$size bytes"
    fi
    event "$fault" inject "pid $old"
    event "$fault" sigterm
    t0=$EPOCHREALTIME
    kill -TERM "$old"
    for _ in $(seq 1 $((DRAIN_LIMIT * 10))); do
        kill -0 "$old" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$old" 2>/dev/null; then
        exited=0
        kill -KILL "$old" 2>/dev/null || true
    fi
    local status=0
    wait "$old" 2>/dev/null || status=$?
    t1=$EPOCHREALTIME
    printf '%s\t%s\t%s\t%s\n' "$name" "fault" "$(elapsed "$t0" "$t1")" "$exited" >>"$RUN/drains.tsv"
    event "$fault" gone "after $(elapsed "$t0" "$t1") s, status $status$( ((exited)) || echo ', SIGKILLed')"
    start_service "$name"
    event "$fault" restarted "pid ${PID[$name]}"
    recover "$fault" "$name"
}

DRAIN_LIMIT=30
check_alive "before the faults"
chosen() { [[ -z "$ONLY" || ",$ONLY," == *",$1,"* ]]; }
chosen kill-ingest && kill9 ingest
chosen kill-retrieval && kill9 retrieval
chosen kill-scheduler && kill9 scheduler
chosen kill-gateway && kill9 gateway
chosen postgres && pg_restart
chosen sigterm-ingest && sigterm ingest
if chosen big-jobs; then
    # Two large reorganisations at once (an import into each of two cubes) while the load runs: the scheduler's
    # health check (through /readyz) and its status RPC must stay responsive.
    CURRENT_FAULT="big jobs"
    say "big jobs: importing $BIG_JOBS_MEMORIES memories into each of two cubes"
    event "big jobs" inject
    python3 scripts/jobs_health.py --gateway "$GW" --key "$USER_KEY" --cubes 2 --memories "$BIG_JOBS_MEMORIES" \
        >"$RUN/big-jobs.txt" 2>&1 || problem "big jobs: scripts/jobs_health.py failed; see $RUN/big-jobs.txt"
    event "big jobs" done
    check_alive "after the big jobs"
fi

# ---- 5. stop, check, report -------------------------------------------------------------------------------------
# From here on nothing may end the script early (a grep that finds nothing is not an error): the report must come.
set +e +o pipefail
say "stopping the load"
touch "$RUN/stop-load"
event load load-stop
wait "$LOAD_PID"
LOAD_RC=$?
LOAD_PID=""
((LOAD_RC == 0)) || problem "the load generator exited with status $LOAD_RC; see $RUN/load.log"
check_alive "at the end"
wait_ready 30 || problem "/readyz not 200 at the end: $(curl -s --max-time 3 "$GW/readyz")"
# The job queue must have recovered too: the cube's background jobs (reorganize) finish once writes stop.
IDLE="$(curl -s --max-time 40 -X POST "$GW/v1/cubes/$CUBE/jobs/wait?timeout_ms=30000" -H "Authorization: Bearer $USER_KEY")"
if [[ "$IDLE" =~ \"idle\":[[:space:]]*true ]]; then
    WAITED="$(grep -Eo '"waited_ms":[[:space:]]*[0-9]+' <<<"$IDLE" | grep -Eo '[0-9]+$' || true)"
    printf 'scheduler: the cube'"'"'s job queue was idle %s ms after the load stopped\n' "${WAITED:-0}" >>"$RUN/notes.txt"
else
    problem "the scheduler did not finish the cube's jobs within 30 s after the load stopped (job queue stalled): ${IDLE:-no answer}"
fi

say "SIGTERM to the four processes"
declare -A T0=()
for name in "${NAMES[@]}"; do
    T0[$name]=$EPOCHREALTIME
    kill -TERM "${PID[$name]}" 2>/dev/null
done
declare -A STOPPED=()
for _ in $(seq 1 $((DRAIN_LIMIT * 10))); do
    for name in "${NAMES[@]}"; do
        if [[ -z "${STOPPED[$name]:-}" ]] && ! kill -0 "${PID[$name]}" 2>/dev/null; then
            STOPPED[$name]=1
            printf '%s\t%s\t%s\t1\n' "$name" "end" "$(elapsed "${T0[$name]}" "$EPOCHREALTIME")" >>"$RUN/drains.tsv"
        fi
    done
    ((${#STOPPED[@]} == ${#NAMES[@]})) && break
    sleep 0.1
done
for name in "${NAMES[@]}"; do
    if [[ -z "${STOPPED[$name]:-}" ]]; then
        printf '%s\t%s\t%s\t0\n' "$name" "end" "$(elapsed "${T0[$name]}" "$EPOCHREALTIME")" >>"$RUN/drains.tsv"
        kill -KILL "${PID[$name]}" 2>/dev/null
    fi
    wait "${PID[$name]}" 2>/dev/null
    PID[$name]=""
done

# What the processes wrote: crash reports of the Swift runtime, or a drain cut short.
CRASH_PATTERN='Fatal error|Swift runtime failure|Program crashed|crashed:|Signal [0-9]+: Backtracing|Received signal|Segmentation fault|Illegal instruction|Assertion failed|Precondition failed|still stopping after the drain limit'
for name in "${NAMES[@]}"; do
    if grep -Eq "$CRASH_PATTERN" "$RUN/$name.log"; then
        problem "the log of $name reports a crash or a cut-short drain: $(grep -Em 3 "$CRASH_PATTERN" "$RUN/$name.log" | cut -c1-300 | tr '\n' ' ')"
    fi
done

# Database calls that hung until their bound (the request's deadline, else 5 minutes) and were given up: not a
# violation by themselves (a client past its deadline is), but the reason behind long windows and slow drains.
for name in "${NAMES[@]}"; do
    grep -h 'database call abandoned' "$RUN/$name.log" | sed -E 's/^([^ ]+) .*after=([0-9.]{1,5})[0-9]* seconds( request_id=([^ ]+))?.*/\1 after \2 s (request id \4)/' |
        sed "s/^/$name: database call abandoned at /" >>"$RUN/notes.txt"
done

# Every memory of the cube by content (all statuses): an acknowledged write must be there exactly once.
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$FAULTS_DB" -At \
    -c "SELECT content, count(*) FROM memories WHERE cube_id = '$CUBE' GROUP BY content" >"$RUN/db-counts.txt" ||
    problem "could not count the memories in PostgreSQL"
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$FAULTS_DB" -At \
    -c "SELECT status, count(*) FROM memories WHERE cube_id = '$CUBE' GROUP BY status ORDER BY status" \
    -c "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status ORDER BY kind, status" >"$RUN/db-summary.txt"
# When each probe's transaction ran (its idempotency key is written first): tells whether a probe attempt that
# failed was applied all the same.
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$FAULTS_DB" -At -F ' ' \
    -c "SELECT key, extract(epoch FROM created_at) FROM idempotency_keys WHERE cube_id = '$CUBE' AND key LIKE '%-probe-%'" \
    >"$RUN/db-probe-keys.txt"

echo
echo "==================== faults.sh report (binary $BINARY, ${PAUSE}s per fault, $(elapsed "$STARTED_AT" "$EPOCHREALTIME") s) ===================="
python3 scripts/faults_load.py report --run "$RUN" --db-counts "$RUN/db-counts.txt" --deadline "$DEADLINE" \
    --drain-limit "$DRAIN_LIMIT" | tee "$RUN/report.txt"
RC=${PIPESTATUS[0]}
echo "memories by status, jobs by kind and status: $(tr '\n' ' ' <"$RUN/db-summary.txt")"
[[ -s "$RUN/big-jobs.txt" ]] && cat "$RUN/big-jobs.txt"
echo "logs, request records and this report: $RUN"
if ((RC != 0)); then
    echo "faults.sh: VIOLATIONS (above)"
    exit 1
fi
echo "faults.sh: no violation"
