"""The SIRET lookup inside the application: pre-fill, degraded mode, retry from the worker.
Answers come from recorded files: no request leaves the process."""

import json
from pathlib import Path

import httpx
import pytest
from django.urls import reverse

from coopess.applications.choices import LookupStatus
from coopess.applications.tasks import retry_structure_lookup
from coopess.structures import sirene
from tests.applications.helpers import open_call, structure_data
from tests.conftest import sign_in

RECORDED = Path(__file__).resolve().parents[1] / "structures" / "recorded"
FOUND_SIRET = "99244001600010"  # « Association Les Jardins Partagés (fictive) », Nantes

pytestmark = pytest.mark.django_db


def recorded(name: str) -> httpx.Response:
    answer = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    kwargs = {"json": answer["json"]} if "json" in answer else {"text": answer["text"]}
    return httpx.Response(answer["status_code"], **kwargs)


@pytest.fixture
def draft(client):
    from coopess.accounts.models import Role
    from coopess.applications import services
    from tests.factories import make_user

    lead = make_user(Role.APPLICANT)
    application = services.application_create(call=open_call(), by=lead)
    sign_in(client, lead)
    structure = application.structures.get(is_lead=True)
    url = reverse("applications:structure", args=[application.public_id, structure.pk])
    return application, structure, url


def lookup(client, url, siret):
    data = structure_data(
        1, siret=siret, name="", address="", commune="", postal_code="", departement=""
    )
    return client.post(url, {**data, "action": "lookup"}, follow=True)


def test_found_structure_prefills_the_form(client, draft, respx_mock):
    respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json")
    )
    _application, structure, url = draft
    response = lookup(client, url, FOUND_SIRET)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Informations trouvées dans le répertoire des entreprises" in content
    assert "Ce que dit le répertoire public" in content and "Structure de l'ESS" in content
    structure.refresh_from_db()
    assert structure.lookup_status == LookupStatus.FOUND
    assert structure.name.upper().startswith("ASSOCIATION LES JARDINS PARTAGES")
    assert structure.departement == "44"
    assert structure.commune_code == "44109"
    # still editable: the representative corrects the name
    client.post(url, {**structure_data(1, siret=FOUND_SIRET, name="Les Jardins partagés")})
    structure.refresh_from_db()
    assert structure.name == "Les Jardins partagés"


@pytest.mark.parametrize("failure", ["server_error", "timeout"])
def test_directory_down_means_degraded_mode_and_a_retry_later(
    client, draft, respx_mock, settings, failure, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    route = respx_mock.get(sirene.DEFAULT_API_URL)
    if failure == "timeout":
        route.mock(side_effect=httpx.ReadTimeout("slow"))
    else:
        route.mock(return_value=recorded("server_error.json"))
    _application, structure, url = draft
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**structure_data(1, siret=FOUND_SIRET), "action": "lookup"}, follow=True
        )
    assert "ne répond pas pour le moment" in response.content.decode()
    structure.refresh_from_db()
    assert structure.lookup_status == LookupStatus.UNAVAILABLE
    assert structure.name == "Association fictive n° 1"  # what was typed is kept
    queued = [r for r in default_task_backend.results if r.task.name == "retry_structure_lookup"]
    assert len(queued) == 1
    assert queued[0].args == [structure.pk, 1]
    assert queued[0].task.run_after is not None


def test_retry_fills_only_empty_fields_when_the_directory_answers_again(draft, respx_mock):
    _, structure, _ = draft
    structure.siret = FOUND_SIRET
    structure.name = "Nom saisi à la main"
    structure.lookup_status = LookupStatus.UNAVAILABLE
    structure.save()
    respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json")
    )
    assert retry_structure_lookup.call(structure.pk, 1) == "found"
    structure.refresh_from_db()
    assert structure.lookup_status == LookupStatus.FOUND
    assert structure.name == "Nom saisi à la main"
    assert structure.commune_code == "44109"
    assert structure.lookup_data["siret"] == FOUND_SIRET


def test_retry_gives_up_after_five_attempts(draft, respx_mock, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _, structure, _ = draft
    structure.siret = FOUND_SIRET
    structure.lookup_status = LookupStatus.UNAVAILABLE
    structure.save()
    respx_mock.get(sirene.DEFAULT_API_URL).mock(return_value=recorded("server_error.json"))
    from django_tasks import default_task_backend

    assert retry_structure_lookup.call(structure.pk, 5) == "unavailable"
    assert default_task_backend.results == []
    assert "gave up after 5 attempts" in caplog.text
