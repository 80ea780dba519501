"""What the diagnostic's demo steps share (``demo_interviews``, ``demo_selfdiag``,
``demo_synthesis``): the demo officer, Paris datetimes and the diagnostic opened in 2023."""

from __future__ import annotations

import datetime as dt

from coopess.accounts.models import Role, User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.diagnostic.models import Diagnostic
from coopess.diagnostic.services.cohort import diagnostic_start
from coopess.selection.models import Cohort, CohortStatus, CohortTransition

DEMO_OFFICER = "claire.morvan@example.org"
#: when the demo's 2023 diagnostic was opened
STARTED_2023 = dt.datetime(2023, 9, 4, 9, 0, tzinfo=PARIS)


def demo_officer(call: Call) -> User | None:
    """The demo officer, or the first officer of the call's DLA."""
    user = User.objects.filter(email=DEMO_OFFICER).first()
    if user is not None:
        return user
    return (
        User.objects.filter(roles_held__role=Role.OFFICER, roles_held__organisation=call.operator)
        .order_by("pk")
        .first()
    )


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def open_diagnostic(cohort: Cohort, officer: User, started: dt.datetime = STARTED_2023):
    """The cohort's diagnostic, opened (and dated ``started``) if the cohort is still forming;
    ``None`` when the cohort has gone past the diagnostic without one."""
    diagnostic = Diagnostic.objects.filter(cohort=cohort).first()
    if diagnostic is not None or cohort.status != CohortStatus.FORMING:
        return diagnostic
    diagnostic = diagnostic_start(cohort=cohort, by=officer)
    Diagnostic.objects.filter(pk=diagnostic.pk).update(started_at=started)
    CohortTransition.objects.filter(cohort=cohort, to_status=CohortStatus.DIAGNOSTIC).update(
        at=started
    )
    cohort.refresh_from_db()
    return diagnostic
