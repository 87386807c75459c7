#!/usr/bin/env python3
"""Random-input fuzzer for the gRPC services of a running MemOS-Swift stack (used by scripts/fuzz.sh).

Stubs are generated at run time with grpc_tools.protoc from proto/ into a temporary folder, and the RPCs to call are
discovered from the descriptors of every service in proto/memos/**.proto (no hand-written list). For each RPC the
fuzzer sends random requests built from the message descriptors: per field type a mix of plausible values (the
fuzz user's cube, its memory ids, short texts) and boundary values (empty, strings at and past the documented
limits, NUL characters, malformed UUIDs, int32/int64 extremes, NaN/inf/1e300 floats, timestamps with seconds of
+-1e15 and nanos out of range, deep and wide filters with google.protobuf.Value numbers such as 1e19 and 1e300,
repeated fields with 0, 1 or many elements, unknown enum numbers, forged page tokens), each call with the API key in
`authorization: Bearer` metadata and a deadline of 10 s (more for calls that ask the server to wait).

A finding is a call answered UNKNOWN, INTERNAL or DEADLINE_EXCEEDED, a response too large for a default gRPC client
(RESOURCE_EXHAUSTED raised by the client), an UNAVAILABLE while the service's health check fails, or a service
process gone after a call (with --supervisor-pid, fuzzing goes on once a restarting supervisor has replaced it).
A stream the server resets (CANCELLED; grpc-swift's answer to a request past its size limit) is a note, not a
finding. Each finding is printed with the exact request (protobuf text, long strings
abbreviated) and the request's bytes are saved under --findings-dir for `--replay`.

    fuzz_grpc.py --proto-dir proto --addr ingest=127.0.0.1:50051 --addr retrieval=127.0.0.1:50052 \\
        --addr scheduler=127.0.0.1:50053 --key mk_... [--budget 60] [--per-rpc 500] [--seed N] \\
        [--cube fz] [--big-cube fzbig] [--memory-ids ID,...] [--supervisor-pid PID | --pids PID,...] [--verbose]
    fuzz_grpc.py ... --replay findings/003.bin --rpc memos.retrieval.v1.RetrievalService/Search

Exit status: 0 no finding, 1 findings, 2 usage or set-up error.
"""

import argparse
import base64
import glob
import importlib
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
import uuid

import grpc
from google.protobuf import descriptor as _descriptor
from google.protobuf import message_factory, text_format
from google.protobuf.message import EncodeError

FD = _descriptor.FieldDescriptor
DEADLINE = 10.0
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_ELEMENTS = 200_000  # repeated elements, list values and struct fields in one request, copies included
FINDING_CODES = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED}

# ---------------------------------------------------------------------------------------------------------------------
# Stubs


def generate_stubs(proto_dir):
    """Runs protoc on every .proto under proto_dir into a temp dir; returns (tmpdir, [memos services], health service).

    proto/grpc/** is compiled with proto/grpc as its root (module `health.v1.health_pb2`), since a top-level Python
    package named `grpc` would shadow grpcio itself.
    """
    from grpc_tools import protoc
    import grpc_tools

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    out = tempfile.mkdtemp(prefix="memos-fuzz-stubs-")
    files = sorted(os.path.relpath(p, proto_dir) for p in glob.glob(os.path.join(proto_dir, "**", "*.proto"), recursive=True))
    memos_files = [f for f in files if not f.startswith("grpc/")]
    grpc_files = [os.path.relpath(f, "grpc") for f in files if f.startswith("grpc/")]
    for root, group in ((proto_dir, memos_files), (os.path.join(proto_dir, "grpc"), grpc_files)):
        if group and protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                                  *group]) != 0:
            raise SystemExit(f"fuzz_grpc: protoc failed on {root}")
    sys.path.insert(0, out)
    services = []
    health = None
    for f in memos_files + grpc_files:
        module = importlib.import_module(f[: -len(".proto")].replace("/", ".") + "_pb2")
        for service in module.DESCRIPTOR.services_by_name.values():
            if f.startswith("memos/"):
                services.append(service)
            elif service.full_name == "grpc.health.v1.Health":
                health = service
    return out, services, health


def message_class(desc):
    return message_factory.GetMessageClass(desc)


# ---------------------------------------------------------------------------------------------------------------------
# Value pools

INT32 = [0, 1, -1, 2, 10, 49, 50, 51, 99, 100, 101, 199, 200, 201, 499, 500, 501, 999, 1000, 1001, 30000, 30001,
         300000, 300001, 2**31 - 1, -(2**31), 2**31 - 2, -(2**31) + 1, 65535, 65536]
INT64 = INT32 + [2**63 - 1, -(2**63), 2**53, 2**53 + 1, -(2**53) - 1, 2**32, 10**15, -(10**15), 10**18]
UINT32 = [0, 1, 2**32 - 1, 2**31, 1000]
UINT64 = [0, 1, 2**64 - 1, 2**63, 2**53 + 1]
FLOATS = [0.0, -0.0, 1.0, 0.5, -1.0, 2.0, 1.0000001, math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-45, 5e-324,
          3.4028235e38, 1e19, -1e19, 0.45, 1e-7]
TIME_SECONDS = [0, -1, 1, 10**15, -(10**15), 253402300799, 253402300800, -62135596800, -62135596801, 2**63 - 1,
                -(2**63), 2**31, 1_700_000_000, 4_102_444_800]
