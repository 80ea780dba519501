"""Pages of the collective workshop and the action plan.

The officer schedules the workshop (every structure invited with an ``.ics``), moves or cancels
it, records its outcomes and keeps the action plan. Representatives read the workshop (agenda,
place, outcomes once recorded), download its invitation, and read the action plan.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.applications.models import ApplicationStructure
from coopess.common.ics import calendar_bytes
from coopess.diagnostic import permissions
from coopess.diagnostic.forms.workshop import ActionForm, OutcomesForm, WorkshopForm
from coopess.diagnostic.models import ActionItem, MeetingStatus, Workshop
from coopess.diagnostic.services import workshop as services
from coopess.selection.models import CohortStatus


def _workshops(cohort):
    return list(Workshop.objects.filter(cohort=cohort).select_related("organiser"))


def _live(workshops) -> Workshop | None:
    live = [w for w in workshops if w.status != MeetingStatus.CANCELLED]
    return live[-1] if live else None


def action_plan(cohort):
    return list(
        ActionItem.objects.filter(cohort=cohort)
        .select_related("support_step")
        .prefetch_related(
            Prefetch("structures", queryset=ApplicationStructure.objects.order_by("pk"))
        )
    )


# --- Hub panels ----------------------------------------------------------------------------------


def officer_panel(cohort) -> dict:
    """Context of this feature's block on the officer's cohort page."""
    workshops = _workshops(cohort) if cohort.status != CohortStatus.FORMING else []
    return {
        "started": cohort.status != CohortStatus.FORMING,
        "workshop": _live(workshops),
        "actions": cohort.actions.count(),
    }


def structure_panel(structure, user) -> dict:
    """Context of this feature's block on a representative's structure page."""
    cohort = permissions.structure_cohort(structure)
    return {
        "structure": structure,
        "workshop": _live(_workshops(cohort)),
        "actions": cohort.actions.count(),
    }


# --- Officer -------------------------------------------------------------------------------------


def _officer_page(request, cohort, *, schedule_form=None, edit_form=None, outcomes_form=None):
    workshops = _workshops(cohort)
    live = _live(workshops)
    if live is None and schedule_form is None:
        schedule_form = WorkshopForm()
    if live is not None and live.status == MeetingStatus.PLANNED and edit_form is None:
        edit_form = WorkshopForm.for_workshop(live)
    if live is not None and outcomes_form is None:
        outcomes_form = OutcomesForm(initial={"stakes": live.stakes, "decisions": live.decisions})
    invalid = any(f is not None and f.is_bound for f in (schedule_form, edit_form, outcomes_form))
    return render(
        request,
        "diagnostic/workshop/officer.html",
        {
            "cohort": cohort,
            "workshop": live,
            "cancelled": [w for w in workshops if w.status == MeetingStatus.CANCELLED],
            "schedule_form": schedule_form,
            "edit_form": edit_form,
            "outcomes_form": outcomes_form,
            "actions": action_plan(cohort),
            "invited": services.recipients(live) if live else [],
            "can_record": live is not None and timezone.now() >= live.starts_at,
        },
        status=400 if invalid else 200,
    )


@require_http_methods(["GET", "POST"])
def officer(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    if request.method == "GET":
        return _officer_page(request, cohort)
    form = WorkshopForm(request.POST)
    if not form.is_valid():
        return _officer_page(request, cohort, schedule_form=form)
    if _live(_workshops(cohort)) is not None:
        messages.error(request, "Un atelier est déjà prévu : modifiez-le plutôt.")
        return redirect("diagnostic:workshop", cohort_id=cohort.pk)
    try:
        services.workshop_schedule(cohort=cohort, by=request.user, **form.meeting())
    except services.WorkshopError as error:
        form.add_error(None, error.message)
        return _officer_page(request, cohort, schedule_form=form)
    messages.success(
        request, "Atelier planifié : chaque structure a reçu l'invitation avec son fichier agenda."
    )
    return redirect("diagnostic:workshop", cohort_id=cohort.pk)


def _officer_workshop(request, cohort_id: int, workshop_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    workshop = get_object_or_404(Workshop, pk=workshop_id, cohort=cohort)
    return cohort, workshop


@require_POST
def update(request, cohort_id: int, workshop_id: int):
    cohort, workshop = _officer_workshop(request, cohort_id, workshop_id)
    form = WorkshopForm(request.POST)
    if not form.is_valid():
        return _officer_page(request, cohort, edit_form=form)
    try:
        before = workshop.sequence
        workshop = services.workshop_update(workshop=workshop, by=request.user, **form.meeting())
    except services.WorkshopError as error:
        form.add_error(None, error.message)
        return _officer_page(request, cohort, edit_form=form)
    if workshop.sequence != before:
        messages.success(request, "Atelier modifié : les structures ont reçu l'invitation à jour.")
    else:
        messages.success(request, "Aucun changement : rien n'a été envoyé.")
    return redirect("diagnostic:workshop", cohort_id=cohort.pk)


@require_POST
def cancel(request, cohort_id: int, workshop_id: int):
    cohort, workshop = _officer_workshop(request, cohort_id, workshop_id)
    try:
        services.workshop_cancel(workshop=workshop, by=request.user)
    except services.WorkshopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Atelier annulé : les structures ont reçu l'annulation.")
    return redirect("diagnostic:workshop", cohort_id=cohort.pk)


@require_POST
def outcomes(request, cohort_id: int, workshop_id: int):
    cohort, workshop = _officer_workshop(request, cohort_id, workshop_id)
    form = OutcomesForm(request.POST)
    if not form.is_valid():
        return _officer_page(request, cohort, outcomes_form=form)
    try:
        services.workshop_record_outcomes(
            workshop=workshop,
            by=request.user,
            stakes=form.cleaned_data["stakes"],
            decisions=form.cleaned_data["decisions"],
        )
    except services.WorkshopError as error:
        form.add_error(None, error.message)
        return _officer_page(request, cohort, outcomes_form=form)
    messages.success(request, "Compte rendu enregistré : les structures peuvent le lire.")
    return redirect("diagnostic:workshop", cohort_id=cohort.pk)


def _action_form(cohort, *args, **kwargs) -> ActionForm:
    return ActionForm(
        *args,
        structures=permissions.cohort_structures(cohort),
        steps=cohort.call.steps.order_by("position", "pk"),
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
def action_add(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    if request.method == "POST":
        form = _action_form(cohort, request.POST)
        if form.is_valid():
            try:
                services.action_add(
                    cohort=cohort,
                    by=request.user,
                    workshop=_live(_workshops(cohort)),
                    **form.values(),
                )
            except services.WorkshopError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Action ajoutée au plan d'action.")
                return redirect("diagnostic:workshop", cohort_id=cohort.pk)
        status = 400
    else:
        form, status = _action_form(cohort), 200
    return render(
        request,
        "diagnostic/workshop/action_form.html",
        {"cohort": cohort, "form": form, "item": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, cohort_id: int, action_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    item = get_object_or_404(
        ActionItem.objects.select_related("cohort"), pk=action_id, cohort=cohort
    )
    if request.method == "POST":
        form = _action_form(cohort, request.POST)
        if form.is_valid():
            try:
                services.action_update(item=item, by=request.user, **form.values())
            except services.WorkshopError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Action modifiée.")
                return redirect("diagnostic:workshop", cohort_id=cohort.pk)
        status = 400
    else:
        form, status = _action_form(cohort, initial=ActionForm.initial_for(item)), 200
    return render(
        request,
        "diagnostic/workshop/action_form.html",
        {"cohort": cohort, "form": form, "item": item},
        status=status,
    )


@require_POST
def action_delete(request, cohort_id: int, action_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    item = get_object_or_404(
        ActionItem.objects.select_related("cohort"), pk=action_id, cohort=cohort
    )
    try:
        services.action_delete(item=item, by=request.user)
    except services.WorkshopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action supprimée du plan d'action.")
    return redirect("diagnostic:workshop", cohort_id=cohort.pk)


# --- Representative ------------------------------------------------------------------------------


def _structure_scope(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    cohort = permissions.structure_cohort(structure)
    if cohort.status == CohortStatus.FORMING:
        raise Http404
    return structure, cohort


@require_GET
def structure_page(request, structure_id: int):
    structure, cohort = _structure_scope(request, structure_id)
    workshops = _workshops(cohort)
    return render(
        request,
        "diagnostic/workshop/structure.html",
        {
            "structure": structure,
            "cohort": cohort,
            "workshop": _live(workshops),
            "cancelled": [w for w in workshops if w.status == MeetingStatus.CANCELLED],
            "actions": action_plan(cohort),
        },
    )


@require_GET
def structure_ics(request, structure_id: int, workshop_id: int):
    structure, cohort = _structure_scope(request, structure_id)
    workshop = get_object_or_404(
        Workshop.objects.select_related("cohort", "organiser"), pk=workshop_id, cohort=cohort
    )
    invitation = services.invitation_for(
        workshop,
        permissions.structure_recipients(structure),
        cancelled=workshop.status == MeetingStatus.CANCELLED,
    )
    response = HttpResponse(calendar_bytes(invitation), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="atelier-collectif.ics"'
    return response
