"""The application pages through the client: as the lead, a partner, a stranger; autosave,
downloads, submission, withdrawal, the PDFs and the query counts."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, ApplicationStructure, Attachment
from coopess.calls.models import Call
from tests.applications.helpers import (
    complete_application,
    pdf_upload,
    structure_data,
)
from tests.conftest import INVALID_MARKER, sign_in
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db

SECTION_SLUGS = ["type", "partenaires", "projet", "questions", "pieces"]


# --- Building ---------------------------------------------------------------------------------


@pytest.fixture
def partner_structure(application, lead):
    """A partner structure invited by the lead; its representative joined through the link."""
    user = make_user(Role.APPLICANT)
    structure = services.partner_invite(
        application=application, by=lead, name="Partenaire invité", email=user.email
    )
    services.partner_accept(structure=structure, user=user)
    return ApplicationStructure.objects.get(pk=structure.pk)


@pytest.fixture
def partner(partner_structure):
    """The partner structure's representative."""
    return partner_structure.accesses.get().user


def url(name: str, application: Application, *args) -> str:
    return reverse(f"applications:{name}", args=[application.public_id, *args])


def section(application: Application, slug: str) -> str:
    return url("section", application, slug)


def lead_structure(application: Application) -> ApplicationStructure:
    return application.structures.get(is_lead=True)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def assert_clean(response) -> None:
    content = response.content.decode()
    assert INVALID_MARKER not in content, content[content.find(INVALID_MARKER) - 200 :][:400]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def first_attachment(application: Application) -> Attachment:
    return application.attachments.filter(is_receipt=False).first()


# --- The lead ----------------------------------------------------------------------------------


def test_lead_opens_every_page_of_the_application(lead_client, application):
    pages = [
        url("detail", application),
        *(section(application, slug) for slug in SECTION_SLUGS),
        url("structure", application, lead_structure(application).pk),
        url("submit", application),
        url("withdraw", application),
    ]
    for page in pages:
        response = lead_client.get(page)
        assert response.status_code == 200, page
        assert_clean(response)


def test_the_structure_section_leads_to_the_lead_structure(lead_client, application):
    response = lead_client.get(section(application, "structure"))
    assert response.status_code == 302
    assert response["Location"] == url("structure", application, lead_structure(application).pk)


def test_an_unknown_section_is_not_found(lead_client, application):
    assert lead_client.get(section(application, "inconnue")).status_code == 404


def test_the_lead_cannot_reach_an_attachment_through_another_application(
    lead_client, call, lead, application
):
    other = complete_application(call, lead=lead)
    foreign = first_attachment(other)
    response = lead_client.get(url("attachment_download", application, foreign.public_id))
    assert response.status_code == 404


# --- A partner ---------------------------------------------------------------------------------


def test_a_partner_opens_and_edits_its_own_structure(
    client, application, partner, partner_structure
):
    sign_in(client, partner)
    own = url("structure", application, partner_structure.pk)
    response = client.get(own)
    assert response.status_code == 200
    assert_clean(response)
    response = client.post(own, structure_data(30, name="Ma structure partenaire"))
    assert response.status_code == 302
    assert response["Location"] == own
    partner_structure.refresh_from_db()
    assert partner_structure.name == "Ma structure partenaire"
    assert partner_structure.representatives.get(position=2).first_name == "Marc"


def test_a_partner_reads_the_lead_structure_but_cannot_change_it(client, application, partner):
    sign_in(client, partner)
    lead_url = url("structure", application, lead_structure(application).pk)
    response = client.get(lead_url)
    assert response.status_code == 200
    assert_clean(response)
    assert "Association fictive n° 1" in page_text(response)
    response = client.post(lead_url, structure_data(1, name="Pris en main"))
    assert response.status_code == 403
    assert lead_structure(application).name == "Association fictive n° 1"


def test_a_partner_reads_the_application_sections(client, application, partner):
    sign_in(client, partner)
    for page in [url("detail", application), *(section(application, s) for s in SECTION_SLUGS)]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_clean(response)


