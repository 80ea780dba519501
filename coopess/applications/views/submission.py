"""Submitting and withdrawing an application, and the public blank form of a call (the
questions to prepare before starting).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from coopess.applications import services
from coopess.applications.forms import (
    ConfirmForm,
)
from coopess.applications.permissions import (
    can_withdraw,
)
from coopess.applications.receipts import blank_form_pdf
from coopess.applications.views.base import _load, _nav_context, _require_lead
from coopess.calls.models import Call, CallQuestion

logger = logging.getLogger("coopess")


# --- Submitting, withdrawing ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit(request, public_id):
    application, access = _load(request, public_id)
    _require_lead(access)
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            services.application_submit(application=application, by=request.user, version=version)
        except services.AlreadySubmitted as error:
            messages.info(request, error.message)
            return redirect("applications:detail", application.public_id)
        except services.Incomplete as error:
            messages.error(request, error.message)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                f"Votre candidature est déposée. Récépissé n° {application.receipt_number} : il vous est envoyé par courriel.",
            )
            return redirect("applications:detail", application.public_id)
        application.refresh_from_db()
    context = _nav_context(application, access, "submit")
    context.update(
        {
            "missing": services.missing_items(application) if application.is_editable else [],
            "is_open": application.call.is_open(),
        }
    )
    return render(request, "applications/submit.html", context)


@require_http_methods(["GET", "POST"])
def withdraw(request, public_id):
    application, access = _load(request, public_id)
    if not can_withdraw(access):
        raise PermissionDenied
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ApplicationError as error:  # e.g. a transition not allowed
            messages.error(request, error.message)
        else:
            messages.success(request, "Votre candidature est retirée.")
        return redirect("applications:detail", application.public_id)
    context = _nav_context(application, access, "withdraw")
    context["form"] = form
    return render(request, "applications/withdraw.html", context)


# --- Public: the blank form -------------------------------------------------------------------


@login_not_required
@require_GET
def blank_form(request, slug: str):
    """The call's blank form as PDF: built once per version of the call, not per visitor."""
    from coopess.calls.public_cache import cached_bytes

    def build() -> bytes:
        call = get_object_or_404(
            Call.objects.published().prefetch_related(
                "targets",
                "maturity_stages",
                "documents",
                Prefetch("questions", queryset=CallQuestion.objects.order_by("position", "pk")),
            ),
            slug=slug,
        )
        return blank_form_pdf(call)

    response = HttpResponse(
        cached_bytes(f"calls:blank-form:{slug}", build), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="formulaire-{slug}.pdf"'
    return response
