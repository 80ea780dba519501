"""Emails leave from the worker, after the transaction that decided them has committed."""

from __future__ import annotations

import sys

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


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
        # text attachments only (calendar invitations); binary files are built by the worker
        "attachments": [
            [name, content if isinstance(content, str) else content.decode(), mimetype]
            for name, content, mimetype in message.attachments
        ],
    }


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
    for name, content, mimetype in payload.get("attachments", []):
        message.attach(name, content, mimetype)
    return message


def queue_email_message(message: EmailMessage) -> None:
    """Enqueue ``message`` for the worker once the current transaction commits."""
    from coopess.common.tasks import send_email

    payload = message_to_payload(message)
    transaction.on_commit(lambda: send_email.enqueue(payload))


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