@pytest.mark.parametrize(
    "slug, data",
    [
        ("type", {"kind": "network_head", "project_title": "Détourné"}),
        ("projet", {"expectations": "Détourné"}),
        ("questions", {}),
    ],
)
def test_a_partner_cannot_change_the_application_wide_sections(
    client, application, partner, slug, data
):
    sign_in(client, partner)
    response = client.post(section(application, slug), data)
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.project_title == "Mutualiser un poste"
    assert application.kind == "unaffiliated"
    assert application.expectations == "Être accompagnés."


def test_a_partner_cannot_submit_invite_or_withdraw(client, application, partner):
    sign_in(client, partner)
    assert client.get(url("submit", application)).status_code == 403
    assert client.post(url("submit", application), {"version": 1}).status_code == 403
    response = client.post(
        url("partner_invite", application), {"name": "Autre", "email": "autre@example.org"}
    )
    assert response.status_code == 403
    assert client.post(url("withdraw", application), {"confirm": "on"}).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.structures.count() == 2


# --- Strangers ---------------------------------------------------------------------------------


def stranger_urls(application: Application, partner_structure_pk: int) -> list[tuple[str, str]]:
    attachment = first_attachment(application)
    lead_pk = lead_structure(application).pk
    gets = [
        url("detail", application),
        *(section(application, slug) for slug in [*SECTION_SLUGS, "structure"]),
        url("structure", application, lead_pk),
        url("structure", application, partner_structure_pk),
        url("submit", application),
        url("withdraw", application),
        url("attachment_download", application, attachment.public_id),
        url("attachment_download", application, uuid.uuid4()),
    ]
    posts = [
        section(application, "type"),
        url("structure", application, lead_pk),
        url("structure_confirm", application, partner_structure_pk),
        url("partner_invite", application),
        url("partner_remove", application, partner_structure_pk),
        url("attachment_upload", application),
        url("attachment_delete", application, attachment.public_id),
        url("submit", application),
        url("withdraw", application),
    ]
    return [("get", u) for u in gets] + [("post", u) for u in posts]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.OFFICER])
def test_a_stranger_finds_nothing(client, application, partner_structure, role):
    stranger = make_user(role)
    if stranger.needs_second_factor:
        add_totp(stranger)
    sign_in(client, stranger)
    for method, address in stranger_urls(application, partner_structure.pk):
        response = getattr(client, method)(address, {"confirm": "on", "version": "1"})
        assert response.status_code == 404, (method, address, response.status_code)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.attachments.count() > 0


def test_an_unknown_application_is_not_found(lead_client, application):
    response = lead_client.get(reverse("applications:detail", args=[uuid.uuid4()]))
    assert response.status_code == 404


# --- Attachments --------------------------------------------------------------------------------


def test_the_lead_downloads_an_attachment_as_a_protected_download(lead_client, application):
    attachment = first_attachment(application)
    response = lead_client.get(url("attachment_download", application, attachment.public_id))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "statuts.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def upload_forms(content: str) -> list[dict[str, str]]:
    """The hidden fields of each upload form on the documents page."""
    forms = re.findall(r'<form[^>]*class="form upload-form".*?</form>', content, re.S)
    return [
        dict(
            re.findall(
                r'<input type="hidden" name="(document|structure|question)" value="(\d+)">', f
            )
        )
        for f in forms
    ]


def test_every_upload_form_offered_to_the_lead_accepts_a_file(
    lead_client, application, partner_structure, settings, tmp_path
):
    """The lead is offered an upload form for each structure's documents (partners' too): each
    of them must accept a file, not answer 403."""
    settings.MEDIA_ROOT = tmp_path
    page = lead_client.get(section(application, "pieces"))
    forms = upload_forms(page.content.decode())
    partner_pk = str(partner_structure.pk)
    assert any(f.get("structure") == partner_pk for f in forms)
    refused = []
    for fields in forms:
        response = lead_client.post(
            url("attachment_upload", application), {**fields, "file": pdf_upload()}
        )
        if response.status_code != 302:
            refused.append((fields, response.status_code))
    assert refused == []


