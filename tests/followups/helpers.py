"""Building follow-ups in tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.selection.models import CohortStatus
from tests.diagnostic.helpers import CohortSetup


def paris(*args) -> dt.datetime:
    """An aware instant, given as a Paris wall-clock time."""
    return dt.datetime(*args, tzinfo=PARIS)


def matrix_ids(setup: CohortSetup) -> dict:
    """A sent follow-up of the matrix cohort (nobody in the matrix acts for its structure)."""
    followup = FollowUp.objects.create(
        cohort=setup.cohort,
        structure=setup.structures[0],
        offset_months=6,
        due_on=timezone.localdate(),
        status=FollowUpStatus.SENT,
        sent_on=timezone.localdate(),
    )
    return {"followup_id": followup.pk, "followup_token": followup.token}


def in_support(setup: CohortSetup) -> CohortSetup:
    """Put the cohort in its support phase (as the diagnostic and support apps would)."""
    type(setup.cohort).objects.filter(pk=setup.cohort.pk).update(status=CohortStatus.SUPPORT)
    setup.cohort.refresh_from_db()
    return setup
