"""Demo history of the 2023 cohort's « diagnostic partagé », in the order it happened:
interviews (September 2023), self-diagnostics and the workshop (September–October), the
synthesis (v1 with a change request, v2 validated in November). Each step is idempotent."""

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


def demo_diagnostic(call_2023: Call, open_copy: Call | None = None) -> None:
    from coopess.diagnostic.demo_interviews import demo_interviews
    from coopess.diagnostic.demo_selfdiag import demo_selfdiag
    from coopess.diagnostic.demo_synthesis import demo_synthesis

    demo_interviews(call_2023, open_copy)
    demo_selfdiag(call_2023)
    demo_synthesis(call_2023)
