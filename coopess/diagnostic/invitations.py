"""What the interviews and the collective workshop share to invite people to a meeting.

A meeting (``Interview`` or ``Workshop``) has ``uid``, ``sequence``, ``starts_at``, ``mode``,
``address`` and ``link``. Each invited address receives its own email with the ``.ics``
(``common/ics.py``); the emails are queued with the change (the outbox row commits with it) and a
reminder is handed to the worker, once the change has committed, to leave two days before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.common.ics import Invitation, attach_invitation
from coopess.common.mail import queue_email_message
from coopess.diagnostic.models import MeetingStatus, Mode

logger = logging.getLogger(__name__)

#: the reminder leaves this many Paris calendar days before the meeting
REMINDER_DAYS = 2


class Meeting(Protocol):
    pk: Any
    uid: Any
    sequence: int
    status: str
    starts_at: dt.datetime
    reminder_sent_at: dt.datetime | None
    mode: str
    address: str
    link: str

    def save(self, *args: Any, **kwargs: Any) -> None: ...


def calendar_place(meeting: Meeting) -> dict[str, str]:
    """The ``location`` (in person) or the ``url`` (remote) of the meeting's invitation."""
    return {
        "location": meeting.address if meeting.mode == Mode.IN_PERSON else "",
        "url": meeting.link if meeting.mode == Mode.REMOTE else "",
    }


def invitation_email(*, subject: str, body: str, to: str, invitation: Invitation) -> EmailMessage:
    """One email to one address, with the ``.ics`` (REQUEST, or CANCEL) attached."""
    return attach_invitation(EmailMessage(subject=subject, body=body, to=[to]), invitation)


def reminder_at(starts_at: dt.datetime) -> dt.datetime:
    """Two days before, in Paris calendar days: same wall-clock time, whatever DST does."""
    local = timezone.localtime(starts_at, PARIS)
    day = local.date() - dt.timedelta(days=REMINDER_DAYS)
    return dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=PARIS)


def schedule_reminder(task, meeting_id: int, sequence: int, run_after: dt.datetime) -> None:
    """Hand the reminder ``task(meeting_id, sequence)`` to the worker, to run at ``run_after``
    (nothing when already past: the invitation has just left)."""
    if run_after <= timezone.now():
        return
    if task.get_backend().supports_defer:
        task.using(run_after=run_after).enqueue(meeting_id, sequence)
    else:  # a backend that cannot schedule (immediate mode): no reminder
        logger.info("Task backend cannot defer: no reminder (%s, %s)", task.name, meeting_id)


def queue_invitations(messages: Iterable[EmailMessage], *, meeting: Meeting, task=None) -> None:
    """Queue the invitations now (the outbox rows commit with the change); with the reminder
    ``task`` (none for a cancellation), schedule the reminder once the change has committed."""
    for message in messages:
        queue_email_message(message)
    if task is not None:
        meeting_id, sequence = meeting.pk, meeting.sequence
        run_after = reminder_at(meeting.starts_at)
        transaction.on_commit(lambda: schedule_reminder(task, meeting_id, sequence, run_after))


def claim_reminder(meeting: Meeting | None, sequence: int) -> bool:
    """Whether the reminder of version ``sequence`` of ``meeting`` is to leave now: the meeting
    is still planned at that version, not yet reminded and not started. When it is, the meeting
    is marked as reminded (call it with the meeting's row locked)."""
    if (
        meeting is None
        or meeting.status != MeetingStatus.PLANNED
        or meeting.sequence != sequence
        or meeting.reminder_sent_at is not None
        or meeting.starts_at <= timezone.now()
    ):
        return False
    meeting.reminder_sent_at = timezone.now()
    meeting.save(update_fields=["reminder_sent_at"])
    return True


def queue_reminders(messages: list[EmailMessage], *, prefix: str, meeting: Meeting) -> int:
    """Queue the reminder emails once per address and version of the meeting (a second run of
    the task finds them already queued). Returns how many there are."""
    for message in messages:
        key = f"{prefix}:{meeting.uid}:{meeting.sequence}:{message.to[0]}"
        queue_email_message(message, key=key)
    return len(messages)
