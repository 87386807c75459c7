#!/usr/bin/env bash
# House rules CI enforces (run by .ci/run before the tests):
#   - swift-format, with the repository's .swift-format, over every hand-written Swift file (generated code
#     under */Generated/ is left as its generator writes it): `swift format lint --strict`; fix with
#     `scripts/lint.sh --fix` (swift format -i);
#   - the module boundaries (scripts/check-imports.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'Sources/*.swift' 'Tests/*.swift' 'Package.swift' | grep -v '/Generated/')
if [[ "${1:-}" == --fix ]]; then
    swift format -i --parallel "${files[@]}"
fi
swift format lint --strict --parallel "${files[@]}"
scripts/check-imports.sh
echo "lint: ${#files[@]} Swift files formatted as .swift-format says; module boundaries kept" >&2
