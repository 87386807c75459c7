#!/usr/bin/env python3
"""Generates the gateway's OpenAPI 3.1 document (served at GET /openapi.json) from openapi/ and proto/.

    scripts/generate-openapi.py           regenerate Sources/MemOSGateway/Generated/OpenAPIDocument.swift and
                                          docs/openapi.json in place
    scripts/generate-openapi.py --check   fail (exit 1), naming the stale file, when either differs from what the
                                          sources make
    scripts/generate-openapi.py --tools-python   print the tools venv's interpreter (made when missing)

Sources:
  - openapi/gateway.json, kept by hand: info, servers, tags, paths (parameters, request bodies, responses, headers),
    the shared parameters, headers and responses, the security schemes, and the schemas of bodies that are no proto
    message (Error, the account routes' User, APIKey, Cube, ..., MemOS's envelope, AddMemoriesBody). Its top-level
    "x-comment" is dropped.
  - proto/: every other schema the document names (`#/components/schemas/X` in gateway.json or overlays.json) is a
    proto message or enum, generated with whatever it refers to, from the FileDescriptorSet that protoc makes of
    every .proto under proto/ (-I proto and the well-known types grpcio-tools ships, rather than /usr/include, so
    that the output depends on the pins only; --include_imports --include_source_info), in the protobuf JSON form
    the gateway speaks (Gateway.jsonEncoding): proto field names (snake_case), enums by value name as a string enum
    (the zero X_UNSPECIFIED value left out: the gateway never prints a default, and a request gains nothing by it),
    google.protobuf.Timestamp an RFC 3339 string (format date-time), 64-bit integers numbers (type integer;
    alwaysPrintInt64sAsNumbers), float/double numbers, bytes base64 strings, repeated fields arrays, maps objects
    with additionalProperties, message fields $refs, oneof members plain optional fields, Struct a free JSON object,
    Value any JSON, ListValue an array, FieldMask one string of lowerCamelCase paths, every message
    `additionalProperties: false` (the gateway refuses unknown fields). Descriptions are the leading comments of the
    message, field, enum and enum value in the .proto files.
    Schema names: a message's or enum's name without its package (Outer.Inner becomes OuterInner); RENAMES below
    names another for a clash (two types of one name, or a type named like a hand schema), which is an error until
    it is listed there.
  - openapi/overlays.json, kept by hand: what the proto cannot say, per schema name, merged into the generated
    schema: required lists, limits (minLength, maxLength, minItems, maxItems, minimum, maximum, minProperties,
    maxProperties), patterns, formats (uuid), string enums of free-text fields, and a description where the proto
    has none or points outside this document ("See the service comment"). Objects merge key by key (a property's
    overlay into that property, `items` into `items`), anything else replaces what was generated, and null removes
    it. An overlay for a schema or property that is not generated is an error, so a renamed proto field cannot leave
    one behind.

Output: components.schemas sorted by name, everything else in gateway.json's order; JSON with 2-space indentation
and a trailing newline, the same bytes in docs/openapi.json (for readers) and in the raw string literal
OpenAPI.text of Sources/MemOSGateway/Generated/OpenAPIDocument.swift (its #-delimiter as long as it must be).

Needs grpcio-tools (its protoc and the well-known .proto files) and protobuf from PyPI: the script re-runs itself
in the venv .local/tools-venv, made on the first run (and again when PINS change) with pip; scripts/check-openapi.py
uses the same venv. Called by scripts/generate.sh.
"""
import copy
import fcntl
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
HAND = ROOT / "openapi/gateway.json"
OVERLAYS = ROOT / "openapi/overlays.json"
PROTO = ROOT / "proto"
SWIFT_OUT = ROOT / "Sources/MemOSGateway/Generated/OpenAPIDocument.swift"
JSON_OUT = ROOT / "docs/openapi.json"

VENV = ROOT / ".local/tools-venv"
PINS = "grpcio==1.85.1 grpcio-tools==1.85.1 protobuf==7.36.2 openapi-spec-validator==0.9.0"

# Proto full name -> schema name, where the simple name would clash. Empty while no name clashes.
RENAMES = {}

SCHEMA_REF = "#/components/schemas/"


# ---- the tools venv ----------------------------------------------------------------------------------------------


