"""Fault benchmark: ``python bench/faults.py`` (PostgreSQL only, ~2–3 minutes).

gunicorn (4 sync workers), a throwaway PostgreSQL 15 cluster and one ``db_worker`` kept alive
as systemd does it (``Restart=on-failure``, ``RestartSec=5``, ``recover_tasks --worker-id …
--wait 60`` before each start, see deploy/systemd/coopess-worker.service), all on 127.0.0.1, production
settings with the demo mailbox (``COOPESS_DEMO=true``: emails are ``DemoEmail`` rows, so
that what was delivered can be counted).

(a) PostgreSQL stopped (``pg_ctl stop -m fast``) for ``--outage`` seconds in the middle of a
    run: ``--clients`` signed-in representatives browse and submit their applications (a
    submission answered 503 is tried again, as a person would), ``--officers`` officers
    browse the instruction table and export it. Expected: every answer during the outage is
    the French maintenance page (503, ``Retry-After``), never a 500 nor a dropped connection;
    the site answers again without any restart; afterwards no half-written record (database
    invariants and counts, see ``harness.integrity``), every acknowledged submission present.
(b) the worker killed with SIGKILL in the middle of a batch of ``--emails`` outbox emails,
    ``--kills`` times, each time while it is running a task (the worker is frozen with
    SIGSTOP, the database says which task it holds, then SIGKILL), and started again by the
    supervisor. Expected: every email delivered exactly once, every task finished once.

Writes a Markdown report to ``bench/results/faults-<date>.md``; exit code 2 when a check
fails. Everything stops by itself (``--timeout``, default 900 s). See docs/reliability.md.

This module owns the command line, the run's sequence, the analysis, the report and the Django
side (``python bench/faults.py django …``); ``bench/faults_runs.py`` the two faults' client
threads, recorder and probe.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402
from bench.applications import (  # noqa: E402
    prepare_applications,
    step,
)
from bench.faults_runs import (  # noqa: E402
    EMAIL_SUBJECT,
    WORKER_ID,
    kill_run,
    outage_run,
)

THIS = Path(__file__).resolve()
RESULTS_DIR = THIS.parent / "results"
RECOVERY_GRACE = 5.0  # seconds after PostgreSQL is back during which a 503 is still fine


# --- The run --------------------------------------------------------------------------------


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-faults-"))
    try:
        with harness.database("PostgreSQL", workdir) as db:
            env = harness.production_env(db.url, workdir, COOPESS_DEMO="true", LOG_LEVEL="ERROR")
            step("migrate, collectstatic (no demo data)")
            harness.prepare_database(env, demo=False)
            step(f"{args.clients} representatives x {args.per_client} complete drafts")
            data = prepare_applications(env, args.clients, args.per_client)
            officers = harness.officer_session(env, call_id=data["call"]["id"], n=args.officers)
            worker_log = workdir / "worker.log"
            command = [harness.PYTHON, "manage.py", "db_worker", "--worker-id", WORKER_ID,
                       "--interval", "0.5", "--no-reload"]  # fmt: skip
            pre = [harness.PYTHON, "manage.py", "recover_tasks", "--worker-id", WORKER_ID,
                   "--wait", "60"]  # fmt: skip
            step(f"gunicorn -w {args.workers} + one supervised db_worker")
            with (
                harness.start_gunicorn(env, workdir, workers=args.workers) as server,
                harness.supervised_process(
                    command, env, worker_log, pre=pre, restart_delay=args.restart_delay
                ) as supervisor,
            ):
                step(
                    f"(a) {args.duration:g} s of traffic, PostgreSQL down at +{args.outage_at:g} s"
                )
                outage = outage_run(args, env, db, server, supervisor, data, officers)
                step("(a) waiting for the queue to drain, checking the database")
                outage["integrity"] = harness.integrity(
                    env, data["call"]["id"], wait_drained=args.drain_timeout
                )
                outage["worker_alive"] = supervisor.alive
                kills = kill_run(args, env, db, supervisor)
                kills["worker_events"] = list(supervisor.events)
                kills["worker_alive"] = supervisor.alive
                gunicorn_log = server.log.read_text(errors="replace")
            worker_text = worker_log.read_text(errors="replace")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    # Django logs every 5xx with its traceback: 503s are "Service Unavailable", 500s
    # "Internal Server Error".
    outage["logged_500"] = gunicorn_log.count("Internal Server Error:")
    outage["logged_503"] = gunicorn_log.count("Service Unavailable:")
    outage["worker_exits"] = [
        line.strip() for line in worker_text.splitlines() if line.startswith("django.db.utils.")
    ]
    return {"outage": outage, "kills": kills}


def analyse(result: dict, args) -> tuple[list[str], list[str]]:
    failures: list[str] = []

    def check(ok: bool, label: str) -> str:
        if not ok:
            failures.append(label)
        return f"- [{'x' if ok else ' '}] {label}"

    o = result["outage"]
    t0 = o["t0"]
    records = o["records"]
    down_from, up_at = o["outage_start"], o["restarted_at"]
    outcomes = Counter(r["outcome"] for r in records)
    before = [r for r in records if r["done_at"] < down_from]
    during = [r for r in records if down_from <= r["sent_at"] and r["done_at"] <= up_at]
    after = [r for r in records if r["sent_at"] > up_at + RECOVERY_GRACE]
    maintenance = [r for r in records if r["outcome"] == "maintenance"]
    late = [r for r in maintenance if r["sent_at"] > up_at]
    first_ok_after = min(
        (
            r["done_at"]
            for r in records
            if r["sent_at"] >= up_at and r["outcome"] == "ok" and r["kind"] != "page"
        ),
        default=None,
    )
    integrity = o["integrity"]
    submitted = {a["public_id"] for a in integrity["submitted"]}
    acknowledged = set(o["acknowledged"])
    by_kind = Counter((r["kind"], r["outcome"]) for r in records)
    lines = [
        "### (a) PostgreSQL stopped, then started",
        "",
        f"PostgreSQL stopped at +{down_from - t0:.1f} s (`pg_ctl stop -m fast` took "
        f"{o['stop_seconds']:.1f} s), started again at +{o['start_began'] - t0:.1f} s "
        f"(`pg_ctl start` took {o['start_seconds']:.1f} s, accepting connections at "
        f"+{up_at - t0:.1f} s): {up_at - down_from:.1f} s without database.",
        "",
        harness.markdown_table(
            ["requests", "n", "ok", "maintenance 503", "other"],
            [
                [
                    label,
                    str(len(group)),
                    str(sum(r["outcome"] == "ok" for r in group)),
                    str(sum(r["outcome"] == "maintenance" for r in group)),
                    str(sum(r["outcome"] not in ("ok", "maintenance") for r in group)),
                ]
                for label, group in (
                    ("before the outage", before),
                    ("during the outage", during),
                    (
                        f"from restart to +{RECOVERY_GRACE:g} s",
                        [r for r in records if up_at < r["sent_at"] <= up_at + RECOVERY_GRACE],
                    ),
                    (f"after +{RECOVERY_GRACE:g} s", after),
                    ("all", records),
                )
            ],
        ),
        "",
        "By kind and outcome: "
        + ", ".join(f"{kind} {outcome}: {n}" for (kind, outcome), n in sorted(by_kind.items()))
        + ".",
        "First database-backed success after the restart: "
        + (f"{first_ok_after - up_at:+.2f} s" if first_ok_after else "none")
        + f"; maintenance answers to requests sent after the restart: {len(late)}"
        + (f" (last sent {max(r['sent_at'] for r in late) - up_at:+.2f} s)" if late else "")
        + ".",
        f"Submissions acknowledged: {len(acknowledged)}; applications submitted in the "
        f"database: {len(submitted)}; statuses {integrity['statuses']}.",
        f"gunicorn: workers booted during the run {o['gunicorn_workers_booted']}; its log "
        f"holds {o['logged_503']} « Service Unavailable » and {o['logged_500']} « Internal "
        f"Server Error ». db_worker (supervised like systemd), exits "
        f"{Counter(o['worker_exits']) or 'none'}: "
        + "; ".join(f"+{at - t0:.1f} s {event}" for at, event in o["worker_events_outage"])
        + ".",
        f"After the run: tasks {integrity['tasks']}; receipt PDFs {integrity['receipts']}; "
        f"receipt emails {integrity['receipt_emails']}; tasks run more than once "
        f"{integrity['reruns'] or 'none'}.",
        "",
        "Checks:",
        check(
            outcomes["server error"] == 0 and o["logged_500"] == 0,
            f"no 500 (answered {outcomes['server error']}, logged {o['logged_500']})",
        ),
        check(
            outcomes["no answer"] == 0 and outcomes["503 other"] == 0,
            f"no dropped connection ({outcomes['no answer']}) nor bare 503 "
            f"({outcomes['503 other']})",
        ),
        check(
            len(maintenance) > 0 and all(r["outcome"] == "maintenance" for r in during),
            f"every request during the outage answered the French maintenance page "
            f"({len(maintenance)} in all)",
        ),
        check(
            all(r["outcome"] == "ok" for r in before + after),
            f"every request before the outage and from +{RECOVERY_GRACE:g} s after it "
            "succeeded: recovered without restart",
        ),
        check(o["gunicorn_workers_booted"] == 0, "gunicorn not restarted (no worker booted)"),
        check(acknowledged <= submitted, "every acknowledged submission is in the database"),
        check(submitted <= acknowledged, "every submitted application was acknowledged"),
        check(
            not integrity["violations"],
            "no half-written record: invariants hold (status/receipt, transitions, receipt "
            "numbers consecutive, one receipt task, PDF and email set per submission)",
        ),
        check(
            integrity["drained"] and o["worker_alive"],
            "the worker is running again and drained the queue",
        ),
    ]
    if integrity["violations"]:
        lines += ["", "Violations:", *[f"    {v}" for v in integrity["violations"][:20]]]
    if integrity["failed_tasks"]:
        lines += ["", "Failed tasks:", *[f"    {f}" for f in integrity["failed_tasks"]]]
    odd = [r for r in records if r["outcome"] not in ("ok", "maintenance")]
    if odd:
        lines += ["", "Other answers:", *[
            f"    +{r['sent_at'] - t0:.2f} s {r['kind']} {r['path']} -> {r['outcome']} "
            f"{r.get('error', '')}" for r in odd[:20]]]  # fmt: skip
    samples = [r["ms"] for r in records if r["ms"] is not None and r["outcome"] == "ok"]
    m503 = [r["ms"] for r in maintenance if r["ms"] is not None]
    if samples and m503:
        ok_s, m_s = harness.summarize(samples), harness.summarize(m503)
        lines.append(
            f"\nLatency: successful answers median {ok_s.median:.0f} ms, p95 {ok_s.p95:.0f} ms; "
            f"maintenance answers median {m_s.median:.0f} ms, p95 {m_s.p95:.0f} ms."
        )

    k = result["kills"]
    state = k["state"]
    lines += [
        "",
        "### (b) The worker killed with SIGKILL mid-batch",
        "",
        f"{args.emails} outbox emails queued; the worker killed {len(k['kills'])} times while "
        f"holding a task (frozen with SIGSTOP, its RUNNING task read from the database — and "
        f"for every other kill, its session seen inside the sending transaction, the email "
        f"written but not committed — then SIGKILL), and restarted {args.restart_delay:g} s "
        f"later by the supervisor after `recover_tasks --worker-id {WORKER_ID} --wait 60`. Batch done in "
        f"{k['seconds']:.1f} s.",
        "",
        *[
            f"- kill {i + 1}: {kill['where']}, task {kill['task']} {kill['id'][:8]}… (email "
            f"{str(kill['args'][0])[:8]}…), {kill['delivered_before']} emails delivered then"
            for i, kill in enumerate(k["kills"])
        ],
        "",
        f"Delivered (demo mailbox rows): {state['delivered']} for {state['queued']} queued; "
        f"distinct subjects {state['distinct']}; delivered twice or more: "
        f"{state['duplicates']}; outbox {state['outbox']}; attempts per email "
        f"{state['attempts']}; `deliver_email` tasks {state['tasks']}, run by two workers or "
        f"more: {state['reruns']}.",
        f"Afterwards, dry runs: `recover_tasks --older-than 0`: « {k['recover_dry_run']} »; "
        f"`requeue_emails --older-than 0`: « {k['requeue_dry_run']} ».",
        "Supervisor: " + "; ".join(event for _, event in k["worker_events"]) + ".",
        "",
        "Checks:",
        check(len(k["kills"]) == args.kills, f"{args.kills} kills, each mid-task"),
        check(
            sum(n for a, n in state["attempts"].items() if int(a) > 1)
            >= sum(kill["where"].startswith("inside") for kill in k["kills"]),
            "each email killed inside its sending transaction was tried again (attempts 2)",
        ),
        check(
            state["delivered"] == state["queued"] == args.emails
            and state["distinct"] == args.emails
            and not state["duplicates"],
            "every email delivered exactly once",
        ),
        check(state["outbox"] == {"sent": args.emails}, "every outbox email marked sent"),
        check(
            state["tasks"] == {"SUCCESSFUL": args.emails} and state["reruns"] == len(k["kills"]),
            "every task finished once (SUCCESSFUL), the killed ones re-run once each",
        ),
        check(
            k["recover_dry_run"].startswith("0 ") and k["requeue_dry_run"].startswith("0 "),
            "nothing left to recover",
        ),
        check(k["worker_alive"], "the worker is running"),
    ]
    return lines, failures


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=12, help="representatives (threads)")
    parser.add_argument("--per-client", type=int, default=12, help="applications each")
    parser.add_argument("--officers", type=int, default=2, help="officers browsing the table")
    parser.add_argument("--duration", type=float, default=45, help="seconds of traffic in (a)")
    parser.add_argument("--outage-at", type=float, default=12, help="PostgreSQL stops at +S s")
    parser.add_argument("--outage", type=float, default=10, help="seconds without PostgreSQL")
    parser.add_argument("--emails", type=int, default=400, help="outbox emails in (b)")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of the worker in (b)")
    parser.add_argument("--restart-delay", type=float, default=5, help="like RestartSec=5")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=int, default=900, help="hard limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 50 or not 1 <= args.per_client <= 50:
        parser.error("--clients and --per-client must be 1..50")
    if not 0 <= args.officers <= 10 or not 1 <= args.kills <= 10:
        parser.error("--officers must be 0..10, --kills 1..10")
    if not 10 <= args.emails <= 5000:
        parser.error("--emails must be 10..5000")
    if not (args.outage_at >= 2 and args.outage_at + args.outage + 10 <= args.duration <= 300):
        parser.error("need 2 <= --outage-at and --outage-at + --outage + 10 <= --duration <= 300")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not harness.postgres_available():
        print(f"PostgreSQL server binaries not found in {harness.PG_BIN}", file=sys.stderr)
        return 1
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    result, failed = harness.run_bounded(lambda: run(args), args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    raw = (args.output or RESULTS_DIR / f"faults-{started:%Y-%m-%d}.md").with_suffix(".json")
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(result, default=str), encoding="utf-8")  # the run, whatever follows
    lines, failures = analyse(result, args)
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    text = (
        f"# Benchmark `faults` — {started:%Y-%m-%d %H:%M %z}\n\n"
        f"PostgreSQL 15 (throwaway cluster), gunicorn `config.wsgi` {args.workers} sync "
        f"workers, one `db_worker` supervised like its systemd unit, production settings with "
        f"the demo mailbox (`COOPESS_DEMO=true`), all on 127.0.0.1. (a) {args.clients} "
        f"representatives ({args.per_client} complete drafts each) and {args.officers} "
        f"officers for {args.duration:g} s, PostgreSQL stopped at +{args.outage_at:g} s for "
        f"{args.outage:g} s; (b) {args.emails} emails, {args.kills} SIGKILLs (seed "
        f"{args.seed}).\n\nMachine:\n{machine_lines}\n\n"
        + "\n".join(lines)
        + f"\n\nResult: {'all checks passed' if not failures else 'FAILED: ' + '; '.join(failures)}."
        f"\n\nRun time: {elapsed:.0f} s.\n"
    )
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"faults-{started:%Y-%m-%d}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output}")
    return 0 if not failures else 2


# --- Django side (subprocess, DJANGO_SETTINGS_MODULE=config.settings) ---------------------------


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    action, *rest = argv
    if action == "queue-emails":
        result = _queue_emails(int(rest[0]))
    elif action == "email-state":
        result = _email_state(rest[0], float(rest[1]))
    else:
        raise SystemExit(f"unknown action {action!r}")
    print(json.dumps(result))


def _queue_emails(n: int) -> dict:
    from django.core.mail import EmailMessage
    from django.db import transaction

    from coopess.common.mail import queue_email_message

    with transaction.atomic():
        for i in range(n):
            queue_email_message(
                EmailMessage(
                    EMAIL_SUBJECT.format(i),
                    f"Votre code de connexion : {i:04d}-BANC",
                    to=[f"banc-panne-{i}@example.org"],
                )
            )
    return {"queued": n}


def _email_state(prefix: str, wait: float) -> dict:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from coopess.common.models import DemoEmail, OutgoingEmail
    from coopess.common.tasks import deliver_email

    outbox = OutgoingEmail.objects.filter(subject__startswith=prefix)
    deadline = time.monotonic() + wait
    tasks = DBTaskResult.objects.filter(task_path=deliver_email.module_path)
    while tasks.filter(status__in=["READY", "RUNNING"]).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    subjects = Counter(
        DemoEmail.objects.filter(subject__startswith=prefix).values_list("subject", flat=True)
    )
    # Only this batch's tasks: (a)'s submissions sent their receipts through the outbox too.
    ids = {str(pk) for pk in outbox.values_list("pk", flat=True)}
    batch = [
        (status, worker_ids)
        for status, args_kwargs, worker_ids in tasks.values_list(
            "status", "args_kwargs", "worker_ids"
        )
        if str((args_kwargs.get("args") or [None])[0]) in ids
    ]
    return {
        "queued": outbox.count(),
        "delivered": sum(subjects.values()),
        "distinct": len(subjects),
        "duplicates": sorted(s for s, n in subjects.items() if n > 1)[:10],
        "outbox": dict(outbox.values_list("status").annotate(n=Count("pk"))),
        "attempts": {
            str(a): n for a, n in sorted(Counter(outbox.values_list("attempts", flat=True)).items())
        },
        "tasks": dict(Counter(status for status, _ in batch)),
        "reruns": sum(1 for _, worker_ids in batch if len(worker_ids) > 1),
    }


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        _django_main(sys.argv[2:])
    else:
        sys.exit(main())
