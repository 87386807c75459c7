"""Schemathesis hooks for scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

- Steering: random cube and memory ids almost always end in 404 before any real work is done, so for every
  generated value that names a cube or a memory, Hypothesis may also pick one of the fuzz user's cubes (FUZZ_CUBES,
  comma-separated, default "fz") or one of their memories (FUZZ_MEMORY_IDS, comma-separated). The choice is a
  Hypothesis strategy (not `random`), so a run stays reproducible with `--seed` and failures still shrink.
- Integers (in bodies and query parameters) may also become 2^63-1, -2^63, 2^62+1, 2^53+1, 2^31, -1 or 0.
- Valid waits (timeout_ms, timeout_seconds, max_wait_ms) are capped at 5 s, so only a server that hangs meets the
  request timeout.
- The documented 503 of a read-your-writes search that timed out is not counted as a server error.
"""

import os

import schemathesis
from hypothesis import strategies as st

# The first cube is the usual target; the others (e.g. "fzbig", whose pages pass 4 MiB) are picked less often.
CUBES = [c for c in os.environ.get("FUZZ_CUBES", "fz").split(",") if c] or ["fz"]
CUBE = CUBES[0]
CUBE_CHOICES = [CUBE, CUBE, CUBE] + CUBES[1:]
MEMORY_IDS = [i for i in os.environ.get("FUZZ_MEMORY_IDS", "").split(",") if i]

# Keys naming one cube, a list of cubes, one memory or a list of memories (gateway routes and MemOS-compatible ones).
CUBE_KEYS = {"cube_id", "mem_cube_id"}
LIST_CUBE_KEYS = {"cube_ids", "writable_cube_ids", "readable_cube_ids", "mem_cube_ids"}
MEMORY_KEYS = {"memory_id"}
LIST_MEMORY_KEYS = {"memory_ids", "ids"}


INT_EDGES = [2**63 - 1, -(2**63), 2**62 + 1, 2**53 + 1, 2**31, -1, 0]


def _candidates(key, value):
    """Replacement values for one (key, value) pair: always the original first."""
    out = [value]
    if key in CUBE_KEYS and isinstance(value, str):
        out.extend(CUBE_CHOICES)
    elif key in LIST_CUBE_KEYS and isinstance(value, list):
        out.append([CUBE])
        out.append([CUBE] + value)
    elif key in MEMORY_KEYS and isinstance(value, str) and MEMORY_IDS:
        out.extend(MEMORY_IDS)
    elif key in LIST_MEMORY_KEYS and isinstance(value, list) and MEMORY_IDS:
        out.append(list(MEMORY_IDS))
        out.append(MEMORY_IDS[:1] + value)
    elif isinstance(value, int) and not isinstance(value, bool) and key not in WAIT_CAPS:
        # Integer edges that arithmetic on a request value may overflow on (Swift traps on overflow).
        out.extend(INT_EDGES)
    elif isinstance(value, str) and value.lstrip("-").isdigit() and key not in WAIT_CAPS:
        out.extend(str(v) for v in INT_EDGES)  # query parameters travel as text
    return out


def _steer(container):
    """A strategy over `container` (a dict) with each steerable entry kept or replaced."""
    if not isinstance(container, dict):
        return st.just(container)
    keys = [k for k, v in container.items() if len(_candidates(k, v)) > 1]
    if not keys:
        return st.just(container)

    def build(choices):
        result = dict(container)
        result.update(choices)
        return result

    return st.fixed_dictionaries({k: st.sampled_from(_candidates(k, container[k])) for k in keys}).map(build)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _steer(path_parameters)


@schemathesis.hook
def flatmap_query(context, query):
    return _steer(query)


@schemathesis.hook
def flatmap_body(context, body):
    if isinstance(body, dict) and isinstance(body.get("ids"), dict):
        # DeleteMemoriesRequest's `ids` selector is {"ids": [...]}.
        return _steer(body["ids"]).flatmap(lambda ids: _steer({**body, "ids": ids}))
    return _steer(body)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure but one documented answer: a read-your-writes search whose `min_change_seq` the index has
    not reached within `max_wait_ms` is 503 `unavailable` by design (docs/api.md: error table), not a server error."""
    if response is not None and response.status_code == 503:
        try:
            body = response.json()
        except Exception:
            return True
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else ""
        if "min_change_seq" in message and "is not applied yet" in message:
            return False
    return True


# Waits a request may validly ask for, capped so that a valid wait never reaches the run's request timeout (a
# timeout is reported as a hang). Values past the documented limits are left alone: they must be refused at once.
WAIT_CAPS = {  # name: (largest valid value, cap)
    "timeout_ms": (300_000, 5_000),  # POST /v1/cubes/{cube_id}/jobs/wait
    "timeout_seconds": (300, 5),  # POST /product/scheduler/wait (the server caps it at 300)
    "max_wait_ms": (30_000, 5_000),  # POST /v1/search
}


def _cap_waits(container):
    if not isinstance(container, dict):
        return container
    out = dict(container)
    for name, (largest, cap) in WAIT_CAPS.items():
        value = out.get(name)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if number != number or number in (float("inf"), float("-inf")):
            continue
        if cap < number <= (largest if name != "timeout_seconds" else float("inf")):
            out[name] = cap if isinstance(value, (int, float)) and not isinstance(value, bool) else str(cap)
    return out


@schemathesis.hook
def map_query(context, query):
    return _cap_waits(query)


@schemathesis.hook
def map_body(context, body):
    return _cap_waits(body)
