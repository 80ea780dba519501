"""API tests: a DLA with a cohort, tokens with chosen scopes, and a client that sends them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coopess.api import services
from coopess.api.models import Scope

ALL_SCOPES = [s.value for s in Scope]


def make_token(operator, *, scopes=None, funder=None, by=None, days: int = 30, name="CRM"):
    token, clear = services.token_create(
        operator=operator,
        name=name,
        scopes=ALL_SCOPES if scopes is None else scopes,
        funder=funder,
        expires_at=timezone.now() + dt.timedelta(days=days),
        by=by,
    )
    return token, clear


def bearer(clear: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}
