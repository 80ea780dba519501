"""The application's state machine: one transition table, one function that applies it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.errors import ApplicationError
from coopess.applications.models import Application, ApplicationTransition

# Who may move an application from one status to another.
#   "representative": a person with access to the application (lead or partner for withdrawal,
#   lead for submission); "officer": an officer of the call's DLA operator.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({"representative"}),
    (S.DRAFT, S.WITHDRAWN): frozenset({"representative"}),
    (S.SUBMITTED, S.UNDER_REVIEW): frozenset({"officer"}),
    (S.SUBMITTED, S.NEEDS_INFO): frozenset({"officer"}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({"representative"}),
    (S.UNDER_REVIEW, S.NEEDS_INFO): frozenset({"officer"}),
    (S.UNDER_REVIEW, S.SELECTED): frozenset({"officer"}),
    (S.UNDER_REVIEW, S.WAITLISTED): frozenset({"officer"}),
    (S.UNDER_REVIEW, S.REJECTED): frozenset({"officer"}),
    (S.UNDER_REVIEW, S.WITHDRAWN): frozenset({"representative"}),
    (S.NEEDS_INFO, S.SUBMITTED): frozenset({"representative"}),
    (S.NEEDS_INFO, S.WITHDRAWN): frozenset({"representative"}),
    (S.WAITLISTED, S.SELECTED): frozenset({"officer"}),
    (S.WAITLISTED, S.REJECTED): frozenset({"officer"}),
    (S.WAITLISTED, S.WITHDRAWN): frozenset({"representative"}),
}


class TransitionNotAllowed(ApplicationError):
    def __init__(self, application: Application, to_status: str):
        self.application = application
        self.to_status = to_status
        super().__init__(
            f"La candidature est « {application.get_status_display()} » : elle ne peut pas passer "
            f"au statut « {S(to_status).label} »."
        )


def can_transition(from_status: str, to_status: str, actor: str) -> bool:
    return actor in TRANSITIONS.get((from_status, to_status), frozenset())


def transition(
    application: Application,
    *,
    to: str,
    by: User | None,
    actor: str,
    comment: str = "",
    at: dt.datetime | None = None,
) -> ApplicationTransition:
    """Move ``application`` to ``to`` and log it. The caller holds the row lock."""
    if not can_transition(application.status, to, actor):
        raise TransitionNotAllowed(application, to)
    log = ApplicationTransition.objects.create(
        application=application,
        from_status=application.status,
        to_status=to,
        by=by,
        comment=comment,
        at=at or timezone.now(),
    )
    application.status = to
    application.version += 1
    application.updated_at = timezone.now()
    return log
