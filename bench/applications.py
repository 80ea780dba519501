"""Online application benchmark: ``python bench/applications.py``.

On SQLite then PostgreSQL, production settings, gunicorn with 2 workers on 127.0.0.1, signed-in
representatives (sessions created in the database, cookies kept by the client):

(a) autosave: HTMX POST of the project section, a textarea changing on every request, taken in
    turns with the floor ``/sante/``; target: p95 within 3x the floor's p95;
(b) submission: one POST ``/candidatures/<uuid>/deposer/`` per distinct complete application;
    target: p95 under 150 ms. No worker runs meanwhile: the receipt PDF must not be built in the
    request. Afterwards ``manage.py db_worker --batch`` builds the receipts, timed per task.

The Django side (data, query counts, database state) runs in subprocesses with the same
settings: ``python bench/applications.py django <action>``, also used by ``bench/rush.py``.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402

THIS = Path(__file__).resolve()
DATABASES = harness.DATABASES
RESULTS_DIR = THIS.parent / "results"
FLOOR = "/sante/"
TARGET_RATIO = 3.0  # autosave p95 / floor p95
TARGET_SUBMIT_P95_MS = 150.0
# Emails go to the worker's stdout (discarded): what is timed is building and sending them.
EMAIL_ENV = {"EMAIL_URL": "consolemail://"}


step = harness.step


def project_path(public_id: str) -> str:
    return f"/candidatures/{public_id}/projet/"


def submit_path(public_id: str) -> str:
    return f"/candidatures/{public_id}/deposer/"


def detail_path(public_id: str) -> str:
    return f"/candidatures/{public_id}/"


def autosave_form(base: dict, i: int) -> dict:
    """The whole project form, as HTMX posts it, with one textarea changed."""
    return {**base, "shared_description": f"Partager un poste de comptable (saisie n° {i})."}


# --- Client side helpers shared with rush.py ------------------------------------------------------


def prepare_applications(env: dict[str, str], users: int, per_user: int) -> dict:
    return harness.django_json(
        env, THIS, "django", "prepare", "--users", str(users), "--per-user", str(per_user),
        timeout=max(harness.COMMAND_TIMEOUT, users * per_user),
    )  # fmt: skip


def database_state(env: dict[str, str], call_id: int, *, wait_drained: float = 0) -> dict:
    return harness.django_json(
        env, THIS, "django", "state", str(call_id), "--wait-drained", str(wait_drained),
        timeout=int(wait_drained) + 120,
    )  # fmt: skip


def fetch_csrf(client: harness.SessionClient, path: str) -> None:
    """Open a page with a form, as the person does before clicking: sets the CSRF cookie."""
    response = client.get(path)
    if response.status != 200:
        raise harness.BenchError(f"GET {path} answered {response.status}: {response.body[:300]!r}")
    if harness.CSRF_COOKIE not in client.cookies:
        raise harness.BenchError(f"GET {path} did not set {harness.CSRF_COOKIE}")


def run_worker_batch(env: dict[str, str], tasks: int) -> float:
    """``db_worker --batch`` until the queue is empty; its stdout (console emails) discarded.
    Returns the wall time in seconds."""
    timeout = max(harness.COMMAND_TIMEOUT, 5 * tasks)
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [harness.PYTHON, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
            env=env, cwd=harness.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise harness.BenchError(f"db_worker --batch took more than {timeout} s") from None
    if result.returncode != 0:
        raise harness.BenchError(f"db_worker failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


# --- The benchmark ----------------------------------------------------------------------------


def bench_database(name: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-app-"))
    try:
        with harness.database(name, workdir) as db:
            env = harness.production_env(db.url, workdir, **EMAIL_ENV)
            step(f"[{name}] migrate, collectstatic (no demo data)")
            harness.prepare_database(env, demo=False)
            step(f"[{name}] {args.submissions + 2} complete draft applications, one user each")
            started = time.perf_counter()
            data = prepare_applications(env, args.submissions + 2, 1)
            step(f"[{name}] prepared in {time.perf_counter() - started:.0f} s")
            autosaver, counted, *submitters = data["users"]
            form = data["project_form"]
            step(f"[{name}] counting SQL queries (Django test client)")
            test_env = {**env, "ALLOWED_HOSTS": f"{harness.HOST},testserver"}
            queries = harness.django_json(
                test_env, THIS, "django", "count-queries",
                autosaver["session"], autosaver["applications"][0]["public_id"],
                counted["session"], counted["applications"][0]["public_id"],
                stdin=json.dumps(form), timeout=180,
            )  # fmt: skip
            step(f"[{name}] gunicorn -w {args.workers}")
            with harness.start_gunicorn(env, workdir, workers=args.workers) as server:
                step(f"[{name}] autosave: {args.warmup} warm-up + {args.requests} timed, in turns")
                floor, autosave = measure_autosave(server, autosaver, form, args)
                step(f"[{name}] submission: {len(submitters)} applications, one POST each")
                submissions = measure_submissions(server, submitters)
            before = database_state(env, data["call"]["id"])
            step(f"[{name}] db_worker --batch ({before['tasks'].get('READY', 0)} tasks)")
            worker_seconds = run_worker_batch(env, before["tasks"].get("READY", 0))
            after = database_state(env, data["call"]["id"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "name": name,
        "floor": floor,
        "autosave": autosave,
        "submit": submissions,
        "queries": queries,
        "before": before,
        "after": after,
        "worker_seconds": worker_seconds,
        "expected_submitted": len(submitters) + 1,  # + the one the query count submitted
    }


def measure_autosave(server, user: dict, form: dict, args) -> tuple[list[float], list[float]]:
    client = harness.SessionClient(server, user["session"])
    path = project_path(user["applications"][0]["public_id"])
    fetch_csrf(client, path)
    floor: list[float] = []
    autosave: list[float] = []
    for i in range(args.warmup + args.requests):
        response = client.get(FLOOR)
        if response.status != 200:
            raise harness.BenchError(f"GET {FLOOR} answered {response.status}")
        saved = client.post(path, autosave_form(form, i), headers={"HX-Request": "true"})
        if (
            saved.status != 200
            or "Enregistré à" not in saved.text()
            or "à corriger" in saved.text()
        ):
            raise harness.BenchError(
                f"autosave answered {saved.status}: {saved.body[:400]!r}\n{harness.tail(server.log)}"
            )
        if i >= args.warmup:
            floor.append(response.elapsed_ms)
            autosave.append(saved.elapsed_ms)
    return floor, autosave


def measure_submissions(server, users: list[dict]) -> list[float]:
    samples = []
    for user in users:
        application = user["applications"][0]
        client = harness.SessionClient(server, user["session"])
        path = submit_path(application["public_id"])
        fetch_csrf(client, path)  # the submission page, untimed
        response = client.post(path, {"version": str(application["version"])})
        if response.status != 302 or response.location != detail_path(application["public_id"]):
            raise harness.BenchError(
                f"POST {path} answered {response.status} {response.location!r}: "
                f"{response.body[:400]!r}\n{harness.tail(server.log)}"
            )
        samples.append(response.elapsed_ms)
    return samples


def report(results: list[dict], args, machine: dict, started, elapsed: float) -> str:
    rows = []
    verdicts = []
    receipt_lines = []
    for r in results:
        name = r["name"]
        floor = harness.summarize(r["floor"])
        for label, key, path in (
            ("floor", "floor", f"`{FLOOR}`"),
            ("autosave (HTMX)", "autosave", "`/candidatures/<uuid>/projet/`"),
            ("submission", "submit", "`/candidatures/<uuid>/deposer/`"),
        ):
            s = harness.summarize(r[key])
            rows.append(
                [
                    name,
                    f"{label} {path}",
                    f"{s.median:.2f}",
                    f"{s.p95:.2f}",
                    f"{s.p95 / floor.p95:.2f}",
                    str(r["queries"][key]),
                ]
            )
        autosave = harness.summarize(r["autosave"])
        submit = harness.summarize(r["submit"])
        ratio = autosave.p95 / floor.p95
        verdicts.append(
            f"- {name}: autosave p95 = {ratio:.2f}x the floor "
            f"({'met' if ratio <= TARGET_RATIO else 'MISSED'}, target {TARGET_RATIO:g}x); "
            f"submission p95 = {submit.p95:.1f} ms "
            f"({'met' if submit.p95 < TARGET_SUBMIT_P95_MS else 'MISSED'}, "
            f"target < {TARGET_SUBMIT_P95_MS:g} ms)."
        )
        before, after = r["before"], r["after"]
        durations = after["receipt_task_ms"]
        submitted = after["submitted"]
        once = all(a["receipts"] == 1 for a in submitted)
        waiting = before["by_task"].get("send_receipt", {}).get("n", 0)
        all_tasks = sum(e["n"] for e in after["by_task"].values())
        receipt_lines.append(
            f"- {name}: before the worker, {before['receipts']} receipt(s) built and "
            f"{waiting} `send_receipt` task(s) waiting ({before['tasks']} in all) for "
            f"{len(before['submitted'])} submitted applications (expected "
            f"{r['expected_submitted']}): the request only enqueues. "
            f"`db_worker --batch`: {r['worker_seconds']:.1f} s wall for {all_tasks} tasks "
            f"(start-up included); per receipt (`send_receipt`: PDF + "
            f"{after['emails_per_task']:.0f} email(s), task start to finish): median "
            f"{statistics.median(durations):.0f} ms, p95 {harness.percentile(durations, 95):.0f} ms, "
            f"mean {statistics.fmean(durations):.0f} ms. Tasks: {after['tasks']}; by task: "
            f"{_tasks_text(after['by_task'])}. "
            f"Each submitted application has exactly one receipt: {'yes' if once else 'NO'}."
        )
    table = harness.markdown_table(
        ["database", "request", "median ms", "p95 ms", "p95/floor", "queries"], rows
    )
    conditions = (
        f"gunicorn `config.wsgi`, {args.workers} sync workers, production settings "
        f"(`COOPESS_ENV=production`, `LOG_LEVEL=WARNING`, `EMAIL_URL=consolemail://`), "
        f"no demo data; one sequential client (http.client, new connection per request) on "
        f"127.0.0.1, `X-Forwarded-Proto: https`, session and CSRF cookies sent by the client. "
        f"Autosave: {args.warmup} warm-up then {args.requests} timed POSTs of the whole project "
        f"form with `HX-Request: true` (one textarea changes each time), in turns with GET "
        f"`{FLOOR}`. Submission: {args.submissions} distinct complete applications (one user "
        f"and session each), GET of the submission page (untimed) then the timed POST "
        f"`version=1`; no worker during the measure. Queries: Django test client (second "
        f"autosave; one submission)."
    )
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    return (
        f"# Benchmark `applications` — {started:%Y-%m-%d %H:%M %z}\n\n{conditions}\n\n"
        f"Machine:\n{machine_lines}\n\n{table}\n\n"
        f"Targets:\n" + "\n".join(verdicts) + "\n\nReceipts (worker):\n"
        + "\n".join(receipt_lines) + f"\n\nRun time: {elapsed:.0f} s.\n"
    )  # fmt: skip


def _tasks_text(by_task: dict) -> str:
    return ", ".join(
        f"`{name}` {e['n']} (median {e['median_ms']:.0f} ms)"
        if e["median_ms"] is not None
        else f"`{name}` {e['n']}"
        for name, e in sorted(by_task.items())
    )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed autosaves (and floors)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed autosaves first")
    parser.add_argument("--submissions", type=int, default=200, help="applications submitted")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--timeout", type=int, default=1800, help="overall limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    args = parser.parse_args(argv)
    args.databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    if set(args.databases) - set(DATABASES):
        parser.error(f"--databases: choose among {', '.join(DATABASES)}")
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 1..10000, --warmup 0..10000")
    if not 20 <= args.submissions <= 2_000:
        parser.error("--submissions must be 20..2000")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be 1..16")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()

    def work() -> list:
        return harness.each_database(args.databases, lambda name: bench_database(name, args))

    results, failed = harness.run_bounded(work, args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    text = report(results, args, machine, started, elapsed)
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"applications-{started:%Y-%m-%d}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output}")
    return 0


# --- Django side (subprocess, DJANGO_SETTINGS_MODULE=config.settings) ---------------------------


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="applications.py django")
    sub = parser.add_subparsers(dest="action", required=True)
    prepare = sub.add_parser("prepare")
    prepare.add_argument("--users", type=int, required=True)
    prepare.add_argument("--per-user", type=int, default=1)
    count = sub.add_parser("count-queries")
    for name in ("autosave_session", "autosave_id", "submit_session", "submit_id"):
        count.add_argument(name)
    close = sub.add_parser("close-at")
    close.add_argument("call_id", type=int)
    close.add_argument("epoch", type=float)
    state = sub.add_parser("state")
    state.add_argument("call_id", type=int)
    state.add_argument("--wait-drained", type=float, default=0)
    args = parser.parse_args(argv)
    result = {
        "prepare": lambda: _prepare(args.users, args.per_user),
        "count-queries": lambda: _count_queries(args),
        "close-at": lambda: _close_at(args.call_id, args.epoch),
        "state": lambda: _state(args.call_id, args.wait_drained),
    }[args.action]()
    print(json.dumps(result))


def _prepare(users: int, per_user: int) -> dict:
    """An open call; ``users`` applicants each with ``per_user`` complete drafts and a session."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from coopess.accounts.models import Role
    from tests.applications.helpers import complete_application, open_call
    from tests.factories import make_user

    call = open_call()
    out_users = []
    application = None
    for u in range(users):
        with transaction.atomic():  # one commit per user: much faster on SQLite
            # password=None: an unusable password, like representatives (sign-in by code),
            # and no slow hashing.
            user = make_user(Role.APPLICANT, password=None, email=f"banc{u}@example.org")
            applications = []
            for _ in range(per_user):
                application = complete_application(call, lead=user)
                applications.append(
                    {"public_id": str(application.public_id), "version": application.version}
                )
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        out_users.append(
            {"email": user.email, "session": session.session_key, "applications": applications}
        )
    form = {
        "shared_domains": application.shared_domains,
        "goals": application.goals,
        "maturity_stage": str(application.maturity_stage_id),
        "envisaged_forms": application.envisaged_forms,
        "regional_scope": application.regional_scope,
        "expectations": application.expectations,
        "availability": application.availability,
        "shared_other": "",
        "shared_description": "",
        "difficulties": "",
    }
    return {
        "call": {"id": call.pk, "slug": call.slug, "closes_at": call.closes_at.timestamp()},
        "users": out_users,
        "project_form": form,
    }


