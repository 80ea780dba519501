"""Every write of the API app: tokens (create, revoke), webhook endpoints (create, update,
rotate the secret, delete) and the log of each API call."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import Organisation, User
from coopess.api.models import ApiToken, Scope, WebhookEndpoint

#: « coop_ » + 8 characters told apart on the page + the secret part
TOKEN_PREFIX = "coop_"
#: how long a rotated secret keeps signing beside the new one (receivers switch meanwhile)
SECRET_OVERLAP = dt.timedelta(hours=24)


def hash_token(clear: str) -> str:
    """The stored fingerprint of a clear token. The token carries 256 random bits: a plain
    SHA-256 is enough (no dictionary to try, unlike a password)."""
    return hashlib.sha256(clear.encode()).hexdigest()


def new_clear_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_create(
    *,
    operator: Organisation,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime,
    by: User | None,
    funder: Organisation | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it and its clear value, which is never stored nor shown again.
    A funder's token may read the indicators only."""
    scopes = [s for s in Scope.values if s in scopes]
    if funder is not None:
        scopes = [Scope.INDICATORS.value]
    clear = new_clear_token()
    token = ApiToken.objects.create(
        operator=operator,
        funder=funder,
        name=name.strip(),
        scopes=scopes,
        prefix=clear[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(clear),
        expires_at=expires_at,
        created_by=by,
    )
    return token, clear


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for(clear: str) -> ApiToken | None:
    """The usable token with this clear value, or None (unknown, revoked, expired)."""
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 100:
        return None
    token = (
        ApiToken.objects.select_related("operator", "funder", "created_by")
        .filter(token_hash=hash_token(clear))
        .first()
    )
    if token is None or not token.is_usable():
        return None
    return token


def token_touch(token: ApiToken) -> None:
    """Remember when the token was last used (at most once a minute: one write, not one per
    call)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_call_log(*, token: ApiToken, what: str, rows: int, filters: str = "") -> None:
    """Record one API call in the export log of personal data (who, when, what, how many
    rows): the token's author answers for it, the token is named in ``what``."""
    from coopess.privacy.models import PersonalDataExportLog

    author = token.created_by
    PersonalDataExportLog.objects.create(
        by=author,
        by_email=author.email if author else "",
        what=f"API « {token.name} » ({token.prefix}…) : {what}"[:300],
        fmt="api",
        rows=rows,
        filters=filters[:500],
    )


# --- Webhook endpoints ---------------------------------------------------------------------


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: « whsec_ » and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@transaction.atomic
def endpoint_create(
    *, operator: Organisation, name: str, url: str, events: list[str], by: User | None
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        operator=operator,
        name=name.strip(),
        url=url.strip(),
        events=list(events),
        secret=new_webhook_secret(),
        created_by=by,
    )


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, name: str, url: str, events: list[str], is_active: bool
) -> WebhookEndpoint:
    endpoint.name = name.strip()
    endpoint.url = url.strip()
    endpoint.events = list(events)
    endpoint.is_active = is_active
    endpoint.save(update_fields=["name", "url", "events", "is_active"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the former one keeps signing beside it for 24 hours (the signature header
    then carries both), so that the receiver can switch without losing a delivery."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + SECRET_OVERLAP
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()
