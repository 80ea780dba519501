"""What every application page shares: loading an application the user may see (others are
not found), the lead-only guard, the navigation between sections and the autosave answers.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from coopess.applications.models import (
    AccessRole,
    Application,
    ApplicationAccess,
)
from coopess.applications.permissions import (
    can_edit_application,
)
from coopess.applications.sections import section_url, sections_for

logger = logging.getLogger("coopess")


# --- Loading what the user may see -----------------------------------------------------------


def _load(request, public_id) -> tuple[Application, ApplicationAccess]:
    """The application and this person's access to it, or 404."""
    access = (
        ApplicationAccess.objects.select_related("application", "application__call", "structure")
        .filter(user=request.user, application__public_id=public_id)
        .first()
    )
    if access is None:
        raise Http404
    return access.application, access


def _require_lead(access: ApplicationAccess) -> None:
    if not can_edit_application(access):
        raise PermissionDenied


def _nav_context(application: Application, access: ApplicationAccess, current: str) -> dict:
    call = application.call
    has_questions = call.questions.exclude(kind="file").exists()
    return {
        "application": application,
        "access": access,
        "is_lead": access.role == AccessRole.LEAD,
        "sections": sections_for(application, has_questions=has_questions),
        "current": current,
        "call": call,
    }


def _bound_for_display(form_class, initial: dict, pending: dict, **kwargs):
    """A form showing the model's values, overlaid with what was typed but is not valid yet
    (bound, so that those fields show their error next to them)."""
    if not pending:
        return form_class(initial=initial, **kwargs)
    data = MultiValueDict()
    probe = form_class(**kwargs)
    for name, field in probe.fields.items():
        value = pending.get(name, initial.get(name))
        if value is None:
            continue
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = field.widget.format_value(value) if not isinstance(value, str) else value
    form = form_class(data=data, **kwargs)
    form.is_valid()
    return form


def _autosave_response(request, form, application: Application) -> HttpResponse:
    return render(
        request,
        "applications/_partials/autosave_status.html",
        {"form": form, "saved_at": timezone.localtime(timezone.now()), "application": application},
    )


def _after_save(request, form, application, *, next_url: str, invalid: dict):
    if request.htmx:
        return _autosave_response(request, form, application)
    if invalid:
        messages.warning(
            request,
            "Enregistré. Certaines saisies sont à corriger : elles sont conservées telles que vous les avez tapées.",
        )
        return None  # re-render the page with the errors
    messages.success(request, "Enregistré.")
    return redirect(next_url)


def _next_section_url(request, application: Application, key: str) -> str:
    if request.POST.get("then") == "stay":
        return request.path
    has_questions = application.call.questions.exclude(kind="file").exists()
    keys = [s.key for s in sections_for(application, has_questions=has_questions)]
    index = keys.index(key)
    if index + 1 < len(keys):
        return section_url(application, keys[index + 1])
    return _submit_url(application)


def _submit_url(application: Application) -> str:

    return reverse("applications:submit", args=[application.public_id])
