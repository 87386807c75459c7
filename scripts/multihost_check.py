#!/usr/bin/env python3
"""The client side of scripts/multihost-test.sh (Python standard library only; plain HTTP to the gateway).

Every subcommand prints one JSON object on stdout (what it measured) and exits 1, with the reason on stderr, when
its check fails.

    multihost_check.py wait-ready --gateway URL [--timeout 60]
        until GET /readyz answers 200 (every service, through the network and the proxy, is serving).

    multihost_check.py scrape URL...
        GET each URL (the processes' Prometheus endpoints); each must answer 200 with memos_ series.

    multihost_check.py setup --gateway URL --admin-key KEY --cube CUBE --out DIR
        with the admin key: user `multihost` (role user), an API key of theirs, and cube CUBE owned by them;
        writes DIR/user-key.

    multihost_check.py add --gateway URL --key KEY --cube CUBE
        adds the fixed memories below (POST /v1/memories, one each, under idempotency keys).

    multihost_check.py search-until --gateway URL --key KEY --cube CUBE [--timeout 20]
        searches (POST /v1/search) every 0.25 s until the expected memory is among the hits (the index is
        eventually consistent).

    multihost_check.py failover --gateway URL --key KEY --cube CUBE --kill PID [--timeout 60] [--interval 0.1]
                                [--after 20] [--after-interval 0.6]
        kills PID (a retrieval replica) with SIGKILL, then searches every INTERVAL until one answers 200 with the
        expected hit, and reports when (seconds after the kill, to the answer) and what failed before; then AFTER
        more searches, AFTER-INTERVAL apart, which must all succeed. The kill is sent from here, the client already
        running, so that the time measured is the service's alone.
"""

import argparse
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

# What the test writes, and a query each of them must be found by.
MEMORIES = [
    "Alice drinks green tea with jasmine every morning",
    "Bob moved to Lisbon in the spring and works as a carpenter",
    "Carol's cat is called Pepper and sleeps on the radiator",
    "Dave plays the cello in a string quartet on Thursdays",
    "Erin keeps bees on the roof of her apartment building",
]
QUERY = "what does Alice drink in the morning? green tea jasmine"
EXPECTED = "green tea with jasmine"


