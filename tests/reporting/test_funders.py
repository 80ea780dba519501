"""A funder reads the indicators of the published calls that name its organisation among their
funders, and nothing else; the DLA names its funders in « Gestion des appels »."""

import pytest
from django.urls import reverse

from coopess.accounts.models import OrganisationKind, Role
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, add_totp, make_seed_call, make_user
from tests.reporting.helpers import make_funder, published_dataset

pytestmark = pytest.mark.django_db

YEAR = {"annee": "2025"}


def received(html: str) -> str:
    section = html[html.index('id="indicateur-candidatures"') :]
    row = section[section.index('<th scope="row">Candidatures reçues</th>') :]
    start = row.index(">", row.index('<td class="num')) + 1
    return row[start : row.index("</td>", start)]


@pytest.fixture
def dataset(db):
    return published_dataset()


def test_a_funder_reads_only_the_calls_it_funds(client, dataset):
    other_call = make_seed_call(slug="autre-dla", edition="2099", is_published=True)
    funder = make_funder(other_call)  # funds another DLA's call, not the data set's
    sign_in(client, funder)
    response = client.get(reverse("reporting:indicators"), YEAR)
    html = response.content.decode()
    assert received(html) == "0"
    assert f'value="{other_call.pk}"' in html
    assert f'value="{dataset.call.pk}"' not in html
    # asking for the data set's call by its id is refused next to the field
    response = client.get(reverse("reporting:indicators"), {**YEAR, "appel": dataset.call.pk})
    assert response.status_code == 400
    export = client.get(reverse("reporting:export", args=["csv"]), YEAR)
    text = b"".join(export.streaming_content).decode()
    assert "Candidatures reçues;Candidatures;0" in text

    organisation = funder.organisations_for(Role.FUNDER)[0]
    dataset.call.funders.add(organisation)
    html = client.get(reverse("reporting:indicators"), {**YEAR, "appel": dataset.call.pk}).content
    html = html.decode()
    assert received(html) == "5"
    # the scope names the call's funders, on the page and in the files
    assert f"<dt>Financeurs</dt><dd>{organisation.name}</dd>" in html


def test_an_unpublished_call_stays_hidden_from_its_funders(client, dataset):
    dataset.call.__class__.objects.filter(pk=dataset.call.pk).update(is_published=False)
    sign_in(client, make_funder(dataset.call))
    html = client.get(reverse("reporting:indicators"), YEAR).content.decode()
    assert received(html) == "0"
    assert "Aucun appel ne vous est encore rattaché." in html


def test_a_funder_without_an_organisation_reads_nothing(client, dataset):
    funder = make_user(Role.FUNDER)
    add_totp(funder)
    sign_in(client, funder)
    html = client.get(reverse("reporting:indicators"), YEAR).content.decode()
    assert "Aucun appel ne vous est encore rattaché." in html
    assert received(html) == "0"


def test_the_officer_names_the_funders_in_gestion_des_appels(client, dataset):
    region = OrganisationFactory(name="Région des Pays de la Loire", kind=OrganisationKind.FUNDER)
    OrganisationFactory(name="Un autre DLA", kind=OrganisationKind.DLA_OPERATOR)
    sign_in(client, dataset.officer)
    url = reverse("gestion:calls_call_change", args=[dataset.call.pk])
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="funders"' in page
    assert "Région des Pays de la Loire" in page
    assert "Un autre DLA" not in page

    from django.test import RequestFactory

    from coopess.calls.models import Call
    from coopess.calls.officer_site import OfficerCallAdmin, officer_site

    request = RequestFactory().get(url)
    request.user = dataset.officer
    form_class = OfficerCallAdmin(Call, officer_site).get_form(request, dataset.call)
    choices = list(form_class.base_fields["funders"].queryset)
    assert choices == [region]
