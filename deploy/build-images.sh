#!/usr/bin/env bash
# Builds the container images with podman on a machine that reaches Debian's apt mirror but no container
# registry (run as root, from anywhere):
#   debian:bookworm-slim  a Debian bookworm root filesystem made by debootstrap --variant=minbase, upgraded from
#                         bookworm-updates and bookworm-security, trimmed like Docker's slim image and imported
#   memos-swift:local     deploy/Dockerfile when the toolchain image swift:6.3-bookworm is present locally (or
#                         --dockerfile); otherwise deploy/Containerfile.local around a memos binary built on this
#                         host (its runtime stage is deploy/Dockerfile's, checked below, plus the Swift runtime
#                         libraries a binary built without --static-swift-stdlib needs)
#   postgres:15           with --postgres: deploy/Containerfile.postgres, PostgreSQL 15 from Debian run like the
#                         official image (POSTGRES_PASSWORD, POSTGRES_DB, PGDATA), for deploy/compose.yaml
# Usage: deploy/build-images.sh [--binary PATH] [--postgres] [--dockerfile] [--refresh-base] [--strip-debug]
#   --binary PATH   the memos binary (default .build/release/memos, else .build/debug/memos)
#   --strip-debug   put the binary in the image without its DWARF debug info (a debug build: 215 MB -> 150 MB)
#   --refresh-base  run debootstrap again instead of reusing the cached tarball
# Environment: MEMOS_PODMAN_CACHE (default .local/podman: the debootstrap tarball, the build context,
# containers.conf), MEMOS_MODEL_DIR (default .local/models/all-MiniLM-L6-v2, fetched by scripts/fetch-model.sh
# when missing), MEMOS_DEBIAN_MIRROR and MEMOS_DEBIAN_SECURITY_MIRROR (default: the ones this host's apt uses for
# bookworm and bookworm-security, else debootstrap's default and the security archive beside it).
#
# Podman's defaults do not run a container in every sandbox, nor resolve names reliably with Debian 12's
# aardvark-dns: this writes $MEMOS_PODMAN_CACHE/containers.conf with the settings that work (CNI's dnsname plugin
# instead of aardvark-dns before 1.11; when `podman run` of the base image fails, file-descriptor and process
# limits no higher than the sandbox allows and runc when crun refuses a cgroup v1/v2 hybrid) and
# $MEMOS_PODMAN_CACHE/podman.env exporting CONTAINERS_CONF; deploy/smoke.sh sources it. Set CONTAINERS_CONF
# yourself to skip this.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BINARY=""
WITH_POSTGRES=0
MODE=auto
REFRESH_BASE=0
STRIP_DEBUG=0
while (($#)); do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --postgres) WITH_POSTGRES=1; shift ;;
        --dockerfile) MODE=dockerfile; shift ;;
        --local) MODE=local; shift ;;
        --refresh-base) REFRESH_BASE=1; shift ;;
        --strip-debug) STRIP_DEBUG=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-images.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

log() { echo "build-images.sh: $*" >&2; }
die() { log "$*"; exit 1; }
set -E
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR

[[ "$(id -u)" == 0 ]] || die "run as root (debootstrap and rootful podman)"
command -v podman >/dev/null || die "podman is missing: apt-get install podman buildah debootstrap runc" \
    "containernetworking-plugins golang-github-containernetworking-plugin-dnsname"

CACHE="${MEMOS_PODMAN_CACHE:-$ROOT/.local/podman}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
SUITE=bookworm
ARCH="$(dpkg --print-architecture)"
# The mirror this host's apt uses for a suite (deb822 .sources or one-line lists), unless given; or nothing.
host_apt_uri() {
    local f
    {
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        awk -v suite="$1" '
            /^[[:space:]]*$/ { if (uri != "" && hit) { print uri; found = 1; exit } uri = ""; hit = 0; next }
            tolower($1) == "uris:" { uri = $2 }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
            END { if (!found && uri != "" && hit) print uri }' "$f"
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v suite="$1" '
        $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == suite) print $i }' \
        || true
    } | awk 'NR == 1'
}
MIRROR="${MEMOS_DEBIAN_MIRROR:-$(host_apt_uri "$SUITE")}"
SECURITY_MIRROR="${MEMOS_DEBIAN_SECURITY_MIRROR:-$(host_apt_uri "$SUITE-security")}"
BASE_TAR="$CACHE/debian-$SUITE-minbase-$ARCH.tar"
BASE_IMAGE=debian:bookworm-slim
IMAGE=memos-swift:local
# Every build uses local images only: no registry is asked for a base image.
BUILD=(podman build --pull=never)
# Runs a build quietly into $CACHE/build-NAME.log; shows its end when it fails.
build() {
    local name="$1"; shift
    if ! nice "${BUILD[@]}" "$@" >"$CACHE/build-$name.log" 2>&1; then
        tail -25 "$CACHE/build-$name.log" >&2
        die "podman build of $name failed (the whole log: $CACHE/build-$name.log)"
    fi
}

