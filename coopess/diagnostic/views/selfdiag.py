"""Pages of the cooperation self-diagnostic, the synergy map and the decision aid.

- A representative fills their structure's self-diagnostic (draft kept as typed, sending
  checks the required answers) until the synthesis is circulated.
- The synergy map and the decision aid are shared by the cohort: the officer and every
  representative of the cohort see them. Representatives see the other structures' answers only
  through the map (positions per domain); free texts (fears, what stays autonomous) stay between
  each structure and the DLA.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from coopess.diagnostic import permissions, synergy
from coopess.diagnostic.decision_aid import RulesError
from coopess.diagnostic.forms.selfdiag import SelfDiagnosticForm
from coopess.diagnostic.models import QuestionKind, SelfDiagnostic
from coopess.diagnostic.services import selfdiag as services
from coopess.selection.models import CohortStatus

IMPLICATION_LABELS = {
    "entite_juridique": "Entité juridique",
    "responsabilite": "Responsabilité",
    "employeur": "Employeur",
    "fiscalite": "Fiscalité",
    "reversibilite": "Réversibilité",
}


# --- Hub panels --------------------------------------------------------------------------------


def officer_panel(cohort) -> dict:
    """Context of this feature's block on the officer's cohort page."""
    started = cohort.status != CohortStatus.FORMING
    submitted = cohort.selfdiagnostics.filter(submitted_at__isnull=False).count() if started else 0
    return {
        "started": started,
        "submitted": submitted,
        "total": permissions.cohort_structures(cohort).count() if started else 0,
        "editable": started and services.is_editable(cohort),
        "questions": cohort.call.selfdiag_questions.count(),
    }


def structure_panel(structure, user) -> dict:
    """Context of this feature's block on a representative's structure page."""
    cohort = permissions.structure_cohort(structure)
    row = SelfDiagnostic.objects.filter(structure=structure).only("submitted_at", "updated_at")
    row = row.first()
    return {
        "structure": structure,
        "row": row,
        "editable": services.is_editable(cohort),
    }


# --- The representative's form -----------------------------------------------------------------


def _structure_and_cohort(user, structure_id: int):
    structure = permissions.represented_structure(user, structure_id)
    cohort = permissions.structure_cohort(structure)
    if cohort.status == CohortStatus.FORMING:
        raise Http404
    return structure, cohort


@require_http_methods(["GET", "POST"])
def fill(request, structure_id: int):
    structure, cohort = _structure_and_cohort(request.user, structure_id)
    questions = services.questions_for(cohort.call)
    row = SelfDiagnostic.objects.filter(structure=structure).first()
    editable = services.is_editable(cohort)
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(
                request,
                "La synthèse a été diffusée : l'autodiagnostic ne peut plus être modifié.",
            )
            return redirect("diagnostic:selfdiag_fill", structure_id=structure.pk)
        form = SelfDiagnosticForm(request.POST, questions=questions)
        sending = request.POST.get("action") == "send"
        try:
            if not sending:
                services.selfdiag_save_draft(
                    cohort=cohort, structure=structure, answers=form.raw_answers(), by=request.user
                )
                was_sent = row is not None and row.submitted_at is not None
                messages.success(
                    request,
                    "Brouillon enregistré. Votre autodiagnostic repasse en brouillon : "
                    "envoyez-le pour qu'il compte dans la carte des synergies."
                    if was_sent
                    else "Brouillon enregistré : vous pouvez reprendre plus tard.",
                )
                return redirect("diagnostic:selfdiag_fill", structure_id=structure.pk)
            if form.is_valid():
                services.selfdiag_submit(
                    cohort=cohort, structure=structure, answers=form.answers(), by=request.user
                )
                messages.success(
                    request,
                    "Autodiagnostic envoyé. Vous pouvez encore le modifier jusqu'à la diffusion "
                    "de la synthèse.",
                )
                return redirect("diagnostic:structure", structure_id=structure.pk)
        except services.SelfDiagnosticError as error:
            messages.error(request, error.message)
            return redirect("diagnostic:selfdiag_fill", structure_id=structure.pk)
        status = 400
    else:
        form = SelfDiagnosticForm(questions=questions, answers=row.answers if row else None)
    return render(
        request,
        "diagnostic/selfdiag/fill.html",
        {
            "structure": structure,
            "cohort": cohort,
            "form": form,
            "groups": form.groups(),
            "row": row,
            "editable": editable,
        },
        status=status,
    )


# --- The officer's reading of one structure's answers -------------------------------------------


def answer_rows(questions, answers: dict) -> list[dict]:
    """Each question with its answer in words (for the officer and for the structure itself)."""
    from coopess.diagnostic.services.selfdiag import INTEGRATION_CHOICES, YES_NO_CHOICES

    positions = dict(services.POSITION_CHOICES)
    integration = dict(INTEGRATION_CHOICES)
    yes_no = dict(YES_NO_CHOICES)
    rows = []
    for question in questions:
        value = answers.get(question.code)
        row = {"question": question, "text": "", "domains": []}
        if question.kind == QuestionKind.DOMAINS:
            value = value if isinstance(value, dict) else {}
            row["domains"] = [
                (label, positions.get(value.get(code), "non renseigné"))
                for code, label in synergy.DOMAINS
            ]
        elif question.kind == QuestionKind.INTEGRATION:
            row["text"] = integration.get(value, value or "")
        elif question.kind == QuestionKind.YES_NO:
            row["text"] = yes_no.get(value, value or "")
        else:
            row["text"] = value if isinstance(value, str) else ""
        rows.append(row)
    return rows


@require_GET
def officer_answers(request, cohort_id: int, structure_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    structure = permissions.cohort_structures(cohort).filter(pk=structure_id).first()
    if structure is None:
        raise Http404
    row = SelfDiagnostic.objects.filter(structure=structure).select_related("updated_by").first()
    questions = services.questions_for(cohort.call)
    return render(
        request,
        "diagnostic/selfdiag/answers.html",
        {
            "cohort": cohort,
            "structure": structure,
            "row": row,
            "rows": answer_rows(questions, row.answers if row else {}),
        },
    )


# --- Synergy map and decision aid (shared by the cohort) ----------------------------------------


def _shared_scope(request, *, cohort_id=None, structure_id=None):
    """(cohort, structure or None, is_officer): officers by cohort, representatives by their
    structure (the map of their own cohort only)."""
    if cohort_id is not None:
        return permissions.officer_cohort(request.user, cohort_id), None, True
    structure, cohort = _structure_and_cohort(request.user, structure_id)
    return cohort, structure, False


def _svg_url(cohort, structure) -> str:
    if structure is None:
        return reverse("diagnostic:synergy_svg", kwargs={"cohort_id": cohort.pk})
    return reverse("diagnostic:structure_synergy_svg", kwargs={"structure_id": structure.pk})


def _aid_url(cohort, structure) -> str:
    if structure is None:
        return reverse("diagnostic:decision_aid", kwargs={"cohort_id": cohort.pk})
    return reverse("diagnostic:structure_decision_aid", kwargs={"structure_id": structure.pk})


def _synergy_page(request, cohort, structure, is_officer):
    reading = services.cohort_reading(cohort)
    if is_officer:
        blocking = [
            {"name": r.name, "points": r.blocking_points}
            for r in reading.readings
            if r.blocking_points
        ]
    else:  # a representative reads only their own structure's free texts
        blocking = [
            {"name": r.name, "points": r.blocking_points}
            for r in reading.readings
            if r.structure.pk == structure.pk and r.blocking_points
        ]
    return render(
        request,
        "diagnostic/selfdiag/synergy.html",
        {
            "cohort": cohort,
            "structure": structure,
            "is_officer": is_officer,
            "reading": reading,
            "synergy": reading.synergy,
            "blocking": blocking,
            "svg_url": _svg_url(cohort, structure),
            "aid_url": _aid_url(cohort, structure),
            "groups": [
                (kind, heading, [s for s in reading.synergy.domains if s.kind == kind])
                for kind, heading in (
                    ("complementarity", "Complémentarités : un besoin rencontre une ressource"),
                    ("shared_need", "Besoins partagés, sans ressource dans la cohorte"),
                    ("pooled", "Déjà mutualisé"),
                )
            ],
        },
    )


@require_GET
def synergy_officer(request, cohort_id: int):
    return _synergy_page(request, *_shared_scope(request, cohort_id=cohort_id))


@require_GET
def synergy_structure(request, structure_id: int):
    return _synergy_page(request, *_shared_scope(request, structure_id=structure_id))


def _svg_response(cohort) -> HttpResponse:
    reading = services.cohort_reading(cohort)
    svg = synergy.heat_map_svg(reading.synergy, title=f"Carte des synergies — {cohort.name}")
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="carte-des-synergies.svg"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def synergy_svg_officer(request, cohort_id: int):
    cohort, _structure, _officer = _shared_scope(request, cohort_id=cohort_id)
    return _svg_response(cohort)


@require_GET
def synergy_svg_structure(request, structure_id: int):
    cohort, _structure, _officer = _shared_scope(request, structure_id=structure_id)
    return _svg_response(cohort)


def _aid_page(request, cohort, structure, is_officer):
    reading = services.cohort_reading(cohort)
    error = ""
    aid = None
    try:
        aid = services.cohort_decision_aid(reading)
    except RulesError as exc:
        error = str(exc)
    shortlist = aid.shortlist(3) if aid else []
    shortlisted = {form.code for form in shortlist}
    others = [form for form in aid.ranked if form.code not in shortlisted] if aid else []
    return render(
        request,
        "diagnostic/selfdiag/decision_aid.html",
        {
            "cohort": cohort,
            "structure": structure,
            "is_officer": is_officer,
            "reading": reading,
            "aid": aid,
            "shortlist": shortlist,
            "others": others,
            "rules_error": error,
            "implication_labels": IMPLICATION_LABELS,
            "map_url": reverse("diagnostic:synergy", kwargs={"cohort_id": cohort.pk})
            if is_officer
            else reverse("diagnostic:structure_synergy", kwargs={"structure_id": structure.pk}),
        },
    )


@require_GET
def decision_aid_officer(request, cohort_id: int):
    return _aid_page(request, *_shared_scope(request, cohort_id=cohort_id))


@require_GET
def decision_aid_structure(request, structure_id: int):
    return _aid_page(request, *_shared_scope(request, structure_id=structure_id))
