"""The synthesis as HTML sections, as a PDF (WeasyPrint) and as an editable DOCX (python-docx).

Section bodies are Markdown typed by the officer: HTML and PDF go through the sanitising
``render_markdown``; the DOCX is built from the Markdown tokens, every piece of text written as a
text run (never interpreted). French spacing: a no-break space inside « guillemets ».
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from coopess.common.pdf import render_pdf
from coopess.common.text import render_markdown
from coopess.diagnostic import permissions, synergy
from coopess.diagnostic.models import ActionItem, SynthesisStatus, SynthesisVersion
from coopess.diagnostic.services.selfdiag import cohort_reading
from coopess.diagnostic.synthesis_prefill import cohort_actions

NBSP = "\u00a0"


def french_spacing(text: str) -> str:
    """A no-break space after « and before » (and none doubled)."""
    text = text.replace("«" + " ", "«" + NBSP).replace(" " + "»", NBSP + "»")
    text = text.replace("«&nbsp;", "«" + NBSP).replace("&nbsp;»", NBSP + "»")
    return text


def section_html(body: str) -> SafeString:
    """Sanitised HTML of a section body (the sanitiser keeps the no-break spaces)."""
    return mark_safe(french_spacing(render_markdown(body)))  # noqa: S308 — sanitised by nh3


def css_string(text: str) -> SafeString:
    """``text`` safe inside a double-quoted CSS string in a <style> element."""
    out = []
    for char in french_spacing(" ".join(str(text).split())):
        if char.isalnum() or char in " .,;:-'()/·—–_!?" or (ord(char) > 127 and char != NBSP):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return mark_safe("".join(out))  # noqa: S308 — every special character is hex-escaped


def version_date(version: SynthesisVersion):
    return version.validated_at or version.circulated_at or timezone.now()


@dataclass
class Document:
    version: SynthesisVersion
    sections: list
    actions: list[ActionItem]
    synergy: synergy.SynergyMap
    heat_map: SafeString
    structures: list
    operator: str
    date_label: str


def document(version: SynthesisVersion) -> Document:
    """Everything the synthesis shows, for the HTML pages, the PDF and the DOCX."""
    cohort = version.cohort
    structures = list(permissions.cohort_structures(cohort))
    synergy_map = cohort_reading(cohort, structures=structures).synergy
    heat_map = mark_safe(  # noqa: S308 — built by synergy.heat_map_svg, which escapes every text
        synergy.heat_map_svg(synergy_map, id_prefix=f"synergies-v{version.number}")
        if synergy_map.structures
        else ""
    )
    sections = list(version.sections.all())
    for section in sections:
        section.html = section_html(section.body)
    return Document(
        version=version,
        sections=sections,
        actions=cohort_actions(cohort),
        synergy=synergy_map,
        heat_map=heat_map,
        structures=structures,
        operator=cohort.call.operator.name,
        date_label=date_format(timezone.localtime(version_date(version)), "j F Y"),
    )


def _status_words(version: SynthesisVersion) -> str:
    if version.status == SynthesisStatus.DRAFT:
        return "brouillon"
    if version.status == SynthesisStatus.CIRCULATING:
        return "en relecture"
    if version.status == SynthesisStatus.VALIDATED:
        return "validée par toutes les structures"
    return "remplacée"


def synthesis_pdf(version: SynthesisVersion) -> bytes:
    doc = document(version)
    cohort = version.cohort
    return render_pdf(
        "diagnostic/synthesis/pdf.html",
        {
            "doc": doc,
            "version": version,
            "cohort": cohort,
            "call": cohort.call,
            "status_words": _status_words(version),
            "running_head": css_string(
                f"{doc.operator} — synthèse du diagnostic partagé, version {version.number}"
            ),
            "running_foot": css_string(
                f"Version {version.number} ({_status_words(version)}) — {doc.date_label}"
            ),
        },
        kept=True,
    )


# --- DOCX ----------------------------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})


def _add_field(run, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``run``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(code)
    run._r.append(end)


def _inline(paragraph, children) -> None:
    bold = italic = False
    for token in children or []:
        if token.type == "strong_open":
            bold = True
        elif token.type == "strong_close":
            bold = False
        elif token.type == "em_open":
            italic = True
        elif token.type == "em_close":
            italic = False
        elif token.type in ("text", "code_inline", "html_inline"):
            run = paragraph.add_run(french_spacing(token.content))
            run.bold, run.italic = bold or None, italic or None
        elif token.type in ("softbreak",):
            paragraph.add_run(" ")
        elif token.type == "hardbreak":
            paragraph.add_run().add_break()
        elif token.type == "link_close":
            pass
        elif token.type == "image":
            paragraph.add_run(french_spacing(token.content))


def markdown_to_docx(document, text: str) -> None:
    """Append Markdown ``text`` to a python-docx document: headings, paragraphs, lists,
    quotes, code; everything else as plain text."""
    tokens = _markdown.parse(text or "")
    lists: list[str] = []
    quote = 0
    pending_style: str | None = None
    for token in tokens:
        if token.type == "heading_open":
            level = min(max(int(token.tag[1]) - 1, 2), 4)
            pending_style = f"Heading {level}"
        elif token.type == "bullet_list_open":
            lists.append("List Bullet")
        elif token.type == "ordered_list_open":
            lists.append("List Number")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "blockquote_open":
            quote += 1
        elif token.type == "blockquote_close":
            quote -= 1
        elif token.type == "inline":
            if pending_style:
                style = pending_style
            elif lists:
                depth = min(len(lists), 3)
                style = lists[-1] + ("" if depth == 1 else f" {depth}")
            elif quote:
                style = "Quote"
            else:
                style = None
            paragraph = document.add_paragraph(style=style)
            _inline(paragraph, token.children)
            pending_style = None
        elif token.type in ("fence", "code_block"):
            for line in token.content.rstrip("\n").split("\n"):
                paragraph = document.add_paragraph()
                paragraph.add_run(line).font.name = "Courier New"
        elif token.type == "hr":
            document.add_paragraph("* * *")


ACTION_HEADERS = ("Action", "Structures", "Pilote", "Échéance", "Étape de l'accompagnement")


def action_rows(actions: list[ActionItem]) -> list[tuple[str, ...]]:
    return [
        (
            action.action,
            ", ".join(str(s) for s in action.structures.all()) or "Toutes",
            action.owner or "—",
            date_format(action.due_date, "j F Y") if action.due_date else "—",
            action.support_step.title if action.support_step else "—",
        )
        for action in actions
    ]


def _table(document, headers, rows) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(header).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = french_spacing(value)


def synthesis_docx(version: SynthesisVersion) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    doc = document(version)
    cohort = version.cohort
    word = Docx()
    word.core_properties.title = f"Synthèse du diagnostic partagé — {cohort.name}"
    word.core_properties.author = doc.operator
    word.core_properties.language = "fr-FR"
    word.styles["Normal"].font.name = "Calibri"
    word.styles["Normal"].font.size = Pt(10.5)
    section = word.sections[0]
    section.header.paragraphs[0].text = french_spacing(
        f"{doc.operator} — Synthèse du diagnostic partagé — version {version.number}"
    )
    footer = section.footer.paragraphs[0]
    footer.add_run(
        f"Version {version.number} ({_status_words(version)}) — {doc.date_label} — page "
    )
    _add_field(footer.add_run(), "PAGE")
    footer.add_run(" sur ")
    _add_field(footer.add_run(), "NUMPAGES")

    word.add_heading(french_spacing("Synthèse du diagnostic partagé"), level=0)
    word.add_paragraph(
        french_spacing(f"{cohort.name} — {cohort.call.title} ({cohort.call.edition})")
    )
    word.add_paragraph(
        french_spacing(
            f"Version {version.number} ({_status_words(version)}) du {doc.date_label}, "
            f"rédigée par {doc.operator}."
        )
    )
    word.add_paragraph(
        french_spacing("Structures : " + ", ".join(str(s) for s in doc.structures) + ".")
    )
    for part in doc.sections:
        word.add_heading(french_spacing(part.title), level=1)
        markdown_to_docx(word, part.body)
        if part.key == "synergies" and doc.synergy.structures:
            _table(
                word,
                ("Domaine", *doc.synergy.structures),
                [
                    (summary.label, *(cell.position_label for cell in cells))
                    for summary, cells in doc.synergy.rows
                    if summary.kind != "none"
                ],
            )
        if part.key == "action_plan" and doc.actions:
            _table(word, ACTION_HEADERS, action_rows(doc.actions))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
