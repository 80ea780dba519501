"""The providers' directory: SIRET looked up in the public company directory as for the
applications (recorded answers, only the HTTP is mocked), a closed establishment refused next
to the field, an API failure that never blocks and is retried from the worker; past
engagements with their attendance and the DLA's satisfaction, in a constant number of
queries."""

import copy
import datetime as dt
import json
from decimal import Decimal
from html import unescape
from pathlib import Path

import httpx
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.competition.models import EngagementReview, LookupStatus, Provider
from coopess.competition.services import consultation as services
from coopess.competition.tasks import retry_provider_lookup
from coopess.structures import sirene
from coopess.support.models import Attendance, SessionStatus
from tests.competition.helpers import make_consultation, make_provider, send, submit
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user
from tests.support.helpers import PERIOD, SupportSetup, held, make_support, plan

RECORDED = Path(__file__).resolve().parents[1] / "structures" / "recorded"
FOUND_SIRET = "99244001600010"  # « Association Les Jardins Partagés (fictive) », Nantes

pytestmark = pytest.mark.django_db


def recorded(name: str, *, closed: bool = False) -> httpx.Response:
    answer = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    if closed:  # the same establishment, closed since (état administratif « F »)
        answer = copy.deepcopy(answer)
        for unit in answer["json"]["results"]:
            for establishment in [unit["siege"], *(unit.get("matching_etablissements") or [])]:
                establishment["etat_administratif"] = "F"
    kwargs = {"json": answer["json"]} if "json" in answer else {"text": answer["text"]}
    return httpx.Response(answer["status_code"], **kwargs)


@pytest.fixture
def setup():
    return make_cohort(seed=21)


@pytest.fixture
def officer_client(client, setup):
    sign_in(client, setup.officer)
    return client


def provider_data(**fields) -> dict:
    return {
        "name": "Cabinet Jardins",
        "siret": FOUND_SIRET,
        "expertise": "gouvernance",
        "departements": "44",
        "contact_name": "Camille Conseil",
        "email": "camille@jardins.example.org",
        "phone": "",
        **fields,
    }


def test_found_siret_is_recorded_with_its_address(officer_client, setup, respx_mock):
    route = respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json")
    )
    response = officer_client.post(
        reverse("competition:providers"), provider_data(name=""), follow=True
    )
    content = unescape(response.content.decode())
    assert route.called
    assert "SIRET vérifié dans le répertoire des entreprises : établissement actif" in content
    provider = Provider.objects.get(siret=FOUND_SIRET)
    assert provider.lookup_status == LookupStatus.FOUND
    assert provider.name.startswith("ASSOCIATION LES JARDINS PARTAGES")  # left empty: filled
    assert provider.address == "12 RUE DES JARDINIERS 44000 NANTES"
    assert provider.lookup_data["commune_code"] == "44109"
    assert provider.lookup_checked_at is not None


def test_closed_establishment_is_refused_next_to_the_field(officer_client, setup, respx_mock):
    respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json", closed=True)
    )
    response = officer_client.post(reverse("competition:providers"), provider_data())
    assert response.status_code == 400
    content = unescape(response.content.decode())
    assert "cet établissement est fermé" in content
    assert 'id="id_siret_error"' in content
    error_slot = content.split('id="id_siret_error"')[1].split("</div>")[0]
    assert "fermé" in error_slot
    assert "camille@jardins.example.org" in content  # nothing typed is lost
    assert not Provider.objects.filter(siret=FOUND_SIRET).exists()


@pytest.mark.parametrize("failure", ["server_error", "timeout"])
def test_directory_down_never_blocks_and_is_retried(
    officer_client, setup, respx_mock, settings, failure, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    route = respx_mock.get(sirene.DEFAULT_API_URL)
    if failure == "timeout":
        route.mock(side_effect=httpx.ReadTimeout("slow"))
    else:
        route.mock(return_value=recorded("server_error.json"))
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("competition:providers"), provider_data(), follow=True
        )
    content = unescape(response.content.decode())
    assert "le SIRET n'a pas pu être vérifié" in content
    provider = Provider.objects.get(siret=FOUND_SIRET)
    assert provider.name == "Cabinet Jardins"
    assert provider.lookup_status == LookupStatus.UNAVAILABLE
    queued = [r for r in default_task_backend.results if r.task.name == "retry_provider_lookup"]
    assert len(queued) == 1 and queued[0].args == [provider.pk, 1]
    assert queued[0].task.run_after is not None


def test_retry_records_the_answer_and_keeps_the_name_typed(setup, respx_mock):
    provider = make_provider(
        setup.call.operator, 1, siret=FOUND_SIRET, lookup_status=LookupStatus.UNAVAILABLE
    )
    respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json", closed=True)
    )
    assert retry_provider_lookup.call(provider.pk, 1) == LookupStatus.CLOSED
    provider.refresh_from_db()
    assert provider.lookup_status == LookupStatus.CLOSED
    assert provider.name == "Cabinet fictif n°1"
    assert retry_provider_lookup.call(provider.pk, 1) == "skipped"


