"""The diagnostic's home pages: the officer's cohort page and a representative's structure page.

Each feature (interviews, self-diagnostic, workshop, synthesis) contributes one block to both
pages through its ``officer_panel`` / ``structure_panel`` functions and partial templates.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from coopess.accounts.models import Role
from coopess.applications.errors import ApplicationError
from coopess.diagnostic import permissions
from coopess.diagnostic.forms.cohort import StartForm
from coopess.diagnostic.models import Interview, MeetingStatus, SynthesisStatus
from coopess.diagnostic.services.cohort import diagnostic_start
from coopess.diagnostic.views import interviews, selfdiag, synthesis, workshop
from coopess.selection.models import CohortStatus

FEATURES = (interviews, selfdiag, workshop, synthesis)
FEATURE_NAMES = ("interviews", "selfdiag", "workshop", "synthesis")


def _require_officer(user) -> None:
    if not user.organisations_for(Role.OFFICER):
        raise Http404


@require_GET
def cohorts(request):
    _require_officer(request.user)
    rows = permissions.officer_cohorts(request.user).order_by("-created_at")
    return render(request, "diagnostic/hub/cohorts.html", {"cohorts": rows})


def progress_rows(cohort) -> list[dict]:
    """One row per structure: interview, self-diagnostic, answer to the current synthesis."""
    current = (
        cohort.syntheses.exclude(status=SynthesisStatus.SUPERSEDED).order_by("-number").first()
    )
    live = Interview.objects.exclude(status=MeetingStatus.CANCELLED)
    structures = permissions.cohort_structures(cohort).prefetch_related(
        Prefetch("interviews", queryset=live, to_attr="live_interviews"),
        "representatives",
    )
    reviews = {}
    if current is not None:
        reviews = {review.structure_id: review for review in current.reviews.all()}
    answered = dict(cohort.selfdiagnostics.values_list("structure_id", "submitted_at"))
    return [
        {
            "structure": structure,
            "interview": structure.live_interviews[0] if structure.live_interviews else None,
            "selfdiag_submitted_at": answered.get(structure.pk),
            "review": reviews.get(structure.pk),
        }
        for structure in structures
    ]


def _panels(names_and_contexts) -> dict:
    context = {}
    for name, panel in names_and_contexts:
        context[f"{name}_panel"] = panel
    return context


@require_GET
def cohort(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    return _cohort_page(request, cohort, StartForm())


def _cohort_page(request, cohort, form: StartForm, status: int = 200):
    context = {
        "cohort": cohort,
        "call": cohort.call,
        "rows": progress_rows(cohort),
        "start_form": form,
        "can_start": cohort.status == CohortStatus.FORMING,
        "transitions": cohort.transitions.select_related("by"),
        **_panels(
            (name, feature.officer_panel(cohort))
            for name, feature in zip(FEATURE_NAMES, FEATURES, strict=True)
        ),
    }
    return render(request, "diagnostic/hub/cohort.html", context, status=status)


@require_POST
def start(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _cohort_page(request, cohort, form, status=400)
    try:
        diagnostic_start(
            cohort=cohort,
            by=request.user,
            booking_deadline=form.cleaned_data["booking_deadline"],
            interview_minutes=form.cleaned_data["interview_minutes"],
        )
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Le diagnostic partagé est ouvert : publiez les créneaux d'entretien et invitez "
            "les structures à remplir leur autodiagnostic.",
        )
    return redirect("diagnostic:cohort", cohort_id=cohort.pk)


@require_GET
def mine(request):
    structures = permissions.represented_structures(request.user).order_by("pk")
    return render(request, "diagnostic/hub/mine.html", {"structures": structures})


@require_GET
def structure(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    cohort = permissions.structure_cohort(structure)
    context = {
        "structure": structure,
        "cohort": cohort,
        "call": cohort.call,
        "started": cohort.status != CohortStatus.FORMING,
        **_panels(
            (name, feature.structure_panel(structure, request.user))
            for name, feature in zip(FEATURE_NAMES, FEATURES, strict=True)
        ),
    }
    return render(request, "diagnostic/hub/structure.html", context)
