#!/usr/bin/env bash
# Regenerates every generated source of the project, or checks that the committed ones are current:
#   - Sources/MemOSProto/Generated from proto/ (scripts/generate-protos.sh: protoc and the pinned plugins);
#   - Sources/MemOSPostgres/Generated/Migrations.swift from Sources/MemOSPostgres/Migrations/*.sql
#     (scripts/generate-migrations.py);
#   - the gateway's OpenAPI document, Sources/MemOSGateway/Generated/OpenAPIDocument.swift and docs/openapi.json,
#     from openapi/gateway.json and openapi/overlays.json (kept by hand) and proto/ (the proto messages' schemas)
#     (scripts/generate-openapi.py: protoc and protobuf from a pinned Python venv, .local/tools-venv).
#   - the memory browser's files, Sources/MemOSGateway/Generated/UIFiles.swift, from Sources/MemOSGateway/UI
#     (scripts/generate-ui.py).
#
#   scripts/generate.sh           regenerate in place
#   scripts/generate.sh --check   fail (exit 1) when committed generated code differs from what its sources make
#
# (docs/schema.sql, the schema after every migration, needs a database: MigrationTests checks it, and
# MEMOS_WRITE_SCHEMA=1 scripts/test.sh rewrites it.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/generate-migrations.py "$@"
scripts/generate-openapi.py "$@"
scripts/generate-ui.py "$@"
scripts/generate-protos.sh "$@"
