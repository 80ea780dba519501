"""The synthesis in a real browser: the officer prepares and circulates version 1, a structure
asks for changes, the officer circulates version 2, every structure approves it; each page is
scanned with axe-core.

The fixtures (``chromium``, ``axe_check``) and the browser marker come from
tests/browser/conftest.py: skipped on a laptop without Chromium, failed in CI (CI=true)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coopess.diagnostic.models import SynthesisStatus
from coopess.selection.models import CohortStatus
from tests.browser.test_committee import signed_in_page
from tests.diagnostic.test_synthesis_helpers import full_cohort

pytestmark = pytest.mark.django_db(transaction=True)


def answer(page, axe_check, live_server, structure, verdict: str, comment: str = ""):
    page.goto(f"{live_server.url}/diagnostic/structures/{structure.pk}/")
    axe_check(page)
    page.get_by_role("link", name="Lire et répondre").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Synthèse du diagnostic partagé")
    axe_check(page)
    page.get_by_label(verdict).check()
    if comment:
        page.get_by_label("Commentaire sur « Plan d'action »").fill(comment)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(
        page.get_by_text("votre réponse a été enregistrée").or_(
            page.get_by_text("la synthèse est validée")
        )
    ).to_be_visible()


def test_officer_and_structures_validate_the_synthesis(chromium, live_server, axe_check):
    setup = full_cohort(applications=(1, 1))
    a, b = setup.structures
    officer = signed_in_page(chromium, live_server, setup.officer)
    officer.goto(f"{live_server.url}/diagnostic/cohortes/{setup.cohort.pk}/")
    axe_check(officer)
    officer.get_by_role("link", name="Préparer la synthèse").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Synthèse du diagnostic partagé")
    axe_check(officer)
    officer.get_by_role("button", name="Préparer la version 1").click()
    expect(officer.get_by_role("heading", name="Version 1 — brouillon")).to_be_visible()
    axe_check(officer)
    officer.get_by_role(
        "link", name="Modifier la section « Ce que l'accompagnement collectif travaillera »"
    ).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(
        "Ce que l'accompagnement collectif travaillera"
    )
    axe_check(officer)
    officer.get_by_label("Texte").fill("Trois demi-journées sur la **« coopération »**.")
    officer.get_by_role("button", name="Aperçu sans enregistrer").click()
    expect(officer.locator("#preview-body strong")).to_have_count(1)  # swapped in by HTMX
    expect(officer.locator("#preview-body strong")).to_have_text("«\u00a0coopération\u00a0»")
    officer.get_by_role("button", name="Enregistrer la section").click()
    officer.get_by_role("button", name="Diffuser la version 1 aux structures").click()
    expect(officer.get_by_text("est diffusée")).to_be_visible()

    pages = {s.pk: signed_in_page(chromium, live_server, setup.person(s)) for s in (a, b)}
    answer(
        pages[a.pk], axe_check, live_server, a, "Je demande des modifications", "Ajouter une date."
    )
    answer(pages[b.pk], axe_check, live_server, b, "J'approuve cette version de la synthèse")

    officer.reload()
    axe_check(officer)
    officer.get_by_role("button", name="Créer la version 2").click()
    officer.get_by_role("button", name="Diffuser la version 2 aux structures").click()
    for structure in (a, b):
        answer(
            pages[structure.pk],
            axe_check,
            live_server,
            structure,
            "J'approuve cette version de la synthèse",
        )
    version = setup.cohort.syntheses.get(number=2)
    assert version.status == SynthesisStatus.VALIDATED
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.SUPPORT
    officer.goto(f"{live_server.url}/diagnostic/cohortes/{setup.cohort.pk}/synthese/")
    expect(officer.get_by_text(version.pdf_sha256).first).to_be_visible()
    axe_check(officer)
    page = pages[a.pk]
    first = setup.cohort.syntheses.get(number=1)
    page.goto(f"{live_server.url}/diagnostic/structures/{a.pk}/synthese/versions/{first.pk}/")
    expect(page.get_by_text("Ajouter une date.").first).to_be_visible()
    axe_check(page)
