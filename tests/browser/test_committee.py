"""A selection committee session in a real browser: two reviewers score an application, the
officer keeps the proposed cohort, records the decisions and sends the letters.

Each person has their own browser context, signed in by a session cookie made on the server
(password and second factor already passed). Every page visited is scanned with axe-core.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from playwright.sync_api import expect

from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.models import Application
from coopess.applications.receipts import recipients_of
from coopess.selection import services
from coopess.selection.models import Decision, ReviewerAssignment
from tests.applications.helpers import open_call
from tests.selection.helpers import (
    full_marks,
    officer_of,
    quick_application,
    reviewer,
    scored,
    under_review,
)

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_page(chromium, live_server, user):
    """A new browser context whose session cookie belongs to ``user`` (second factor passed)."""
    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session.save()
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def review(page, axe_check, live_server, application, marks: dict[str, int], comment: str):
    """A reviewer opens their list, declares no conflict, fills the grid and sends it."""
    page.goto(live_server.url + "/comite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Comité de sélection")
    axe_check(page)
    page.get_by_role("link", name=application.receipt_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avant d'évaluer")
    axe_check(page)
    page.get_by_label("Je n'ai aucun lien d'intérêt avec les structures").check()
    page.get_by_role("button", name="Enregistrer ma déclaration").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Évaluer la candidature")
    axe_check(page)
    for label, value in marks.items():
        page.get_by_label(re.compile("^" + re.escape(f"{label} — note de 0 à"))).fill(str(value))
    page.get_by_label("Avis général").fill(comment)
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    expect(page.get_by_text("Évaluation envoyée.")).to_be_visible()
    axe_check(page)


def test_a_committee_session(live_server, chromium, axe_check):
    call = open_call(max_structures=1)
    officer = officer_of(call)
    application = under_review(call, by=officer)
    other = quick_application(call, 99, name="Autre candidature", lead=None)
    scored(other, by=officer, marks=full_marks(call, 2))  # 8/20
    members = [
        reviewer(first_name="Hortense", last_name="Évaluatrice"),
        reviewer(first_name="Bastien", last_name="Notateur"),
    ]
    for member in members:
        services.reviewer_assign(application=application, reviewer=member, by=officer)
    labels = list(call.criteria.values_list("label", flat=True))

    # The two reviewers, one after the other
    first = signed_in_page(chromium, live_server, members[0])
    review(first, axe_check, live_server, application, dict.fromkeys(labels, 5), "Solide.")
    expect(first.get_by_text("Aucune autre évaluation envoyée pour le moment.")).to_be_visible()
    second = signed_in_page(chromium, live_server, members[1])
    review(second, axe_check, live_server, application, dict.fromkeys(labels, 4), "Prometteur.")
    # now the second reviewer sees the first one's evaluation
    expect(second.get_by_role("heading", name=re.compile("Hortense Évaluatrice"))).to_be_visible()
    expect(second.get_by_text("Solide.")).to_be_visible()
    assert ReviewerAssignment.objects.filter(submitted_at__isnull=False).count() == 3
    application.refresh_from_db()
    assert str(application.average_score) == "18.00"  # (20 + 16) / 2

    # The officer keeps the proposal and decides
    page = signed_in_page(chromium, live_server, officer)
    page.goto(f"{live_server.url}/instruction/appels/{call.slug}/classement/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Classement et composition de la cohorte"
    )
    expect(page.get_by_text("Cohorte proposée : 1 candidature, 1 structure sur 1")).to_be_visible()
    axe_check(page)
    rows = page.get_by_role("table", name="Classement du comité et décisions").locator("tbody tr")
    expect(rows).to_have_count(2)
    kept = {}
    for receipt in (application.receipt_number, other.receipt_number):
        row = rows.filter(has_text=receipt)
        proposed = row.get_by_text("Proposée", exact=True).count() == 1
        kept[receipt] = S.SELECTED if proposed else S.REJECTED
        row.get_by_label(f"Décision pour {receipt}").select_option(kept[receipt])
        if not proposed:
            row.get_by_text("Motifs et précisions").click()  # folded per row
            row.get_by_label("Classement du comité insuffisant").check()
    assert kept == {application.receipt_number: S.SELECTED, other.receipt_number: S.REJECTED}
    page.get_by_role("button", name="Enregistrer les décisions").click()
    expect(page.get_by_text("Décisions enregistrées.")).to_be_visible()
    axe_check(page)
    for receipt, outcome in kept.items():
        assert Application.objects.get(receipt_number=receipt).status == outcome
        assert Decision.objects.get(application__receipt_number=receipt).outcome == outcome

    # ... and sends the letters
    sent = len(mail.outbox)
    page.get_by_role("button", name="Envoyer les 2 lettres").click()
    expect(page.get_by_text("2 lettre(s) de décision en cours d'envoi")).to_be_visible()
    expect(page.get_by_text("0 lettres à envoyer.")).to_be_visible()
    axe_check(page)
    letters = mail.outbox[sent:]
    assert sorted(a for m in letters for a in m.to) == sorted(
        recipients_of(application) + recipients_of(other)
    )
    assert all(m.attachments[0][2] == "application/pdf" for m in letters)
    assert not Decision.objects.filter(letter_sent_at__isnull=True).exists()
    for browser_page in (first, second, page):
        browser_page.context.close()


def test_the_officer_instructs_an_application(live_server, chromium, axe_check):
    """The officer's table, filters, an application page, an eligibility correction and a
    message: accessible pages, French messages, nothing lost."""
    call = open_call()
    officer = officer_of(call)
    target = quick_application(
        call, 1, name="Épicerie solidaire fictive", departements=("44", "49")
    )
    quick_application(call, 2, name="Atelier vélo fictif", departements=("85",))
    services.application_screen(application=target)
    page = signed_in_page(chromium, live_server, officer)
    page.goto(f"{live_server.url}/instruction/")
    axe_check(page)
    page.get_by_role("link", name="Candidatures reçues").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Candidatures reçues")
    axe_check(page)
    page.get_by_label("Rechercher (structure, projet, n° de récépissé)").fill("epicerie")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=target.receipt_number)).to_be_visible()
    expect(page.get_by_role("link", name="COOP-2026-0002")).to_have_count(0)
    axe_check(page)
    page.get_by_role("link", name=target.receipt_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(target.receipt_number)
    axe_check(page)
    # a correction without a reason is refused, in French, next to the field
    page.locator("#eligibilite summary").first.click()
    page.get_by_role("button", name="Enregistrer la correction").first.click()
    expect(page.locator(".error-summary").first).to_be_visible()
    axe_check(page)
    page.goto(f"{live_server.url}/instruction/candidatures/{target.public_id}/#messages")
    page.get_by_role("textbox", name="Message (obligatoire)").fill(
        "Pouvez-vous préciser le calendrier de vos instances ?"
    )
    page.get_by_role("button", name="Envoyer le message").click()
    expect(
        page.get_by_text("Pouvez-vous préciser le calendrier de vos instances ?")
    ).to_be_visible()
    assert any("Nouveau message" in message.subject for message in mail.outbox)
    assert all("préciser le calendrier" not in message.body for message in mail.outbox)
