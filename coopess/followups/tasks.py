"""Background work of the follow-ups."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("coopess")


@task()
def deliver_emails(email_ids: list[str]) -> int:
    """Send a batch of outbox emails recorded by the scheduler, each at most once (the
    delivery of ``coopess.common.tasks.deliver_email`` locks the row and skips a sent one).
    An email this task did not reach (a killed worker) is still queued in the outbox:
    ``manage.py requeue_emails`` hands it to the worker again."""
    from coopess.common.tasks import deliver_email

    sent = 0
    for email_id in email_ids:
        try:
            sent += deliver_email.call(email_id)
        except Exception:  # recorded on the row by deliver_email; requeue_emails retries it
            logger.exception("Follow-up email %s not sent this time", email_id)
    return sent
