#!/usr/bin/env bash
# Regenerates the Swift messages and gRPC stubs under Sources/MemOSProto/Generated from proto/.
#
#   scripts/generate-protos.sh           regenerate in place
#   scripts/generate-protos.sh --check   fail (exit 1) when the committed code differs from what proto/ generates
#
# Needs protoc (Debian: protobuf-compiler) and builds the two plugins from the pinned swift-protobuf and
# grpc-swift-protobuf packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null; then
    echo "installing protoc (protobuf-compiler) ..." >&2
    apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null
fi

swift build --product protoc-gen-swift >&2
swift build --product protoc-gen-grpc-swift-2 >&2
BIN="$(swift build --show-bin-path)"

OUT="Sources/MemOSProto/Generated"
if [[ "${1:-}" == "--check" ]]; then
    TARGET="$(mktemp -d)"
    trap 'rm -rf "$TARGET"' EXIT
else
    TARGET="$OUT"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    TARGET="$PWD/$OUT"
fi

FILES=$(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
(cd proto && protoc \
    --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
    -I . -I /usr/include \
    --swift_out="$TARGET" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    --grpc-swift-2_out="$TARGET" \
    --grpc-swift-2_opt=Visibility=Public,Server=True,Client=True,FileNaming=PathToUnderscores \
    $FILES)

if [[ "${1:-}" == "--check" ]]; then
    if ! diff -r "$OUT" "$TARGET" >/dev/null; then
        diff -r "$OUT" "$TARGET" | head -40 >&2
        echo "error: generated code is stale; run scripts/generate-protos.sh and commit the result" >&2
        exit 1
    fi
    echo "generated code is up to date"
fi
