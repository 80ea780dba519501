"""Deadline rush: ``python bench/rush.py`` (PostgreSQL only).

gunicorn (4 sync workers), a throwaway PostgreSQL cluster and one ``db_worker`` process, all on
127.0.0.1. The call closes 60 s after the rush starts; 20 concurrent clients (threads, one
signed-in representative and session each) submit 10 distinct complete applications each at
random instants over 75 s, so that the closing instant passes during the run. Then, once the
worker has drained the queue, the database is checked: accepted answers are submitted with a
receipt number, every request sent after the closing was refused cleanly, no server error,
receipt numbers unique and consecutive, one receipt PDF per submitted application.

At issue 8's scale (``--scale issue8``): 50 clients x 10 applications over 120 s, the call
closing 30 s after the last one, 5 officers browsing the instruction table and exporting it as
CSV meanwhile (``--officers``); the database is then checked by ``harness.integrity`` (no
half-written record, one receipt task, PDF and set of receipt emails per submission, the
outbox's emails queued once). ``--step-up 2,4,8,…`` then opens the call again and offers
submissions at fixed rates (open loop, ``--step-seconds`` each, more applications of the same
representatives) and reports the highest rate whose p95, counted from the planned instant,
stays under ``--target-p95`` (500 ms).
See docs/performance.md and docs/reliability.md.

This module owns the command line, the rush's set-up and run, the checks and the report;
``bench/rush_clients.py`` the representatives' and officers' threads and the step-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import shutil
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
    database_state,
    fetch_csrf,
    prepare_applications,
    step,
    submit_path,
)
from bench.rush_clients import (  # noqa: E402
    CLOSED_MESSAGE,
    run_client,
    start_officers,
    step_up,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LEAD_SECONDS = 10  # between fixing the closing instant and the rush's start
WINDOW_SECONDS = 2.0  # requests this close to the closing instant are listed


def rush(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-rush-"))
    try:
        with harness.database("PostgreSQL", workdir) as db:
            env = harness.production_env(db.url, workdir, **EMAIL_ENV)
            step("migrate, collectstatic (no demo data)")
            harness.prepare_database(env, demo=False)
            step(
                f"{args.clients} users x {args.per_client} complete draft applications"
                + (" (+ the step-up's)" if args.step_up else "")
            )
            # The step-up's applications belong to the same representatives (one preparation:
            # a second one would collide with the first's names), after their rush ones.
            extra = math.ceil(sum(r * args.step_seconds for r in args.step_up) / args.clients)
            data = prepare_applications(env, args.clients, args.per_client + extra)
            call_id = data["call"]["id"]
            step_data = {"call": data["call"], "users": []}
            for user in data["users"]:
                applications = user["applications"]
                step_data["users"].append({**user, "applications": applications[args.per_client :]})
                user["applications"] = applications[: args.per_client]
            officer_sessions = harness.officer_session(env, call_id=call_id, n=args.officers)
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
                officer_results: list[dict] = []
                # The officers wait for the rush's start, then browse until its last submission.
                time.sleep(max(0.0, t0 - time.time()))
                officers = start_officers(
                    args, server, officer_sessions, data["call"]["slug"], t0 + args.spread,
                    officer_results, lock,
                )  # fmt: skip
                for thread in threads:
                    thread.start()
                for thread in threads + officers:
                    thread.join(timeout=max(0.1, stop_at + harness.REQUEST_TIMEOUT - time.time()))
                if any(thread.is_alive() for thread in threads + officers):
                    raise harness.BenchError("some clients did not finish in time")
                rush_end = time.time()
                step("waiting for the worker to drain the queue")
                state = database_state(env, call_id, wait_drained=args.drain_timeout)
                drained_after = time.time() - rush_end
                integrity = harness.integrity(env, call_id)
                steps = []
                if args.step_up:
                    # The rush's call has closed: open it again for an hour.
                    harness.django_json(
                        env, app_bench.THIS, "django", "close-at", str(call_id),
                        str(time.time() + 3600),
                    )  # fmt: skip
                    steps = step_up(args, server, step_data, officer_sessions)
                worker_alive = worker.poll() is None
            gunicorn_log = server.log.read_text(errors="replace")
            worker_errors = worker_log.read_text(errors="replace")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "results": results,
        "officers": officer_results,
        "integrity": integrity,
        "steps": steps,
        "state": state,
        "closes": closes,
        "t0": t0,
        "drained_after": drained_after,
        "worker_alive": worker_alive,
        "gunicorn_tracebacks": gunicorn_log.count("Traceback"),
        "worker_tracebacks": worker_errors.count("Traceback"),
    }


def analyse(run: dict, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Returns (report lines, failed checks)."""
    results, state, closes = run["results"], run["state"], run["closes"]
    officers, integrity = run["officers"], run["integrity"]
    emails = integrity["receipt_emails"]
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
    officer_errors = [r for r in officers if r["outcome"] != "ok"]
    lines += [
        check(
            not integrity["violations"],
            "no half-written record: status and receipt, one transition, one receipt task and "
            "one screening task per submission, receipt counter = submissions (harness.integrity)",
        ),
        check(
            emails["outbox"] == emails["expected"]
            and emails["returned"] == emails["expected"]
            and not integrity["reruns"],
            f"receipt emails queued exactly once: {emails['expected']} recipients, "
            f"{emails['outbox']} rows in the outbox, {emails['returned']} queued according to "
            f"`send_receipt`'s return value (each task run once: re-runs "
            f"{integrity['reruns'] or 'none'})",
        ),
        check(
            not officer_errors,
            f"{args.officers} officers: {len(officers)} table pages and CSV exports, "
            f"{len(officer_errors)} errors",
        ),
    ]
    if integrity["violations"]:
        lines += ["", "Violations:", *[f"    {v}" for v in integrity["violations"][:20]]]
    if state["failed"]:
        lines += ["", "Failed tasks:", *[f"    {f}" for f in state["failed"]]]
    latency_rows = []
    for label, group in (
        ("all submissions", results),
        ("accepted", accepted),
        ("refused", refused),
        ("officer: table", [r for r in officers if r["kind"] == "table"]),
        ("officer: CSV export", [r for r in officers if r["kind"] == "export"]),
    ):
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
    if run["steps"]:
        sustained = [
            st["rate"] for st in run["steps"]
            if st["p95_ms"] <= args.target_p95 and not st["errors"] and not st["officer_errors"]
        ]  # fmt: skip
        lines += [
            "",
            f"Step-up (same call, opened again; open loop, {args.step_seconds:g} s per rate, the "
            f"{args.clients} representatives, {args.officers} officers browsing; latency from "
            "the planned instant to the answer, so that a server falling behind shows):",
            "",
            harness.markdown_table(
                [
                    "offered /s",
                    "submissions",
                    "accepted",
                    "errors",
                    "achieved /s",
                    "median ms",
                    "p95 ms",
                    "p95 ms (server)",
                    "officers p95 ms",
                ],
                [
                    [
                        f"{st['rate']:g}",
                        str(st["offered"]),
                        str(st["accepted"]),
                        str(st["errors"]),
                        f"{st['achieved']:.1f}",
                        f"{st['median_ms']:.0f}",
                        f"{st['p95_ms']:.0f}",
                        f"{st['server_p95_ms']:.0f}",
                        f"{st['officer_p95_ms']:.0f}",
                    ]
                    for st in run["steps"]
                ],
            ),
            "",
            f"Highest sustained rate with p95 under {args.target_p95:g} ms: "
            + (f"**{max(sustained):g} submissions/s**" if sustained else "none of those tried")
            + ".",
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


SCALES = {
    # Issue 8: 500 applications by 50 clients over 2 minutes, 5 officers browsing and exporting,
    # then the step-up. The call closes 30 s after the last submission.
    "issue8": {
        "clients": 50, "per_client": 10, "spread": 120, "close_after": 150, "officers": 5,
        "step_up": "2,4,6,8,12,16", "drain_timeout": 900, "timeout": 2400,
    },
}  # fmt: skip


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), help="preset (options still win)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent representatives")
    parser.add_argument("--per-client", type=int, default=10, help="applications per client")
    parser.add_argument("--close-after", type=float, default=60, help="seconds to the closing")
    parser.add_argument("--spread", type=float, default=75, help="submissions over S seconds")
    parser.add_argument("--officers", type=int, default=0, help="officers browsing meanwhile")
    parser.add_argument("--export-share", type=float, default=0.2, help="officer CSV exports")
    parser.add_argument("--step-up", default="", help="submission rates per second, e.g. 2,4,8")
    parser.add_argument("--step-seconds", type=float, default=15, help="seconds per rate")
    parser.add_argument("--target-p95", type=float, default=500, help="ms, step-up target")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=2026, help="random schedule seed")
    parser.add_argument("--drain-timeout", type=float, default=90)
    parser.add_argument("--timeout", type=int, default=300, help="hard limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    preset, _ = parser.parse_known_args(argv)
    if preset.scale:
        parser.set_defaults(**SCALES[preset.scale])
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 50 or not 1 <= args.per_client <= 50:
        parser.error("--clients and --per-client must be 1..50")
    if not (5 <= args.close_after <= 600 and 5 < args.spread <= 240):
        parser.error("need 5 <= --close-after <= 600 and 5 < --spread <= 240")
    if not 1 <= args.workers <= 16 or not 0 <= args.officers <= 20:
        parser.error("--workers must be 1..16, --officers 0..20")
    try:
        args.step_up = [float(r) for r in args.step_up.split(",") if r.strip()]
    except ValueError:
        parser.error("--step-up: comma-separated rates, e.g. 2,4,8")
    if any(not 0.1 <= r <= 100 for r in args.step_up):
        parser.error("--step-up rates must be 0.1..100 per second")
    if sum(r * args.step_seconds for r in args.step_up) > 5000:
        parser.error("the step-up would need more than 5000 applications")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not harness.postgres_available():
        print(f"PostgreSQL server binaries not found in {harness.PG_BIN}", file=sys.stderr)
        return 1
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    run, failed = harness.run_bounded(lambda: rush(args), args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    lines, failures = analyse(run, args)
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    text = (
        f"# Benchmark `rush` — {started:%Y-%m-%d %H:%M %z}\n\n"
        f"PostgreSQL (throwaway cluster), gunicorn `config.wsgi` {args.workers} sync workers, "
        f"one `db_worker` (interval 0.5 s), production settings, `EMAIL_URL=consolemail://`; "
        f"{args.clients} client threads (one session each) x {args.per_client} distinct "
        f"complete applications, each POST `/candidatures/<uuid>/deposer/` at a random instant "
        f"in [0, {args.spread:g}] s (seed {args.seed}); the call closes at "
        f"+{args.close_after:g} s; {args.officers} officers (one session each) open the "
        f"instruction table or, {args.export_share:.0%} of the time, its CSV export, every "
        f"0.5–1.5 s meanwhile.\n\nMachine:\n{machine_lines}\n\n"
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
