"""One application for the officer: eligibility results and overrides, review start,
reviewer assignment, messages, complements, the decision and its reopening, attachments.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import Application, Attachment
from coopess.applications.receipts import application_context
from coopess.common.uploads import protected_file_response
from coopess.selection import services
from coopess.selection.forms import (
    AssignForm,
    ComplementsForm,
    DecisionForm,
    MessageForm,
    OverrideForm,
    ReopenForm,
)
from coopess.selection.models import (
    EligibilityResult,
)
from coopess.selection.views.base import _officer_application, _reviewers

# --- One application ------------------------------------------------------------------------------


@require_GET
def application(request, public_id):
    application = _officer_application(request, public_id)
    return _application_page(request, application)


def _application_page(
    request, application: Application, forms: dict | None = None, status: int = 200
):
    forms = forms or {}
    reviewers = _reviewers()
    assignments = list(
        application.reviewer_assignments.select_related("reviewer").prefetch_related(
            "scores__criterion"
        )
    )
    submitted = [a for a in assignments if a.submitted_at]
    scores = [a.weighted for a in submitted if a.weighted is not None]
    context = application_context(application)
    context.update(
        {
            "results": _results_with_forms(application, forms),
            "assignments": assignments,
            "criteria": list(application.call.criteria.all()),
            "spread": (max(scores) - min(scores)) if len(scores) > 1 else None,
            "assign_form": forms.get("assign")
            or AssignForm(
                reviewers=[r for r in reviewers if r.pk not in {a.reviewer_id for a in assignments}]
            ),
            "message_form": forms.get("message") or MessageForm(),
            "complements_form": forms.get("complements") or ComplementsForm(),
            "decision_form": forms.get("decision")
            or DecisionForm(initial={"version": application.version}),
            "reopen_form": forms.get("reopen") or ReopenForm(),
            "thread": list(application.messages.select_related("author")),
            "transitions": list(application.transitions.select_related("by")),
            "decision": application.decisions.filter(is_current=True).first(),
            "receipt": application.attachments.filter(is_receipt=True).first(),
            "can_decide": application.status in services.DECIDABLE,
        }
    )
    return render(request, "selection/application.html", context, status=status)


def _results_with_forms(application: Application, forms: dict) -> list[EligibilityResult]:
    """Each rule's result with its own correction form (the failed one keeps its errors)."""
    results = list(application.eligibility_results.prefetch_related("overrides__by"))
    for result in results:
        if forms.get("override_result") == result.pk:
            result.override_form = forms["override"]
        else:
            result.override_form = OverrideForm(prefix=f"rule{result.pk}")
    return results


def _back(application: Application, anchor: str = ""):
    from django.urls import reverse

    return redirect(
        reverse("selection:application", args=[application.public_id])
        + (f"#{anchor}" if anchor else "")
    )


@require_POST
def start_review(request, public_id):
    application = _officer_application(request, public_id)
    services.review_start(application=application, by=request.user)
    messages.success(request, "La candidature est en cours d'examen.")
    return _back(application)


@require_POST
def rescreen(request, public_id):
    application = _officer_application(request, public_id)
    services.application_screen(application=application)
    messages.success(request, "Les règles d'éligibilité ont été appliquées de nouveau.")
    return _back(application, "eligibilite")


@require_POST
def override(request, public_id, result_id: int):
    application = _officer_application(request, public_id)
    result = get_object_or_404(EligibilityResult, pk=result_id, application=application)
    form = OverrideForm(request.POST, prefix=f"rule{result.pk}")
    if form.is_valid():
        try:
            services.eligibility_override(result=result, by=request.user, **form.cleaned_data)
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Résultat de « {result.label} » corrigé ; la correction est tracée."
            )
            return _back(application, "eligibilite")
    return _application_page(
        request, application, {"override": form, "override_result": result.pk}, status=400
    )


@require_POST
def assign(request, public_id):
    application = _officer_application(request, public_id)
    form = AssignForm(request.POST, reviewers=_reviewers())
    if form.is_valid():
        reviewer = get_object_or_404(User, pk=form.cleaned_data["reviewer"])
        try:
            services.reviewer_assign(application=application, reviewer=reviewer, by=request.user)
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Candidature confiée à {reviewer}.")
            return _back(application, "comite")
    return _application_page(request, application, {"assign": form}, status=400)


@require_POST
def post_message(request, public_id):
    application = _officer_application(request, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        services.message_post(
            application=application,
            author=request.user,
            body=form.cleaned_data["body"],
            from_dla=True,
        )
        messages.success(
            request, "Message envoyé : les représentant·es sont prévenu·es par courriel."
        )
        return _back(application, "messages")
    return _application_page(request, application, {"message": form}, status=400)


@require_POST
def complements(request, public_id):
    application = _officer_application(request, public_id)
    form = ComplementsForm(request.POST)
    if form.is_valid():
        try:
            services.complements_request(
                application=application, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:  # refused by the service or the workflow
            form.add_error(None, error.message)
        else:
            messages.success(request, "Compléments demandés : les parties choisies sont rouvertes.")
            return _back(application)
    return _application_page(request, application, {"complements": form}, status=400)


@require_POST
def decide(request, public_id):
    application = _officer_application(request, public_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_record(
                application=application,
                outcome=data["outcome"],
                by=request.user,
                reasons=data["reasons"],
                comment=data["comment"],
                against_ranking_reason=data["against_ranking_reason"],
                version=data["version"],
            )
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Décision enregistrée. La lettre part avec l'envoi groupé des décisions."
            )
            return _back(application)
    application.refresh_from_db()
    return _application_page(request, application, {"decision": form}, status=400)


@require_POST
def reopen(request, public_id):
    application = _officer_application(request, public_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.decision_reopen(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Décision rouverte ; la candidature est de nouveau en cours d'examen."
            )
            return _back(application)
    return _application_page(request, application, {"reopen": form}, status=400)


@require_GET
def officer_attachment(request, public_id, attachment_id):
    application = _officer_application(request, public_id)
    attachment = get_object_or_404(Attachment, application=application, public_id=attachment_id)
    return protected_file_response(attachment.file, download_name=attachment.original_name)
