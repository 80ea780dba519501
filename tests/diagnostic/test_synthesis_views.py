"""The synthesis pages: the officer composes and circulates, each structure reads and answers;
permissions, nothing typed lost, escaped Markdown, frozen PDF downloads, query counts."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from coopess.diagnostic.models import SynthesisSection, SynthesisStatus
from coopess.diagnostic.services import synthesis as services
from tests.applications.helpers import open_call
from tests.conftest import INVALID_MARKER, sign_in
from tests.diagnostic.test_synthesis_helpers import (
    PRIVATE,
    approve,
    circulating,
    full_cohort,
)
from tests.diagnostic.test_synthesis_render import XSS, pdf_text

pytestmark = pytest.mark.django_db
S = SynthesisStatus


def officer_url(name, setup, **kwargs):
    return reverse(f"diagnostic:{name}", kwargs={"cohort_id": setup.cohort.pk, **kwargs})


def review_url(structure, version, name="synthesis_review"):
    return reverse(
        f"diagnostic:{name}", kwargs={"structure_id": structure.pk, "version_id": version.pk}
    )


def test_officer_prepares_edits_and_circulates(client, django_capture_on_commit_callbacks):
    setup = full_cohort()
    sign_in(client, setup.officer)
    page = client.get(officer_url("synthesis", setup))
    assert page.status_code == 200
    assert "Préparer la version 1" in page.content.decode()
    response = client.post(officer_url("synthesis_create", setup))
    assert response.status_code == 302
    version = setup.cohort.syntheses.get()
    page = client.get(officer_url("synthesis", setup))
    content = page.content.decode()
    assert INVALID_MARKER not in content
    assert "Sécuriser la fonction paie" in content
    assert "<svg" in content  # the heat map
    assert "Comparer les coûts de paie" in content  # the action plan table
    assert PRIVATE not in content

    section = version.sections.get(key="support")
    url = officer_url("synthesis_section", setup, section_id=section.pk)
    assert client.get(url).status_code == 200
    # an error keeps what was typed
    response = client.post(url, {"title": "", "body": "Mon texte « soigné »"})
    assert response.status_code == 400
    assert "Mon texte « soigné »" in response.content.decode()
    # « Aperçu »: nothing saved, HTMX gets the preview alone, without HTMX the whole page
    response = client.post(
        url, {"title": "T", "body": "Un **aperçu**", "preview": "1"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().strip() == "<p>Un <strong>aperçu</strong></p>"
    response = client.post(url, {"title": "T", "body": "Un **aperçu**", "preview": "1"})
    assert response.status_code == 200 and "<strong>aperçu</strong>" in response.content.decode()
    section.refresh_from_db()
    assert "aperçu" not in section.body
    response = client.post(url, {"title": "Accompagnement", "body": "Trois **demi-journées**."})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == "Trois **demi-journées**.\n"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(officer_url("synthesis_circulate", setup, version_id=version.pk))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == S.CIRCULATING
    # a circulated section is refused, with the typed text kept and a French message
    response = client.post(url, {"title": "Accompagnement", "body": "Texte tardif"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Texte tardif" in content and "nouvelle version" in content

    response = client.post(officer_url("synthesis_new_version", setup), {"comment": "Relecture"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == S.SUPERSEDED
    assert setup.cohort.syntheses.get(number=2).status == S.DRAFT


def test_downloads_for_the_officer(client):
    setup = full_cohort()
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    sign_in(client, setup.officer)
    pdf = client.get(officer_url("synthesis_pdf", setup, version_id=version.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    docx = client.get(officer_url("synthesis_docx", setup, version_id=version.pk))
    assert docx.status_code == 200
    Document(io.BytesIO(docx.content))  # a valid document


def test_structure_reads_and_answers(client, django_capture_on_commit_callbacks):
    setup = full_cohort(applications=(1, 1))
    a, b = setup.structures
    version = circulating(setup)
    sign_in(client, setup.person(a))
    home = client.get(reverse("diagnostic:structure", kwargs={"structure_id": a.pk}))
    assert review_url(a, version) in home.content.decode()
    page = client.get(review_url(a, version))
    assert page.status_code == 200
    content = page.content.decode()
    assert INVALID_MARKER not in content
    assert "Sécuriser la fonction paie" in content  # what the officer wrote
    assert PRIVATE not in content  # never the interview's private notes

    section = version.sections.get(key="workshop")
    field = f"section_{section.pk}"
    # changes without a word: refused, the text of other fields kept
    response = client.post(review_url(a, version), {"verdict": "changes", "comment": ""})
    assert response.status_code == 400
    assert "Dites ce qu&#x27;il faut modifier" in response.content.decode()
    response = client.post(
        review_url(a, version), {"verdict": "changes", field: "Ajouter le lieu de l'atelier."}
    )
    assert response.status_code == 302
    review = version.reviews.get(structure=a)
    assert review.comments.get().body == "Ajouter le lieu de l'atelier."
    page = client.get(review_url(a, version)).content.decode()
    assert "Ajouter le lieu de l&#x27;atelier." in page

    # approvals of both structures validate the version
    client.post(review_url(a, version), {"verdict": "approved"})
    with django_capture_on_commit_callbacks(execute=True):
        approve(setup, version, b)
    version.refresh_from_db()
    assert version.status == S.VALIDATED
    page = client.get(review_url(a, version)).content.decode()
    assert version.pdf_sha256 in page
    pdf = client.get(review_url(a, version, "structure_synthesis_pdf"))
    body = b"".join(pdf.streaming_content)
    assert hashlib.sha256(body).hexdigest() == version.pdf_sha256
    text, _pages = pdf_text(body)
    assert PRIVATE not in text
    docx = client.get(review_url(a, version, "structure_synthesis_docx"))
    assert docx.status_code == 200
    # no more answers on a validated version
    response = client.post(review_url(a, version), {"verdict": "approved"})
    assert response.status_code == 400
    assert "déjà validée" in response.content.decode()


def test_superseded_versions_stay_readable_but_cannot_be_answered(client):
    setup = full_cohort(applications=(1, 1), with_data=False)
    a, _b = setup.structures
    first = circulating(setup)
    section = first.sections.get(key="context")
    services.synthesis_review(
        version=first,
        structure=a,
        by=setup.person(a),
        verdict="changes",
        section_comments={section.pk: "Notre département est le 49."},
    )
    second = services.synthesis_new_version(cohort=setup.cohort, by=setup.officer)
    sign_in(client, setup.person(a))
    # the new draft is invisible to structures
    assert client.get(review_url(a, second)).status_code == 404
    page = client.get(review_url(a, first))
    assert page.status_code == 200
    assert "Notre département est le 49." in page.content.decode()
    response = client.post(review_url(a, first), {"verdict": "approved"})
    assert response.status_code == 400
    assert "remplacée" in response.content.decode()
    assert not first.reviews.filter(verdict="approved").exists()
    # the officer sees the comments of the superseded version too
    sign_in(client, setup.officer)
    page = client.get(officer_url("synthesis_version", setup, version_id=first.pk))
    assert "Notre département est le 49." in page.content.decode()
    # and beside the draft of version 2, where they are acted upon
    page = client.get(officer_url("synthesis", setup)).content.decode()
    assert "Réponses des structures à la version 1" in page
    new_section = second.sections.get(key="context")
    page = client.get(officer_url("synthesis_section", setup, section_id=new_section.pk))
    content = page.content.decode()
    assert "Commentaires sur cette section dans la version 1" in content
    assert "Notre département est le 49." in content and INVALID_MARKER not in content


def test_other_cohorts_and_other_dlas_answer_404(client):
    setup = full_cohort(applications=(1, 1), with_data=False)
    version = circulating(setup)
    section = version.sections.first()
    other = full_cohort(
        applications=(1,), with_data=False, call=open_call(slug="autre-dla"), seed=3
    )
    other_version = circulating(other)
    # a representative of another cohort
    sign_in(client, other.person(other.structures[0]))
    mine = other.structures[0]
    for url in (
        review_url(setup.structures[0], version),
        review_url(setup.structures[0], version, "structure_synthesis_pdf"),
        review_url(mine, version),  # own structure, another cohort's version
        review_url(mine, version, "structure_synthesis_docx"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(review_url(mine, other_version)).status_code == 200
    # an officer of another DLA
    sign_in(client, other.officer)
    for url in (
        officer_url("synthesis", setup),
        officer_url("synthesis_pdf", setup, version_id=version.pk),
        officer_url("synthesis_section", setup, section_id=section.pk),
    ):
        assert client.get(url).status_code == 404, url
    # own cohort, a section of another cohort's version
    url = reverse(
        "diagnostic:synthesis_section",
        kwargs={"cohort_id": other.cohort.pk, "section_id": section.pk},
    )
    assert client.get(url).status_code == 404
    response = client.post(officer_url("synthesis_circulate", setup, version_id=version.pk))
    assert response.status_code == 404


def test_stored_script_is_escaped_on_the_pages(client):
    setup = full_cohort(applications=(1,), with_data=False)
    version = circulating(setup)
    SynthesisSection.objects.filter(version=version, key="support").update(body=XSS)
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    content = client.get(review_url(structure, version)).content.decode()
    assert "<script>alert" not in content and "<img src=x" not in content
    assert "&lt;script&gt;" in content
    sign_in(client, setup.officer)
    content = client.get(officer_url("synthesis", setup)).content.decode()
    assert "<script>alert" not in content and "&lt;script&gt;" in content


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_answers(client):
    setup = full_cohort(applications=(2, 2, 1))
    version = circulating(setup)
    sections = list(version.sections.all())
    first, *others = setup.structures
    services.synthesis_review(
        version=version,
        structure=first,
        by=setup.person(first),
        verdict="changes",
        section_comments={sections[0].pk: "Un"},
    )
    sign_in(client, setup.officer)
    url = officer_url("synthesis", setup)
    client.get(url)
    few = _count(client, url)
    for structure in others[:3]:
        services.synthesis_review(
            version=version,
            structure=structure,
            by=setup.person(structure),
            verdict="changes",
            comment="Plus",
            section_comments={s.pk: "Deux" for s in sections[:3]},
        )
    assert _count(client, url) == few
    sign_in(client, setup.person(first))
    assert _count(client, review_url(first, version)) <= few + 5
