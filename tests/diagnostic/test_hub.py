"""The officer's cohort page, the representative's structure page, and the cohort workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role
from coopess.diagnostic.models import Diagnostic, InterviewGuideItem, SelfDiagnosticQuestion
from coopess.selection.models import CohortStatus, CohortTransition
from coopess.selection.services import (
    COHORT_TRANSITIONS,
    CohortTransitionRefused,
    cohort_transition,
)
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(applications=(2, 1))


@pytest.mark.parametrize("start", list(CohortStatus))
@pytest.mark.parametrize("to", list(CohortStatus))
def test_cohort_workflow_is_exactly_its_table(start, to):
    setup = make_cohort(applications=(1,), status=start)
    allowed = to in COHORT_TRANSITIONS[start]
    if allowed:
        cohort_transition(cohort=setup.cohort, to=to, by=setup.officer, comment="ok")
        setup.cohort.refresh_from_db()
        assert setup.cohort.status == to
        log = CohortTransition.objects.get(cohort=setup.cohort)
        assert (log.from_status, log.to_status, log.by) == (start, to, setup.officer)
    else:
        with pytest.raises(CohortTransitionRefused) as error:
            cohort_transition(cohort=setup.cohort, to=to, by=setup.officer)
        assert "ne peut pas passer" in str(error.value)
        setup.cohort.refresh_from_db()
        assert setup.cohort.status == start
        assert not CohortTransition.objects.exists()


def test_officer_opens_the_diagnostic(client, setup):
    sign_in(client, setup.officer)
    page = client.get(reverse("diagnostic:cohort", kwargs={"cohort_id": setup.cohort.pk}))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Ouvrir le diagnostic" in content
    for structure in setup.structures:
        assert structure.name in content
    deadline = timezone.localtime() + dt.timedelta(days=10)
    response = client.post(
        reverse("diagnostic:start", kwargs={"cohort_id": setup.cohort.pk}),
        {"booking_deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "interview_minutes": "90"},
        follow=True,
    )
    assert "Le diagnostic partagé est ouvert" in response.content.decode()
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.DIAGNOSTIC
    diagnostic = Diagnostic.objects.get(cohort=setup.cohort)
    assert diagnostic.interview_minutes == 90
    assert diagnostic.started_by == setup.officer
    assert abs(diagnostic.booking_deadline - deadline) < dt.timedelta(minutes=1)
    # the call gets its default guide and questionnaire, once
    guide = InterviewGuideItem.objects.filter(call=setup.call).count()
    questions = SelfDiagnosticQuestion.objects.filter(call=setup.call).count()
    assert "Ouvrir le diagnostic" not in response.content.decode()
    again = client.post(
        reverse("diagnostic:start", kwargs={"cohort_id": setup.cohort.pk}),
        {"interview_minutes": "90"},
        follow=True,
    )
    assert "ne peut pas passer" in again.content.decode()
    assert InterviewGuideItem.objects.filter(call=setup.call).count() == guide
    assert SelfDiagnosticQuestion.objects.filter(call=setup.call).count() == questions


def test_bad_start_form_keeps_what_was_typed(client, setup):
    sign_in(client, setup.officer)
    response = client.post(
        reverse("diagnostic:start", kwargs={"cohort_id": setup.cohort.pk}),
        {"booking_deadline": "demain", "interview_minutes": "5"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Le formulaire contient 2 erreurs" in content
    assert 'value="demain"' in content
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.FORMING


def test_officer_of_another_dla_gets_404(client, setup):
    stranger = make_user(Role.OFFICER)
    add_totp(stranger)
    sign_in(client, stranger)
    url = reverse("diagnostic:cohort", kwargs={"cohort_id": setup.cohort.pk})
    assert client.get(url).status_code == 404
    assert setup.cohort.name not in client.get(reverse("diagnostic:cohorts")).content.decode()


def test_representative_sees_only_their_structure(client, setup):
    mine, other = setup.structures[0], setup.structures[2]
    sign_in(client, setup.person(mine))
    page = client.get(reverse("diagnostic:structure", kwargs={"structure_id": mine.pk}))
    assert page.status_code == 200
    assert "pas encore ouvert" in page.content.decode()
    assert (
        client.get(reverse("diagnostic:structure", kwargs={"structure_id": other.pk})).status_code
        == 404
    )
    listing = client.get(reverse("diagnostic:mine")).content.decode()
    assert mine.name in listing and other.name not in listing
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Accompagnement collectif" in dashboard and mine.name in dashboard


def test_cohort_page_queries_do_not_grow_with_structures(client):
    small = make_cohort(applications=(1,), seed=1)
    large = make_cohort(small.call, applications=(2, 2, 1), seed=2)
    counts = []
    for setup in (small, large):
        sign_in(client, setup.officer)
        url = reverse("diagnostic:cohort", kwargs={"cohort_id": setup.cohort.pk})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
