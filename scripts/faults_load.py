#!/usr/bin/env python3
"""Load and report of scripts/faults.sh (Python standard library only; plain HTTP through the gateway).

    faults_load.py setup  --gateway URL --admin-key KEY --cube CUBE --out DIR
        makes user `faults` (role user) with an API key and the cube CUBE it owns; writes DIR/user-key.

    faults_load.py load   --gateway URL --key KEY --cube CUBE --out DIR --stop-file FILE
                          [--writers 4] [--readers 1] [--deadline 10] [--run-id ID]
        until FILE exists: WRITERS threads add one memory at a time (POST /v1/memories, a unique content and an
        idempotency key per logical write; any error or timeout is retried with the same body and key until it
        is acknowledged), READERS threads search (POST /v1/search). Every HTTP request goes to DIR/requests.jsonl
        (kind, start, end, status or the client error, deadline exceeded), every logical write to
        DIR/writes.jsonl. After FILE appears, writes in progress are retried to acknowledgement (up to 60 s).

    faults_load.py report --run DIR --db-counts FILE [--deadline 10] [--drain-limit 30]
        reads DIR/requests.jsonl, writes.jsonl, events.tsv, drains.tsv, problems.txt, notes.txt and FILE
        (content|count of the cube's memories, from psql), prints the per-fault figures and exits 1 on any
        violation.
"""

import argparse
import http.client
import json
import os
import random
import socket
import string
import sys
import threading
import time
import urllib.error
import urllib.request

# --------------------------------------------------------------------------------------------------------------
# HTTP


