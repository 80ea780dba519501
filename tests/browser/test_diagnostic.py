"""The shared diagnostic in a real browser.

A representative, on a phone-size screen, opens their structure page, books an interview slot
the officer published, fills and sends the self-diagnostic (first with a required answer
missing: the French error stands next to the question and what was typed is kept) and reads the
synergy map. The officer opens the cohort page, the interview list and record, the synergy map
and the decision aid, and records the interview. Every page visited is scanned with axe-core
(no serious or critical violation).

Fixtures and the browser marker come from tests/browser/conftest.py (skipped on a laptop
without Chromium, failed in CI).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coopess.calls.calendar import PARIS
from coopess.diagnostic import synergy
from coopess.diagnostic.forms.interviews import slot_label
from coopess.diagnostic.models import Interview, InterviewNote, Mode, SelfDiagnostic
from coopess.diagnostic.services.cohort import diagnostic_start
from coopess.diagnostic.services.interviews import Place, interview_book, slots_publish
from coopess.diagnostic.services.selfdiag import selfdiag_submit
from tests.browser.test_committee import signed_in_page
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db(transaction=True)

FEARS = "Perdre notre identité associative"
EXPECTATIONS = "Mutualiser la paie avec les autres structures"


def complete_answers(positions: dict[str, str]) -> dict:
    """Every required answer of the default questionnaire; domains not named: « sans objet »."""
    return {
        "domaines": {
            code: positions.get(code, synergy.Position.NOT_RELEVANT.value)
            for code, _label in synergy.DOMAINS
        },
        "integration": "faire_ensemble",
        "autonomie": "yes",
        "emplois_partages": "yes",
        "essms": "no",
        "activite_commerciale": "no",
        "multi_acteurs": "no",
    }


def signed_in_phone(chromium, live_server, phone_page, user):
    """``phone_page`` signed in as ``user``: the session cookie of ``signed_in_page``."""
    desktop = signed_in_page(chromium, live_server, user)
    phone_page.context.add_cookies(desktop.context.cookies())
    desktop.context.close()
    return phone_page


@pytest.fixture
def diagnostic():
    """A cohort whose diagnostic is open, two remote slots published by the officer, and one
    structure (of another application) that has already sent its self-diagnostic."""
    setup = make_cohort(applications=(2, 1))
    diagnostic_start(cohort=setup.cohort, by=setup.officer)
    setup.cohort.refresh_from_db()
    day = (timezone.localtime(timezone.now(), PARIS) + dt.timedelta(days=10)).date()
    slots = slots_publish(
        cohort=setup.cohort,
        officer=setup.officer,
        day=day,
        start=dt.time(9, 0),
        place=Place(mode=Mode.REMOTE, link="https://visio.example.org/diagnostic"),
        count=2,
        pause_minutes=15,
    )
    other = setup.structures[2]
    selfdiag_submit(
        cohort=setup.cohort,
        structure=other,
        answers=complete_answers({"hr": "resource", "it": "need"}),
        by=setup.person(other),
    )
    return setup, slots


def test_representative_on_a_phone_books_answers_and_reads_the_map(
    chromium, phone_page, live_server, axe_check, diagnostic
):
    setup, slots = diagnostic
    structure = setup.structures[0]
    page = signed_in_phone(chromium, live_server, phone_page, setup.person(structure))

    page.goto(f"{live_server.url}/diagnostic/structures/{structure.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(structure.name)
    axe_check(page)

    # the interview: one of the officer's slots
    page.get_by_label(slot_label(slots[0])).check()
    page.get_by_role("button", name="Réserver ce créneau").click()
    expect(page.get_by_text("Votre entretien est réservé")).to_be_visible()
    expect(page.get_by_text("Votre entretien est prévu le")).to_be_visible()
    axe_check(page)
    assert Interview.objects.get(pk=slots[0].pk).structure_id == structure.pk

    # the self-diagnostic, first without « autonomie » (required)
    page.get_by_role("link", name="Remplir l'autodiagnostic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autodiagnostic de coopération")
    axe_check(page)
    positions = {"hr": "need", "it": "resource"}
    for code, _label in synergy.DOMAINS:
        value = positions.get(code, synergy.Position.NOT_RELEVANT.value)
        page.locator(f"input[name='domaines__{code}'][value='{value}']").check()
    page.locator("input[name='integration'][value='faire_ensemble']").check()
    for code, value in (
        ("emplois_partages", "yes"),
        ("essms", "no"),
        ("activite_commerciale", "no"),
        ("multi_acteurs", "no"),
    ):
        page.locator(f"input[name='{code}'][value='{value}']").check()
    page.locator("#id_craintes").fill(FEARS)
    page.get_by_role("button", name="Envoyer l'autodiagnostic").click()

    expect(page.locator(".error-summary")).to_contain_text("Le formulaire contient 1 erreur")
    expect(page.locator("#id_autonomie_error")).to_have_text("Choisissez une réponse.")
    # the error belongs to the question (its fieldset), and nothing typed is lost
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.locator(".field-error")).to_contain_text("garder son autonomie juridique")
    expect(page.locator("#id_craintes")).to_have_value(FEARS)
    expect(page.locator("input[name='domaines__hr'][value='need']")).to_be_checked()
    expect(page.locator("input[name='domaines__it'][value='resource']")).to_be_checked()
    expect(page.locator("input[name='integration'][value='faire_ensemble']")).to_be_checked()
    axe_check(page)
    assert not SelfDiagnostic.objects.filter(
        structure=structure, submitted_at__isnull=False
    ).exists()

    page.locator("input[name='autonomie'][value='yes']").check()
    page.get_by_role("button", name="Envoyer l'autodiagnostic").click()
    expect(page.get_by_text("Autodiagnostic envoyé")).to_be_visible()
    axe_check(page)
    row = SelfDiagnostic.objects.get(structure=structure)
    assert row.submitted_at is not None
    assert row.answers["autonomie"] == "yes" and row.answers["craintes"] == FEARS

    # the synergy map of the cohort: two self-diagnostics out of three
    page.get_by_role("link", name="Carte des synergies de la cohorte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte des synergies")
    expect(page.get_by_text("autodiagnostics envoyés : 2 sur 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Ce que montre la carte")).to_be_visible()
    expect(page.get_by_text(FEARS)).to_be_visible()  # its own fears, for itself
    axe_check(page)


def test_officer_reads_the_cohort_and_records_the_interview(
    chromium, live_server, axe_check, diagnostic
):
    setup, slots = diagnostic
    structure = setup.structures[0]
    interview_book(slot=slots[0], structure=structure, by=setup.person(structure))
    selfdiag_submit(
        cohort=setup.cohort,
        structure=structure,
        answers=complete_answers({"hr": "need", "it": "resource"}),
        by=setup.person(structure),
    )
    page = signed_in_page(chromium, live_server, setup.officer)

    page.goto(f"{live_server.url}/diagnostic/cohortes/{setup.cohort.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(setup.cohort.name)
    expect(page.get_by_text("2 autodiagnostics envoyés sur 3")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Gérer les créneaux et les entretiens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Entretiens individuels")
    axe_check(page)
    page.get_by_role("link", name=f"Compte rendu de l'entretien de {structure.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Entretien avec {structure.name}")
    axe_check(page)
    first = structure.representatives.order_by("position").first()
    page.get_by_label(str(first)).check()
    page.get_by_label("Attentes de la structure").fill(EXPECTATIONS)
    page.get_by_label("Notes privées").fill("Tension entre les deux directions.")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Compte rendu d'entretien enregistré.")).to_be_visible()
    expect(page.get_by_label("Attentes de la structure")).to_have_value(EXPECTATIONS)
    axe_check(page)
    interview = Interview.objects.get(pk=slots[0].pk)
    assert list(interview.attended.all()) == [first]
    assert InterviewNote.objects.get(interview=interview, item__label="Attentes de la structure")
    assert interview.private_notes == "Tension entre les deux directions."

    page.goto(f"{live_server.url}/diagnostic/cohortes/{setup.cohort.pk}/")
    page.get_by_role("link", name="Carte des synergies", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte des synergies")
    expect(page.get_by_text("autodiagnostics envoyés : 2 sur 3")).to_be_visible()
    axe_check(page)

    page.goto(f"{live_server.url}/diagnostic/cohortes/{setup.cohort.pk}/")
    page.get_by_role("link", name="Aide à la décision sur les formes de coopération").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Aide à la décision sur les formes de coopération"
    )
    expect(
        page.get_by_role("heading", name="Les formes qui semblent le mieux convenir")
    ).to_be_visible()
    axe_check(page)
