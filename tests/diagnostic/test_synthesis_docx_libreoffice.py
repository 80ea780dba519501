"""The synthesis DOCX opened by LibreOffice headless (a reader that is not python-docx): it
converts without loss — every section's title and text, in order, the action plan, the version
line — and the section titles stay headings."""

from __future__ import annotations

import html
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from coopess.diagnostic.services import synthesis as services
from coopess.diagnostic.synthesis_render import document, synthesis_docx
from tests.diagnostic.test_synthesis_helpers import full_cohort
from tests.libreoffice import convert

pytestmark = pytest.mark.django_db

SPACES = re.compile(r"[\s\u00a0\u202f]+")
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def squash(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def plain(fragment: str) -> str:
    return squash(html.unescape(re.sub(r"<[^>]+>", "", fragment)))


@pytest.fixture
def version():
    setup = full_cohort()
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    services.synthesis_section_update(
        section=version.sections.get(key="support"),
        by=setup.officer,
        title="Ce que l'accompagnement travaillera",
        body="La « coopération » des structures : **élaboration** d'une convention, puis "
        "*groupement d'employeurs*.\n\n- Réunion des bureaux\n- Calendrier commun",
    )
    return version


def test_libreoffice_converts_the_synthesis_without_loss(version):
    content = synthesis_docx(version)
    text = squash(convert(content, suffix="docx", to="txt:Text (encoded):UTF8").decode("utf-8-sig"))
    doc = document(version)
    position = 0
    for section in doc.sections:
        title = squash(section.title)
        found = text.find(title, position)
        assert found >= 0, (title, text[position : position + 300])
        blocks = re.split(r"</?(?:p|li|ul|ol|h[1-6]|br|blockquote)\b[^>]*>", section.html)
        paragraphs = [paragraph for paragraph in map(plain, blocks) if paragraph]
        assert paragraphs, section.key
        for paragraph in paragraphs:
            assert paragraph in text, (section.key, paragraph)
        position = found + len(title)
    assert "La « coopération » des structures : élaboration d'une convention" in text
    assert "Réunion des bureaux" in text and "Calendrier commun" in text
    assert doc.actions
    for action in doc.actions:
        assert squash(action.action) in text, action.action


def test_the_section_titles_stay_headings_in_libreoffice(version):
    odt = convert(synthesis_docx(version), suffix="docx", to="odt")
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(odt)).read("content.xml"))
    headings = [squash("".join(h.itertext())) for h in root.iter(f"{TEXT}h")]
    for section in document(version).sections:
        assert squash(section.title) in headings, (section.title, headings)
    # and the PDF LibreOffice makes of it opens (a DOCX Word and LibreOffice accept)
    pdf = convert(synthesis_docx(version), suffix="docx", to="pdf")
    assert pdf.startswith(b"%PDF")
