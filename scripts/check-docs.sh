#!/usr/bin/env bash
# Checks that the documentation can be acted on. Fails (exit 1), saying what and where, when:
#   - a relative link in README.md or docs/*.md does not resolve to a file, or its #anchor to a heading of the
#     target Markdown file (GitHub's anchor rules);
#   - a command in the README's set-up section ("## Two commands") names a script or file that does not exist;
#   - README.md is longer than 250 lines;
#   - a MEMOS_* variable named in Sources/ is missing from docs/configuration.md (names that are C symbols of
#     Sources/, in .c and .h files, are not variables and are skipped);
#   - a file of the repository names a work period by number (the pattern in WORK_PERIOD below); figures are
#     named by their date and commit.
#
#   scripts/check-docs.sh
#
# Needs bash, grep and python3 (standard library only). Run from anywhere; it checks the repository it is in.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK_PERIOD='sessions? [0-9]'
failures=0
fail() {
    echo "check-docs: $*" >&2
    failures=$((failures + 1))
}

# Links, anchors and the set-up commands.
if ! python3 - <<'PY'
import os
import re
import sys

failed = False


def fail(message):
    global failed
    print(f"check-docs: {message}", file=sys.stderr)
    failed = True


def strip_code(text):
    """The text without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path):
    """GitHub's anchors for the headings of a Markdown file."""
    seen = {}
    result = set()
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)
    for line in text.splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1))
        slug = title.strip().lower()
        slug = re.sub(r"[^\w\- ]", "", slug)
        slug = slug.replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


pages = ["README.md"] + sorted(
    os.path.join("docs", name) for name in os.listdir("docs") if name.endswith(".md")
)
link = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
for page in pages:
    text = open(page, encoding="utf-8").read()
    for number, line in enumerate(strip_code(text).splitlines(), 1):
        for target in link.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # http:, https:, mailto: ...
            path, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(resolved):
                fail(f"{page}: link to {target}: {resolved} does not exist")
                continue
            if anchor and resolved.endswith(".md") and os.path.isfile(resolved):
                if anchor.lower() not in anchors(resolved):
                    fail(f"{page}: link to {target}: {resolved} has no heading with the anchor #{anchor}")

# The README's set-up commands: every script or file they name must exist.
readme = open("README.md", encoding="utf-8").read()
section = re.search(r"^## Two commands\s*$(.*?)(?=^## )", readme + "\n## end\n", re.S | re.M)
if not section:
    fail("README.md has no '## Two commands' section")
else:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", section.group(1), re.S | re.M)
    commands = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    commands = [command for command in commands if command]
    if not commands:
        fail("README.md: the '## Two commands' section has no command")
    for command in commands:
        for word in command.split():
            if "/" in word and not re.match(r"^[a-z]+://", word) and not word.startswith("-"):
                if not os.path.exists(word):
                    fail(f"README.md set-up command '{command}': {word} does not exist")
                elif word.startswith("scripts/") and not os.access(word, os.X_OK):
                    fail(f"README.md set-up command '{command}': {word} is not executable")

sys.exit(1 if failed else 0)
PY
then
    failures=$((failures + 1))
fi

# The README's length.
lines=$(wc -l <README.md)
if ((lines > 250)); then
    fail "README.md has $lines lines; at most 250 (reference material belongs in docs/)"
fi

# Every MEMOS_* variable the code names is documented.
# (A name ending in _ is a prefix, as in "the MEMOS_LLM_* settings", not a variable.)
c_symbols=$(grep -rhoE 'MEMOS_[A-Z0-9_]+' Sources --include='*.c' --include='*.h' | sort -u || true)
while read -r name; do
    [[ -n "$name" && "$name" != *_ ]] || continue
    if grep -qxF "$name" <<<"$c_symbols"; then continue; fi
    if ! grep -qE "(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)" docs/configuration.md; then
        where=$(grep -rlE "(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)" Sources | head -1 || true)
        fail "$name (read in $where) is missing from docs/configuration.md"
    fi
done < <(grep -rhoE 'MEMOS_[A-Z0-9_]+' Sources | sort -u)

# Work periods by number.
if matches=$(grep -rniIE "$WORK_PERIOD" . --exclude-dir=.git --exclude-dir=.build --exclude-dir=.local); then
    while IFS= read -r match; do
        fail "names a work period (name figures by date and commit): ${match:0:160}"
    done <<<"$matches"
fi

if ((failures > 0)); then
    echo "check-docs: failed; see above" >&2
    exit 1
fi
echo "check-docs: README.md ($lines lines) and docs/ are consistent"