def call(gateway, method, path, key, body, timeout, request_id=None):
    """One request. Returns (status, body bytes, client error or None); status is None when there is no answer."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if request_id:
        headers["X-Request-Id"] = request_id  # the gateway and the services log it: grep the logs for it
    req = urllib.request.Request(gateway + path, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), None
    except urllib.error.HTTPError as e:
        try:
            payload = e.read()
        except Exception:  # noqa: BLE001 - the connection may die while reading the error body
            payload = b""
        return e.code, payload, None
    except urllib.error.URLError as e:
        return None, b"", classify(e.reason)
    except Exception as e:  # noqa: BLE001 - every client-side failure is recorded, never raised
        return None, b"", classify(e)


def classify(error):
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected,
                          ConnectionAbortedError)):
        return "reset"
    if isinstance(error, http.client.IncompleteRead):
        return "incomplete"
    if isinstance(error, str):
        return "error:" + error[:60]
    return "error:" + type(error).__name__


# --------------------------------------------------------------------------------------------------------------
# setup


def setup(args):
    def must(method, path, key, body):
        status, data, err = call(args.gateway, method, path, key, body, 30)
        if status not in (200, 201):
            sys.exit(f"faults_load: set-up call {method} {path} answered {status or err}: {data[:500]!r}")
        return json.loads(data) if data else {}

    user = must("POST", "/v1/users", args.admin_key, {"name": "faults", "role": "user"})
    key = must("POST", "/v1/keys", args.admin_key, {"user_id": user["id"], "name": "faults"})["key"]
    must("POST", "/v1/cubes", key, {"cube_id": args.cube, "name": "fault suite"})
    with open(os.path.join(args.out, "user-key"), "w") as f:
        f.write(key)
    print(f"faults_load: user faults with a key, cube {args.cube}", file=sys.stderr)


# --------------------------------------------------------------------------------------------------------------
# load

# Writes that must be retried: no answer, 5xx, 409 (ABORTED: a concurrent change won), 429. Any other answer
# is final (a 2xx acknowledges; a 4xx is a rejection the suite reports).
def retryable(status):
    return status is None or status >= 500 or status in (409, 429)


class Recorder:
    def __init__(self, out):
        self.lock = threading.Lock()
        self.requests = open(os.path.join(out, "requests.jsonl"), "a", buffering=1)
        self.writes = open(os.path.join(out, "writes.jsonl"), "a", buffering=1)

    def request(self, record):
        line = json.dumps(record)
        with self.lock:
            self.requests.write(line + "\n")

    def write(self, record):
        line = json.dumps(record)
        with self.lock:
            self.writes.write(line + "\n")


def timed(rec, args, kind, worker, path, body, request_id, extra):
    start = time.time()
    status, data, err = call(args.gateway, "POST", path, args.key, body, args.deadline, request_id)
    end = time.time()
    record = {"kind": kind, "worker": worker, "start": round(start, 4), "end": round(end, 4),
              "status": status, "error": err, "deadline_exceeded": err == "timeout" or end - start > args.deadline,
              "request_id": request_id}
    if status is not None and status >= 400:
        record["body"] = data[:300].decode("utf-8", "replace")
    record.update(extra)
    rec.request(record)
    return status, data


def words(rng, n):
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9))) for _ in range(n))


def content_of(rng, write_id, n=10):
    # Random words only: the feature-hash vectors of two writes stay far apart, so the scheduler's near-duplicate
    # merge (cosine >= 0.92) leaves them alone; the id token makes the content unique.
    return f"{words(rng, n)} {write_id.replace('-', 'x')}"


def logical_write(args, rec, kind, worker, write_id, contents, stop, on_send=None):
    """Adds `contents` (one memory, or a batch) under one idempotency key, retried until acknowledged."""
    if len(contents) == 1:
        body = {"cube_id": args.cube, "content": contents[0], "idempotency_key": write_id, "tags": ["faults"]}
    else:
        body = {"cube_id": args.cube, "idempotency_key": write_id, "ids_only": True,
                "items": [{"content": c, "tags": ["faults", "probe"]} for c in contents]}
    first = time.time()
    attempts, pause, status, give_up = 0, 0.1, None, None
    while True:
        attempts += 1
        if on_send and attempts == 1:
            on_send(len(json.dumps(body).encode()))
        status, _ = timed(rec, args, kind, worker, "/v1/memories", body, f"{write_id}-a{attempts}",
                          {"write_id": write_id, "attempt": attempts})
        if not retryable(status):
            break
        if stop.is_set():
            give_up = give_up or time.time() + 60
            if time.time() > give_up:
                break
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)
    acked = status is not None and 200 <= status < 300
    for i, content in enumerate(contents):
        rec.write({"write_id": write_id if len(contents) == 1 else f"{write_id}/{i}", "kind": kind,
                   "content": content, "acked": acked, "status": status, "attempts": attempts,
                   "first": round(first, 4), "acked_at": round(time.time(), 4) if acked else None})


def writer(args, rec, worker, stop):
    rng = random.Random(f"{args.run_id}-{worker}")
    n = 0
    while not stop.is_set():
        n += 1
        write_id = f"{args.run_id}-w{worker}-{n:05d}"
        logical_write(args, rec, "write", worker, write_id, [content_of(rng, write_id)], stop)
        time.sleep(args.think)


def prober(args, rec, stop):
    """Each time the probe file appears: one batch add of --probe-items memories of --probe-words words (a request
    that keeps the ingest busy for a while), retried like any write; as it goes out, the file PROBE-sent appears
    with the size of its body in bytes."""
    rng = random.Random(f"{args.run_id}-probe")
    n = 0
    while not stop.is_set():
        if not os.path.exists(args.probe_file):
            time.sleep(0.05)
            continue
        os.unlink(args.probe_file)
        n += 1
        write_id = f"{args.run_id}-probe-{n}"
        contents = [content_of(rng, f"{write_id}-{i}", args.probe_words) for i in range(args.probe_items)]

        def sent(size):
            with open(args.probe_file + "-sent.tmp", "w") as f:
                f.write(str(size))
            os.replace(args.probe_file + "-sent.tmp", args.probe_file + "-sent")

        logical_write(args, rec, "probe", 0, write_id, contents, stop, on_send=sent)


def reader(args, rec, worker, stop):
    rng = random.Random(f"{args.run_id}-r{worker}")
    n = 0
    while not stop.is_set():
        body = {"cube_ids": [args.cube], "query": words(rng, 3), "top_k": 5, "relativity": 0}
        n += 1
        timed(rec, args, "search", worker, "/v1/search", body, f"{args.run_id}-r{worker}-{n:05d}", {})
        time.sleep(args.think * 2)


def load(args):
    rec = Recorder(args.out)
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(args, rec, w, stop), daemon=True) for w in range(args.writers)]
    threads += [threading.Thread(target=reader, args=(args, rec, r, stop), daemon=True) for r in range(args.readers)]
    if args.probe_file:
        threads.append(threading.Thread(target=prober, args=(args, rec, stop), daemon=True))
    for t in threads:
        t.start()
    while not os.path.exists(args.stop_file):
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    print(f"faults_load: load stopped ({sum(t.is_alive() for t in threads)} threads still busy)", file=sys.stderr)


# --------------------------------------------------------------------------------------------------------------
# report


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def outcome(r):
    return str(r["status"]) if r["status"] is not None else r["error"]


def ok(r):
    return r["status"] is not None and 200 <= r["status"] < 300


def window(reqs, t0):
    """The error window of one kind of request after an injection at t0 (requests ending in the fault's interval)."""
    fails = [r for r in reqs if not ok(r)]
    if not fails:
        return None
    first = min(fails, key=lambda r: r["end"])
    recovered = [r for r in reqs if ok(r) and r["start"] >= first["end"]]
    rec = min(recovered, key=lambda r: r["end"]) if recovered else None
    codes = {}
    for r in fails:
        c = codes.setdefault(outcome(r), [0, r["end"], r["end"]])
        c[0] += 1
        c[1] = min(c[1], r["end"])
        c[2] = max(c[2], r["end"])
    return {
        "first_fail": first["end"] - t0,
        "recovered": rec["end"] - t0 if rec else None,
        "seconds": (rec["end"] - first["end"]) if rec else None,
        "last_fail": max(r["end"] for r in fails) - t0,
        "codes": {k: {"n": v[0], "from": v[1] - t0, "to": v[2] - t0} for k, v in sorted(codes.items())},
        "fails": len(fails),
        "total": len(reqs),
    }


def fmt_window(w):
    if w is None:
        return "no failed request"
    rec = f"{w['seconds']:.2f} s (+{w['first_fail']:.2f} s to +{w['recovered']:.2f} s)" if w["seconds"] is not None \
        else f"NOT RECOVERED (first failure +{w['first_fail']:.2f} s)"
    codes = ", ".join(f"{k}×{v['n']} (+{v['from']:.1f}..+{v['to']:.1f} s)" for k, v in w["codes"].items())
    return f"{rec}; {w['fails']}/{w['total']} failed: {codes}; last failure +{w['last_fail']:.2f} s"


def report(args):
    run = args.run
    reqs = read_jsonl(os.path.join(run, "requests.jsonl"))
    writes = read_jsonl(os.path.join(run, "writes.jsonl"))
    events = []
    with open(os.path.join(run, "events.tsv")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                events.append({"t": float(parts[0]), "fault": parts[1], "phase": parts[2],
                               "detail": parts[3] if len(parts) > 3 else ""})
    drains = []
    if os.path.exists(os.path.join(run, "drains.tsv")):
        with open(os.path.join(run, "drains.tsv")) as f:
            for line in f:
                name, when, seconds, exited = line.rstrip("\n").split("\t")
                drains.append({"name": name, "when": when, "seconds": float(seconds), "exited": exited == "1"})
    problems = []
    if os.path.exists(os.path.join(run, "problems.txt")):
        with open(os.path.join(run, "problems.txt")) as f:
            problems = [line.rstrip("\n") for line in f if line.strip()]
    counts = {}
    with open(args.db_counts) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            content, _, n = line.rpartition("|")
            counts[content] = counts.get(content, 0) + int(n)

    probe_keys = {}
    if os.path.exists(os.path.join(run, "db-probe-keys.txt")):
        with open(os.path.join(run, "db-probe-keys.txt")) as f:
            for line in f:
                if line.strip():
                    key, when = line.split()
                    probe_keys[key] = float(when)
    violations = list(problems)
    load_start = next(e["t"] for e in events if e["phase"] == "load-start")
    load_stop = next((e["t"] for e in events if e["phase"] == "load-stop"), max((r["end"] for r in reqs), default=0))
    injections = [e for e in events if e["phase"] == "inject"]

    print(f"load: {len(reqs)} requests ({sum(r['kind'] == 'write' for r in reqs)} writes, "
          f"{sum(r['kind'] == 'search' for r in reqs)} searches, {sum(r['kind'] == 'probe' for r in reqs)} "
          f"probes) over {load_stop - load_start:.0f} s; {len(writes)} memories written, "
          f"{sum(w['acked'] for w in writes)} acknowledged")
    base = [r for r in reqs if r["end"] < (injections[0]["t"] if injections else load_stop)]
    for kind in ("write", "search"):
        lat = sorted(r["end"] - r["start"] for r in base if r["kind"] == kind and ok(r))
        if lat:
            print(f"  baseline {kind}: {len(lat)} ok, median {lat[len(lat) // 2] * 1000:.0f} ms, "
                  f"max {lat[-1] * 1000:.0f} ms; failed {sum(1 for r in base if r['kind'] == kind and not ok(r))}")

    print("\nper fault (times after the injection; window = first failed response to the first success of a request"
          " sent after it):")
    for i, inj in enumerate(injections):
        t0 = inj["t"]
        t1 = injections[i + 1]["t"] if i + 1 < len(injections) else load_stop
        name = inj["fault"]
        phases = [e for e in events if e["fault"] == name and e["phase"] != "inject"]
        steps = ", ".join(f"{e['phase']} {e['t'] - t0:+.2f} s" + (f" ({e['detail']})" if e["detail"] else "")
                          for e in phases)
        print(f"- {name}: {steps}")
        for kind in ("write", "search"):
            sel = [r for r in reqs if r["kind"] == kind and t0 <= r["end"] < t1]
            print(f"    {kind:6}: {fmt_window(window(sel, t0))}")
        sig = next((e for e in phases if e["phase"] == "sigterm"), None)
        if sig:
            ts = sig["t"]
            inflight = [r for r in reqs if r["kind"] == "write" and r["start"] < ts < r["end"]]
            outs = {}
            for r in inflight:
                outs[outcome(r)] = outs.get(outcome(r), 0) + 1
            print(f"    writer requests in flight at SIGTERM: {len(inflight)}"
                  + (": " + ", ".join(f"{k}×{v}" for k, v in sorted(outs.items())) if outs else ""))
            probes = [r for r in reqs if r["kind"] == "probe" and r["start"] < ts < r["end"]]
            if not probes:
                sent = [r for r in reqs if r["kind"] == "probe" and r["start"] < ts]
                what = (f"it ended {ts - sent[-1]['end']:.2f} s before the signal ({outcome(sent[-1])})"
                        if sent else "it was not sent")
                print(f"    probe (batch add) NOT in flight at SIGTERM: {what}")
                violations.append(f"{name}: the probe was not in flight at SIGTERM ({what}); make it larger")
            for r in probes:
                print(f"    probe (batch add, received by the process before the signal) in flight at SIGTERM: sent "
                      f"{ts - r['start']:.2f} s before it, "
                      f"answered {outcome(r)} {r['end'] - ts:.2f} s after it (request id {r['request_id']})")
                # The key is written first in the write's transaction: a key older than the attempt that succeeded
                # was written by an earlier attempt, i.e. this one (the others in between failed at the gateway).
                applied = probe_keys.get(r["write_id"])
                later_ok = [x for x in reqs if x.get("write_id") == r["write_id"] and ok(x)]
                if not ok(r) and applied is not None and later_ok and applied < later_ok[0]["start"] and not [
                        x for x in reqs if x.get("write_id") == r["write_id"] and r["start"] < x["start"] < applied
                        and not str(x.get("body", "")).count("transient failure")]:
                    print(f"    ... yet that attempt was applied: its transaction began {applied - ts:+.2f} s from the "
                          f"signal, {applied - r['end']:+.2f} s from the {outcome(r)} answer, and committed")
                if not ok(r):
                    violations.append(f"{name}: the request in flight at SIGTERM failed ({outcome(r)}, request id "
                                      f"{r['request_id']}) instead of completing while the process drained")

    # 5xx and deadlines over the whole run.
    fivexx = {}
    for r in reqs:
        if r["status"] is not None and r["status"] >= 500:
            fivexx[r["status"]] = fivexx.get(r["status"], 0) + 1
    print("\n5xx by code: " + (", ".join(f"{k}×{v}" for k, v in sorted(fivexx.items())) or "none"))
    for r in [r for r in reqs if r["status"] == 500][:5]:
        print(f"  500 {r['kind']} at +{r['end'] - load_start:.2f} s, request id {r['request_id']}: "
              f"{r.get('body', '')[:300]}")
    if fivexx.get(500):
        violations.append(f"{fivexx[500]} responses with status 500 (a lost connection must be 503)")
    others = {}
    for r in reqs:
        if r["status"] is not None and 400 <= r["status"] < 500:
            others[r["status"]] = others.get(r["status"], 0) + 1
    if others:
        print("4xx by code: " + ", ".join(f"{k}×{v}" for k, v in sorted(others.items())))
    late = [r for r in reqs if r["deadline_exceeded"]]
    print(f"requests past their {args.deadline:g} s deadline: {len(late)}")
    for r in late[:10]:
        inj = next((e for e in reversed(injections) if e["t"] <= r["end"]), None)
        when = f"{r['start'] - inj['t']:+.2f} s from the injection of '{inj['fault']}'" if inj else "before any fault"
        print(f"  {r['kind']} sent {when}: {outcome(r)} after {r['end'] - r['start']:.2f} s "
              f"(request id {r['request_id']})")
    if late:
        violations.append(f"{len(late)} requests ran past their {args.deadline:g} s deadline")

    print("drains after SIGTERM: " + (", ".join(
        f"{d['name']} ({d['when']}) {d['seconds']:.2f} s" + ("" if d["exited"] else " NOT EXITED") for d in drains)
        or "none measured"))
    for d in drains:
        if not d["exited"] or d["seconds"] > args.drain_limit:
            violations.append(f"{d['name']} did not exit within {args.drain_limit:g} s of SIGTERM ({d['when']})")

    acked = [w for w in writes if w["acked"]]
    lost = [w for w in acked if counts.get(w["content"], 0) == 0]
    dup_acked = [w for w in acked if counts.get(w["content"], 0) > 1]
    known = {w["content"] for w in writes}
    dup_other = [c for c, n in counts.items() if n > 1 and c not in {w["content"] for w in acked}]
    unacked = [w for w in writes if not w["acked"]]
    unacked_stored = [w for w in unacked if counts.get(w["content"], 0) > 0]
    strangers = [c for c in counts if c not in known]
    retried = [w for w in acked if w["attempts"] > 1]
    print(f"writes: {len(acked)} acknowledged ({len(retried)} after retries, up to "
          f"{max((w['attempts'] for w in acked), default=0)} attempts); lost {len(lost)}, stored more than once "
          f"{len(dup_acked)}; never acknowledged {len(unacked)} (of which stored {len(unacked_stored)}); "
          f"other contents in the cube {len(strangers)}, of which duplicated {len(dup_other)}")
    for w in (lost + dup_acked)[:10]:
        print(f"  {w['write_id']}: stored {counts.get(w['content'], 0)} times; acknowledged at "
              f"+{w['acked_at'] - load_start:.2f} s after {w['attempts']} attempts")
    if lost:
        violations.append(f"{len(lost)} acknowledged writes are not stored")
    if dup_acked or dup_other:
        violations.append(f"{len(dup_acked) + len(dup_other)} writes are stored more than once")
    if unacked:
        violations.append(f"{len(unacked)} writes were never acknowledged, e.g. " + "; ".join(
            f"{w['write_id']} (last answer {w['status']}, {w['attempts']} attempts)" for w in unacked[:3]))

    notes = []
    if os.path.exists(os.path.join(run, "notes.txt")):
        with open(os.path.join(run, "notes.txt")) as f:
            notes = [line.rstrip("\n") for line in f if line.strip()]
    if notes:
        print("notes from the logs:")
        for n in notes:
            print("  " + n)

    print()
    if violations:
        print("VIOLATIONS:")
        for v in violations:
            print("  - " + v)
        return 1
    print("no violation")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--gateway", required=True)
    s.add_argument("--admin-key", required=True)
    s.add_argument("--cube", required=True)
    s.add_argument("--out", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--gateway", required=True)
    lo.add_argument("--key", required=True)
    lo.add_argument("--cube", required=True)
    lo.add_argument("--out", required=True)
    lo.add_argument("--stop-file", required=True)
    lo.add_argument("--writers", type=int, default=4)
    lo.add_argument("--readers", type=int, default=1)
    lo.add_argument("--deadline", type=float, default=10)
    lo.add_argument("--think", type=float, default=0.05, help="pause between two logical writes (s)")
    lo.add_argument("--probe-file", help="when this file appears, send one batch add (the probe)")
    lo.add_argument("--probe-items", type=int, default=500)
    lo.add_argument("--probe-words", type=int, default=200)
    lo.add_argument("--run-id", default=f"{int(time.time())}")
    r = sub.add_parser("report")
    r.add_argument("--run", required=True)
    r.add_argument("--db-counts", required=True)
    r.add_argument("--deadline", type=float, default=10)
    r.add_argument("--drain-limit", type=float, default=30)
    args = p.parse_args()
    if args.cmd == "setup":
        setup(args)
    elif args.cmd == "load":
        load(args)
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
