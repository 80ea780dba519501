"""An application from start to submission, as the representatives walk through it.

Every page visited is scanned with axe-core. Emails go to ``django.core.mail.outbox`` (locmem):
the live server runs in a thread of this process and really commits, so the emails queued
« on commit » are there for the test to read, like a person reads their mailbox.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.models import AccessRole, Application
from tests.applications.helpers import complete_application, open_call, structure_data
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

LEAD_EMAIL = "nouvelle.presidente@example.org"
PARTNER_EMAIL = "partenaire@example.org"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


# --- What a person does with their mailbox and the sign-in pages ---------------------------------


def last_email_to(address: str, *, after: int = 0, timeout: float = 10.0):
    """The last email sent to ``address`` among those sent after the first ``after`` ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox[after:]):
            if address in message.to:
                return message
        time.sleep(0.1)
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"no email to {address} (sent: {sent})")


def code_from(message) -> str:
    match = CODE.search(message.body)
    assert match, f"no code in the email:\n{message.body}"
    return match.group(1)


def type_code_from_mailbox(page, axe_check, email: str, *, after: int) -> None:
    """On the « enter the code » page: read the code in the last email, type it, confirm."""
    code = code_from(last_email_to(email, after=after))
    axe_check(page)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirmer").click()


def create_account(page, axe_check, email: str) -> None:
    """From the sign-in page: « Créez votre compte », type the email, then the code received."""
    page.get_by_role("link", name="Créez votre compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    axe_check(page)
    sent = len(mail.outbox)
    page.get_by_label("Courriel").fill(email)
    page.get_by_role("button", name="Créer mon compte").click()
    type_code_from_mailbox(page, axe_check, email, after=sent)


def sign_in_by_code(page, axe_check, email: str) -> None:
    """On the sign-in page: type the email, « Recevoir un code », then the code received."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    axe_check(page)
    sent = len(mail.outbox)
    page.get_by_label("Courriel").fill(email)
    page.get_by_role("button", name="Recevoir un code").click()
    type_code_from_mailbox(page, axe_check, email, after=sent)


def local(live_server, link: str) -> str:
    """A link from an email (built on COOPESS_BASE_URL) pointed at the test server."""
    parts = urlsplit(link)
    return live_server.url + parts.path + (f"?{parts.query}" if parts.query else "")


# --- Filling the sections ------------------------------------------------------------------------


def fill_structure(page, data: dict) -> None:
    identification = page.get_by_role("group", name="Identification")
    identification.get_by_label("Numéro SIRET").fill(data["siret"])
    identification.get_by_label("Nom de la structure").fill(data["name"])
    identification.get_by_label("Numéro RNA (associations)").fill(data["rna"])
    identification.get_by_label("Adresse du siège").fill(data["address"])
    identification.get_by_label("Code postal").fill(data["postal_code"])
    identification.get_by_label("Commune").fill(data["commune"])
    identification.get_by_label("Département du siège").select_option(data["departement"])
    identification.get_by_role("radio", name="Association").check()
    identification.get_by_label("Affiliation à un réseau").fill(data["network_affiliation"])
    people = page.get_by_role("group", name="Salarié·es et bénévoles")
    people.get_by_label("Nombre de salarié·es").fill(data["employees"])
    people.get_by_label("Équivalents temps plein (ETP)").fill(data["fte"])
    people.get_by_label("Nombre de bénévoles").fill(data["volunteers"])
    for prefix, legend in (
        ("rep1_", "Premier·e représentant·e"),
        ("rep2_", "Second·e représentant·e"),
    ):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Prénom").fill(data[f"{prefix}first_name"])
        group.get_by_label(re.compile(r"^Nom\b")).fill(data[f"{prefix}last_name"])
        group.get_by_label("Fonction").fill(data[f"{prefix}role"])
        group.get_by_label("Adresse électronique").fill(data[f"{prefix}email"])
        group.get_by_label("Téléphone").fill(data[f"{prefix}phone"])


def upload_required_documents(page, axe_check, structure_name: str) -> None:
    """Attach a PDF to each required document of ``structure_name`` on « Pièces jointes »."""
    for label in ("Statuts à jour", "Derniers comptes approuvés"):
        section = page.get_by_role("region", name=f"{label} — {structure_name} (obligatoire)")
        section.get_by_label("Ajouter un fichier").set_input_files(
            {"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        section.get_by_role("button", name="Joindre").click()
        expect(page.get_by_text("« statuts.pdf » est joint à la candidature.")).to_be_visible()
        section = page.get_by_role("region", name=f"{label} — {structure_name} (obligatoire)")
        expect(section.get_by_role("link", name="statuts.pdf")).to_be_visible()
        axe_check(page)


def autosave_status(page):
    """The autosave message, inside a live region that screen readers read out."""
    return page.get_by_role("status").filter(has=page.locator("#autosave-status"))


# --- The whole walk ------------------------------------------------------------------------------


@pytest.fixture
def partner_page(chromium):
    """A second person, in a browser of her own."""
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_new_representative_applies_with_a_partner(live_server, page, partner_page, axe_check):
    call = open_call()
    lead_data, partner_data = structure_data(1), structure_data(2)

    # The call's page, « Candidater », sign-in page, account creation
    page.goto(f"{live_server.url}/appels/{call.slug}/")
    axe_check(page)
    page.get_by_role("link", name="Candidater").click()
    page.wait_for_url("**/compte/login/code/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    axe_check(page)
    create_account(page, axe_check, LEAD_EMAIL)

    # Signed in, she is back where she was going
    page.wait_for_url(f"**/appels/{call.slug}/candidater/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Candidater à « {call.title} »")
    axe_check(page)

    # The privacy notice, then a new draft: « Type de candidature »
    page.get_by_label("J'ai lu la notice sur les données personnelles").check()
    page.get_by_role("button", name="Commencer ma candidature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Type de candidature")
    axe_check(page)
    application = Application.objects.get(accesses__user__email=LEAD_EMAIL)
    live_region = autosave_status(page).element_handle()
    page.get_by_role("radio", name="Structures non affiliées à un réseau").check()
    page.get_by_label("Titre du projet").fill("Mutualiser un poste de comptable")
    # autosave, about 2 s after the last keystroke; the live region stays to announce it
    expect(autosave_status(page)).to_contain_text("Enregistré à", timeout=10_000)
    assert live_region.evaluate("region => region.isConnected")
    application.refresh_from_db()
    assert (application.kind, application.project_title) == (
        "unaffiliated",
        "Mutualiser un poste de comptable",
    )
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # « Votre structure »
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre structure (cheffe de file)")
    axe_check(page)
    fill_structure(page, lead_data)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # « Structures partenaires »: one invitation
    expect(page.get_by_role("heading", level=1)).to_have_text("Structures partenaires")
    axe_check(page)
    sent = len(mail.outbox)
    page.get_by_label("Nom de la structure partenaire").fill(partner_data["name"])
    page.get_by_label("Adresse électronique de sa ou son représentant·e").fill(PARTNER_EMAIL)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {PARTNER_EMAIL}.")).to_be_visible()
    expect(page.get_by_text("2 structures sur 5 au maximum")).to_be_visible()
    expect(page.get_by_role("link", name=partner_data["name"])).to_be_visible()
    axe_check(page)
    invitation = last_email_to(PARTNER_EMAIL, after=sent)
    invitation_link = re.search(r"https?://\S+/candidatures/invitation/\S+/", invitation.body)
    assert invitation_link, invitation.body

    # « Le projet »
    page.get_by_role("link", name="Le projet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le projet")
    axe_check(page)
    page.get_by_role("checkbox", name="Ressources humaines et emplois partagés").check()
    page.get_by_role("checkbox", name="Comptabilité, paie, juridique").check()
    page.get_by_label("Décrivez le partage envisagé").fill("Un poste de comptable à temps plein.")
    page.get_by_role("checkbox", name="Optimiser les coûts").check()
    page.get_by_role("radio", name=re.compile("^Identification et élaboration du projet")).check()
    page.get_by_role("checkbox", name="Groupement d'employeurs").check()
    page.get_by_label("En quoi votre projet est-il d'envergure régionale ?").fill(
        "Nos deux associations couvrent la Loire-Atlantique et la Vendée."
    )
    page.get_by_label("Vos attentes vis-à-vis de l'accompagnement").fill("Être accompagnées.")
    page.get_by_label("Les difficultés que vous connaissez déjà").fill("Le partage des coûts.")
    page.get_by_label("Vos disponibilités pour le diagnostic").fill("Toute l'année sauf août.")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # « Questions de l'appel »
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions de l'appel")
    axe_check(page)
    already = page.get_by_role("group", name=re.compile("déjà été accompagnées par un DLA"))
    already.get_by_role("radio", name="Non").check()
    expect(page.get_by_label("En quelle année, et sur quel sujet ?")).to_be_hidden()
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # « Pièces jointes »: her structure's required documents
    expect(page.get_by_role("heading", level=1)).to_have_text("Pièces jointes")
    axe_check(page)
    upload_required_documents(page, axe_check, lead_data["name"])

    # The partner, in her own browser: the invitation link, an account, back to the link
    partner = partner_page
    link = local(live_server, invitation_link.group(0))
    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_have_text("Se connecter")
    axe_check(partner)
    create_account(partner, axe_check, PARTNER_EMAIL)
    partner.wait_for_url(link)
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Invitation à rejoindre une candidature"
    )
    expect(partner.locator("main")).to_contain_text("Mutualiser un poste de comptable")
    axe_check(partner)
    partner.get_by_role("button", name="Rejoindre la candidature").click()

    # Her structure, her documents, her confirmation
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        f"Structure partenaire : {partner_data['name']}"
    )
    axe_check(partner)
    fill_structure(partner, partner_data)
    partner.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(partner.get_by_text("Enregistré.", exact=True)).to_be_visible()
    axe_check(partner)
    partner.get_by_role("link", name="Pièces jointes").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Pièces jointes")
    # she sees her structure's documents only, not the lead's
    expect(partner.get_by_role("heading", name=re.compile(lead_data["name"]))).to_have_count(0)
    axe_check(partner)
    upload_required_documents(partner, axe_check, partner_data["name"])
    partner.get_by_role("link", name="Ma structure").click()
    expect(partner.get_by_text("Participation non confirmée")).to_be_visible()
    axe_check(partner)
    partner.get_by_role("button", name="Je confirme la participation de ma structure").click()
    expect(partner.get_by_text("la participation de votre structure est confirmée")).to_be_visible()
    axe_check(partner)

    # The lead checks and submits
    page.get_by_role("link", name="Vérifier et déposer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et déposer")
    expect(page.get_by_text("La candidature est complète.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Il reste"))).to_have_count(0)
    axe_check(page)
    sent = len(mail.outbox)
    page.get_by_role("button", name="Déposer la candidature").click()
    page.wait_for_url(f"**/candidatures/{application.public_id}/")
    receipt_number = f"COOP-{timezone.localdate().year}-0001"
    expect(page.get_by_text("Votre candidature est déposée.")).to_contain_text(
        f"Récépissé n° {receipt_number}"
    )
    expect(page.get_by_text("Statut : Déposée")).to_contain_text(f"récépissé n° {receipt_number}")
    expect(page.get_by_role("link", name="Télécharger le récépissé (PDF)")).to_be_visible()
    axe_check(page)
    for address in (LEAD_EMAIL, PARTNER_EMAIL):
        receipt = last_email_to(address, after=sent)
        assert receipt_number in receipt.body
        [(name, content, mimetype)] = receipt.attachments
        assert (name, mimetype) == (f"recepisse-{receipt_number}.pdf", "application/pdf")
        assert content.startswith(b"%PDF")

    application.refresh_from_db()
    assert application.status == "submitted"
    assert application.receipt_number == receipt_number
    lead_structure, partner_structure = application.structures.order_by("position")
    assert application.structures.count() == 2
    assert (lead_structure.name, lead_structure.siret) == (lead_data["name"], lead_data["siret"])
    assert partner_structure.name == partner_data["name"]
    assert partner_structure.confirmed_at is not None
    assert partner_structure.confirmed_by.email == PARTNER_EMAIL
    assert application.accesses.get(user__email=PARTNER_EMAIL).role == AccessRole.PARTNER
    assert application.attachments.filter(is_receipt=False).count() == 4


# --- On a phone --------------------------------------------------------------------------------


def test_structure_page_on_a_phone(live_server, phone_page, axe_check):
    lead = make_user(Role.APPLICANT)
    application = complete_application(lead=lead)
    structure = application.structures.get(is_lead=True)
    url = f"{live_server.url}/candidatures/{application.public_id}/structures/{structure.pk}/"
    phone_page.goto(url)
    sign_in_by_code(phone_page, axe_check, lead.email)
    phone_page.wait_for_url(url)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        "Votre structure (cheffe de file)"
    )
    expect(phone_page.get_by_label("Numéro SIRET")).to_have_value(structure.siret)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the structure page scrolls sideways on a phone ({width} px)"
    axe_check(phone_page)


# --- An expired session ------------------------------------------------------------------------

# Every text the autosave status shows, in order (it may change faster than a test polls).
RECORD_AUTOSAVE_STATUS = """
window.autosaveStatuses = [];
document.addEventListener("DOMContentLoaded", function () {
  function record() {
    var box = document.getElementById("autosave-status");
    var text = box ? box.textContent.trim() : "";
    var last = window.autosaveStatuses[window.autosaveStatuses.length - 1];
    if (text && text !== last) window.autosaveStatuses.push(text);
  }
  new MutationObserver(record).observe(document.body, {
    childList: true, subtree: true, characterData: true
  });
  record();
});
"""


def test_what_is_typed_survives_an_expired_session(live_server, page, axe_check):
    lead = make_user(Role.APPLICANT)
    application = services.application_create(call=open_call(), by=lead)
    url = f"{live_server.url}/candidatures/{application.public_id}/projet/"
    page.goto(url)
    sign_in_by_code(page, axe_check, lead.email)
    page.wait_for_url(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Le projet")
    axe_check(page)

    # Her session ends while she types (the CSRF cookie, valid for a year, stays: clearing every
    # cookie gets a 403 from the CSRF check instead, and the « connexion perdue » message)
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    typed = "Être accompagnées sur le partage d'un poste, sans perdre ce paragraphe."
    expectations = page.get_by_label("Vos attentes vis-à-vis de l'accompagnement")
    expectations.fill(typed)
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("session a expiré", timeout=6_000)
    axe_check(page)
    application.refresh_from_db()
    assert application.expectations == ""

    # She signs in again from the link in the message and comes back to the section
    page.add_init_script(RECORD_AUTOSAVE_STATUS)
    status.get_by_role("link", name="Se reconnecter").click()
    sign_in_by_code(page, axe_check, lead.email)
    page.wait_for_url(url)
    expect(page.get_by_label("Vos attentes vis-à-vis de l'accompagnement")).to_have_value(typed)
    expect(status).to_contain_text("Enregistré à", timeout=10_000)
    shown = page.evaluate("window.autosaveStatuses")
    assert any("Des saisies de cet appareil n'avaient pas été enregistrées" in s for s in shown)
    axe_check(page)
    application.refresh_from_db()
    assert application.expectations == typed


# --- The keyboard --------------------------------------------------------------------------------


def test_enter_in_a_structure_field_saves_rather_than_looks_up_the_siret(
    live_server, page, axe_check
):
    """« Rechercher ce SIRET » comes first in the form: it must not be what Enter presses (the
    directory's answer overwrites what was typed)."""
    lead = make_user(Role.APPLICANT)
    application = services.application_create(call=open_call(), by=lead)
    structure = application.structures.get(is_lead=True)
    url = f"{live_server.url}/candidatures/{application.public_id}/structures/{structure.pk}/"
    page.goto(url)
    sign_in_by_code(page, axe_check, lead.email)
    page.wait_for_url(url)
    axe_check(page)
    page.get_by_label("Nom de la structure").fill("Les Ateliers fictifs")
    page.get_by_label("Nom de la structure").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Structures partenaires")
    axe_check(page)
    structure.refresh_from_db()
    assert structure.name == "Les Ateliers fictifs"
