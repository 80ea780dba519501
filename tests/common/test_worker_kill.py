"""A real ``manage.py db_worker`` process killed with SIGKILL in the middle of a batch of
emails, then restarted as its systemd unit does it (``recover_tasks`` then the worker): every
email is delivered exactly once.

The worker runs in a subprocess on the test database, with a demo mailbox that is slightly slow
(so that the batch takes a moment) and that hangs, once, inside the transaction that sends
email n° 25: the kill lands there, deterministically, after the email's ``DemoEmail`` row was
written and before the commit.

Run as a script, this file is that worker: ``python tests/common/test_worker_kill.py
db_worker …`` (the test does it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest

from coopess.common.mail import DemoMailboxBackend

ROOT = Path(__file__).resolve().parents[2]
EMAILS = 60
HANG_AT = 25
SUBJECT = "Courriel n° {:02d}"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class SlowDemoMailbox(DemoMailboxBackend):
    """The demo mailbox (``DemoEmail`` rows, in the sending task's transaction), slowed down by
    ``KILL_TEST_DELAY`` seconds per email; it hangs on ``KILL_TEST_HANG_SUBJECT`` the first
    time, after writing ``KILL_TEST_MARKER``."""

    def send_messages(self, email_messages) -> int:
        sent = super().send_messages(email_messages)
        marker = Path(os.environ["KILL_TEST_MARKER"])
        for message in email_messages:
            if message.subject == os.environ["KILL_TEST_HANG_SUBJECT"] and not marker.exists():
                marker.write_text(str(os.getpid()))
                time.sleep(120)  # killed long before
        time.sleep(float(os.environ["KILL_TEST_DELAY"]))
        return sent


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    host = settings_dict["HOST"] or "localhost"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}:{password}@{host}:{port}/{settings_dict['NAME']}"


def worker_env(tmp_path: Path) -> dict[str, str]:
    from django.db import connection

    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="config.settings",
        COOPESS_ENV="test",
        COOPESS_DEMO="false",
        DATABASE_URL=database_url(connection.settings_dict),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        LOG_LEVEL="WARNING",
        KILL_TEST_DELAY="0.02",
        KILL_TEST_HANG_SUBJECT=SUBJECT.format(HANG_AT),
        KILL_TEST_MARKER=str(tmp_path / "hanging"),
    )
    return env


def worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, __file__, "db_worker", "--no-startup-delay", "--no-reload", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def wait_for(condition, timeout: float, what: str, log: Path, process) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(f"{what} not seen within {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(database_queue, tmp_path):
    from django.core.mail import EmailMessage
    from django.core.management import call_command
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from coopess.common.mail import queue_email_message
    from coopess.common.models import DemoEmail, OutgoingEmail

    with transaction.atomic():
        for i in range(EMAILS):
            queue_email_message(
                EmailMessage(SUBJECT.format(i), f"Bonjour n° {i}", to=[f"p{i}@example.org"])
            )
    assert DBTaskResult.objects.filter(status="READY").count() == EMAILS

    env = worker_env(tmp_path)
    log = tmp_path / "worker.log"
    marker = tmp_path / "hanging"
    first = worker(env, log, "--interval", "0.1", "--worker-id", "kill-test-1")
    try:
        wait_for(marker.exists, 30, "the worker sending email n° 25", log, first)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)

    hanging = SUBJECT.format(HANG_AT)
    delivered = Counter(DemoEmail.objects.values_list("subject", flat=True))
    assert HANG_AT - 1 <= sum(delivered.values()) <= HANG_AT  # the order is the queue's
    assert hanging not in delivered, "the killed transaction was rolled back"
    left = DBTaskResult.objects.get(status="RUNNING")
    assert left.worker_ids == ["kill-test-1"]
    assert OutgoingEmail.objects.get(subject=hanging).status == "queued"

    # The restart, as deploy/systemd/coopess-worker.service does it.
    out = StringIO()
    call_command("recover_tasks", "--worker-id", "kill-test-1", stdout=out)
    assert "1 abandoned task(s) were re-queued" in out.getvalue()
    out = StringIO()
    call_command("recover_tasks", "--worker-id", "kill-test-1", stdout=out)
    assert "0 abandoned task(s)" in out.getvalue(), "idempotent"
    out = StringIO()
    call_command("requeue_emails", "--older-than", "0", stdout=out)
    assert "0 email(s) without a task" in out.getvalue(), "every email has its task"

    second = worker(env, log, "--batch", "--worker-id", "kill-test-2")
    try:
        assert second.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(timeout=10)

    delivered = Counter(DemoEmail.objects.values_list("subject", flat=True))
    assert delivered == {SUBJECT.format(i): 1 for i in range(EMAILS)}
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    left.refresh_from_db()
    assert left.worker_ids == ["kill-test-1", "kill-test-2"]
    assert OutgoingEmail.objects.get(subject=hanging).attempts == 2


if __name__ == "__main__":
    # The worker process (PYTHONPATH: the checkout): the project's settings, this slow
    # mailbox, then manage.py <args>.
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.EMAIL_BACKEND = "tests.common.test_worker_kill.SlowDemoMailbox"
    execute_from_command_line(["manage.py", *sys.argv[1:]])
