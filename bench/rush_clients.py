"""The rush's traffic for ``bench/rush.py``: the representatives' client threads, each
submitting its applications at planned instants and recording every answer (accepted,
refused because the call was closed, error); the officers browsing the instruction table and
exporting it as CSV meanwhile; and the ``--step-up`` open-loop submissions at fixed rates.
The rush's set-up, the database checks, the analysis and the report stay in ``bench/rush.py``.
"""

from __future__ import annotations

import html
import http.client
import math
import queue
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench import harness
from bench.applications import (
    detail_path,
    fetch_csrf,
    step,
    submit_path,
)

CLOSED_MESSAGE = "L'appel a été clos"


def run_client(index, client, applications, offsets, t0, stop_at, results, lock) -> None:
    """One representative: submit each application at its instant (or as soon as the previous
    answer came, when late)."""
    for application, offset in zip(applications, offsets, strict=True):
        delay = t0 + offset - time.time()
        if delay > 0:
            time.sleep(delay)
        if time.time() > stop_at:
            break
        path = submit_path(application["public_id"])
        record = {"client": index, "public_id": application["public_id"], "planned": offset}
        try:
            response = client.post(path, {"version": str(application["version"])})
        except (OSError, http.client.HTTPException) as error:
            record.update(sent_at=time.time(), status=None, ms=None, outcome=f"error {error!r}")
        else:
            text = html.unescape(response.text())
            if response.status == 302 and response.location == detail_path(
                application["public_id"]
            ):
                outcome = "accepted"
            elif response.status == 200 and CLOSED_MESSAGE in text:
                outcome = "closed"
            else:
                outcome = f"other {response.status} {response.location}"
            record.update(
                sent_at=response.sent_at,
                status=response.status,
                ms=response.elapsed_ms,
                outcome=outcome,
            )
        with lock:
            results.append(record)


def table_path(slug: str) -> str:
    return f"/instruction/appels/{slug}/"


def export_path(slug: str) -> str:
    return f"/instruction/appels/{slug}/export.csv"


def run_officer(session_key, server, slug, stop_at, export_share, seed, results, lock) -> None:
    """One officer: the instruction table, now and then its CSV export, until ``stop_at``."""
    rng = random.Random(seed)
    client = harness.SessionClient(server, session_key)
    while time.time() < stop_at:
        kind = "export" if rng.random() < export_share else "table"
        path = export_path(slug) if kind == "export" else table_path(slug)
        try:
            response = client.get(path)
        except (OSError, http.client.HTTPException) as error:
            record = {"kind": kind, "sent_at": time.time(), "status": None, "ms": None,
                      "outcome": f"error {error!r}"}  # fmt: skip
        else:
            ok = response.status == 200 and (
                kind == "table" or response.headers.get("Content-Type", "").startswith("text/csv")
            )
            record = {"kind": kind, "sent_at": response.sent_at, "status": response.status,
                      "ms": response.elapsed_ms,
                      "outcome": "ok" if ok else f"other {response.status}"}  # fmt: skip
        with lock:
            results.append(record)
        time.sleep(rng.uniform(0.5, 1.5))


def start_officers(args, server, sessions, slug, stop_at, results, lock) -> list[threading.Thread]:
    threads = [
        threading.Thread(
            target=run_officer,
            args=(key, server, slug, stop_at, args.export_share, args.seed + i, results, lock),
            daemon=True,
        )
        for i, key in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    return threads


def submit_at(client, applications, planned, idle, results, lock) -> None:
    """One step-up submission (``planned``: its instant), then the client back to the pool."""
    application = applications.pop()
    try:
        response = client.post(
            submit_path(application["public_id"]), {"version": str(application["version"])}
        )
        ok = response.status == 302 and response.location == detail_path(application["public_id"])
        record = {"planned": planned, "ms": response.elapsed_ms,
                  "late_ms": (time.time() - planned) * 1000,
                  "outcome": "accepted" if ok else f"other {response.status}"}  # fmt: skip
    except (OSError, http.client.HTTPException) as error:
        record = {"planned": planned, "ms": None, "late_ms": None,
                  "outcome": f"error {error!r}"}  # fmt: skip
    with lock:
        results.append(record)
    idle.put((client, applications))


def step_up(args, server, data: dict, officer_sessions: list[str]) -> list[dict]:
    """Submissions offered at each rate of ``--step-up`` for ``--step-seconds``: open loop,
    each at its planned instant (a client taken from a pool of idle representatives); latency
    from the planned instant to the answer, so that a server falling behind shows. Stops after
    the first rate whose p95 exceeds the target or that has an error."""
    idle: queue.Queue = queue.Queue()
    for user in data["users"]:
        client = harness.SessionClient(server, user["session"])
        fetch_csrf(client, submit_path(user["applications"][0]["public_id"]))
        idle.put((client, list(user["applications"])))
    slug = data["call"]["slug"]
    steps = []
    for rate in args.step_up:
        n = int(rate * args.step_seconds)
        results: list[dict] = []
        officer_results: list[dict] = []
        lock = threading.Lock()
        t0 = time.time() + 1
        officers = start_officers(
            args, server, officer_sessions, slug, t0 + args.step_seconds, officer_results, lock
        )
        step(f"step-up: {rate:g} submissions/s for {args.step_seconds:g} s ({n})")

        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(n):
                planned = t0 + i / rate
                time.sleep(max(0.0, planned - time.time()))
                client, applications = idle.get(timeout=60)
                if not applications:
                    raise harness.BenchError("step-up: out of prepared applications")
                pool.submit(submit_at, client, applications, planned, idle, results, lock)
        for thread in officers:
            thread.join(timeout=harness.REQUEST_TIMEOUT * 3)
        accepted = [r for r in results if r["outcome"] == "accepted"]
        late = [r["late_ms"] for r in results if r["late_ms"] is not None]
        served = [r["ms"] for r in results if r["ms"] is not None]
        span = max((r["planned"] for r in results), default=t0) - t0
        entry = {
            "rate": rate,
            "offered": n,
            "accepted": len(accepted),
            "errors": len(results) - len(accepted),
            "p95_ms": harness.percentile(late, 95) if late else math.inf,
            "median_ms": harness.summarize(late).median if late else math.inf,
            "server_p95_ms": harness.percentile(served, 95) if served else math.inf,
            "officer_p95_ms": harness.percentile(
                [r["ms"] for r in officer_results if r["ms"] is not None] or [math.inf], 95
            ),
            "officer_errors": sum(r["outcome"] != "ok" for r in officer_results),
            "achieved": len(accepted) / max(span + 1 / rate, 1e-9),
        }
        steps.append(entry)
        step(f"step-up: {rate:g}/s -> p95 {entry['p95_ms']:.0f} ms, {entry['errors']} error(s)")
        if entry["p95_ms"] > args.target_p95 or entry["errors"] or entry["officer_errors"]:
            break
    return steps
