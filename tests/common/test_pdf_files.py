"""Every kind of PDF CoopESS hands out, opened with pikepdf (a reader independent of WeasyPrint):
tagged (a structure tree with headings, tables and figures), its language and title declared,
every font embedded, and the declared variant — PDF/A-3a for the documents that are kept
(récépissé, decision letters, synthesis, annual report), PDF/UA-1 for the others. The documents
are the demo's own, made by the code that makes them for users."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pikepdf
import pytest
import time_machine
from django.urls import reverse

from coopess.accounts.models import User
from coopess.applications.models import Application, ApplicationStatus
from coopess.applications.receipts import blank_form_pdf, receipt_pdf
from coopess.calls.models import Call
from coopess.common.demo import SEED_SLUG, demo_load
from coopess.diagnostic.models import SynthesisStatus, SynthesisVersion
from coopess.diagnostic.synthesis_render import synthesis_pdf
from coopess.selection.models import Decision
from tests.conftest import sign_in

ARCHIVAL = ("3", "A")  # pdfaid:part, pdfaid:conformance
PDFA = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUA = "{http://www.aiim.org/pdfua/ns/id/}"


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """title → (PDF bytes, kept?) for every kind of PDF, from a demo loaded on a fixed day."""
    from django.test import Client

    with (
        django_db_blocker.unblock(),
        time_machine.travel(
            dt.datetime(2027, 5, 12, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False
        ),
    ):
        from django.db import transaction

        with transaction.atomic():
            demo_load()
            call = Call.objects.get(slug=SEED_SLUG)
            application = (
                Application.objects.filter(call=call)
                .exclude(status=ApplicationStatus.DRAFT)
                .order_by("pk")
                .first()
            )
            decision = Decision.objects.filter(letter_pdf__gt="").order_by("pk").first()
            with decision.letter_pdf.open("rb") as stored:
                letter = stored.read()
            version = SynthesisVersion.objects.filter(
                cohort__call=call, status=SynthesisStatus.VALIDATED
            ).first()
            officer = User.objects.get(email="claire.morvan@example.org")
            client = Client()
            sign_in(client, officer)
            annual = client.get(reverse("reporting:annual_report"), {"annee": "2023"})
            assert annual.status_code == 200 and annual["Content-Type"] == "application/pdf"
            person = Client()
            sign_in(person, application.created_by)
            own = person.get(reverse("privacy:download_pdf"))
            assert own.status_code == 200
            found = {
                "récépissé": (receipt_pdf(application), True),
                "lettre de décision": (letter, True),
                "synthèse validée": (synthesis_pdf(version), True),
                "rapport annuel": (annual.content, True),
                "formulaire vierge": (blank_form_pdf(call), False),
                "données personnelles": (own.content, False),
            }
            transaction.set_rollback(True)
    return found


KINDS = [
    "récépissé",
    "lettre de décision",
    "synthèse validée",
    "rapport annuel",
    "formulaire vierge",
    "données personnelles",
]


def structure_types(pdf: pikepdf.Pdf) -> list[str]:
    """The structure element types, in reading order (depth first)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
            return
        if not isinstance(node, pikepdf.Dictionary):
            return
        if "/S" in node:
            found.append(str(node.S)[1:])
        if "/K" in node:
            walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def alternatives(pdf: pikepdf.Pdf) -> list[str]:
    texts: list[str] = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == pikepdf.Name.Figure:
                texts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return texts


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_pdf_is_tagged_titled_in_french_with_its_fonts(documents, kind):
    content, kept = documents[kind]
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root
    assert str(root.Lang) == "fr-FR"
    assert bool(root.MarkInfo.Marked) is True
    assert bool(root.ViewerPreferences.DisplayDocTitle) is True
    title = str(pdf.docinfo.get("/Title", ""))
    assert title.strip(), kind
    types = structure_types(pdf)
    assert "Document" in types and "P" in types, (kind, types[:20])
    assert any(t in types for t in ("H1", "H2")), (kind, types[:20])
    fonts = 0
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            descendants = font.get("/DescendantFonts")
            described = descendants[0] if descendants is not None else font
            descriptor = described.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), kind
            fonts += 1
    assert fonts, kind
    with pdf.open_metadata() as meta:
        if kept:
            assert (meta.get(f"{PDFA}part"), meta.get(f"{PDFA}conformance")) == ARCHIVAL, kind
        else:
            assert meta.get(f"{PDFUA}part") == "1", kind
            assert meta.get(f"{PDFA}part") is None, kind
        assert meta.get("{http://purl.org/dc/elements/1.1/}title"), kind


@pytest.mark.django_db
def test_tables_keep_their_header_cells_and_charts_their_text(documents):
    pdf = pikepdf.open(io.BytesIO(documents["rapport annuel"][0]))
    types = structure_types(pdf)
    assert {"Table", "TR", "TH", "TD"} <= set(types)
    texts = alternatives(pdf)
    assert texts and all(text.strip() for text in texts), texts
    receipt = structure_types(pikepdf.open(io.BytesIO(documents["récépissé"][0])))
    assert {"Table", "TH", "TD"} <= set(receipt)


@pytest.mark.django_db
def test_headings_come_in_reading_order(documents):
    """The first heading of each document is its H1, before any other heading."""
    for kind in KINDS:
        types = structure_types(pikepdf.open(io.BytesIO(documents[kind][0])))
        headings = [t for t in types if t in {"H1", "H2", "H3", "H4"}]
        assert headings and headings[0] == "H1", (kind, headings[:5])
