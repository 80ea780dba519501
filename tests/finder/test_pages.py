"""The partner finder's pages, through the client."""

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.finder.models import ContactRequest, FinderProfile, Shown
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.factories import add_totp, make_user
from tests.finder.helpers import applicant_structure, consent, representative

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return open_call()


def test_consent_form_default_off_then_saved(client, call, assert_no_invalid_variables):
    structure = applicant_structure(call, "Atelier Vert")
    sign_in(client, representative(structure))
    url = reverse("finder:consent", args=[structure.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    assert "checked" not in response.content.decode().split('name="shown"')[1][:200]
    response = client.post(
        url,
        {
            "audience": "everyone",
            "shown": [Shown.DOMAINS, Shown.TERRITORY],
            "needs": ["admin"],
            "duration_months": "12",
        },
    )
    assert response.status_code == 302
    profile = FinderProfile.objects.get(structure=structure)
    assert profile.needs == ["admin"] and profile.departement == "44"


def test_bad_input_keeps_what_was_typed(client, call):
    structure = applicant_structure(call, "Atelier Vert")
    sign_in(client, representative(structure))
    response = client.post(
        reverse("finder:consent", args=[structure.pk]),
        {
            "audience": "everyone",
            "shown": [Shown.DOMAINS, Shown.PITCH],
            "needs": ["admin"],
            "resources": ["admin"],
            "pitch": "Notre texte tapé",
            "duration_months": "7",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "à la fois un besoin et une ressource" in content
    assert "Sélectionnez un choix valide" in content
    assert "Notre texte tapé" in content
    assert not FinderProfile.objects.exists()


def test_search_contact_accept_and_joint_application(client, call, django_assert_max_num_queries):
    seeker = consent(applicant_structure(call, "Cherche Paie"), needs=["admin"])
    target = consent(applicant_structure(call, "Paie Solidaire"), resources=["admin"])
    for index in range(15):
        consent(applicant_structure(call, f"Autre {index}"), resources=["admin", "it"])
    applicant_structure(call, "Structure muette")
    asker = representative(seeker.structure)
    sign_in(client, asker)
    url = reverse("finder:search", args=[seeker.structure_id])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    content = response.content.decode()
    assert "Paie Solidaire" in content and "Structure muette" not in content
    assert "dont vous manquez" in content
    response = client.post(
        reverse("finder:contact", args=[seeker.structure_id, target.pk]), {"message": ""}
    )
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(
        reverse("finder:contact", args=[seeker.structure_id, target.pk]),
        {"message": "Bonjour, parlons paie."},
    )
    request = ContactRequest.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("finder:request", args=[request.pk])).content.decode()
    answerer = representative(target.structure)
    assert answerer.email not in page  # nothing disclosed before acceptance

    client.force_login(answerer)
    client.post(reverse("finder:request_answer", args=[request.pk]), {"decision": "accept"})
    client.force_login(asker)
    page = client.get(reverse("finder:request", args=[request.pk])).content.decode()
    assert "Coordonnées de l'autre structure" in page
    response = client.post(
        reverse("finder:joint_application", args=[request.pk]), {"call": str(call.pk)}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.joint_application.structures.count() == 2


def test_search_without_own_consent_explains(client, call):
    structure = applicant_structure(call, "Sans accord")
    sign_in(client, representative(structure))
    response = client.get(reverse("finder:search", args=[structure.pk]))
    assert "doit elle aussi accepter" in response.content.decode()


def test_officer_suggestions_and_introduction(client, call, django_assert_max_num_queries):
    officer = make_user(Role.OFFICER, organisation=call.operator)
    add_totp(officer)
    first = consent(applicant_structure(call, "Cherche Paie"), needs=["admin"])
    second = consent(
        applicant_structure(call, "Paie Solidaire"), resources=["admin"], audience="officers"
    )
    for index in range(10):
        consent(applicant_structure(call, f"Autre {index}"), resources=["it"], needs=["hr"])
    applicant_structure(call, "Structure muette", shared_domains=["admin"])
    other_dla = consent(
        applicant_structure(open_call(slug="autre-appel"), "Ailleurs"), resources=["admin"]
    )
    sign_in(client, officer)
    client.get(reverse("finder:officer"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("finder:officer"))
    content = response.content.decode()
    assert "Cherche Paie" in content and "Paie Solidaire" in content
    assert "Structure muette" not in content and "Ailleurs" not in content
    response = client.get(reverse("finder:officer") + f"?profil={other_dla.pk}")
    assert response.status_code == 404
    response = client.post(
        reverse("finder:introduce"), {"first": first.pk, "second": second.pk, "message": "Voyez"}
    )
    assert response.status_code == 302
    assert ContactRequest.objects.get().introduced_by == officer
    counts = client.get(reverse("finder:counts")).content.decode()
    assert "Mises en relation proposées par le DLA</th><td>1</td>" in counts


def test_home_lists_structures_and_requests_in_constant_queries(
    client, call, django_assert_max_num_queries
):

    user = make_user(Role.APPLICANT)
    structures = [applicant_structure(call, f"Structure {i}", user=user) for i in range(6)]
    for structure in structures[:3]:
        consent(structure, needs=["admin"])
    other = consent(applicant_structure(call, "Autre"), resources=["admin"])
    from coopess.finder import services

    services.contact_request(seeker=structures[0].finder_profile, target=other, by=user)
    sign_in(client, user)
    client.get(reverse("finder:home"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("finder:home"))
    content = response.content.decode()
    assert "Structure 5" in content and "Non visible (aucun accord donné)" in content
    assert "Structure 0 et Autre" in content
