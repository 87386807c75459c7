#!/usr/bin/env python3
"""The client side of scripts/shard-bench.sh: gRPC calls to `memos retrieval` replicas, directly or through nginx.

Runs in a venv with grpcio, grpcio-tools and protobuf (shard-bench.sh uses .local/tools-venv, see
scripts/generate-openapi.py --tools-python). Stubs are generated with grpc_tools.protoc from proto/ into
--stubs DIR (made once per run). Every call carries `authorization: Bearer KEY` and `x-memos-cube: CUBE` (the
metadata the gateway's CubeRoutedRetrievalClient sends), and is a Search of one cube with top_k 10 (hybrid,
FAST mode) for a query of a few words of the vocabulary the seeded memories are made of. Every subcommand prints
one JSON object on stdout (what it measured) and exits 1, with the reason on stderr, when its check fails.

    shard_bench.py load --addr HOST:PORT --key KEY --cubes FILE [--concurrency 4] [--stubs DIR]
        searches every cube of FILE (one id a line) once, CONCURRENCY calls at once; every call must succeed.

    shard_bench.py owners --access-log FILE --cubes FILE
        which replica ($upstream_addr, the last one listed) answered the searches of each cube in nginx's access
        log (shard-bench.sh's log format: cube in the 10th field): cubes per replica.

    shard_bench.py latency --proxy HOST:PORT --owners JSON --key KEY --cubes FILE [--searches 2000] [--warmup 200]
                           [--seed 1]
        the same searches (random cube, random words) sent both ways, alternating which goes first: directly to
        the replica that holds the cube (from `owners`) and through the proxy; p50, p95, mean of each in ms.

    shard_bench.py failover --proxy HOST:PORT --key KEY --cubes FILE --kill PID [--timeout 60]
                            [--interval 0.01] [--sample 20]
        kills PID (a replica) with SIGKILL, then searches the first cube of FILE (cubes that replica held)
        through the proxy every INTERVAL until one succeeds: the time from the kill to that answer, the failures
        before it, and the duration of the successful call (the new owner loads the cube's index first); then
        the first search of each of the next SAMPLE cubes of FILE (each a load on its new owner), and a search
        of a moved cube again (loaded by then), for comparison.

    shard_bench.py summary --results FILE
        the results (one JSON object a line: {"key": ..., "value": ...}, written by shard-bench.sh) as a
        Markdown table.
"""

import argparse
import concurrent.futures
import glob
import importlib
import json
import os
import random
import signal
import statistics
import sys
import threading
import time

# The words the seeded memories are made of (shard-bench.sh builds their content from the same list).
WORDS = (
    "alice bob carol dave tea coffee lisbon paris berlin tokyo cello piano guitar violin spring summer autumn "
    "winter garden kitchen office meeting project deadline river mountain forest beach train flight hotel museum "
    "doctor dentist birthday wedding dinner lunch breakfast recipe novel poem movie concert football tennis chess "
    "running cycling swimming yoga budget invoice salary mortgage laptop phone camera printer green blue red yellow"
).split()
HEADER = "x-memos-cube"
DEADLINE = 60.0


def fail(message):
    print(f"shard_bench: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------------------------------
# Stubs and calls


def load_stubs(proto_dir, out):
    """Generates (once) and imports the retrieval stubs; returns (retrieval_pb2, retrieval_pb2_grpc)."""
    from grpc_tools import protoc
    import grpc_tools

    marker = os.path.join(out, ".done")
    if not os.path.exists(marker):
        os.makedirs(out, exist_ok=True)
        include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        files = sorted(os.path.relpath(p, proto_dir) for p in glob.glob(os.path.join(proto_dir, "memos", "**", "*.proto"),
                                                                       recursive=True))
        if protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                        *files]) != 0:
            fail(f"protoc failed on {proto_dir}")
        open(marker, "w").close()
    sys.path.insert(0, out)
    return (importlib.import_module("memos.retrieval.v1.retrieval_pb2"),
            importlib.import_module("memos.retrieval.v1.retrieval_pb2_grpc"))


