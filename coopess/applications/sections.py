"""The parts of the application form, in the order a representative meets them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from coopess.applications.models import Application


@dataclass(frozen=True)
class Section:
    slug: str  # in URLs (French)
    key: str  # in code and in ``reopened_sections``
    title: str


SECTIONS = [
    Section("type", "type", "Type de candidature"),
    Section("structure", "structure", "Votre structure"),
    Section("partenaires", "partners", "Structures partenaires"),
    Section("projet", "project", "Le projet"),
    Section("questions", "questions", "Questions de l'appel"),
    Section("pieces", "documents", "Pièces jointes"),
]
BY_KEY = {section.key: section for section in SECTIONS}
BY_SLUG = {section.slug: section for section in SECTIONS}


def sections_for(application: Application, *, has_questions: bool) -> list[Section]:
    return [s for s in SECTIONS if s.key != "questions" or has_questions]


def section_url(application: Application, key: str) -> str:
    if key == "structure":
        lead = application.structures.filter(is_lead=True).values_list("pk", flat=True).first()
        return structure_url(application, lead)
    return reverse("applications:section", args=[application.public_id, BY_KEY[key].slug])


def structure_url(application: Application, structure_id: int) -> str:
    return reverse("applications:structure", args=[application.public_id, structure_id])
