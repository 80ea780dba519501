"""The officers' page « API et webhooks » (tokens, endpoints, deliveries) and the public French
documentation of the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.accounts.models import Organisation, OrganisationKind
from coopess.api import services
from coopess.api.forms import EndpointForm, TokenForm
from coopess.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from coopess.api.permissions import managed_operators

NEW_TOKEN_KEY = "api_new_token"


def _operator(request) -> Organisation:
    operators = managed_operators(request.user)
    if not operators:
        raise Http404
    chosen = request.GET.get("dla") or request.POST.get("dla") or ""
    return next((o for o in operators if str(o.pk) == chosen), operators[0])


def _funders(operator: Organisation):
    return Organisation.objects.filter(
        kind=OrganisationKind.FUNDER, funded_calls__operator=operator
    ).distinct()


@require_GET
def home(request):
    operator = _operator(request)
    endpoints = list(WebhookEndpoint.objects.filter(operator=operator))
    failed = {
        row["endpoint_id"]: row["n"]
        for row in WebhookDelivery.objects.filter(
            endpoint__operator=operator, status=WebhookDelivery.Status.FAILED
        )
        .values("endpoint_id")
        .annotate(n=Count("pk"))
    }
    for endpoint in endpoints:
        endpoint.failed_count = failed.get(endpoint.pk, 0)
    context = {
        "operator": operator,
        "operators": managed_operators(request.user),
        "tokens": ApiToken.objects.of_operator(operator).select_related("funder", "created_by"),
        "endpoints": endpoints,
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
    }
    return render(request, "api/home.html", context)


@require_http_methods(["GET", "POST"])
def token_new(request):
    operator = _operator(request)
    form = TokenForm(request.POST or None, funders=_funders(operator))
    if request.method == "POST" and form.is_valid():
        token, clear = services.token_create(
            operator=operator,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            funder=form.cleaned_data["funder"],
            expires_at=form.expires_at(),
            by=request.user,
        )
        request.session[NEW_TOKEN_KEY] = {"name": token.name, "clear": clear}
        messages.success(request, f"Jeton « {token.name} » créé.")
        return redirect(f"{reverse('api_admin:home')}?dla={operator.pk}")
    status = 400 if form.errors else 200
    return render(
        request, "api/token_form.html", {"form": form, "operator": operator}, status=status
    )


@require_POST
def token_revoke(request, public_id):
    operators = managed_operators(request.user)
    token = get_object_or_404(ApiToken, public_id=public_id, operator__in=operators)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, f"Jeton « {token.name} » révoqué : il ne donne plus accès à rien.")
    return redirect(f"{reverse('api_admin:home')}?dla={token.operator_id}")


@require_http_methods(["GET", "POST"])
def endpoint_new(request):
    operator = _operator(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_create(
            operator=operator,
            name=form.cleaned_data["name"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            by=request.user,
        )
        messages.success(request, f"Point de réception « {endpoint.name} » enregistré.")
        return redirect("api_admin:endpoint_detail", public_id=endpoint.public_id)
    status = 400 if form.errors else 200
    return render(
        request, "api/endpoint_form.html", {"form": form, "operator": operator}, status=status
    )


def _endpoint(request, public_id) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("operator"),
        public_id=public_id,
        operator__in=managed_operators(request.user),
    )


@require_http_methods(["GET", "POST"])
def endpoint_detail(request, public_id):
    endpoint = _endpoint(request, public_id)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        messages.success(request, "Point de réception enregistré.")
        return redirect("api_admin:endpoint_detail", public_id=endpoint.public_id)
    deliveries = list(endpoint.deliveries.order_by("-created_at")[:50])
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries}
    return render(request, "api/endpoint.html", context, status=400 if form.errors else 200)


@require_POST
def endpoint_rotate(request, public_id):
    endpoint = services.endpoint_rotate_secret(endpoint=_endpoint(request, public_id))
    messages.success(
        request,
        "Nouveau secret créé. L'ancien signe encore les envois pendant 24 heures : mettez à "
        "jour votre récepteur d'ici là.",
    )
    return redirect("api_admin:endpoint_detail", public_id=endpoint.public_id)


@require_POST
def endpoint_delete(request, public_id):
    endpoint = _endpoint(request, public_id)
    operator_id = endpoint.operator_id
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, "Point de réception supprimé : plus rien ne lui sera envoyé.")
    return redirect(f"{reverse('api_admin:home')}?dla={operator_id}")


# --- The documentation -------------------------------------------------------------------------


def _documented_operations(schema: dict) -> list[dict]:
    operations = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": {"query": "requête", "path": "chemin"}.get(p["in"], p["in"]),
                    "required": p.get("required", False),
                    "type": _type(p.get("schema", {})),
                    "description": p.get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "secured": bool(op.get("security")),
                    "parameters": parameters,
                    "responses": sorted(op.get("responses", {})),
                    "anchor": op.get("operationId", path),
                }
            )
    return operations


def _type(schema: dict) -> str:
    if "anyOf" in schema:
        return " ou ".join(_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type", "")
    fmt = schema.get("format")
    labels = {"string": "texte", "integer": "entier", "boolean": "booléen", "number": "nombre"}
    text = labels.get(kind, kind)
    if fmt == "uuid":
        return "UUID"
    if fmt == "date-time":
        return "date et heure ISO 8601"
    return text


@login_not_required
@require_GET
def documentation(request):
    from coopess.api.rest.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    context = {
        "info": schema["info"],
        "operations": _documented_operations(schema),
        "schema_url": reverse("api:openapi-json"),
    }
    return render(request, "api/documentation.html", context)


# --- The demo receiver -------------------------------------------------------------------------

DEMO_RECEIVED_KEY = "api:demo:received"


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def demo_receiver(request):
    """Demo only: receives the demo endpoint's webhooks, checks their signature, lists the last
    twenty (their content holds identifiers and statuses only)."""
    from django.conf import settings
    from django.core.cache import cache

    from coopess.api.webhooks import verify_signature

    if not settings.COOPESS_DEMO:
        raise Http404
    received = cache.get(DEMO_RECEIVED_KEY) or []
    if request.method == "POST":
        path = reverse("api_demo_receiver")
        secrets = [
            s
            for e in WebhookEndpoint.objects.filter(url__endswith=path)
            for s in (e.secret, e.previous_secret)
        ]
        valid = verify_signature(secrets=secrets, headers=request.headers, body=request.body)
        received.insert(
            0,
            {
                "at": timezone.now(),
                "id": request.headers.get("webhook-id", ""),
                "valid": valid,
                "body": request.body.decode("utf-8", "replace")[:2000],
            },
        )
        cache.set(DEMO_RECEIVED_KEY, received[:20], 7 * 24 * 3600)
        return HttpResponse(status=204 if valid else 400)
    return render(request, "api/demo_receiver.html", {"received": received})
