"""The whole competition in a real browser, every page scanned with axe-core: the officer
writes the terms of reference (two versions, both listed) and sends them to three providers;
each emailed link is an invitation: the first provider creates its account with the invited
address, the second signs in by emailed code, both accept and answer signed in, one of them
asks a question that the officer answers for all; once the deadline has passed the officer
marks, compares and chooses, which creates the engagement."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from coopess.competition.models import Consultation, ConsultationStatus, Proposal
from coopess.competition.services import consultation as services
from coopess.support.models import Engagement
from tests.browser.test_application_flow import (
    create_account,
    last_email_to,
    local,
    sign_in_by_code,
)
from tests.browser.test_committee import signed_in_page
from tests.competition.helpers import make_provider, provider_user
from tests.diagnostic.helpers import make_cohort
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _accepts(page, link, axe_check, email: str, *, new_account: bool) -> None:
    """The emailed link: the sign-in page (the token alone shows nothing), an account created
    with the invited address or a code received at it, back to the invitation, accepted."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    if new_account:
        axe_check(page)
        create_account(page, axe_check, email)
    else:
        sign_in_by_code(page, axe_check, email)
    page.wait_for_url(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation à une consultation")
    axe_check(page)
    page.get_by_role("button", name="Accepter l'invitation").click()
    expect(page.get_by_text("Invitation acceptée")).to_be_visible()


def _provider_answers(page, axe_check, *, price: str, question: str = "") -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultation : accompagnement collectif"
    )
    axe_check(page)
    expect(page.get_by_role("link", name="Télécharger la version 2 (PDF)")).to_be_visible()
    if question:
        page.get_by_label("Votre question").fill(question)
        page.get_by_role("button", name="Poser la question").click()
        expect(page.get_by_text("Votre question est transmise au DLA.")).to_be_visible()
    page.get_by_label("Méthode").fill("Deux ateliers collectifs puis deux temps individuels.")
    page.get_by_label("Consultant·es intervenant·es").fill("Nadia Benali, nadia.benali@exemple.fr")
    page.get_by_label("Demi-journées").fill("4")
    page.get_by_label("Prix par demi-journée (€ TTC)").fill("mille")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Saisissez un montant en euros").first).to_be_visible()
    axe_check(page)
    page.get_by_label("Prix par demi-journée (€ TTC)").fill(price)
    page.get_by_label("Prix total (€ TTC)").fill(str(int(price) * 4))
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(page.get_by_text("Votre proposition est déposée")).to_be_visible()
    axe_check(page)