class Client:
    """Search stubs per address, one channel (one HTTP/2 connection) each."""

    def __init__(self, args):
        import grpc

        self.grpc = grpc
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        stubs = args.stubs or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"memos-shard-bench-stubs-{os.getpid()}")
        self.pb, self.pb_grpc = load_stubs(os.path.join(root, "proto"), stubs)
        self.key = args.key
        self.channels = {}
        self.lock = threading.Lock()

    def stub(self, addr):
        with self.lock:
            if addr not in self.channels:
                channel = self.grpc.insecure_channel(addr, options=[("grpc.enable_retries", 0)])
                self.channels[addr] = (channel, self.pb_grpc.RetrievalServiceStub(channel))
            return self.channels[addr][1]

    def search(self, addr, cube, query, timeout=DEADLINE):
        """One search: (seconds, None) or (seconds, 'CODE: details')."""
        request = self.pb.SearchRequest(cube_ids=[cube], query=query, top_k=10)
        metadata = (("authorization", f"Bearer {self.key}"), (HEADER, cube))
        started = time.perf_counter()
        try:
            self.stub(addr).Search(request, metadata=metadata, timeout=timeout)
        except self.grpc.RpcError as error:
            return time.perf_counter() - started, f"{error.code().name}: {error.details()}"
        return time.perf_counter() - started, None


def query_words(rng, n=2):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def read_cubes(path):
    with open(path) as f:
        cubes = [line.strip() for line in f if line.strip()]
    if not cubes:
        fail(f"no cube in {path}")
    return cubes


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


def emit(result):
    print(json.dumps(result))
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------------
# Subcommands


def cmd_load(args):
    client = Client(args)
    cubes = read_cubes(args.cubes)
    rng = random.Random(7)
    queries = [query_words(rng) for _ in cubes]
    errors = []
    durations = []
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        futures = {pool.submit(client.search, args.addr, cube, q): cube for cube, q in zip(cubes, queries)}
        for future in concurrent.futures.as_completed(futures):
            seconds, error = future.result()
            durations.append(seconds)
            if error:
                errors.append(f"{futures[future]}: {error}")
    wall = time.perf_counter() - started
    result = {"cubes": len(cubes), "errors": len(errors), "wall_s": round(wall, 2), "p50_ms": ms(percentile(durations, 50)),
              "max_ms": ms(max(durations)), "first_errors": errors[:5]}
    emit(result)
    if errors:
        fail(f"{len(errors)} of {len(cubes)} searches failed, e.g. {errors[0]}")


def read_owners(access_log, cubes):
    """cube -> replica address that answered its searches (the last one answered)."""
    owners = {}
    moved = {}
    with open(access_log) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 10 or not fields[1].endswith("/Search") or fields[2] != "200":
                continue
            cube = fields[9]
            upstream = fields[3].split(", ")[-1]
            if cube in owners and owners[cube] != upstream:
                moved[cube] = upstream
            owners[cube] = upstream
    missing = [c for c in cubes if c not in owners]
    return owners, moved, missing


def cmd_owners(args):
    cubes = read_cubes(args.cubes)
    owners, moved, missing = read_owners(args.access_log, cubes)
    per = {}
    for cube in cubes:
        if cube in owners:
            per[owners[cube]] = per.get(owners[cube], 0) + 1
    emit({"per_replica": dict(sorted(per.items())), "owners": {c: owners[c] for c in cubes if c in owners},
          "answered_by_two": len(moved), "missing": len(missing)})
    if missing:
        fail(f"{len(missing)} cubes have no answered search in {args.access_log}, e.g. {missing[0]}")


def cmd_latency(args):
    client = Client(args)
    cubes = read_cubes(args.cubes)
    with open(args.owners) as f:
        owners = json.load(f)["owners"]
    rng = random.Random(args.seed)
    plan = [(rng.choice(cubes), query_words(rng, rng.choice((1, 2, 3)))) for _ in range(args.warmup + args.searches)]
    direct, proxied, errors = [], [], []
    for i, (cube, query) in enumerate(plan):
        legs = [("direct", owners[cube]), ("proxy", args.proxy)]
        if i % 2:
            legs.reverse()
        for leg, addr in legs:
            seconds, error = client.search(addr, cube, query)
            if error:
                errors.append(f"{leg} {cube}: {error}")
            elif i >= args.warmup:
                (direct if leg == "direct" else proxied).append(seconds)
    if errors:
        emit({"errors": len(errors), "first_errors": errors[:5]})
        fail(f"{len(errors)} searches failed, e.g. {errors[0]}")

    def stats(values):
        return {"p50_ms": ms(percentile(values, 50)), "p95_ms": ms(percentile(values, 95)),
                "mean_ms": ms(statistics.fmean(values)), "n": len(values)}

    d, p = stats(direct), stats(proxied)
    emit({"direct": d, "proxy": p, "p50_diff_ms": round(p["p50_ms"] - d["p50_ms"], 3),
          "p95_diff_ms": round(p["p95_ms"] - d["p95_ms"], 3), "warmup": args.warmup})


