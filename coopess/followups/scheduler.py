"""The periodic work of the follow-ups, run by ``manage.py run_scheduler``.

Each run, for the Paris calendar day of ``now``:

1. follow-ups sent ``OVERDUE_DAYS`` ago, reminded twice and still unanswered become ``overdue``
   and the officers of the call's DLA get one email per cohort;
2. second reminders (``REMINDER_DAYS[1]`` days after the email), then first reminders;
3. follow-ups due today or earlier are ``sent``: each representative gets the questionnaire link.

A follow-up takes at most one of these steps per run (each step selects the rows left in the
previous state), so a scheduler stopped for weeks catches up one step a day rather than
flooding a structure. Safe to run twice, even at the same time: every row moves with a
conditional update on its state, and every email has an outbox key (``followup:<id>:…``), so a
second run finds nothing to do and a repeated email is recorded once. Work is done in batches
of ``BATCH`` follow-ups with a fixed number of queries per batch, never one per structure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, RoleAssignment
from coopess.applications.models import ApplicationAccess, Representative
from coopess.common.events import FOLLOWUPS_OVERDUE, FOLLOWUPS_SENT, announce
from coopess.common.models import OutgoingEmail
from coopess.followups.models import FollowUp, FollowUpStatus, FollowUpTransition
from coopess.followups.services import OVERDUE_DAYS, REMINDER_DAYS, paris_today

S = FollowUpStatus
BATCH = 500

FIELDS = (
    "pk",
    "token",
    "offset_months",
    "due_on",
    "sent_on",
    "structure_id",
    "structure__name",
    "cohort_id",
    "cohort__name",
    "cohort__call__title",
    "cohort__call__operator_id",
    "cohort__call__contact_email",
)


@dataclass
class Row:
    pk: int
    token: str
    offset_months: int
    due_on: dt.date
    sent_on: dt.date | None
    structure_id: int
    structure_name: str
    cohort_id: int
    cohort_name: str
    call_title: str
    operator_id: int
    contact_email: str

    @property
    def label(self) -> str:
        return FollowUp(offset_months=self.offset_months).label

    @property
    def link(self) -> str:
        return settings.COOPESS_BASE_URL + reverse("followups:answer", args=[self.token])


def run_scheduler(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Do today's follow-up work; returns how many follow-ups each step moved."""
    now = now or timezone.now()
    today = paris_today(now)
    return {
        "overdue": _step(now, today, "overdue"),
        "reminder_2": _step(now, today, "reminder_2"),
        "reminder_1": _step(now, today, "reminder_1"),
        "sent": _step(now, today, "send"),
    }


def _candidates(step: str, today: dt.date):
    qs = FollowUp.objects.all()
    if step == "send":
        return qs.filter(status=S.SCHEDULED, due_on__lte=today)
    if step == "reminder_1":
        return qs.filter(
            status=S.SENT,
            reminders_sent=0,
            sent_on__lte=today - dt.timedelta(days=REMINDER_DAYS[0]),
        )
    if step == "reminder_2":
        return qs.filter(
            status=S.SENT,
            reminders_sent=1,
            sent_on__lte=today - dt.timedelta(days=REMINDER_DAYS[1]),
        )
    assert step == "overdue"
    return qs.filter(
        status=S.SENT, reminders_sent=2, sent_on__lte=today - dt.timedelta(days=OVERDUE_DAYS)
    )


def _step(now: dt.datetime, today: dt.date, step: str) -> int:
    moved = 0
    while True:
        try:
            rows = _batch(now, today, step)
        except _Raced:  # another run moved some of these rows first: take a fresh batch
            continue
        moved += len(rows)
        if len(rows) < BATCH:
            return moved


class _Raced(Exception):
    pass


def _batch(now: dt.datetime, today: dt.date, step: str) -> list[Row]:
    """Move one batch, in one transaction; rolled back whole if a concurrent run got there."""
    with transaction.atomic():
        rows = [
            Row(*values)
            for values in _candidates(step, today)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list(*FIELDS)[:BATCH]
        ]
        if not rows:
            return rows
        ids = [row.pk for row in rows]
        # A conditional update: rows a concurrent run moved first are not matched (on
        # PostgreSQL the lock above already kept them out; SQLite has no row locks).
        base = _candidates(step, today).filter(pk__in=ids)
        if step == "send":
            updated = base.update(status=S.SENT, sent_on=today)
        elif step.startswith("reminder"):
            updated = base.update(reminders_sent=int(step[-1]), last_reminder_on=today)
        else:
            updated = base.update(status=S.OVERDUE, overdue_on=today)
        if updated != len(rows):
            raise _Raced
        if step == "send":
            _log(rows, S.SCHEDULED, S.SENT, now)
            _queue(_representative_emails(rows, kind="sent"))
            # in-app notices, batched (coopess/notifications/hooks.py)
            announce(FOLLOWUPS_SENT, rows=rows)
        elif step.startswith("reminder"):
            _queue(_representative_emails(rows, kind=f"reminder{step[-1]}"))
        else:
            _log(rows, S.SENT, S.OVERDUE, now, comment="Sans réponse après deux relances")
            _queue(_officer_emails(rows, today))
            announce(FOLLOWUPS_OVERDUE, rows=rows)
        return rows


