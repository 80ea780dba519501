"""Who calls: a bearer token (``Authorization: Bearer coop_…``), its scopes and its rate."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import connection
from ninja.security import HttpBearer

from coopess.api import services
from coopess.api.models import ApiRateCounter, ApiToken
from coopess.api.rest.problems import ApiProblem, not_found

#: requests a token (or an anonymous address) may make per window
DEFAULT_RATE = 120
DEFAULT_WINDOW_SECONDS = 60


def rate_settings() -> tuple[int, int]:
    return (
        int(getattr(settings, "COOPESS_API_RATE", DEFAULT_RATE)),
        int(getattr(settings, "COOPESS_API_RATE_WINDOW", DEFAULT_WINDOW_SECONDS)),
    )


def count_request(key: str, slot: int) -> int:
    """This request counted in its window; the window's count, this one included.

    One statement, ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count``
    (SQLite 3.35+ and PostgreSQL): the row is locked while it is incremented, so two processes
    counting at once each get their own number. A window's first request also deletes every
    window before the previous one (an anonymous caller's address is kept no longer)."""
    q = connection.ops.quote_name
    table, key_column, slot_column, count_column = map(
        q, (ApiRateCounter._meta.db_table, "key", "slot", "count")
    )
    sql = (
        f"INSERT INTO {table} ({key_column}, {slot_column}, {count_column}) VALUES (%s, %s, 1) "  # noqa: S608 (quoted names only)
        f"ON CONFLICT ({key_column}, {slot_column}) "
        f"DO UPDATE SET {count_column} = {table}.{count_column} + 1 RETURNING {count_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, slot])
        (count,) = cursor.fetchone()
    if count == 1:
        ApiRateCounter.objects.filter(slot__lt=slot - 1).delete()
    return count


def check_rate(key: str) -> None:
    """A fixed window counter in the database (every web process sees it). Over the rate:
    429 with ``Retry-After``, the seconds until the window ends."""
    rate, window = rate_settings()
    now = time.time()
    slot = int(now // window)
    count = count_request(key[:80], slot)
    if count > rate:
        retry = max(1, math.ceil((slot + 1) * window - now))
        raise ApiProblem(
            429,
            f"Limite de {rate} requêtes par {window} secondes atteinte : réessayez dans "
            f"{retry} secondes.",
            headers={"Retry-After": str(retry)},
        )


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "inconnue"


class TokenAuth(HttpBearer):
    """A usable token, rate-limited per token. No token, an unknown, expired or revoked one:
    401."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        found = services.token_for(token.strip())
        if found is None:
            return None
        check_rate(f"token:{found.pk}")
        services.token_touch(found)
        return found


def optional_token(request) -> ApiToken | None:
    """For the public endpoints: the token if one is given (it must then be valid), else
    nobody, rate-limited per address."""
    header = request.headers.get("Authorization", "")
    if not header:
        check_rate(f"ip:{client_address(request)}")
        return None
    scheme, _, value = header.partition(" ")
    token = services.token_for(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise ApiProblem(401, "Jeton absent, inconnu, expiré ou révoqué.")
    check_rate(f"token:{token.pk}")
    services.token_touch(token)
    return token


def require_scope(request, scope: str) -> ApiToken:
    """The caller's token if it holds ``scope``; otherwise the resource does not exist for it
    (404, as everywhere in CoopESS)."""
    token: ApiToken = request.auth
    if not token.has_scope(scope) or (token.funder_id is not None and scope != "indicators"):
        raise not_found()
    return token
