"""The newcomer's consultation on the demo, in a real browser, every page scanned with axe-core:
the demo officer opens the 2025 edition's cohort (validated synthesis, no engagement), starts its
terms of reference from the synthesis, consults the directory's three open firms (the closed one
cannot be) and sends them the terms — what ``docs/guide/demonstration.md`` tells a newcomer."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from coopess.accounts.models import User
from coopess.common.demo import EDITION_2025_SLUG, demo_load
from coopess.competition.models import Consultation, ConsultationStatus
from coopess.selection.models import Cohort
from tests.browser.test_committee import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_newcomer_starts_and_sends_a_consultation_on_the_demo_2025_cohort(
    live_server, chromium, axe_check
):
    demo_load()
    cohort = Cohort.objects.get(call__slug=EDITION_2025_SLUG)
    officer = signed_in_page(
        chromium, live_server, User.objects.get(email="claire.morvan@example.org")
    )
    officer.set_default_timeout(15_000)
    officer.goto(live_server.url + f"/accompagnement/cohortes/{cohort.pk}/")
    expect(
        officer.get_by_text("La prestation de conseil n'est pas encore enregistrée.")
    ).to_be_visible()
    officer.get_by_role("link", name="Mise en concurrence des prestataires").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Mise en concurrence des prestataires"
    )
    axe_check(officer)
    officer.get_by_label("Plafond budgétaire (€ TTC)").fill("4200")
    deadline = dt.datetime.now() + dt.timedelta(days=14)
    officer.get_by_label("Date limite de réception des propositions (heure de Paris)").fill(
        deadline.strftime("%Y-%m-%dT%H:%M")
    )
    officer.get_by_role("button", name="Commencer le cahier des charges").click()
    expect(officer.get_by_text("Le cahier des charges est pré-rempli")).to_be_visible()
    leaving = officer.get_by_role("region", name="Ce qui part aux prestataires")
    expect(leaving).to_contain_text("le poste partagé de mécanicien")
    expect(leaving).not_to_contain_text("2,5 ETP")  # each structure's context stays at the DLA
    axe_check(officer)
    for _ in range(3):
        officer.get_by_role("button", name="Consulter ce prestataire").click()
        expect(officer.get_by_text("sera consulté")).to_be_visible()
    # only the closed firm is left, shown disabled with the reason
    left = officer.get_by_label("Prestataire de l'annuaire").locator("option")
    expect(left).to_have_count(1)
    expect(left).to_be_disabled()
    expect(left).to_contain_text("établissement fermé d'après le répertoire")
    officer.get_by_role("button", name="Envoyer le cahier des charges").click()
    expect(officer.get_by_text("Le cahier des charges est parti")).to_be_visible()
    axe_check(officer)
    consultation = Consultation.objects.get(cohort=cohort)
    assert consultation.status == ConsultationStatus.CONSULTING
    names = sorted(c.provider.name for c in consultation.consulted.select_related("provider"))
    assert len(names) == 3 and not any("fermé" in name for name in names)
