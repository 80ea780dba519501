"""Submitting an application before the call's closing instant (receipt number, transition,
the « application submitted » event), withdrawing it, and the officer's request for
complements that reopens named sections.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.errors import ApplicationError
from coopess.applications.models import (
    Application,
    ReceiptCounter,
)
from coopess.applications.services.completeness import missing_items
from coopess.applications.services.drafts import (
    AlreadySubmitted,
    CallClosed,
    Incomplete,
    NotEditable,
    _lock,
    refresh_search_text,
)
from coopess.applications.workflow import transition
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common import events
from coopess.common.jobs import task_named

logger = logging.getLogger("coopess")


# --- Submission -------------------------------------------------------------------------------


def _next_receipt_number(call: Call, now: dt.datetime) -> str:
    year = timezone.localtime(now, PARIS).year
    try:
        with transaction.atomic():
            ReceiptCounter.objects.get_or_create(prefix=call.receipt_prefix, year=year)
    except IntegrityError:
        pass
    counter = ReceiptCounter.objects.select_for_update().get(prefix=call.receipt_prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{call.receipt_prefix}-{year}-{counter.last:04d}"


@transaction.atomic
def application_submit(
    *,
    application: Application,
    by: User,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """Submit a complete application before the call closes (or answer a request for complements).

    A replayed or double-clicked request finds the application already submitted and changes
    nothing.
    """
    application = _lock(application)
    now = now or timezone.now()
    if application.status == ApplicationStatus.SUBMITTED or (
        version is not None and version != application.version and not application.is_editable
    ):
        raise AlreadySubmitted(application)
    if not application.is_editable:
        raise NotEditable(application)
    is_first_submission = application.status == ApplicationStatus.DRAFT
    if is_first_submission and not application.call.is_open(at=now):
        raise CallClosed(application.call)
    missing = missing_items(application)
    if missing:
        raise Incomplete(missing)
    if is_first_submission:
        application.receipt_number = _next_receipt_number(application.call, now)
        application.submitted_at = now
        comment = "Candidature déposée."
    else:
        comment = "Compléments apportés."
    transition(
        application,
        to=ApplicationStatus.SUBMITTED,
        by=by,
        actor="representative",
        comment=comment,
        at=now,
    )
    application.reopened_sections = []
    application.save()
    refresh_search_text(application.pk)
    application_id = application.pk
    if is_first_submission:
        send_receipt = task_named("coopess.applications.tasks.send_receipt")
        transaction.on_commit(lambda: send_receipt.enqueue(application_id))
    # selection screens it, notifications and webhooks follow (coopess.common.events)
    events.announce(
        events.APPLICATION_SUBMITTED, application=application, first=is_first_submission
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    application = _lock(application)
    transition(
        application,
        to=ApplicationStatus.WITHDRAWN,
        by=by,
        actor="representative",
        comment=reason or "Candidature retirée par la structure.",
    )
    application.save()
    return application


REOPENABLE_SECTIONS = ("type", "structure", "partners", "project", "questions", "documents")


@transaction.atomic
def application_request_complements(
    *, application: Application, by: User, sections: list[str], message: str
) -> Application:
    """The officer reopens named sections; only those become editable again."""
    application = _lock(application)
    unknown = set(sections) - set(REOPENABLE_SECTIONS)
    if not sections or unknown:
        raise ApplicationError("Choisissez au moins une partie de la candidature à rouvrir.")
    if not message.strip():
        raise ApplicationError("Expliquez aux structures ce qui est attendu.")
    transition(
        application, to=ApplicationStatus.NEEDS_INFO, by=by, actor="officer", comment=message
    )
    application.reopened_sections = list(sections)
    application.save()
    return application
