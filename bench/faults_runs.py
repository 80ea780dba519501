"""The two faults of ``bench/faults.py``, as run against a live gunicorn, PostgreSQL and
supervised ``db_worker``: (a) the PostgreSQL outage — the applicants' and officers' client
threads and the ``Recorder`` of every answer (status, maintenance page, timings) around the
stop and restart of the cluster — and (b) the worker SIGKILLed mid-batch — the ``Probe`` that
reads which task the frozen worker holds, the kills and the wait until every outbox email is
delivered. The run's sequence, the analysis and the report stay in ``bench/faults.py``.
"""

from __future__ import annotations

import html
import http.client
import random
import signal
import threading
import time
from pathlib import Path

from bench import harness
from bench.applications import (
    detail_path,
    fetch_csrf,
    step,
    submit_path,
)

SCRIPT = Path(__file__).resolve().parent / "faults.py"
MAINTENANCE = "Service momentanément indisponible"
WORKER_ID = "bench-worker"
EMAIL_SUBJECT = "Panne du travailleur, courriel n° {:04d}"


def table_path(slug: str) -> str:
    return f"/instruction/appels/{slug}/"


def export_path(slug: str) -> str:
    return f"/instruction/appels/{slug}/export.csv"


# --- (a) PostgreSQL outage ------------------------------------------------------------------


class Recorder:
    """Every request of every client thread: when, what, the answer and its class."""

    def __init__(self):
        self.records: list[dict] = []
        self.lock = threading.Lock()

    def request(self, client: harness.SessionClient, kind: str, method: str, path: str, **kw):
        sent = time.time()
        try:
            response = client.request(method, path, **kw)
        except (OSError, http.client.HTTPException) as error:
            record = {"kind": kind, "path": path, "sent_at": sent, "done_at": time.time(),
                      "status": None, "ms": None, "outcome": "no answer", "error": repr(error)}  # fmt: skip
            response = None
        else:
            text = response.text()
            if response.status == 503:
                french = MAINTENANCE in html.unescape(text) and 'lang="fr"' in text
                outcome = (
                    "maintenance" if french and response.headers.get("Retry-After") else "503 other"
                )
            elif response.status >= 500:
                outcome = "server error"
            elif response.status >= 400:
                outcome = f"{response.status}"
            else:
                outcome = "ok"
            record = {"kind": kind, "path": path, "sent_at": response.sent_at,
                      "done_at": time.time(), "status": response.status,
                      "ms": response.elapsed_ms, "outcome": outcome}  # fmt: skip
        with self.lock:
            self.records.append(record)
        return response, record


def applicant(client, user, recorder: Recorder, t0, stop_at, rng, acknowledged, lock) -> None:
    """Browse; submit each application at its instant, spread over the run. A submission that
    got no acknowledgement (503, no answer) is tried again on the next turn."""
    applications = list(user["applications"])
    due = sorted(rng.uniform(0, stop_at - t0 - 8) for _ in applications)
    own = detail_path(applications[0]["public_id"])
    pending = None
    while time.time() < stop_at:
        path = rng.choice(["/", "/appels/", "/candidatures/", own])
        recorder.request(client, "page", "GET", path)
        if pending is None and applications and time.time() >= t0 + due[0]:
            due.pop(0)
            pending = applications.pop()
        if pending is not None:
            response, record = recorder.request(
                client, "submit", "POST", submit_path(pending["public_id"]),
                form={"version": str(pending["version"])},
            )  # fmt: skip
            if response is not None and response.status == 302:
                if response.location == detail_path(pending["public_id"]):
                    with lock:
                        acknowledged[pending["public_id"]] = record["sent_at"]
                    pending = None
                else:
                    record["outcome"] = f"submit redirected to {response.location}"
            elif response is not None and response.status != 503:
                record["outcome"] = f"submit answered {response.status}"
                pending = None
        time.sleep(rng.uniform(0.2, 0.6))


def officer(client, slug: str, recorder: Recorder, stop_at: float, rng) -> None:
    while time.time() < stop_at:
        if rng.random() < 0.2:
            recorder.request(client, "export", "GET", export_path(slug))
        else:
            recorder.request(client, "table", "GET", table_path(slug))
        time.sleep(rng.uniform(0.3, 0.8))


def outage_run(args, env, db, server, supervisor, data, officers) -> dict:
    rng = random.Random(args.seed)
    recorder = Recorder()
    acknowledged: dict[str, float] = {}
    lock = threading.Lock()
    slug = data["call"]["slug"]
    clients = []
    for user in data["users"]:
        client = harness.SessionClient(server, user["session"])
        fetch_csrf(client, submit_path(user["applications"][0]["public_id"]))
        clients.append((client, user))
    booted_before = server.log.read_text(errors="replace").count("Booting worker")
    t0 = time.time()
    stop_at = t0 + args.duration
    threads = [
        threading.Thread(
            target=applicant,
            args=(
                client,
                user,
                recorder,
                t0,
                stop_at,
                random.Random(rng.random()),
                acknowledged,
                lock,
            ),
            daemon=True,
        )
        for client, user in clients
    ] + [
        threading.Thread(
            target=officer,
            args=(
                harness.SessionClient(server, key),
                slug,
                recorder,
                stop_at,
                random.Random(rng.random()),
            ),
            daemon=True,
        )
        for key in officers
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, t0 + args.outage_at - time.time()))
    step(f"(a) stopping PostgreSQL for {args.outage:g} s")
    outage_start = time.time()
    stop_seconds = harness.postgres_server_stop(db.directory)
    stopped_at = time.time()
    time.sleep(max(0.0, stopped_at + args.outage - time.time()))
    step("(a) starting PostgreSQL again")
    start_began = time.time()
    start_seconds = harness.postgres_server_start(db.directory)
    restarted_at = time.time()
    for thread in threads:
        thread.join(timeout=max(0.1, stop_at + 2 * harness.REQUEST_TIMEOUT - time.time()))
    if any(thread.is_alive() for thread in threads):
        raise harness.BenchError("some clients did not finish in time")
    booted_after = server.log.read_text(errors="replace").count("Booting worker")
    return {
        "t0": t0,
        "outage_start": outage_start,
        "stopped_at": stopped_at,
        "start_began": start_began,
        "restarted_at": restarted_at,
        "stop_seconds": stop_seconds,
        "start_seconds": start_seconds,
        "records": recorder.records,
        "acknowledged": acknowledged,
        "gunicorn_workers_booted": booted_after - booted_before,
        "worker_events_outage": list(supervisor.events),
    }


