"""Starting an application on an open call, the representative's list of applications, the
application's summary page (with the panels later steps register: the messages to the DLA are
selection's, see ``coopess/applications/panels.py``), and the decision letter.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from coopess.applications import services
from coopess.applications.forms import (
    StartForm,
)
from coopess.applications.models import (
    Application,
    ApplicationAccess,
)
from coopess.applications.panels import render_panels
from coopess.applications.receipts import application_context
from coopess.applications.sections import section_url
from coopess.applications.views.base import _load, _nav_context
from coopess.calls.models import Call
from coopess.common.uploads import protected_file_response

logger = logging.getLogger("coopess")


# --- Starting ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request, slug: str):
    """From a call's page: the privacy notice, then a new draft."""
    call = get_object_or_404(Call.objects.published(), slug=slug)
    existing = list(
        Application.objects.filter(call=call, accesses__user=request.user).order_by("-created_at")
    )
    form = StartForm(request.POST or None)
    if request.method == "POST" and call.is_open() and form.is_valid():
        try:
            application = services.application_create(call=call, by=request.user)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Votre candidature est créée : elle s'enregistre au fur et à mesure."
            )
            return redirect(section_url(application, "type"))
    return render(
        request,
        "applications/start.html",
        {"call": call, "form": form, "existing": existing, "is_open": call.is_open()},
    )


@require_GET
def my_applications(request):
    accesses = (
        ApplicationAccess.objects.filter(user=request.user)
        .select_related("application", "application__call", "structure")
        .order_by("-application__created_at")
    )
    return render(request, "applications/my_applications.html", {"accesses": accesses})


# --- Reading -----------------------------------------------------------------------------------


@require_GET
def detail(request, public_id):
    application, access = _load(request, public_id)
    context = _nav_context(application, access, "detail")
    context.update(application_context(application))
    context["missing"] = services.missing_items(application) if application.is_editable else []
    context["transitions"] = application.transitions.select_related("by")
    context["receipt"] = application.attachments.filter(is_receipt=True).first()
    context["decision"] = application.decisions.filter(
        is_current=True, letter_sent_at__isnull=False
    ).first()
    # later steps' panels (the messages with the DLA are selection's): coopess/applications/panels.py
    context["panels"] = render_panels(request, application)
    return render(request, "applications/detail.html", context)


@require_GET
def decision_letter(request, public_id):
    application, _access = _load(request, public_id)
    decision = application.decisions.filter(is_current=True, letter_sent_at__isnull=False).first()
    if decision is None or not decision.letter_pdf:
        raise Http404
    return protected_file_response(
        decision.letter_pdf, download_name=f"decision-{application.receipt_number}.pdf"
    )