def cmd_failover(args):
    client = Client(args)
    cubes = read_cubes(args.cubes)
    rng = random.Random(11)
    # A warm channel to the proxy before the kill, so that the time measured is the service's alone.
    seconds, error = client.search(args.proxy, cubes[0], query_words(rng))
    if error:
        fail(f"the search before the kill failed: {error}")
    before_ms = ms(seconds)
    os.kill(args.kill, signal.SIGKILL)
    killed = time.perf_counter()
    failures = {}
    details = []
    first = None
    while time.perf_counter() - killed < args.timeout:
        seconds, error = client.search(args.proxy, cubes[0], query_words(rng), timeout=args.timeout)
        if error is None:
            first = (time.perf_counter() - killed, seconds)
            break
        code = error.split(":")[0]
        failures[code] = failures.get(code, 0) + 1
        if error not in details and len(details) < 3:
            details.append(error)
        time.sleep(args.interval)
    if first is None:
        emit({"failures": failures})
        fail(f"no search of {cubes[0]} succeeded within {args.timeout} s of the kill")
    sample = cubes[1:1 + args.sample]
    loads, errors = [], []
    for cube in sample:
        seconds, error = client.search(args.proxy, cube, query_words(rng))
        (errors.append(f"{cube}: {error}") if error else loads.append(seconds))
    again = [client.search(args.proxy, cube, query_words(rng)) for cube in ([cubes[0]] + sample)[:10]]
    again_ok = [s for s, e in again if e is None]
    result = {
        "cube": cubes[0], "search_before_kill_ms": before_ms,
        "first_success_after_kill_s": round(first[0], 4), "first_success_call_ms": ms(first[1]),
        "failures_before": failures, "failure_details": details,
        "moved_first_search": {"n": len(loads), "p50_ms": ms(percentile(loads, 50)), "max_ms": ms(max(loads, default=None)),
                               "errors": len(errors), "first_errors": errors[:3]},
        "moved_warm_search_p50_ms": ms(percentile(again_ok, 50)),
    }
    emit(result)
    if errors:
        fail(f"{len(errors)} first searches of moved cubes failed, e.g. {errors[0]}")


def cmd_summary(args):
    rows = []
    with open(args.results) as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                rows.append((item["key"], item["value"]))
    print("| | |")
    print("|---|---|")
    for key, value in rows:
        text = str(value).replace("|", "\\|").replace("\n", " ")
        print(f"| {key} | {text} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--key", required=True)
        p.add_argument("--stubs", help="folder for the generated stubs (made once)")
        p.add_argument("--cubes", required=True, help="file of cube ids, one a line")

    p = sub.add_parser("load")
    common(p)
    p.add_argument("--addr", required=True)
    p.add_argument("--concurrency", type=int, default=4)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("owners")
    p.add_argument("--access-log", required=True)
    p.add_argument("--cubes", required=True)
    p.set_defaults(func=cmd_owners)

    p = sub.add_parser("latency")
    common(p)
    p.add_argument("--proxy", required=True)
    p.add_argument("--owners", required=True, help="the JSON `owners` printed")
    p.add_argument("--searches", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_latency)

    p = sub.add_parser("failover")
    common(p)
    p.add_argument("--proxy", required=True)
    p.add_argument("--kill", type=int, required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--interval", type=float, default=0.01)
    p.add_argument("--sample", type=int, default=20)
    p.set_defaults(func=cmd_failover)

    p = sub.add_parser("summary")
    p.add_argument("--results", required=True)
    p.set_defaults(func=cmd_summary)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
