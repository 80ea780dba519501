"""The lead structure's partner list: inviting a partner by email, removing one, and the
invitation link a partner follows to join.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coopess.applications import services
from coopess.applications.forms import (
    InvitePartnerForm,
)
from coopess.applications.models import (
    ApplicationStructure,
)
from coopess.applications.permissions import (
    can_edit_application,
)
from coopess.applications.sections import section_url, structure_url
from coopess.applications.views.base import _load, _nav_context, _require_lead

logger = logging.getLogger("coopess")


# --- Partners ----------------------------------------------------------------------------------


def _partners(request, application, access, form=None):
    context = _nav_context(application, access, "partners")
    structures = list(application.structures.all())
    context.update(
        {
            "structures": structures,
            "form": form or InvitePartnerForm(),
            "editable": application.section_is_editable("partners")
            and can_edit_application(access),
            "count": len(structures),
            "cap": application.call.max_structures,
            "remaining": max(application.call.max_structures - len(structures), 0),
        }
    )
    return render(request, "applications/section_partners.html", context)


@require_POST
def partner_invite(request, public_id):
    application, access = _load(request, public_id)
    _require_lead(access)
    form = InvitePartnerForm(request.POST)
    if form.is_valid():
        try:
            services.partner_invite(
                application=application,
                by=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except services.ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect(section_url(application, "partners"))
    return _partners(request, application, access, form=form)


@require_POST
def partner_remove(request, public_id, pk: int):
    application, access = _load(request, public_id)
    _require_lead(access)
    structure = get_object_or_404(application.structures, pk=pk)
    try:
        services.partner_remove(structure=structure, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"La structure « {structure} » a été retirée de la candidature.")
    return redirect(section_url(application, "partners"))


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    structure = (
        ApplicationStructure.objects.select_related("application", "application__call")
        .filter(invitation_token=token)
        .first()
    )
    if structure is None:
        raise Http404
    application = structure.application
    if request.method == "POST":
        services.partner_accept(structure=structure, user=request.user)
        messages.success(
            request, "Vous avez rejoint la candidature : complétez la partie de votre structure."
        )
        return redirect(structure_url(application, structure.pk))
    return render(
        request,
        "applications/invitation.html",
        {"structure": structure, "application": application},
    )
