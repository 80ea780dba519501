"""Pages of the follow-ups: the officer's cohort page (closing the support, results per cohort,
structure and item), one follow-up (answers, filling it during a phone call, needs turned into
referrals), and the representative's questionnaire reached from the emailed link."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.diagnostic.permissions import officer_cohort, represented_structure
from coopess.followups import permissions, services
from coopess.followups.forms import ReferralForm
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.results import answer_rows, cohort_results, questionnaire_form
from coopess.selection.models import CohortStatus


@require_GET
def cohort(request, cohort_id: int):
    cohort = officer_cohort(request.user, cohort_id)
    return render(
        request,
        "followups/cohort.html",
        {
            "cohort": cohort,
            "results": cohort_results(cohort),
            "can_close": cohort.status == CohortStatus.SUPPORT,
            "in_follow_up": cohort.status == CohortStatus.FOLLOW_UP,
            "offsets": services.followup_offsets(cohort.call),
        },
    )


@require_POST
def cohort_close(request, cohort_id: int):
    """Close the cohort after its last follow-up (follow_up → closed)."""
    cohort = officer_cohort(request.user, cohort_id)
    try:
        services.cohort_close(
            cohort=cohort, by=request.user, comment=request.POST.get("comment", "")
        )
    except services.FollowUpError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Cohorte close : le suivi est terminé. Les données personnelles des structures "
            "seront anonymisées au terme de la durée de conservation de l'appel.",
        )
    return redirect("followups:cohort", cohort_id=cohort.pk)


@require_POST
def close(request, cohort_id: int):
    cohort = officer_cohort(request.user, cohort_id)
    try:
        followups = services.support_close(
            cohort=cohort, by=request.user, comment=request.POST.get("comment", "")
        )
    except services.FollowUpError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Accompagnement clos : {len(followups)} suivis programmés. Les questionnaires "
            "partiront d'eux-mêmes à leur date.",
        )
    return redirect("followups:cohort", cohort_id=cohort.pk)


def _questionnaire(request, followup, *, by_officer: bool, template: str, extra: dict):
    """Shared by the officer and the representative: save a draft, or check and send."""
    form = questionnaire_form(followup)
    if request.method == "POST" and followup.is_open:
        form = questionnaire_form(followup, request.POST)
        typed = {k: v for k, v in request.POST.items() if k.startswith(("q_", "item_"))}
        try:
            if "draft" in request.POST:
                services.draft_save(
                    followup=followup, data=typed, by=request.user, by_officer=by_officer
                )
                messages.success(request, "Brouillon enregistré : vous pouvez revenir plus tard.")
                return None
            if form.is_valid():
                services.answer_submit(
                    followup=followup,
                    answers=form.answers(),
                    by=request.user,
                    by_officer=by_officer,
                )
                messages.success(request, "Merci : le questionnaire est enregistré.")
                return None
            # keep what was typed, with the errors next to the fields
            services.draft_save(
                followup=followup, data=typed, by=request.user, by_officer=by_officer
            )
        except services.FollowUpError as error:
            messages.error(request, error.message)
            return None
    context = {
        "followup": followup,
        "form": form,
        "answers": [] if followup.is_open else answer_rows(followup, form),
        **extra,
    }
    return render(request, template, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def followup(request, cohort_id: int, followup_id: int):
    cohort, followup = permissions.officer_followup(request.user, cohort_id, followup_id)
    extra = {
        "cohort": cohort,
        "transitions": list(followup.transitions.select_related("by")),
        "referral_form": ReferralForm(operator_id=cohort.call.operator_id),
        "needs": str(followup.answers.get("q_needs", "")).strip()
        if followup.status == FollowUpStatus.ANSWERED
        else "",
        "referrals": list(
            followup.structure.referrals.select_related("actor").order_by("created_at")
        ),
    }
    response = _questionnaire(
        request, followup, by_officer=True, template="followups/followup.html", extra=extra
    )
    return response or redirect("followups:followup", cohort_id=cohort.pk, followup_id=followup.pk)


@require_POST
def referral(request, cohort_id: int, followup_id: int):
    cohort, followup = permissions.officer_followup(request.user, cohort_id, followup_id)
    form = ReferralForm(request.POST, operator_id=cohort.call.operator_id)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            referral = services.need_referral(
                followup=followup,
                by=request.user,
                actor=form.cleaned_data["actor"],
                individual_dla=form.cleaned_data["individual_dla"],
            )
        except services.FollowUpError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Orientation proposée vers {referral.actor.name}.")
    return redirect("followups:followup", cohort_id=cohort.pk, followup_id=followup.pk)


@require_http_methods(["GET", "POST"])
def answer(request, followup_token: str):
    followup = permissions.represented_followup(request.user, followup_token)
    response = _questionnaire(
        request, followup, by_officer=False, template="followups/answer.html", extra={}
    )
    return response or redirect("followups:answer", followup_token=followup.token)


@require_GET
def structure(request, structure_id: int):
    structure = represented_structure(request.user, structure_id)
    followups = list(
        permissions.structure_followups(request.user).filter(structure=structure).order_by("due_on")
    )
    call = structure.application.call
    labels = [FollowUp(offset_months=o).label for o in services.followup_offsets(call)]
    return render(
        request,
        "followups/structure.html",
        {"structure": structure, "followups": followups, "labels": labels},
    )
