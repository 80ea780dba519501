"""The providers' directory in a real browser, scanned with axe-core: a past engagement with
its attendance shows the structures' satisfaction (from their follow-ups) and gets the DLA's;
a provider whose establishment the company
directory says is closed is refused next to the SIRET field, what was typed kept (only the
HTTP of the directory is mocked)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coopess.competition.models import EngagementReview, Provider
from coopess.structures import sirene
from tests.browser.test_committee import signed_in_page
from tests.competition.helpers import make_provider
from tests.competition.test_directory import FOUND_SIRET, _answered, recorded
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import held, make_support, plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_directory_satisfaction_and_closed_siret(live_server, chromium, axe_check, respx_mock):
    respx_mock.get(sirene.DEFAULT_API_URL).mock(
        return_value=recorded("found_association_nantes.json", closed=True)
    )
    setup = make_cohort(seed=73, applications=(2,))
    support = make_support(setup)
    held(plan(support), by=setup.officer)
    provider = make_provider(setup.call.operator, 1, name=support.engagement.firm.name)
    _answered(setup.cohort, ["5", "4"])  # the structures' marks, from their follow-ups
    page = signed_in_page(chromium, live_server, setup.officer)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/concurrence/prestataires/")
    expect(
        page.get_by_role("heading", name=f"Prestations passées de {provider.name}")
    ).to_be_visible()
    # next to the DLA's mark, the structures': the average and the count, on the engagement's
    # line and the provider's
    expect(page.get_by_text("4,5/5 (2 réponses)")).to_have_count(2)
    axe_check(page)
    page.get_by_label("Satisfaction").select_option("4")
    page.get_by_label("Commentaire").fill("Séances bien préparées.")
    page.get_by_role("button", name=f"Enregistrer la satisfaction pour {setup.cohort}").click()
    expect(page.get_by_text("Satisfaction enregistrée")).to_be_visible()
    expect(page.get_by_text("4,0 sur 5")).to_be_visible()
    assert EngagementReview.objects.get().satisfaction == 4
    axe_check(page)
    page.get_by_label("Raison sociale").fill("Cabinet fermé")
    page.get_by_label("SIRET").fill(FOUND_SIRET)
    page.get_by_label("Contact : nom").fill("Camille Conseil")
    page.get_by_label("Contact : adresse électronique").fill("camille@ferme.example.org")
    page.get_by_role("button", name="Ajouter à l'annuaire").click()
    expect(page.locator("#id_siret_error")).to_contain_text("cet établissement est fermé")
    expect(page.get_by_label("Contact : nom")).to_have_value("Camille Conseil")
    axe_check(page)
    assert not Provider.objects.filter(siret=FOUND_SIRET).exists()
