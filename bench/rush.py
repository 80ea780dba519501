"""Deadline rush: ``python bench/rush.py`` (PostgreSQL only).

gunicorn (4 sync workers), a throwaway PostgreSQL cluster and one ``db_worker`` process, all on
127.0.0.1. The call closes 60 s after the rush starts; 20 concurrent clients (threads, one
signed-in representative and session each) submit 10 distinct complete applications each at
random instants over 75 s, so that the closing instant passes during the run. Then, once the
worker has drained the queue, the database is checked: accepted answers are submitted with a
receipt number, every request sent after the closing was refused cleanly, no server error,
receipt numbers unique and consecutive, one receipt PDF per submitted application.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import http.client
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import applications as app_bench  # noqa: E402
from bench import harness  # noqa: E402
from bench.applications import (  # noqa: E402
    EMAIL_ENV,
    Interrupted,
    database_state,
    detail_path,
    fetch_csrf,
    prepare_applications,
    raise_interrupted,
    step,
    submit_path,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LEAD_SECONDS = 10  # between fixing the closing instant and the rush's start
WINDOW_SECONDS = 2.0  # requests this close to the closing instant are listed
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


def rush(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-rush-"))
    try:
        with harness.database("PostgreSQL", workdir) as db:
            env = harness.production_env(db.url, workdir, **EMAIL_ENV)
            step("migrate, collectstatic (no demo data)")
            harness.prepare_database(env, demo=False)
            step(f"{args.clients} users x {args.per_client} complete draft applications")
            data = prepare_applications(env, args.clients, args.per_client)
            call_id = data["call"]["id"]
            worker_log = workdir / "worker.log"
            worker_command = [
                harness.PYTHON, "manage.py", "db_worker", "--interval", "0.5", "--no-reload",
            ]  # fmt: skip
            step(f"gunicorn -w {args.workers} + one db_worker")
            with (
                harness.start_gunicorn(env, workdir, workers=args.workers) as server,
                harness.background_process(
                    worker_command, env, worker_log, discard_stdout=True
                ) as worker,
            ):
                clients = []
                for user in data["users"]:
                    client = harness.SessionClient(server, user["session"])
                    fetch_csrf(client, submit_path(user["applications"][0]["public_id"]))
                    clients.append(client)
                wanted = time.time() + LEAD_SECONDS + args.close_after
                closes = harness.django_json(
                    env, app_bench.THIS, "django", "close-at", str(call_id), str(wanted)
                )["closes_at"]
                t0 = closes - args.close_after
                if time.time() > t0:
                    raise harness.BenchError("setting the closing instant took too long")
                rng = random.Random(args.seed)
                results: list[dict] = []
                lock = threading.Lock()
                stop_at = t0 + args.spread + 30
                threads = []
                for index, (client, user) in enumerate(zip(clients, data["users"], strict=True)):
                    offsets = sorted(rng.uniform(0, args.spread) for _ in user["applications"])
                    applications = list(user["applications"])
                    rng.shuffle(applications)
                    threads.append(
                        threading.Thread(
                            target=run_client,
                            args=(index, client, applications, offsets, t0, stop_at, results, lock),
                            daemon=True,
                        )
                    )
                step(
                    f"rush: {args.clients} clients, {args.clients * args.per_client} submissions "
                    f"over {args.spread} s; the call closes at +{args.close_after} s "
                    f"({dt.datetime.fromtimestamp(closes).astimezone():%H:%M:%S.%f})"
                )
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=max(0.1, stop_at + harness.REQUEST_TIMEOUT - time.time()))
                if any(thread.is_alive() for thread in threads):
                    raise harness.BenchError("some clients did not finish in time")
                rush_end = time.time()
                step("waiting for the worker to drain the queue")
                state = database_state(env, call_id, wait_drained=args.drain_timeout)
                drained_after = time.time() - rush_end
                worker_alive = worker.poll() is None
            gunicorn_log = server.log.read_text(errors="replace")
            worker_errors = worker_log.read_text(errors="replace")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "results": results,
        "state": state,
        "closes": closes,
        "t0": t0,
        "drained_after": drained_after,
        "worker_alive": worker_alive,
        "gunicorn_tracebacks": gunicorn_log.count("Traceback"),
        "worker_tracebacks": worker_errors.count("Traceback"),
    }


def analyse(run: dict) -> tuple[list[str], list[str]]:
    """Returns (report lines, failed checks)."""
    results, state, closes = run["results"], run["state"], run["closes"]
    failures: list[str] = []

    def check(ok: bool, label: str) -> str:
        if not ok:
            failures.append(label)
        return f"- [{'x' if ok else ' '}] {label}"

    accepted = [r for r in results if r["outcome"] == "accepted"]
    refused = [r for r in results if r["outcome"] == "closed"]
    other = [r for r in results if r["outcome"] not in ("accepted", "closed")]
    server_errors = [r for r in results if r["status"] and r["status"] >= 500]
    before = [r for r in results if r["sent_at"] < closes]
    after = [r for r in results if r["sent_at"] >= closes]
    submitted = {a["public_id"]: a for a in state["submitted"]}
    numbers = sorted(a["receipt_number"] for a in state["submitted"])
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n)
    accepted_ids = {r["public_id"] for r in accepted}

    lines = [
        f"Requests: {len(results)} ({len(before)} sent before the closing, {len(after)} after); "
        f"{len(accepted)} accepted (302 to the detail page), {len(refused)} refused (200, "
        f"« {CLOSED_MESSAGE} »), {len(other)} other, {len(server_errors)} server errors (5xx).",
        f"Refused although sent before the closing (decided after it, server side): "
        f"{sum(1 for r in refused if r['sent_at'] < closes)}.",
        f"Submitted in the database: {len(submitted)}; statuses: {state['statuses']}; "
        f"receipts built: {state['receipts']}; tasks: {state['tasks']} "
        f"({app_bench._tasks_text(state['by_task'])}); queue drained "
        f"{run['drained_after']:.1f} s after the last answer.",
        "",
        "Checks:",
        check(
            all(
                r["public_id"] in submitted
                and submitted[r["public_id"]]["status"] == "submitted"
                and submitted[r["public_id"]]["receipt_number"]
                for r in accepted
            ),
            "every accepted submission is in the database, submitted, with a receipt number",
        ),
        check(set(submitted) == accepted_ids, "no submission without an accepted answer"),
        check(
            all(a["submitted_at"] < closes for a in state["submitted"]),
            "every submission recorded before the closing instant",
        ),
        check(
            all(r["outcome"] == "closed" for r in after),
            "every request sent after the closing refused cleanly (200 and the message)",
        ),
        check(not other and not server_errors, "0 server errors, 0 other answers"),
        check(
            run["gunicorn_tracebacks"] == 0 and run["worker_tracebacks"] == 0,
            f"no traceback in the logs (gunicorn {run['gunicorn_tracebacks']}, "
            f"worker {run['worker_tracebacks']})",
        ),
        check(
            len(set(numbers)) == len(numbers) and sequence == list(range(1, len(sequence) + 1)),
            f"receipt numbers unique and consecutive ({numbers[0] if numbers else '-'} … "
            f"{numbers[-1] if numbers else '-'})",
        ),
        check(state["drained"] and run["worker_alive"], "the worker drained the queue"),
        check(
            all(a["receipts"] == 1 for a in state["submitted"])
            and state["receipts"] == len(submitted)
            and not state["tasks"].get("FAILED"),
            "each submitted application has exactly one receipt (built once), no failed task",
        ),
    ]
    if state["failed"]:
        lines += ["", "Failed tasks:", *[f"    {f}" for f in state["failed"]]]
    latency_rows = []
    for label, group in (("all", results), ("accepted", accepted), ("refused", refused)):
        samples = [r["ms"] for r in group if r["ms"] is not None]
        if samples:
            s = harness.summarize(samples)
            latency_rows.append(
                [label, str(s.n), f"{s.median:.1f}", f"{s.p95:.1f}", f"{s.maximum:.1f}"]
            )
    lines += [
        "",
        harness.markdown_table(["requests", "n", "median ms", "p95 ms", "max ms"], latency_rows),
    ]
    near = sorted(
        (r for r in results if abs(r["sent_at"] - closes) <= WINDOW_SECONDS),
        key=lambda r: r["sent_at"],
    )
    rows = []
    for r in near:
        recorded = submitted.get(r["public_id"])
        rows.append(
            [
                f"{(r['sent_at'] - closes) * 1000:+.0f}",
                f"{r['ms']:.1f}" if r["ms"] is not None else "-",
                r["outcome"],
                recorded["receipt_number"] if recorded else "-",
                f"{(recorded['submitted_at'] - closes) * 1000:+.0f}" if recorded else "-",
            ]
        )
    lines += [
        "",
        f"Requests sent within ±{WINDOW_SECONDS:g} s of the closing instant:",
        "",
        harness.markdown_table(
            ["sent (ms from closing)", "latency ms", "answer", "receipt", "recorded (ms)"], rows
        )
        if rows
        else "(none)",
    ]
    last_accepted = max((r["sent_at"] for r in accepted), default=None)
    first_refused = min((r["sent_at"] for r in refused), default=None)
    if last_accepted is not None and first_refused is not None:
        lines.append(
            f"\nLast accepted request sent at {(last_accepted - closes) * 1000:+.0f} ms, first "
            f"refused at {(first_refused - closes) * 1000:+.0f} ms from the closing."
        )
    return lines, failures


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent representatives")
    parser.add_argument("--per-client", type=int, default=10, help="applications per client")
    parser.add_argument("--close-after", type=float, default=60, help="seconds to the closing")
    parser.add_argument("--spread", type=float, default=75, help="submissions over S seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=2026, help="random schedule seed")
    parser.add_argument("--drain-timeout", type=float, default=90)
    parser.add_argument("--timeout", type=int, default=300, help="hard limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 50 or not 1 <= args.per_client <= 50:
        parser.error("--clients and --per-client must be 1..50")
    if not 5 <= args.close_after < args.spread <= 240:
        parser.error("need 5 <= --close-after < --spread <= 240")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be 1..16")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not harness.postgres_available():
        print(f"PostgreSQL server binaries not found in {harness.PG_BIN}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGALRM, raise_interrupted)
    signal.alarm(args.timeout)
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    try:
        run = rush(args)
    except KeyboardInterrupt:
        print("\nInterrupted: servers stopped.", file=sys.stderr)
        return 130
    except Interrupted as error:
        print(f"\nStopped by {error}: servers stopped.", file=sys.stderr)
        return 1
    except (harness.BenchError, OSError, http.client.HTTPException) as error:
        print(f"\nBenchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    lines, failures = analyse(run)
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    text = (
        f"# Benchmark `rush` — {started:%Y-%m-%d %H:%M %z}\n\n"
        f"PostgreSQL (throwaway cluster), gunicorn `config.wsgi` {args.workers} sync workers, "
        f"one `db_worker` (interval 0.5 s), production settings, `EMAIL_URL=consolemail://`; "
        f"{args.clients} client threads (one session each) x {args.per_client} distinct "
        f"complete applications, each POST `/candidatures/<uuid>/deposer/` at a random instant "
        f"in [0, {args.spread:g}] s (seed {args.seed}); the call closes at "
        f"+{args.close_after:g} s.\n\nMachine:\n{machine_lines}\n\n"
        + "\n".join(lines)
        + f"\n\nResult: {'all checks passed' if not failures else 'FAILED: ' + '; '.join(failures)}."
        f"\n\nRun time: {elapsed:.0f} s.\n"
    )
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"rush-{started:%Y-%m-%d}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output}")
    return 0 if not failures else 2


if __name__ == "__main__":
    sys.exit(main())
