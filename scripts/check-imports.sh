#!/usr/bin/env bash
# Checks the module boundaries by the import statements in Sources/ (run by .ci/run; exits 1 naming each breach):
#   - MemOSCore, the domain, imports no framework: no NIO, gRPC, PostgreSQL, Hummingbird, HTTP client or server.
#   - The service modules (MemOSAccounts, MemOSIngest, MemOSRetrieval, MemOSScheduler, MemOSGateway) never import
#     one another;
#     they meet only through MemOSProto messages and MemOSCore ports.
#   - Only the composition roots (MemOSServer, the memos and memos-bench executables) and MemOSPostgres itself
#     import MemOSPostgres or PostgresNIO: everything else reaches the database through MemOSCore's ports.
#   - The gateway imports no database module at all.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
imports() { # module: "file:line:module" for each import of the module's sources
    [[ -d "Sources/$1" ]] || return 0
    grep -rnoE '^[[:space:]]*(@testable |@_exported |public |package |internal |private )?import (class |struct |enum |protocol |func |var |let )?[A-Za-z_][A-Za-z0-9_]*' \
        "Sources/$1" --include='*.swift' | sed -E 's/^([^:]+:[0-9]+):.* ([A-Za-z_][A-Za-z0-9_]*)$/\1:\2/'
}
forbid() { # module, reason, modules forbidden...
    local module="$1" reason="$2"
    shift 2
    local line imported
    while IFS= read -r line; do
        imported="${line##*:}"
        for bad in "$@"; do
            if [[ "$imported" == "$bad" ]]; then
                echo "check-imports: ${line%:*} imports $imported: $reason" >&2
                status=1
            fi
        done
    done < <(imports "$module")
}

FRAMEWORKS=(NIO NIOCore NIOPosix NIOHTTP1 NIOHTTP2 NIOFoundationCompat GRPCCore GRPCNIOTransportHTTP2 GRPCProtobuf
    PostgresNIO _ConnectionPoolModule Hummingbird AsyncHTTPClient ServiceLifecycle SwiftProtobuf MemOSProto MemOSRPC)
forbid MemOSCore "the domain module stays free of frameworks" "${FRAMEWORKS[@]}"

SERVICES=(MemOSAccounts MemOSIngest MemOSRetrieval MemOSScheduler MemOSGateway)
for service in "${SERVICES[@]}"; do
    others=()
    for other in "${SERVICES[@]}"; do [[ "$other" == "$service" ]] || others+=("$other"); done
    forbid "$service" "service modules do not import one another" "${others[@]}"
done

for dir in Sources/*/; do
    module="$(basename "$dir")"
    case "$module" in
        MemOSPostgres | MemOSServer | memos | memos-bench) ;;
        *) forbid "$module" "only the composition roots name the PostgreSQL types" MemOSPostgres PostgresNIO _ConnectionPoolModule ;;
    esac
done

exit $status