def test_every_remove_button_offered_to_the_lead_works(lead_client, call, lead, settings, tmp_path):
    """The lead sees a « Retirer » button on the partners' files too: it must not answer 403."""
    settings.MEDIA_ROOT = tmp_path
    application = complete_application(call, lead=lead, partners=1)
    content = lead_client.get(section(application, "pieces")).content.decode()
    actions = re.findall(r'<form method="post" action="([^"]+/supprimer/)"', content)
    assert len(actions) == application.attachments.count() == 4
    statuses = [lead_client.post(action).status_code for action in actions]
    assert statuses == [302] * 4
    assert application.attachments.count() == 0


def test_a_partner_is_offered_upload_forms_for_its_own_structure_only(
    client, application, partner, partner_structure, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, partner)
    forms = upload_forms(client.get(section(application, "pieces")).content.decode())
    assert forms
    assert {f.get("structure") for f in forms} == {str(partner_structure.pk)}
    for fields in forms:
        response = client.post(
            url("attachment_upload", application), {**fields, "file": pdf_upload()}
        )
        assert response.status_code == 302
    lead_document = {
        "document": forms[0]["document"],
        "structure": str(lead_structure(application).pk),
    }
    response = client.post(
        url("attachment_upload", application), {**lead_document, "file": pdf_upload()}
    )
    assert response.status_code == 403


# --- Autosave ------------------------------------------------------------------------------------


