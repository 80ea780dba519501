"""The synthesis as PDF (WeasyPrint) and DOCX (python-docx), read back; prepared sections when
parts of the diagnostic are missing; French spacing; escaped Markdown."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from coopess.diagnostic.models import SynthesisSection
from coopess.diagnostic.services import synthesis as services
from coopess.diagnostic.synthesis_prefill import prepared_sections
from coopess.diagnostic.synthesis_render import (
    css_string,
    french_spacing,
    section_html,
    synthesis_docx,
    synthesis_pdf,
)
from tests.diagnostic.test_synthesis_helpers import PRIVATE, full_cohort

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script> <img src=x onerror=alert(1)>'


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, len(reader.pages)


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    section = document.sections[0]
    parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_prepared_sections_use_every_source_and_never_the_private_notes():
    setup = full_cohort()
    sections = {s.key: s.body for s in prepared_sections(setup.cohort)}
    assert list(sections) == [
        "context",
        "synergies",
        "blocking_points",
        "cooperation_forms",
        "workshop",
        "action_plan",
        "support",
    ]
    first, _second, _third = setup.structures
    assert first.name in sections["context"]
    assert "Sécuriser la fonction paie" in sections["context"]
    # the third structure has no interview: said in French
    assert "Entretien pas encore réservé" in sections["context"]
    assert "Complémentarités" in sections["synergies"]
    assert "Perdre notre identité de coopération" in sections["blocking_points"]
    assert "Le calendrier serré" in sections["blocking_points"]
    assert "Autodiagnostics reçus : 2 sur 3" in sections["blocking_points"]
    assert "pas un avis juridique" in sections["cooperation_forms"]
    assert "### 1. " in sections["cooperation_forms"]
    assert "Mutualiser la paie" in sections["workshop"]
    assert "Étudier un groupement d'employeurs" in sections["workshop"]
    assert "1 action" in sections["action_plan"]
    assert all(PRIVATE not in body for body in sections.values())


def test_prepared_sections_say_what_is_missing():
    setup = full_cohort(with_data=False)
    sections = {s.key: s.body for s in prepared_sections(setup.cohort)}
    assert "Entretien pas encore réservé" in sections["context"]
    assert "Aucun autodiagnostic reçu" in sections["synergies"]
    assert "Aucun autodiagnostic reçu" in sections["blocking_points"]
    assert "Aucun autodiagnostic reçu" in sections["cooperation_forms"]
    assert "pas encore été programmé" in sections["workshop"]
    assert "Aucune action" in sections["action_plan"]
    # and the document renders all the same
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    text, pages = pdf_text(synthesis_pdf(version))
    assert "Carte des synergies" in text and pages >= 1
    assert "Carte des synergies" in docx_text(synthesis_docx(version))


def test_pdf_is_read_back_with_accents_version_operator_and_pages():
    setup = full_cohort()
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    section = version.sections.get(key="support")
    services.synthesis_section_update(
        section=section,
        by=setup.officer,
        title="Ce que l'accompagnement travaillera",
        body="La « coopération » des structures : **élaboration** d'une convention.",
    )
    content = synthesis_pdf(version)
    assert content.startswith(b"%PDF")
    text, pages = pdf_text(content)
    flat = _squash(text)
    assert 2 <= pages <= 12
    assert "Synthèse du diagnostic partagé" in flat
    assert "« coopération »" in flat
    assert "élaboration" in flat
    assert setup.call.operator.name in flat
    assert "Version 1" in flat
    assert f"Page 1 sur {pages}" in flat
    assert "Comparer les coûts de paie" in flat  # the action plan table
    assert "Intensité" in flat and "Légende" in flat  # the SVG heat map, drawn in the PDF
    assert PRIVATE not in flat
    for structure in setup.structures:
        assert structure.name in flat


def test_docx_is_read_back_with_headings_lists_and_the_action_table():
    setup = full_cohort()
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    section = version.sections.get(key="workshop")
    services.synthesis_section_update(
        section=section,
        by=setup.officer,
        title="Atelier",
        body="### Enjeux\n\n- Une « coopération » durable\n- Des **économies**\n\n1. un\n2. deux\n",
    )
    content = synthesis_docx(version)
    document = Document(io.BytesIO(content))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "List Bullet", "List Number"} <= styles
    text = docx_text(content)
    assert "Une «\u00a0coopération\u00a0» durable" in text
    assert "Comparer les coûts de paie" in text
    assert "Version 1" in text and setup.call.operator.name in text
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "économies" in bold
    headers = [c.text for c in document.tables[-1].rows[0].cells]
    assert headers[0] == "Action" and "Échéance" in headers


def test_a_stored_script_is_escaped_in_html_pdf_and_docx():
    setup = full_cohort(with_data=False)
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    section = version.sections.get(key="support")
    SynthesisSection.objects.filter(pk=section.pk).update(body=XSS)
    html = section_html(XSS)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    text, _pages = pdf_text(synthesis_pdf(version))
    assert '<script>alert("x")</script>' in _squash(text)  # shown as text, never run
    docx = synthesis_docx(version)
    assert '<script>alert("x")</script>' in docx_text(docx)
    xml = Document(io.BytesIO(docx)).element.xml
    assert "&lt;script&gt;" in xml


def test_french_spacing_and_css_strings():
    assert french_spacing("« mot »") == "«\u00a0mot\u00a0»"
    assert french_spacing("«&nbsp;mot&nbsp;»") == "«\u00a0mot\u00a0»"
    assert css_string('L\'Union "X" </style>') == "L'Union \\000022X\\000022 \\00003c/style\\00003e"