def test_officer_consults_providers_answer_officer_chooses(live_server, chromium, axe_check):
    setup = make_cohort(seed=71, applications=(2,))
    for index in (1, 2, 3):
        make_provider(setup.call.operator, index)
    officer = signed_in_page(chromium, live_server, setup.officer)
    officer.set_default_timeout(15_000)
    officer.goto(live_server.url + f"/concurrence/cohorte/{setup.cohort.pk}/")
    axe_check(officer)
    officer.get_by_label("Plafond budgétaire (€ TTC)").fill("4800")
    deadline = dt.datetime.now() + dt.timedelta(days=5)
    officer.get_by_label("Date limite de réception des propositions (heure de Paris)").fill(
        deadline.strftime("%Y-%m-%dT%H:%M")
    )
    officer.get_by_role("button", name="Commencer le cahier des charges").click()
    expect(officer.get_by_text("Le cahier des charges est pré-rempli")).to_be_visible()
    axe_check(officer)
    officer.get_by_label("Livrables attendus").fill("Feuille de route de la coopération.")
    officer.get_by_role("button", name="Enregistrer une nouvelle version").click()
    expect(officer.get_by_text("Version 2 du cahier des charges enregistrée.")).to_be_visible()
    versions = officer.get_by_role("region", name="Versions du cahier des charges")
    expect(versions.get_by_role("link", name="PDF de la version 1")).to_be_visible()
    expect(versions.get_by_role("link", name="DOCX de la version 2")).to_be_visible()
    for _ in range(3):
        officer.get_by_role("button", name="Consulter ce prestataire").click()
        expect(officer.get_by_text("sera consulté")).to_be_visible()
    sent = len(mail.outbox)
    officer.get_by_role("button", name="Envoyer le cahier des charges").click()
    expect(officer.get_by_text("Le cahier des charges est parti")).to_be_visible()
    axe_check(officer)

    consultation = Consultation.objects.get(cohort=setup.cohort)
    consulted = list(consultation.consulted.select_related("provider"))
    links = []
    for item in consulted:
        body = last_email_to(item.provider.email, after=sent).body
        found = re.search(r"https?://\S+/concurrence/lien/\S+/", body)
        assert found, body
        links.append(local(live_server, found.group(0)))
    # the second provider already has an account (no password: it signs in by code)
    existing = make_user(None, email=consulted[1].provider.email)
    existing.set_unusable_password()
    existing.save()
    pages = []
    for index, price in ((0, "1000"), (1, "1100")):
        context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        provider = context.new_page()
        provider.set_default_timeout(15_000)
        pages.append(provider)
        _accepts(
            provider,
            links[index],
            axe_check,
            consulted[index].provider.email,
            new_account=index == 0,
        )
        question = "Le distanciel est-il possible ?" if index == 0 else ""
        _provider_answers(provider, axe_check, price=price, question=question)
    provider.goto(live_server.url + "/concurrence/mes-consultations/")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Mes consultations")
    axe_check(provider)

    officer.reload()
    officer.get_by_label("Réponse publiée à tous les prestataires consultés").fill(
        "Oui, en partie."
    )
    officer.get_by_role("button", name="Publier la réponse").click()
    expect(officer.get_by_text("La réponse est publiée")).to_be_visible()
    third = signed_in_page(chromium, live_server, provider_user(consulted[2]))
    third.goto(live_server.url + f"/concurrence/mes-consultations/{consulted[2].pk}/")
    expect(third.get_by_text("Oui, en partie.")).to_be_visible()
    expect(third.get_by_text(consulted[0].provider.name)).to_have_count(0)
    for page in (*pages, third):
        page.context.close()

    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    officer.reload()
    axe_check(officer)
    first = Proposal.objects.filter(consultation=consultation).order_by("pk").first()
    officer.locator("summary").first.click()
    officer.get_by_label("Pertinence de la méthode (40 %), note sur 20").first.fill("16")
    officer.get_by_label(
        "Expérience de la coopération entre structures de l'ESS (30 %), note sur 20"
    ).first.fill("15")
    officer.get_by_label("Prix (30 %), note sur 20").first.fill("18")
    officer.get_by_label(
        "Je déclare n'avoir aucun lien d'intérêt avec ce prestataire."
    ).first.check()
    officer.get_by_role("button", name="Enregistrer mes notes").first.click()
    expect(officer.get_by_text("Notes de")).to_be_visible()
    officer.locator("summary").first.click()
    officer.get_by_label("Justification du choix").first.fill("Meilleure note et meilleur prix.")
    officer.get_by_role("button", name="Choisir cette proposition").first.click()
    expect(officer.get_by_text("Le prestataire est choisi")).to_be_visible()
    axe_check(officer)
    officer.get_by_role("button", name="Envoyer les lettres aux prestataires").click()
    expect(officer.get_by_text("2 lettre(s) envoyée(s).")).to_be_visible()

    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CHOSEN
    engagement = Engagement.objects.get(cohort=setup.cohort)
    assert engagement.budget == first.total and engagement.planned_half_days == 4
    # the consultant the chosen proposal named has access to the cohort: nothing typed twice
    assert [u.email for u in engagement.consultants.all()] == ["nadia.benali@exemple.fr"]
