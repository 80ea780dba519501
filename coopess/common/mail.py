"""Emails leave from the worker, after the transaction that decided them has committed.

The outbox (``OutgoingEmail``) makes delivery survive a killed worker:

1. ``queue_email_message`` writes an ``OutgoingEmail`` row in the caller's transaction and,
   once that transaction commits, enqueues ``deliver_email`` with the row's id;
2. ``deliver_email`` locks the row, returns if it is already sent, sends, marks it sent and
   commits. With the demo mailbox (which writes ``DemoEmail`` rows in the same database) the
   send and the mark are one transaction: exactly once. With SMTP the server may accept a
   message whose mark is then lost (the process killed between the two, the database down at
   the commit): that message is sent again, at least once;
3. ``manage.py recover_tasks`` puts back in the queue the tasks a dead worker left running,
   ``manage.py requeue_emails`` enqueues again every queued email that has no task any more
   (a crash between the commit and the enqueue, a failed attempt).
"""

from __future__ import annotations

import base64
import datetime as dt
import sys
from email.mime.base import MIMEBase

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coopess.common.jobs import task_named

# the worker's task that sends one outbox email (coopess/common/tasks.py), named, not imported
DELIVER_EMAIL = "coopess.common.tasks.deliver_email"


def message_to_payload(message: EmailMessage) -> dict:
    """A JSON-serialisable copy of a message, to cross the task queue."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": [_attachment_to_json(attachment) for attachment in message.attachments],
    }


def _attachment_to_json(attachment) -> dict:
    if isinstance(attachment, MIMEBase):
        raise ValueError("MIME attachments cannot be queued: attach (name, content, mimetype)")
    filename, content, mimetype = attachment
    if isinstance(content, bytes):
        return {
            "filename": filename,
            "base64": base64.b64encode(content).decode("ascii"),
            "mimetype": mimetype,
        }
    return {"filename": filename, "content": str(content), "mimetype": mimetype}


def payload_to_message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload.get("cc") or None,
        bcc=payload.get("bcc") or None,
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or None,
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    for attachment in payload.get("attachments", []):
        content = (
            base64.b64decode(attachment["base64"])
            if "base64" in attachment
            else attachment["content"]
        )
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def queue_email_message(message: EmailMessage, *, key: str | None = None):
    """Record ``message`` in the outbox now and hand it to the worker once the current
    transaction commits (nothing is recorded nor sent if it rolls back).

    ``key`` makes the request idempotent: a second call with the same key (a task run again
    after a crash) records nothing and sends nothing more. Returns the ``OutgoingEmail``.
    """
    from coopess.common.models import OutgoingEmail

    payload = message_to_payload(message)
    fields = {
        "subject": payload["subject"][:998],
        "to": ", ".join(payload["to"] + payload["cc"] + payload["bcc"]),
        "payload": payload,
    }
    if key is None:
        email = OutgoingEmail.objects.create(**fields)
    else:
        email, created = OutgoingEmail.objects.get_or_create(key=key, defaults=fields)
        if not created:
            return email
    email_id = str(email.pk)
    transaction.on_commit(lambda: enqueue_delivery(email_id))
    return email


def enqueue_delivery(email_id: str) -> None:
    """Give one outbox email to the worker (also used by ``requeue_emails``)."""
    task_named(DELIVER_EMAIL).enqueue(email_id)


def live_delivery_ids() -> set[str]:
    """Ids of the outbox emails that have a ``deliver_email`` task waiting or running."""
    from django_tasks_db.models import DBTaskResult

    live = set()
    rows = DBTaskResult.objects.filter(
        task_path=DELIVER_EMAIL, status__in=["READY", "RUNNING"]
    ).values_list("args_kwargs", flat=True)
    for args_kwargs in rows:
        args = args_kwargs.get("args") or []
        email_id = args[0] if args else (args_kwargs.get("kwargs") or {}).get("email_id")
        if email_id:
            live.add(str(email_id))
    return live


def requeue_emails(*, older_than: dt.timedelta, dry_run: bool = False) -> list[str]:
    """Enqueue again every email still to send, untouched for ``older_than``, that no task
    will deliver: its enqueue was lost (a crash right after the commit) or its last attempt
    failed. Safe to run at any time and in parallel: delivery is idempotent."""
    from coopess.common.models import OutgoingEmail

    cutoff = timezone.now() - older_than
    candidates = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).filter(
        Q(last_attempt_at__lte=cutoff) | Q(last_attempt_at__isnull=True, created_at__lte=cutoff)
    )
    live = live_delivery_ids()
    ids = [str(pk) for pk in candidates.values_list("pk", flat=True) if str(pk) not in live]
    if not dry_run:
        for email_id in ids:
            enqueue_delivery(email_id)
    return ids


def prune_emails(*, older_than: dt.timedelta, dry_run: bool = False) -> int:
    """Forget sent or given-up emails older than ``older_than`` (recipients are personal
    data). Returns how many."""
    from coopess.common.models import OutgoingEmail

    cutoff = timezone.now() - older_than
    old = OutgoingEmail.objects.filter(
        Q(status=OutgoingEmail.Status.SENT, sent_at__lte=cutoff)
        | Q(status=OutgoingEmail.Status.FAILED, created_at__lte=cutoff)
    )
    if dry_run:
        return old.count()
    return old.delete()[0]


class DemoMailboxBackend(BaseEmailBackend):
    """Demo only: keep every email in the database and print it on the console."""

    def send_messages(self, email_messages) -> int:
        from coopess.common.models import DemoEmail

        sent = 0
        for message in email_messages:
            html = next(
                (
                    c
                    for c, mimetype in getattr(message, "alternatives", [])
                    if mimetype == "text/html"
                ),
                "",
            )
            DemoEmail.objects.create(
                from_email=message.from_email,
                to=", ".join(message.to + message.cc + message.bcc),
                subject=message.subject,
                body=message.body,
                html_body=html,
            )
            stream = sys.stdout
            stream.write(
                f"\n----- Courriel (démo) -----\nÀ : {', '.join(message.to)}\n"
                f"Objet : {message.subject}\n\n{message.body}\n---------------------------\n"
            )
            stream.flush()
            sent += 1
        return sent
