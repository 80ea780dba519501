"""What a representative may type wrong: a French message next to the field and in the error
summary, nothing typed lost, nothing refused that the DLA should judge itself."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.models import (
    Answer,
    Application,
    ApplicationStructure,
    Attachment,
    Representative,
)
from coopess.calls.models import Call
from tests.applications.helpers import (
    complete_application,
    docx_upload,
    structure_data,
    valid_siret,
)
from tests.conftest import INVALID_MARKER, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


@pytest.fixture
def media(settings, tmp_path):
    """Files stored during the test land in a folder of their own (to count them)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name: str, application: Application, *args) -> str:
    return reverse(f"applications:{name}", args=[application.public_id, *args])


def lead_structure(application: Application) -> ApplicationStructure:
    return application.structures.get(is_lead=True)


def structure_page(application: Application) -> str:
    return url("structure", application, lead_structure(application).pk)


def error_slot(content: str, slot_id: str) -> str | None:
    """The text of ``<div class="error-message" id="...">``, or None when the slot is absent."""
    match = re.search(
        rf'<div class="error-message" id="{re.escape(slot_id)}"[^>]*>(.*?)</div>', content, re.S
    )
    return html.unescape(match.group(1)) if match else None


def error_summary(content: str) -> str | None:
    match = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', content, re.S)
    return html.unescape(match.group(1)) if match else None


def assert_clean(response) -> None:
    content = response.content.decode()
    assert INVALID_MARKER not in content, content[content.find(INVALID_MARKER) - 200 :][:400]


def bad_checksum_siret() -> str:
    valid = valid_siret(7)
    return valid[:-1] + str((int(valid[-1]) + 1) % 10)


# --- Structure fields ------------------------------------------------------------------------------

BAD_STRUCTURE_INPUT = [
    pytest.param("siret", bad_checksum_siret(), "clé de contrôle", id="siret-checksum"),
    pytest.param("siret", "1234567890", "14 chiffres ; vous en avez saisi 10", id="siret-length"),
    pytest.param("siret", "ABC 123 456 78901", "ne contient que des chiffres", id="siret-letters"),
    pytest.param("rna", "X12345", "commence par la lettre W", id="rna-prefix"),
    pytest.param("rna", "W12345", "compte 10 caractères", id="rna-length"),
    pytest.param("postal_code", "4400", "Le code postal compte 5 chiffres", id="postal-code"),
    pytest.param("rep1_phone", "abc", "numéro de téléphone à 10 chiffres", id="phone"),
    pytest.param(
        "rep1_email", "pas-un-email", "Saisissez une adresse de courriel valide", id="email"
    ),
    pytest.param("employees", "beaucoup", "nombre entier", id="employees"),
    pytest.param("fte", "-1", "supérieure ou égale à 0", id="fte-negative"),
]


@pytest.mark.parametrize("field, typed, message", BAD_STRUCTURE_INPUT)
def test_bad_structure_input_is_explained_and_kept(lead_client, application, field, typed, message):
    structure = lead_structure(application)
    before = services.structure_initial(structure)
    data = structure_data(
        2, name="Les Ateliers d'à côté", commune="Rezé", rep2_role="Trésorière", **{field: typed}
    )
    response = lead_client.post(structure_page(application), data)

    assert response.status_code == 200
    assert_clean(response)
    content = response.content.decode()
    slot = error_slot(content, f"id_{field}_error")
    assert slot is not None and message in slot, slot
    summary = error_summary(content)
    assert summary is not None and message in summary, summary
    assert f'href="#id_{field}"' in content  # the summary links to the field
    assert "Enregistré. Certaines saisies sont à corriger" in html.unescape(content)
    # what was typed comes back in the page, the wrong value included
    text = html.unescape(content)
    assert f'value="{typed}"' in text
    assert 'value="Les Ateliers d\'à côté"' in text
    assert 'value="Rezé"' in text
    assert 'value="Trésorière"' in text
    # and in the database: the valid fields saved, the wrong one kept as typed
    application.refresh_from_db()
    assert application.pending_input == {f"structure:{structure.pk}:{field}": typed}
    structure.refresh_from_db()
    assert structure.name == "Les Ateliers d'à côté"
    assert structure.commune == "Rezé"
    assert structure.representatives.get(position=2).role == "Trésorière"
    after = services.structure_initial(structure)
    assert after[field] == before[field]  # the last valid value is not overwritten


