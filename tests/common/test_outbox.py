"""The outbox: an email decided in a transaction is sent once, whatever happens to the worker.

The real worker process killed with SIGKILL: tests/common/test_worker_kill.py.
"""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coopess.accounts.models import Role
from coopess.common.mail import message_to_payload, queue_email_message
from coopess.common.models import DemoEmail, OutgoingEmail
from coopess.common.tasks import MAX_DELIVERY_ATTEMPTS, deliver_email
from tests.conftest import sign_in

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DEMO_MAILBOX = "coopess.common.mail.DemoMailboxBackend"


class BrokenBackend(BaseEmailBackend):
    """An SMTP server that refuses everything."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def code_email(code: str = "ABCD-EFGH", to: str = "lea@example.org") -> EmailMessage:
    return EmailMessage("Votre code", f"Code : {code}", to=[to])


def orphan(message: EmailMessage, *, age: dt.timedelta) -> OutgoingEmail:
    """An outbox email whose task was never enqueued (the process died after the commit)."""
    email = OutgoingEmail.objects.create(
        subject=message.subject, to=", ".join(message.to), payload=message_to_payload(message)
    )
    OutgoingEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - age)
    return email


def deliver_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=deliver_email.module_path))


@pytest.mark.django_db(transaction=True)
def test_the_email_is_recorded_in_the_transaction_and_enqueued_at_commit(database_queue):
    with transaction.atomic():
        email = queue_email_message(code_email())
        assert OutgoingEmail.objects.get() == email
        assert DBTaskResult.objects.count() == 0, "enqueued before the commit"
    task = DBTaskResult.objects.get()
    assert task.task_path == "coopess.common.tasks.deliver_email"
    assert task.args_kwargs["args"] == [str(email.pk)]
    run_worker()
    assert [m.body for m in mail.outbox] == ["Code : ABCD-EFGH"]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1
    # the message (a sign-in code) is not kept once sent; who and what stay for the operator
    assert email.payload == {}
    assert (email.subject, email.to) == ("Votre code", "lea@example.org")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_nothing(database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email_message(code_email())
        raise RuntimeError
    assert OutgoingEmail.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_task_run_twice_sends_once(database_queue):
    email = queue_email_message(code_email())
    assert deliver_email.call(str(email.pk)) == 1
    assert deliver_email.call(str(email.pk)) == 0
    run_worker()  # the enqueued task finds it sent
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_same_key_queues_one_email(database_queue):
    first = queue_email_message(code_email(), key="receipt:1:lea@example.org")
    again = queue_email_message(code_email(), key="receipt:1:lea@example.org")
    other = queue_email_message(code_email(), key="receipt:1:hugo@example.org")
    assert again == first != other
    assert OutgoingEmail.objects.count() == 2
    assert DBTaskResult.objects.count() == 2
    run_worker()
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_attachments_and_html_cross_the_queue(database_queue):
    from django.core.mail import EmailMultiAlternatives

    pdf = b"%PDF-1.7\n\x00\xff binary"
    message = EmailMultiAlternatives("Récépissé", "texte", to=["a@example.org"])
    message.attach_alternative("<p>Texte é</p>", "text/html")
    message.attach("recepisse.pdf", pdf, "application/pdf")
    message.attach("notes.txt", "Texte é", "text/plain")
    queue_email_message(message)
    run_worker()
    sent = mail.outbox[0]
    assert sent.alternatives[0][0] == "<p>Texte é</p>"
    assert [tuple(a) for a in sent.attachments] == [
        ("recepisse.pdf", pdf, "application/pdf"),
        ("notes.txt", "Texte é", "text/plain"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failed_attempt_is_recorded_then_given_up(database_queue, settings):
    settings.EMAIL_BACKEND = "tests.common.test_outbox.BrokenBackend"
    email = queue_email_message(code_email())
    run_worker()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 1
    assert "SMTP server unreachable" in email.last_error
    assert DBTaskResult.objects.get().status == "FAILED"
    for _ in range(MAX_DELIVERY_ATTEMPTS - 1):
        with pytest.raises(ConnectionRefusedError):
            deliver_email.call(str(email.pk))
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == MAX_DELIVERY_ATTEMPTS
    assert deliver_email.call(str(email.pk)) == 0
    # given up: never re-queued
    call_command("requeue_emails", "--older-than", "0", verbosity=0)
    assert len(deliver_tasks()) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_demo_mailbox_sending_and_marking_are_one_transaction(
    database_queue, settings, monkeypatch
):
    """A crash between the send and the mark loses both: the next run sends exactly once."""
    settings.EMAIL_BACKEND = DEMO_MAILBOX
    email = queue_email_message(code_email())
    real_save = OutgoingEmail.save

    def crash_when_marked_sent(self, *args, **kwargs):
        if self.status == OutgoingEmail.Status.SENT:
            raise SystemExit("killed")  # not an Exception: nothing recorded, like SIGKILL
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutgoingEmail, "save", crash_when_marked_sent)
    with pytest.raises(SystemExit):
        deliver_email.call(str(email.pk))
    assert DemoEmail.objects.count() == 0
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 1)
    monkeypatch.setattr(OutgoingEmail, "save", real_save)
    assert deliver_email.call(str(email.pk)) == 1
    assert deliver_email.call(str(email.pk)) == 0
    assert DemoEmail.objects.get().body == "Code : ABCD-EFGH"


def _running(email: OutgoingEmail, *, started: dt.timedelta, workers: list[str]) -> DBTaskResult:
    task = DBTaskResult.objects.get(args_kwargs__args__0=str(email.pk))
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="RUNNING", started_at=timezone.now() - started, worker_ids=workers
    )
    return task


@pytest.mark.django_db(transaction=True)
def test_recover_tasks_requeues_what_dead_workers_left_running(database_queue):
    stale = _running(
        queue_email_message(code_email("1")), started=dt.timedelta(hours=1), workers=["a"]
    )
    fresh = _running(
        queue_email_message(code_email("2")), started=dt.timedelta(seconds=5), workers=["b"]
    )
    dead = _running(
        queue_email_message(code_email("3")), started=dt.timedelta(seconds=5), workers=["a", "c"]
    )
    lost_often = _running(
        queue_email_message(code_email("4")), started=dt.timedelta(hours=1), workers=["x", "y", "z"]
    )
    call_command("recover_tasks", "--older-than", "600", "--worker-id", "c", verbosity=0)
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[stale.pk] == "READY"
    assert status[fresh.pk] == "RUNNING", "a live worker's task is left alone"
    assert status[dead.pk] == "READY", "its last worker is dead, whatever its age"
    assert status[lost_often.pk] == "FAILED"
    failed = DBTaskResult.objects.get(pk=lost_often.pk)
    assert failed.exception_class_path == "coopess.common.tasks.WorkerLost"
    assert "lost 3 time(s)" in failed.traceback
    # idempotent: a second run changes nothing
    before = list(DBTaskResult.objects.order_by("pk").values_list("pk", "status", "started_at"))
    call_command("recover_tasks", "--older-than", "600", "--worker-id", "c", verbosity=0)
    assert (
        list(DBTaskResult.objects.order_by("pk").values_list("pk", "status", "started_at"))
        == before
    )
    # the re-queued ones run; the failed one's email is enqueued again by requeue_emails
    run_worker()
    assert sorted(m.body for m in mail.outbox) == ["Code : 1", "Code : 3"]
    call_command("requeue_emails", "--older-than", "0", verbosity=0)
    run_worker()
    assert sorted(m.body for m in mail.outbox) == ["Code : 1", "Code : 3", "Code : 4"]
    # the live worker finishes its task: still one email each
    assert (
        deliver_email.call(str(DBTaskResult.objects.get(pk=fresh.pk).args_kwargs["args"][0])) == 1
    )
    assert (
        deliver_email.call(str(DBTaskResult.objects.get(pk=stale.pk).args_kwargs["args"][0])) == 0
    )
    assert len(mail.outbox) == 4


@pytest.mark.django_db(transaction=True)
def test_recover_tasks_dry_run_changes_nothing(database_queue):
    task = _running(queue_email_message(code_email()), started=dt.timedelta(hours=1), workers=["a"])
    call_command("recover_tasks", "--dry-run", verbosity=0)
    assert DBTaskResult.objects.get(pk=task.pk).status == "RUNNING"


@pytest.mark.django_db(transaction=True)
def test_requeue_emails_gives_a_task_to_queued_emails_that_have_none(database_queue):
    lost = orphan(code_email("lost"), age=dt.timedelta(minutes=10))
    young = orphan(code_email("young"), age=dt.timedelta(seconds=10))
    waiting = queue_email_message(code_email("waiting"))  # its task is in the queue
    OutgoingEmail.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    call_command("requeue_emails", verbosity=0)
    assert sorted(t.args_kwargs["args"][0] for t in deliver_tasks()) == sorted(
        [str(lost.pk), str(waiting.pk)]
    )
    call_command("requeue_emails", verbosity=0)  # idempotent: the new task is live
    assert len(deliver_tasks()) == 2
    run_worker()
    assert sorted(m.body for m in mail.outbox) == ["Code : lost", "Code : waiting"]
    call_command("requeue_emails", "--older-than", "0", verbosity=0)  # now the young one
    run_worker()
    assert sorted(m.body for m in mail.outbox) == ["Code : lost", "Code : waiting", "Code : young"]
    assert OutgoingEmail.objects.get(pk=young.pk).status == OutgoingEmail.Status.SENT


@pytest.mark.django_db
def test_requeue_emails_prunes_old_sent_emails():
    long_ago = timezone.now() - dt.timedelta(days=40)
    old = OutgoingEmail.objects.create(
        subject="a", to="a@example.org", status="sent", sent_at=long_ago
    )
    recent = OutgoingEmail.objects.create(
        subject="b", to="b@example.org", status="sent", sent_at=timezone.now()
    )
    queued = OutgoingEmail.objects.create(subject="c", to="c@example.org")
    OutgoingEmail.objects.filter(pk=queued.pk).update(created_at=long_ago)
    call_command("requeue_emails", "--older-than", "999999", verbosity=0)
    assert set(OutgoingEmail.objects.values_list("pk", flat=True)) == {recent.pk, queued.pk}
    assert not OutgoingEmail.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_a_constraint_ties_the_sent_status_to_its_date():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingEmail.objects.create(subject="a", to="a@example.org", status="sent")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingEmail.objects.create(subject="a", to="a@example.org", sent_at=timezone.now())


@pytest.mark.django_db
def test_the_admin_shows_the_outbox_read_only_without_the_message(client, role_user):
    admin = role_user(Role.ADMIN)
    sign_in(client, admin)
    email = OutgoingEmail.objects.create(
        subject="Votre code", to="lea@example.org", payload=message_to_payload(code_email("SECRET"))
    )
    listing = client.get("/administration/common/outgoingemail/")
    assert listing.status_code == 200
    assert "Votre code" in listing.content.decode()
    page = client.get(f"/administration/common/outgoingemail/{email.pk}/change/")
    assert page.status_code == 200
    assert "SECRET" not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get(f"/administration/common/outgoingemail/{email.pk}/delete/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_recover_tasks_waits_for_the_database(database_queue, monkeypatch):
    """The worker's unit runs it while PostgreSQL may still be coming back."""
    from django.core.management.base import CommandError
    from django.db import OperationalError

    from coopess.common.management.commands import recover_tasks as command

    task = _running(
        queue_email_message(code_email()), started=dt.timedelta(seconds=1), workers=["w"]
    )
    real = command.recover_tasks
    calls = []

    def unreachable_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("connection refused")
        return real(**kwargs)

    monkeypatch.setattr(command, "recover_tasks", unreachable_once)
    monkeypatch.setattr(command.time, "sleep", lambda seconds: None)
    call_command("recover_tasks", "--worker-id", "w", "--wait", "30", verbosity=0)
    assert len(calls) == 2
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(command, "recover_tasks", unreachable)
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("recover_tasks", "--worker-id", "w", verbosity=0)
