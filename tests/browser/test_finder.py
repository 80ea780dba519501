"""Partner finder in a real browser: a representative opts in, searches, asks for an
introduction; the other accepts; the first starts a joint application. Every page is scanned
with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coopess.finder.models import ContactRequest
from tests.applications.helpers import open_call
from tests.browser.test_committee import signed_in_page
from tests.finder.helpers import applicant_structure, consent, representative

pytestmark = pytest.mark.django_db(transaction=True)


def test_opt_in_search_contact_accept_joint_application(live_server, chromium, axe_check):
    call = open_call()
    mine = applicant_structure(call, "Atelier Vert", departement="44")
    theirs = applicant_structure(call, "Paie Solidaire", departement="44")
    consent(theirs, resources=["admin"])
    asker, answerer = representative(mine), representative(theirs)

    page = signed_in_page(chromium, live_server, asker)
    page.goto(live_server.url + "/partenaires/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recherche de partenaires")
    axe_check(page)
    page.get_by_role("link", name=re.compile("Accepter d'être trouvé")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Être trouvé par d'autres structures"
    )
    axe_check(page)
    page.get_by_label("Les autres structures et la chargée").check()
    page.get_by_label("Nos besoins et nos ressources à partager").check()
    page.get_by_label("Notre département").check()
    page.locator("#id_needs_1").check()  # Comptabilité, paie, juridique
    page.get_by_label("12 mois").check()
    page.get_by_role("button", name="J'accepte que ma structure soit trouvée").click()
    expect(page.get_by_text("Votre accord est enregistré")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name=re.compile("Chercher des partenaires")).click()
    expect(page.get_by_role("heading", name="Paie Solidaire")).to_be_visible()
    expect(page.get_by_text("dont vous manquez")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile("Demander une mise en relation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paie Solidaire")
    axe_check(page)
    page.get_by_label("Votre message").fill("Bonjour, parlons de votre service de paie.")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("Votre demande est envoyée à Paie Solidaire")).to_be_visible()
    expect(page.get_by_text(answerer.email)).to_have_count(0)
    axe_check(page)
    request = ContactRequest.objects.get()

    other = signed_in_page(chromium, live_server, answerer)
    other.goto(live_server.url + f"/partenaires/demandes/{request.pk}/")
    axe_check(other)
    other.get_by_role("button", name="Accepter la mise en relation").click()
    expect(other.get_by_text("Coordonnées de l'autre structure")).to_be_visible()
    axe_check(other)

    page.reload()
    expect(page.get_by_text(answerer.email)).to_be_visible()
    page.get_by_role("link", name="Candidater ensemble à un appel ouvert").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Candidater ensemble")
    axe_check(page)
    page.get_by_label(call.title).check()
    page.get_by_role("button", name="Commencer la candidature commune").click()
    expect(page.get_by_text("La candidature commune est commencée")).to_be_visible()
    axe_check(page)
    request.refresh_from_db()
    assert request.joint_application.structures.count() == 2
