"""The public pages of calls, rendered once and shared by every visitor.

A call's page is the same for everyone (the header, which depends on who is signed in, is
outside the cached part). It changes when an officer edits the call — every save or delete of a
call or of one of its parts bumps a version — or when time moves it to another phase: each
cached body knows the instant it stops being valid (the next opening, closing or midnight in
Paris). One cache read per page then, instead of six queries.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from coopess.calls.calendar import PARIS

VERSION_KEY = "calls:version"
MAX_AGE = 60 * 60


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def calls_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = bump_version()
    return version


def bump_version(*args, **kwargs) -> str:
    version = str(time.time_ns())
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def next_midnight(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now, PARIS)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0, 0), tzinfo=PARIS)


def valid_until(now: dt.datetime, instants: list[dt.datetime]) -> dt.datetime:
    """The first instant after ``now`` at which a phase may change."""
    return min([moment for moment in instants if moment > now] + [next_midnight(now)])


def cached_render(
    key: str, build: Callable[[dt.datetime], tuple[Rendered, list[dt.datetime]]]
) -> Rendered:
    """``build(now)`` renders the body and names the instants at which it would change."""

    def build_with_expiry(now: dt.datetime):
        rendered, instants = build(now)
        return rendered, valid_until(now, instants)

    return _cached(key, build_with_expiry)


def cached_bytes(key: str, build: Callable[[], bytes]) -> bytes:
    """Bytes (a PDF) built once per version of the calls, shared by every visitor."""
    return _cached(key, lambda now: (build(), now + dt.timedelta(seconds=MAX_AGE)))


def _cached(key: str, build: Callable[[dt.datetime], tuple[object, dt.datetime]]):
    """One cache read: the value if it was built for the current version of the calls and has
    not expired, else ``build(now)`` → (value, valid until), stored for the others."""
    now = timezone.now()
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    entry = found.get(key)
    if entry and version and entry["version"] == version and entry["until"] > now.timestamp():
        return entry["value"]
    value, until = build(now)
    timeout = max(1, min(MAX_AGE, int((until - now).total_seconds())))
    cache.set(
        key,
        {"version": version or calls_version(), "until": until.timestamp(), "value": value},
        timeout=timeout,
    )
    return value


def connect_invalidation() -> None:
    """Any change to a call or one of its parts makes every cached public page stale."""
    from coopess.calls import models

    for model in (
        models.Call,
        models.CallSection,
        models.MaturityStage,
        models.CallTarget,
        models.SupportStep,
        models.CallMilestone,
        models.CallQuestion,
        models.CallDocument,
    ):
        post_save.connect(
            bump_version, sender=model, dispatch_uid=f"calls-cache-{model.__name__}-save"
        )
        post_delete.connect(
            bump_version, sender=model, dispatch_uid=f"calls-cache-{model.__name__}-delete"
        )
