"""The demo of the collective support on the 2023 cohort."""

from __future__ import annotations

import pytest

from coopess.calls.models import Call
from coopess.common.demo import SEED_SLUG, demo_load
from coopess.support.demo import demo_support
from coopess.support.models import (
    Attendance,
    Deliverable,
    Engagement,
    Referral,
    Session,
    SessionStatus,
    SupportActor,
)
from coopess.support.permissions import consultant_cohorts

pytestmark = pytest.mark.django_db


def test_demo_support_fills_the_2023_cohort_once():
    demo_load()
    call = Call.objects.get(slug=SEED_SLUG)
    demo_support(call)
    demo_support(call)  # idempotent
    engagement = Engagement.objects.get(cohort__call=call)
    assert engagement.planned_half_days == 4
    assert (engagement.starts_on.isoformat(), engagement.ends_on.isoformat()) == (
        "2023-09-01",
        "2023-12-31",
    )
    consultant = engagement.consultants.get()
    assert consultant.email == "nadia.benali@example.org"
    assert list(consultant_cohorts(consultant)) == [engagement.cohort]
    sessions = Session.objects.filter(engagement=engagement)
    assert sessions.filter(status=SessionStatus.HELD).count() == 4
    assert {s.starts_at.month for s in sessions} == {9, 10, 11, 12}
    assert Attendance.objects.filter(session__engagement=engagement, present=True).exists()
    assert Deliverable.objects.filter(session__engagement=engagement).count() == 4
    with Deliverable.objects.first().file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    dlas = SupportActor.objects.filter(is_departmental_dla=True)
    assert sorted(code for a in dlas for code in a.departements) == ["44", "49", "53", "72", "85"]
    assert all(a.email.endswith("@example.org") for a in SupportActor.objects.all())
    assert Referral.objects.filter(cohort=engagement.cohort).count() >= 2
