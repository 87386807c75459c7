#!/usr/bin/env bash
# The container images, really run: builds them with deploy/build-images.sh (no registry needed), starts
# PostgreSQL, the one-shot migration, the three services and the gateway from deploy/compose.yaml with
# podman-compose (or, with --plain or without podman-compose, the same containers by plain `podman run`), then
# through the gateway's HTTP API: creates a user, a key and a cube with the admin key, adds a memory, searches
# it, and checks every service's health with `memos health` inside its container and compose's health checks.
# Tears everything down on exit unless --keep.
# Usage (as root): deploy/smoke.sh [--binary PATH] [--plain] [--keep] [--refresh-base] [--strip-debug]
#   --binary PATH  the memos binary for the image (default .build/release/memos, else .build/debug/memos)
#   --plain        plain `podman run` instead of podman-compose
#   --keep         leave the containers running (remove them with the next run, or see the end of the output)
#   the other options and the environment (MEMOS_MODEL_DIR, MEMOS_PODMAN_CACHE, ...): see deploy/build-images.sh
# Needs on the host (Debian 12): podman buildah debootstrap runc containernetworking-plugins
# golang-github-containernetworking-plugin-dnsname podman-compose (installed with apt-get when missing); curl and
# python3; ports 8080 and 50051-50053 free for the compose path (compose.yaml publishes them). A first run takes
# 3-5 minutes on 2 cores (debootstrap about 50 s, the images about 75 s, the stack and its checks 30-45 s); with the
# base cached (MEMOS_PODMAN_CACHE) and the images built, about 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BUILD_ARGS=()
PLAIN=0
KEEP=0
while (($#)); do
    case "$1" in
        --binary) BUILD_ARGS+=(--binary "$2"); shift 2 ;;
        --refresh-base|--strip-debug|--dockerfile|--local) BUILD_ARGS+=("$1"); shift ;;
        --plain) PLAIN=1; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "smoke.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

START=$SECONDS
log() { printf 'smoke.sh [%3ss]: %s\n' "$((SECONDS - START))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# What it needs on the host, installed from Debian's packages when missing (as root, or with sudo).
if ! command -v podman >/dev/null || ! command -v podman-compose >/dev/null || ! command -v debootstrap >/dev/null \
    || ! command -v runc >/dev/null || ! compgen -G '/usr/lib/cni/dnsname' >/dev/null; then
    log "installing podman, buildah, debootstrap, runc, the CNI plugins and podman-compose (apt-get)"
    SUDO=""
    [[ "$(id -u)" == 0 ]] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah debootstrap runc \
        containernetworking-plugins golang-github-containernetworking-plugin-dnsname podman-compose >&2 \
        || { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah \
            debootstrap runc containernetworking-plugins golang-github-containernetworking-plugin-dnsname podman-compose >&2; }
fi
if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then die "curl and python3 are needed on the host"; fi
if ((!PLAIN)) && ! command -v podman-compose >/dev/null; then
    log "podman-compose is missing (apt-get install podman-compose): running the containers with plain podman"
    PLAIN=1
fi

PROJECT="${SMOKE_PROJECT:-memos-smoke}"
# Like compose.yaml's ${MEMOS_ADMIN_KEY:?}: at least 24 characters.
MEMOS_ADMIN_KEY="smoke-$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')"
export MEMOS_ADMIN_KEY

# --- images ---
log "building the images ..."
deploy/build-images.sh --postgres "${BUILD_ARGS[@]}" || die "deploy/build-images.sh failed"
CACHE="${MEMOS_PODMAN_CACHE:-$ROOT/.local/podman}"
# shellcheck disable=SC1091
source "$CACHE/podman.env"
# podman's and podman-compose's own output (podman also complains there that without systemd it cannot schedule
# health checks: this script runs them itself).
PODLOG="$CACHE/smoke-podman.log"
: >"$PODLOG"
log "images ready"

# --- the stack ---
COMPOSE=(podman-compose -p "$PROJECT" -f deploy/compose.yaml)
ctr() { # the container of a service
    if ((PLAIN)); then echo "$PROJECT-$1"; else echo "${PROJECT}_$1_1"; fi
}
project_containers() {
    podman ps -a --format '{{.Names}}' | grep -E "^${PROJECT}[-_](postgres|migrate|ingest|retrieval|scheduler|gateway)(_1)?$" || true
}
teardown() {
    local names
    names="$(project_containers)"
    # shellcheck disable=SC2086
    [[ -z "$names" ]] || podman rm -f -t 5 $names >/dev/null 2>&1 || true
    podman network rm -f "$PROJECT" "${PROJECT}_default" >/dev/null 2>&1 || true
    podman volume rm -f "${PROJECT}_pgdata" >/dev/null 2>&1 || true
}
show_logs() {
    local c
    for c in $(project_containers); do
        echo "----- $c ($(podman inspect -f '{{.State.Status}} exit {{.State.ExitCode}}' "$c" 2>/dev/null)):" >&2
        podman logs --tail 25 "$c" 2>&1 | sed 's/^/    /' >&2 || true
    done
    [[ ! -s "${PODLOG:-}" ]] || { echo "----- podman's output ($PODLOG):" >&2; grep -v 'systemd connection' "$PODLOG" | tail -15 | sed 's/^/    /' >&2; }
}
on_exit() {
    local rc=$?
    ((rc == 0)) || show_logs
    if ((KEEP)); then
        log "kept: $(project_containers | tr '\n' ' ')(gateway ${GATEWAY:-not started}, admin key $MEMOS_ADMIN_KEY)"
        log "the next run removes them, or: podman rm -f -t 5 \$(podman ps -aq --filter name=$PROJECT);" \
            "podman network rm $PROJECT ${PROJECT}_default; podman volume rm ${PROJECT}_pgdata"
    else
        log "tearing down ..."
        teardown
    fi
    if ((rc == 0)); then log "PASSED in $((SECONDS - START)) s"; else log "FAILED (exit $rc) after $((SECONDS - START)) s"; fi
}
teardown # what a previous --keep run left
trap on_exit EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every half second
    local limit=$1 what=$2 deadline=$((SECONDS + $1))
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "$what: not within $limit s"
        sleep 0.5
    done
}

