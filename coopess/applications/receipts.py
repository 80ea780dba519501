"""The récépissé of a submitted application and the blank form of a call, as PDF."""

from __future__ import annotations

from django.utils import timezone

from coopess.applications.choices import CooperationForm, ProjectGoal, SharingDomain
from coopess.applications.forms import ProjectForm, StructureForm
from coopess.applications.models import Application
from coopess.applications.services import visible_questions
from coopess.calls.models import Call
from coopess.common.pdf import render_pdf


def recipients_of(application: Application) -> list[str]:
    """Every distinct address of the application's representatives and members."""
    emails: list[str] = []
    for structure in application.structures.prefetch_related("representatives"):
        for representative in structure.representatives.all():
            if representative.email:
                emails.append(representative.email.lower())
    emails += [access.user.email.lower() for access in application.accesses.select_related("user")]
    return list(dict.fromkeys(emails))


def application_context(application: Application) -> dict:
    """Everything an application says, ready for a page or a PDF."""
    call = application.call
    structures = list(
        application.structures.prefetch_related("representatives", "attachments__document")
    )
    answers = {a.question_id: a.value for a in application.answers.all()}
    questions = visible_questions(list(call.questions.all()), answers)
    return {
        "application": application,
        "call": call,
        "structures": structures,
        "shared_domains": [
            SharingDomain(v).label for v in application.shared_domains if v in SharingDomain.values
        ],
        "goals": [ProjectGoal(v).label for v in application.goals if v in ProjectGoal.values],
        "envisaged_forms": [
            CooperationForm(v).label
            for v in application.envisaged_forms
            if v in CooperationForm.values
        ],
        "answered_questions": [(q, answers.get(q.pk)) for q in questions],
        "attachments": [
            a for a in application.attachments.select_related("structure") if not a.is_receipt
        ],
    }


def receipt_pdf(application: Application) -> bytes:
    context = application_context(application)
    context["generated_at"] = timezone.now()
    return render_pdf("applications/pdf/receipt.html", context, kept=True)


def blank_form_pdf(call: Call) -> bytes:
    """Every question of the application form, to prepare the answers with the board."""
    return render_pdf(
        "applications/pdf/blank_form.html",
        {
            "call": call,
            "structure_groups": StructureForm().groups(),
            "project_form": ProjectForm(call=call),
            "questions": list(call.questions.all()),
            "documents": list(call.documents.all()),
            "targets": list(call.targets.all()),
        },
    )