# --- 1. the Debian root filesystem (cached) ---
make_base_tar() {
    command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
    local tmp rootfs
    tmp="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    rootfs="$tmp/rootfs"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    log "debootstrap --variant=minbase $SUITE ($ARCH) from ${MIRROR:-the default mirror of debootstrap} ..."
    # shellcheck disable=SC2086 # an empty MIRROR: no argument, the default mirror of debootstrap
    nice debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$rootfs" $MIRROR >"$tmp/debootstrap.log" 2>&1 \
        || { tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }
    # The mirror debootstrap used, and its security suite's beside it unless known.
    MIRROR="$(awk '$1 == "deb" {print $2; exit}' "$rootfs/etc/apt/sources.list")"
    SECURITY_MIRROR="${SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}"
    # The sources, apt and dpkg settings of Docker's debian:bookworm-slim.
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Acquire::GzipIndexes "true";\n' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # Point releases and security fixes published since the suite's last release (the image is as fresh as the
    # tarball: --refresh-base to renew it).
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    log "upgrading from $SUITE-updates and $SUITE-security ..."
    nice chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
        'apt-get update -qq && apt-get upgrade -y -qq && apt-get clean' >"$tmp/upgrade.log" 2>&1 \
        || { tail -20 "$tmp/upgrade.log" >&2; die "apt-get upgrade in the new root filesystem failed"; }
    # What debootstrap installed before the dpkg excludes existed, and the caches.
    find "$rootfs/usr/share/doc" -mindepth 2 ! -type d ! -name copyright -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
        "$rootfs"/var/log/apt/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old
    : >"$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/hostname"
    tar --numeric-owner --xattrs -C "$rootfs" -cf "$BASE_TAR.part" .
    sha256sum "$BASE_TAR.part" | cut -d' ' -f1 >"$BASE_TAR.sha256"
    mv "$BASE_TAR.part" "$BASE_TAR"
    rm -rf "$tmp"
    trap - EXIT
    log "cached $BASE_TAR ($(du -h "$BASE_TAR" | cut -f1))"
}
if ((REFRESH_BASE)) || [[ ! -s "$BASE_TAR" || ! -s "$BASE_TAR.sha256" ]]; then
    make_base_tar
fi
BASE_SHA="$(cat "$BASE_TAR.sha256")"

# --- 2. debian:bookworm-slim (imported again only when the tarball changed) ---
image_label() { podman image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null || true; }
if [[ "$(image_label "$BASE_IMAGE" memos.base.tar-sha256)" != "$BASE_SHA" ]]; then
    log "importing $BASE_TAR as $BASE_IMAGE ..."
    podman import --quiet \
        --change "LABEL memos.base.tar-sha256=$BASE_SHA" \
        --change "LABEL org.opencontainers.image.description=Debian $SUITE minbase by debootstrap (deploy/build-images.sh)" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        "$BASE_TAR" "$BASE_IMAGE" >/dev/null
fi

# --- 3. podman settings this machine needs ---
# A container on the default network, so that the OCI runtime, the limits and the network backend are all tried.
probe() { podman run --rm "$BASE_IMAGE" true >/dev/null 2>"$CACHE/probe.err"; }
first_executable() { local f; for f in "$@"; do [[ -x "$f" ]] && { echo "$f"; return 0; }; done; return 1; }
# aardvark-dns before 1.11 (Debian 12 has 1.4) tears its servers down and up again on every SIGHUP, i.e. whenever a
# container joins or leaves a network, and then may not answer for up to a minute: services fail to resolve
# "postgres". Podman 4 can use CNI's dnsname plugin (dnsmasq) instead, which reloads without dropping queries.
network_conf=""
aardvark="$(first_executable /usr/libexec/podman/aardvark-dns /usr/lib/podman/aardvark-dns \
    /usr/local/libexec/podman/aardvark-dns /usr/local/lib/podman/aardvark-dns || true)"
aardvark_version="$([[ -z "$aardvark" ]] || "$aardvark" --version 2>/dev/null | awk '{print $2}')"
podman_major="$(podman version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)"
if [[ "$podman_major" == [0-4] ]] && [[ -z "$aardvark_version" \
    || "$(printf '%s\n' "$aardvark_version" 1.11.0 | sort -V | head -1)" != 1.11.0 ]]; then
    if first_executable /usr/libexec/cni/dnsname /usr/lib/cni/dnsname /opt/cni/bin/dnsname >/dev/null; then
        network_conf="[network]
# aardvark-dns ${aardvark_version:-(not installed)} stops answering for up to a minute after containers come and go
# (fixed in 1.11): CNI with the dnsname plugin instead.
network_backend = \"cni\""
    else
        log "warning: aardvark-dns ${aardvark_version:-(not installed)} may not answer name lookups (for up to a" \
            "minute after containers start or stop); apt-get install golang-github-containernetworking-plugin-dnsname"
    fi
fi
write_conf() { # write_conf WHY [RUNTIME NOFILE NPROC]
    {
        echo "# Written by deploy/build-images.sh: $1"
        if (($# > 1)); then
            cat <<EOF
[containers]
# Limits the sandbox lets root set (no CAP_SYS_RESOURCE: podman's default nofile/nproc of 1048576 is refused).
default_ulimits = ["nofile=$3:$3", "nproc=$4:$4"]

[engine]
# The first OCI runtime that ran a container here (crun 1.8 refuses a cgroup v1 hierarchy with a controller on
# the unified mount, "cgroups in hybrid mode"; runc does not).
runtime = "$2"
cgroup_manager = "cgroupfs"
events_logger = "file"

EOF
        fi
        [[ -z "$network_conf" ]] || echo "$network_conf"
    } >"$CACHE/containers.conf"
}
# shellcheck disable=SC1091
if [[ -n "${CONTAINERS_CONF:-}" ]]; then
    log "using CONTAINERS_CONF=$CONTAINERS_CONF"
    probe || { cat "$CACHE/probe.err" >&2; die "podman cannot run a container with CONTAINERS_CONF=$CONTAINERS_CONF"; }
    printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF" >"$CACHE/podman.env"
elif [[ -s "$CACHE/podman.env" && -s "$CACHE/containers.conf" ]] \
    && [[ "$(grep -c '^network_backend = "cni"' "$CACHE/containers.conf")" == "$([[ -n "$network_conf" ]] && echo 1 || echo 0)" ]] \
    && (source "$CACHE/podman.env" && probe); then
    : # the settings an earlier run wrote still work
else
    if [[ -n "$network_conf" ]]; then
        write_conf "the network backend (below)"
        export CONTAINERS_CONF="$CACHE/containers.conf"
    fi
    if ! probe; then
        default_error="$(tail -1 "$CACHE/probe.err")"
        log "podman's defaults fail here ($default_error); trying sandbox settings ..."
        nofile="$(ulimit -Hn)"; [[ "$nofile" == unlimited || "$nofile" -gt 1048576 ]] && nofile=1048576
        # podman lowers its own process limit to 32768 when it may not raise it; a container may not exceed that.
        nproc="$(ulimit -Hu)"; [[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
        export CONTAINERS_CONF="$CACHE/containers.conf"
        ok=0
        for runtime in crun runc; do
            command -v "$runtime" >/dev/null || continue
            write_conf "podman's defaults failed on this machine ($default_error)" "$runtime" "$nofile" "$nproc"
            if probe; then ok=1; break; fi
        done
        ((ok)) || { cat "$CACHE/probe.err" >&2; die "podman cannot run a container here, even with $CONTAINERS_CONF"; }
        log "sandbox settings: runtime $runtime, nofile $nofile, nproc $nproc"
    fi
    if [[ -n "${CONTAINERS_CONF:-}" ]]; then
        log "podman runs containers with $CONTAINERS_CONF${network_conf:+ (network backend CNI)}"
        printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF" >"$CACHE/podman.env"
    else
        : >"$CACHE/podman.env"
    fi
fi
# shellcheck disable=SC1091
source "$CACHE/podman.env"

# --- 4. memos-swift:local ---
if [[ "$MODE" == auto ]]; then
    if podman image exists swift:6.3-bookworm; then MODE=dockerfile; else MODE=local; fi
fi
if [[ "$MODE" == dockerfile ]]; then
    podman image exists swift:6.3-bookworm || log "swift:6.3-bookworm is not present locally; the build will fail"
    log "building $IMAGE from deploy/Dockerfile ..."
    build memos -f deploy/Dockerfile -t "$IMAGE" .
else
    if [[ -z "$BINARY" ]]; then
        for candidate in .build/release/memos .build/debug/memos; do
            [[ -x "$candidate" ]] && { BINARY="$candidate"; break; }
        done
        [[ -n "$BINARY" ]] || die "no memos binary: build one (swift build -c release --product memos) or pass --binary"
    fi
    [[ -x "$BINARY" ]] || die "not an executable: $BINARY"
    MODEL_DIR="$(MEMOS_MODEL_DIR="${MEMOS_MODEL_DIR:-$ROOT/.local/models/all-MiniLM-L6-v2}" scripts/fetch-model.sh)"

    # The build context: the binary, the model and the libraries the binary needs from outside the system's
    # library directories (the Swift runtime of a toolchain in /opt or /usr/share/swift; none with
    # --static-swift-stdlib). The runtime stage's packages provide everything else.
    CONTEXT="$CACHE/context"
    mkdir -p "$CONTEXT/models" "$CONTEXT/swift-libs"
    if ldd "$BINARY" | grep -q 'not found'; then
        ldd "$BINARY" | grep 'not found' >&2
        die "$BINARY has unresolved libraries on this host"
    fi
    mapfile -t libs < <(ldd "$BINARY" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
        | grep -Ev '^/(usr/)?lib(32|64|x32)?/' || true)
    sync_file() { # copy $1 to $2 unless it is already there, so that podman's layer cache holds
        cmp -s "$1" "$2" 2>/dev/null || cp -L "$1" "$2"
    }
    if ((STRIP_DEBUG)); then
        objcopy --strip-debug "$BINARY" "$CONTEXT/memos.new"
        if cmp -s "$CONTEXT/memos.new" "$CONTEXT/memos" 2>/dev/null; then
            rm "$CONTEXT/memos.new"
        else
            mv "$CONTEXT/memos.new" "$CONTEXT/memos"
        fi
    else
        sync_file "$BINARY" "$CONTEXT/memos"
    fi
    want=" "
    for lib in "${libs[@]}"; do
        sync_file "$lib" "$CONTEXT/swift-libs/$(basename "$lib")"
        want+="$(basename "$lib") "
    done
    for old in "$CONTEXT"/swift-libs/*; do
        [[ -e "$old" && "$want" != *" $(basename "$old") "* ]] && rm -f "$old"
    done
    rm -rf "$CONTEXT/models/all-MiniLM-L6-v2.new"
    if ! diff -rq "$MODEL_DIR" "$CONTEXT/models/all-MiniLM-L6-v2" >/dev/null 2>&1; then
        rm -rf "$CONTEXT/models/all-MiniLM-L6-v2"
        cp -r "$MODEL_DIR" "$CONTEXT/models/all-MiniLM-L6-v2"
    fi
    cp deploy/Containerfile.local "$CONTEXT/Containerfile"

    # Containerfile.local's runtime stage must stay deploy/Dockerfile's, less its "# local-only" steps.
    runtime_stage() {
        awk '/^# --- runtime ---/ {on = 1; next} on' "$1" \
            | awk 'skip {skip = 0; next} /^# local-only/ {skip = 1; next} {print}' \
            | grep -Ev '^[[:space:]]*(#|$)'
    }
    if ! drift="$(diff <(runtime_stage deploy/Dockerfile) <(runtime_stage deploy/Containerfile.local))"; then
        echo "$drift" >&2
        die "the runtime stage of deploy/Containerfile.local differs from deploy/Dockerfile's (above)"
    fi

    log "building $IMAGE from deploy/Containerfile.local with $BINARY (${#libs[@]} runtime libraries from the host) ..."
    build memos -t "$IMAGE" "$CONTEXT"
    missing="$(podman run --rm --network none --entrypoint ldd "$IMAGE" /usr/local/bin/memos | grep 'not found' || true)"
    [[ -z "$missing" ]] || { echo "$missing" >&2; die "$IMAGE lacks libraries memos needs"; }
fi
podman run --rm --network none "$IMAGE" --help >/dev/null || die "memos --help fails in $IMAGE"

# --- 5. postgres:15 ---
if ((WITH_POSTGRES)); then
    log "building postgres:15 from deploy/Containerfile.postgres ..."
    build postgres -f deploy/Containerfile.postgres -t postgres:15 deploy
fi

log "images ready: $(podman images --format '{{.Repository}}:{{.Tag}} ({{.Size}})' \
    --filter reference=$BASE_IMAGE --filter reference=$IMAGE --filter reference=postgres:15 | tr '\n' ' ')"
