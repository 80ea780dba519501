"""The comité d'appui in a real browser, every page scanned with axe-core: a member assigned
by the officer declares a conflict with one provider, declares none with the other, types a
wrong mark (message next to the field, what was typed kept), marks, then sees the officer's
marks; the officer's comparison shows each person's marks and the conflict."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from coopess.accounts.models import Role
from coopess.competition.services import committee as committee_services
from coopess.competition.services import consultation as services
from coopess.competition.services import proposals as proposal_services
from tests.browser.test_committee import signed_in_page
from tests.competition.helpers import make_consultation, send, submit
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_declares_marks_and_officer_compares(live_server, chromium, axe_check):
    setup = make_cohort(seed=73, applications=(2,))
    consultation = send(setup, make_consultation(setup, providers=2), fewer_reason="Deux.")
    first, second = [submit(item) for item in consultation.consulted.all()]
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    member = make_user(
        Role.REVIEWER, organisation=setup.call.operator, first_name="Inès", last_name="Comité"
    )
    add_totp(member)
    committee_services.committee_member_assign(
        consultation=consultation, member=member, by=setup.officer
    )
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    proposal_services.score_save(
        proposal=second,
        by=setup.officer,
        marks={c["key"]: Decimal(18) for c in consultation.criteria},
        no_conflict=True,
    )
    page = signed_in_page(chromium, live_server, member)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/comite-appui/")
    axe_check(page)
    page.get_by_role("link", name=str(consultation.cohort)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Propositions à noter")
    axe_check(page)
    first_card = page.locator(f"section[aria-labelledby='proposal-{first.pk}']")
    first_card.get_by_label("J'ai un lien d'intérêt avec ce prestataire").check()
    first_card.get_by_label("Précision (facultative)").fill("Ancienne associée")
    first_card.get_by_role("button", name="Enregistrer ma déclaration").click()
    expect(page.get_by_text("Conflit d'intérêts enregistré")).to_be_visible()
    axe_check(page)
    card = page.locator(f"section[aria-labelledby='proposal-{second.pk}']")
    card.get_by_label("Je n'ai aucun lien d'intérêt avec ce prestataire").check()
    card.get_by_role("button", name="Enregistrer ma déclaration").click()
    card = page.locator(f"section[aria-labelledby='proposal-{second.pk}']")
    expect(card.get_by_text("Deux ateliers collectifs")).to_be_visible()
    expect(card.get_by_text("18,0")).to_have_count(0)
    labels = [c["label"] for c in consultation.criteria]
    card.get_by_label(labels[0], exact=False).fill("25")
    for label in labels[1:]:
        card.get_by_label(label, exact=False).fill("12")
    card.get_by_role("button", name="Enregistrer mes notes").click()
    card = page.locator(f"section[aria-labelledby='proposal-{second.pk}']")
    expect(card.get_by_text("Saisissez une note de 0 à 20").first).to_be_visible()
    expect(card.get_by_label(labels[1], exact=False)).to_have_value("12")
    axe_check(page)
    card.get_by_label(labels[0], exact=False).fill("14")
    card.get_by_role("button", name="Enregistrer mes notes").click()
    expect(page.get_by_text("vous voyez maintenant celles des autres")).to_be_visible()
    card = page.locator(f"section[aria-labelledby='proposal-{second.pk}']")
    expect(card.get_by_text("18,0 /20")).to_be_visible()
    expect(page.get_by_role("button", name="Choisir cette proposition")).to_have_count(0)
    axe_check(page)
    officer = signed_in_page(chromium, live_server, setup.officer)
    officer.set_default_timeout(15_000)
    officer.goto(live_server.url + f"/concurrence/cohorte/{setup.cohort.pk}/")
    table = officer.get_by_role("table", name="Notes pondérées /20 de chaque personne")
    expect(table.get_by_text("Conflit d'intérêts déclaré")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Inès Comité")).to_be_visible()
    axe_check(officer)
