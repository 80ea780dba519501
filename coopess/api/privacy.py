"""The personal data of the API app, declared to the privacy registry: who created which token
and which webhook endpoint (the tokens' author answers for their calls in the export log).
Webhook payloads carry identifiers and statuses only, no personal data."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def tokens_of(user) -> dict[str, list[dict[str, Any]]]:
    from coopess.api.models import ApiToken, WebhookEndpoint

    tokens = [
        {
            "nom": t.name,
            "dla": str(t.operator),
            "droits": t.scopes,
            "créé le": timezone.localtime(t.created_at).isoformat(),
            "expire le": timezone.localtime(t.expires_at).isoformat(),
            "révoqué le": timezone.localtime(t.revoked_at).isoformat() if t.revoked_at else None,
        }
        for t in ApiToken.objects.filter(created_by=user).select_related("operator")
    ]
    endpoints = [
        {"nom": e.name, "adresse": e.url, "créé le": timezone.localtime(e.created_at).isoformat()}
        for e in WebhookEndpoint.objects.filter(created_by=user)
    ]
    data = {}
    if tokens:
        data["Jetons d'API créés"] = tokens
    if endpoints:
        data["Points de réception de webhooks créés"] = endpoints
    return data


def register_source() -> None:
    from coopess.privacy.registry import PersonalDataSource, register

    register(PersonalDataSource(name="api", export_person=tokens_of))
