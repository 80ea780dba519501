"""The DLA's directory of support actors, referrals, and an officer's page per structure."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.accounts.models import Role
from coopess.diagnostic import permissions as diagnostic_permissions
from coopess.diagnostic.models import ActionItem
from coopess.support import forms, permissions
from coopess.support.models import Attendance, Referral, SupportActor
from coopess.support.services import SupportError
from coopess.support.services import referrals as referral_services
from coopess.support.views.common import referral_rows, session_rows

# --- Directory -------------------------------------------------------------------------------


def _actors_page(request, form, *, status=200):
    actors = list(permissions.officer_actors(request.user).select_related("operator"))
    return render(request, "support/actors.html", {"actors": actors, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def actors(request):
    permissions.require_officer(request.user)
    form = forms.ActorForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actor = form.save(commit=False)
            actor.operator = request.user.organisations_for(Role.OFFICER)[0]
            try:
                referral_services.actor_save(actor=actor, by=request.user)
            except SupportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"« {actor.name} » est ajouté à l'annuaire.")
                return redirect("support:actors")
        return _actors_page(request, form, status=400)
    return _actors_page(request, form)


@require_http_methods(["GET", "POST"])
def actor(request, actor_id: int):
    item = get_object_or_404(permissions.officer_actors(request.user), pk=actor_id)
    form = forms.ActorForm(request.POST or None, instance=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                referral_services.actor_save(actor=form.save(commit=False), by=request.user)
            except SupportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"« {item.name} » est enregistré.")
                return redirect("support:actors")
        status = 400
    return render(request, "support/actor.html", {"actor": item, "form": form}, status=status)


# --- Referrals -------------------------------------------------------------------------------


def _referral_form(cohort, data=None):
    return forms.ReferralForm(
        data,
        structures=diagnostic_permissions.cohort_structures(cohort),
        actors=SupportActor.objects.filter(operator_id=cohort.call.operator_id, active=True),
        actions=ActionItem.objects.filter(cohort=cohort).order_by("position", "pk"),
    )


@require_POST
def referral_add(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    form = _referral_form(cohort, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_services.referral_create(
                cohort=cohort,
                structure=diagnostic_permissions.cohort_structures(cohort).get(
                    pk=data["structure"]
                ),
                actor=SupportActor.objects.get(pk=data["actor"]),
                action_item=ActionItem.objects.filter(cohort=cohort, pk=data["action_item"]).first()
                if data["action_item"]
                else None,
                need=data["need"],
                by=request.user,
            )
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{referral.structure.name} est orientée vers {referral.actor.name}."
            )
    else:
        errors = "; ".join(e for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, f"L'orientation n'est pas enregistrée : {errors}")
    return _back(cohort, request.POST.get("next_structure"))


def _back(cohort, structure_id: str | None):
    """Back to the structure's page when the form came from there, else the cohort's."""
    if structure_id and structure_id.isdigit():
        return redirect(
            "support:officer_structure", cohort_id=cohort.pk, structure_id=int(structure_id)
        )
    return redirect("support:cohort", cohort_id=cohort.pk)


@require_POST
def referral_move(request, cohort_id: int, referral_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    referral = get_object_or_404(Referral.objects.filter(cohort=cohort), pk=referral_id)
    form = forms.ReferralMoveForm(request.POST)
    if form.is_valid():
        try:
            referral_services.referral_move(
                referral=referral,
                to=form.cleaned_data["to"],
                by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "L'état de l'orientation est enregistré.")
    else:
        messages.error(request, "Choisissez le nouvel état de l'orientation.")
    return _back(cohort, request.POST.get("next_structure"))


# --- An officer's page per structure ---------------------------------------------------------


@require_GET
def officer_structure(request, cohort_id: int, structure_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    structure = get_object_or_404(
        diagnostic_permissions.cohort_structures(cohort).prefetch_related("representatives"),
        pk=structure_id,
    )
    sessions = session_rows(permissions.structure_sessions(structure, cohort))
    representatives = list(structure.representatives.all())
    attendance = {
        (a.session_id, a.representative_id): a.present
        for a in _attendances(sessions, representatives)
    }
    rows = [
        {
            "session": s,
            "marks": [attendance.get((s.pk, r.pk)) for r in representatives],
        }
        for s in sessions
    ]
    dla = referral_services.departmental_dla(structure, cohort)
    return render(
        request,
        "support/officer_structure.html",
        {
            "cohort": cohort,
            "structure": structure,
            "representatives": representatives,
            "rows": rows,
            "referrals": referral_rows(structure.referrals.filter(cohort=cohort)),
            "departmental_dla": dla,
            "referral_form": _referral_form(cohort),
        },
    )


def _attendances(sessions, representatives):
    return Attendance.objects.filter(
        session__in=[s.pk for s in sessions], representative__in=[r.pk for r in representatives]
    )


@require_POST
def officer_dla_referral(request, cohort_id: int, structure_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    structure = get_object_or_404(diagnostic_permissions.cohort_structures(cohort), pk=structure_id)
    try:
        referral = referral_services.referral_to_departmental_dla(
            structure=structure, by=request.user
        )
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{structure.name} est orientée vers {referral.actor.name} (DLA individuel)."
        )
    return redirect("support:officer_structure", cohort_id=cohort.pk, structure_id=structure.pk)
