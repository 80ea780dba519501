"""The files of the competition: the terms of reference as PDF (PDF/UA through
``common.pdf.render_pdf``) and editable DOCX (python-docx, with the diagnostic's Markdown
conversion), and the letter to each provider (chosen / not chosen, marks, reason) as PDF."""

from __future__ import annotations

import io

from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.common.pdf import render_pdf
from coopess.competition.models import Consultation, ConsultedProvider, Proposal
from coopess.diagnostic.synthesis_render import french_spacing, markdown_to_docx

SECTIONS = [
    ("context", "Contexte"),
    ("objectives", "Objectifs"),
    ("deliverables", "Livrables attendus"),
    ("organisation", "Temps collectifs et individuels, présentiel ou distanciel"),
    ("calendar", "Calendrier"),
]


def _deadline(consultation: Consultation) -> str:
    return timezone.localtime(consultation.deadline, PARIS).strftime("%d/%m/%Y à %H:%M")


def terms_pdf(consultation: Consultation) -> bytes:
    return render_pdf(
        "competition/pdf/terms.html",
        {
            "consultation": consultation,
            "sections": [(t, getattr(consultation, k)) for k, t in SECTIONS],
            "deadline": _deadline(consultation),
        },
    )


def terms_docx(consultation: Consultation) -> bytes:
    from docx import Document as Docx

    word = Docx()
    word.core_properties.title = f"Cahier des charges — {consultation.cohort}"
    word.core_properties.language = "fr-FR"
    word.add_heading(french_spacing("Cahier des charges de l'accompagnement collectif"), level=0)
    word.add_paragraph(french_spacing(f"{consultation.cohort} — version {consultation.version}"))
    for key, title in SECTIONS:
        word.add_heading(french_spacing(title), level=1)
        markdown_to_docx(word, getattr(consultation, key) or "—")
    word.add_heading("Volume et budget", level=1)
    word.add_paragraph(
        french_spacing(
            f"{consultation.half_days} demi-journées ; plafond {consultation.budget_ceiling} € TTC."
        )
    )
    word.add_heading("Critères de choix", level=1)
    for criterion in consultation.criteria:
        word.add_paragraph(
            french_spacing(f"{criterion['label']} : {criterion['weight']} %"), style="List Bullet"
        )
    word.add_heading("Réponse", level=1)
    word.add_paragraph(
        french_spacing(
            f"Date limite de réception des propositions : {_deadline(consultation)} "
            f"(heure de Paris). Contact : {consultation.contact or '—'}."
        )
    )
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def letter_pdf(consulted: ConsultedProvider, proposal: Proposal, mark) -> bytes:
    return render_pdf(
        "competition/pdf/letter.html",
        {
            "consultation": consulted.consultation,
            "provider": consulted.provider,
            "proposal": proposal,
            "mark": mark,
        },
    )