def test_retry_gives_up_after_five_attempts(setup, respx_mock, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    provider = make_provider(
        setup.call.operator, 1, siret=FOUND_SIRET, lookup_status=LookupStatus.UNAVAILABLE
    )
    respx_mock.get(sirene.DEFAULT_API_URL).mock(return_value=recorded("server_error.json"))
    from django_tasks import default_task_backend

    assert retry_provider_lookup.call(provider.pk, 5) == LookupStatus.UNAVAILABLE
    assert default_task_backend.results == []
    assert "gave up after 5 attempts" in caplog.text


def test_edit_looks_the_siret_up_again(officer_client, setup, respx_mock):
    provider = make_provider(setup.call.operator, 1)
    respx_mock.get(sirene.DEFAULT_API_URL).mock(return_value=recorded("not_found.json"))
    url = reverse("competition:provider_edit", args=[provider.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(
        url, provider_data(siret=FOUND_SIRET, name="Nouveau nom"), follow=True
    )
    assert "Aucun établissement ne correspond à ce SIRET" in unescape(response.content.decode())
    provider.refresh_from_db()
    assert (provider.name, provider.siret) == ("Nouveau nom", FOUND_SIRET)
    assert provider.lookup_status == LookupStatus.NOT_FOUND


def test_edit_refuses_a_siret_already_in_the_directory(officer_client, setup, respx_mock):
    first, second = make_provider(setup.call.operator, 1), make_provider(setup.call.operator, 2)
    url = reverse("competition:provider_edit", args=[second.pk])
    response = officer_client.post(url, provider_data(siret=first.siret, name="Autre"))
    assert response.status_code == 400
    assert "déjà dans l'annuaire" in unescape(response.content.decode())
    assert not respx_mock.calls  # refused before asking the directory
    second.refresh_from_db()
    assert second.name == "Cabinet fictif n°2"


def test_another_dla_officer_cannot_edit_or_review(client, setup):
    provider = make_provider(setup.call.operator, 1)
    support = make_support(setup)
    other = make_user(Role.OFFICER)
    add_totp(other)
    sign_in(client, other)
    assert client.get(reverse("competition:provider_edit", args=[provider.pk])).status_code == 404
    response = client.post(
        reverse("competition:engagement_review", args=[support.engagement.pk]),
        {"satisfaction": "5"},
    )
    assert response.status_code == 404
    assert not EngagementReview.objects.exists()


def _chosen_engagement(setup):
    """A consultation of three providers whose first is chosen (over the support's period)."""
    from coopess.support.services.engagement import support_settings_for

    bounds = support_settings_for(setup.call)
    bounds.period_starts_on, bounds.period_ends_on = PERIOD
    bounds.save()
    consultation = send(setup, make_consultation(setup, days=1))
    for consulted in consultation.consulted.all():
        submit(consulted, price="1000")
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        services.consultation_close(consultation=consultation, by=setup.officer)
    proposal = consultation.proposals.order_by("pk").first()
    engagement = services.proposal_choose(
        proposal=proposal,
        by=setup.officer,
        justification="Meilleure méthode.",
        starts_on=PERIOD[0],
        ends_on=PERIOD[1],
    )
    return proposal.consulted.provider, engagement


def test_past_engagements_with_attendance_and_satisfaction(
    officer_client, setup, assert_no_invalid_variables
):
    from coopess.support.services.sessions import concerned_representatives

    provider, engagement = _chosen_engagement(setup)
    support = SupportSetup(setup=setup, engagement=engagement, consultant=setup.officer)
    session = plan(support)
    first = concerned_representatives(session)[0]
    session = held(session, by=setup.officer, present={first.pk})
    attendances = list(Attendance.objects.filter(session=session))
    assert len(attendances) > 1
    present = sum(a.present for a in attendances)
    assert present == 1
    url = reverse("competition:providers")
    response = officer_client.post(
        reverse("competition:engagement_review", args=[engagement.pk]),
        {"satisfaction": "4", "comment": "Séances bien préparées."},
        follow=True,
    )
    assert "Satisfaction enregistrée" in unescape(response.content.decode())
    response = officer_client.get(url)
    assert_no_invalid_variables(response)
    content = unescape(response.content.decode())
    assert f"Prestations passées de {provider.name}" in content
    assert f"{round(present / len(attendances) * 100)} %" in content
    assert "4,0 sur 5" in content and "Séances bien préparées." in content
    assert session.status == SessionStatus.HELD


def _answered(cohort, marks, offset=6, status=None):
    """One answered follow-up per structure of ``cohort`` with these satisfaction marks (« »:
    the structure did not say)."""
    from coopess.diagnostic.permissions import cohort_structures
    from coopess.followups.models import FollowUp, FollowUpStatus

    for structure, mark in zip(cohort_structures(cohort), marks, strict=False):
        FollowUp.objects.create(
            cohort=cohort,
            structure=structure,
            offset_months=offset,
            due_on=PERIOD[1],
            status=status or FollowUpStatus.ANSWERED,
            sent_on=PERIOD[1],
            answered_at=timezone.now(),
            answers={"q_satisfaction": mark, "q_satisfaction_comment": f"Avis {mark}"},
        )


def test_the_structures_satisfaction_is_an_average_and_a_count(officer_client, setup):
    from coopess.followups.models import FollowUp, FollowUpStatus

    support = make_support(setup)
    make_provider(setup.call.operator, 1, name=support.engagement.firm.name)
    url = reverse("competition:providers")
    content = unescape(officer_client.get(url).content.decode())
    assert "Satisfaction des structures" in content and "aucune réponse" in content
    _answered(setup.cohort, ["4", "5", "4"])
    # at 1 year, the first structure changed its mind (its latest mark counts), the second
    # did not say (its 6-month mark counts), the third has not answered yet
    _answered(setup.cohort, ["3", ""], offset=12)
    FollowUp.objects.filter(cohort=setup.cohort, offset_months=12).update(
        answered_at=timezone.now() + dt.timedelta(days=180)
    )
    content = unescape(officer_client.get(url).content.decode())
    assert content.count("4,0/5 (3 réponses)") == 2  # the engagement's line and the provider's
    assert "Avis" not in content  # never one structure's comment
    FollowUp.objects.filter(cohort=setup.cohort, offset_months=12).update(
        status=FollowUpStatus.OVERDUE, overdue_on=PERIOD[1], answered_at=None
    )  # not answered: left out
    content = unescape(officer_client.get(url).content.decode())
    assert "4,3/5 (3 réponses)" in content


def test_a_wrong_satisfaction_answers_next_to_the_field(officer_client, setup):
    support = make_support(setup)
    make_provider(setup.call.operator, 1, name=support.engagement.firm.name)
    response = officer_client.post(
        reverse("competition:engagement_review", args=[support.engagement.pk]),
        {"satisfaction": "9", "comment": "Texte gardé"},
    )
    assert response.status_code == 400
    content = unescape(response.content.decode())
    assert "Texte gardé" in content
    assert "Sélectionnez un choix valide" in content or "de 1 à 5" in content
    assert not EngagementReview.objects.exists()


def test_firm_name_matches_an_engagement_made_without_consultation(officer_client, setup):
    support = make_support(setup)
    provider = make_provider(setup.call.operator, 1, name=support.engagement.firm.name)
    other = make_provider(setup.call.operator, 2)
    from coopess.competition.directory import past_engagements

    records = past_engagements([provider, other])
    assert [p.engagement for p in records[provider.pk].engagements] == [support.engagement]
    assert records[other.pk].engagements == []


def test_directory_queries_do_not_grow_with_providers(
    officer_client, setup, django_assert_num_queries
):
    _provider, engagement = _chosen_engagement(setup)
    EngagementReview.objects.create(engagement=engagement, satisfaction=5)
    url = reverse("competition:providers")
    # the providers with their consultations (prefetched) and the past engagements of all of
    # them in one query (attendance counted, reviews joined); + 1 since the structures'
    # satisfaction: their answered follow-ups of every engagement's cohort, in one query
    _answered(engagement.cohort, ["4"])
    with django_assert_num_queries(9) as captured:
        officer_client.get(url)
    count = len(captured)
    second = make_cohort(setup.call, seed=22)
    for index in range(3):
        make_provider(setup.call.operator, 60 + index)
    make_support(second)  # a firm-named engagement of another provider
    _answered(second.cohort, ["5", "3", "2"])
    make_provider(setup.call.operator, 70, name=second.cohort.engagement.firm.name)
    with django_assert_num_queries(count):
        response = officer_client.get(url)
    assert response.content.decode().count("Prestations passées de") == 2
    assert Decimal(engagement.budget) > 0


def test_demo_directory_shows_the_2023_engagement(client):
    from coopess.common.demo import demo_load
    from coopess.support.demo import FIRM_NAME, OFFICER_EMAIL

    demo_load()
    demo_load()  # idempotent
    assert EngagementReview.objects.count() == 1
    sign_in(client, User.objects.get(email=OFFICER_EMAIL))
    content = unescape(client.get(reverse("competition:providers")).content.decode())
    assert f"Prestations passées de {FIRM_NAME}" in content
    assert "4,0 sur 5" in content
    # the structures' marks, from their 2023 follow-ups: each structure's latest one
    assert "4,3/5 (3 réponses)" in content


def test_empty_name_the_directory_cannot_give_is_asked_for(officer_client, setup, respx_mock):
    respx_mock.get(sirene.DEFAULT_API_URL).mock(return_value=recorded("not_found.json"))
    response = officer_client.post(reverse("competition:providers"), provider_data(name=""))
    assert response.status_code == 400
    content = unescape(response.content.decode())
    error_slot = content.split('id="id_name_error"')[1].split("</div>")[0]
    assert "Indiquez la raison sociale" in error_slot
    assert "camille@jardins.example.org" in content
    assert not Provider.objects.filter(siret=FOUND_SIRET).exists()