NANOS = [0, 1, 999_999_999, 1_000_000_000, -1, 2**31 - 1, -(2**31)]
FAST_VALUES = [1.0, "x", 1e19, "tea", True, -1e300, "%", 0.5, "\\", math.nan, "s1", 3.0]
STRING_LENGTHS = [64, 65, 127, 128, 129, 255, 256, 257, 2048, 2049, 8192, 8193, 16384, 16385, 32768, 32769, 100_000]
WEIRD_STRINGS = ["", " ", "\x00", "a\x00b", "fz\x00", "\x00" * 64, "%", "_", "\\", "abc\\", "%\\", "\\%", "a%_\\",
                 "'", "' OR '1'='1", "\"", "$1", "::text", "{}", "[]", "null", "NaN", "-1", "1e19", "\u00e9\u00e8",
                 "\U0001f600", "\u202e", "\ufeff", "\r\n", "\t", "a" * 3, "../../etc/passwd", "*", "?", "#",
                 "2026-13-45T25:61:61Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1e300", "Infinity"]
BAD_UUIDS = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
             "00000000-0000-0000-0000-00000000000g", "0000000000000000000000000000000", "{00000000-0000-0000-0000-000000000000}",
             "00000000-0000-0000-0000-0000000000000", "00000000000000000000000000000000", "\x00" * 36]
FILTER_FIELDS = ["id", "key", "content", "tags", "session_id", "memory_type", "status", "author_user_id",
                 "created_at", "updated_at", "valid_from", "valid_to", "info.n", "info.s", "info.tags", "info.x.y"]
BAD_FILTER_FIELDS = ["info.", "info", "info.\x00", "info." + "k" * 300, "INFO.n", "Tags", "version", "embedding", "",
                     "usage_count", "change_seq", "cube_id", "info.n; DROP TABLE memories", "info.%", "info.\\"]
TIME_FIELDS = {"created_at", "updated_at", "valid_from", "valid_to"}
WORDS = ["tea", "Alice likes green tea", "Lisbon", "Bob plays the cello", "what does Alice like to drink?", "cello",
         "I moved to Lisbon last spring"]
MASK_PATHS = ["content", "key", "tags", "info", "memory_type", "valid_from", "valid_to", "confidence"]
BAD_MASK_PATHS = ["id", "version", "", "content.x", "embedding", "status", "validFrom", "cube_id", "x" * 300]
WAIT_FIELDS = {  # (message, field): (wait when 0, largest valid wait), in milliseconds
    ("WaitUntilIdleRequest", "timeout_ms"): (30_000, 300_000),
    ("SearchRequest", "max_wait_ms"): (2_000, 30_000),
}


