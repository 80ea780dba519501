"""The demo of the follow-ups on the 2023 cohort."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coopess.calls.models import Call
from coopess.common.demo import SEED_SLUG, demo_load
from coopess.common.models import OutgoingEmail
from coopess.followups.demo import demo_followups
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.scheduler import run_scheduler
from coopess.selection.models import CohortStatus
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_demo_followups_fill_the_2023_cohort_once(client):
    demo_load()
    call = Call.objects.get(slug=SEED_SLUG)
    demo_followups(call)
    demo_followups(call)  # idempotent
    followups = FollowUp.objects.filter(cohort__call=call)
    cohort = followups.first().cohort
    assert cohort.status == CohortStatus.FOLLOW_UP
    structures = followups.values("structure").distinct().count()
    assert followups.count() == 2 * structures
    june = followups.filter(due_on=dt.date(2024, 6, 19))
    december = followups.filter(due_on=dt.date(2024, 12, 19))
    assert {f.status for f in june} == {FollowUpStatus.ANSWERED}
    late = june.get(overdue_on__isnull=False)
    assert late.filled_by_officer and late.answered_at.date() > late.overdue_on
    assert december.filter(status=FollowUpStatus.OVERDUE).count() == 1
    assert december.filter(status=FollowUpStatus.ANSWERED).count() == structures - 1
    # nothing left for the scheduler, nothing sent
    assert run_scheduler() == {"overdue": 0, "reminder_2": 0, "reminder_1": 0, "sent": 0}
    assert not OutgoingEmail.objects.filter(key__startswith="followup:").exists()
    officer = cohort.call.operator.role_assignments.get(
        user__email="claire.morvan@example.org"
    ).user
    sign_in(client, officer)
    page = client.get(reverse("followups:cohort", args=[cohort.pk]))
    assert page.status_code == 200
    assert "1 suivi en retard" in page.content.decode()
