"""The DLA's commentary for a year: written by its officers, read with that year's indicators on
the page and in the annual PDF, by the officers and the funders of its calls."""

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.reporting.models import ActivityNote
from tests.conftest import sign_in
from tests.factories import add_totp, make_seed_call, make_user
from tests.reporting.helpers import make_funder, pdf_text, published_dataset

pytestmark = pytest.mark.django_db

TEXT = "Une année **riche** :\n\n- cinq structures accompagnées\n- un atelier très suivi"


@pytest.fixture
def dataset(db):
    return published_dataset()


def test_the_officer_writes_the_years_commentary_and_the_funder_reads_it(client, dataset):
    sign_in(client, dataset.officer)
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert "Aucun commentaire pour 2025." in page
    url = reverse("reporting:note", args=[2025])
    assert f'href="{url}">Écrire le commentaire 2025</a>' in page

    response = client.post(url, {"text": TEXT})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:indicators") + "?annee=2025#commentaire"
    note = ActivityNote.objects.get()
    assert (note.operator, note.year, note.updated_by) == (
        dataset.call.operator,
        2025,
        dataset.officer,
    )
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert "Une année <strong>riche</strong> :" in page
    assert "<li>un atelier très suivi</li>" in page
    assert "Commentaire 2025 enregistré." in page
    # another year, or the whole history: no commentary
    assert (
        "riche"
        not in client.get(reverse("reporting:indicators"), {"annee": "2024"}).content.decode()
    )
    assert "riche" not in client.get(reverse("reporting:indicators")).content.decode()
    # the form shows what is saved, for a change
    assert "un atelier très suivi" in client.get(url).content.decode()

    client.logout()
    sign_in(client, make_funder(dataset.call))
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert "Une année <strong>riche</strong> :" in page
    assert "Écrire le commentaire" not in page and "Modifier le commentaire" not in page
    pdf = client.get(reverse("reporting:annual_report"), {"annee": "2025"})
    text = pdf_text(pdf)
    assert "Faits marquants et commentaire du DLA" in text
    assert "un atelier très suivi" in text
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "pirate"}).status_code == 404
    assert ActivityNote.objects.get().text == TEXT


def test_a_too_long_commentary_is_refused_and_kept(client, dataset):
    sign_in(client, dataset.officer)
    long_text = "Texte à garder. " + "x" * 6000
    response = client.post(reverse("reporting:note", args=[2025]), {"text": long_text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le commentaire ne peut pas dépasser 6\u202f000 caractères (il en compte 6016)" in html
    assert "Texte à garder. xxxx" in html
    assert not ActivityNote.objects.exists()


def test_markup_is_escaped(client, dataset):
    sign_in(client, dataset.officer)
    client.post(reverse("reporting:note", args=[2025]), {"text": '<script>alert("x")</script> ok'})
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "ok" in page


def test_each_dla_reads_and_writes_its_own(client, dataset):
    other_call = make_seed_call(slug="autre-dla", edition="2099", is_published=True)
    ActivityNote.objects.create(
        operator=other_call.operator, year=2025, text="Commentaire d'ailleurs"
    )
    sign_in(client, dataset.officer)
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert "Commentaire d'ailleurs" not in page
    client.post(reverse("reporting:note", args=[2025]), {"text": "Le nôtre"})
    assert ActivityNote.objects.get(operator=other_call.operator).text == "Commentaire d'ailleurs"
    client.logout()
    sign_in(client, make_funder(other_call))
    page = client.get(reverse("reporting:indicators"), {"annee": "2025"}).content.decode()
    assert "<p>Commentaire d'ailleurs</p>" in page
    assert "Le nôtre" not in page


def test_only_officers_and_sensible_years(client, dataset):
    sign_in(client, dataset.officer)
    assert client.get(reverse("reporting:note", args=[1999])).status_code == 404
    assert client.get(reverse("reporting:note", args=[2999])).status_code == 404
    for role in (Role.APPLICANT, Role.REVIEWER, Role.CONSULTANT, Role.ADMIN):
        user = make_user(role)
        add_totp(user)
        client.logout()
        sign_in(client, user)
        assert client.get(reverse("reporting:note", args=[2025])).status_code == 404
