"""Deliverables: the same upload rules as application attachments, served only to those who may
see the session."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coopess.common.uploads import UploadRejected
from coopess.support.models import Deliverable
from coopess.support.services import SupportError
from coopess.support.services import sessions as services
from tests.common import upload_samples as samples
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import held, make_support, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return make_support(make_cohort(seed=31))


@pytest.fixture
def session(support):
    return held(plan(support), by=support.consultant)


def test_a_pdf_is_stored_under_an_unguessable_name(support, session):
    deliverable = services.deliverable_add(
        session=session,
        upload=samples.upload("Synthèse atelier.pdf", samples.pdf()),
        title="Synthèse de l'atelier",
        by=support.consultant,
    )
    assert deliverable.kind == "pdf" and deliverable.original_name == "Synthèse atelier.pdf"
    assert "Synthèse" not in deliverable.file.name
    assert deliverable.file.name.startswith("documents/") and deliverable.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("page.html", samples.HTML_PAGE, "unsupported_type"),
        ("image.svg", samples.SVG_WITH_SCRIPT, "unsupported_type"),
        ("outil.exe", samples.EXECUTABLE, "unsupported_type"),
        ("rapport.pdf", samples.polyglot_pdf(), "polyglot"),
        ("faux.pdf", samples.ooxml("docx"), "extension_mismatch"),
        ("vide.pdf", b"", "empty"),
        ("bombe.docx", samples.zip_bomb(60), "unsafe_archive"),
    ],
)
def test_rejected_samples(support, session, name, data, code):
    with pytest.raises(UploadRejected) as refused:
        services.deliverable_add(
            session=session, upload=samples.upload(name, data), title="", by=support.consultant
        )
    assert refused.value.code == code
    assert not Deliverable.objects.exists()


def test_too_large_for_the_call(support, session):
    call = support.setup.call
    call.max_file_mb = 1
    call.save()
    with pytest.raises(UploadRejected) as refused:
        services.deliverable_add(
            session=session, upload=samples.upload("gros.pdf", samples.pdf_of_size(1_100_000)),
            title="", by=support.consultant,
        )  # fmt: skip
    assert refused.value.code == "too_large"


def test_only_a_held_session_takes_deliverables(support):
    with pytest.raises(SupportError, match="compte rendu"):
        services.deliverable_add(
            session=plan(support), upload=samples.upload("a.pdf", samples.pdf()), title="",
            by=support.consultant,
        )  # fmt: skip


def test_upload_and_download_through_the_client(client, support, session):
    sign_in(client, support.consultant)
    url = reverse("support:deliverable_add", args=[support.cohort.pk, session.pk])
    response = client.post(
        url, {"title": "", "file": samples.upload("page.html", samples.HTML_PAGE)}
    )
    assert response.status_code == 400
    assert "Ce type de fichier n&#x27;est pas accepté" in response.content.decode()
    response = client.post(
        url, {"title": "Plan", "file": samples.upload("plan.docx", samples.ooxml())}
    )
    assert response.status_code == 302
    deliverable = Deliverable.objects.get()
    response = client.get(
        reverse("support:deliverable", args=[support.cohort.pk, deliverable.public_id])
    )
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")
    # a representative of the cohort downloads it from their own page
    structure = support.setup.structures[0]
    sign_in(client, support.setup.person(structure))
    response = client.get(
        reverse("support:structure_deliverable", args=[structure.pk, deliverable.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_a_structure_never_gets_another_structures_individual_deliverable(client, support):
    mine, other = support.setup.structures[0], support.setup.structures[1]
    session = held(plan(support, structure=other), by=support.consultant)
    deliverable = services.deliverable_add(
        session=session, upload=samples.upload("a.pdf", samples.pdf()), title="Diagnostic RH",
        by=support.consultant,
    )  # fmt: skip
    sign_in(client, support.setup.person(mine))
    response = client.get(
        reverse("support:structure_deliverable", args=[mine.pk, deliverable.public_id])
    )
    assert response.status_code == 404
    response = client.get(reverse("support:structure", args=[mine.pk]))
    assert "Diagnostic RH" not in response.content.decode()
