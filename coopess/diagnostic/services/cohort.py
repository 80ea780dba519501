"""Opening a cohort's diagnostic."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from coopess.accounts.models import User
from coopess.calls.models import Call
from coopess.diagnostic.models import Diagnostic
from coopess.diagnostic.services.interviews import guide_setup
from coopess.diagnostic.services.selfdiag import questionnaire_setup
from coopess.selection.models import Cohort, CohortStatus
from coopess.selection.services import cohort_transition


def call_setup_diagnostic(*, call: Call) -> None:
    """The call's interview guide and self-diagnostic, from the defaults when it has none."""
    guide_setup(call=call)
    questionnaire_setup(call=call)


@transaction.atomic
def diagnostic_start(
    *,
    cohort: Cohort,
    by: User,
    booking_deadline: dt.datetime | None = None,
    interview_minutes: int = 90,
) -> Diagnostic:
    """Open the diagnostic of a forming cohort: the cohort moves to « diagnostic partagé »."""
    call_setup_diagnostic(call=cohort.call)
    cohort_transition(cohort=cohort, to=CohortStatus.DIAGNOSTIC, by=by)
    return Diagnostic.objects.create(
        cohort=cohort,
        booking_deadline=booking_deadline,
        interview_minutes=interview_minutes,
        started_by=by,
    )
