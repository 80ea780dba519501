"""What is still missing before an application can be submitted (``missing_items``), and which
of the call's questions apply given the answers already given (``visible_questions``).
"""

from __future__ import annotations

import logging

from coopess.applications.forms import (
    ProjectForm,
    StructureForm,
    TypeForm,
)
from coopess.applications.models import (
    Application,
)
from coopess.applications.services.drafts import MissingItem, structure_initial
from coopess.calls.models import CallQuestion, DocumentScope

logger = logging.getLogger("coopess")


# --- Completeness -----------------------------------------------------------------------------


def missing_items(application: Application) -> list[MissingItem]:
    """Everything that stops a submission, each with the link to its field."""
    from coopess.applications.sections import section_url, structure_url

    items: list[MissingItem] = []
    call = application.call

    def add(section, label, url, structure_id=None):
        items.append(MissingItem(section, label, url, structure_id))

    type_url = section_url(application, "type")
    if not application.kind:
        add("type", "Choisir le type de candidature", type_url + "#id_kind_0")
    if not application.project_title:
        add("type", "Donner un titre au projet", type_url + "#id_project_title")
    for key in application.pending_input:
        section, _, rest = key.partition(":")
        if section == "structure":
            structure_id, _, field = rest.partition(":")
            url = structure_url(application, int(structure_id)) + f"#id_{field}"
            add(
                "structure",
                f"Corriger la saisie « {_field_label(StructureForm, field)} »",
                url,
                int(structure_id),
            )
        else:
            form_class = {"type": TypeForm, "project": ProjectForm}.get(section)
            label = _field_label(form_class, rest) if form_class else "une réponse"
            add(
                section,
                f"Corriger la saisie « {label} »",
                section_url(application, section) + f"#id_{rest}",
            )

    structures = list(application.structures.prefetch_related("representatives", "attachments"))
    documents = list(call.documents.all())
    if len(structures) > call.max_structures:
        add(
            "partners",
            f"Réduire à {call.max_structures} structures au plus",
            section_url(application, "partners"),
        )
    for structure in structures:
        url = structure_url(application, structure.pk)
        who = "votre structure" if structure.is_lead else f"la structure « {structure} »"
        initial = structure_initial(structure)
        for name in StructureForm.needed:
            value = initial.get(name)
            if value in (None, "", []):
                label = _field_label(StructureForm, name)
                if name.startswith("rep"):
                    label = f"{label} ({'premier·e' if name.startswith('rep1') else 'second·e'} représentant·e)"
                add("structure", f"Pour {who} : {label}", f"{url}#id_{name}", structure.pk)
        if not structure.is_lead and structure.confirmed_at is None:
            add(
                "partners",
                f"La structure « {structure} » doit confirmer sa participation",
                section_url(application, "partners"),
                structure.pk,
            )
        for document in documents:
            if (
                document.required
                and document.scope == DocumentScope.STRUCTURE
                and not any(a.document_id == document.pk for a in structure.attachments.all())
            ):
                add(
                    "documents",
                    f"Joindre « {document.label} » pour {who}",
                    section_url(application, "documents")
                    + f"#document-{document.pk}-{structure.pk}",
                    structure.pk,
                )
    attachments = list(application.attachments.all())
    for document in documents:
        if (
            document.required
            and document.scope == DocumentScope.APPLICATION
            and not any(a.document_id == document.pk for a in attachments)
        ):
            add(
                "documents",
                f"Joindre « {document.label} »",
                section_url(application, "documents") + f"#document-{document.pk}",
            )

    project_url = section_url(application, "project")
    for name in ProjectForm.needed:
        value = (
            application.maturity_stage_id
            if name == "maturity_stage"
            else getattr(application, name)
        )
        if value in (None, "", []):
            add(
                "project", f"Projet : {_field_label(ProjectForm, name)}", f"{project_url}#id_{name}"
            )
    if application.kind == "unaffiliated" and not application.regional_scope:
        add(
            "project",
            "Projet : expliquer l'envergure régionale",
            f"{project_url}#id_regional_scope",
        )

    answers = {answer.question_id: answer.value for answer in application.answers.all()}
    questions = list(call.questions.all())
    for question in visible_questions(questions, answers):
        if not question.required:
            continue
        if question.kind == "file":
            if not any(a.question_id == question.pk for a in attachments):
                add(
                    "documents",
                    f"Joindre : {question.label}",
                    section_url(application, "documents") + f"#question-{question.pk}",
                )
        elif answers.get(question.pk) in (None, "", []):
            add(
                "questions",
                f"Répondre : {question.label}",
                section_url(application, "questions") + f"#id_q{question.pk}",
            )
    return items


def visible_questions(questions: list[CallQuestion], answers: dict) -> list[CallQuestion]:
    """Questions shown given the answers so far (a question may depend on an earlier choice)."""
    visible = []
    for question in questions:
        if question.show_if_question_id:
            answer = answers.get(question.show_if_question_id)
            values = answer if isinstance(answer, list) else [answer]
            if question.show_if_value not in values:
                continue
        visible.append(question)
    return visible


def _field_label(form_class, name: str) -> str:
    field = form_class.base_fields.get(name) if form_class else None
    return str(field.label) if field else name
