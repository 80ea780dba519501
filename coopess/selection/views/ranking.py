"""Ranking a call's applications, the cohort proposal within the structure cap, batch decisions
and sending every pending decision letter.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.calls.models import Call
from coopess.selection import services
from coopess.selection.cohort import Candidate, Preferences, propose_cohort
from coopess.selection.forms import (
    CohortPreferencesForm,
)
from coopess.selection.models import (
    Decision,
    DecisionReason,
)
from coopess.selection.views.base import _officer_call
from coopess.selection.views.table import STRUCTURES_FOR_TABLE

# --- Ranking, cohort proposal, batch decisions ---------------------------------------------------

RANKABLE = (
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.SELECTED,
)


def _candidates(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status__in=RANKABLE)
        .exclude(eligibility="ineligible")
        .prefetch_related(STRUCTURES_FOR_TABLE)
        .order_by(F("average_score").desc(nulls_last=True), "receipt_number")
    )


@require_http_methods(["GET", "POST"])
def ranking(request, slug: str):
    call = _officer_call(request, slug)
    applications = _candidates(call)
    preferences_form = CohortPreferencesForm(request.GET or None)
    preferences_form.is_valid()
    prefs = getattr(preferences_form, "cleaned_data", {}) or {}
    preferences = Preferences(
        cap=call.max_structures,
        diversity_departements=1.0 if prefs.get("diversity_departements") else 0.0,
        diversity_kinds=1.0 if prefs.get("diversity_kinds") else 0.0,
    )
    candidates = [
        Candidate(
            key=a.receipt_number,
            label=a.lead_name or a.project_title,
            structures=a.structure_count,
            score=float(a.average_score) if a.average_score is not None else None,
            departements=frozenset(s.departement for s in a.structures.all() if s.departement),
            kind=a.kind,
        )
        for a in applications
    ]
    proposal = propose_cohort(candidates, preferences)
    errors: list[str] = []
    if request.method == "POST":
        errors = _batch_decide(request, call, applications)
        if not errors:
            messages.success(
                request, "Décisions enregistrées. Vérifiez-les, puis envoyez les lettres."
            )
            return redirect("selection:ranking", slug=call.slug)
    pending_letters = Decision.objects.filter(
        application__call=call, is_current=True, letter_sent_at__isnull=True
    ).count()
    rows = [
        {
            "application": a,
            "rank": index + 1 if a.average_score is not None else None,
            "proposed": a.receipt_number in proposal.chosen,
            "explanation": proposal.explanations.get(a.receipt_number, ""),
            "departements": sorted({s.departement for s in a.structures.all() if s.departement}),
        }
        for index, a in enumerate(applications)
    ]
    return render(
        request,
        "selection/ranking.html",
        {
            "call": call,
            "rows": rows,
            "proposal": proposal,
            "preferences_form": preferences_form,
            "reasons": DecisionReason.choices,
            "errors": errors,
            "pending_letters": pending_letters,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


def _batch_decide(request, call: Call, applications: list[Application]) -> list[str]:
    """Every decision of the form, or none (one transaction)."""
    ranked = [a for a in applications if a.average_score is not None]
    choices = {a.pk: request.POST.get(f"decision_{a.pk}", "") for a in applications}
    chosen = [a for a in ranked if choices[a.pk] == ApplicationStatus.SELECTED]
    errors: list[str] = []
    justification = request.POST.get("against_ranking_reason", "").strip()
    if chosen:
        lowest = min(a.average_score for a in chosen)
        passed_over = [
            a
            for a in ranked
            if a.average_score > lowest
            and choices[a.pk] not in ("", ApplicationStatus.SELECTED)
            and a.status != ApplicationStatus.SELECTED
        ]
        if passed_over and not justification:
            errors.append(
                "Votre choix retient une candidature moins bien classée que "
                + ", ".join(a.receipt_number for a in passed_over)
                + " : expliquez pourquoi dans « justification »."
            )
    if errors:
        return errors
    try:
        with transaction.atomic():
            for application in applications:
                outcome = choices[application.pk]
                if not outcome or outcome == application.status:
                    continue
                services.decision_record(
                    application=application,
                    outcome=outcome,
                    by=request.user,
                    reasons=request.POST.getlist(f"reasons_{application.pk}"),
                    comment=request.POST.get(f"comment_{application.pk}", ""),
                    against_ranking_reason=justification,
                    version=_int(request.POST.get(f"version_{application.pk}")),
                )
    except services.SelectionError as error:
        return [error.message]
    return []


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
def send_letters(request, slug: str):
    call = _officer_call(request, slug)
    try:
        count = services.decisions_send(call=call, by=request.user)
    except services.SelectionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{count} lettre(s) de décision en cours d'envoi (courriel et PDF)."
        )
    return redirect("selection:ranking", slug=call.slug)
