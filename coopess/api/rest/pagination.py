"""Pagination by cursor: pages in the order (``updated_at`` or another moment, ``public_id``),
each page carrying the opaque cursor of the next one. Unlike page numbers, a cursor neither
skips nor repeats a row when rows change between two pages, and each page costs the same on
100,000 rows (an index range, no OFFSET)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

from django.db.models import Q, QuerySet

from coopess.api.rest.problems import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(moment, public_id) -> str:
    raw = json.dumps([moment.isoformat(), str(public_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | dt.date, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, public_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        value = (
            dt.datetime.fromisoformat(moment) if "T" in moment else dt.date.fromisoformat(moment)
        )
        return value, uuid.UUID(public_id)
    except (ValueError, TypeError, UnicodeError) as error:
        raise ApiProblem(
            400,
            "Le curseur est invalide : reprenez celui que donne « next_cursor » de la page "
            "précédente.",
        ) from error


def page(
    queryset: QuerySet, *, cursor: str | None, limit: int, order: str
) -> tuple[list, str | None]:
    """One page of ``queryset`` ordered by (``order``, ``public_id``), and the next cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiProblem(400, f"« limit » est compris entre 1 et {MAX_LIMIT}.")
    queryset = queryset.order_by(order, "public_id")
    if cursor:
        moment, public_id = decode_cursor(cursor)
        # a range on the index's first column, not an OR that would defeat it
        queryset = queryset.filter(**{f"{order}__gte": moment}).exclude(
            Q(**{order: moment, "public_id__lte": public_id})
        )
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, order), last.public_id)
    return rows, next_cursor
