"""Put back in the queue the tasks a dead worker left running.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if the worker
dies (SIGKILL, out of memory, power cut): no worker would ever pick it up again. This command
finds such tasks and makes them READY again, or FAILED when workers were lost on them too often
(a task that kills its worker must not loop for ever).

A task is taken as abandoned when its last worker is known to be dead (``--worker-id``, what the
worker's systemd unit passes before starting the worker again under the same id) or when it
has been running for longer than ``--older-than`` seconds, which must exceed the longest task
(a receipt PDF takes seconds; the default is 10 minutes). Each change is a conditional
UPDATE (still RUNNING, same start), so the command is idempotent and safe to run in parallel
with workers and with itself. The tasks CoopESS queues may run twice: sending an email is
idempotent (the outbox, see coopess/common/mail.py).
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

RUNNING, READY, FAILED = "RUNNING", "READY", "FAILED"
WORKER_LOST = "coopess.common.tasks.WorkerLost"


def recover_tasks(
    *,
    older_than: dt.timedelta | None,
    dead_workers: set[str] = frozenset(),
    max_attempts: int = 3,
    dry_run: bool = False,
) -> dict[str, list[DBTaskResult]]:
    """Returns the tasks ``{"requeued": [...], "failed": [...]}`` (those changed by this run)."""
    now = timezone.now()
    outcome: dict[str, list[DBTaskResult]] = {"requeued": [], "failed": []}
    running = DBTaskResult.objects.filter(status=RUNNING).only(
        "id", "status", "started_at", "worker_ids", "task_path"
    )
    for task in running:
        last_worker = task.worker_ids[-1] if task.worker_ids else None
        stale = older_than is not None and (
            task.started_at is None or task.started_at <= now - older_than
        )
        if not (stale or last_worker in dead_workers):
            continue
        # Only if nothing changed since we read it: a worker that finished it meanwhile, or
        # another recovery, wins.
        same = DBTaskResult.objects.filter(pk=task.pk, status=RUNNING, started_at=task.started_at)
        give_up = len(task.worker_ids) >= max_attempts
        if dry_run:
            changed = same.exists()
        elif give_up:
            changed = same.update(
                status=FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=WORKER_LOST,
                traceback=(
                    f"{WORKER_LOST}: the worker running this task was lost "
                    f"{len(task.worker_ids)} time(s) (workers {', '.join(task.worker_ids)}); "
                    "marked failed by manage.py recover_tasks.\n"
                ),
            )
        else:
            changed = same.update(status=READY)
        if changed:
            outcome["failed" if give_up else "requeued"].append(task)
    return outcome


class Command(BaseCommand):
    help = (
        "Re-queue the tasks left RUNNING by a dead worker (or mark them FAILED once workers "
        "were lost on them --max-attempts times). Idempotent; see docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=600,
            metavar="SECONDS",
            help="Tasks running for longer than this are abandoned (default: 600). It must "
            "exceed the longest task.",
        )
        parser.add_argument(
            "--worker-id",
            action="append",
            default=[],
            dest="worker_ids",
            metavar="ID",
            help="A worker known to be dead (stopped or killed): its running tasks are "
            "abandoned whatever their age. Repeatable.",
        )
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=3,
            help="A task claimed this many times by workers that died is marked FAILED "
            "instead (default: 3).",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="If the database cannot be reached, try again for up to this long (the "
            "worker's unit waits for PostgreSQL to come back before starting).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only list them.")

    def handle(self, *args, older_than, worker_ids, max_attempts, wait, dry_run, **options):
        deadline = time.monotonic() + wait
        while True:
            try:
                outcome = recover_tasks(
                    older_than=dt.timedelta(seconds=older_than),
                    dead_workers=set(worker_ids),
                    max_attempts=max(1, max_attempts),
                    dry_run=dry_run,
                )
                break
            except OperationalError as error:
                connection.close()
                if time.monotonic() >= deadline:
                    raise CommandError(f"The database cannot be reached: {error}") from error
                time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
        verb = "would be" if dry_run else "were"
        for label, tasks in outcome.items():
            for task in tasks:
                started = f"{task.started_at:%Y-%m-%d %H:%M:%S}" if task.started_at else "?"
                workers = ", ".join(task.worker_ids) or "-"
                self.stdout.write(
                    f"{label}: {task.pk} {task.task_path} (started {started}, workers {workers})"
                )
        self.stdout.write(
            f"{len(outcome['requeued'])} abandoned task(s) {verb} re-queued, "
            f"{len(outcome['failed'])} marked failed."
        )