# --- (b) the worker killed mid-batch --------------------------------------------------------


class Probe:
    """Reads PostgreSQL directly (psycopg), while the worker is frozen."""

    # The last statements of the sending transaction (``deliver_email``, step 2): the demo
    # mailbox's row, then the outbox row marked sent; the COMMIT has not come yet.
    SENDING = ['INSERT INTO "common_demoemail"%', 'UPDATE "common_outgoingemail" SET "status"%']

    def __init__(self, url: str):
        import psycopg

        self.connection = psycopg.connect(url, connect_timeout=5, autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def running_task(self, worker_id: str) -> dict | None:
        """The task the worker ``worker_id`` holds RUNNING, if any."""
        row = self.connection.execute(
            "SELECT id, task_path, args_kwargs, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'RUNNING' AND worker_ids ->> -1 = %s",
            [worker_id],
        ).fetchone()
        if row is None:
            return None
        return {"id": str(row[0]), "task": row[1].rsplit(".", 1)[-1], "args": row[2]["args"],
                "worker_ids": row[3]}  # fmt: skip

    def sending(self) -> bool:
        """A session is inside the sending transaction, its email written, not committed."""
        return (
            self.connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                "AND (query LIKE %s OR query LIKE %s)",
                self.SENDING,
            ).fetchone()[0]
            > 0
        )

    def pending_tasks(self) -> int:
        return self.connection.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        ).fetchone()[0]

    def delivered(self, prefix: str) -> int:
        return self.connection.execute(
            "SELECT count(*) FROM common_demoemail WHERE subject LIKE %s", [prefix + "%"]
        ).fetchone()[0]


def kill_mid_task(supervisor: harness.Supervised, probe: Probe, *, sending: bool) -> dict | None:
    """Freeze the worker (SIGSTOP) until it is caught holding a task (with ``sending``: inside
    the transaction that sends an email, after the email was written), then SIGKILL it."""
    for _ in range(3000):
        process = supervisor.process
        if process is None or process.poll() is not None:
            time.sleep(0.2)
            continue
        try:
            process.send_signal(signal.SIGSTOP)
        except ProcessLookupError:
            continue
        task = probe.running_task(WORKER_ID)
        if task is not None and (not sending or probe.sending()):
            supervisor.kill()
            where = "inside the sending transaction" if sending else "holding a task"
            return {**task, "at": time.time(), "where": where}
        process.send_signal(signal.SIGCONT)
        time.sleep(random.uniform(0.001, 0.02))
    return None


def kill_run(args, env, db, supervisor) -> dict:
    prefix = EMAIL_SUBJECT.split("n°")[0]
    probe = Probe(db.url)
    deadline = time.monotonic() + args.drain_timeout
    while probe.pending_tasks() and time.monotonic() < deadline:  # (a)'s tasks first
        time.sleep(0.5)
    step(f"(b) {args.emails} outbox emails queued in one transaction")
    queued_at = time.time()
    harness.django_json(env, SCRIPT, "django", "queue-emails", str(args.emails))
    kills = []
    try:
        for k in range(args.kills):
            target = args.emails * (k + 1) // (args.kills + 1)
            deadline = time.monotonic() + 120
            while probe.delivered(prefix) < target:
                if time.monotonic() > deadline:
                    raise harness.BenchError(f"(b) the worker did not reach {target} emails")
                time.sleep(0.05)
            # Every other kill inside the sending transaction, the others anywhere in a task.
            killed = kill_mid_task(supervisor, probe, sending=k % 2 == 0)
            if killed is None:
                raise harness.BenchError("(b) never caught the worker where wanted")
            killed["delivered_before"] = probe.delivered(prefix)
            step(f"(b) worker killed with SIGKILL {killed['where']} (kill {k + 1})")
            kills.append(killed)
        step("(b) waiting for the worker, restarted by the supervisor, to finish the batch")
        deadline = time.monotonic() + args.drain_timeout
        while probe.delivered(prefix) < args.emails and time.monotonic() < deadline:
            time.sleep(0.2)
        finished_at = time.time()
    finally:
        probe.close()
    state = harness.django_json(
        env, SCRIPT, "django", "email-state", prefix, str(args.drain_timeout)
    )
    recover = harness.manage(env, "recover_tasks", "--older-than", "0", "--dry-run")
    requeue = harness.manage(env, "requeue_emails", "--older-than", "0", "--dry-run")
    return {
        "kills": kills,
        "state": state,
        "seconds": finished_at - queued_at,
        "recover_dry_run": recover.strip().splitlines()[-1],
        "requeue_dry_run": requeue.strip().splitlines()[-1],
    }
