"""A consultant sees only the cohorts of their engagements and nothing of selection or
interviews; a structure never sees another structure's individual sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coopess.diagnostic.models import Interview, InterviewGuideItem, InterviewNote
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import make_seed_call
from tests.support.helpers import held, make_support, plan
from tests.urls import all_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return make_support(make_cohort(seed=51))


def test_consultant_sees_only_the_cohorts_of_their_engagements(client, support):
    other = make_support(
        make_cohort(support.setup.call, seed=52), consultant_email="autre@example.org"
    )
    other_session = plan(other)
    sign_in(client, support.consultant)
    assert client.get(reverse("support:cohort", args=[support.cohort.pk])).status_code == 200
    assert client.get(reverse("support:cohort", args=[other.cohort.pk])).status_code == 404
    assert (
        client.get(reverse("support:session", args=[other.cohort.pk, other_session.pk])).status_code
        == 404
    )
    # a session of the other cohort under this consultant's cohort is not found either
    assert (
        client.get(
            reverse("support:session", args=[support.cohort.pk, other_session.pk])
        ).status_code
        == 404
    )
    home = client.get(reverse("support:home")).content.decode()
    assert reverse("support:cohort", args=[support.cohort.pk]) in home
    assert reverse("support:cohort", args=[other.cohort.pk]) not in home


def test_consultant_cannot_manage_the_engagement(client, support):
    sign_in(client, support.consultant)
    for name in ("support:engagement", "support:settings", "support:consultant_add",
                 "support:referral_add"):  # fmt: skip
        response = client.post(reverse(name, args=[support.cohort.pk]), {})
        assert response.status_code == 404, name
    assert client.get(reverse("support:actors")).status_code == 404


def _kwargs(route, *, support, interview, application):
    structure = support.setup.structures[0]
    values = {
        "cohort_id": support.cohort.pk,
        "structure_id": structure.pk,
        "interview_id": interview.pk,
        "public_id": application.public_id,
        "slug": support.setup.call.slug,
        "fmt": "csv",
        "result_id": 1,
        "attachment_id": "00000000-0000-0000-0000-000000000000",
    }
    return {name: values.get(name, 1) for name in route.converters}


def test_no_selection_nor_diagnostic_url_answers_200_to_a_consultant(client, support):
    """Every page of selection and of the diagnostic (interviews and their notes included)
    refuses the consultant engaged on this very cohort."""
    structure = support.setup.structures[0]
    interview = Interview.objects.create(
        cohort=support.cohort, officer=support.officer, structure=structure,
        booked_at=support.cohort.created_at, starts_at=support.cohort.created_at,
        ends_at=support.cohort.created_at + dt.timedelta(days=365),
        mode="remote", link="https://visio.example.org/x", private_notes="Confidentiel",
    )  # fmt: skip
    item = InterviewGuideItem.objects.create(call=support.setup.call, label="Attentes")
    InterviewNote.objects.create(interview=interview, item=item, text="Note confidentielle")
    application = structure.application
    sign_in(client, support.consultant)
    checked = []
    for route in all_routes():
        if not route.name.startswith(("selection:", "diagnostic:")):
            continue
        url = reverse(route.name, kwargs=_kwargs(route, support=support, interview=interview,
                                                 application=application))  # fmt: skip
        response = client.get(url)
        if route.name == "diagnostic:mine":  # the structures *they* represent: none
            assert structure.name not in response.content.decode()
            continue
        assert response.status_code != 200, f"{route.name} answers 200 to a consultant"
        assert b"Note confidentielle" not in response.content
        checked.append(route.name)
    assert "diagnostic:cohort" in checked and "selection:application" in checked


def test_a_structure_never_sees_another_structures_individual_session(client, support):
    mine, other = support.setup.structures[0], support.setup.structures[1]
    plan(support, title="Séance collective", day=support.engagement.starts_on.replace(day=2))
    held(plan(support, structure=other, title="Séance individuelle secrète",
              day=support.engagement.starts_on.replace(day=3)), by=support.consultant)  # fmt: skip
    plan(
        support,
        structure=mine,
        title="Notre séance",
        day=support.engagement.starts_on.replace(day=4),
    )
    sign_in(client, support.setup.person(mine))
    content = client.get(reverse("support:structure", args=[mine.pk])).content.decode()
    assert "Séance collective" in content and "Notre séance" in content
    assert "Séance individuelle secrète" not in content
    # nor the other structure's page, nor the team's pages
    assert client.get(reverse("support:structure", args=[other.pk])).status_code == 404
    assert client.get(reverse("support:cohort", args=[support.cohort.pk])).status_code == 404


def test_representatives_see_only_their_referrals(client, support):
    from tests.support.helpers import departmental_dla

    mine, other = support.setup.structures[0], support.setup.structures[1]
    departmental_dla(support.setup.call.operator, other.departement)
    from coopess.support.services.referrals import referral_to_departmental_dla

    referral_to_departmental_dla(structure=other, by=support.officer)
    sign_in(client, support.setup.person(mine))
    content = client.get(reverse("support:structure", args=[mine.pk])).content.decode()
    assert other.name not in content


def test_officer_of_another_dla_gets_404(client, support):
    stranger = make_cohort(make_seed_call(), seed=53).officer
    sign_in(client, stranger)
    assert client.get(reverse("support:cohort", args=[support.cohort.pk])).status_code == 404


def test_calendar_files_follow_the_same_rules(client, support):
    import icalendar

    mine, other = support.setup.structures[0], support.setup.structures[1]
    collective = plan(support, title="Collective", day=support.engagement.starts_on.replace(day=2))
    theirs = plan(support, structure=other, day=support.engagement.starts_on.replace(day=3))
    sign_in(client, support.setup.person(mine))
    response = client.get(reverse("support:structure_session_ics", args=[mine.pk, collective.pk]))
    assert response.status_code == 200
    event = next(c for c in icalendar.Calendar.from_ical(response.content).walk("VEVENT"))
    assert str(event["uid"]) == f"{collective.uid}@coopess"
    assert (
        client.get(reverse("support:structure_session_ics", args=[mine.pk, theirs.pk])).status_code
        == 404
    )
    sign_in(client, support.consultant)
    response = client.get(reverse("support:session_ics", args=[support.cohort.pk, theirs.pk]))
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.content