def tools_python():
    """The venv's interpreter, after making the venv when it is missing or was made with other pins."""
    python = VENV / "bin/python"
    stamp = VENV / ".pins"

    def current():
        return python.exists() and stamp.exists() and stamp.read_text().strip() == PINS

    if current():
        return python
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / "tools-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not current():
            print(f"installing {PINS} into {VENV.relative_to(ROOT)} ...", file=sys.stderr)
            subprocess.run(["rm", "-rf", str(VENV)], check=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS.split()],
                           check=True, stdout=sys.stderr)
            stamp.write_text(PINS + "\n")
    return python


def run_in_tools_venv():
    """Re-executes this script with the venv's interpreter unless it already runs there."""
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        python = tools_python()
        os.execv(str(python), [str(python), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


# ---- descriptors -------------------------------------------------------------------------------------------------


def descriptor_set():
    import grpc_tools
    from grpc_tools import protoc
    from google.protobuf import descriptor_pb2

    files = sorted(str(p) for p in PROTO.rglob("*.proto"))
    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "set.pb"
        args = ["protoc", f"-I{PROTO}", f"-I{include}", "--include_imports", "--include_source_info",
                f"--descriptor_set_out={out}", *files]
        if protoc.main(args) != 0:
            raise SystemExit("generate-openapi: protoc failed (see above)")
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(out.read_bytes())
    return fds


def comment_text(raw):
    """A proto comment as one description: lines joined with spaces, list items and paragraphs kept apart."""
    paragraphs, lines = [], []
    for line in raw.split("\n"):
        line = line.strip()
        if not line:
            if lines:
                paragraphs.append(lines)
            lines = []
        else:
            lines.append(line)
    if lines:
        paragraphs.append(lines)
    out = []
    for para in paragraphs:
        text = para[0]
        for line in para[1:]:
            text += ("\n" if line.startswith("- ") else " ") + line
        out.append(text)
    return "\n\n".join(out)


class Types:
    """Every message and enum of the descriptor set by full name ('.pkg.Name'), with its comment and schema name."""

    def __init__(self, fds):
        self.messages, self.enums, self.comments, self.names = {}, {}, {}, {}
        for file in fds.file:
            comments = {tuple(loc.path): loc.leading_comments for loc in file.source_code_info.location
                        if loc.leading_comments}
            package = "." + file.package if file.package else ""
            for i, message in enumerate(file.message_type):
                self._message(file, message, package, [], (4, i), comments)
            for i, enum in enumerate(file.enum_type):
                self._enum(file, enum, package, [], (5, i), comments)
        self.by_schema = {}
        for full in list(self.messages) + list(self.enums):
            message = self.messages.get(full)
            if not full.startswith(".google.protobuf.") and not (message is not None and message.options.map_entry):
                self.by_schema.setdefault(self.names[full], []).append(full)

    def resolve(self, name):
        """The proto type of schema `name`, or None; fails when two types have that name."""
        fulls = self.by_schema.get(name, [])
        if len(fulls) > 1:
            raise SystemExit(f"generate-openapi: {' and '.join(f[1:] for f in fulls)} are all schema {name}; give "
                             f"them other names in RENAMES ({pathlib.Path(__file__).name})")
        return fulls[0] if fulls else None

    def _name(self, full, nesting):
        return RENAMES.get(full[1:], "".join(nesting))

    def _message(self, file, message, prefix, nesting, path, comments):
        full = f"{prefix}.{message.name}"
        nesting = nesting + [message.name]
        self.messages[full] = message
        self.names[full] = self._name(full, nesting)
        self.comments[full] = comment_text(comments.get(path, ""))
        for j, field in enumerate(message.field):
            self.comments[(full, field.name)] = comment_text(comments.get(path + (2, j), ""))
        for k, nested in enumerate(message.nested_type):
            self._message(file, nested, full, nesting, path + (3, k), comments)
        for k, enum in enumerate(message.enum_type):
            self._enum(file, enum, full, nesting, path + (4, k), comments)

    def _enum(self, file, enum, prefix, nesting, path, comments):
        full = f"{prefix}.{enum.name}"
        self.enums[full] = enum
        self.names[full] = self._name(full, nesting + [enum.name])
        self.comments[full] = comment_text(comments.get(path, ""))
        for j, value in enumerate(enum.value):
            self.comments[(full, value.name)] = comment_text(comments.get(path + (2, j), ""))


# ---- proto -> JSON Schema ----------------------------------------------------------------------------------------

# FieldDescriptorProto.Type numbers.
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, \
    SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)
LABEL_REPEATED = 3

SCALARS = {
    DOUBLE: {"type": "number"}, FLOAT: {"type": "number"},
    INT32: {"type": "integer"}, SINT32: {"type": "integer"}, SFIXED32: {"type": "integer"},
    INT64: {"type": "integer"}, SINT64: {"type": "integer"}, SFIXED64: {"type": "integer"},
    UINT32: {"type": "integer", "minimum": 0}, FIXED32: {"type": "integer", "minimum": 0},
    UINT64: {"type": "integer", "minimum": 0}, FIXED64: {"type": "integer", "minimum": 0},
    BOOL: {"type": "boolean"}, STRING: {"type": "string"},
    BYTES: {"type": "string", "contentEncoding": "base64"},
}

WELL_KNOWN = {
    ".google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    ".google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$"},
    ".google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    ".google.protobuf.Value": {},
    ".google.protobuf.ListValue": {"type": "array"},
    ".google.protobuf.FieldMask": {"type": "string"},
    ".google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    ".google.protobuf.StringValue": {"type": "string"},
    ".google.protobuf.BytesValue": {"type": "string", "contentEncoding": "base64"},
    ".google.protobuf.BoolValue": {"type": "boolean"},
    ".google.protobuf.Int32Value": {"type": "integer"},
    ".google.protobuf.Int64Value": {"type": "integer"},
    ".google.protobuf.UInt32Value": {"type": "integer", "minimum": 0},
    ".google.protobuf.UInt64Value": {"type": "integer", "minimum": 0},
    ".google.protobuf.FloatValue": {"type": "number"},
    ".google.protobuf.DoubleValue": {"type": "number"},
}

# Said after the comment of a field of that type: its JSON form is not what the proto suggests.
WELL_KNOWN_NOTES = {
    ".google.protobuf.FieldMask": "In JSON one string: the paths comma-separated, in lowerCamelCase "
                                  "(`memory_type` is `memoryType`).",
}

KEY_ORDER = ["$ref", "type", "format", "contentEncoding", "enum", "description", "properties", "items", "required",
             "minLength", "maxLength", "pattern", "minItems", "maxItems", "minimum", "maximum", "minProperties",
             "maxProperties", "additionalProperties"]


def ordered(schema):
    """The schema with its keywords in KEY_ORDER (others after, sorted), recursively; property order kept."""
    if isinstance(schema, list):
        return [ordered(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    keys = sorted(schema, key=lambda k: (KEY_ORDER.index(k) if k in KEY_ORDER else len(KEY_ORDER), k))
    out = {}
    for k in keys:
        v = schema[k]
        if k == "properties":
            out[k] = {name: ordered(s) for name, s in v.items()}
        elif k in ("enum", "required"):
            out[k] = v
        else:
            out[k] = ordered(v)
    return out


def with_description(schema, text):
    if text:
        schema = dict(schema)
        schema["description"] = text
    return schema


def field_schema(types, message_full, field, refer):
    if field.type in (MESSAGE, GROUP):
        entry = types.messages.get(field.type_name)
        if entry is not None and entry.options.map_entry:
            value = next(f for f in entry.field if f.number == 2)
            return {"type": "object", "additionalProperties": field_schema(types, field.type_name, value, refer)}
        if field.type_name in WELL_KNOWN:
            base = dict(WELL_KNOWN[field.type_name])
        elif field.type_name.startswith(".google.protobuf."):
            raise SystemExit(f"generate-openapi: {message_full[1:]}.{field.name}: no JSON Schema for "
                             f"{field.type_name[1:]} yet; add it to WELL_KNOWN")
        else:
            base = {"$ref": SCHEMA_REF + refer(field.type_name)}
    elif field.type == ENUM:
        base = {"$ref": SCHEMA_REF + refer(field.type_name)}
    else:
        base = dict(SCALARS[field.type])
    if field.label == LABEL_REPEATED:
        return {"type": "array", "items": base}
    return base


def message_schema(types, full, refer):
    message = types.messages[full]
    properties = {}
    for field in message.field:
        schema = field_schema(types, full, field, refer)
        text = types.comments[(full, field.name)]
        note = WELL_KNOWN_NOTES.get(field.type_name)
        if note:
            text = f"{text} {note}" if text else note
        properties[field.name] = with_description(schema, text)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    return with_description(schema, types.comments[full])


def enum_schema(types, full):
    enum = types.enums[full]
    values = [v for v in enum.value if not (v.number == 0 and v.name.endswith("_UNSPECIFIED"))]
    lines = [f"- `{v.name}`: {types.comments[(full, v.name)]}" for v in values if types.comments[(full, v.name)]]
    text = "\n\n".join(part for part in (types.comments[full], "\n".join(lines)) if part)
    return with_description({"type": "string", "enum": [v.name for v in values]}, text)


# ---- the document ------------------------------------------------------------------------------------------------


def refs(node):
    """Names of the schemas that `node` refers to, in the order found."""
    found = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            found.append(ref[len(SCHEMA_REF):])
        for value in node.values():
            found += refs(value)
    elif isinstance(node, list):
        for value in node:
            found += refs(value)
    return found


def merge(base, overlay, where):
    """Merges `overlay` into the generated `base` (see the header); fails on a property that is not generated."""
    for key, value in overlay.items():
        if value is None:
            if key not in base:
                raise SystemExit(f"generate-openapi: overlay {where} removes {key!r}, which is not generated")
            del base[key]
        elif key == "properties":
            for name, patch in value.items():
                if name not in base.get("properties", {}):
                    raise SystemExit(f"generate-openapi: overlay {where}: the proto has no field {name!r}")
                merge(base["properties"][name], patch, f"{where}.{name}")
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value, f"{where}.{key}")
        else:
            base[key] = copy.deepcopy(value)


def build():
    hand = json.loads(HAND.read_text())
    overlays = json.loads(OVERLAYS.read_text())
    overlays = {name: patch for name, patch in overlays.items() if not name.startswith("$")}
    hand.pop("x-comment", None)
    types = Types(descriptor_set())
    hand_schemas = hand.setdefault("components", {}).setdefault("schemas", {})
    generated, queue = {}, refs(hand) + refs(overlays)

    def refer(full):
        name = types.names[full]
        if name in hand_schemas or types.resolve(name) != full:
            raise SystemExit(f"generate-openapi: {full[1:]} is needed, but schema {name} is another (the hand "
                             f"schema or another type); give it another name in RENAMES "
                             f"({pathlib.Path(__file__).name})")
        queue.append(name)
        return name

    while queue:
        name = queue.pop(0)
        if name in hand_schemas or name in generated:
            continue
        full = types.resolve(name)
        if full is None:
            raise SystemExit(f"generate-openapi: #/components/schemas/{name} is neither a schema of "
                             f"{HAND.relative_to(ROOT)} nor a message or enum of proto/")
        generated[name] = message_schema(types, full, refer) if full in types.messages else enum_schema(types, full)
    for name, patch in overlays.items():
        if name not in generated:
            raise SystemExit(f"generate-openapi: {OVERLAYS.relative_to(ROOT)} has an overlay for {name}, which is "
                             f"not a generated schema")
        merge(generated[name], patch, name)
        for field in generated[name].get("required", []):
            if field not in generated[name].get("properties", {}):
                raise SystemExit(f"generate-openapi: overlay {name} requires {field!r}, which the proto lacks")
    schemas = {**hand_schemas, **{name: ordered(s) for name, s in generated.items()}}
    hand["components"]["schemas"] = {name: schemas[name] for name in sorted(schemas)}
    return json.dumps(hand, indent=2, ensure_ascii=False) + "\n"


def swift_source(text):
    hashes = "#"
    while f'"""{hashes}' in text or f"\\{hashes}" in text:
        hashes += "#"
    body = "\n".join(("        " + line) if line else "" for line in text.split("\n"))
    return (
        "// Generated by scripts/generate-openapi.py from openapi/gateway.json, openapi/overlays.json and proto/.\n"
        "// Do not edit: edit those and run scripts/generate.sh. docs/openapi.json holds the same document.\n\n"
        "extension OpenAPI {\n"
        "    /// The OpenAPI 3.1 document as JSON text.\n"
        f'    static let text = {hashes}"""\n'
        f'{body}\n        """{hashes}\n'
        "}\n"
    )


def main():
    args = sys.argv[1:]
    if args == ["--tools-python"]:
        print(tools_python())
        return 0
    if args not in ([], ["--check"]):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    run_in_tools_venv()
    text = build()
    outputs = {JSON_OUT: text, SWIFT_OUT: swift_source(text)}
    if args == ["--check"]:
        stale = [path for path, content in outputs.items()
                 if not path.exists() or path.read_text() != content]
        for path in stale:
            print(f"generate-openapi: {path.relative_to(ROOT)} is stale; run scripts/generate.sh", file=sys.stderr)
        return 1 if stale else 0
    for path, content in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