def test_autosave_answers_with_the_status_fragment(lead_client, application):
    response = lead_client.post(
        section(application, "type"),
        {"kind": "network_head", "project_title": "Titre enregistré tout seul"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = page_text(response)
    assert "Enregistré à" in content
    assert '<div class="error-message" id="id_project_title_error" hx-swap-oob="true">' in content
    assert "<html" not in content  # a fragment, not a page
    application.refresh_from_db()
    assert application.project_title == "Titre enregistré tout seul"
    assert application.kind == "network_head"


def test_autosave_keeps_an_invalid_siret_and_shows_it_again(lead_client, application):
    structure = lead_structure(application)
    page = url("structure", application, structure.pk)
    valid = structure.siret
    typed = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    response = lead_client.post(
        page,
        structure_data(1, siret=typed, commune="Saint-Herblain"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = page_text(response)
    assert "Enregistré à" in content
    assert "1 saisie à corriger" in content
    slot = re.search(r'<div class="error-message" id="id_siret_error"[^>]*>(.*?)</div>', content)
    assert slot and "clé de contrôle" in slot.group(1)
    application.refresh_from_db()
    assert application.pending_input == {f"structure:{structure.pk}:siret": typed}
    structure.refresh_from_db()
    assert structure.siret == valid  # the last valid value stays in the model
    assert structure.commune == "Saint-Herblain"  # the valid fields are saved

    response = lead_client.get(page)
    content = page_text(response)
    assert f'value="{typed}"' in content
    slot = re.search(r'<div class="error-message" id="id_siret_error">(.*?)</div>', content, re.S)
    assert slot and "clé de contrôle" in slot.group(1)
    assert_clean(response)


def test_autosave_without_a_session_is_refused_with_401(client, application):
    response = client.post(
        section(application, "type"), {"project_title": "Perdu ?"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 401
    assert "reconnectez-vous" in response.content.decode()
    application.refresh_from_db()
    assert application.project_title == "Mutualiser un poste"


def test_a_full_post_without_a_session_goes_to_the_sign_in_page(client, application):
    response = client.post(section(application, "type"), {"project_title": "Perdu ?"})
    assert response.status_code == 302
    assert "/compte/" in response["Location"]


# --- Submission and withdrawal ---------------------------------------------------------------------


def test_submission_through_the_page(lead_client, application, django_capture_on_commit_callbacks):
    response = lead_client.get(url("submit", application))
    assert response.status_code == 200
    assert f'name="version" value="{application.version}"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url("submit", application), {"version": application.version})
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.receipt_number
    assert any(application.receipt_number in m for m in messages_of(response))
    assert application.transitions.count() == 1

    # the second click of a double click
    version = application.version
    response = lead_client.post(url("submit", application), {"version": 1})
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    assert any("déjà déposée" in m for m in messages_of(response))
    assert application.transitions.count() == 1
    application.refresh_from_db()
    assert application.version == version

    response = lead_client.get(url("detail", application))
    assert response.status_code == 200
    assert application.receipt_number in response.content.decode()
    assert "Télécharger le récépissé" in page_text(response)
    assert_clean(response)


def test_submission_after_closing_is_refused_and_the_draft_kept(lead_client, call, application):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    response = lead_client.post(url("submit", application), {"version": application.version})
    assert response.status_code == 200
    content = page_text(response)
    assert "L'appel a été clos le" in content
    assert "Votre brouillon est conservé" in content
    assert_clean(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.receipt_number is None
    assert application.project_title == "Mutualiser un poste"
    assert application.transitions.count() == 0


def test_an_incomplete_application_is_not_submitted(lead_client, call, lead):
    application = services.application_create(call=call, by=lead)
    response = lead_client.post(url("submit", application), {"version": application.version})
    assert response.status_code == 200
    assert "n'est pas complète" in page_text(response)
    assert 'class="error-summary"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_withdrawal_asks_for_the_confirmation_box(lead_client, application):
    response = lead_client.post(url("withdraw", application), {"reason": "Projet abandonné"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert "Projet abandonné" in page_text(response)  # the reason typed is kept
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT

    response = lead_client.post(
        url("withdraw", application), {"confirm": "on", "reason": "Projet abandonné"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    assert "Votre candidature est retirée." in messages_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    log = application.transitions.get()
    assert (log.to_status, log.comment) == ("withdrawn", "Projet abandonné")


# --- PDFs ------------------------------------------------------------------------------------------


def test_the_blank_form_is_a_pdf_with_every_question(client, call):
    response = client.get(reverse("apply:blank_form", args=[call.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response.content)
    labels = [question.label for question in call.questions.all()]
    assert labels
    for label in [*labels, "Numéro SIRET", "Stade de maturité du projet"]:
        assert " ".join(label.split()) in text, label
    for stage in call.maturity_stages.all():
        assert " ".join(stage.label.split()) in text


def test_the_receipt_pdf_says_what_was_submitted(
    lead_client, call, lead, django_capture_on_commit_callbacks
):
    application = complete_application(call, lead=lead, partners=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url("submit", application), {"version": application.version})
    assert response.status_code == 302
    application.refresh_from_db()
    receipt = application.attachments.get(is_receipt=True)
    with receipt.file.open("rb") as handle:
        data = handle.read()
    text = pdf_text(data)
    assert application.receipt_number in text
    assert "Mutualiser un poste" in text
    for structure in application.structures.all():
        assert structure.name in text
    assert "Page 1 sur" in text

    response = lead_client.get(url("attachment_download", application, receipt.public_id))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data


# --- Query counts ------------------------------------------------------------------------------------


def count_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["detail", "submit", "partenaires", "pieces", "structure"])
def test_query_count_does_not_grow_with_partners(client, call, page):
    counts = []
    for partners in (1, 4):
        lead = make_user(Role.APPLICANT)
        application = complete_application(call, lead=lead, partners=partners)
        sign_in(client, lead)
        if page in ("detail", "submit"):
            address = url(page, application)
        elif page == "structure":
            address = url("structure", application, lead_structure(application).pk)
        else:
            address = section(application, page)
        counts.append(count_queries(client, address))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries with 1 partner, {counts[1]} with 4"