def test_a_corrected_value_clears_the_pending_input(lead_client, application):
    structure = lead_structure(application)
    lead_client.post(structure_page(application), structure_data(1, postal_code="4400"))
    response = lead_client.post(structure_page(application), structure_data(1, postal_code="44100"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.pending_input == {}
    structure.refresh_from_db()
    assert structure.postal_code == "44100"


def too_long_email() -> str:
    """A syntactically valid address of 260 characters: forms accept 320, the columns hold 254."""
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org"
    assert len(email) > 254
    return email


def test_an_email_longer_than_the_column_is_refused_not_cut(lead_client, application):
    response = lead_client.post(
        structure_page(application), structure_data(1, rep1_email=too_long_email())
    )
    assert response.status_code == 200
    slot = error_slot(response.content.decode(), "id_rep1_email_error")
    assert slot, "no French message next to the field"
    representative = Representative.objects.get(structure=lead_structure(application), position=1)
    assert representative.email == "lea.1@example.org"


def test_an_invitation_address_longer_than_the_column_is_refused(lead_client, application):
    response = lead_client.post(
        url("partner_invite", application), {"name": "Partenaire", "email": too_long_email()}
    )
    assert response.status_code == 200
    slot = error_slot(response.content.decode(), "id_email_error")
    assert slot, "no French message next to the field"
    assert application.structures.count() == 1


def test_a_structure_outside_the_call_departements_is_accepted_with_a_warning(
    lead_client, application
):
    data = structure_data(1, departement="35", postal_code="35000", commune="Rennes")
    response = lead_client.post(structure_page(application), data)
    assert response.status_code == 302
    structure = lead_structure(application)
    assert structure.departement == "35"
    application.refresh_from_db()
    assert application.pending_input == {}
    response = lead_client.get(structure_page(application))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "ne fait pas partie des départements de l'appel" in text
    assert "Vous pouvez tout de même candidater" in text
    assert not [item for item in services.missing_items(application) if "35" in item.label]


# --- Partners --------------------------------------------------------------------------------------


def test_inviting_beyond_the_cap_is_refused_in_french(lead_client, call, lead, mailoutbox):
    application = complete_application(call, lead=lead, partners=4)
    assert application.structures.count() == call.max_structures == 5
    sent = len(mailoutbox)
    response = lead_client.post(
        url("partner_invite", application), {"name": "Sixième", "email": "sixieme@example.org"}
    )
    assert response.status_code == 200
    assert_clean(response)
    text = html.unescape(response.content.decode())
    summary = error_summary(response.content.decode())
    assert summary and "Cet appel accompagne au plus 5 structures" in summary
    assert "5 structures sur 5 au maximum" in text
    assert application.structures.count() == 5
    assert not ApplicationStructure.objects.filter(invited_email="sixieme@example.org").exists()
    assert len(mailoutbox) == sent


def test_a_bad_invitation_address_is_explained(lead_client, application):
    response = lead_client.post(
        url("partner_invite", application), {"name": "Partenaire", "email": "pas-un-email"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    slot = error_slot(content, "id_email_error")
    assert slot and "valide" in slot
    assert error_summary(content)
    assert 'value="Partenaire"' in content  # the name typed is kept
    assert application.structures.count() == 1


# --- Uploads -----------------------------------------------------------------------------------------


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def upload(client, application, document, structure, file):
    return client.post(
        url("attachment_upload", application),
        {"document": document.pk, "structure": structure.pk, "file": file},
    )


BIG = 1_000_001


@pytest.mark.parametrize(
    "case, message",
    [
        ("docx-named-pdf", "n'est pas un PDF : son contenu ressemble à un document Word (.docx)"),
        ("html-named-pdf", "n'est pas un PDF : son contenu ressemble à une page web (HTML)"),
        ("too-large", "dépasse la taille maximale autorisée (1 Mo)"),
    ],
)
def test_a_refused_upload_is_explained_next_to_its_field(
    lead_client, call, application, media, case, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = call.documents.get(code="rapport-activite")
    structure = lead_structure(application)
    if case == "docx-named-pdf":
        file = docx_upload("rapport.pdf")
    elif case == "html-named-pdf":
        file = SimpleUploadedFile(
            "rapport.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
        )
    else:
        Call.objects.filter(pk=call.pk).update(max_file_mb=1)
        content = b"%PDF-1.4\n" + b"0" * (BIG - len(b"%PDF-1.4\n%%EOF\n")) + b"%%EOF\n"
        assert len(content) == BIG
        file = SimpleUploadedFile("rapport.pdf", content, content_type="application/pdf")
    count = Attachment.objects.count()

    response = upload(lead_client, application, document, structure, file)

    assert response.status_code == 400
    assert_clean(response)
    content = response.content.decode()
    anchor = f"document-{document.pk}-{structure.pk}"
    slot = error_slot(content, f"file-{anchor}-error")
    assert slot is not None and message in slot, slot
    assert f'aria-describedby="file-{anchor}-error"' in content
    assert Attachment.objects.count() == count
    assert stored_files(media) == []


def test_an_upload_without_a_file_is_explained(lead_client, call, application, media):
    document = call.documents.get(code="rapport-activite")
    structure = lead_structure(application)
    response = lead_client.post(
        url("attachment_upload", application), {"document": document.pk, "structure": structure.pk}
    )
    assert response.status_code == 400
    slot = error_slot(
        response.content.decode(), f"file-document-{document.pk}-{structure.pk}-error"
    )
    assert slot and "Choisissez un fichier" in slot
    assert stored_files(media) == []


# --- Required questions ---------------------------------------------------------------------------------


def test_an_empty_required_question_is_listed_with_a_link(lead_client, call, application):
    question = call.questions.filter(required=True).exclude(kind="file").first()
    Answer.objects.filter(application=application, question=question).delete()
    response = lead_client.get(url("submit", application))
    assert response.status_code == 200
    content = response.content.decode()
    summary = error_summary(content)
    assert summary and f"Répondre : {question.label}" in summary
    link = url("section", application, "questions") + f"#id_q{question.pk}"
    assert f'href="{link}"' in content
    assert "Déposer la candidature" not in html.unescape(content)
    # the link leads to an element of the questions page
    page = lead_client.get(url("section", application, "questions")).content.decode()
    assert f'id="id_q{question.pk}"' in page


# --- HTML and scripts typed in text fields ------------------------------------------------------------

STRUCTURE_TEXT_FIELDS = [
    "name", "address", "commune", "network_affiliation",
    "rep1_first_name", "rep1_last_name", "rep1_role",
    "rep2_first_name", "rep2_last_name", "rep2_role",
]  # fmt: skip
# fields that refuse such a value: kept as typed in ``pending_input``
STRUCTURE_CHECKED_FIELDS = ["siret", "rna", "postal_code", "rep1_email", "rep1_phone"]
PROJECT_TEXT_FIELDS = [
    "shared_other", "shared_description", "regional_scope", "expectations", "difficulties",
    "availability",
]  # fmt: skip


def test_html_typed_everywhere_is_stored_as_typed_and_shown_escaped(lead_client, call, lead):
    application = complete_application(call, lead=lead, partners=1)
    structure = lead_structure(application)
    first, follow_up = call.questions.order_by("position")[:2]
    assert follow_up.show_if_question_id == first.pk and follow_up.kind == "text"

    responses = [
        lead_client.post(
            url("section", application, "type"), {"kind": "unaffiliated", "project_title": XSS}
        ),
        lead_client.post(
            structure_page(application),
            structure_data(
                1, **dict.fromkeys(STRUCTURE_TEXT_FIELDS + STRUCTURE_CHECKED_FIELDS, XSS)
            ),
        ),
        lead_client.post(
            url("section", application, "projet"),
            {
                "shared_domains": ["hr"],
                "goals": ["costs"],
                "maturity_stage": str(call.maturity_stages.first().pk),
                **dict.fromkeys(PROJECT_TEXT_FIELDS, XSS),
            },
        ),
        lead_client.post(
            url("section", application, "questions"),
            {f"q{first.pk}": "oui", f"q{follow_up.pk}": XSS},
        ),
        lead_client.post(
            url("partner_invite", application), {"name": XSS, "email": "x@example.org"}
        ),
    ]
    assert [r.status_code for r in responses] == [302, 200, 302, 302, 302]

    # stored exactly as typed
    application.refresh_from_db()
    structure.refresh_from_db()
    assert application.project_title == XSS
    for name in PROJECT_TEXT_FIELDS:
        assert getattr(application, name) == XSS, name
    for name in STRUCTURE_TEXT_FIELDS:
        assert services.structure_initial(structure)[name] == XSS, name
    for name in STRUCTURE_CHECKED_FIELDS:
        assert application.pending_input[f"structure:{structure.pk}:{name}"] == XSS, name
    assert Answer.objects.get(application=application, question=follow_up).value == XSS
    invited = application.structures.get(invited_email="x@example.org")
    assert invited.name == XSS

    # shown escaped on every page
    pages = [
        url("detail", application),
        structure_page(application),
        *(url("section", application, s) for s in ["type", "partenaires", "projet", "questions"]),
        url("section", application, "pieces"),
        url("submit", application),
        url("withdraw", application),
        reverse("applications:mine"),
    ]
    for page in pages:
        response = lead_client.get(page)
        assert response.status_code == 200, page
        assert_clean(response)
        content = response.content.decode()
        assert "<script>alert(1)" not in content, page
        assert "<img src=x" not in content, page
        assert "&lt;script&gt;alert(1)" in content, page
    detail = lead_client.get(url("detail", application)).content.decode()
    assert detail.count(XSS_ESCAPED) >= 1 + len(PROJECT_TEXT_FIELDS) + 1  # title, project, answer


# --- Characters a database cannot hold ------------------------------------------------------------


@pytest.mark.parametrize("where", ["type", "structure", "projet", "questions"])
def test_a_nul_character_is_neither_a_crash_nor_stored(lead_client, call, application, where):
    """Django's text fields refuse U+0000; what is kept as typed must not hold it either, since
    PostgreSQL's jsonb refuses it (« unsupported Unicode escape sequence »: a 500 on every
    autosave of the field)."""
    typed = "Mutualiser\x00 la compta"
    structure = lead_structure(application)
    follow_up = call.questions.order_by("position")[1]
    path, data, field = {
        "type": (
            url("section", application, "type"),
            {"kind": "unaffiliated", "project_title": typed},
            "project_title",
        ),
        "structure": (structure_page(application), structure_data(1, name=typed), "name"),
        "projet": (url("section", application, "projet"), {"expectations": typed}, "expectations"),
        "questions": (
            url("section", application, "questions"),
            {f"q{call.questions.order_by('position')[0].pk}": "oui", f"q{follow_up.pk}": typed},
            f"q{follow_up.pk}",
        ),
    }[where]
    response = lead_client.post(path, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    application.refresh_from_db()
    structure.refresh_from_db()
    stored = [
        application.project_title,
        application.expectations,
        structure.name,
        *application.pending_input.values(),
        *Answer.objects.filter(application=application).values_list("value", flat=True),
    ]
    assert not [value for value in stored if "\x00" in str(value)]
    # either saved without the character, or kept (without it) with a French message
    pending = application.pending_input
    if pending:
        assert "la compta" in str(list(pending.values()))
        slot = error_slot(response.content.decode(), f"id_{field}_error")
        assert slot and "caractère nul" in slot
    assert lead_client.get(path).status_code == 200


def test_an_unwritable_media_storage_refuses_the_upload_and_keeps_the_draft(
    client, settings, tmp_path
):
    """A real filesystem failure: the media root sits below a plain file, so nothing can be
    written. The representative reads a clear message; the draft and its other files stay."""
    from coopess.applications.models import Attachment
    from tests.applications.helpers import complete_application, pdf_upload

    lead = make_user(Role.APPLICANT)
    application = complete_application(lead=lead)
    before = Attachment.objects.filter(application=application).count()
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")
    sign_in(client, lead)
    document = application.call.documents.get(code="rapport-activite")
    structure = application.structures.get(is_lead=True)
    response = client.post(
        reverse("applications:attachment_upload", args=[application.public_id]),
        {"document": document.pk, "structure": structure.pk, "file": pdf_upload("rapport.pdf")},
    )
    assert response.status_code == 400
    assert "n'a pas pu être enregistré pour une raison technique" in html.unescape(
        response.content.decode()
    )
    assert Attachment.objects.filter(application=application).count() == before
    application.refresh_from_db()
    assert application.project_title == "Mutualiser un poste"