def _count_queries(args) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    form = json.loads(sys.stdin.read())
    counts = {}

    def count(client, method, path, expect, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, secure=True, **kwargs)
        if response.status_code != expect:
            raise SystemExit(f"{method} {path} answered {response.status_code}")
        return len(captured.captured_queries)

    client = Client()
    client.get(FLOOR, secure=True)
    counts["floor"] = count(client, "get", FLOOR, 200)
    client.cookies[settings.SESSION_COOKIE_NAME] = args.autosave_session
    path = project_path(args.autosave_id)
    htmx = {"headers": {"HX-Request": "true"}}
    client.post(path, autosave_form(form, -1), secure=True, **htmx)
    counts["autosave"] = count(client, "post", path, 200, data=autosave_form(form, -2), **htmx)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = args.submit_session
    client.get(submit_path(args.submit_id), secure=True)
    counts["submit"] = count(client, "post", submit_path(args.submit_id), 302, data={"version": 1})
    return counts


def _close_at(call_id: int, epoch: float) -> dict:
    from coopess.calls.models import Call

    closes_at = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    Call.objects.filter(pk=call_id).update(closes_at=closes_at)
    return {"closes_at": Call.objects.get(pk=call_id).closes_at.timestamp()}


def _state(call_id: int, wait_drained: float) -> dict:
    """Submitted applications, their receipts and the task queue, once the queue is drained
    (READY and RUNNING tasks gone) or ``wait_drained`` seconds have passed."""
    from django.db.models import Count, Q
    from django_tasks_db.models import DBTaskResult

    from coopess.applications.models import Application, Attachment

    deadline = time.monotonic() + wait_drained
    drained = False
    while True:
        pending = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        drained = pending == 0
        if drained or time.monotonic() >= deadline:
            break
        time.sleep(1)
    submitted = (
        Application.objects.filter(call_id=call_id, submitted_at__isnull=False)
        .annotate(receipts=Count("attachments", filter=Q(attachments__is_receipt=True)))
        .order_by("submitted_at")
    )
    tasks = {
        row["status"]: row["n"]
        for row in DBTaskResult.objects.values("status").annotate(n=Count("id"))
    }
    by_task: dict[str, dict] = {}
    for t in DBTaskResult.objects.all():
        entry = by_task.setdefault(t.task_path.rsplit(".", 1)[-1], {"n": 0, "ms": []})
        entry["n"] += 1
        if t.started_at and t.finished_at:
            entry["ms"].append((t.finished_at - t.started_at).total_seconds() * 1000)
    by_task = {
        name: {
            "n": e["n"],
            "median_ms": statistics.median(e["ms"]) if e["ms"] else None,
            "mean_ms": statistics.fmean(e["ms"]) if e["ms"] else None,
        }
        for name, e in by_task.items()
    }
    receipt_tasks = DBTaskResult.objects.filter(
        status="SUCCESSFUL", task_path__endswith="send_receipt"
    )
    durations = [
        (t.finished_at - t.started_at).total_seconds() * 1000
        for t in receipt_tasks
        if t.started_at and t.finished_at
    ]
    emails = [t.return_value for t in receipt_tasks if isinstance(t.return_value, int)]
    return {
        "drained": drained,
        "statuses": {
            row["status"]: row["n"]
            for row in Application.objects.filter(call_id=call_id)
            .values("status")
            .annotate(n=Count("id"))
        },
        "submitted": [
            {
                "public_id": str(a.public_id),
                "status": a.status,
                "receipt_number": a.receipt_number,
                "submitted_at": a.submitted_at.timestamp(),
                "receipts": a.receipts,
            }
            for a in submitted
        ],
        "receipts": Attachment.objects.filter(is_receipt=True).count(),
        "receipt_files": Attachment.objects.filter(is_receipt=True)
        .values("application")
        .distinct()
        .count(),
        "tasks": tasks,
        "by_task": by_task,
        "failed": [
            f"{t.task_path}: {t.exception_class_path} {t.traceback[-300:]}"
            for t in DBTaskResult.objects.filter(status="FAILED")[:5]
        ],
        "receipt_task_ms": durations,
        "emails_per_task": statistics.fmean(emails) if emails else 0,
    }


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        with contextlib.suppress(BrokenPipeError):
            _django_main(sys.argv[2:])
    else:
        sys.exit(main())