if ((PLAIN)); then
    # The containers of compose.yaml, by hand: same images, commands, environment and network aliases; only the
    # gateway's port is published, on a free port of the host's loopback.
    podman network create "$PROJECT" >/dev/null
    podman volume create "${PROJECT}_pgdata" >/dev/null
    run() { # run SERVICE PODMAN-RUN-ARGUMENTS...
        local service=$1; shift
        podman run -d --name "$(ctr "$service")" --network "$PROJECT" --network-alias "$service" "$@" \
            >>"$PODLOG" 2>&1 || die "podman run of $service failed (see $PODLOG)"
    }
    memos_env=(-e MEMOS_DATABASE_URL=postgres://postgres:memos@postgres:5432/memos -e MEMOS_HOST=0.0.0.0)
    run postgres -e POSTGRES_PASSWORD=memos -e POSTGRES_DB=memos -v "${PROJECT}_pgdata:/var/lib/postgresql/data" \
        --health-cmd 'pg_isready -U postgres -d memos' postgres:15
else
    for port in 8080 50051 50052 50053; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            die "port $port is taken on this host; compose.yaml publishes it (use --plain)"
        fi
    done
    # podman-compose 1.0 ignores depends_on conditions: start in the order they state, waiting here.
    "${COMPOSE[@]}" up -d postgres >>"$PODLOG" 2>&1 || die "podman-compose up -d postgres failed (see $PODLOG)"
fi
log "postgres started; waiting until it is healthy ..."
# compose.yaml's health check (podman runs health checks from systemd timers; without systemd, on request).
wait_for 60 "postgres healthy" podman healthcheck run "$(ctr postgres)"

if ((PLAIN)); then
    run migrate "${memos_env[@]}" memos-swift:local migrate
else
    "${COMPOSE[@]}" up -d migrate >>"$PODLOG" 2>&1 || die "podman-compose up -d migrate failed (see $PODLOG)"
fi
migrate_rc="$(podman wait "$(ctr migrate)")"
[[ "$migrate_rc" == 0 ]] || die "migrate exited with $migrate_rc"
log "migrate exited 0"

if ((PLAIN)); then
    for pair in ingest:50051 retrieval:50052 scheduler:50053; do
        service="${pair%:*}" port="${pair#*:}"
        extra=()
        [[ "$service" == scheduler ]] && extra=(-e "MEMOS_ADMIN_KEY=$MEMOS_ADMIN_KEY")
        run "$service" "${memos_env[@]}" "${extra[@]}" --restart unless-stopped \
            --health-cmd "memos health --address 127.0.0.1:$port" memos-swift:local "$service"
    done
    run gateway -e MEMOS_HOST=0.0.0.0 -e MEMOS_INGEST_ADDR=ingest:50051 -e MEMOS_RETRIEVAL_ADDR=retrieval:50052 \
        -e MEMOS_SCHEDULER_ADDR=scheduler:50053 --restart unless-stopped -p 127.0.0.1::8080 \
        --health-cmd "memos health --address 127.0.0.1:8080 --http" memos-swift:local gateway
    GATEWAY="http://$(podman port "$(ctr gateway)" 8080 | head -1)"
else
    # (This starts the exited migrate container once more, as its name is taken: a second, idempotent run.)
    "${COMPOSE[@]}" up -d >>"$PODLOG" 2>&1 || die "podman-compose up -d failed (see $PODLOG)"
    GATEWAY="http://127.0.0.1:8080"
fi
log "services and gateway started; gateway at $GATEWAY"

# --- health, inside each container ---
for pair in ingest:50051 retrieval:50052 scheduler:50053; do
    service="${pair%:*}" port="${pair#*:}"
    wait_for 60 "$service health" podman exec "$(ctr "$service")" memos health --address "127.0.0.1:$port"
    log "$service: memos health --address 127.0.0.1:$port -> $(podman exec "$(ctr "$service")" memos health --address "127.0.0.1:$port" 2>&1 | tr '\n' ' ')"
done
wait_for 60 "gateway health" podman exec "$(ctr gateway)" memos health --address 127.0.0.1:8080 --http
log "gateway: memos health --address 127.0.0.1:8080 --http -> $(podman exec "$(ctr gateway)" memos health --address 127.0.0.1:8080 --http 2>&1 | tr '\n' ' ')"
for service in postgres ingest retrieval scheduler gateway; do
    podman healthcheck run "$(ctr "$service")" >/dev/null || die "the health check of $service fails"
done
log "compose.yaml's health checks (podman healthcheck run): postgres ingest retrieval scheduler gateway healthy"
# The network's DNS, as each process uses it (see build-images.sh on aardvark-dns).
for pair in ingest:postgres retrieval:postgres scheduler:postgres gateway:ingest gateway:retrieval gateway:scheduler; do
    wait_for 60 "${pair%:*} resolving ${pair#*:}" podman exec "$(ctr "${pair%:*}")" getent hosts "${pair#*:}"
done
log "names resolve on the network (postgres from the services; the services from the gateway)"
missing="$(podman exec "$(ctr ingest)" ldd /usr/local/bin/memos | grep 'not found' || true)"
[[ -z "$missing" ]] || die "libraries missing in the container: $missing"
log "ldd in the ingest container: nothing missing"
wait_for 60 "gateway /readyz" curl -fsS "$GATEWAY/readyz"

# --- the API, through the gateway ---
api() { # api METHOD PATH KEY [BODY]: prints the body; fails unless 2xx
    local out status body=()
    (($# < 4)) || body=(-d "$4")
    out="$(curl -sS -X "$1" "$GATEWAY$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
        "${body[@]}" -w '\n%{http_code}')"
    status="${out##*$'\n'}"
    [[ "$status" == 2?? ]] || die "$1 $2 answered $status: ${out%$'\n'*}"
    printf '%s' "${out%$'\n'*}"
}
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

status="$(curl -s -o /dev/null -w '%{http_code}' "$GATEWAY/v1/cubes" -H 'Authorization: Bearer mk_not_a_key')"
[[ "$status" == 401 ]] || die "a bad key answered $status, not 401"
# (api runs in a command substitution: its die ends only that, so each call is followed by "|| exit 1".)
response="$(api POST /v1/users "$MEMOS_ADMIN_KEY" '{"name": "smoke"}')" || exit 1
USER_ID="$(json 'd["id"]' <<<"$response")"
response="$(api POST /v1/keys "$MEMOS_ADMIN_KEY" "{\"user_id\": \"$USER_ID\", \"name\": \"smoke\"}")" || exit 1
USER_KEY="$(json 'd["key"]' <<<"$response")"
api POST /v1/cubes "$USER_KEY" '{"cube_id": "smoke-cube"}' >/dev/null
log "user smoke ($USER_ID), a key and cube smoke-cube created through the gateway"
response="$(api POST /v1/memories "$USER_KEY" \
    '{"cube_id": "smoke-cube", "content": "Alice likes green tea", "tags": ["drink"]}')" || exit 1
MEMORY_ID="$(json 'd["memories"][0]["id"]' <<<"$response")"
log "memory $MEMORY_ID added"
deadline=$((SECONDS + 20))
while :; do
    response="$(api POST /v1/search "$USER_KEY" \
        '{"cube_ids": ["smoke-cube"], "query": "what does Alice like to drink?"}')" || exit 1
    hits="$(json '" ".join(h["memory"]["id"] for h in d.get("hits", []))' <<<"$response")"
    [[ " $hits " == *" $MEMORY_ID "* ]] && break
    ((SECONDS < deadline)) || die "search did not find memory $MEMORY_ID within 20 s (hits: ${hits:-none})"
    sleep 0.5
done
log "search found memory $MEMORY_ID"
