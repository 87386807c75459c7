#!/usr/bin/env python3
"""Checks the gateway's OpenAPI document, and recorded HTTP exchanges against it.

    scripts/check-openapi.py [--spec FILE] [EXCHANGES.jsonl ...]

1. FILE (default docs/openapi.json, which scripts/generate-openapi.py writes) must be a valid OpenAPI 3.1
   document (openapi-spec-validator: its structure, its schemas, and every $ref resolving).
2. Each EXCHANGES.jsonl holds recorded HTTP exchanges, one JSON object a line:
       {"method": "GET", "path": "/v1/cubes/abc/memories?x=1", "status": 200,
        "content_type": "application/json", "body": <the parsed JSON body, or null>}
   For each, the documented operation is found (the path, less its query, against the path templates: a `{param}`
   segment matches any one segment, and a template with a literal segment earlier wins, so /jobs/wait is not
   /jobs/{job_id}), then its response for the status (else the status's range, as 4XX, else `default`), and the
   body is validated against that response's application/json schema with jsonschema (Draft 2020-12, formats
   checked, `#/components/...` refs resolved in the whole document). An exchange whose route, method or status is
   undocumented, or whose JSON body the response documents no JSON schema for, fails too, except a 404 for a path
   no route has (the router's own answer), whose body must be an `Error`. Bodies that are not
   JSON (content type not application/json or +json, or body null) are skipped.

Prints each failure (the first 10, then how many more) with method, path, status and the error, then
"N exchanges validated against M operations"; exits 1 on any failure. Runs in the tools venv of
scripts/generate-openapi.py (pinned openapi-spec-validator, jsonschema and referencing), re-running itself there.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts/generate-openapi.py"
VENV = ROOT / ".local/tools-venv"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SHOWN = 10


def run_in_tools_venv():
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        python = subprocess.run([sys.executable, str(GENERATOR), "--tools-python"], check=True,
                                stdout=subprocess.PIPE, text=True).stdout.strip()
        os.execv(python, [python, str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


def escape(segment):
    return segment.replace("~", "~0").replace("/", "~1")


class Document:
    def __init__(self, path):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.spec = json.loads(path.read_text())
        self.base = path.resolve().as_uri()
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.base, resource)
        self.validator_class = Draft202012Validator
        self.validators = {}
        self.templates = []
        for template, item in self.spec.get("paths", {}).items():
            segments = template.strip("/").split("/")
            params = tuple(bool(re.fullmatch(r"\{[^/{}]+\}", s)) for s in segments)
            self.templates.append((params, template, segments, item))
        self.templates.sort(key=lambda t: t[0])  # literal segments before parameters, position by position

    def operation(self, method, path):
        """(template, operation) for a concrete path, or (None, reason)."""
        segments = path.strip("/").split("/")
        matched = [t for t in self.templates if len(t[2]) == len(segments)
                   and all(p or s == c for p, s, c in zip(t[0], t[2], segments))
                   and not any(p and not c for p, c in zip(t[0], segments))]
        if not matched:
            return None, "no documented path matches"
        for _, template, _, item in matched:
            if method in item:
                return template, item[method]
        return None, f"{method.upper()} is not documented for {matched[0][1]}"

    def resolve(self, node, pointer):
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            pointer = node["$ref"][1:]
            node = self.spec
            for part in pointer[1:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def validator(self, pointer):
        if pointer not in self.validators:
            ref = self.base + "#" + urllib.parse.quote(pointer, safe="/~")
            self.validators[pointer] = self.validator_class(
                {"$ref": ref}, registry=self.registry, format_checker=self.validator_class.FORMAT_CHECKER
            )
        return self.validators[pointer]


def is_json(content_type):
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def check_exchange(doc, exchange):
    """(operation key or None, list of errors, whether it was validated)."""
    method = str(exchange.get("method", "")).lower()
    path = urllib.parse.urlsplit(str(exchange.get("path", ""))).path
    status = exchange.get("status")
    if method == "options":
        # A CORS preflight, answered by the gateway's middleware for every path, not an operation.
        return None, [], False
    template, operation = doc.operation(method, path)
    if template is None and status == 404 and "Error" in doc.spec.get("components", {}).get("schemas", {}):
        # The router's own answer for a path no route has: the error body, whatever the path.
        if exchange.get("body") is None or not is_json(exchange.get("content_type")):
            return None, [], False
        errors = list(doc.validator("/components/schemas/Error").iter_errors(exchange["body"]))
        return "unrouted 404", [f"{e.message[:300]} (at {e.json_path})" for e in errors[:3]], True
    if template is None:
        return None, [operation], False
    key = f"{method.upper()} {template}"
    pointer = f"/paths/{escape(template)}/{method}/responses"
    responses = operation.get("responses", {})
    code = next((c for c in (str(status), f"{str(status)[:1]}XX", "default") if c in responses), None)
    if code is None:
        return key, [f"status {status} is not documented (documented: {', '.join(responses)})"], False
    response, pointer = doc.resolve(responses[code], f"{pointer}/{escape(code)}")
    if exchange.get("body") is None or not is_json(exchange.get("content_type")):
        return key, [], False
    content = response.get("content", {})
    media = next((m for m in content if is_json(m)), None)
    if media is None or "schema" not in content[media]:
        return key, [f"a JSON body, but response {code} documents no JSON schema"], False
    validator = doc.validator(f"{pointer}/content/{escape(media)}/schema")
    errors = sorted(validator.iter_errors(exchange["body"]), key=lambda e: list(e.absolute_path))
    return key, [f"{e.message[:300]} (at {e.json_path})" for e in errors[:3]], True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=str(ROOT / "docs/openapi.json"), help="the OpenAPI document")
    parser.add_argument("exchanges", nargs="*", help="JSONL files of recorded HTTP exchanges")
    args = parser.parse_args()
    run_in_tools_venv()
    from openapi_spec_validator import OpenAPIV31SpecValidator

    spec_path = pathlib.Path(args.spec)
    doc = Document(spec_path)
    try:
        problems = [f"{e.message[:300]} (at {e.json_path})" for e in OpenAPIV31SpecValidator(doc.spec).iter_errors()]
    except Exception as error:  # a $ref to nowhere stops the validator rather than being one of its errors
        problems = [f"{type(error).__name__}: {str(error).split(' within {')[0][:300]}"]
    for problem in problems[:SHOWN]:
        print(f"check-openapi: {spec_path}: {problem}", file=sys.stderr)
    if problems:
        print(f"check-openapi: {spec_path} is not a valid OpenAPI 3.1 document ({len(problems)} errors)",
              file=sys.stderr)
        return 1
    operations = sum(1 for item in doc.spec["paths"].values() for m in item if m in METHODS)
    print(f"check-openapi: {spec_path}: valid OpenAPI {doc.spec.get('openapi')} ({operations} operations, "
          f"{len(doc.spec.get('components', {}).get('schemas', {}))} schemas)", flush=True)

    failures, validated, skipped, seen = [], 0, 0, set()
    for name in args.exchanges:
        with open(name) as file:
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    exchange = json.loads(line)
                    if not isinstance(exchange, dict):
                        raise ValueError("not a JSON object")
                except ValueError as error:
                    failures.append(f"{name}:{number}: not an exchange: {error}")
                    continue
                key, errors, checked = check_exchange(doc, exchange)
                if checked:
                    seen.add(key)
                validated += checked
                skipped += not checked and not errors
                if errors:
                    what = f"{exchange.get('method')} {exchange.get('path')} {exchange.get('status')}"
                    failures.append(f"{name}:{number}: {what}: " + "; ".join(errors))
    for failure in failures[:SHOWN]:
        print(f"check-openapi: {failure}", file=sys.stderr)
    if len(failures) > SHOWN:
        print(f"check-openapi: ... and {len(failures) - SHOWN} more failures", file=sys.stderr)
    if args.exchanges:
        print(f"check-openapi: {validated} exchanges validated against {len(seen)} operations"
              f" ({skipped} without a JSON body skipped, {len(failures)} failed)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
