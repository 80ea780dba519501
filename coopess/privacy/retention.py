"""How long an application keeps its personal data, per call (``Call.retention_*_months``).

- never submitted (draft): the not-retained period, from the call's closing;
- withdrawn: the not-retained period, from the withdrawal;
- not retained (rejected, waitlisted): the not-retained period, from the decision;
- accompanied (selected): the accompanied period, once the cohort is closed, from the latest of
  the decision, the cohort's last known activity and its last follow-up (answer, or due date of
  one left unanswered); a cohort still running keeps its data;
- being instructed (submitted, under review, complements asked): kept, no decision yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, ApplicationTransition
from coopess.privacy.models import AnonymisationRule
from coopess.privacy.registry import sources
from coopess.selection.models import Cohort, CohortStatus, Decision

IN_PROGRESS = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.NEEDS_INFO,
)
NOT_RETAINED = (ApplicationStatus.REJECTED, ApplicationStatus.WAITLISTED)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def last_follow_up_at(application: Application) -> dt.datetime | None:
    """The last follow-up of an accompanied application's cohort (6 months, 1 year after the
    support): the latest answer, or for a follow-up left unanswered its due date (start of that
    day, Paris time). None when the application is in no cohort or its cohort has none."""
    from coopess.calls.calendar import PARIS
    from coopess.followups.models import FollowUp, FollowUpStatus

    membership = getattr(application, "cohort_membership", None)
    if membership is None:
        return None
    answered = Q(status=FollowUpStatus.ANSWERED)
    last = FollowUp.objects.filter(cohort_id=membership.cohort_id).aggregate(
        answered_at=Max("answered_at", filter=answered), due_on=Max("due_on", filter=~answered)
    )
    dates = [last["answered_at"]]
    if last["due_on"]:
        dates.append(dt.datetime.combine(last["due_on"], dt.time.min, tzinfo=PARIS))
    return max((d for d in dates if d), default=None)


def cohort_last_activity(cohort: Cohort) -> dt.datetime | None:
    """The latest dated activity any app records for this cohort."""
    dates = [source.cohort_activity(cohort) for source in sources() if source.cohort_activity]
    return max((d for d in dates if d), default=None)


@dataclass(frozen=True)
class Retention:
    rule: str | None  # an ``AnonymisationRule``; None while the data serves its purpose
    reference: dt.datetime | None
    months: int | None
    explanation: str

    @property
    def expires_at(self) -> dt.datetime | None:
        if self.reference is None or self.months is None:
            return None
        return add_months(self.reference, self.months)

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def with_retention_dates(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate what ``retention_of`` reads: the current decision's date, and since when the
    application has its current status."""
    decision = Decision.objects.filter(application=OuterRef("pk"), is_current=True)
    moves = ApplicationTransition.objects.filter(
        application=OuterRef("pk"), to_status=OuterRef("status")
    ).order_by("-at", "-pk")
    return applications.select_related("call").annotate(
        current_decision_at=Subquery(decision.values("decided_at")[:1]),
        status_since=Subquery(moves.values("at")[:1]),
    )


def retention_of(application: Application) -> Retention:
    """When this application's personal data is due for anonymisation, and why.

    ``application`` comes from ``with_retention_dates`` (its call selected).
    """
    call = application.call
    status = application.status
    decided = (
        application.current_decision_at or application.status_since or application.submitted_at
    )
    if status == ApplicationStatus.DRAFT:
        return Retention(
            AnonymisationRule.DRAFT,
            call.closes_at,
            call.retention_not_retained_months,
            "Brouillon jamais déposé : conservé après la clôture de l'appel.",
        )
    if status == ApplicationStatus.WITHDRAWN:
        return Retention(
            AnonymisationRule.WITHDRAWN,
            application.status_since or application.created_at,
            call.retention_not_retained_months,
            "Candidature retirée : conservée après son retrait.",
        )
    if status in NOT_RETAINED:
        return Retention(
            AnonymisationRule.NOT_RETAINED,
            decided,
            call.retention_not_retained_months,
            "Candidature non retenue : conservée après la décision.",
        )
    if status == ApplicationStatus.SELECTED:
        membership = getattr(application, "cohort_membership", None)
        cohort = membership.cohort if membership else None
        if cohort is None or cohort.status != CohortStatus.CLOSED:
            return Retention(
                None,
                None,
                None,
                "Structure accompagnée : les données servent l'accompagnement et le suivi en "
                "cours ; elles seront conservées jusqu'à un an après le dernier suivi.",
            )
        dates = [decided, cohort_last_activity(cohort), last_follow_up_at(application)]
        return Retention(
            AnonymisationRule.ACCOMPANIED,
            max(d for d in dates if d),
            call.retention_accompanied_months,
            "Structure accompagnée : conservée après le dernier suivi.",
        )
    return Retention(
        None,
        None,
        None,
        "Candidature en cours d'instruction : les données servent à l'examiner.",
    )


def expired_applications(now: dt.datetime) -> list[tuple[Application, Retention]]:
    """Applications whose retention period is over and whose data is still there."""
    candidates = (
        with_retention_dates(Application.objects.filter(anonymisation__isnull=True))
        .exclude(status__in=IN_PROGRESS)
        .select_related("cohort_membership__cohort")
        .order_by("pk")
    )
    expired = []
    for application in candidates.iterator(chunk_size=1000):
        retention = retention_of(application)
        if retention.is_expired(now):
            expired.append((application, retention))
    return expired