def _log(rows: list[Row], from_status: str, to_status: str, now, comment: str = "") -> None:
    FollowUpTransition.objects.bulk_create(
        [
            FollowUpTransition(
                followup_id=row.pk,
                from_status=from_status,
                to_status=to_status,
                by=None,
                at=now,
                comment=comment,
            )
            for row in rows
        ]
    )


def recipients_by_structure(structure_ids: list[int]) -> dict[int, list[str]]:
    """Like ``diagnostic.permissions.structure_recipients``, for many structures in two
    queries: declared representatives and accounts acting for each, each address once."""
    found: dict[int, dict[str, None]] = defaultdict(dict)
    for structure_id, email in Representative.objects.filter(
        structure_id__in=structure_ids
    ).values_list("structure_id", "email"):
        if email and email.strip():
            found[structure_id].setdefault(email.strip().lower(), None)
    for structure_id, email in ApplicationAccess.objects.filter(
        structure_id__in=structure_ids
    ).values_list("structure_id", "user__email"):
        if email and email.strip():
            found[structure_id].setdefault(email.strip().lower(), None)
    return {pk: list(emails) for pk, emails in found.items()}


def _representative_emails(rows: list[Row], *, kind: str) -> list[tuple[str, EmailMessage]]:
    recipients = recipients_by_structure(sorted({row.structure_id for row in rows}))
    messages = []
    for row in rows:
        context = {"row": row, "kind": kind}
        subject = {
            "sent": f"{row.label} de l'accompagnement collectif : votre questionnaire",
            "reminder1": f"Relance — {row.label.lower()} : votre questionnaire vous attend",
            "reminder2": f"Dernière relance — {row.label.lower()} : votre questionnaire",
        }[kind]
        body = render_to_string("followups/email/questionnaire.txt", context)
        # one email per follow-up and step, to every representative of the structure
        to = recipients.get(row.structure_id, [])
        if to:
            messages.append((f"followup:{row.pk}:{kind}", EmailMessage(subject, body, to=to)))
    return messages


def _officer_emails(rows: list[Row], today: dt.date) -> list[tuple[str, EmailMessage]]:
    """One email per cohort to the officers of its DLA (or the call's contact), listing the
    follow-ups that became overdue today."""
    operators = {row.operator_id for row in rows}
    officers: dict[int, list[str]] = defaultdict(list)
    for operator_id, email in RoleAssignment.objects.filter(
        role=Role.OFFICER, organisation_id__in=operators
    ).values_list("organisation_id", "user__email"):
        officers[operator_id].append(email)
    by_cohort: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_cohort[row.cohort_id].append(row)
    messages = []
    for cohort_id, cohort_rows in by_cohort.items():
        first = cohort_rows[0]
        link = settings.COOPESS_BASE_URL + reverse("followups:cohort", args=[cohort_id])
        body = render_to_string(
            "followups/email/overdue.txt", {"rows": cohort_rows, "first": first, "link": link}
        )
        subject = f"Suivis en retard — {first.cohort_name}"
        for email in sorted(set(officers.get(first.operator_id) or [first.contact_email])):
            key = f"followup:overdue:{cohort_id}:{today.isoformat()}:{email}"
            messages.append((key, EmailMessage(subject, body, to=[email])))
    return messages


def _queue(messages: list[tuple[str, EmailMessage]]) -> None:
    """Record the emails in the outbox (one insert, keys already there are skipped) and, after
    commit, hand them to the worker in one task (``followups.tasks.deliver_emails``)."""
    if not messages:
        return
    from coopess.common.mail import message_to_payload

    rows = []
    for key, message in messages:
        payload = message_to_payload(message)
        rows.append(
            OutgoingEmail(
                key=key,
                subject=payload["subject"][:998],
                to=", ".join(payload["to"]),
                payload=payload,
            )
        )
    OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    keys = [key for key, _ in messages]
    email_ids = []
    for start in range(0, len(keys), 1000):
        email_ids += [
            str(pk)
            for pk in OutgoingEmail.objects.filter(
                key__in=keys[start : start + 1000], status=OutgoingEmail.Status.QUEUED
            ).values_list("pk", flat=True)
        ]
    if email_ids:
        transaction.on_commit(lambda: _enqueue(email_ids))


def _enqueue(email_ids: list[str]) -> None:
    from coopess.followups.tasks import deliver_emails

    deliver_emails.enqueue(email_ids)
