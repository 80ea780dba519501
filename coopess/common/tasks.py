"""Background tasks shared by every app."""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from coopess.common.mail import payload_to_message

logger = logging.getLogger("coopess")

# Delivery attempts started (a worker killed while sending counts too) before an email is
# given up; each failed attempt waits for ``requeue_emails`` (every few minutes) to try again.
MAX_DELIVERY_ATTEMPTS = 5


class WorkerLost(Exception):
    """A task's worker died while running it (recorded by ``recover_tasks``)."""


@task()
def deliver_email(email_id: str) -> int:
    """Send one outbox email, once: returns 1 when it was sent now, 0 when there was nothing
    to do (already sent, given up, or unknown)."""
    from coopess.common.models import OutgoingEmail

    Status = OutgoingEmail.Status
    # 1. Count the attempt in a transaction of its own, so that an attempt cut short by a
    #    killed worker still counts: a message that kills the worker cannot loop for ever.
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != Status.QUEUED:
            return 0
        if email.attempts >= MAX_DELIVERY_ATTEMPTS:
            email.status = Status.FAILED
            email.save(update_fields=["status"])
            logger.error("Email %s given up after %s attempts", email_id, email.attempts)
            return 0
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        email.save(update_fields=["attempts", "last_attempt_at"])
    # 2. Send and mark as sent under the row's lock, in one transaction. A second run waits for
    #    the lock, then finds the row sent. The demo mailbox writes in this same transaction.
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
            if email.status != Status.QUEUED:
                return 0
            sent = payload_to_message(email.payload).send()
            email.status = Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            # The message (body, attachments: sign-in codes, personal data) is not kept.
            email.payload = {}
            email.save(update_fields=["status", "sent_at", "last_error", "payload"])
    except Exception as error:
        _record_failure(email_id, error)
        raise
    return sent


def _record_failure(email_id: str, error: Exception) -> None:
    from coopess.common.models import OutgoingEmail

    text = "".join(traceback.format_exception_only(error)).strip()[-2000:]
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
            if email is None or email.status != OutgoingEmail.Status.QUEUED:
                return
            email.last_error = text
            fields = ["last_error"]
            if email.attempts >= MAX_DELIVERY_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
                fields.append("status")
            email.save(update_fields=fields)
    except Exception:
        # The database may be what failed; the attempt is counted already.
        logger.exception("Could not record the failure of email %s", email_id)


@task()
def send_email(payload: dict) -> int:
    """Send one email directly (no outbox). Kept for tasks queued before the outbox existed;
    new code calls ``queue_email_message``."""
    return payload_to_message(payload).send()