def call(gateway, method, path, key, body, timeout):
    """One request: (status or None, parsed JSON body or raw text, client error or None)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(gateway + path, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        try:
            status, payload = e.code, e.read()
        except Exception:  # noqa: BLE001 - the connection may die while reading the error body
            status, payload = e.code, b""
    except urllib.error.URLError as e:
        return None, None, f"{type(e.reason).__name__}: {e.reason}"[:120]
    except Exception as e:  # noqa: BLE001 - every client-side failure is an outcome here
        return None, None, f"{type(e).__name__}: {e}"[:120]
    try:
        parsed = json.loads(payload) if payload else {}
    except ValueError:
        parsed = payload.decode(errors="replace")[:300]
    return status, parsed, None


def outcome(status, err):
    return str(status) if status is not None else (err or "no answer").split(":")[0]


def fail(message):
    print(f"multihost_check: {message}", file=sys.stderr)
    sys.exit(1)


def search_once(args, timeout):
    """(ok, outcome, latency s): ok when the answer is 200 and the expected memory is among the hits."""
    t0 = time.time()
    body = {"cube_ids": [args.cube], "query": QUERY, "top_k": 10, "relativity": 0}
    status, data, err = call(args.gateway, "POST", "/v1/search", args.key, body, timeout)
    latency = time.time() - t0
    if status != 200:
        detail = ""
        if isinstance(data, dict) and "error" in data:
            detail = " " + str(data["error"].get("message", ""))[:100]
        return False, outcome(status, err) + detail, latency
    hits = data.get("hits", []) if isinstance(data, dict) else []
    if not any(EXPECTED in (h.get("memory", {}).get("content", "")) for h in hits):
        return False, f"200 without the expected hit ({len(hits)} hits)", latency
    return True, "200", latency


def wait_ready(args):
    deadline = time.time() + args.timeout
    last = None
    while time.time() < deadline:
        status, data, err = call(args.gateway, "GET", "/readyz", None, None, 5)
        if status == 200:
            print(json.dumps({"ready": True}))
            return
        last = (status, data, err)
        time.sleep(0.5)
    fail(f"/readyz did not answer 200 within {args.timeout} s; last answer: {last}")


def scrape(args):
    for url in args.urls:
        req = urllib.request.Request(url)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, text = resp.status, resp.read().decode(errors="replace")
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            fail(f"GET {url}: {type(e).__name__}: {e}")
        if status != 200 or "memos_" not in text:
            fail(f"GET {url} answered {status} without memos_ series: {text[:200]!r}")
    print(json.dumps({"scraped": len(args.urls)}))


def setup(args):
    def must(method, path, key, body):
        status, data, err = call(args.gateway, method, path, key, body, 30)
        if status not in (200, 201):
            fail(f"{method} {path} answered {outcome(status, err)}: {data}")
        return data

    user = must("POST", "/v1/users", args.admin_key, {"name": "multihost", "role": "user"})
    key = must("POST", "/v1/keys", args.admin_key, {"user_id": user["id"], "name": "multihost"})["key"]
    must("POST", "/v1/cubes", key, {"cube_id": args.cube, "name": "multi-host test"})
    with open(f"{args.out}/user-key", "w") as f:
        f.write(key)
    print(json.dumps({"user_id": user["id"], "cube": args.cube}))


def add(args):
    seqs = []
    for i, content in enumerate(MEMORIES):
        body = {"cube_id": args.cube, "content": content, "idempotency_key": f"multihost-{i}"}
        status, data, err = call(args.gateway, "POST", "/v1/memories", args.key, body, 30)
        if status != 200:
            fail(f"POST /v1/memories ({content!r}) answered {outcome(status, err)}: {data}")
        seqs.append(data.get("change_seq", 0))
    print(json.dumps({"added": len(MEMORIES), "change_seq": max(seqs)}))


def search_until(args):
    t0 = time.time()
    attempts, last = 0, None
    while time.time() - t0 < args.timeout:
        attempts += 1
        ok, what, _ = search_once(args, 10)
        if ok:
            print(json.dumps({"found_after_s": round(time.time() - t0, 3), "attempts": attempts}))
            return
        last = what
        time.sleep(0.25)
    fail(f"no search found {EXPECTED!r} within {args.timeout} s ({attempts} searches; last: {last})")


def failover(args):
    failures = {}
    attempts = 0
    first_success = None
    since = time.time()
    os.kill(args.kill, signal.SIGKILL)
    while time.time() - since < args.timeout:
        attempts += 1
        started = time.time()
        ok, what, latency = search_once(args, 10)
        if ok:
            first_success = time.time() - since
            break
        failures[what] = failures.get(what, 0) + 1
        time.sleep(max(0.0, args.interval - (time.time() - started)))
    result = {"first_success_s": None if first_success is None else round(first_success, 3),
              "attempts": attempts, "failures": failures}
    if first_success is None:
        print(json.dumps(result))
        fail(f"no search succeeded within {args.timeout} s of the kill ({attempts} searches: {failures})")
    after_failures, latencies = {}, []
    for _ in range(args.after):
        time.sleep(args.after_interval)
        ok, what, latency = search_once(args, 10)
        latencies.append(latency)
        if not ok:
            after_failures[what] = after_failures.get(what, 0) + 1
    result.update({"after": args.after, "after_failed": sum(after_failures.values()),
                   "after_failures": after_failures,
                   "after_max_latency_s": round(max(latencies), 3) if latencies else None})
    print(json.dumps(result))
    if after_failures:
        fail(f"{sum(after_failures.values())} of {args.after} searches after the failover failed: {after_failures}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait-ready")
    w.add_argument("--gateway", required=True)
    w.add_argument("--timeout", type=float, default=60)
    m = sub.add_parser("scrape")
    m.add_argument("urls", nargs="+")
    s = sub.add_parser("setup")
    s.add_argument("--gateway", required=True)
    s.add_argument("--admin-key", required=True)
    s.add_argument("--cube", required=True)
    s.add_argument("--out", required=True)
    for name in ("add", "search-until", "failover"):
        c = sub.add_parser(name)
        c.add_argument("--gateway", required=True)
        c.add_argument("--key", required=True)
        c.add_argument("--cube", required=True)
        if name == "search-until":
            c.add_argument("--timeout", type=float, default=20)
        if name == "failover":
            c.add_argument("--kill", type=int, required=True, help="PID of the replica to kill")
            c.add_argument("--timeout", type=float, default=60)
            c.add_argument("--interval", type=float, default=0.1)
            c.add_argument("--after", type=int, default=20)
            c.add_argument("--after-interval", type=float, default=0.6)
    args = p.parse_args()
    {"wait-ready": wait_ready, "scrape": scrape, "setup": setup, "add": add, "search-until": search_until,
     "failover": failover}[args.cmd](args)


if __name__ == "__main__":
    main()
