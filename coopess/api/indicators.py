"""The indicators the API serves: the reporting app's own computation (``compute_report``)
and its own statistical secrecy (``Table.display``), for the calls a token may read."""

from __future__ import annotations

import uuid
from decimal import Decimal

from coopess.api.models import ApiToken
from coopess.api.rest.problems import ApiProblem, not_found
from coopess.calls.models import Call
from coopess.reporting.registry import compute_report
from coopess.reporting.scope import Period, Scope
from coopess.reporting.tables import SECRECY_NOTE
from coopess.selection.models import Cohort


def token_calls(token: ApiToken):
    """A DLA token: its DLA's calls. A funder's token: the DLA's published calls that name this
    funder (as ``reporting_calls`` does for a funder's account)."""
    calls = Call.objects.filter(operator_id=token.operator_id)
    if token.funder_id is not None:
        calls = calls.published().filter(funders=token.funder_id)
    return calls


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def indicators_for(
    token: ApiToken,
    *,
    call: uuid.UUID | None,
    cohort: uuid.UUID | None,
    year: int | None,
    diffusion: bool = False,
) -> dict:
    calls = token_calls(token)
    if call is not None:
        calls = calls.filter(public_id=call)
        if not calls.exists():
            raise not_found()
    cohort_id = None
    if cohort is not None:
        cohort_id = (
            Cohort.objects.filter(call__in=calls, public_id=cohort)
            .values_list("pk", flat=True)
            .first()
        )
        if cohort_id is None:
            raise not_found()
    if year is not None and not 2000 <= year <= 2100:
        raise ApiProblem(400, "« year » est une année entre 2000 et 2100.")
    period = Period.of_year(year) if year else Period.whole()
    secrecy = token.funder_id is not None or diffusion
    report = compute_report(Scope(calls=calls, cohort_id=cohort_id, period=period))
    indicators = []
    for result in report.results:
        ind, table = result.indicator, result.table
        shown = table.display(secrecy=secrecy)
        indicators.append(
            {
                "code": ind.code,
                "section": ind.section,
                "label": ind.label,
                "definition": ind.definition,
                "category": table.category,
                "columns": [
                    {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
                ],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "is_total": row.is_total,
                        "cells": [
                            {
                                "column": column.key,
                                "value": None if cell.hidden else _number(cell.value),
                                "text": cell.text,
                                "hidden": cell.hidden,
                            }
                            for column, cell in zip(table.columns, row.cells, strict=True)
                        ],
                    }
                    for row in shown.rows
                ],
                "notes": list(table.notes),
            }
        )
    return {
        "computed_at": report.computed_at,
        "secrecy": secrecy,
        "secrecy_note": SECRECY_NOTE,
        "calls": list(calls.values_list("public_id", flat=True)),
        "indicators": indicators,
    }
