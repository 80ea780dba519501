"""Every write on calls."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from coopess.accounts.models import Organisation
from coopess.calls.models import (
    Call,
    CallDocument,
    CallMilestone,
    CallQuestion,
    CallSection,
    CallTarget,
    MaturityStage,
    SupportStep,
    validate_follow_up_offsets,
)
from coopess.common.events import CALL_CREATED, announce

SEED_CALL_FILE = Path(__file__).resolve().parent / "data" / "seed_call.json"

CALL_FIELDS = (
    "slug", "title", "subtitle", "theme", "summary", "edition", "max_structures", "region_code",
    "eligible_departements", "follow_up_months", "follow_up_offsets", "contact_name",
    "contact_role", "contact_email", "contact_phone", "receipt_prefix", "max_file_mb", "max_total_mb",
    "retention_not_retained_months", "retention_accompanied_months",
)  # fmt: skip


def load_call_data(path: Path = SEED_CALL_FILE) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def call_create_from_data(*, operator: Organisation, data: dict, is_published: bool = True) -> Call:
    """Create a call and its whole text from a data dictionary (see ``data/seed_call.json``)."""
    if "follow_up_offsets" in data:
        validate_follow_up_offsets(data["follow_up_offsets"])  # French ValidationError
    call = Call.objects.create(
        operator=operator,
        opens_at=_datetime(data["opens_at"]),
        closes_at=_datetime(data["closes_at"]),
        is_published=is_published,
        **{field: data[field] for field in CALL_FIELDS if field in data},
    )
    CallSection.objects.bulk_create(
        CallSection(call=call, position=i, **row) for i, row in enumerate(data["sections"])
    )
    MaturityStage.objects.bulk_create(
        MaturityStage(call=call, position=i, **row) for i, row in enumerate(data["maturity_stages"])
    )
    CallTarget.objects.bulk_create(
        CallTarget(call=call, position=i, **row) for i, row in enumerate(data["targets"])
    )
    SupportStep.objects.bulk_create(
        SupportStep(call=call, position=i, **row) for i, row in enumerate(data["steps"])
    )
    CallMilestone.objects.bulk_create(
        CallMilestone(
            call=call,
            position=i,
            kind=row["kind"],
            label=row["label"],
            starts_on=parse_date(row["starts_on"]) if row.get("starts_on") else None,
            ends_on=parse_date(row["ends_on"]) if row.get("ends_on") else None,
            precision=row.get("precision", "day"),
        )
        for i, row in enumerate(data["milestones"])
    )
    CallDocument.objects.bulk_create(
        CallDocument(call=call, position=i, **row)
        for i, row in enumerate(data.get("documents", []))
    )
    questions: list[CallQuestion] = []
    for i, row in enumerate(data.get("questions", [])):
        condition = row.get("show_if")
        questions.append(
            CallQuestion.objects.create(
                call=call,
                position=i,
                label=row["label"],
                help_text=row.get("help_text", ""),
                kind=row["kind"],
                required=row.get("required", False),
                choices=row.get("choices", []),
                show_if_question=questions[condition["question"]] if condition else None,
                show_if_value=condition["value"] if condition else "",
            )
        )
    announce(CALL_CREATED, call=call)  # selection gives it its default rules and grid
    return call


def _datetime(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(f"Expected an ISO 8601 date-time with an offset, got {value!r}.")
    return parsed
