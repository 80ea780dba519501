"""The pages of the collective support, for each person, and their query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coopess.support.models import SessionStatus
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import departmental_dla, held, make_support, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return make_support(make_cohort(seed=3))


def test_officer_engagement_page_before_the_engagement(client, assert_no_invalid_variables):
    setup = make_cohort(seed=4)
    sign_in(client, setup.officer)
    response = client.get(reverse("support:cohort", kwargs={"cohort_id": setup.cohort.pk}))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert "Enregistrer la prestation" in content
    assert "Entre 3 et 4 pour cet appel." in content


def test_officer_sees_delivered_against_planned(client, support, assert_no_invalid_variables):
    first = plan(support, title="Lancement")
    plan(support, title="Formes juridiques", day=first.starts_at.date().replace(day=20))
    held(first, by=support.consultant)
    sign_in(client, support.officer)
    response = client.get(reverse("support:cohort", kwargs={"cohort_id": support.cohort.pk}))
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert "1 tenue sur 4 prévues" in content
    assert "1 planifiée" in content
    assert "2 encore à planifier" in content


def test_consultant_sees_the_engagement_without_officer_forms(
    client, support, assert_no_invalid_variables
):
    plan(support, title="Lancement")
    sign_in(client, support.consultant)
    response = client.get(reverse("support:cohort", kwargs={"cohort_id": support.cohort.pk}))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert "Lancement" in content
    assert "Enregistrer la prestation" not in content
    assert "Orientations" not in content


def test_session_page_for_the_consultant(client, support, assert_no_invalid_variables):
    session = held(plan(support), by=support.officer)
    sign_in(client, support.consultant)
    url = reverse(
        "support:session", kwargs={"cohort_id": support.cohort.pk, "session_id": session.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    assert "Déposer le livrable" in response.content.decode()


def test_representative_structure_page(client, support, assert_no_invalid_variables):
    structure = support.setup.structures[0]
    departmental_dla(support.setup.call.operator, structure.departement)
    plan(support, title="Collective")
    sign_in(client, support.setup.person(structure))
    response = client.get(reverse("support:structure", kwargs={"structure_id": structure.pk}))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert "Collective" in content
    assert "Demander un accompagnement individuel" in content


def test_officer_structure_page_and_home(client, support, assert_no_invalid_variables):
    structure = support.setup.structures[0]
    departmental_dla(support.setup.call.operator, structure.departement)
    sign_in(client, support.officer)
    response = client.get(
        reverse(
            "support:officer_structure",
            kwargs={"cohort_id": support.cohort.pk, "structure_id": structure.pk},
        )
    )
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    assert "Orienter vers DLA départemental" in response.content.decode()
    response = client.get(reverse("support:home"))
    assert_no_invalid_variables(response)
    assert reverse("support:cohort", args=[support.cohort.pk]) in response.content.decode()
    response = client.get(reverse("support:actors"))
    assert response.status_code == 200
    assert_no_invalid_variables(response)


def _grow(support, count: int):
    """Add ``count`` sessions, every other one held with attendance and a deliverable-free record."""
    engagement = support.engagement
    engagement.planned_half_days = engagement.max_half_days = 12
    engagement.save()
    sessions = []
    for index in range(count):
        session = plan(
            support,
            title=f"Séance {index}",
            day=engagement.starts_on.replace(day=2 + index),
            structure=support.setup.structures[index % 3] if index % 2 else None,
        )
        if index % 2 == 0:
            held(session, by=support.officer)
        sessions.append(session)
    return sessions


@pytest.mark.parametrize("who", ["officer", "consultant", "representative", "officer_structure"])
def test_list_pages_do_not_grow_with_sessions(client, support, django_assert_max_num_queries, who):
    structure = support.setup.structures[0]
    if who == "officer":
        user, url = support.officer, reverse("support:cohort", args=[support.cohort.pk])
    elif who == "consultant":
        user, url = support.consultant, reverse("support:cohort", args=[support.cohort.pk])
    elif who == "officer_structure":
        user = support.officer
        url = reverse("support:officer_structure", args=[support.cohort.pk, structure.pk])
    else:
        user = support.setup.person(structure)
        url = reverse("support:structure", args=[structure.pk])
    sign_in(client, user)
    _grow(support, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow_more = 6
    engagement = support.engagement
    for index in range(_grow_more):
        session = plan(
            support,
            title=f"Autre {index}",
            day=engagement.starts_on.replace(day=15 + index),
            structure=structure if index % 2 else None,
        )
        if index % 2 == 0:
            held(session, by=support.officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert SessionStatus.HELD in {s.status for s in support.engagement.sessions.all()}
