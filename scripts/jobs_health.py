#!/usr/bin/env python3
"""Responsiveness under large background jobs: imports MEMORIES memories into each of CUBES new cubes at once
(batch adds of 500 through the gateway), so that the scheduler runs a large reorganisation per cube concurrently,
and meanwhile, every 50 ms, times the gateway's /readyz (which asks every service's gRPC health check, the
scheduler's included) and GET /v1/jobs/status (a scheduler RPC). Stops once the cubes' jobs are idle and prints
the latencies (p50, p99, max, how many over 100 ms) and how long the import and the jobs took.

    scripts/jobs_health.py --gateway http://127.0.0.1:8080 --key USER_KEY [--cubes 2] [--memories 20000]

The user of USER_KEY becomes the owner of the cubes (jobs-health-<run>-<n>). Standard library only; run by
scripts/faults.sh (--only big-jobs) against its own stack.
"""
import argparse
import json
import random
import statistics
import threading
import time

from faults_load import call as faults_call, words  # the fault suite's HTTP client and word generator


def call(gateway, method, path, key, body=None, timeout=30):
    status, payload, error = faults_call(gateway, method, path, key, body, timeout)
    return status, payload or (error or "").encode()


def importer(args, cube, done, errors):
    rng = random.Random(cube)
    for batch in range(0, args.memories, 500):
        items = [{"content": f"{words(rng, 12)} m{batch + i}"} for i in range(min(500, args.memories - batch))]
        body = {"cube_id": cube, "idempotency_key": f"{cube}-{batch}", "ids_only": True, "items": items}
        for _ in range(20):
            status, payload = call(args.gateway, "POST", "/v1/memories", args.key, body, timeout=60)
            if status == 200:
                break
            time.sleep(0.5)
        else:
            errors.append(f"{cube}: batch {batch} not acknowledged ({status}: {payload[:200]!r})")
            break
    done[cube] = time.time()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cubes", type=int, default=2)
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--max-seconds", type=int, default=600)
    args = parser.parse_args()

    run = f"{int(time.time())}"
    cubes = [f"jobs-health-{run}-{n}" for n in range(args.cubes)]
    for cube in cubes:
        status, payload = call(args.gateway, "POST", "/v1/cubes", args.key, {"cube_id": cube, "name": cube})
        if status not in (200, 201):
            raise SystemExit(f"jobs_health: could not make cube {cube}: {status} {payload[:200]!r}")

    timings = {"readyz": [], "jobs/status": []}
    failures = {"readyz": 0, "jobs/status": 0}

    def probe():
        for name, path in (("readyz", "/readyz"), ("jobs/status", f"/v1/jobs/status?cube_id={cubes[0]}")):
            t0 = time.perf_counter()
            status, _ = call(args.gateway, "GET", path, args.key, timeout=20)
            timings[name].append((time.time(), (time.perf_counter() - t0) * 1000))
            if status != 200:
                failures[name] += 1

    for _ in range(40):  # a baseline: the same probes before the import
        probe()
        time.sleep(0.05)
    started, done, errors = time.time(), {}, []
    threads = [threading.Thread(target=importer, args=(args, cube, done, errors)) for cube in cubes]
    for thread in threads:
        thread.start()

    idle_at = None
    while time.time() - started < args.max_seconds:
        probe()
        if len(done) == len(cubes):
            # Idle once every cube's queue is empty (a wait of 1 ms answers at once).
            idle = all(
                json.loads(call(args.gateway, "POST", f"/v1/cubes/{cube}/jobs/wait?timeout_ms=1", args.key)[1] or b"{}")
                .get("idle", False)
                for cube in cubes
            )
            if idle:
                idle_at = time.time()
                break
        time.sleep(0.05)
    for thread in threads:
        thread.join()

    imported = max(done.values()) - started if done else float("nan")
    print(f"jobs_health: {args.cubes} cubes × {args.memories} memories imported in {imported:.1f} s; "
          + (f"jobs idle {idle_at - started:.1f} s after the start" if idle_at else f"jobs NOT idle after {args.max_seconds} s"))
    imported_at = max(done.values()) if done else float("inf")
    for name, samples in timings.items():
        print(f"  {name} ({failures[name]} failed):")
        for phase, values in (("before", [v for t, v in samples if t < started]),
                              ("during the import", [v for t, v in samples if started <= t <= imported_at]),
                              ("jobs only, after it", [v for t, v in samples if t > imported_at])):
            if values:
                over = sum(1 for v in values if v > 100)
                print(f"    {phase:20s} {len(values):4d} probes: p50 {statistics.median(values):6.1f} ms, "
                      f"p99 {percentile(values, 99):6.1f} ms, max {max(values):6.1f} ms; over 100 ms: {over}")
    for error in errors:
        print(f"  error: {error}")
    return 1 if errors or idle_at is None else 0


if __name__ == "__main__":
    raise SystemExit(main())
