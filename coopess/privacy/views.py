"""« Mes données » for everyone signed in; the erasure requests for the officers concerned
and administrators. Someone else's request answers 404."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.common.pdf import render_pdf
from coopess.privacy import services
from coopess.privacy.forms import AcceptForm, ErasureRequestForm, RefuseForm
from coopess.privacy.models import ErasureRequest, ErasureStatus
from coopess.privacy.permissions import can_handle_erasure_requests, sees_call
from coopess.privacy.retention import retention_of, with_retention_dates

# --- The person's own data -------------------------------------------------------------------------


@require_GET
def mine(request):
    user = request.user
    applications = (
        with_retention_dates(services.applications_of(user).distinct())
        .select_related("cohort_membership__cohort")
        .order_by("-created_at", "pk")
    )
    rows = [(application, retention_of(application)) for application in applications]
    erasure_requests = list(user.erasure_requests.all())
    return render(
        request,
        "privacy/mine.html",
        {
            "rows": rows,
            "erasure_requests": erasure_requests,
            "pending": next((r for r in erasure_requests if r.is_pending), None),
            "now": timezone.now(),
        },
    )


def _filename(extension: str) -> str:
    return f"mes-donnees-coopess-{timezone.localdate():%Y%m%d}.{extension}"


def _json_response(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def download_json(request):
    return _json_response(services.person_data(request.user), _filename("json"))


@require_GET
def download_pdf(request):
    data = services.person_data(request.user)
    content = render_pdf("privacy/pdf/person_data.html", {"data": data, "person": request.user})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename("pdf")}"'
    return response


@require_http_methods(["GET", "POST"])
def erasure(request):
    pending = request.user.erasure_requests.filter(status=ErasureStatus.PENDING).first()
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            services.erasure_request_create(user=request.user, reason=form.cleaned_data["reason"])
        except services.PrivacyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                "Votre demande est enregistrée : le DLA l'examine et vous répond par courriel.",
            )
            return redirect("privacy:mine")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/erasure.html",
        {"form": form, "pending": pending, "plan": services.erasure_plan(request.user)},
        status=status,
    )


# --- Handling the requests (officers of the DLA concerned, administrators) --------------------


def _require_handler(user) -> None:
    if not can_handle_erasure_requests(user):
        raise Http404


def _handled(request, public_id) -> ErasureRequest:
    _require_handler(request.user)
    return get_object_or_404(
        ErasureRequest.objects.handled_by(request.user).select_related("user", "decided_by"),
        public_id=public_id,
    )


@require_GET
def requests(request):
    _require_handler(request.user)
    rows = list(
        ErasureRequest.objects.handled_by(request.user)
        .select_related("user", "decided_by")
        .order_by("status", "-created_at")
    )
    return render(
        request,
        "privacy/requests.html",
        {
            "pending": [r for r in rows if r.is_pending],
            "handled": [r for r in rows if not r.is_pending],
        },
    )


def _hidden(handler, person) -> int:
    """How many of the person's applications belong to calls the handler does not see."""
    calls = services.applications_of(person).select_related("call").distinct()
    return sum(1 for application in calls if not sees_call(handler, application.call))


def _request_page(request, erasure_request: ErasureRequest, forms: dict | None = None, status=200):
    forms = forms or {}
    plan = services.erasure_plan(erasure_request.user) if erasure_request.is_pending else None
    items = []
    hidden = 0
    for item in plan.items if plan else []:
        if sees_call(request.user, item.application.call):
            items.append(item)
        else:
            hidden += 1
    return render(
        request,
        "privacy/request.html",
        {
            "erasure_request": erasure_request,
            "plan": plan,
            "items": items,
            "hidden": hidden,
            "can_export": not _hidden(request.user, erasure_request.user),
            "accept_form": forms.get("accept") or AcceptForm(),
            "refuse_form": forms.get("refuse") or RefuseForm(),
        },
        status=status,
    )


@require_GET
def request_detail(request, public_id):
    return _request_page(request, _handled(request, public_id))


@require_POST
def request_accept(request, public_id):
    erasure_request = _handled(request, public_id)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.erasure_accept(
                request=erasure_request, by=request.user, note=form.cleaned_data["note"]
            )
        except services.PrivacyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Demande acceptée : les données sont effacées, la personne est prévenue."
            )
            return redirect("privacy:request", erasure_request.public_id)
    return _request_page(request, erasure_request, {"accept": form}, status=400)


@require_POST
def request_refuse(request, public_id):
    erasure_request = _handled(request, public_id)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.erasure_refuse(
                request=erasure_request, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.PrivacyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Demande refusée : la personne a reçu votre motif.")
            return redirect("privacy:request", erasure_request.public_id)
    return _request_page(request, erasure_request, {"refuse": form}, status=400)


@require_GET
def request_export(request, public_id):
    """The requester's data, for a handler who answers by other means (logged)."""
    erasure_request = _handled(request, public_id)
    person = erasure_request.user
    if _hidden(request.user, person):  # some of it belongs to another DLA
        raise Http404
    data = services.person_data(person)
    services.personal_data_export_log(
        by=request.user,
        what=f"Données d'une personne (demande d'effacement du {timezone.localtime(erasure_request.created_at):%d/%m/%Y})",
        fmt="json",
        rows=services.row_count(data),
        subject=person,
    )
    return _json_response(data, f"donnees-personne-{person.pk}.json")
