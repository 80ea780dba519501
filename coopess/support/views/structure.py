"""A representative's page of the collective support: the cohort's collective sessions, their
structure's individual ones, its attendance, the deliverables and its referrals."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from coopess.common.uploads import protected_file_response
from coopess.diagnostic import permissions as diagnostic_permissions
from coopess.support import permissions
from coopess.support.models import Attendance, Engagement
from coopess.support.services import SupportError
from coopess.support.services import referrals as referral_services
from coopess.support.views.common import referral_rows, session_rows
from coopess.support.views.staff import ics_response


@require_GET
def structure(request, structure_id: int):
    structure = diagnostic_permissions.represented_structure(request.user, structure_id)
    cohort = diagnostic_permissions.structure_cohort(structure)
    sessions = session_rows(permissions.structure_sessions(structure, cohort))
    representatives = list(structure.representatives.all())
    marks = {
        (a.session_id, a.representative_id): a.present
        for a in Attendance.objects.filter(
            session__in=[s.pk for s in sessions], representative__structure=structure
        )
    }
    rows = [
        {"session": s, "marks": [marks.get((s.pk, r.pk)) for r in representatives]}
        for s in sessions
    ]
    engagement = Engagement.objects.filter(cohort=cohort).select_related("firm").first()
    referrals = referral_rows(permissions.structure_referrals(structure))
    dla = referral_services.departmental_dla(structure, cohort)
    has_open_dla_referral = dla is not None and any(
        r.actor_id == dla.pk and r.status != "done" for r in referrals
    )
    return render(
        request,
        "support/structure.html",
        {
            "structure": structure,
            "cohort": cohort,
            "engagement": engagement,
            "rows": rows,
            "representatives": representatives,
            "referrals": referrals,
            "departmental_dla": dla,
            "can_request_dla": dla is not None and not has_open_dla_referral,
        },
    )


@require_GET
def structure_deliverable(request, structure_id: int, deliverable_id):
    structure = diagnostic_permissions.represented_structure(request.user, structure_id)
    cohort = diagnostic_permissions.structure_cohort(structure)
    item = permissions.structure_deliverable(structure, cohort, deliverable_id)
    return protected_file_response(item.file, download_name=item.original_name)


@require_POST
def structure_dla_request(request, structure_id: int):
    structure = diagnostic_permissions.represented_structure(request.user, structure_id)
    try:
        referral = referral_services.referral_to_departmental_dla(
            structure=structure, by=request.user, requested_by_structure=True
        )
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Votre demande d'accompagnement individuel est transmise : {referral.actor.name} "
            "et la chargée ou le chargé d'accompagnement vous recontacteront.",
        )
    return redirect("support:structure", structure_id=structure.pk)


@require_GET
def structure_session_ics(request, structure_id: int, session_id: int):
    structure = diagnostic_permissions.represented_structure(request.user, structure_id)
    cohort = diagnostic_permissions.structure_cohort(structure)
    session = get_object_or_404(
        permissions.structure_sessions(structure, cohort).select_related(
            "engagement", "engagement__firm", "structure", "cohort", "created_by"
        ),
        pk=session_id,
    )
    return ics_response(session)
