"""The cooperation self-diagnostic: questionnaire as data, draft kept as typed, sending checks
the required answers, edits allowed until the synthesis is circulated."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from coopess.diagnostic import synergy
from coopess.diagnostic.models import (
    AidField,
    QuestionKind,
    SelfDiagnostic,
    SelfDiagnosticQuestion,
    SynthesisVersion,
)
from coopess.diagnostic.services.selfdiag import (
    DEFAULT_QUESTIONS,
    choices_problem,
    feeds_problem,
    questionnaire_setup,
)
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db

DOMAIN_CODES = [code for code, _label in synergy.DOMAINS]


@pytest.fixture
def setup():
    setup = make_cohort(applications=(2, 1), status="diagnostic")
    questionnaire_setup(call=setup.call)
    return setup


def fill_url(structure) -> str:
    return reverse("diagnostic:selfdiag_fill", kwargs={"structure_id": structure.pk})


def complete_post(**overrides) -> dict:
    """A complete answer to the default questionnaire, as the browser posts it."""
    data = {f"domaines__{code}": "not_relevant" for code in DOMAIN_CODES}
    data.update(
        {
            "domaines__hr": "need",
            "domaines__admin": "resource",
            "integration": "faire_ensemble",
            "autonomie": "yes",
            "autonomie_perimetre": "Notre projet associatif.",
            "craintes": "Perdre notre identité.",
            "emplois_partages": "yes",
            "employeur": DEFAULT_QUESTIONS[6]["choices"][1],
            "essms": "no",
            "activite_commerciale": "no",
            "multi_acteurs": "no",
            "action": "send",
        }
    )
    data.update(overrides)
    return data


def test_questionnaire_setup_creates_the_default_questions_once(setup):
    questions = list(setup.call.selfdiag_questions.all())
    assert [q.code for q in questions] == [spec["code"] for spec in DEFAULT_QUESTIONS]
    feeds = {q.feeds for q in questions}
    assert {
        AidField.SHARED_DOMAINS,
        AidField.WANTS_INTEGRATION,
        AidField.KEEP_AUTONOMY,
        AidField.SHARE_STAFF,
        AidField.SECTOR_MEDICO_SOCIAL,
        AidField.COMMERCIAL_ACTIVITY,
        AidField.MULTI_STAKEHOLDER,
        AidField.BLOCKING_POINTS,
    } <= feeds
    for question in questions:  # every default question is coherent with what it feeds
        assert feeds_problem(kind=question.kind, feeds=question.feeds) == ""
        assert choices_problem(kind=question.kind, choices=question.choices) == ""
    questionnaire_setup(call=setup.call)
    assert setup.call.selfdiag_questions.count() == len(DEFAULT_QUESTIONS)


def test_questionnaire_setup_keeps_a_call_own_questions():
    setup = make_cohort(applications=(1,))
    SelfDiagnosticQuestion.objects.create(
        call=setup.call, code="q", label="Question propre", kind=QuestionKind.TEXT
    )
    questionnaire_setup(call=setup.call)
    assert list(setup.call.selfdiag_questions.values_list("code", flat=True)) == ["q"]


def test_question_checks_speak_french():
    assert "au moins deux choix" in choices_problem(kind="choice", choices=["Seul"])
    assert "liste de textes" in choices_problem(kind="choice", choices="a, b")
    assert "différents" in choices_problem(kind="choice", choices=["A", "a"])
    assert "Oui / non" in feeds_problem(kind="text", feeds=AidField.SHARE_STAFF)


def test_the_domain_matrix_is_radio_groups_not_a_table(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    page = client.get(fill_url(structure))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<table" not in content
    assert content.count('type="radio" name="domaines__') == len(DOMAIN_CODES) * 4
    assert content.count("<legend>Locaux") == 1


def test_draft_keeps_everything_typed_even_incomplete_or_too_long(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    long_text = "x" * 6000
    response = client.post(
        fill_url(structure),
        {"domaines__hr": "need", "craintes": long_text, "integration": "", "action": "draft"},
    )
    assert response.status_code == 302
    row = SelfDiagnostic.objects.get(structure=structure)
    assert row.answers == {"domaines": {"hr": "need"}, "craintes": long_text}
    assert row.submitted_at is None
    page = client.get(fill_url(structure)).content.decode()
    assert long_text in page
    assert 'value="need" required id="id_domaines__hr_0" checked' in page or (
        'value="need"' in page and "checked" in page
    )


def test_sending_checks_required_answers_with_french_messages(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    data = complete_post()
    del data["integration"]
    del data["domaines__premises"]
    data["craintes"] = "y" * 6000
    response = client.post(fill_url(structure), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Le formulaire contient 3 erreurs" in content
    assert "Choisissez une position pour ce domaine." in content
    assert "Choisissez une réponse." in content
    assert "raccourcissez-la" in content
    assert 'href="#id_integration"' in content
    # what was typed is still on the page
    assert "y" * 6000 in content
    assert not SelfDiagnostic.objects.filter(structure=structure, submitted_at__isnull=False)


def test_sending_stores_the_validated_answers(client, setup):
    structure = setup.structures[0]
    person = setup.person(structure)
    sign_in(client, person)
    response = client.post(fill_url(structure), complete_post())
    assert response.status_code == 302
    row = SelfDiagnostic.objects.get(structure=structure)
    assert row.submitted_at is not None
    assert row.updated_by == person
    assert row.cohort == setup.cohort
    assert row.answers["domaines"]["hr"] == "need"
    assert set(row.answers["domaines"]) == set(DOMAIN_CODES)
    assert row.answers["integration"] == "faire_ensemble"
    # after sending, the structure may still edit and send again
    response = client.post(fill_url(structure), complete_post(integration="faire_corps"))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.answers["integration"] == "faire_corps"
    # a draft after sending takes it back out of the map, and says so
    response = client.post(fill_url(structure), complete_post(action="draft"), follow=True)
    assert "repasse en brouillon" in response.content.decode()
    row.refresh_from_db()
    assert row.submitted_at is None


def test_an_invalid_choice_is_refused_when_sending(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    response = client.post(fill_url(structure), complete_post(employeur="Quelqu'un d'autre"))
    assert response.status_code == 400
    assert "Choisissez une des réponses proposées." in response.content.decode()


def test_no_edit_once_the_synthesis_is_circulated(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    client.post(fill_url(structure), complete_post())
    SynthesisVersion.objects.create(
        cohort=setup.cohort, number=1, status="circulating", circulated_at=timezone.now()
    )
    page = client.get(fill_url(structure)).content.decode()
    assert "ne peut plus être modifié" in page
    assert "Envoyer l'autodiagnostic" not in page
    response = client.post(fill_url(structure), complete_post(integration="faire_corps"))
    assert response.status_code == 302
    row = SelfDiagnostic.objects.get(structure=structure)
    assert row.answers["integration"] == "faire_ensemble"


def test_a_representative_fills_only_their_own_structure(client, setup):
    mine, other = setup.structures[0], setup.structures[2]
    sign_in(client, setup.person(mine))
    assert client.get(fill_url(other)).status_code == 404
    assert client.post(fill_url(other), complete_post()).status_code == 404
    assert not SelfDiagnostic.objects.filter(structure=other).exists()


def test_not_before_the_diagnostic_opens(client):
    setup = make_cohort(applications=(1,))
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    assert client.get(fill_url(structure)).status_code == 404


def test_a_call_with_its_own_questions_gets_its_own_form(client):
    setup = make_cohort(applications=(1,), status="diagnostic")
    SelfDiagnosticQuestion.objects.create(
        call=setup.call,
        position=1,
        code="salaries",
        label="Partager des salariés ?",
        kind=QuestionKind.YES_NO,
        feeds=AidField.SHARE_STAFF,
    )
    SelfDiagnosticQuestion.objects.create(
        call=setup.call,
        position=2,
        code="statut",
        label="Votre statut",
        kind=QuestionKind.CHOICE,
        choices=["Association", "Coopérative"],
        required=False,
    )
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    page = client.get(fill_url(structure)).content.decode()
    assert "Partager des salariés ?" in page and "Coopérative" in page
    assert "domaines__" not in page
    response = client.post(fill_url(structure), {"salaries": "yes", "action": "send"})
    assert response.status_code == 302
    assert SelfDiagnostic.objects.get(structure=structure).answers == {"salaries": "yes"}


def test_officer_reads_the_answers_of_a_structure_of_their_cohort(client, setup):
    structure = setup.structures[1]
    sign_in(client, setup.person(structure))
    client.post(fill_url(structure), complete_post(craintes="Crainte <b>forte</b>"))
    sign_in(client, setup.officer)
    url = reverse(
        "diagnostic:selfdiag_answers",
        kwargs={"cohort_id": setup.cohort.pk, "structure_id": structure.pk},
    )
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Crainte &lt;b&gt;forte&lt;/b&gt;" in content
    assert "Ressources humaines et emplois partagés : Besoin" in content
    other = make_cohort(setup.call, applications=(1,), seed=5, status="diagnostic")
    stranger = reverse(
        "diagnostic:selfdiag_answers",
        kwargs={"cohort_id": setup.cohort.pk, "structure_id": other.structures[0].pk},
    )
    assert client.get(stranger).status_code == 404


def test_panels_on_the_hub_pages(client, setup):
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    client.post(fill_url(structure), complete_post())
    page = client.get(reverse("diagnostic:structure", kwargs={"structure_id": structure.pk}))
    assert "Modifier l'autodiagnostic" in page.content.decode()
    sign_in(client, setup.officer)
    page = client.get(reverse("diagnostic:cohort", kwargs={"cohort_id": setup.cohort.pk}))
    content = page.content.decode()
    assert "1 autodiagnostic envoyé sur 3" in content
    assert reverse("diagnostic:synergy", kwargs={"cohort_id": setup.cohort.pk}) in content


def test_gestion_des_appels_checks_choices_and_feeds(setup):
    from coopess.diagnostic.officer_site import SelfDiagnosticQuestionForm

    base = {"position": 1, "code": "q", "label": "Question", "help_text": "", "required": "on"}
    form = SelfDiagnosticQuestionForm(
        data={**base, "kind": "choice", "choices": '["Seul"]', "feeds": ""}
    )
    assert not form.is_valid()
    assert "au moins deux choix" in form.errors["choices"][0]
    form = SelfDiagnosticQuestionForm(
        data={**base, "kind": "text", "choices": "[]", "feeds": "share_staff"}
    )
    assert not form.is_valid()
    assert "Oui / non" in form.errors["feeds"][0]
    form = SelfDiagnosticQuestionForm(
        data={**base, "kind": "yes_no", "choices": "[]", "feeds": "share_staff"}
    )
    assert form.is_valid(), form.errors


def test_the_questionnaire_is_editable_in_gestion_des_appels(client, setup):
    sign_in(client, setup.officer)
    url = reverse("gestion:calls_call_change", args=[setup.call.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode().lower()
    assert "questions de l&#x27;autodiagnostic" in content
    assert "pour chaque domaine de partage" in content
