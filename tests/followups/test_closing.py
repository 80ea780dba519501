"""Closing the cohort after its last follow-up (follow_up → closed): refused while a follow-up
still waits for an answer, allowed once each is answered or overdue; the retention clock then
counts from the last follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coopess.applications.models import Application
from coopess.calls.calendar import PARIS
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import FollowUpError, cohort_close, support_close
from coopess.privacy.retention import last_follow_up_at, retention_of, with_retention_dates
from coopess.selection.models import CohortStatus, CohortTransition
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support, paris

pytestmark = pytest.mark.django_db

S = FollowUpStatus
ANSWERED_AT = paris(2031, 4, 2, 10)


@pytest.fixture
def setup():
    setup = in_support(make_cohort(applications=(2, 1)))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    return setup


def settle(setup, *, leave_one: bool = False) -> None:
    """Every follow-up answered (6 months) or overdue (1 year), but one if ``leave_one``."""
    followups = FollowUp.objects.filter(cohort=setup.cohort)
    followups.filter(offset_months=6).update(
        status=S.ANSWERED, sent_on=dt.date(2031, 3, 15), answered_at=ANSWERED_AT
    )
    followups.filter(offset_months=12).update(
        status=S.OVERDUE, sent_on=dt.date(2031, 9, 15), overdue_on=dt.date(2031, 10, 6)
    )
    if leave_one:
        followups.filter(offset_months=12).filter(
            pk=followups.filter(offset_months=12).order_by("pk").values("pk")[:1]
        ).update(status=S.SENT, overdue_on=None)


def test_the_cohort_cannot_be_closed_while_a_followup_waits(setup):
    with pytest.raises(FollowUpError) as error:
        cohort_close(cohort=setup.cohort, by=setup.officer)
    assert "ne peut pas encore être close : 6 suivis attendent encore une réponse" in (
        error.value.message
    )
    assert "15/03/2031" in error.value.message
    settle(setup, leave_one=True)
    with pytest.raises(FollowUpError, match="1 suivi attend encore une réponse"):
        cohort_close(cohort=setup.cohort, by=setup.officer)
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.FOLLOW_UP


def test_only_a_cohort_in_follow_up_is_closed():
    setup = in_support(make_cohort(applications=(1,)))
    with pytest.raises(FollowUpError, match="Seule une cohorte en phase de suivi"):
        cohort_close(cohort=setup.cohort, by=setup.officer)


def test_the_officer_closes_the_cohort_from_its_followups_page(client, setup):
    sign_in(client, setup.officer)
    url = reverse("followups:cohort", args=[setup.cohort.pk])
    close_url = reverse("followups:cohort_close", args=[setup.cohort.pk])
    page = client.get(url).content.decode()
    assert "6 suivis attendent encore une réponse" in page
    assert close_url not in page
    response = client.post(close_url, {"comment": ""}, follow=True)
    assert "ne peut pas encore être close" in response.content.decode()
    settle(setup)
    page = client.get(url).content.decode()
    assert close_url in page
    response = client.post(close_url, {"comment": "Suivi terminé."}, follow=True)
    assert "Cohorte close" in response.content.decode()
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.CLOSED
    move = CohortTransition.objects.filter(cohort=setup.cohort).latest("pk")
    assert (move.from_status, move.to_status, move.by, move.comment) == (
        CohortStatus.FOLLOW_UP,
        CohortStatus.CLOSED,
        setup.officer,
        "Suivi terminé.",
    )
    # closed: no second closing, the form is gone
    assert close_url not in client.get(url).content.decode()
    with pytest.raises(FollowUpError):
        cohort_close(cohort=setup.cohort, by=setup.officer)


def test_another_dlas_officer_cannot_close_it(client, setup):
    from tests.applications.helpers import open_call
    from tests.selection.helpers import officer_of

    settle(setup)
    stranger = officer_of(open_call(slug="un-autre-appel"))
    sign_in(client, stranger)  # an officer of another DLA (open_call: a new operator)
    response = client.post(reverse("followups:cohort_close", args=[setup.cohort.pk]))
    assert response.status_code == 404
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.FOLLOW_UP


def _application(setup) -> Application:
    return (
        with_retention_dates(Application.objects.filter(pk=setup.structures[0].application_id))
        .select_related("cohort_membership__cohort")
        .get()
    )


def test_the_retention_counts_from_the_last_followup(setup):
    application = _application(setup)
    # scheduled follow-ups: their due dates (the 1-year one, 15 September 2031, Paris)
    assert last_follow_up_at(application) == dt.datetime(2031, 9, 15, tzinfo=PARIS)
    settle(setup)
    # the 1-year follow-ups are overdue (unanswered: their due date), later than the answers
    assert last_follow_up_at(application) == dt.datetime(2031, 9, 15, tzinfo=PARIS)
    late = ANSWERED_AT.replace(year=2032)
    FollowUp.objects.filter(cohort=setup.cohort, offset_months=12).update(
        status=S.ANSWERED, answered_at=late
    )
    assert last_follow_up_at(application) == late
    cohort_close(cohort=setup.cohort, by=setup.officer)
    retention = retention_of(_application(setup))
    assert retention.reference == late
    assert retention.months == setup.call.retention_accompanied_months


def test_no_followup_no_date():
    setup = make_cohort(applications=(1,))
    assert last_follow_up_at(_application(setup)) is None