class Gen:
    """Builds random requests; `extreme` is the per-field probability of a boundary value."""

    def __init__(self, rng, cube, memory_ids, big_cube=None):
        self.rng = rng
        self.cube = cube
        self.big_cube = big_cube
        self.memory_ids = list(memory_ids)
        self.job_ids = []
        self.page_tokens = []
        self.extreme = 0.2
        self.big_used = False
        self.elements = 0

    # -- helpers
    def chance(self, p):
        return self.rng.random() < p

    def wild(self):
        return self.chance(self.extreme)

    def long_string(self):
        n = self.rng.choice(STRING_LENGTHS)
        if self.chance(0.01):
            n = 4 * 1024 * 1024 + 1
        return self.rng.choice(["a", "\x00", "\u00e9", "%", "\\"]) * n

    def random_text(self):
        n = self.rng.randint(1, 40)
        alphabet = "abcdefghijklmnopqrstuvwxyz ABC0123456789%_\\'\"\u00e9\u4e2d\U0001f600-.:@"
        if self.chance(self.extreme):
            alphabet += "\x00\x01\x7f\u2028"
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def uuid_like(self):
        r = self.rng.random()
        if not self.wild():
            r *= 0.75  # plausible: a known id or a random UUID
        if r < 0.5 and self.memory_ids:
            return self.rng.choice(self.memory_ids)
        if r < 0.6 and self.job_ids:
            return self.rng.choice(self.job_ids)
        if r < 0.75:
            return str(uuid.UUID(int=self.rng.getrandbits(128)))
        if r < 0.85 and self.memory_ids:
            return self.rng.choice(self.memory_ids).upper()
        return self.rng.choice(BAD_UUIDS)

    def forged_token(self):
        if self.page_tokens and self.chance(0.7):
            t = self.rng.choice(self.page_tokens)
            op = self.rng.randrange(6)
            if op == 0:
                return t
            if op == 1 and t:
                i = self.rng.randrange(len(t))
                return t[:i] + chr((ord(t[i]) ^ 1) or 65) + t[i + 1:]
            if op == 2:
                return t[: len(t) // 2]
            if op == 3:
                return t + "A"
            if op == 4:
                return t + "\x00"
            try:
                raw = bytearray(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
                if raw:
                    raw[self.rng.randrange(len(raw))] ^= 0xFF
                return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
            except Exception:
                return t[::-1]
        return self.rng.choice(["", "x", "AAAA", "=", base64.b64encode(os.urandom(self.rng.choice([8, 32, 64]))).decode(),
                                base64.urlsafe_b64encode(json.dumps({"offset": -1, "id": "x"}).encode()).decode(),
                                "\x00", "a" * 5000])

    # -- strings by field name
    def string(self, msg_name, name, wild):
        if name in ("cube_id",) or name.endswith("cube_ids"):
            if not wild:
                return self.big_cube if self.big_cube and self.chance(0.12) else self.cube
        elif name in ("memory_id", "memory_ids", "ids", "job_id", "id", "author_user_id", "actor_user_id"):
            return self.uuid_like() if not wild or self.chance(0.5) else self.wild_string()
        elif name == "page_token" or name == "next_page_token":
            return self.forged_token() if wild or self.chance(0.3) else ""
        elif name == "role":
            if not wild:
                return self.rng.choice(["user", "assistant", "system", "tool"])
            return self.rng.choice(["USER", "bot", "", "user\x00", "user "]) if self.chance(0.5) else self.wild_string()
        elif name == "field":
            return self.rng.choice(FILTER_FIELDS) if not wild else self.rng.choice([self.wild_string()] + BAD_FILTER_FIELDS)
        elif name == "embedding_model":
            if not wild:
                return self.rng.choice(["feature-hash-384", "", "sentence-transformers/all-MiniLM-L6-v2"])
        elif name == "kinds":
            if not wild:
                return self.rng.choice(["reorganize", "event", "fine_extract", "purge", "working_memory_refresh"])
        elif name == "type":
            if not wild:
                return self.rng.choice(["chat", "doc", "api", "merge"])
        elif name in ("session_id", "message_id", "idempotency_key"):
            if not wild:
                return self.rng.choice(["s1", "s2", "m1", "k1", ""])
        elif name in ("service",):
            return self.rng.choice(["", "memos.ingest.v1.IngestService", "x"])
        if wild:
            return self.wild_string()
        return self.rng.choice(WORDS) if self.chance(0.7) else self.random_text()

    def wild_string(self):
        r = self.rng.random()
        if r < 0.35:
            return self.rng.choice(WEIRD_STRINGS)
        if r < 0.55:
            return self.long_string()
        if r < 0.7:
            return self.rng.choice(BAD_UUIDS)
        if r < 0.8:
            return self.random_text() + "\x00" + self.random_text()
        return self.random_text()

    # -- scalars
    def scalar(self, msg_name, field):
        wild = self.wild()
        t = field.type
        name = field.name
        if t == FD.TYPE_STRING:
            return self.string(msg_name, name, wild)
        if t == FD.TYPE_BYTES:
            return os.urandom(self.rng.choice([0, 1, 16, 1000])) if wild else b"x"
        if t == FD.TYPE_BOOL:
            return self.chance(0.5)
        if t == FD.TYPE_ENUM:
            values = [v.number for v in field.enum_type.values]
            if wild:
                return self.rng.choice([-1, max(values) + 1, 2**31 - 1, -(2**31), 99, 0])
            return self.rng.choice(values)
        if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
            if wild:
                return self.rng.choice(FLOATS)
            return self.rng.choice([0.0, 0.5, 1.0, 0.2, 0.9])
        wait = WAIT_FIELDS.get((msg_name, name))
        if wait:
            # Valid waits stay at 5 s or less so the 10 s deadline measures the server, not the asked wait.
            if wild:
                return self.rng.choice([-1, wait[1] + 1, 2**31 - 1, -(2**31), 0, 5000])
            return self.rng.choice([0, 1, 50, 200, 1000]) if self.chance(0.85) else 0
        if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
            if wild:
                return self.rng.choice(INT32)
            return self.sane_int(name)
        if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
            if wild:
                return self.rng.choice(INT64)
            return self.sane_int(name)
        if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
            return self.rng.choice(UINT32)
        if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
            return self.rng.choice(UINT64)
        raise ValueError(f"unhandled type {t}")

    def sane_int(self, name):
        if name in ("min_change_seq", "expected_version"):
            return self.rng.choice([0, 0, 0, 1, 2])
        if name in ("top_k", "page_size"):
            return self.rng.choice([0, 1, 5, 10, 50])
        return self.rng.choice([0, 1, 2, 5])

    # -- well-known types
    def timestamp(self, cls):
        m = cls()
        if self.wild():
            m.seconds = self.rng.choice(TIME_SECONDS)
            m.nanos = self.rng.choice(NANOS)
        else:
            m.seconds = self.rng.randint(1_600_000_000, 1_900_000_000)
            m.nanos = self.rng.randrange(1_000_000_000)
        return m

    def value_into(self, v, depth):
        """Fills a google.protobuf.Value."""
        r = self.rng.random()
        if depth > 6:
            r = min(r, 0.68)
        elif depth == 0 and self.wild() and self.chance(0.05):
            # Deeply nested lists (decoders and JSON converters that recurse).
            for _ in range(self.rng.choice([10, 30, 47, 60, 150])):  # 2 message levels each; decoders stop at 100
                v = v.list_value.values.add()
            v.number_value = 1e19
            return
        if r < 0.3:
            v.number_value = self.rng.choice([1e19, 1e300, -1e300, -1e19, 2.0**63, 2.0**64, 9007199254740993.0, math.nan,
                                              math.inf, -math.inf, 0.5, -0.0, 0.0, 1.0, 3.0, -1.0, 1e-300,
                                              1_700_000_000.0, 1e15, -1e15, 253402300800.0])
        elif r < 0.55:
            v.string_value = self.rng.choice(WORDS + ["drink", "x", "s1", "%tea%", "tea\\", "\\", "%", "_", "\x00",
                                                      "2026-01-01T00:00:00Z", "2026-01-01", "yesterday",
                                                      "LONG_TERM_MEMORY", "long_term_memory", "ACTIVATED",
                                                      "WorkingMemory", "+275760-09-13T00:00:00Z",
                                                      "-271821-04-20T00:00:00Z"] + self.memory_ids)
            if self.wild():
                v.string_value = self.wild_string()
        elif r < 0.62:
            v.bool_value = self.chance(0.5)
        elif r < 0.69:
            v.null_value = 0
        elif r < 0.9:
            n = self.rng.choice([0, 1, 2, 3, 10]) if not self.wild() else self.rng.choice([0, 200, 1001, 5000])
            self.values_into(v.list_value.values, n, depth + 1 if n < 20 else 99)
        else:
            self.struct_into(v.struct_value, depth + 1)

    def room(self, n, weight=1):
        """How many of n elements (each of `weight` elements) still fit in this request's element budget."""
        left = max(0, MAX_ELEMENTS - self.elements)
        n = min(n, left // max(1, weight)) if n * weight > left else n
        self.elements += n * weight
        return n

    def values_into(self, container, n, depth):
        """Appends n Values, at most 4 of them distinct (cheap long lists)."""
        n = self.room(n)
        for i in range(n):
            item = container.add()
            if i < 4:
                self.value_into(item, depth)
            else:
                # Not CopyFrom: upb (protobuf 7.36) crashed copying Values deep inside a nested filter.
                v = FAST_VALUES[i % len(FAST_VALUES)]
                if isinstance(v, bool):
                    item.bool_value = v
                elif isinstance(v, float):
                    item.number_value = v
                else:
                    item.string_value = v

    def struct_into(self, s, depth=0):
        n = self.rng.choice([0, 1, 2, 3]) if not self.wild() else self.rng.choice([0, 50, 500])
        for _ in range(self.room(n)):
            key = self.rng.choice(["n", "s", "tags", "x", "", "\x00", "a.b", "k" * 300, self.random_text()])
            self.value_into(s.fields[key], depth + 1 if n < 20 else 99)

    def filter_into(self, f, depth, budget):
        """Fills a memos.common.v1.Filter: mostly shallow, sometimes past the 8-level / 64-condition limits."""
        r = self.rng.random()
        if depth >= budget["depth"] or r < 0.45:
            c = f.condition
            c.field = self.rng.choice(FILTER_FIELDS) if not self.wild() else self.rng.choice(BAD_FILTER_FIELDS + [self.wild_string()])
            ops = [v.number for v in c.DESCRIPTOR.fields_by_name["op"].enum_type.values]
            c.op = self.rng.choice(ops) if not self.wild() else self.rng.choice([0, -1, 10, 2**31 - 1])
            if c.field in TIME_FIELDS and self.chance(0.6):
                c.value.number_value = self.rng.choice([1e300, -1e300, 1e19, math.nan, math.inf, 1.7e9, 0.0, -1.0,
                                                        1e15, 253402300800.0, 1.5])
            elif c.field.startswith("info.") and self.chance(0.4):
                c.value.number_value = self.rng.choice([1e19, -1e19, 1e300, -1e300, 3.0, 2.0**63, math.nan, 0.5])
            elif c.op == 9 and self.chance(0.6):  # LIKE
                c.value.string_value = self.rng.choice(["%", "_", "\\", "abc\\", "%\\", "tea%", "\\%", "%%", "\x00",
                                                        "[a-z]", "a" * 8193])
            elif c.op == 7 and self.chance(0.6):  # IN
                n = self.rng.choice([0, 1, 2, 1000, 1001, 10000])
                self.values_into(c.value.list_value.values, n, 99)
            else:
                self.value_into(c.value, 0)
            budget["conditions"] += 1
            return
        if r < 0.6:
            self.filter_into(f.__getattribute__("not"), depth + 1, budget)
            return
        lst = getattr(f, "and") if r < 0.8 else getattr(f, "or")
        n = self.rng.choice([0, 1, 2, 3]) if not self.wild() else self.rng.choice([0, 65, 200])
        if n == 0:
            lst.SetInParent()
        for _ in range(n):
            if budget["conditions"] > 400:
                break
            self.filter_into(lst.filters.add(), depth + 1, budget)

    # -- messages
    def fill(self, msg, depth=0):
        desc = msg.DESCRIPTOR
        full = desc.full_name
        if full == "google.protobuf.Timestamp":
            msg.CopyFrom(self.timestamp(type(msg)))
            return
        if full == "google.protobuf.Struct":
            self.struct_into(msg)
            return
        if full == "google.protobuf.Value":
            self.value_into(msg, 0)
            return
        if full == "google.protobuf.FieldMask":
            n = self.rng.choice([1, 1, 2, 3]) if not self.wild() else self.rng.choice([0, 9, 100])
            for _ in range(n):
                w = self.wild()
                msg.paths.append(self.rng.choice(MASK_PATHS) if not w else self.rng.choice(BAD_MASK_PATHS + [self.wild_string()]))
            return
        if full == "memos.common.v1.Filter":
            self.filter_into(msg, 0, {"depth": self.rng.choice([1, 2, 3, 8, 9, 12, 30]), "conditions": 0})
            return
        if depth > 6:
            return
        chosen_oneofs = {}
        for oneof in desc.oneofs:
            if oneof.fields and self.chance(0.85):
                chosen_oneofs[oneof.name] = self.rng.choice(oneof.fields).name
        for field in desc.fields:
            oneof = field.containing_oneof
            if oneof is not None and oneof.name in chosen_oneofs:
                if chosen_oneofs[oneof.name] != field.name:
                    continue
            elif oneof is not None and not oneof.name.startswith("_"):
                continue
            elif not self.chance(self.set_probability(desc.name, field.name)):
                continue
            if field.is_repeated:
                self.fill_repeated(msg, field, depth)
            elif field.type == FD.TYPE_MESSAGE:
                self.fill(getattr(msg, field.name), depth + 1)
                getattr(msg, field.name).SetInParent()
            else:
                try:
                    setattr(msg, field.name, self.scalar(desc.name, field))
                except (ValueError, TypeError):
                    pass  # e.g. a value the Python runtime refuses for the type
        self.fix_waits(msg)

    def set_probability(self, msg_name, name):
        if name in ("cube_id", "cube_ids", "query", "content", "messages", "items", "memory_ids", "memory_id",
                    "label", "role", "job_id", "ids", "update_mask", "patch"):
            return 0.95
        return 0.45

    def fill_repeated(self, msg, field, depth):
        wild = self.wild()
        name = field.name
        if name == "embedding" and not wild:
            n = self.rng.choice([0, 384, 383, 1])
        elif name in ("memory_ids", "ids") and not wild:
            n = self.rng.choice([1, 1, 2, len(self.memory_ids) or 1])
        elif wild and not self.big_used:
            n = self.rng.choice([0, 33, 65, 201, 501, 1001, 5000])
        else:
            n = self.rng.choice([0, 1, 1, 2, 3])
        if n > 8:
            # One long list per request; its elements are a few distinct values repeated, to keep generation cheap.
            if self.big_used:
                n = self.rng.choice([0, 1, 2])
            self.big_used = True
        container = getattr(msg, field.name)
        distinct = []
        n = self.room(n)
        weight = 1
        for i in range(n):
            if i == 4 and distinct:
                # Copies of the distinct elements: as many as the element budget and about 8 MB leave room for.
                if field.type == FD.TYPE_MESSAGE:
                    n = 4 + self.room(n - 4, weight)
                    size = max(x.ByteSize() for x in distinct)
                else:
                    size = max(len(x) if isinstance(x, (str, bytes)) else 8 for x in distinct)
                n = min(n, 4 + 2 * MAX_REQUEST_BYTES // max(1, size))
            if i >= n:
                break
            if i >= 4 and distinct:
                value = distinct[i % len(distinct)]
                if field.type == FD.TYPE_MESSAGE:
                    container.add().CopyFrom(value)
                elif field.type == FD.TYPE_STRING and "id" in name and self.memory_ids and self.chance(0.3):
                    container.append(str(uuid.UUID(int=self.rng.getrandbits(128))))
                else:
                    container.append(value)
                continue
            if field.type == FD.TYPE_MESSAGE:
                item = container.add()
                before = self.elements
                self.fill(item, depth + 1)
                weight = max(weight, self.elements - before + 1)
                distinct.append(item)
            else:
                try:
                    value = self.scalar(msg.DESCRIPTOR.name, field)
                    container.append(value)
                    distinct.append(value)
                except (ValueError, TypeError):
                    pass

    def fix_waits(self, msg):
        # A read-your-writes search with no max_wait_ms waits 2 s: keep that rare, it only slows the run down.
        if msg.DESCRIPTOR.name == "SearchRequest" and msg.min_change_seq > 0 and msg.max_wait_ms == 0 and self.chance(0.9):
            msg.max_wait_ms = self.rng.choice([1, 10, 100])
        if msg.DESCRIPTOR.name == "WaitUntilIdleRequest" and msg.timeout_ms == 0 and self.chance(0.8):
            msg.timeout_ms = self.rng.choice([1, 100, 1000])

    def deadline_for(self, msg):
        """10 s, plus the wait the request validly asks the server for."""
        extra = 0
        for (mname, fname), (default, top) in WAIT_FIELDS.items():
            if msg.DESCRIPTOR.name == mname:
                v = getattr(msg, fname)
                if v == 0:
                    v = default
                if 0 < v <= top:
                    extra = v / 1000
        return DEADLINE + extra


# ---------------------------------------------------------------------------------------------------------------------
# Reporting


def abbreviate(msg):
    """Protobuf text of msg with long strings and long repeated fields abbreviated (the .bin file has it exactly)."""
    # A copy through the wire format (upb's CopyFrom crashed on deep messages); past 100 levels it cannot be parsed.
    try:
        copy = type(msg).FromString(msg.SerializeToString())
    except Exception as e:
        return f"<{msg.ByteSize()} bytes nested too deep to print here ({type(e).__name__}); the .bin file has them>"

    def walk(m, depth=0):
        if depth > 24:
            if m.DESCRIPTOR.full_name == "google.protobuf.Value":
                m.string_value = "<…nested deeper (the .bin file has it all)>"
            else:
                m.Clear()
            return
        for field, value in list(m.ListFields()):
            if field.is_repeated:
                container = getattr(m, field.name)
                if field.message_type is not None and field.message_type.GetOptions().map_entry:
                    items = list(value.items())
                    if len(items) > 8:
                        for k, _ in items[8:]:
                            del container[k]
                        container["…(%d entries in all)" % len(items)]
                    for _, v in list(container.items())[:8]:
                        if hasattr(v, "ListFields"):
                            walk(v, depth + 1)
                    continue
                n = len(container)
                if n > 8:
                    if field.type == FD.TYPE_MESSAGE:
                        del container[8:]
                    else:
                        del container[8:]
                        if field.type == FD.TYPE_STRING:
                            container.append(f"…({n} elements in all)")
                if field.type == FD.TYPE_MESSAGE:
                    for item in container:
                        walk(item, depth + 1)
            elif field.type == FD.TYPE_MESSAGE:
                walk(value, depth + 1)
            elif field.type == FD.TYPE_STRING and len(value) > 80:
                chars = set(value)
                desc = repr(value[0]) + f"×{len(value)}" if len(chars) == 1 else repr(value[:40]) + f"…({len(value)} chars)"
                setattr(m, field.name, f"<{desc}>")

    try:
        walk(copy)
        return text_format.MessageToString(copy, as_one_line=True, as_utf8=True)
    except (RecursionError, ValueError) as e:
        return f"<{msg.ByteSize()} bytes that could not be printed ({type(e).__name__}); the .bin file has them>"


# ---------------------------------------------------------------------------------------------------------------------
# Running


class Target:
    def __init__(self, method_desc, service_desc, channel, health_stub):
        self.method = method_desc
        self.service = service_desc
        self.path = f"/{service_desc.full_name}/{method_desc.name}"
        self.req_cls = message_class(method_desc.input_type)
        self.resp_cls = message_class(method_desc.output_type)
        cs, ss = method_desc.client_streaming, method_desc.server_streaming
        kind = {(False, False): channel.unary_unary, (False, True): channel.unary_stream,
                (True, False): channel.stream_unary, (True, True): channel.stream_stream}[(cs, ss)]
        self.call = kind(self.path, request_serializer=lambda m: m.SerializeToString(),
                         response_deserializer=self.resp_cls.FromString)
        self.health = health_stub
        self.channel = channel
        self.client_streaming, self.server_streaming = cs, ss


def children_of(pid):
    """PIDs whose parent is pid (the processes `memos all` supervises)."""
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                out.append(int(stat.split("/")[2]))
        except (OSError, ValueError, IndexError):
            pass
    return sorted(out)


def pids_alive(pids):
    dead = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):
                dead.append(pid)
        except OSError:
            dead.append(pid)
    return dead


def harvest(gen, response):
    """Collects ids and page tokens from responses for later requests."""
    if response is None:
        return

    def walk(m, depth=0):
        if depth > 4:
            return
        for field, value in m.ListFields():
            if field.name == "next_page_token" and value and len(gen.page_tokens) < 50:
                gen.page_tokens.append(value)
            elif field.name == "job_id" and value and len(gen.job_ids) < 50:
                gen.job_ids.append(value)
            elif field.type == FD.TYPE_MESSAGE:
                if field.is_repeated:
                    if field.message_type.GetOptions().map_entry:
                        continue
                    for item in list(value)[:5]:
                        walk(item, depth + 1)
                else:
                    if m.DESCRIPTOR.name == "SubmitEventResponse" and field.name == "job" and value.id:
                        if len(gen.job_ids) < 50:
                            gen.job_ids.append(value.id)
                    walk(value, depth + 1)

    walk(response)


def limit_memory(gib):
    """Caps this process's heap: a generator bug must end in MemoryError here, not in the OOM killer's choice."""
    try:
        import resource

        limit = int(gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def main():
    limit_memory(3)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--proto-dir", default="proto")
    ap.add_argument("--addr", action="append", default=[], help="NAME=host:port, NAME the package part of memos.NAME.v1")
    ap.add_argument("--key", required=True, help="API key sent as authorization: Bearer")
    ap.add_argument("--budget", type=float, default=60, help="seconds for the whole run")
    ap.add_argument("--per-rpc", type=int, default=500, help="requests per RPC at most")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--cube", default="fz", help="the fuzz user's cube, named by most requests")
    ap.add_argument("--big-cube", default=None, help="a cube of large memories (pages past 4 MiB), named sometimes")
    ap.add_argument("--memory-ids", default="")
    ap.add_argument("--pids", default="", help="comma-separated PIDs of the stack's processes to watch")
    ap.add_argument("--supervisor-pid", type=int, default=None,
                    help="PID of `memos all`: its children are watched, and after a child dies (and is restarted by "
                         "a supervisor that does so) fuzzing goes on with the new process")
    ap.add_argument("--findings-dir", default=None, help="where each finding's request bytes go")
    ap.add_argument("--report", default=None, help="JSON summary file")
    ap.add_argument("--replay", default=None, help="send this saved request (with --rpc) and print the answer")
    ap.add_argument("--rpc", default=None, help="/package.Service/Method or package.Service/Method for --replay")
    ap.add_argument("--verbose", action="store_true", help="print every call")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    addrs = dict(a.split("=", 1) for a in args.addr)
    pids = [int(p) for p in args.pids.split(",") if p]
    if args.supervisor_pid:
        pids = sorted(set(pids + [args.supervisor_pid] + children_of(args.supervisor_pid)))
    tmp, services, health_desc = generate_stubs(args.proto_dir)
    metadata = (("authorization", f"Bearer {args.key}"),)
    channels = {}
    targets = []
    health_req_cls = health_resp_cls = None
    if health_desc is not None:
        check = health_desc.methods_by_name["Check"]
        health_req_cls, health_resp_cls = message_class(check.input_type), message_class(check.output_type)
    options = [("grpc.max_send_message_length", 64 * 1024 * 1024)]  # receive limit: the 4 MiB default on purpose
    for service in services:
        name = service.full_name.split(".")[1]
        if name not in addrs:
            print(f"fuzz_grpc: no --addr for {service.full_name} ({name}=host:port); skipped", file=sys.stderr)
            continue
        if name not in channels:
            ch = grpc.insecure_channel(addrs[name], options=options)
            hs = None
            if health_desc is not None:
                hs = ch.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda m: m.SerializeToString(),
                                    response_deserializer=health_resp_cls.FromString)
            channels[name] = (ch, hs)
        ch, hs = channels[name]
        for method in service.methods:
            targets.append(Target(method, service, ch, hs))
    if not targets:
        print("fuzz_grpc: no RPC to fuzz", file=sys.stderr)
        return 2

    by_path = {t.path: t for t in targets}
    if args.replay:
        # The saved bytes are sent as they are (they may nest deeper than this runtime would parse).
        path = args.rpc if args.rpc.startswith("/") else "/" + args.rpc
        t = by_path[path]
        raw = open(args.replay, "rb").read()
        try:
            print(abbreviate(t.req_cls.FromString(raw)))
        except Exception as e:
            print(f"({len(raw)} bytes; not parsed here: {e})")
        call = t.channel.unary_unary(path, request_serializer=None, response_deserializer=t.resp_cls.FromString)
        try:
            resp = call(raw, metadata=metadata, timeout=60)
            print("OK", text_format.MessageToString(resp, as_one_line=True)[:2000])
        except grpc.RpcError as e:
            print(e.code().name, e.details())
        return 0

    gen = Gen(rng, args.cube, [i for i in args.memory_ids.split(",") if i], args.big_cube)
    findings_dir = args.findings_dir or tempfile.mkdtemp(prefix="memos-fuzz-grpc-findings-")
    os.makedirs(findings_dir, exist_ok=True)
    print(f"fuzz_grpc: seed {seed} (rerun with --seed {seed}); {len(targets)} RPCs: "
          + ", ".join(t.path.rsplit("/", 2)[1].split(".")[-1] + "/" + t.method.name for t in targets), flush=True)

    def health_ok(t):
        if t.health is None:
            return True
        try:
            resp = t.health(health_req_cls(), timeout=3)
            return resp.status == 1  # SERVING
        except grpc.RpcError:
            return False

    counts = {t.path: 0 for t in targets}
    latency = {}
    notes = {}
    statuses = {}
    findings = []
    signatures = {}
    stop_at = time.monotonic() + args.budget
    started = time.monotonic()
    stack_down = False
    while time.monotonic() < stop_at and not stack_down:
        live = [t for t in targets if counts[t.path] < args.per_rpc]
        if not live:
            break
        t = rng.choice(live)
        gen.extreme = rng.choice([0.0, 0.05, 0.15, 0.3, 0.6])
        for _ in range(5):
            req = t.req_cls()
            gen.big_used = False
            gen.elements = 0
            try:
                gen.fill(req)
            except MemoryError:
                gen.extreme = 0.0
                continue
            # Past the server's 4 MiB (+64 KiB) limit only the transport answers; a little past it is enough.
            # Nesting past protobuf's depth limit (100) cannot be encoded at all: draw again.
            try:
                if req.ByteSize() <= MAX_REQUEST_BYTES:
                    req.SerializeToString()
                    break
            except EncodeError:
                pass
            gen.extreme = 0.0
        else:
            continue  # five draws that could not be sent: draw for another RPC
        counts[t.path] += 1
        timeout = gen.deadline_for(req)
        code, details, resp = grpc.StatusCode.OK, "", None
        t0 = time.monotonic()
        try:
            if t.client_streaming:
                reqs = [req] + [gen.fill(r) or r for r in (t.req_cls() for _ in range(rng.randint(0, 3)))]
                out = t.call(iter(reqs), metadata=metadata, timeout=timeout)
            else:
                out = t.call(req, metadata=metadata, timeout=timeout)
            if t.server_streaming:
                for i, r in enumerate(out):
                    resp = r
                    if i >= 2:
                        out.cancel()
                        break
            else:
                resp = out
        except grpc.RpcError as e:
            code, details = e.code(), e.details() or ""
        except Exception as e:  # a request this client cannot send: not the server's doing
            counts[t.path] -= 1
            print(f"fuzz_grpc: could not send a {t.method.name} request ({type(e).__name__}: {e}); skipped", flush=True)
            continue
        elapsed = time.monotonic() - t0
        if code == grpc.StatusCode.CANCELLED and t.server_streaming:
            code = grpc.StatusCode.OK
        latency[t.path] = latency.get(t.path, 0.0) + elapsed
        statuses.setdefault(t.path, {}).setdefault(code.name, 0)
        statuses[t.path][code.name] += 1
        harvest(gen, resp)
        if args.verbose:
            print(f"{t.path} {elapsed:.3f}s extreme={gen.extreme} {code.name} {details[:200]!r}\n    {abbreviate(req)[:600]}", flush=True)

        problem = None
        if code in FINDING_CODES:
            problem = f"{code.name}: {details}"
        elif code == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in details and "Received" in details:
            problem = f"response too large for a default client: {details}"
        elif code == grpc.StatusCode.UNAVAILABLE and not health_ok(t):
            problem = f"UNAVAILABLE and the service's health check fails: {details}"
        if code == grpc.StatusCode.CANCELLED and not problem:
            # The server reset the stream instead of answering (grpc-swift does so for a request past its size
            # limit): not a crash, but not the RESOURCE_EXHAUSTED docs/api.md promises either. Reported, not failed.
            key = (t.path, details[:60], req.ByteSize() > 4 * 1024 * 1024 + 64 * 1024)
            if key not in notes:
                notes[key] = {"rpc": t.path, "status": code.name, "details": details[:300],
                              "request_bytes": req.ByteSize(), "request": abbreviate(req)[:1500], "repeats": 0}
            else:
                notes[key]["repeats"] += 1
        dead = pids_alive(pids)
        if dead:
            problem = (problem + "; " if problem else "") + f"process(es) {dead} gone after this call"
            stack_down = True
            if args.supervisor_pid and args.supervisor_pid not in dead:
                # A supervisor that restarts children: wait for the replacement, then go on.
                for _ in range(60):
                    time.sleep(0.5)
                    now = children_of(args.supervisor_pid)
                    if len(now) >= len(pids) - 1 and all(health_ok(x) for x in {id(x.health): x for x in targets}.values()):
                        pids = sorted(set([args.supervisor_pid] + now))
                        stack_down = False
                        break
        if problem:
            sig = (t.path, code.name, (details or "").split(":")[0][:60], bool(dead))
            n = len(findings) + 1
            path = os.path.join(findings_dir, f"{n:03d}.bin")
            with open(path, "wb") as f:
                f.write(req.SerializeToString())
            finding = {"rpc": t.path, "status": code.name, "details": details[:500], "problem": problem[:600],
                       "elapsed_s": round(elapsed, 3), "request": abbreviate(req)[:4000], "request_file": path}
            if sig in signatures:
                signatures[sig]["repeats"] += 1
            else:
                finding["repeats"] = 0
                signatures[sig] = finding
                findings.append(finding)
                print(f"fuzz_grpc: FINDING {t.path}: {problem[:300]}\n  request: {finding['request'][:1500]}\n"
                      f"  bytes: {path}", flush=True)
        # Keep some data in the cube: a fuzzed whole-cube delete would otherwise leave nothing to hit.
        if sum(counts.values()) % 150 == 0:
            reseed(targets, gen, metadata)

    total = sum(counts.values())
    took = time.monotonic() - started
    print(f"fuzz_grpc: {total} calls in {took:.0f} s, seed {seed}")
    for path in sorted(counts):
        s = ", ".join(f"{k} {v}" for k, v in sorted(statuses.get(path, {}).items(), key=lambda kv: -kv[1]))
        avg = latency.get(path, 0) / max(counts[path], 1) * 1000
        print(f"  {path}: {counts[path]} calls, {avg:.0f} ms avg ({s})")
    print(f"fuzz_grpc: {len(findings)} distinct finding(s)"
          + (f" ({sum(f['repeats'] for f in findings)} repeats)" if findings else ""))
    for note in notes.values():
        print(f"fuzz_grpc: note (not failed): {note['rpc']} answered {note['status']} ({note['details'][:120]}) to a "
              f"{note['request_bytes']}-byte request, {note['repeats'] + 1} time(s); e.g. {note['request'][:300]}")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"seed": seed, "calls": total, "per_rpc": counts, "statuses": statuses, "findings": findings,
                       "notes": list(notes.values())}, f,
                      indent=1)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if findings else 0


def reseed(targets, gen, metadata):
    """Adds a few memories to the fuzz cube and refreshes the known ids (best effort)."""
    add = next((t for t in targets if t.method.name == "AddMemories"), None)
    if add is None:
        return
    req = add.req_cls(cube_id=gen.cube)
    for i, text in enumerate(["Alice likes green tea", "Bob plays the cello", "Carol lives in Lisbon"]):
        item = req.items.add(content=f"{text} ({gen.rng.randrange(10**6)})", key=text[:10])
        item.tags.extend(["drink", "fz"])
        item.info.fields["n"].number_value = i
        item.info.fields["s"].string_value = text
    try:
        resp = add.call(req, metadata=metadata, timeout=DEADLINE)
        ids = list(resp.memory_ids) or [m.id for m in resp.memories]
        gen.memory_ids = (ids + gen.memory_ids)[:20]
    except grpc.RpcError:
        pass


if __name__ == "__main__":
    sys.exit(main())
